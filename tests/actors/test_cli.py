"""The `titfortat actors` sub-app, invoked directly."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from titfortat.actors import bundled_network_path
from titfortat.cli.actors import app

from .conftest import VALID

runner = CliRunner()


def test_show_table_and_json() -> None:
    result = runner.invoke(app, ["show"])
    assert result.exit_code == 0, result.output
    assert "Kataib Hezbollah" in result.output and "References" in result.output
    result = runner.invoke(app, ["show", "--network", "iraq_2006_08", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {a["id"] for a in data["actors"]} >= {"us_led_coalition", "iraqi_insurgents"}


def test_show_csv_at_date() -> None:
    result = runner.invoke(app, ["show", "--at", "2024-02-15", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "source,type,target,start,end,confidence,citation"
    assert not any(line.startswith("kh,claims_under") for line in lines)


def test_validate_ok_and_errors(tmp_path: Path) -> None:
    for name in ("iran_axis_2023_24", "iraq_2006_08"):
        result = runner.invoke(app, ["validate", str(bundled_network_path(name))])
        assert result.exit_code == 0, result.output
        assert "OK" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("source: sponsor", "source: ghost"), "utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml:" in result.output and "'ghost'" in result.output


def test_members_of_the_umbrella_on_tower_22_day() -> None:
    args = ["members", "Islamic Resistance in Iraq", "--at", "2024-01-28"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for faction in ("kh", "nujaba", "kss", "haaa"):
        assert faction in result.output
    assert "Sources" in result.output and "Department of State" in result.output
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["actor_id"] for r in rows} == {"kh", "nujaba", "kss", "haaa"}
    assert all(r["citation"] for r in rows)


def test_members_errors() -> None:
    result = runner.invoke(app, ["members", "Nobody Known"])
    assert result.exit_code == 1
    assert "not in the network" in result.output
    result = runner.invoke(app, ["members", "IRI", "--at", "28 Jan 2024"])
    assert result.exit_code == 2
    assert "ISO date" in result.output


def test_resolve_json_shape(tmp_path: Path) -> None:
    names = ["Kata'ib Hizballah", "Hashd al-Shaabi", "Asa'ib Ahl al-Haq"]
    result = runner.invoke(app, ["resolve", *names, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["raw"] for r in rows] == names
    assert {"raw", "actor_id", "name", "score", "method"} <= set(rows[0])
    assert [r["actor_id"] for r in rows] == ["kh", "pmf", None]
    assert rows[2]["method"] == "unresolved"
    overrides = tmp_path / "o.yaml"
    overrides.write_text("Asa'ib Ahl al-Haq: kh\n", "utf-8")
    result = runner.invoke(
        app,
        ["resolve", "Asa'ib Ahl al-Haq", "--overrides", str(overrides), "-f", "json"],
    )
    assert json.loads(result.output)[0]["method"] == "override"
    result = runner.invoke(app, ["resolve", "KH", "Unknown"])
    assert result.exit_code == 0 and "unresolved" in result.output


def test_plot_writes_png(tmp_path: Path) -> None:
    out = tmp_path / "net.png"
    result = runner.invoke(app, ["plot", "--at", "2024-01-28", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out2 = tmp_path / "iraq.png"
    result = runner.invoke(app, ["plot", "-n", "iraq_2006_08", "-o", str(out2)])
    assert result.exit_code == 0, result.output
    assert out2.exists()


def test_apply_to_store(tmp_path: Path) -> None:
    from titfortat.datasets import load_demo_store

    path = tmp_path / "demo.duckdb"
    load_demo_store(path).close()
    args = ["apply", "--store", str(path), "--network", "iraq_2006_08"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "names:  2/2 resolved (100.0%)" in result.output
    result = runner.invoke(app, ["apply", "--store", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_resolved"] == 0
    assert sorted(data["unresolved"]) == ["Iraqi insurgents", "US-led coalition"]


def test_debug_flag_of_main_app_shows_traceback(monkeypatch) -> None:
    import titfortat.cli

    monkeypatch.setitem(titfortat.cli._state, "debug", True)
    result = runner.invoke(app, ["members", "Nobody Known"])
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "DataError"


def test_no_args_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "members" in result.output and "resolve" in result.output
