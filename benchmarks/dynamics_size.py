"""Size of ``src/titfortat/dynamics`` at git revisions: lines as ``wc -l``
counts them (issue 15's guard), split into code, docstrings, comments and
blank lines, and the largest modules.

Run from the checkout: ``python benchmarks/dynamics_size.py 5d18fea HEAD``
(5d18fea is the commit at which issue 15 measured 7,641 lines).
"""

from __future__ import annotations

import ast
import subprocess
import sys

ROOT = "src/titfortat/dynamics"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, check=True
    ).stdout


def _split(src: str) -> tuple[int, int, int, int]:
    """Code, docstring, comment and blank lines of one module."""
    lines = src.splitlines()
    doc: set[int] = set()
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.walk(ast.parse(src)):
        body = getattr(node, "body", None)
        if isinstance(node, kinds) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                doc.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    blank = sum(not line.strip() for line in lines)
    comment = sum(
        line.strip().startswith("#") and i not in doc for i, line in enumerate(lines, 1)
    )
    return len(lines) - blank - comment - len(doc), len(doc), comment, blank


def main(revs: list[str]) -> None:
    print(
        f"{'revision':>10} {'lines':>6} {'code':>6} {'doc':>6} {'comment':>7} "
        f"{'blank':>6} {'modules':>7}  largest"
    )
    for rev in revs:
        files = [
            f
            for f in _git("ls-tree", "-r", "--name-only", rev, ROOT).split()
            if f.endswith(".py")
        ]
        total = [0, 0, 0, 0]
        sizes = []
        for f in files:
            src = _git("show", f"{rev}:{f}")
            for k, v in enumerate(_split(src)):
                total[k] += v
            sizes.append((len(src.splitlines()), f[len(ROOT) + 1 :]))
        big = ", ".join(f"{name} {n}" for n, name in sorted(sizes)[-3:][::-1])
        print(
            f"{rev:>10} {sum(total):>6} {total[0]:>6} {total[1]:>6} "
            f"{total[2]:>7} {total[3]:>6} {len(files):>7}  {big}"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["HEAD"])
