"""``titfortat effect`` and ``titfortat did`` through Typer's test runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from titfortat.cli.effects import app
from titfortat.effects import COLUMNS, VERDICTS, decide

runner = CliRunner()


def test_effect_json_on_the_bundled_iraq_data():
    res = runner.invoke(
        app,
        [
            "effect",
            "--demo",
            "--treatment",
            "source_event_type=Airstrike",
            "--outcome",
            "event_type=attack",
            "--placebos",
            "300",
            "--no-hawkes",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {"event_study", "before_after", "granger"} <= {r["estimator"] for r in rows}
    for r in rows:
        assert set(r) == set(COLUMNS)
        assert r["verdict"] in VERDICTS
    es = next(r for r in rows if r["estimator"] == "event_study")
    assert es["n_outcome"] == 68573
    # 2,446 airstrikes, less those whose 7-day windows leave the data.
    assert 2400 < es["n_treated"] <= 2446


def test_effect_errors():
    res = runner.invoke(
        app,
        [
            "effect",
            "--demo",
            "--treatment",
            "event_type",
            "--outcome",
            "event_type=attack",
        ],
    )
    assert res.exit_code == 1
    assert "error:" in res.output and "column=value" in res.output
    res = runner.invoke(
        app,
        [
            "effect",
            "-t",
            "event_type=strike",
            "--outcome",
            "event_type=attack",
            "--window-days",
            "0",
        ],
    )
    assert res.exit_code == 2 and "--window-days" in res.output


def test_did_on_lyall(shared_data):
    path = shared_data / "lyall-chechnya" / "chechen.csv"
    args = [
        "did",
        str(path),
        "--unit",
        "village",
        "--treated",
        "fire",
        "--pre",
        "preattack",
        "--post",
        "postattack",
        "--permutations",
        "2000",
    ]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row["verdict"] == "deterrence" and row["n_treated"] == 159
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "DiD estimate" in res.output
    res = runner.invoke(
        app,
        [
            *args[:2],
            "--unit",
            "village",
            "--treated",
            "nope",
            "--pre",
            "preattack",
            "--post",
            "postattack",
        ],
    )
    assert res.exit_code == 1 and "not in the data" in res.output


def test_effect_reads_a_store_file(tmp_path):
    from titfortat.datasets import load_demo_store

    path = tmp_path / "iraq.duckdb"
    load_demo_store(path).close()
    res = runner.invoke(
        app,
        [
            "effect",
            "--store",
            str(path),
            "-t",
            "event_type=strike",
            "--outcome",
            "source_event_type=IED",
            "--placebos",
            "200",
            "--no-hawkes",
            "--window-days",
            "5",
            "--radius-km",
            "20",
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    header, *rows = res.stdout.strip().splitlines()
    assert header.split(",")[:3] == ["estimator", "direction", "estimate"]
    assert any(r.startswith("event_study,IED<-strike,") for r in rows)
    res = runner.invoke(
        app,
        [
            "effect",
            "--store",
            str(tmp_path / "none.duckdb"),
            "-t",
            "event_type=strike",
            "--outcome",
            "event_type=attack",
        ],
    )
    assert res.exit_code == 1 and "error:" in res.output


def test_hawkes_table_on_the_bundled_iraq_data(tmp_path):
    qq = tmp_path / "qq.png"
    args = [
        "hawkes",
        "--demo",
        "air=source_event_type=Airstrike",
        "ied=source_event_type=IED",
        "--segments",
        "8",
        "--qq-plot",
        str(qq),
    ]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data["effects"]) == {"air<-air", "air<-ied", "ied<-air", "ied<-ied"}
    for row in data["effects"].values():
        assert row["verdict"] in VERDICTS
        # Identity link: offspring counts, so no bound below 0; and the
        # verdict is the one the shown interval and LR p-value give.
        assert row["ci_lower"] >= 0.0
        d = decide(row["estimate"], row["ci_lower"], row["ci_upper"], row["p_value"])
        assert row["verdict"] in (d.verdict, "not_estimable"), row
    assert data["header"]["n_days"] == 499  # 2007-02-23 .. 2008-07-05
    assert data["header"]["n_events"]["air"] == 2446
    assert qq.stat().st_size > 10_000
    res = runner.invoke(app, args[:4])
    assert res.exit_code == 0, res.output
    assert "share of events triggered" in res.output


def test_hawkes_usage_errors():
    res = runner.invoke(app, ["hawkes", "air", "ied=event_type=attack"])
    assert res.exit_code == 2
    assert "NAME=FILTER" in res.output
    res = runner.invoke(app, ["hawkes", "a=event_type=attack", "a=event_type=strike"])
    assert res.exit_code == 2
    assert "given twice" in res.output
    res = runner.invoke(
        app, ["hawkes", "--demo", "a=event_type=attack", "b=event_type=nothing"]
    )
    assert res.exit_code == 1
    assert "['b']" in res.output
