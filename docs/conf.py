"""Sphinx configuration of the pgfast documentation.

Build (from the repository root, with the ``docs`` extra installed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The tutorial and the gallery are executed at build time (sphinx-gallery): every number
and picture on those pages comes from the installed pgfast. ``PGFAST_DOCS_STEPS`` scales
the gallery's training runs (default: the small step counts CI uses).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pgfast

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "pgfast"
author = "pgfast developers"
copyright = "2026, pgfast developers"
release = pgfast.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
    "sphinxarg.ext",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "tutorials", "Thumbs.db", ".DS_Store", "**/*.ipynb", "**/*.py.md5",
                    "**/*.codeobj.json"]
html_theme = "furo"
smartquotes = False  # keep "--option" and quotes as written (command lines, code-like prose)
html_title = f"pgfast {release}"

# Every cross-reference must resolve (issue 15). References to other projects cannot be
# checked offline (no intersphinx inventories are downloaded at build time): their
# names are listed here, everything of pgfast's own is checked.
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(numpy|np|gymnasium|gym|matplotlib|pandas|ray|tqdm|loky|collections|itertools"
              r"|typing|pathlib|os|argparse)(\..*)?"),
    # pgfast's private modules (pgfast._fused, ._validate, ...) have no page: prose may name them
    ("py:mod", r"pgfast\._\w+"),
]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_typehints = "none"  # the numpy-style docstrings state every type
autodoc_default_options = {"members": True, "member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.dpi": 100}

sphinx_gallery_conf = {
    "examples_dirs": ["tutorials", "../examples"],
    "gallery_dirs": ["tutorial", "gallery"],
    # executed at build time; tune_zoo.py (a long search that rewrites zoo.json) is shown, not run
    "filename_pattern": r"/(plot_.*|cartpole_fourier|continuous_gaussian|mountaincar_tiles|fig13_2"
                        r"|fig13_2_actor_critic|zoo_plot|zoo_table)\.py$",
    "reset_argv": "pgfast_docs.gallery_argv",
    "image_scrapers": ("pgfast_docs.png_scraper", "matplotlib"),
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "matplotlib_animations": False,
    "plot_gallery": "True",
    "show_memory": False,
}
