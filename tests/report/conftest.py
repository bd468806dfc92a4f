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


#: The demo's settings made lighter for the test suite: every section and
#: figure is still there, from two Hawkes nodes, 600 simulated banner attacks
#: and 50 runs per policy, without the effect table's Hawkes rows (the full
#: demo takes minutes on a busy machine).
LIGHT = {
    "hawkes_nodes": {
        "air": "source_event_type=Airstrike",
        "attack": "event_type=attack",
    },
    "effect_hawkes": False,
    "attribution_events": 600,
    "simulation_runs": 50,
}


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`titfortat demo -o DIR --placebos 300` with LIGHT settings, run once."""
    from typer.testing import CliRunner

    import titfortat.report.html as html
    from titfortat.cli import app

    out: Path = tmp_path_factory.mktemp("demo-report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(html, "DEMO_CONFIG", dataclasses.replace(html.DEMO_CONFIG, **LIGHT))
        res = CliRunner().invoke(app, ["demo", "-o", str(out), "--placebos", "300"])
    return DemoRun(res.stdout, res.stderr, res.exit_code, out / "index.html")
