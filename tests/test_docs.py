"""Checks of the documentation that need no Sphinx: API coverage, docstring
Examples sections, gallery headers, and the quickstart page's code."""

import ast
import doctest
import importlib
import inspect
import re
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))

sys.path.insert(0, str(DOCS / "sphinxext"))
from sklearn_ae_docs import (  # noqa: E402
    _quote_line,
    documented_names,
    duplicated_in_api,
    missing_from_api,
    public_names,
)


def _resolve(name):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def test_api_reference_lists_every_public_name():
    missing = missing_from_api(DOCS / "api.rst")
    assert not missing, (
        f"Public names missing from docs/api.rst: {missing}. Add one line per "
        "name to the autosummary list of its module."
    )


def test_api_reference_lists_each_name_once():
    assert not duplicated_in_api(DOCS / "api.rst")


def test_api_reference_names_exist():
    names = documented_names(DOCS / "api.rst")
    assert "sklearn_ae.AutoencoderTransformer" in names
    assert "sklearn_ae.plotting.LossCurveDisplay" in names
    for name in names:
        _resolve(name)  # raises if api.rst names something that is gone


def _public_docstrings():
    """(qualified name, docstring) of each public class, function and method
    defined in sklearn_ae (inherited scikit-learn methods excluded)."""
    for name in public_names():
        obj = _resolve(name)
        yield name, obj.__doc__
        if not inspect.isclass(obj):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("_") or isinstance(member, property):
                continue
            member = getattr(obj, attr)
            if callable(member) and name.startswith("sklearn_ae.plotting"):
                yield f"{name}.{attr}", member.__doc__


DOCSTRINGS = list(_public_docstrings())


@pytest.mark.parametrize("name, doc", DOCSTRINGS, ids=[n for n, _ in DOCSTRINGS])
def test_public_docstring_has_examples(name, doc):
    assert doc and re.search(r"\n\s*Examples\n\s*--------\n\s*>>>", doc), (
        f"{name}: the docstring needs a runnable Examples section"
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_has_gallery_header(path):
    source = path.read_text()
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    assert docstring, f"{path.name} must start with a docstring (the gallery header)"
    lines = docstring.strip().splitlines()
    if set(lines[0]) == {"="}:  # over- and underlined title
        lines = lines[1:]
    title, underline = lines[0], lines[1]
    assert set(underline) == {"="} and len(underline) >= len(title.strip()), (
        f"{path.name}: the title {title!r} must be underlined with '='"
    )
    assert len(lines) > 3, f"{path.name}: add a paragraph below the title"
    assert "\n# %%" in source, f"{path.name}: split the code into '# %%' cells"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("shape (n, n_features_in_)", "shape (n, ``n_features_in_``)"),
        ("below offset_.", "below ``offset_``."),
        ("``loss_curve_`` and `best_loss_`", "``loss_curve_`` and `best_loss_`"),
        ("**encoder_** : torch.nn.Module", "**encoder_** : torch.nn.Module"),
        (":class:`Foo <bar_>`_", ":class:`Foo <bar_>`_"),
        ("sklearn_ae.plotting", "sklearn_ae.plotting"),
    ],
)
def test_docs_quote_trailing_underscores(line, expected):
    assert _quote_line(line) == expected


@pytest.mark.slow
def test_quickstart_page_runs():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testfile(
            str(DOCS / "quickstart.rst"),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
    plt.close("all")
    assert result.attempted > 10
    assert result.failed == 0


def _readme_blocks():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("block", _readme_blocks())
def test_readme_python_blocks_run_alone(block):
    # Each snippet runs on its own, in a fresh namespace.
    code = block.replace("random_state=0)", "random_state=0, max_iter=3)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README.md", "exec"), {})


def test_docs_say_when_to_pick_the_sigmoid_output():
    # Noisy training images leave [0, 1], so "auto" keeps no activation: the
    # denoiser's docstring and the choosing page say to ask for the sigmoid.
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_ae import DenoisingAutoencoder

    choosing = " ".join((DOCS / "choosing.rst").read_text().split())
    docstring = " ".join(DenoisingAutoencoder.__doc__.split())
    for text in (choosing, docstring):
        assert re.search(
            r'output_activation="sigmoid"`` (yourself )?when the clean', text
        )
        assert "lie in [0, 1]" in text
    clean = np.random.RandomState(0).uniform(size=(60, 4))
    noisy = clean + np.random.RandomState(1).normal(scale=0.25, size=clean.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert DenoisingAutoencoder(2, max_iter=1).fit(noisy).output_activation_ == (
            "identity"
        )
        assert DenoisingAutoencoder(2, max_iter=1).fit(clean).output_activation_ == (
            "sigmoid"
        )
