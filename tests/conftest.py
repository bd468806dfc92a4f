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


# Browser tests (tests/report, tests/dashboard) drive Debian's chromium through
# pytest-playwright: `playwright install` cannot download browsers here, so the
# launch points at the system executable (installed by .ci/system-packages).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch arguments, pointed at the system chromium.

    Skips with a reason when chromium is missing outside CI; under CI=true a
    missing browser is a failure (``.ci/system-packages`` installs it).
    """
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing: run .ci/system-packages.")
        pytest.skip(
            f"{CHROMIUM} not found: browser tests need Debian's chromium "
            "(apt-get install chromium, as .ci/system-packages does)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: the browser tests pass whole URLs.

    Replaces pytest-playwright's own ``base_url`` fixture, an instance method
    on a plugin class that pytest 9 deprecates (PytestRemovedIn10Warning,
    an error under this project's filterwarnings).
    """
    return None
