"""``titfortat attribute``: who did it, for every banner-claimed attack in a store.

Parses options, calls :func:`titfortat.attribution.attribute_store`, prints the
evaluation and writes the posteriors. No statistics live here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from titfortat.cli._common import FormatOption, OutputFormat, errors

__all__ = ["attribute"]


def attribute(
    store: Annotated[
        Path,
        typer.Option(
            "--store",
            "-s",
            envvar="TITFORTAT_STORE",
            help="Event store file (DuckDB); the posteriors are written into it.",
        ),
    ] = Path("titfortat.duckdb"),
    network: Annotated[
        str | None,
        typer.Option(
            "--network", help="Network YAML or bundled name (default: 2023-24 case)."
        ),
    ] = None,
    banner: Annotated[
        str | None,
        typer.Option(
            "--banner", help="Banner id, name or alias (default: the only one)."
        ),
    ] = None,
    train_until: Annotated[
        str | None,
        typer.Option(
            "--train-until",
            help="Fit on events before this date (YYYY-MM-DD), test on the rest. "
            "Default: leaves the last 30% of own-name claims for testing.",
        ),
    ] = None,
    level: Annotated[
        float, typer.Option("--level", help="Level of the prediction sets.")
    ] = 0.9,
    include_unclaimed: Annotated[
        bool,
        typer.Option(
            "--include-unclaimed",
            help="Also attribute attacks without a resolved actor on days the "
            "banner's members are active.",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the posteriors as a long CSV."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite --output if it exists.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Attribute banner-claimed and unclaimed attacks to the banner's factions."""
    with errors():
        if output is not None and output.exists() and not force:
            raise ValueError(f"{output} exists; pass --force to overwrite it.")
        if not 0 < level < 1:
            raise ValueError(f"--level must be between 0 and 1. Got {level}.")
        if train_until is not None:
            import datetime as dt

            try:
                dt.date.fromisoformat(train_until)
            except ValueError as err:
                raise ValueError(
                    f"--train-until must be a date YYYY-MM-DD. Got {train_until!r}."
                ) from err
        from titfortat.attribution import attribute_store
        from titfortat.events import EventStore

        if not store.exists():
            from titfortat.exceptions import StoreError

            raise StoreError(
                f"No event store at {str(store)!r}. Create it with 'titfortat "
                "ingest' first, or check --store."
            )
        with EventStore(store) as st:
            evaluation, post, model = attribute_store(
                st,
                network=network,
                banner=banner,
                train_until=train_until,
                level=level,
                include_unclaimed=include_unclaimed,
            )
        if output is not None:
            post.to_csv(output, index=False)
    n_events = post["event_id"].nunique()
    n_no_xy = int((~post.drop_duplicates("event_id")["has_coordinates"]).sum())
    if fmt is OutputFormat.json:
        body = evaluation.to_dict() if evaluation is not None else {}
        body.update(
            {
                "store": str(store),
                "n_attributed": n_events,
                "n_without_coordinates": n_no_xy,
                "posteriors_table": "attribution_posteriors",
                "output": str(output) if output else None,
            }
        )
        typer.echo(json.dumps(body, indent=2))
        return
    if fmt is OutputFormat.csv:
        typer.echo(post.to_csv(index=False), nl=False)
        return
    typer.echo(f"store: {store}")
    if evaluation is not None:
        typer.echo(str(evaluation))
    else:
        typer.echo("no own-name claims after --train-until: nothing to evaluate")
    answers = post.drop_duplicates("event_id")["answer"]
    typer.echo(
        f"attributed {n_events:,} banner-claimed/unclaimed events "
        f"({n_no_xy:,} without coordinates, scored from their other factors): "
        f"{int((~answers.isin(['set', 'banner'])).sum()):,} to one faction, "
        f"{int((answers == 'set').sum()):,} to a set, "
        f"{int((answers == 'banner').sum()):,} only at banner level; "
        "posteriors in table attribution_posteriors"
        + (f" and {output}" if output else "")
    )
