"""``titfortat effect`` and ``titfortat did``: parse, call one function, print.

``effect`` builds the effect table (:func:`titfortat.effects.effect_table`)
from an event store, ``hawkes`` the action-reaction table of several event
types (:func:`titfortat.effects.hawkes_table`), and ``did`` runs
:func:`titfortat.effects.did` on a CSV file of units. No statistics live here.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from titfortat.cli._common import (
    DEFAULT_STORE,
    DemoOption,
    ForceOption,
    FormatOption,
    JsonOption,
    OutputFormat,
    PlacebosOption,
    RadiusKmOption,
    StoreOption,
    WindowDaysOption,
    check_event_study_options,
    check_output,
    errors,
    open_store,
    pick_format,
)
from titfortat.exceptions import OptionalDependencyError, UsageError

__all__ = ["app", "did", "effect", "hawkes"]

app = typer.Typer(
    help="Did retaliation deter or escalate? Effect tables and DiD.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_out = Console(soft_wrap=False, width=200)


_err = Console(stderr=True)


def _open_store(store: str, demo: bool = False) -> Any:
    """The store a command analyses (read-only, or the bundled data with
    ``--demo``); its name goes to stderr first, so every output names it."""
    st, label = open_store(store, demo=demo)
    _err.print(Text(f"store: {label}", style="dim"))
    return st


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
            help="FILTER of the outcome events, e.g. event_type=attack.",
        ),
    ],
    store: StoreOption = DEFAULT_STORE,
    demo: DemoOption = False,
    radius_km: RadiusKmOption = 10.0,
    window_days: WindowDaysOption = 7,
    placebos: PlacebosOption = 0,
    hawkes: Annotated[
        bool, typer.Option("--hawkes/--no-hawkes", help="Add the Hawkes rows.")
    ] = True,
    sweep: Annotated[
        bool,
        typer.Option(
            "--sweep",
            help="Instead of the table, refit the event study over radii 5, 10, "
            "25, 50 km and windows 3, 7, 14 days and say whether the verdict "
            "changes across them.",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--rng", help="Random seed.")] = 0,
    fmt: FormatOption = OutputFormat.table,
    as_json: JsonOption = False,
) -> None:
    """Effect of TREATMENT events on OUTCOME events: every estimator, one table."""
    with errors():
        fmt = pick_format(fmt, as_json)
    if sweep:
        _sweep(treatment, outcome, store, placebos, seed, fmt, demo)
        return
    with errors():
        check_event_study_options(radius_km, window_days, placebos)
        st = _open_store(store, demo)
        try:
            from titfortat.effects import effect_table

            table = effect_table(
                st,
                treatment=treatment,
                outcome=outcome,
                radius_km=radius_km,
                window_days=window_days,
                n_placebos=placebos or None,
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
        _out.print(str(table), highlight=False, markup=False)


def _sweep(
    treatment: str,
    outcome: str,
    store: str,
    placebos: int,
    seed: int,
    fmt: OutputFormat,
    demo: bool = False,
) -> None:
    """``effect --sweep``: the event study over a grid of radii and windows."""
    with errors():
        if placebos < 0 or 0 < placebos < 10:
            raise ValueError(f"--placebos must be 0 (all) or >= 10. Got {placebos}.")
        st = _open_store(store, demo)
        try:
            from titfortat.effects import effect_sweep

            res = effect_sweep(
                st,
                treatment=treatment,
                outcome=outcome,
                n_placebos=placebos or None,
                rng=seed,
            )
        finally:
            st.close()
    if fmt is OutputFormat.json:
        typer.echo(res.to_json())
    elif fmt is OutputFormat.csv:
        typer.echo(res.table.to_csv(index=False), nl=False)
    else:
        _out.print(str(res), highlight=False, markup=False)


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
    as_json: JsonOption = False,
) -> None:
    """Difference-in-differences of PRE/POST outcomes, treated vs control units."""
    with errors():
        fmt = pick_format(fmt, as_json)
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
    decision = res.decision()
    frame["verdict"], frame["reason"] = decision.verdict, decision.reason
    frame["n_treated"], frame["n_control"] = res.n_treated, res.n_control
    if fmt is OutputFormat.json:
        recs = json.loads(frame.to_json(orient="records"))
        typer.echo(json.dumps(recs, indent=2))
    elif fmt is OutputFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        _out.print(str(res), highlight=False, markup=False)
        _out.print(res.means.to_string(float_format=lambda x: f"{x:.4g}"), markup=False)
        why = f" ({decision.reason})" if decision.reason else ""
        _out.print(f"verdict: {decision.verdict}{why}", highlight=False, markup=False)


class Family(enum.StrEnum):
    """Count distribution of the Hawkes model."""

    negbin = "negbin"
    poisson = "poisson"


class Link(enum.StrEnum):
    """Link of the Hawkes model."""

    identity = "identity"
    softplus = "softplus"


class IntervalKind(enum.StrEnum):
    """Interval shown beside the likelihood-ratio test."""

    profile = "profile"
    wald = "wald"


@app.command()
def hawkes(
    nodes: Annotated[
        list[str],
        typer.Argument(
            help="NAME=FILTER per node, e.g. 'air=source_event_type=Airstrike' "
            "'ied=source_event_type=IED' (two or more).",
            show_default=False,
        ),
    ],
    store: StoreOption = DEFAULT_STORE,
    demo: DemoOption = False,
    family: Annotated[
        Family, typer.Option("--family", help="Count distribution.")
    ] = Family.negbin,
    link: Annotated[
        Link,
        typer.Option(
            "--link", help="identity: offspring counts >= 0; softplus: allows < 0."
        ),
    ] = Link.identity,
    segments: Annotated[
        int,
        typer.Option("--segments", help="Baseline pieces (absorb a trend).", min=1),
    ] = 1,
    interval: Annotated[
        IntervalKind,
        typer.Option(
            "--interval",
            help="profile: inverts the same likelihood ratio as the test, so "
            "they agree; wald: faster, may disagree with the test "
            "(then 'inconclusive').",
        ),
    ] = IntervalKind.profile,
    qq_plot: Annotated[
        Path | None,
        typer.Option("--qq-plot", help="Write a residual QQ plot to this PNG/PDF."),
    ] = None,
    force: ForceOption = False,
    seed: Annotated[int, typer.Option("--rng", help="Random seed.")] = 0,
    fmt: FormatOption = OutputFormat.table,
    as_json: JsonOption = False,
) -> None:
    """Fit one day-count Hawkes model to NODES and tabulate every effect i<-j."""
    with errors():
        fmt = pick_format(fmt, as_json)
        spec: dict[str, str] = {}
        for item in nodes:
            name, sep, flt = item.partition("=")
            if not sep or not name.strip() or not flt.strip():
                raise ValueError(
                    f"Node {item!r} must look like NAME=FILTER, e.g. "
                    "'air=source_event_type=Airstrike'."
                )
            if "=" not in flt and "|" not in name:
                # 'event_type=strike' is a FILTER without its NAME.
                raise UsageError(
                    f"Node {item!r} has no name: write NAME=FILTER, e.g. "
                    f"'{flt.strip()[:20]}={item}'."
                )
            if name.strip() in spec:
                raise ValueError(f"Node name {name.strip()!r} is given twice.")
            spec[name.strip()] = flt.strip()
        if qq_plot is not None:
            # Checked before the fit: a missing library or a file in the way
            # would otherwise surface only after minutes of work.
            check_output(qq_plot, force=force)
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                raise OptionalDependencyError(
                    "--qq-plot needs matplotlib. Fix: pip install 'titfortat[plot]' "
                    "(or pip install matplotlib)."
                ) from None
        st = _open_store(store, demo)
        try:
            from titfortat.effects import hawkes_table

            table = hawkes_table(
                st,
                spec,
                family=family.value,
                link=link.value,
                baseline_segments=segments,
                interval=interval.value,
                rng=seed,
            )
        finally:
            st.close()
        if qq_plot is not None:
            import matplotlib

            matplotlib.use("Agg")
            from titfortat.report import plot_residual_qq

            axes = plot_residual_qq(table.model.residuals(rng=seed))
            axes[0].figure.tight_layout()
            axes[0].figure.savefig(qq_plot)
    if fmt is OutputFormat.json:
        typer.echo(table.to_json())
    elif fmt is OutputFormat.csv:
        typer.echo(table.effects.to_csv(), nl=False)
    else:
        _out.print(str(table), highlight=False, markup=False)
        if qq_plot is not None:
            _out.print(Text(f"residual QQ plot written to {qq_plot}"))
