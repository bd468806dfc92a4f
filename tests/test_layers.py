"""Lower layers never import higher ones (see STYLE.md, section 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "titfortat"
# Rank of each subpackage: a module may import only its own rank or lower.
RANK = {
    "exceptions": 0,
    "_validation": 0,
    "_yaml": 0,
    "results": 1,
    "events": 1,
    "datasets": 2,
    "actors": 3,
    "dynamics": 4,
    "effects": 4,
    "attribution": 4,
    "simulate": 5,
    "report": 6,
    "dashboard": 7,
    "cli": 8,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("titfortat."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("titfortat."):
                    found.add(alias.name.split(".")[1])
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if p.parent != SRC or p.stem in RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_imports(path):
    rel = path.relative_to(SRC)
    layer = rel.parts[0].removesuffix(".py")
    if layer not in RANK:
        pytest.fail(f"{rel}: unknown layer {layer!r}; add it to RANK")
    for target in _imports(path):
        if target in RANK:
            assert RANK[target] <= RANK[layer], f"{rel} imports titfortat.{target}"


def test_matplotlib_only_in_report_and_above():
    for path in SRC.rglob("*.py"):
        layer = path.relative_to(SRC).parts[0].removesuffix(".py")
        if RANK.get(layer, 0) < RANK["report"]:
            text = path.read_text(encoding="utf-8")
            assert "import matplotlib" not in text, path
