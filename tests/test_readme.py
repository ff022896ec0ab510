"""Every code block of the README runs as written (issue 10, item 14).

Python blocks run one by one, each in a fresh namespace (a reader copies one block) and
in an empty working directory. Bash blocks run line by line with the installed ``pgfast``
command first on PATH. A block may be preceded by one marker comment:

- ``<!-- readme-test: test-command -->``: the README's test command; ``.ci/run`` must
  contain it verbatim (CI runs it; running it here would run this test inside itself).
- ``<!-- readme-test: main-job -->``: the main-job command; its install part is what CI
  does, and its last command (``pgfast train …``) runs here and must write what the
  README promises.
- ``<!-- readme-test: docs-command -->``: the command that builds the documentation;
  ``.ci/run`` must run its build part (``.venv/bin/python -m sphinx …``) verbatim.
- ``<!-- readme-test: skip REASON -->``: not run, for the reason given.

The documentation's own pages are checked the same way by ``tests/test_docs.py``.
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import block_env

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(
    r"(?:<!-- readme-test: (?P<mark>[\w-]+)(?P<why>[^>]*)-->\n)?```(?P<lang>\w+)\n(?P<code>.*?)```", re.S
)


def _blocks():
    text = README.read_text(encoding="utf-8")
    for m in BLOCK.finditer(text):
        line = text.count("\n", 0, m.start("code"))
        # blank lines first, so that a traceback points at the README's own line numbers
        code = "\n" * line + m["code"]
        yield pytest.param(m["lang"], m["mark"], m["why"], code, id=f"{m['lang']}-line{line}")


BLOCKS = list(_blocks())


def test_the_readme_has_code_blocks_and_known_markers():
    assert len(BLOCKS) >= 5
    marks = {b.values[1] for b in BLOCKS}
    assert marks <= {None, "test-command", "main-job", "docs-command", "skip"}
    assert sum(b.values[1] == "test-command" for b in BLOCKS) == 1
    assert sum(b.values[1] == "main-job" for b in BLOCKS) == 1
    assert sum(b.values[1] == "docs-command" for b in BLOCKS) == 1


@pytest.mark.parametrize(("lang", "mark", "why", "code"), BLOCKS)
def test_readme_code_block_runs(lang, mark, why, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if mark == "skip":
        assert why.strip(), "a skipped README block must say why"
        return
    if mark == "test-command":
        command = code.strip()
        assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        return
    if mark == "docs-command":
        install, build = code.strip().split(" && ")
        assert install == '.venv/bin/python -m pip install -q ".[docs]"'
        ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        assert build in [line.strip() for line in ci_lines]
        return
    if mark == "main-job":
        command = code.strip().split(" && ")[-1]
        assert command == ".venv/bin/pgfast train CartPole-v1"
        subprocess.run(["pgfast", "train", "CartPole-v1", "--no-progress"], check=True, env=block_env(),
                       timeout=600)
        assert (tmp_path / "CartPole-v1.pgfast").is_file()
        assert (tmp_path / "runs" / "CartPole-v1" / "progress.csv").is_file()
        assert (tmp_path / "runs" / "CartPole-v1" / "learning_curve.png").is_file()
        return
    if lang == "python":
        monkeypatch.setattr(sys, "argv", ["readme"])
        exec(compile(code, str(README), "exec"), {"__name__": "__main__"})
    elif lang == "bash":
        joined = code.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                print("$", line)
                subprocess.run(["bash", "-c", "set -euo pipefail; " + line], check=True, env=block_env(),
                               timeout=900)
    else:
        pytest.fail(f"no runner for {lang!r} blocks: {shlex.quote(code[:40])}")
