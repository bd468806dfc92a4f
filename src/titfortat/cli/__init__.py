"""The ``titfortat`` command line: parse options, call one library function, print.

No statistics live here. Every :class:`~titfortat.exceptions.TitForTatError`
becomes one red line and exit code 1 (usage errors exit 2); ``--debug``
shows the traceback.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from titfortat.cli import _common
from titfortat.cli._common import OutputFormat

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

StoreOpt = Annotated[
    Path,
    typer.Option(
        "--store",
        "-s",
        envvar="TITFORTAT_STORE",
        help="Event store file (DuckDB).",
        show_default=True,
    ),
]


def handle_errors(func: F) -> F:
    """Turn library errors into one red line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _common.errors(usage=False):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
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


def emit_frame(
    frame: Any, fmt: str, output: Path | None, title: str, max_rows: int = 50
) -> None:
    """Print or write a DataFrame as a rich table, CSV, JSON or Parquet."""
    from titfortat.cli._render import frame_table

    if fmt == "parquet":
        if output is None:
            raise typer.BadParameter("--format parquet needs --output FILE.")
        frame.to_parquet(output, index=False)
        err.print(f"wrote {len(frame):,} rows to {output}")
        return
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = frame.to_json(orient="records", date_format="iso", indent=None)
    else:
        if output is not None:
            raise typer.BadParameter(
                "--format table prints to the terminal; use "
                "csv, json or parquet with --output."
            )
        out.print(frame_table(frame, title=title, max_rows=max_rows))
        return
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(frame):,} rows to {output}")


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or globs (quote globs).")],
    format: Annotated[
        SourceFormat, typer.Option("--format", "-f", help="Source format.")
    ],
    store: StoreOpt = Path("titfortat.duckdb"),
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
) -> None:
    """Read event files into the store (one transaction; bad rows to quarantine)."""
    from titfortat.cli._render import IngestProgress, report_table
    from titfortat.events import EventStore

    # --json prints one object and nothing else, so no progress bar then.
    bar = contextlib.nullcontext(None) if as_json else IngestProgress(err)
    with EventStore(store) as st, bar as progress:
        report = st.ingest(
            paths,
            format=format.value,
            mapping=mapping,
            source=source,
            encoding=encoding,
            progress=progress,
        )
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        return
    out.print(report_table(report, store))
    if report.quarantined:
        err.print(
            f"[yellow]{report.quarantined:,} row(s) quarantined[/yellow]: "
            f"see 'titfortat quarantine --store {store}'."
        )


@app.command()
@handle_errors
def events(
    store: StoreOpt = Path("titfortat.duckdb"),
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
    limit: Annotated[int | None, typer.Option(help="At most N rows.")] = None,
    format: Annotated[EventsFormat, typer.Option("--format")] = EventsFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """List stored events matching the filters."""
    from titfortat.events import EventStore

    filters: dict[str, Any] = {
        "since": since,
        "until": until,
        "country": country,
        "admin1": admin1,
        "event_type": event_type,
        "actor": actor,
        "source": source,
    }
    with EventStore(store, read_only=True) as st:
        if output is not None and format.value in {"csv", "parquet"} and limit is None:
            # Stream inside DuckDB: the result never has to fit in memory.
            st.export(
                output, format="csv" if format.value == "csv" else "parquet", **filters
            )
            err.print(f"wrote {output}")
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
    emit_frame(frame, format.value, output, title=f"events in {store}")


@app.command()
@handle_errors
def quarantine(
    store: StoreOpt = Path("titfortat.duckdb"),
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Show rows that were rejected, with file, row, column, value and reason."""
    from titfortat.events import EventStore

    with EventStore(store, read_only=True) as st:
        frame = st.quarantine()
    if format is OutputFormat.table:
        frame = frame[["source_file", "source_row", "column_name", "value", "reason"]]
    emit_frame(frame, format.value, output, title=f"quarantine of {store}")


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
