"""Random option values on the command line (issue 13, item 9).

Whatever the values, a command exits 0, 1 (data or store problem) or 2
(usage), says what went wrong on stderr in one message, and never shows a
traceback or exits 3 (an internal error).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from titfortat.cli import app
from titfortat.events import EventStore

from ._support import fuzz_settings

FIXTURES = Path(__file__).parents[1] / "events" / "fixtures"
runner = CliRunner()

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20
).filter(lambda s: "\x00" not in s)  # argv cannot hold NUL
_value = st.one_of(
    _text,
    st.sampled_from(
        [
            "2024-01-31",
            "2024-13-01",
            "Iraq",
            "irak",
            "[/b]",
            "-1",
            "0",
            "1e9",
            "nan",
            ":memory:",
            "md:x",
            "s3://b/k",
            "demo",
            "table",
            "json",
            "csv",
            "parquet",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "s.duckdb"
    with EventStore(path) as st_:
        st_.ingest(FIXTURES / "acled.csv", format="acled")
    return path


def _options(names: list[str]):
    return st.lists(st.tuples(st.sampled_from(names), _value), max_size=4).map(
        lambda pairs: [x for pair in pairs for x in pair]
    )


def _check(args: list[str], tried) -> None:
    tried["option sets"] += 1
    res = runner.invoke(app, args, env={"COLUMNS": "120"})
    if res.exit_code not in (0, 1, 2) or (
        res.exception is not None and not isinstance(res.exception, SystemExit)
    ):
        tried["failures"] += 1
        raise AssertionError(
            f"titfortat {args!r} exited {res.exit_code}: {res.output[-2000:]}"
        ) from res.exception
    if res.exit_code:
        assert "Traceback" not in res.output
        assert "error" in res.stderr.lower() or "usage" in res.stderr.lower(), args
    tried[f"exit {res.exit_code}"] += 1


@fuzz_settings(60)
@given(
    opts=_options(
        [
            "--since",
            "--until",
            "--country",
            "--admin1",
            "--event-type",
            "--actor",
            "--source",
            "--limit",
            "--format",
            "--store",
        ]
    )
)
def test_fuzz_events_options(store, tmp_path_factory, opts, tried):
    _check(["events", "--store", str(store), *opts], tried)


@fuzz_settings(40)
@given(
    opts=_options(["--encoding", "--source", "--mapping", "--format"]),
    fmt=st.sampled_from(["acled", "ucdp", "gtd", "gdelt", "table"]),
)
def test_fuzz_ingest_options(tmp_path_factory, opts, fmt, tried):
    target = tmp_path_factory.mktemp("ingest") / "s.duckdb"
    _check(
        [
            "ingest",
            str(FIXTURES / "acled.csv"),
            "--format",
            fmt,
            "--store",
            str(target),
            *opts,
        ],
        tried,
    )


@fuzz_settings(40)
@given(
    names=st.lists(_value, min_size=1, max_size=3),
    opts=_options(["--threshold", "--format", "--network"]),
)
def test_fuzz_actors_resolve(names, opts, tried):
    _check(["actors", "resolve", *opts, "--", *names], tried)


@fuzz_settings(40)
@given(
    out=st.sampled_from(["x.json", "sub/x.csv", "s.duckdb", ".", "x.parquet"]),
    opts=_options(["--format", "--output"]),
)
def test_fuzz_quarantine_output(store, out, opts, tried):
    _check(
        [
            "quarantine",
            "--store",
            str(store),
            "--format",
            "json",
            "--output",
            str(store.parent / out),
            *opts,
        ],
        tried,
    )
