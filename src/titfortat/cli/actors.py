"""``titfortat actors``: show, validate, query and plot networks; resolve names.

Commands: ``show``, ``validate``, ``members``, ``resolve``, ``apply`` (write ids
into an event store) and ``plot``.

Each command parses its options, calls one library function and prints the
result (a rich table, or JSON/CSV for scripts). No analysis happens here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from titfortat.cli._common import (
    DEFAULT_STORE,
    ForceOption,
    FormatOption,
    JsonOption,
    OutputFormat,
    StoreOption,
    check_output,
    errors,
    pick_format,
    store_path,
)
from titfortat.exceptions import StoreError, UsageError

if TYPE_CHECKING:  # the network code loads on first use, not with the CLI
    import pandas as pd

    from titfortat.actors import ActorNetwork

__all__ = ["app"]

app = typer.Typer(
    help=(
        "Actor networks: sponsors, umbrella banners and factions with dated, "
        "sourced ties; and resolution of raw actor names to actor ids."
    ),
    no_args_is_help=True,
)

_out = Console(soft_wrap=False)


NetworkOption = Annotated[
    str | None,
    typer.Option(
        "--network",
        "-n",
        help=(
            "Network YAML file, or a bundled network name (iran_axis_2023_24, "
            "iraq_2006_08). Default: the bundled 2023-24 case network."
        ),
    ),
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Day (YYYY-MM-DD): only ties that hold on it."),
]


def _load(network: str | None) -> ActorNetwork:
    from titfortat.actors import ActorNetwork

    return ActorNetwork.load(network)


def _print_frame(frame: pd.DataFrame, fmt: OutputFormat, *, title: str = "") -> None:
    if fmt is OutputFormat.json:
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif fmt is OutputFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        # Data go in as Text, never markup: "Kata'ib [/b] Hizballah" prints as is.
        table = Table(title=Text(title) if title else None, show_lines=False)
        for column in frame.columns:
            table.add_column(Text(str(column)), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*(Text("" if _is_missing(v) else str(v)) for v in row))
        _out.print(table)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


@app.command()
def show(
    network: NetworkOption = None,
    at: AtOption = None,
    fmt: FormatOption = OutputFormat.table,
    as_json: JsonOption = False,
) -> None:
    """List the actors and ties of a network (csv prints the ties)."""
    with errors():
        fmt = pick_format(fmt, as_json)
        net = _load(network)
        ties = net.ties_frame(at)
    if fmt is OutputFormat.json:
        with errors():
            typer.echo(json.dumps(net.to_dict(at), ensure_ascii=False, indent=2))
        return
    if fmt is OutputFormat.csv:
        _print_frame(ties, fmt)
        return
    _out.print(f"[bold]{escape(net.title or net.id)}[/bold]  ({escape(net.source)})")
    _print_frame(net.actors_frame(), fmt, title=f"{len(net.actors)} actors")
    when = f" on {at}" if at else ""
    _print_frame(ties, fmt, title=f"{len(ties)} ties{when} (source <type> target)")
    _out.print("References:")
    for ref in net.references.values():
        _out.print(escape(f"  [{ref.key}] {ref}"), highlight=False)


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Network YAML file to check.")],
) -> None:
    """Check a network file; list every problem with its line number."""
    with errors():
        from titfortat.actors import ActorNetwork

        net = ActorNetwork.load(path)
    _out.print(
        f"OK {escape(str(path))}: {len(net.actors)} actors, "
        f"{len(net.ties())} ties, {len(net.references)} references",
        highlight=False,
    )


@app.command()
def members(
    name: Annotated[
        str, typer.Argument(help="Umbrella or apparatus: id, name or alias.")
    ],
    at: AtOption = None,
    network: NetworkOption = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", help="Also list members of members.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    as_json: JsonOption = False,
) -> None:
    """List the members of an umbrella on a day, each tie with its citation."""
    with errors():
        fmt = pick_format(fmt, as_json)
        net = _load(network)
        frame = net.members(name, at, recursive=recursive)
        target = net.actor(name)
    when = f" on {at}" if at else ""
    title = f"Members of {target.name}{when}"
    if fmt is not OutputFormat.table:
        _print_frame(frame, fmt, title=title)
        return
    columns = ["actor_id", "name", "tie_type", "start", "end", "confidence"]
    if recursive:
        columns.insert(3, "other_id")
    _print_frame(frame[columns], fmt, title=title)
    _out.print("Sources, by row:")
    for i, row in frame.iterrows():
        _out.print(
            escape(f"  {i}. {row['actor_id']} {row['tie_type']}: {row['citation']}"),
            highlight=False,
        )


@app.command()
def resolve(
    names: Annotated[list[str], typer.Argument(help="Raw names to resolve.")],
    network: NetworkOption = None,
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--overrides",
            help="YAML (name: id or null) or CSV (raw,actor_id) file that wins.",
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(min=0, max=100, help="Minimum fuzzy score (0-100)."),
    ] = 88.0,
    fmt: FormatOption = OutputFormat.table,
    as_json: JsonOption = False,
) -> None:
    """Resolve raw actor names to actor ids.

    JSON output is a list of objects with raw, actor_id, name, score, method.
    """
    with errors():
        fmt = pick_format(fmt, as_json)
        from titfortat.actors import Resolver

        resolver = Resolver(_load(network), overrides=overrides, threshold=threshold)
        frame = resolver.to_frame(names)
    if fmt is OutputFormat.table:
        frame = frame.assign(candidates=frame["candidates"].map(", ".join))
    _print_frame(frame, fmt, title="Actor name resolution")


@app.command()
def apply(
    store: StoreOption = DEFAULT_STORE,
    network: NetworkOption = None,
    overrides: Annotated[
        Path | None,
        typer.Option("--overrides", help="Override file (YAML or CSV) that wins."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    as_json: JsonOption = False,
) -> None:
    """Write actor ids next to the raw names in a store; report coverage."""
    from titfortat.actors import apply_resolution
    from titfortat.events import EventStore

    with errors():
        fmt = pick_format(fmt, as_json)
        if str(store) == "demo":
            raise UsageError("--store demo is read-only; give a store file.")
        path = store_path(store, writes=True)
        if not path.exists():
            raise StoreError(
                f"No event store at {str(path)!r}. Create it with 'titfortat "
                "ingest', or pass --store FILE (or set TITFORTAT_STORE)."
            )
        net = _load(network)
        with EventStore(path) as event_store:
            report = apply_resolution(event_store, net, overrides=overrides)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif fmt is OutputFormat.csv:
        typer.echo(report.to_frame().to_csv(index=False), nl=False)
    else:
        _out.print(Text(f"store: {path}"))
        _out.print(Text(str(report)))


@app.command()
def plot(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Image file (.png, .svg, .pdf).")
    ],
    at: AtOption = None,
    network: NetworkOption = None,
    force: ForceOption = False,
) -> None:
    """Draw the network: kinds as shapes, tie types as line styles, with a legend."""
    with errors():
        check_output(output, force=force)
        from titfortat.report.actors import save_network_plot

        path = save_network_plot(_load(network), output, at=at)
    _out.print(f"Wrote {escape(str(path))}", highlight=False)
