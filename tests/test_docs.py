"""Every code block of the documentation's Markdown pages runs as written (issue 15).

The pages are ``docs/**/*.md`` (the prose: guides and the index). The tutorial and the
gallery are Python scripts that the docs build itself executes (sphinx-gallery), and the
``plot`` directives run there too; this file covers the fenced ``python`` and ``bash``
blocks, exactly as ``tests/test_readme.py`` runs the README's: Python blocks one by one,
each in a fresh namespace and an empty working directory; bash blocks line by line with
the installed ``pgfast`` first on PATH. A block may be preceded by
``<!-- docs-test: skip REASON -->`` (not run, for the reason given).
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import block_env

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
BLOCK = re.compile(
    r"(?:<!-- docs-test: (?P<mark>[\w-]+)(?P<why>[^>]*)-->\n)?```(?P<lang>[\w-]+)\n(?P<code>.*?)```", re.S
)


def _blocks():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start("code"))
            code = "\n" * line + m["code"]  # a traceback points at the page's own line numbers
            name = f"{page.relative_to(DOCS)}:{line}"
            yield pytest.param(page, m["lang"], m["mark"], m["why"], code, id=name)


BLOCKS = list(_blocks())


def test_the_docs_pages_have_code_blocks_and_known_markers():
    assert len(PAGES) >= 10
    assert len(BLOCKS) >= 10
    assert {b.values[2] for b in BLOCKS} <= {None, "skip"}
    assert {b.values[1] for b in BLOCKS} <= {"python", "bash"}


@pytest.mark.parametrize(("page", "lang", "mark", "why", "code"), BLOCKS)
def test_docs_code_block_runs(page, lang, mark, why, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if mark == "skip":
        assert why.strip(), "a skipped docs block must say why"
        return
    if lang == "python":
        monkeypatch.setattr(sys, "argv", ["docs"])
        exec(compile(code, str(page), "exec"), {"__name__": "__main__"})
        return
    joined = code.replace("\\\n", " ")
    for line in joined.splitlines():
        line = line.split("  #")[0].strip()
        if line:
            print("$", line)
            subprocess.run(
                ["bash", "-c", "set -euo pipefail; " + line], check=True, env=block_env(), timeout=900
            )


@pytest.mark.parametrize("script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_every_example_docstring_opens_with_a_title(script):
    # sphinx-gallery makes a page of every example: its docstring's first line, underlined
    # with "=", is the page's title (without one the docs build fails with -W)
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")), clean=False)
    assert doc, f"{script.name}: no module docstring"
    title, underline = [*doc.split("\n"), ""][:2]
    assert title.strip() and set(underline) == {"="} and len(underline) >= len(title), (
        f"{script.name}: the docstring must open with a title line underlined by '=' "
        f"at least as long (sphinx-gallery's page title)"
    )
