from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@dataclasses.dataclass
class DemoRun:
    stdout: str
    stderr: str
    exit_code: int
    report: Path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`titfortat demo -o DIR --placebos 500`, run once for the session."""
    from typer.testing import CliRunner

    from titfortat.cli import app

    out: Path = tmp_path_factory.mktemp("demo-report")
    res = CliRunner().invoke(app, ["demo", "-o", str(out), "--placebos", "500"])
    return DemoRun(res.stdout, res.stderr, res.exit_code, out / "index.html")
