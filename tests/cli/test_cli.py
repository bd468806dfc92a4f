"""The CLI translates: options in, library call, output out."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from titfortat.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_ingest_json_then_events_and_quarantine(tmp_path, fixtures):
    store = tmp_path / "s.duckdb"
    bad = tmp_path / "bad.csv"
    lines = (fixtures / "acled.csv").read_text().splitlines()
    bad.write_text(
        "\n".join([lines[0], lines[1].replace("33.7856", "133.7856")]) + "\n"
    )
    res = invoke(
        "ingest",
        fixtures / "acled.csv",
        bad,
        "--format",
        "acled",
        "--store",
        store,
        "--json",
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert {
        k: report[k] for k in ("read", "inserted", "duplicates", "quarantined")
    } == {"read": 9, "inserted": 8, "duplicates": 0, "quarantined": 1}

    res = invoke(
        "events", "--store", store, "--event-type", "strike", "--format", "json"
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["event_id"] for r in rows} == {"acled:IRQ90002", "acled:IRQ90006"}

    res = invoke(
        "events",
        "--store",
        store,
        "--since",
        "2024-02-01",
        "--country",
        "Iraq",
        "--format",
        "csv",
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("event_id,source,")
    assert len(res.stdout.splitlines()) == 3

    out = tmp_path / "e.parquet"
    res = invoke(
        "events",
        "--store",
        store,
        "--actor",
        "Kataib",
        "--format",
        "parquet",
        "--output",
        out,
    )
    assert res.exit_code == 0, res.output
    assert len(pd.read_parquet(out)) == 2

    res = invoke("events", "--store", store)
    assert res.exit_code == 0 and "IRQ90001" in res.stdout

    res = invoke("quarantine", "--store", store, "--format", "json")
    assert res.exit_code == 0, res.output
    (q,) = json.loads(res.stdout)
    assert (q["reason"], q["column_name"], q["source_row"]) == (
        "out_of_range",
        "latitude",
        1,
    )
    res = invoke("quarantine", "--store", store)
    assert "out_of_range" in res.stdout


def test_ingest_memory_limit_is_checked_and_used(tmp_path, fixtures, monkeypatch):
    from titfortat.events import store as store_module

    seen = []
    real_init = store_module.EventStore.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("memory_limit"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(store_module.EventStore, "__init__", spy)
    args = ["ingest", fixtures / "acled.csv", "-f", "acled", "--store"]
    res = invoke(*args, tmp_path / "a.duckdb", "--json")
    assert res.exit_code == 0, res.output
    res = invoke(*args, tmp_path / "b.duckdb", "--json", "--memory-limit", "512MB")
    assert res.exit_code == 0, res.output
    assert seen == ["1GB", "512MB"]
    res = invoke(*args, tmp_path / "c.duckdb", "--memory-limit", "lots")
    assert res.exit_code == 2
    assert "--memory-limit 'lots' is not a size" in res.stderr
    assert not (tmp_path / "c.duckdb").exists()


def test_ingest_table_with_progress_summary(tmp_path):
    from titfortat.datasets import iraq_paths

    res = invoke(
        "ingest",
        iraq_paths()["airstrikes"],
        "--format",
        "table",
        "--mapping",
        "geocausal-airstrikes",
        "--store",
        tmp_path / "s.duckdb",
    )
    assert res.exit_code == 0, res.output
    assert "3,938" in res.stdout


def test_unknown_format_is_a_usage_error(tmp_path, fixtures):
    res = invoke(
        "ingest",
        fixtures / "acled.csv",
        "--format",
        "acledd",
        "--store",
        tmp_path / "s.duckdb",
    )
    assert res.exit_code == 2
    assert "acledd" in res.output


def test_library_errors_are_one_red_line(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    res = invoke("ingest", empty, "--format", "acled", "--store", tmp_path / "s.duckdb")
    assert res.exit_code == 1
    assert "error:" in res.stderr and "the file is empty" in res.stderr
    assert "Traceback" not in res.output


def test_events_on_missing_store(tmp_path):
    res = invoke("events", "--store", tmp_path / "none.duckdb")
    assert res.exit_code == 1 and "No event store" in res.stderr


def test_bad_date_filter(tmp_path, fixtures):
    store = tmp_path / "s.duckdb"
    invoke("ingest", fixtures / "acled.csv", "--format", "acled", "--store", store)
    res = invoke("events", "--store", store, "--since", "last week")
    assert res.exit_code == 1 and "'since' filter must be a date" in res.stderr


def test_effect_table_keeps_every_number_whole_in_80_columns():
    import io

    import numpy as np
    import pandas as pd
    from rich.console import Console

    from titfortat.cli._render import effect_view
    from titfortat.effects import COLUMNS

    rng = np.random.default_rng(0)
    rows = []
    for est in ("before_after", "event_study", "count_ar_poisson", "granger"):
        for direction in ("attack<-Airstrike", "Airstrike<-attack"):
            row = dict.fromkeys(COLUMNS, "x")
            row.update(
                estimator=est,
                direction=direction,
                estimate=-5.3e-05 * rng.uniform(1, 2),
                ci_lower=-0.000133,
                ci_upper=0.00153,
                p_value=0.0013,
                verdict="no_detectable_effect",
            )
            rows.append(row)

    class Result:
        header = {"model": "toy"}
        table = pd.DataFrame(rows)

    buf = io.StringIO()
    effect_view(Console(file=buf, width=80), Result())
    text = buf.getvalue()
    assert "…" not in text.split("Effect table")[1].split("before_after:")[0]
    for r in rows:
        assert f"{r['estimate']:.3g}" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_report_refuses_unusable_event_study_options_before_writing(tmp_path):
    # The same check and message as `titfortat effect` (one shared option set).
    out = tmp_path / "r"
    for args in (["--window-days", "0"], ["--placebos", "5"], ["--radius-km", "0"]):
        res = invoke(
            "report", "--store", str(tmp_path / "x.duckdb"), "-o", str(out), *args
        )
        assert res.exit_code == 2, res.output
        assert "--window-days must be >= 1" in res.output
        assert not out.exists()
