"""Sphinx directives that read mwk's sources at build time.

``.. mwk-c-api::``
    Every ``MWK_API`` function of include/mwk.h as a ``c:function`` with the
    comment block that precedes it, and every public type (typedef'd enum or
    struct, with its comments) as C source.
``.. mwk-header-section:: TITLE``
    The text of the header's comment section headed TITLE (between the
    ``----`` rules), e.g. "Accuracy contract".
``.. mwk-cli-help:: [SUBCOMMAND]``
    The output of ``python -m mwk [SUBCOMMAND] --help``.

Anything it cannot find is an error, so a renamed header section or a
removed command fails the (warnings-as-errors) build instead of leaving a hole.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

INCLUDE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "include"))
HEADER = os.path.join(INCLUDE, "mwk.h")


def _header_text(name: str = "mwk.h") -> str:
    with open(os.path.join(INCLUDE, name), encoding="utf-8") as f:
        return f.read()


def _clean_comment(block: str) -> list[str]:
    lines = block.strip()
    lines = re.sub(r"^/\*\*?", "", lines)
    lines = re.sub(r"\*/$", "", lines)
    out = []
    for ln in lines.splitlines():
        ln = re.sub(r"^\s*\* ?", "", ln)
        out.append(ln.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


class CApi(Directive):
    """``.. mwk-c-api:: [HEADER]``: a public header of include/ (default mwk.h)."""

    has_content = False
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        header = self.arguments[0].strip() if self.arguments else "mwk.h"
        text = _header_text(header)
        items = []
        # a comment block (optional) directly followed by MWK_API ... ;
        pat = re.compile(r"(/\*(?:(?!\*/).)*\*/\s*)?MWK_API\s+([^;{]*?\))\s*;", re.S)
        for m in pat.finditer(text):
            decl = " ".join(m.group(2).split())
            comment = _clean_comment(m.group(1)) if m.group(1) else []
            items.append((decl, comment))
        if not items:
            raise self.error(f"no MWK_API declarations found in {header}")
        types = re.findall(r"typedef\s+(?:enum|struct)\s*\w*\s*\{.*?\}\s*\w+\s*;", text, re.S)
        rst: list[str] = []
        rst += ["Types", "-----", "", ".. code-block:: c", ""]
        for t in types:
            rst += ["   " + ln for ln in t.splitlines()] + [""]
        rst += ["Functions", "---------", ""]
        for decl, comment in items:
            rst += [f".. c:function:: {decl}", ""]
            if comment:
                rst += ["   ::", ""] + ["      " + ln for ln in comment] + [""]
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(rst, source=os.path.join(INCLUDE, header)), node)
        return node.children


class HeaderSection(Directive):
    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0].strip()
        text = _header_text()
        m = re.search(r"\n \* -{20,}\n \* " + re.escape(title) + r"\n \* -{20,}\n(.*?)(?=\n \* -{20,}\n|\*/)",
                      text, re.S)
        if not m:
            raise self.error(f"section {title!r} not found in {HEADER}")
        body = "\n".join(_clean_comment("/*" + m.group(1) + "*/"))
        return [nodes.literal_block(body, body)]


class CliHelp(Directive):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        args = [sys.executable, "-m", "mwk", *self.arguments, "--help"]
        env = dict(os.environ, COLUMNS="88", NO_COLOR="1")
        r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        if r.returncode != 0:
            raise self.error(f"{' '.join(args[1:])} failed: {r.stderr.strip()[:500]}")
        shown = "$ mwk " + " ".join([*self.arguments, "--help"]) + "\n" + r.stdout.rstrip()
        return [nodes.literal_block(shown, shown)]


def setup(app):  # type: ignore[no-untyped-def]
    app.add_directive("mwk-c-api", CApi)
    app.add_directive("mwk-header-section", HeaderSection)
    app.add_directive("mwk-cli-help", CliHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
