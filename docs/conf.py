"""Sphinx configuration of the sciml documentation.

Build (warnings are errors)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Before Sphinx reads any page, three generators write the parts that come from the code and
the benchmark files, so that they cannot drift:

- ``docs/gen_api.py``: the API reference index (``api/index.rst``), one autosummary entry per
  name in each package's ``__all__``;
- ``docs/gen_registries.py``: the table of registries and their registered names
  (``generated/registries.md``, included by the *Extending* page);
- ``docs/gen_results.py``: the results pages (``generated/results/*.md``), every figure read
  from ``benchmarks/results/*.json``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))

os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery's examples are tiny: one BLAS/OpenMP thread each (several threads on small
# matrices are slower, and much slower on shared cores). Set before numpy or torch loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import gen_api  # noqa: E402
import gen_registries  # noqa: E402
import gen_results  # noqa: E402

gen_api.main()
gen_registries.main()
gen_results.main()

import sciml  # noqa: E402

project = "sciml"
author = "the sciml authors"
copyright = "the sciml authors, MIT licence"  # noqa: A001
release = sciml.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinxarg.ext",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "examples/README.rst",  # the gallery's header, read by sphinx-gallery, not by Sphinx
    "gen_*.py",
    "results/prose",  # prose read into the generated results pages
    "generated/registries.md",  # included by extending.md
    "Thumbs.db",
    ".DS_Store",
]
templates_path = ["_templates"]

# MyST: Markdown pages, fenced directives, $math$.
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# API reference: autosummary stubs from the docstrings (numpydoc sections).
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"  # the signature shows the hints; numpydoc's Parameters say the rest
autodoc_inherit_docstrings = False  # members without a docstring of their own are left out
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

# Examples gallery: every docs/examples/plot_*.py runs during the build, its figures shown.
sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "within_subsection_order": "sphinx_gallery.sorting.FileNameSortKey",  # plot_01_..., in order
    "ignore_pattern": r"__init__\.py",
    "backreferences_dir": None,
    "doc_module": (),
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 0,
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "capture_repr": (),
    "show_memory": False,
    "write_computation_times": True,
}


# Docstrings are written for ``help()`` and numpydoc; two plain-text habits in them read as
# reST markup: shapes like ``(C, *grid)`` (an unclosed emphasis) and ``|diagonal|`` (an
# undefined substitution). Escape exactly those before numpydoc and autodoc see them.
_STAR_NAME = re.compile(r"(?<![\\*\w`])\*(\w+)(?=[),])")
_BAR_WORD = re.compile(r"(?<![\\|\w`])\|(\w+)\|(?![\w|`])")


def _escape_plain_text(app, what, name, obj, options, lines):  # noqa: ARG001
    def escape(text: str) -> str:
        return _BAR_WORD.sub(r"\\|\1\\|", _STAR_NAME.sub(r"\\*\1", text))

    for i, line in enumerate(lines):
        parts = line.split("``")  # leave inline literals (odd parts) alone
        parts[::2] = [escape(part) for part in parts[::2]]
        lines[i] = "``".join(parts)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_plain_text, priority=100)


smartquotes = False  # keep "--option" and quotes in help texts as written

html_theme = "pydata_sphinx_theme"
html_title = f"sciml {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "getting-started": []}
html_static_path: list[str] = []
html_show_sourcelink = False
