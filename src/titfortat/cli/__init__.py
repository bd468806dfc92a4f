"""The ``titfortat`` command line: parse options, call one library function, print.

No statistics live here. Every failure becomes one red line and an exit
code (usage 2, data and store 1, internal 3; see
:func:`titfortat.cli._common.errors`); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from titfortat.cli import _common
from titfortat.cli._common import OutputFormat
from titfortat.exceptions import UsageError

__all__ = ["app", "main"]

app = typer.Typer(
    name="titfortat",
    help="Measure state-versus-network conflict from public event data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
_state = _common.state  # one dict: sub-command groups read the same --debug

F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = _common.StoreOption


def handle_errors(func: F) -> F:
    """Turn every failure into one red line and its exit code (see ``errors``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _common.errors(usage=False):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        from titfortat import __version__

        typer.echo(f"titfortat {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    _state["debug"] = debug


class SourceFormat(enum.StrEnum):
    acled = "acled"
    ucdp = "ucdp"
    gtd = "gtd"
    gdelt = "gdelt"
    table = "table"


class EventsFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file (csv, json or parquet format)."
    ),
]


def emit_frame(
    frame: Any,
    fmt: str,
    output: Path | None,
    title: str,
    max_rows: int = 50,
    total: int | None = None,
) -> None:
    """Print or write a DataFrame as a rich table, CSV, JSON or Parquet.

    ``output`` must have passed :func:`titfortat.cli._common.check_output`.
    """
    from rich.markup import escape

    from titfortat.cli._render import frame_table

    if fmt == "parquet":
        if output is None:
            raise UsageError("--format parquet needs --output FILE.")
        frame.to_parquet(output, index=False)
        err.print(f"wrote {len(frame):,} rows to {escape(str(output))}")
        return
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = frame.to_json(orient="records", date_format="iso", indent=None)
    else:
        out.print(frame_table(frame, title=title, max_rows=max_rows, total=total))
        return
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(frame):,} rows to {escape(str(output))}")


def _check_table_output(fmt: str, output: Path | None, force: bool, store: str) -> None:
    """Reject contradictory output options before any work is done."""
    if output is None:
        if fmt == "parquet":
            raise UsageError("--format parquet needs --output FILE.")
        return
    if fmt == "table":
        raise UsageError(
            "--format table prints to the terminal; use csv, json or parquet "
            "with --output."
        )
    _common.check_output(output, force=force, inputs=[store])


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or globs (quote globs).")],
    format: Annotated[
        SourceFormat,
        typer.Option(
            "--format", "-f", help="Source format of the files (not of the output)."
        ),
    ],
    store: StoreOpt = _common.DEFAULT_STORE,
    mapping: Annotated[
        str | None,
        typer.Option(
            help="YAML column mapping (or a bundled mapping name) for --format table."
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Name stored in the 'source' column (default: the format)."),
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="Text encoding of the files.")
    ] = "utf-8",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object.")
    ] = False,
    memory_limit: Annotated[
        str,
        typer.Option(
            "--memory-limit",
            help="DuckDB's memory limit for this ingest, e.g. 512MB or 4GB; "
            "what does not fit spills to a folder next to the store.",
        ),
    ] = "1GB",
) -> None:
    """Read event files into the store (one transaction; bad rows to quarantine).

    --format names the files' source format here, so the report's format is
    chosen with --json.
    """
    from rich.markup import escape

    from titfortat.cli._render import IngestProgress, report_table
    from titfortat.events import EventStore

    if str(store) == _common.DEMO_STORE:
        raise UsageError("--store demo is the bundled data; ingest into a file.")
    path = _common.store_path(store, writes=True)
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory_limit):
        raise UsageError(
            f"--memory-limit {memory_limit!r} is not a size. Expected a number and "
            "a unit, e.g. 512MB or 4GB."
        )
    # --json prints one object and nothing else, so no progress bar then.
    bar = contextlib.nullcontext(None) if as_json else IngestProgress(err)
    # 1GB by default: a 1M-row ACLED file then peaks at ~0.9 GB instead of
    # ~1.0 GB (DuckDB's 2GB store default), at the same speed (issue 14).
    with EventStore(path, memory_limit=memory_limit) as st, bar as progress:
        report = st.ingest(
            paths,
            format=format.value,
            mapping=mapping,
            source=source,
            encoding=encoding,
            progress=progress,
        )
    if as_json:
        sys.stdout.write(json.dumps({"store": str(path), **report.to_dict()}) + "\n")
        return
    out.print(report_table(report, path))
    if report.quarantined:
        err.print(
            f"[yellow]{report.quarantined:,} row(s) quarantined[/yellow]: "
            f"see 'titfortat quarantine --store {escape(str(path))}'.",
            highlight=False,
        )


@app.command()
@handle_errors
def events(
    store: StoreOpt = _common.DEFAULT_STORE,
    demo: _common.DemoOption = False,
    since: Annotated[str | None, typer.Option(help="First date, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last date, YYYY-MM-DD.")] = None,
    country: Annotated[str | None, typer.Option(help="Country name.")] = None,
    admin1: Annotated[str | None, typer.Option(help="Admin-1 unit.")] = None,
    event_type: Annotated[
        str | None,
        typer.Option("--event-type", help="attack, strike, protest or other."),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            help="Substring of actor/actor2/assoc_actors/banner, or an actor id."
        ),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Source name.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=0, help="At most N rows (N >= 0).")
    ] = None,
    format: Annotated[
        EventsFormat, typer.Option("--format", "-f")
    ] = EventsFormat.table,
    as_json: _common.JsonOption = False,
    output: OutputOpt = None,
    force: _common.ForceOption = False,
) -> None:
    """List stored events matching the filters."""
    format = _common.pick_format(format, as_json)
    _check_table_output(format.value, output, force, store)
    filters: dict[str, Any] = {
        "since": since,
        "until": until,
        "country": country,
        "admin1": admin1,
        "event_type": event_type,
        "actor": actor,
        "source": source,
    }
    st, label = _common.open_store(store, demo=demo)
    with st:
        st.check_filters(country=country, admin1=admin1, source=source, actor=actor)
        if output is not None and format.value in {"csv", "parquet"} and limit is None:
            # Stream inside DuckDB: the result never has to fit in memory.
            st.export(
                output, format="csv" if format.value == "csv" else "parquet", **filters
            )
            err.print(f"wrote events of {label} to {output}", markup=False)
            return
        frame: Any = st.query(limit=limit, **filters)
    if format is EventsFormat.table:
        frame = frame[
            [
                "event_id",
                "date",
                "country",
                "actor",
                "actor2",
                "event_type",
                "n_events",
            ]
        ]
    emit_frame(frame, format.value, output, title=f"events in {label}")


@app.command()
@handle_errors
def quarantine(
    store: StoreOpt = _common.DEFAULT_STORE,
    format: _common.FormatOption = OutputFormat.table,
    as_json: _common.JsonOption = False,
    output: OutputOpt = None,
    force: _common.ForceOption = False,
) -> None:
    """Show rows that were rejected, with file, row, column, value and reason."""
    format = _common.pick_format(format, as_json)
    _check_table_output(format.value, output, force, store)
    st, label = _common.open_store(store)
    total = None
    with st:
        if format is OutputFormat.table:
            # The terminal shows 50 rows: fetch those, count the rest.
            frame = st.quarantine(limit=50)
            total = int(st.ingests()["n_quarantined"].sum())
        else:
            frame = st.quarantine()
    if format is OutputFormat.table:
        frame = frame[["source_file", "source_row", "column_name", "value", "reason"]]
    emit_frame(frame, format.value, output, title=f"quarantine of {label}", total=total)


def _register_subcommands() -> None:
    from titfortat.cli.actors import app as actors_app
    from titfortat.cli.attribute import attribute
    from titfortat.cli.effects import did, effect, hawkes
    from titfortat.cli.report import demo, report, serve
    from titfortat.cli.simulate import simulate

    app.add_typer(actors_app, name="actors")
    app.command("attribute")(attribute)
    app.command("effect")(effect)
    app.command("did")(did)
    app.command("hawkes")(hawkes)
    app.command("simulate")(simulate)
    app.command("demo")(demo)
    app.command("report")(report)
    app.command("serve")(serve)


_register_subcommands()


def main() -> None:
    """Entry point of the ``titfortat`` script."""
    app()
