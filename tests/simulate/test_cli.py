"""``titfortat simulate``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from titfortat.cli import app

runner = CliRunner()


def test_json_output(tmp_path):
    res = runner.invoke(
        app, ["simulate", "example", "--runs", "200", "--seed", "3", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert {"policy", "node", "mean_count", "mc_se", "q05", "q50", "q95"} <= set(
        d["results"][0]
    )
    assert {r["policy"] for r in d["comparison"]} == {"proportionate", "massive"}
    assert d["rng_seed"] == 3


def test_output_dir_writes_pngs_and_refuses_overwrite(tmp_path):
    out = tmp_path / "o"
    args = ["simulate", "example", "--runs", "100", "--seed", "1", "--output", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert (out / "fan_attack.png").stat().st_size > 1000
    assert (out / "comparison.csv").exists()
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert "--force" in res.output


def test_bad_scenario_is_one_line_with_file_and_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        "name: b\nhorizon_days: 10\nmodel:\n  nodes: [a, s]\n"
        "  baseline: [1, 0]\n  adjacency: [[0, 0], [0, 0]]\n  decay: 1\n"
        "policies:\n  x: {trigger: q, response: s, probability: 0.1, "
        "lag_days: [1, 2]}\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["simulate", str(p), "--runs", "10"])
    assert res.exit_code == 1
    assert f"{p}:9:" in res.output and "Traceback" not in res.output


def test_workers_and_scheduler_together_are_refused():
    res = runner.invoke(
        app,
        ["simulate", "example", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
    )
    assert res.exit_code == 2
