"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real data sets in ../shared/data (not shipped with the package).

    Skipped with a reason in a user's clone without ../shared; under CI
    (CI=true) a missing folder is a failure, never a skip.
    """
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"CI=true but {SHARED_DATA} is missing: the real-data tests "
                "must run in CI."
            )
        pytest.skip(
            f"{SHARED_DATA} not found: real-data tests need the shared/ "
            "folder beside the project checkout."
        )
    return SHARED_DATA
