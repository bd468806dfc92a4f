"""Issue 13: the CLI under careless and hostile input (no traceback, no lost byte)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest
from rich.console import Console
from typer.main import get_command
from typer.testing import CliRunner

from titfortat.cli import app
from titfortat.events import EventStore
from titfortat.exceptions import StoreError

runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(
        app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})}
    )


@pytest.fixture
def store(tmp_path, fixtures) -> Path:
    path = tmp_path / "s.duckdb"
    with EventStore(path) as st:
        st.ingest(fixtures / "acled.csv", format="acled")
    return path


# ------------------------------------------------------------ 1. output safety
@pytest.mark.parametrize("command", ["events", "quarantine"])
def test_output_over_the_open_store_is_refused(store, command):
    before = store.read_bytes()
    res = invoke(command, "-s", store, "--format", "json", "-o", store, "--force")
    assert res.exit_code == 2, res.output
    assert "is an input of this command" in res.stderr
    assert store.read_bytes() == before
    with EventStore(store, read_only=True) as st:
        assert st.count() == 8


def test_existing_output_needs_force_and_parents_are_created(store, tmp_path):
    out = tmp_path / "new" / "deeper" / "events.json"
    res = invoke("events", "-s", store, "--format", "json", "-o", out)
    assert res.exit_code == 0, res.output
    assert len(json.loads(out.read_text())) == 8
    assert "created folder" in res.stderr
    out.write_text("keep me")
    res = invoke("events", "-s", store, "--format", "csv", "-o", out)
    assert res.exit_code == 2 and "exists. Pass --force" in res.stderr
    assert out.read_text() == "keep me"
    res = invoke("events", "-s", store, "--format", "csv", "-o", out, "--force")
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("event_id,")
    res = invoke("events", "-s", store, "--format", "csv", "-o", tmp_path)
    assert res.exit_code == 2 and "is a folder" in res.stderr


def test_output_folder_that_cannot_be_created_is_named(store, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = invoke("events", "-s", store, "--format", "csv", "-o", blocker / "a.csv")
    assert res.exit_code == 2, res.output
    assert "is a file, not a folder" in res.stderr and "Traceback" not in res.output


# ------------------------------------------------------------------ 2. paths
def test_ingest_reads_a_bracketed_name_literally(tmp_path, fixtures):
    shutil.copy(fixtures / "acled.csv", tmp_path / "acled[2024].csv")
    lines = (fixtures / "acled.csv").read_text().splitlines()
    (tmp_path / "acled2.csv").write_text(lines[0] + "\n" + lines[1] + "\n")
    store = tmp_path / "s.duckdb"
    res = invoke(
        "ingest", tmp_path / "acled[2024].csv", "-f", "acled", "-s", store, "--json"
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inserted"] == 8
    with EventStore(store, read_only=True) as st:
        files = set(st.query()["source_file"])
    assert files == {str(tmp_path / "acled[2024].csv")}


@pytest.mark.parametrize("value", ["md:foo", "s3://bucket/x.duckdb", "http://h/x"])
@pytest.mark.parametrize("command", ["ingest", "events", "effect", "actors apply"])
def test_remote_stores_are_refused(fixtures, value, command):
    args = {
        "ingest": ["ingest", fixtures / "acled.csv", "-f", "acled"],
        "events": ["events"],
        "effect": ["effect", "-t", "event_type=strike", "--outcome", "event_type=a"],
        "actors apply": ["actors", "apply"],
    }[command]
    res = invoke(*args, "--store", value)
    assert res.exit_code == 2, res.output
    assert "not a local file" in res.stderr


def test_memory_store_is_refused_where_it_keeps_nothing(fixtures):
    res = invoke("ingest", fixtures / "acled.csv", "-f", "acled", "-s", ":memory:")
    assert res.exit_code == 2 and "keeps nothing" in res.stderr
    res = invoke("events", "-s", ":memory:")
    assert res.exit_code == 2 and ":memory:" in res.stderr


def test_library_refuses_remote_paths_unless_allowed(tmp_path):
    with pytest.raises(StoreError, match="allow_remote=True"):
        EventStore("md:foo")


# ------------------------------------------------------------- 5. consistency
def test_every_store_reading_command_defaults_to_the_same_file(tmp_path, fixtures):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for args in (
            ["events"],
            ["quarantine"],
            ["effect", "-t", "event_type=strike", "--outcome", "event_type=attack"],
            ["hawkes", "a=event_type=attack", "b=event_type=strike"],
            ["serve", "--port", "0"],  # was: the bundled data, silently
        ):
            res = invoke(*args)
            assert res.exit_code == 1, (args, res.output)
            assert "No event store at 'titfortat.duckdb'" in res.stderr, args
        res = invoke("ingest", fixtures / "acled.csv", "-f", "acled", "--json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["store"] == "titfortat.duckdb"
        res = invoke("events", "--format", "csv")
        assert res.exit_code == 0 and len(res.stdout.splitlines()) == 9
        res = invoke("events")
        assert "events in titfortat.duckdb" in res.stdout
        env = {"TITFORTAT_STORE": str(tmp_path / "other.duckdb")}
        res = invoke("events", env=env)
        assert res.exit_code == 1 and "other.duckdb" in res.stderr
    finally:
        os.chdir(cwd)


def test_demo_data_only_when_asked_and_named():
    res = invoke("events", "--demo", "--limit", "3", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 4
    res = invoke("events", "--store", "demo", "--limit", "2")
    assert res.exit_code == 0 and "bundled demo data" in res.stdout


# Commands of this issue's scope; others' commands are checked for -o only.
MINE = {"events", "quarantine", "ingest", "effect", "did", "hawkes", "actors"}


def test_short_o_is_always_output_and_json_is_an_alias_of_format():
    root = get_command(app)
    seen = []

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
            return
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        for p in cmd.params:
            if "-o" in getattr(p, "opts", []):
                assert "--output" in p.opts, (path, p.opts)
        if "--format" in opts and path != ["ingest"]:
            # ingest's --format is the files' source format; its report has --json.
            assert "--json" in opts or path[0] not in MINE, path
        seen.append(path)

    walk(root, [])
    assert ["events"] in seen and ["effect"] in seen and ["actors", "apply"] in seen


def test_json_alias_matches_format_json(store):
    a = invoke("events", "-s", store, "--json")
    b = invoke("events", "-s", store, "--format", "json")
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)
    res = invoke("events", "-s", store, "--json", "--format", "csv")
    assert res.exit_code == 2 and "contradict" in res.stderr


def test_version():
    from titfortat import __version__

    res = invoke("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"titfortat {__version__}"


def test_unknown_country_and_actor_name_the_closest_values(store):
    res = invoke("events", "-s", store, "--country", "Irak")
    assert res.exit_code == 2, res.output
    assert "Closest: ['Iraq']" in res.stderr
    res = invoke("events", "-s", store, "--actor", "Kataib Hizbolah")
    assert res.exit_code == 2
    assert "Kataib Hezbollah" in res.stderr
    res = invoke("events", "-s", store, "--country", "iraq", "--format", "csv")
    assert res.exit_code == 0 and len(res.stdout.splitlines()) > 1


def test_verdicts_carry_no_approval_colour():
    from titfortat.cli._render import effect_view

    table = pd.DataFrame(
        {
            "estimator": ["a", "b", "c"],
            "direction": ["y<-x"] * 3,
            "estimate": [-1.0, 1.0, 0.1],
            "ci_lower": [-2.0, 0.5, -1.0],
            "ci_upper": [-0.5, 2.0, 1.0],
            "p_value": [0.01, 0.01, 0.8],
            "verdict": ["deterrence", "escalation", "inconclusive"],
            "scale": ["s"] * 3,
            "caveat": ["c"] * 3,
        }
    )
    console = Console(record=True, width=120, force_terminal=True)
    effect_view(console, SimpleNamespace(header={"data": "x"}, table=table))
    ansi = console.export_text(styles=True)
    assert "deterrence" in ansi and "escalation" in ansi
    for code in ("\x1b[32m", "\x1b[31m", "\x1b[92m", "\x1b[91m"):  # green, red
        assert code not in ansi


# ------------------------------------------------------------------ 6. output
def test_rich_markup_in_data_is_printed_as_written(tmp_path, fixtures):
    lines = (fixtures / "acled.csv").read_text().splitlines()
    path = tmp_path / "markup.csv"
    path.write_text(
        lines[0]
        + "\n"
        + lines[1].replace("Islamic Resistance in Iraq", "Kata'ib [/b] Hizballah [red]")
        + "\n"
    )
    store = tmp_path / "[bold]s.duckdb"
    res = invoke("ingest", path, "-f", "acled", "-s", store)
    assert res.exit_code == 0, res.output
    res = invoke("events", "-s", store)
    assert res.exit_code == 0, res.output
    assert "Kata'ib [/b] Hizballah [red]" in res.stdout.replace("\n", "")
    assert "[bold]s.duckdb" in res.stdout


def test_plot_option_checks_matplotlib_first_and_prints_a_working_fix(
    tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    res = invoke(
        "hawkes",
        "--demo",
        "a=event_type=attack",
        "b=event_type=strike",
        "--qq-plot",
        tmp_path / "qq.png",
    )
    assert res.exit_code == 1, res.output
    assert "pip install 'titfortat[plot]'" in res.stderr
    assert "store:" not in res.stderr  # refused before any work


def test_matplotlib_is_a_default_dependency():
    import tomllib

    root = Path(__file__).resolve().parents[2]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("matplotlib") for d in deps["dependencies"])


# ------------------------------------------------------------------ 7. errors
def test_exit_codes_follow_the_error_type(tmp_path, fixtures):
    res = invoke(
        "ingest", tmp_path / "missing.csv", "-f", "acled", "-s", tmp_path / "s"
    )
    assert res.exit_code == 1 and "no such file" in res.stderr  # data
    res = invoke("events", "--limit", "-1", "--demo")
    assert res.exit_code == 2  # usage (Typer's own check)
    res = invoke(
        "ingest",
        fixtures / "acled.csv",
        "-f",
        "acled",
        "--encoding",
        "rot13",
        "-s",
        tmp_path / "s.duckdb",
    )
    assert res.exit_code == 2 and "Unknown text encoding 'rot13'" in res.stderr


def test_internal_error_exits_3_without_traceback(store, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(EventStore, "quarantine", boom)
    res = invoke("quarantine", "-s", store)
    assert res.exit_code == 3, res.output
    assert "internal error: RuntimeError: unexpected" in res.stderr
    assert "--debug" in res.stderr and "Traceback" not in res.output


def test_disk_full_shows_its_real_cause(tmp_path, fixtures, monkeypatch):
    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "s"))

    monkeypatch.setattr(EventStore, "ingest", full)
    res = invoke("ingest", fixtures / "acled.csv", "-f", "acled", "-s", tmp_path / "s")
    assert res.exit_code == 1, res.output
    assert "no space left on device" in res.stderr


def test_store_rollback_does_not_hide_disk_full(tmp_path, fixtures):
    class Full:
        """A connection whose commit hits a full disk and whose rollback fails."""

        def __init__(self, con):
            self._con = con

        def commit(self):
            raise duckdb.IOException(
                "IO Error: Could not write: No space left on device"
            )

        def rollback(self):
            self._con.rollback()
            raise duckdb.TransactionException("cannot rollback: no transaction")

        def __getattr__(self, name):
            return getattr(self._con, name)

    with EventStore(tmp_path / "s.duckdb") as st:
        real = st._con
        st._con = Full(real)
        with pytest.raises(StoreError, match="No space left on device") as e:
            st.ingest(fixtures / "acled.csv", format="acled")
        assert any("rollback also failed" in n for n in e.value.__cause__.__notes__)
        st._con = real
        assert st.count() == 0


def test_lock_error_names_the_cause_and_no_read_only_advice(store):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import duckdb, sys, time
                con = duckdb.connect({str(store)!r})
                print("locked", flush=True)
                sys.stdin.read()
            """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        res = invoke("events", "-s", store)
        assert res.exit_code == 1, res.output
        assert "lock" in res.stderr.lower()
        assert "read_only" not in res.stderr
        assert "Wait for that process" in res.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def test_hawkes_filter_without_a_name_says_so():
    res = invoke("hawkes", "--demo", "event_type=strike", "event_type=attack")
    assert res.exit_code == 2, res.output
    assert "has no name: write NAME=FILTER" in res.stderr
    assert "given twice" not in res.stderr
