"""``titfortat simulate``: run a policy scenario; parse, call one function, print.

The statistics live in :func:`titfortat.simulate.run`; plots in
:mod:`titfortat.report.simulate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from titfortat.cli._common import FormatOption, OutputFormat, errors
from titfortat.exceptions import UsageError

__all__ = ["simulate"]

_out = Console(soft_wrap=False, width=200)
_err = Console(stderr=True)


def simulate(
    scenario: Annotated[
        str,
        typer.Argument(
            help="Scenario YAML file, or a bundled scenario name "
            "('case-2023-24', 'example')."
        ),
    ],
    runs: Annotated[
        int, typer.Option("--runs", "-n", help="Runs per policy (same runs for all).")
    ] = 2000,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed: the same seed gives the same output."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Local worker processes.")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786)."),
    ] = None,
    uncertainty: Annotated[
        str,
        typer.Option(
            help="Parameter uncertainty of a fitted model: none, asymptotic or "
            "bootstrap."
        ),
    ] = "none",
    format: FormatOption = OutputFormat.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Directory for the fan-chart PNGs and tables."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files in --output.")
    ] = False,
) -> None:
    """What happens next under each policy: counts, P(cycle), quiescence.

    Every policy is simulated on the same runs (common random numbers), so the
    comparison table's paired differences carry less Monte Carlo error than
    independent runs would (how much less depends on the variance the
    policies share); both errors are shown.
    """
    with errors():
        if scheduler is not None and workers != 1:
            raise UsageError(
                "--workers applies to local processes; with --scheduler the "
                "Dask cluster's workers are used. Pass one of them."
            )
        if format is OutputFormat.csv and output is None:
            raise UsageError("--format csv writes several tables; pass --output DIR.")
        planned = [
            "results.csv",
            "comparison.csv",
            "policies.csv",
            "curves.csv",
            "result.json",
        ]
        if output is not None:
            output.mkdir(parents=True, exist_ok=True)
            clash = [n for n in planned if (output / n).exists()]
            if clash and not force:
                raise UsageError(
                    f"{output} already holds {clash}; pass --force to overwrite."
                )
        from titfortat.simulate import Scenario, run

        sc = Scenario.load(scenario)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_err,
            transient=True,
            disable=format is not OutputFormat.table,
        ) as bar:
            task = bar.add_task(f"simulating {sc.name}", total=runs)

            def progress(done: int, total: int, stage: str = "simulating") -> None:
                bar.update(
                    task, completed=done, total=total, description=f"{stage} {sc.name}"
                )

            result = run(
                sc,
                runs=runs,
                rng=seed,
                workers=workers,
                scheduler=scheduler,
                uncertainty=uncertainty,
                progress=progress,
            )
        payload = result.to_dict()
        if output is not None:
            _write_outputs(result, payload, output)
        if format is OutputFormat.json:
            typer.echo(json.dumps(payload))
        elif format is OutputFormat.table:
            _print_tables(result, payload)


def _write_outputs(result: Any, payload: dict[str, Any], output: Path) -> None:
    from titfortat.report.simulate import save_simulation_figures

    result.results().to_csv(output / "results.csv", index=False)
    result.comparison().to_csv(output / "comparison.csv", index=False)
    result.policies().to_csv(output / "policies.csv", index=False)
    result.curves().to_csv(output / "curves.csv", index=False)
    if payload.get("calibration"):
        import pandas as pd

        pd.DataFrame(payload["calibration"]).to_csv(
            output / "calibration.csv", index=False
        )
    (output / "result.json").write_text(json.dumps(payload), encoding="utf-8")
    pngs = save_simulation_figures(payload, output)
    _err.print(f"wrote tables, result.json and {len(pngs)} PNG(s) to {output}")


def _print_tables(result: Any, payload: dict[str, Any]) -> None:
    from titfortat.cli._render import frame_table

    k = payload["scenario"]["count_threshold"]
    if payload.get("calibration"):
        import pandas as pd

        cal = pd.DataFrame(payload["calibration"]).drop(
            columns=["source_url", "weight_reason"]
        )
        _out.print(frame_table(cal, title="calibration: published vs fitted (90%)"))
    _out.print(
        frame_table(
            result.results().round(3),
            title=f"{payload['scenario']['name']}: counts over "
            f"{payload['scenario']['horizon_days']:g} days, {result.n_sims:,} runs "
            f"(seed {result.rng_seed}); p_at_least_k: >= {k[0]} in {k[1]:g} days",
        )
    )
    _out.print(frame_table(result.policies().round(3), title="per policy"))
    cmp_ = result.comparison()
    if len(cmp_):
        _out.print(
            frame_table(
                cmp_.round(3),
                title="paired differences vs the first policy (same runs); "
                "unpaired_se: the error of independent runs",
            )
        )
    # markup=False: texts hold "alpha[attack<-strike]", not rich markup.
    for note in payload["notes"] + payload.get("calibration_notes", []):
        _out.print(f"note: {note}", markup=False, soft_wrap=True)
    if payload.get("identification"):
        _out.print(
            f"identification: {payload['identification']}",
            markup=False,
            soft_wrap=True,
        )
