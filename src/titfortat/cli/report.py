"""``titfortat demo``, ``report`` and ``serve``: parse, call one function, print.

No statistics live here: ``demo`` and ``report`` call
:func:`titfortat.report.build_report`, ``serve`` starts
:mod:`titfortat.dashboard`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from titfortat.cli._common import (
    DEFAULT_STORE,
    DemoOption,
    ForceOption,
    PlacebosOption,
    RadiusKmOption,
    StoreOption,
    WindowDaysOption,
    check_event_study_options,
    check_output,
    errors,
    existing_store,
)

__all__ = ["demo", "report", "serve"]

out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(func: F) -> F:
    """Library errors become one red line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with errors(usage=False):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class _StepProgress:
    """A rich progress bar over report steps; also the ``progress`` callback."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description:<44}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> _StepProgress:
        self._progress.__enter__()
        self._task = self._progress.add_task("report", total=1)
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def __call__(self, step: str, i: int, n: int) -> None:
        self._progress.update(self._task, description=step, completed=i, total=n)


OutputOpt = Annotated[
    Path,
    typer.Option("--output", "-o", help="Directory of the report (index.html)."),
]


def _print_report_summary(result: Any) -> None:
    sections = result.sections
    out.print(
        f"\nReport: [bold]{result.path}[/bold] ({len(sections)} sections, "
        f"{result.n_figures} figures, {result.seconds:.0f} s). Open it in a "
        "browser; it needs no network.",
        highlight=False,
    )
    for sec in sections:
        mark = "not available or not estimable" if not sec.is_available else ""
        out.print(
            f"  - {escape(sec.title)}: {len(sec.figures)} figure(s), "
            f"{len(sec.tables)} table(s){'; ' + mark if mark else ''}",
            highlight=False,
        )


@_handle_errors
def demo(
    output: OutputOpt = Path("titfortat-report"),
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", "-s", help="Keep the demo store in this file (default: memory)."
        ),
    ] = None,
    placebos: Annotated[
        int,
        typer.Option(
            "--placebos",
            help="Placebo pool size, sampled from all candidates; 0 (default): "
            "every candidate, the estimate sampled pools converge to.",
        ),
    ] = 0,
    force: ForceOption = False,
) -> None:
    """The main job on the bundled data, as a report: did airstrikes deter attacks?

    Loads the Iraq 2007-08 events into an event store, resolves their actors
    against the bundled network, writes the HTML report of the whole analysis
    (with the 2023-24 case network and published counts) to OUTPUT/index.html,
    and prints the effect of US airstrikes on insurgent attacks by every
    estimator, each with its interval, verdict and caveat. No network needed.
    """
    import dataclasses

    from titfortat.actors import ActorNetwork, apply_resolution
    from titfortat.cli._render import demo_summary, effect_view
    from titfortat.datasets import CITATIONS, load_demo_store
    from titfortat.report.html import DEMO_CONFIG, build_report

    check_output(output / "index.html", force=force)
    config = dataclasses.replace(DEMO_CONFIG, n_placebos=placebos or None)
    with load_demo_store(store if store is not None else ":memory:") as st:
        demo_summary(st, out)
        resolution = apply_resolution(st, ActorNetwork.load("iraq_2006_08"))
        out.print(
            f"Actors resolved against the bundled Iraq 2006-08 network: "
            f"{resolution.share_names:.0%} of names, "
            f"{resolution.share_events:.0%} of events.\n"
        )
        with _StepProgress(err) as progress:
            result = build_report(st, output, config=config, progress=progress)
    effect_view(out, result.effect_table)
    out.print(
        "\nRead the table row by row: the naive before/after comparison is the "
        "trap (strikes follow spikes); the matched event study is the local "
        "estimate; the national rows (count autoregressions, Granger, Hawkes) "
        "see daily totals only."
    )
    _print_report_summary(result)
    out.print(f"[dim]Data: {escape(CITATIONS['geocausal'])}[/dim]")


@_handle_errors
def report(
    store: Annotated[
        Path,
        typer.Option(
            "--store",
            "-s",
            envvar="TITFORTAT_STORE",
            help="Event store file (DuckDB), opened read-only.",
        ),
    ] = Path("titfortat.duckdb"),
    network: Annotated[
        str,
        typer.Option(
            "--network",
            "-n",
            help="Bundled network name (iran_axis_2023_24, iraq_2006_08) or a "
            "YAML file.",
        ),
    ] = "iran_axis_2023_24",
    output: OutputOpt = Path("titfortat-report"),
    treatment: Annotated[
        str, typer.Option("--treatment", "-t", help="FILTER of interventions.")
    ] = "event_type=strike",
    outcome: Annotated[
        str, typer.Option("--outcome", help="FILTER of outcome events.")
    ] = "event_type=attack",
    radius_km: RadiusKmOption = 10.0,
    window_days: WindowDaysOption = 7,
    placebos: PlacebosOption = 0,
    network_at: Annotated[
        str | None,
        typer.Option("--network-at", help="Draw the ties that hold on this day."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write one self-contained HTML report of the whole analysis of a store.

    Sections: the data, a map, the network, did retaliation deter, action and
    reaction, who did it, what happens next, methods and caveats. Figures are
    embedded: OUTPUT/index.html opens with no network and no JavaScript.
    """
    from titfortat.events import EventStore
    from titfortat.report.html import ReportConfig, build_report

    with errors():
        check_event_study_options(radius_km, window_days, placebos)
    check_output(output / "index.html", force=force, inputs=[store])
    config = ReportConfig(
        treatment=treatment,
        outcome=outcome,
        radius_km=radius_km,
        window_days=window_days,
        n_placebos=placebos or None,
        network=network,
        network_at=network_at,
        title=f"titfortat report: {store.name}",
    )
    with EventStore(store, read_only=True) as st, _StepProgress(err) as progress:
        result = build_report(st, output, config=config, progress=progress)
    _print_report_summary(result)


@_handle_errors
def serve(
    store: StoreOption = DEFAULT_STORE,
    demo: DemoOption = False,
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port.")] = 8050,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Interface to bind. The default 127.0.0.1 is reachable from "
            "this machine only; 0.0.0.0 exposes the dashboard to the network.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Start the local dashboard: filter events, see timeline, map and network,
    run the effect table, download tables as CSV. Read-only on the store."""
    import socket

    from titfortat.dashboard import serve as run_dashboard
    from titfortat.exceptions import UsageError

    path = existing_store(store, demo=demo)  # None: the bundled data

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise UsageError(
                f"Cannot listen on {host}:{port} ({error.strerror or error}). "
                "Pick another port with --port, or stop what is using it."
            ) from None

    where = (
        "this machine only"
        if host in {"127.0.0.1", "localhost", "::1"}
        else ("[bold]other machines too[/bold]")
    )
    err.print(
        f"titfortat dashboard on http://{host}:{port} (bound to {escape(host)}: "
        f"reachable from {where}); store: "
        f"{escape(str(path)) if path else 'bundled Iraq 2007-08 data'} "
        "(read-only). Stop with Ctrl+C.",
        highlight=False,
    )
    run_dashboard(path, host=host, port=port)
