"""Helpers for the sklearn_ae docs build: gallery order and API coverage."""

import re
from pathlib import Path

# Gallery order: these first, in this order; any other example after them,
# by file name. Add one line here to place a new example.
EXAMPLE_ORDER = [
    "plot_quickstart.py",
    "plot_latent_space.py",
    "plot_loss_curves.py",
    "plot_outlier_detection.py",
    "plot_denoising.py",
    "plot_inpainting.py",
    "plot_colorization.py",
    "plot_sequence_anomalies.py",
    "plot_vae_samples.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        if name in EXAMPLE_ORDER:
            return (EXAMPLE_ORDER.index(name), name)
        return (len(EXAMPLE_ORDER), name)

    def __repr__(self):  # sphinx-gallery caches the config by repr
        return "ExampleOrder"


def public_names():
    """Every public name: ``sklearn_ae.__all__`` and ``sklearn_ae.plotting``."""
    import sklearn_ae
    import sklearn_ae.plotting

    names = [f"sklearn_ae.{n}" for n in sklearn_ae.__all__ if not n.startswith("_")]
    names += [f"sklearn_ae.plotting.{n}" for n in sklearn_ae.plotting.__all__]
    return names


def documented_names(api_rst):
    """Fully qualified names listed in the autosummary tables of ``api_rst``."""
    names = []
    module = None
    for line in Path(api_rst).read_text().splitlines():
        match = re.match(r"\.\. currentmodule:: (\S+)", line.strip())
        if match:
            module = match.group(1)
            continue
        entry = re.fullmatch(r" {3,}([A-Za-z_][\w.]*)", line)
        if entry and module is not None and not entry.group(1).startswith(":"):
            names.append(f"{module}.{entry.group(1)}")
    return names


def duplicated_in_api(api_rst):
    """Names that ``api_rst`` lists more than once (e.g. after a merge)."""
    names = documented_names(api_rst)
    return sorted({name for name in names if names.count(name) > 1})


def missing_from_api(api_rst):
    """Public names that ``api_rst`` does not list."""
    documented = set(documented_names(api_rst))
    return [name for name in public_names() if name not in documented]


# A bare word ending in "_" is a hyperlink reference in reStructuredText, so
# docstrings that say "shape (n_samples, n_features_in_)" or "below offset_"
# would fail the build with 'Unknown target name'. Fitted attributes are
# written like that all the time; render them as literals instead.
_TRAILING_UNDERSCORE = re.compile(
    r"(?<![\w`*:<|/.-])([A-Za-z]\w*[A-Za-z0-9]_)(?![\w`_])"
)


_CODE_SPAN = re.compile(r"(``.+?``|`[^`]*`_{0,2})")


def _quote_line(line):
    pieces = _CODE_SPAN.split(line)
    # Even pieces are outside backtick spans: only those are rewritten.
    for i in range(0, len(pieces), 2):
        pieces[i] = _TRAILING_UNDERSCORE.sub(r"``\1``", pieces[i])
    return "".join(pieces)


def quote_fitted_attributes(app, what, name, obj, options, lines):
    """autodoc-process-docstring hook: ``word_`` outside code and literals."""
    in_doctest = False
    literal_indent = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if stripped and indent <= literal_indent:
                literal_indent = None
            else:
                continue
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest:
            if not stripped:
                in_doctest = False
            continue
        lines[i] = _quote_line(line)
        if stripped.endswith("::"):
            literal_indent = indent


SKLEARN_DOCS = "https://scikit-learn.org/stable/"

# A gallery label of scikit-learn's: sphx_glr_auto_examples_<folder>_<file>.py
_SKLEARN_EXAMPLE_LABEL = re.compile(r"sphx_glr_auto_examples_(\w+?)_(plot_\w+)\.py")


def _sklearn_label_text(label):
    """Readable text for a scikit-learn label used without a title."""
    example = _SKLEARN_EXAMPLE_LABEL.fullmatch(label)
    if example:
        return (
            f"scikit-learn's example {example.group(2)}.py",
            f"{SKLEARN_DOCS}auto_examples/{example.group(1)}/{example.group(2)}.html",
        )
    return "scikit-learn's User Guide", f"{SKLEARN_DOCS}user_guide.html"


def unlink_sklearn_labels(app, env, node, contnode):
    """missing-reference hook: scikit-learn's own labels and glossary terms.

    Methods inherited from scikit-learn (``set_output``, ``get_params``...)
    carry docstrings with ``:ref:`` links into scikit-learn's user guide,
    which these docs do not contain. Only those are forgiven: a broken link in
    sklearn_ae's own text still fails the build. A link with a title
    (``:ref:`User Guide <label>```) keeps its title as plain text; one without
    would show the raw label (``sphx_glr_auto_examples_...``), so it becomes
    a link to the page on scikit-learn's website instead (a plain URL: the
    build itself needs no network).
    """
    from docutils import nodes

    source = node.source or ""
    if (
        node.get("reftype") not in ("ref", "term")
        or "docstring of sklearn." not in source
    ):
        return None
    if node.get("reftype") == "term":  # scikit-learn's glossary, on its website
        term = node.get("reftarget", "").replace(" ", "-")
        uri = f"{SKLEARN_DOCS}glossary.html#term-{term}"
        return nodes.reference("", "", contnode, refuri=uri, internal=False)
    if node.get("refexplicit"):
        return contnode
    text, uri = _sklearn_label_text(node.get("reftarget", ""))
    return nodes.reference("", text, refuri=uri, internal=False)
