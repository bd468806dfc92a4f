"""Every code block of the README runs as written (issue 13).

The README's fenced ``bash`` and ``python`` blocks run in order in one
temporary folder that holds a copy of ``examples/`` (as a user following the
README from the repository root would). A block that cannot run there is
preceded by an HTML comment with its reason:

* ``<!-- no-run: reason -->``: never run (installs, clusters, the user's own
  files, minutes-long benchmarks);
* ``<!-- slow: reason -->``: run by ``python -m pytest -m slow`` only.

Blocks without a language (a folder tree) are text, not code. Any other
language, or a marker without a reason, fails the test, so a section added
later must either run or say why not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RUNNABLE = {"bash", "python"}
_FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_MARKER = re.compile(r"<!--\s*(no-run|slow)\s*:\s*(.*?)\s*-->\s*$", re.S)


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    code: str
    marker: str | None  # "no-run", "slow" or None
    reason: str


def readme_blocks(text: str) -> list[Block]:
    """The fenced blocks of ``text`` with the marker on the line before each."""
    out = []
    for m in _FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").splitlines()
        previous = before[-1].strip() if before else ""
        marker = _MARKER.search(previous)
        out.append(
            Block(
                line=text.count("\n", 0, m.start()) + 1,
                lang=m.group(1).lower(),
                code=m.group(2),
                marker=marker.group(1) if marker else None,
                reason=marker.group(2) if marker else "",
            )
        )
    return out


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def test_block_parser_reads_markers():
    text = "a\n<!-- no-run: needs X -->\n```bash\nfoo\n```\n\n```\ntree\n```\n"
    first, second = readme_blocks(text)
    assert (first.lang, first.marker, first.reason, first.code) == (
        "bash",
        "no-run",
        "needs X",
        "foo\n",
    )
    assert (second.lang, second.marker) == ("", None)


def test_every_block_runs_or_says_why_not():
    code = [b for b in BLOCKS if b.lang]
    assert code, "no code blocks found in README.md"
    for b in code:
        assert b.lang in RUNNABLE, (
            f"README.md line {b.line}: a {b.lang!r} block; use bash or python "
            "(or no language for plain text)"
        )
        if b.marker is not None:
            assert len(b.reason) >= 10, (
                f"README.md line {b.line}: <!-- {b.marker}: ... --> needs a reason"
            )
    counts = {kind: sum(b.marker == kind for b in code) for kind in ("no-run", "slow")}
    run = len(code) - counts["no-run"] - counts["slow"]
    print(
        f"README code blocks: {len(code)}; run by default {run}, "
        f"slow {counts['slow']}, not run {counts['no-run']}"
    )
    assert run > counts["no-run"], "most README blocks must run"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", path / "examples")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TITFORTAT_STORE", None)
    # The titfortat script of this interpreter first, as after `pip install`.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    env.update(COLUMNS="120", MPLBACKEND="Agg", PYTHONWARNINGS="error")
    return env


def _run(block: Block, cwd: Path) -> None:
    if block.lang == "bash":
        cmd = ["bash", "-e", "-o", "pipefail", "-c", block.code]
    else:
        cmd = [sys.executable, "-c", block.code]
    res = subprocess.run(
        cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900
    )
    assert res.returncode == 0, (
        f"README.md line {block.line} ({block.lang}) failed with exit code "
        f"{res.returncode}:\n{block.code}\n--- stdout\n{res.stdout[-3000:]}"
        f"\n--- stderr\n{res.stderr[-3000:]}"
    )


def test_readme_blocks_run_in_order(workdir):
    for block in BLOCKS:
        if block.lang in RUNNABLE and block.marker is None:
            _run(block, workdir)


@pytest.mark.slow
@pytest.mark.parametrize(
    "block",
    [b for b in BLOCKS if b.marker == "slow"],
    ids=lambda b: f"line{b.line}",
)
def test_slow_readme_blocks_run(block, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    _run(block, tmp_path)
