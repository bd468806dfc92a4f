"""Counts of what the fuzz suite tried, printed at the end of the run."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from ._support import TRIED


@pytest.fixture(scope="module", autouse=True)
def _in_scratch_folder(tmp_path_factory):
    """Random option values can name output files (``-o -127280``): write them
    into a scratch folder, never into the checkout the suite runs from."""
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("fuzz-cwd"))
    yield
    os.chdir(here)


@pytest.fixture
def tried() -> Counter[str]:
    return TRIED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if TRIED:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(TRIED.items()))
        terminalreporter.write_line(f"fuzz: {counts}")
