# Sphinx configuration of mwk's documentation site.
# Built by scripts/packaging.sh (stage docs) with warnings as errors:
#   build-packaging/venv/bin/sphinx-build -W -b html docs/site build-packaging/docs-html
# The Python API pages are read from the installed mwk (the wheel), the C API
# and the accuracy contracts from include/mwk.h, the CLI pages from
# `python -m mwk ... --help`, the charts from bench/results/.
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

import mwk  # noqa: E402  (the installed package the API pages describe)

project = "mwk"
author = "the mwk developers"
copyright = "the mwk developers (BSD-3-Clause)"
release = mwk.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "mwk_header",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

# numpydoc: no per-method tables (the generated methods are documented in full)
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"

# No network when building: no intersphinx inventories are fetched.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

myst_heading_anchors = 3
html_theme = "furo"
html_title = f"mwk {release}"
html_static_path: list[str] = []
html_show_sourcelink = False


# The accuracy contracts in the generated move_<stat> docstrings come from the
# C registry as plain text, where |x| is an absolute value; in reStructuredText
# |x| is a substitution. Escape the bars so they render as written.
def _escape_abs_bars(app, what, name, obj, options, lines):  # type: ignore[no-untyped-def]
    import re

    for i, line in enumerate(lines):
        row = line.strip()
        if "|" in line and "``" not in line and not (row.startswith("|") and row.endswith("|")):
            lines[i] = re.sub(r"(?<!\\)\|", r"\\|", line)


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("autodoc-process-docstring", _escape_abs_bars)
