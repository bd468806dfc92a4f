"""Counts of what the fuzz suite tried, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

import pytest

from ._support import TRIED


@pytest.fixture
def tried() -> Counter[str]:
    return TRIED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if TRIED:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(TRIED.items()))
        terminalreporter.write_line(f"fuzz: {counts}")
