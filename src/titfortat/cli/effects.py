"""``titfortat effect`` and ``titfortat did``: parse, call one function, print.

``effect`` builds the effect table (:func:`titfortat.effects.effect_table`)
from an event store, ``did`` runs :func:`titfortat.effects.did` on a CSV file
of units. No statistics live here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from titfortat.cli._common import FormatOption, OutputFormat, errors

__all__ = ["app", "did", "effect"]

app = typer.Typer(
    help="Did retaliation deter or escalate? Effect tables and DiD.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_out = Console(soft_wrap=False, width=200)





@app.command()
def effect(
    treatment: Annotated[
        str,
        typer.Option(
            "--treatment",
            "-t",
            help="FILTER of the intervention events, e.g. 'event_type=strike' or "
            "'source_event_type=Airstrike' (terms joined by ',', values by '|').",
        ),
    ],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            "-o",
            help="FILTER of the outcome events, e.g. event_type=attack.",
        ),
    ],
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            "-s",
            envvar="TITFORTAT_STORE",
            help="Event store file (DuckDB). Default: the bundled Iraq 2007-08 data.",
        ),
    ] = None,
    radius_km: Annotated[
        float, typer.Option("--radius-km", help="Event-study radius in km.")
    ] = 10.0,
    window_days: Annotated[
        int, typer.Option("--window-days", help="Days before and after.")
    ] = 7,
    placebos: Annotated[
        int, typer.Option("--placebos", help="Placebo interventions drawn.")
    ] = 10_000,
    hawkes: Annotated[
        bool, typer.Option("--hawkes/--no-hawkes", help="Add the Hawkes rows.")
    ] = True,
    seed: Annotated[int, typer.Option("--rng", help="Random seed.")] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Effect of TREATMENT events on OUTCOME events: every estimator, one table."""
    with errors():
        if window_days < 1 or placebos < 10 or radius_km <= 0:
            raise ValueError(
                "--window-days must be >= 1, --placebos >= 10 and --radius-km > 0. "
                f"Got {window_days}, {placebos} and {radius_km}."
            )
        if store is None:
            from titfortat.datasets import load_demo_store

            st = load_demo_store()
        else:
            from titfortat.events import EventStore

            st = EventStore(store, read_only=True)
        try:
            from titfortat.effects import effect_table

            table = effect_table(
                st,
                treatment=treatment,
                outcome=outcome,
                radius_km=radius_km,
                window_days=window_days,
                n_placebos=placebos,
                hawkes=hawkes,
                rng=seed,
            )
        finally:
            st.close()
    if fmt is OutputFormat.json:
        typer.echo(table.to_json())
    elif fmt is OutputFormat.csv:
        typer.echo(table.table.to_csv(index=False), nl=False)
    else:
        _out.print(str(table), highlight=False)


@app.command()
def did(
    file: Annotated[Path, typer.Argument(help="CSV file, one row per unit.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit id column.")],
    treated: Annotated[str, typer.Option("--treated", help="0/1 treatment column.")],
    pre: Annotated[str, typer.Option("--pre", help="Outcome before.")],
    post: Annotated[str, typer.Option("--post", help="Outcome after.")],
    permutations: Annotated[
        int, typer.Option("--permutations", help="Label permutations.")
    ] = 10_000,
    seed: Annotated[int, typer.Option("--rng", help="Random seed.")] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Difference-in-differences of PRE/POST outcomes, treated vs control units."""
    with errors():
        if not file.is_file():
            raise ValueError(f"No file {str(file)!r}; expected a CSV of units.")
        import pandas as pd

        data = pd.read_csv(file)
        from titfortat.effects import did as did_fn

        res = did_fn(
            data,
            unit=unit,
            treated=treated,
            pre=pre,
            post=post,
            n_permutations=permutations,
            rng=seed,
        )
    frame = res.summary_frame().reset_index(names="estimator")
    frame["verdict"] = res.verdict()
    frame["n_treated"], frame["n_control"] = res.n_treated, res.n_control
    if fmt is OutputFormat.json:
        recs = json.loads(frame.to_json(orient="records"))
        typer.echo(json.dumps(recs, indent=2))
    elif fmt is OutputFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        _out.print(str(res), highlight=False)
        _out.print(res.means.to_string(float_format=lambda x: f"{x:.4g}"))
