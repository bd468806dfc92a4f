from __future__ import annotations

from pathlib import Path

import pytest

from titfortat.events import EventStore

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def store(tmp_path: Path):
    with EventStore(tmp_path / "events.duckdb") as st:
        yield st


@pytest.fixture
def acled_lines() -> tuple[str, list[str]]:
    """Header and rows of the ACLED fixture, to build bad variants from."""
    lines = (FIXTURES / "acled.csv").read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:]
