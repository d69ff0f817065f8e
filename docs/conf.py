"""Sphinx configuration of the sklearn_ae documentation.

Build (warnings are errors), from the repository root:

    make -C docs html           # runs every example of the gallery
    make -C docs html-noplot    # gallery pages without running the examples

or without make: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(add ``-D plot_gallery=0`` to skip running the examples). See docs/README.md.
"""

import os
import sys
from pathlib import Path

from sphinx.util import logging

# The gallery's small networks train fastest on one thread, and on a busy
# 2-core machine several threads per process slow them down many times over.
# Set before torch is imported; an OMP_NUM_THREADS of your own wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
# Document the checkout these docs belong to, even when another copy of
# sklearn_ae is installed.
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "sphinxext"))

from sklearn_ae_docs import (  # noqa: E402
    duplicated_in_api,
    missing_from_api,
    quote_fitted_attributes,
    unlink_sklearn_labels,
)

# The gallery's backreferences look up sklearn.impute.IterativeImputer,
# which exists only once enabled: without it, html-noplot (examples not run)
# stopped with an ImportError.
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401

import sklearn_ae  # noqa: E402

project = "sklearn_ae"
author = "sklearn_ae developers"
copyright = "sklearn_ae developers, BSD 3-Clause licence"
release = sklearn_ae.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "README.md",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
]
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"member-order": "groupwise"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every parameter documented, and no documented parameter that does not exist.
numpydoc_validation_checks = {"PR01", "PR02"}
# Python objects referenced from the docstrings (See Also, types) that are not
# part of these docs render as plain text rather than broken links.
nitpicky = False

# -- links to other projects' docs (needs the network, so opt-in) -------------
if os.environ.get("SKLEARN_AE_DOCS_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "torch": ("https://pytorch.org/docs/stable", None),
    }

# -- sphinx-gallery -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "sklearn_ae_docs.ExampleOrder",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_ae",),
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "min_reported_time": 1,
    "show_memory": False,
    # Sharp figures on high-resolution screens: a second PNG at twice the dpi.
    "image_srcset": ["2x"],
    # Show what the examples print, never the repr of a cell's last
    # expression (<matplotlib.legend.Legend object at 0x...>, Text(...)).
    "capture_repr": (),
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_ae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"install": [], "quickstart": []}
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["sklearn_ae.css"]
# "On this page" lists methods as "fit_transform", not
# "AutoencoderTransformer.fit_transform", which the sidebar would clip.
toc_object_entries_show_parents = "hide"


# -- checks -------------------------------------------------------------------------
def _check_api_reference(app):
    """Warn (an error under -W) about public names missing from api.rst."""
    logger = logging.getLogger("sklearn_ae_docs")
    for name in missing_from_api(HERE / "api.rst"):
        module, _, short = name.rpartition(".")
        logger.warning(
            f"{name} is public (in {module}.__all__) but not in docs/api.rst: "
            f"add the line '   {short}' to its autosummary list under "
            f"'.. currentmodule:: {module}'."
        )
    for name in duplicated_in_api(HERE / "api.rst"):
        logger.warning(f"{name} is listed more than once in docs/api.rst.")


def setup(app):
    app.connect("builder-inited", _check_api_reference)
    # After numpydoc (priority 500) has turned the sections into reST.
    app.connect("autodoc-process-docstring", quote_fitted_attributes, priority=600)
    # After intersphinx (priority 500), which resolves them when enabled.
    app.connect("missing-reference", unlink_sklearn_labels, priority=900)
