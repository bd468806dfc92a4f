"""The Shiny app behind ``titfortat serve``.

Why Shiny for Python (not Panel): the app is a handful of inputs and
matplotlib outputs, which Shiny's reactive model expresses directly without
a second plotting stack (Panel pulls in Bokeh, param and its JavaScript
build); its server is a plain ASGI app on uvicorn that starts in about a
second; downloads are one decorator; and Posit documents testing Shiny apps
in a real browser with Playwright, which is how ``tests/dashboard`` drives it.

Safety: the store is opened read-only; the filters go to
:meth:`~titfortat.events.EventStore.query` and reach DuckDB only as bound
parameters; FILTER strings of the effect table select rows in pandas
(:func:`titfortat.effects.parse_filter`); nothing typed into the page is
evaluated. Bad control values raise :class:`shiny.types.SafeException`, whose
message Shiny shows in place of the output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

__all__ = ["create_app", "serve"]

#: Columns the views need; the CSV download gives every column.
VIEW_COLUMNS = [
    "event_id",
    "date",
    "country",
    "admin1",
    "actor",
    "actor2",
    "banner",
    "event_type",
    "source_event_type",
    "latitude",
    "longitude",
    "n_events",
    "source",
]
MAX_TABLE_ROWS = 1_000


def _require_shiny() -> Any:
    try:
        import shiny
    except ImportError as err:
        from titfortat.exceptions import OptionalDependencyError

        raise OptionalDependencyError(
            "The dashboard needs Shiny for Python: pip install 'titfortat[dashboard]'."
        ) from err
    return shiny


def _open_store(store: str | Path | Any | None) -> tuple[Any, str]:
    """The store (read-only) and a label; the bundled demo data when ``None``."""
    if store is None:
        from titfortat.datasets import load_demo_store

        return load_demo_store(), "bundled Iraq 2007-08 data (in memory)"
    if isinstance(store, str | Path):
        from titfortat.events import EventStore

        return EventStore(store, read_only=True), f"{store} (read-only)"
    return store, repr(store)


def _store_meta(store: Any) -> dict[str, Any]:
    frame = store.query(columns=["date", "country", "event_type"])
    if frame.empty:
        today = dt.date.today()
        return {"first": today, "last": today, "countries": [], "types": []}
    return {
        "first": frame["date"].min().date(),
        "last": frame["date"].max().date(),
        "countries": sorted(frame["country"].dropna().unique().tolist()),
        "types": sorted(frame["event_type"].dropna().unique().tolist()),
    }


def _default_network(networks: list[str], first: dt.date, last: dt.date) -> str:
    """The bundled network with the most dated ties inside the store's period.

    A store of Iraq 2007-08 events opens on the Iraq 2006-08 network, one of
    2024 events on the 2023-24 case; with no dated tie inside, the first.
    """
    from titfortat.actors import ActorNetwork

    def n_inside(name: str) -> int:
        ties = ActorNetwork.load(name).ties()
        return sum(
            (t.start is None or t.start <= last)
            and (t.end is None or t.end >= first)
            and (t.start is not None or t.end is not None)
            for t in ties
        )

    return max(networks, key=lambda name: (n_inside(name), -networks.index(name)))


def _bounded_number(
    value: Any, name: str, low: float, high: float, *, integer: bool = False
) -> float:
    """A control's number, or a message saying what is allowed."""
    from shiny.types import SafeException

    kind = "a whole number" if integer else "a number"
    if value is None or (isinstance(value, float) and value != value):
        raise SafeException(f"{name}: enter {kind} from {low:g} to {high:g}.")
    number = float(value)
    if not low <= number <= high or (integer and number != int(number)):
        raise SafeException(
            f"{name} must be {kind} from {low:g} to {high:g}. Got {value!r}."
        )
    return number


def _in_background(request: Any, compute: Any, button_id: str, label: str) -> Any:
    """Run ``compute(*request())`` in a worker thread as a Shiny extended task.

    ``request`` is a reactive calc that validates the controls in the session
    when the button is pressed; its error is shown in place of the outputs.
    The computation runs in a thread, so a long effect table or simulation
    leaves the page (and every other session on the server) responsive; the
    task button shows that it is busy and ignores clicks meanwhile. Returns a
    function giving the result, for the outputs to read.
    """
    import asyncio

    from shiny import reactive, ui
    from shiny.types import SafeException

    from titfortat.exceptions import TitForTatError

    def guarded(*args: Any) -> Any:
        try:
            return compute(*args)
        except (TitForTatError, ValueError) as err:
            raise SafeException(f"{label}: {err}") from err

    @ui.bind_task_button(button_id=button_id)
    @reactive.extended_task
    async def task(*args: Any) -> Any:
        return await asyncio.to_thread(guarded, *args)

    @reactive.effect
    def _start() -> None:
        try:
            args = request()
        except Exception:  # shown by the outputs that read the result
            return
        task.invoke(*args)

    def result() -> Any:
        request()  # a validation error is shown first
        return task.result()

    return result


def create_app(store: str | Path | Any | None = None) -> Any:
    """The dashboard as a :class:`shiny.App` over ``store``.

    Parameters
    ----------
    store : str, Path, EventStore or None
        Store file (opened read-only), an open store, or ``None`` for the
        bundled Iraq 2007-08 data.

    Returns
    -------
    shiny.App

    Examples
    --------
    >>> from titfortat.events import EventStore
    >>> type(create_app(EventStore(":memory:"))).__name__
    'App'
    """
    _require_shiny()
    from shiny import App, reactive, render, ui
    from shiny.types import SafeException

    from titfortat.actors import ActorNetwork
    from titfortat.actors.network import available_networks
    from titfortat.exceptions import TitForTatError

    st, label = _open_store(store)
    meta = _store_meta(st)
    networks = available_networks()

    sidebar = ui.sidebar(
        ui.input_date_range(
            "dates",
            "Dates",
            start=meta["first"],
            end=meta["last"],
            min=meta["first"],
            max=meta["last"],
        ),
        ui.input_selectize(
            "country",
            "Country (none ticked: all)",
            choices=meta["countries"],
            multiple=True,
        ),
        ui.input_checkbox_group(
            "event_type", "Event type", choices=meta["types"], selected=meta["types"]
        ),
        ui.input_text("actor", "Actor (name contains, or actor id)", ""),
        ui.hr(),
        ui.p(ui.strong("Store: "), label, class_="small"),
        ui.p(
            "Read-only: this page never changes the store. Filters are passed "
            "to the store as bound query parameters.",
            class_="small text-muted",
        ),
        width=320,
    )
    effect_controls = ui.layout_columns(
        ui.input_text("treatment", "Treatment FILTER", "event_type=strike"),
        ui.input_text("outcome", "Outcome FILTER", "event_type=attack"),
        ui.input_numeric("radius_km", "Radius (km)", 10, min=0.1, max=500),
        ui.input_numeric("window_days", "Window (days)", 7, min=1, max=90),
        ui.input_numeric("placebos", "Placebos (0 = all)", 2000, min=0, max=100_000),
        ui.input_checkbox("with_hawkes", "Hawkes rows (slower)", False),
        col_widths=(3, 3, 2, 2, 2, 12),
    )
    scenarios = _scenario_names()
    if scenarios:
        scenario_panel = ui.TagList(
            ui.p(
                "What happens next under each response policy: a bundled "
                "scenario simulated many times, every policy on the same runs. "
                "The 2023-24 case is calibrated to published counts first.",
                class_="small",
            ),
            ui.layout_columns(
                ui.input_select("scenario", "Scenario", choices=scenarios),
                ui.input_numeric("runs", "Runs per policy", 200, min=2, max=5000),
                ui.input_numeric("seed", "Seed", 0, min=0, max=2**31 - 1),
                ui.input_select("fan_node", "Fan chart of", choices=[]),
                col_widths=(4, 3, 2, 3),
            ),
            ui.input_task_button("run_scenario", "Run scenario"),
            ui.output_text("scenario_note"),
            ui.output_plot("fan_chart", height="420px"),
            ui.output_data_frame("comparison_table"),
            ui.download_button(
                "download_comparison", "Download policy comparison (CSV)"
            ),
        )
    else:
        scenario_panel = ui.p(
            "Not available in this build: policy scenarios need the policy "
            "simulator (titfortat.simulate), which this installation does not "
            "provide.",
            class_="alert alert-secondary",
        )
    app_ui = ui.page_sidebar(
        sidebar,
        ui.div(ui.output_text("n_events", inline=True), class_="lead"),
        ui.navset_tab(
            ui.nav_panel(
                "Timeline",
                ui.output_plot("timeline", height="360px"),
            ),
            ui.nav_panel("Map", ui.output_plot("map", height="620px")),
            ui.nav_panel(
                "Network",
                ui.input_select(
                    "network",
                    "Network",
                    choices=networks,
                    selected=_default_network(networks, meta["first"], meta["last"]),
                ),
                ui.p(
                    "Ties that hold on the last day of the date filter.",
                    class_="small text-muted",
                ),
                ui.output_plot("network_plot", height="640px"),
            ),
            ui.nav_panel(
                "Events",
                ui.download_button("download_events", "Download CSV (all matching)"),
                ui.output_text("events_note"),
                ui.output_data_frame("events_table"),
            ),
            ui.nav_panel(
                "Effect table",
                ui.p(
                    "Did the treatment events deter or provoke the outcome events? "
                    "Every estimator on the filtered events, with 95% intervals "
                    "and verdicts. FILTER: column=value, terms joined by ',', "
                    "values by '|'.",
                    class_="small",
                ),
                effect_controls,
                ui.input_task_button("run_effects", "Run effect table"),
                ui.output_text("effects_note"),
                ui.output_data_frame("effects_table"),
                ui.download_button("download_effects", "Download effect table (CSV)"),
            ),
            ui.nav_panel("Policy scenario", scenario_panel),
            id="tabs",
        ),
        title="titfortat dashboard",
        fillable=False,
    )

    def server(input: Any, output: Any, session: Any) -> None:
        @reactive.calc
        def filters() -> dict[str, Any]:
            dates = input.dates()
            if not dates or dates[0] is None or dates[1] is None:
                raise SafeException("Dates: pick a start and an end date.")
            since, until = dates
            if since > until:
                raise SafeException(
                    f"Dates: the start ({since}) is after the end ({until})."
                )
            types = list(input.event_type())
            if not types:
                raise SafeException("Event type: tick at least one type.")
            actor = (input.actor() or "").strip()
            if len(actor) > 200:
                raise SafeException("Actor: at most 200 characters.")
            return {
                "since": since,
                "until": until,
                "country": list(input.country()) or None,
                "event_type": types,
                "actor": actor or None,
            }

        def query(**extra: Any) -> Any:
            try:
                return st.query(**filters(), **extra)
            except TitForTatError as err:
                raise SafeException(str(err)) from err

        @reactive.calc
        def events() -> Any:
            return query(columns=VIEW_COLUMNS)

        @render.text
        def n_events() -> str:
            f = filters()
            n = len(events())
            parts = [f"{f['since']} to {f['until']}", ", ".join(f["event_type"])]
            if f["country"]:
                parts.append(", ".join(f["country"]))
            if f["actor"]:
                parts.append(f"actor contains {f['actor']!r}")
            return f"{n:,} events match ({'; '.join(parts)})"

        @render.plot(alt="Timeline of events per week by type")
        def timeline() -> Any:
            from matplotlib.figure import Figure

            from titfortat.report.figures import plot_timeline

            frame = events()
            if frame.empty:
                raise SafeException("No events match the filters.")
            counts = (
                frame.assign(week=frame["date"].dt.to_period("W").dt.start_time)
                .pivot_table(
                    index="week",
                    columns="event_type",
                    values="n_events",
                    aggfunc="sum",
                    fill_value=0,
                )
                .sort_index()
            )
            fig = Figure(figsize=(9, 3.4), layout="tight")
            ax = plot_timeline(counts, ax=fig.subplots(), freq="week")
            ax.set_title(f"Events per week ({len(frame):,} events)")
            return fig

        @render.plot(alt="Map of events by type")
        def map() -> Any:
            from matplotlib.figure import Figure

            from titfortat.report.figures import plot_event_map

            frame = events()
            if frame.empty:
                raise SafeException("No events match the filters.")
            fig = Figure(figsize=(7.5, 6.5), layout="tight")
            plot_event_map(frame, ax=fig.subplots(), max_points=20_000)
            return fig

        @render.plot(alt="Actor network")
        def network_plot() -> Any:
            from matplotlib.figure import Figure

            from titfortat.report.actors import plot_network

            name = input.network()
            if name not in networks:
                raise SafeException(f"Network: choose one of {networks}.")
            fig = Figure(figsize=(10, 7), layout="tight")
            plot_network(
                ActorNetwork.load(name), at=filters()["until"], ax=fig.subplots()
            )
            return fig

        @render.text
        def events_note() -> str:
            n = len(events())
            shown = min(n, MAX_TABLE_ROWS)
            return f"Showing {shown:,} of {n:,} matching events."

        @render.data_frame
        def events_table() -> Any:
            frame = events().head(MAX_TABLE_ROWS).copy()
            frame["date"] = frame["date"].dt.date.astype(str)
            return render.DataGrid(frame, height="480px")

        @render.download(filename="titfortat-events.csv")
        def download_events() -> Any:
            yield query().to_csv(index=False)

        @reactive.calc
        @reactive.event(input.run_effects)
        def effects_request() -> tuple[Any, dict[str, Any]]:
            # Validated in the session (a bad value is shown in place of the
            # outputs); the estimation itself runs in a worker thread.
            radius = _bounded_number(input.radius_km(), "Radius (km)", 0.1, 500)
            window = _bounded_number(
                input.window_days(), "Window (days)", 1, 90, integer=True
            )
            placebos = _bounded_number(
                input.placebos(), "Placebos", 0, 100_000, integer=True
            )
            kwargs = dict(
                treatment=input.treatment(),
                outcome=input.outcome(),
                radius_km=radius,
                window_days=int(window),
                n_placebos=int(placebos) or None,
                hawkes=bool(input.with_hawkes()),
                rng=0,
            )
            return query(), kwargs

        def _effect_table(frame: Any, kwargs: dict[str, Any]) -> Any:
            from titfortat.effects import effect_table

            return effect_table(frame, **kwargs)

        effects = _in_background(
            effects_request, _effect_table, "run_effects", "Effect table"
        )

        @render.text
        def effects_note() -> str:
            if not input.run_effects():
                return "Press 'Run effect table' to estimate on the filtered events."
            t = effects()
            return (
                f"{len(t.table)} rows; treatment {t.header.get('treatment')}, "
                f"outcome {t.header.get('outcome')}. Each row measures its own "
                "quantity: the CSV download has every row's scale and caveat."
            )

        @render.data_frame
        def effects_table() -> Any:
            if not input.run_effects():
                return None
            # numbers of not_estimable rows withheld, as in the CLI and report
            frame = effects().display_frame().drop(columns="n_warnings")
            for c in ("estimate", "ci_lower", "ci_upper", "p_value"):
                frame[c] = frame[c].map(
                    lambda v: v if isinstance(v, str) else f"{v:.4g}"
                )
            return render.DataGrid(frame)

        @render.download(filename="titfortat-effects.csv")
        def download_effects() -> Any:
            if not input.run_effects():
                raise SafeException("Run the effect table first.")
            yield effects().table.to_csv(index=False)

        if scenarios:
            _scenario_server(input, scenarios)

    return App(app_ui, server)


def _scenario_names() -> list[str]:
    """Bundled scenario names, or [] when the simulator is not in this build."""
    try:
        from titfortat.simulate import bundled_scenarios
    except ImportError:
        return []
    return sorted(bundled_scenarios())


def _scenario_server(input: Any, scenarios: list[str]) -> None:
    """Reactive outputs of the policy-scenario tab."""
    from shiny import reactive, render, ui
    from shiny.types import SafeException

    from titfortat.simulate import Scenario, bundled_scenarios, run

    @reactive.calc
    @reactive.event(input.run_scenario)
    def simulation_request() -> tuple[str, int, int]:
        name = input.scenario()
        if name not in scenarios:
            raise SafeException(f"Scenario: choose one of {scenarios}.")
        runs = _bounded_number(input.runs(), "Runs per policy", 2, 5000, integer=True)
        seed = _bounded_number(input.seed(), "Seed", 0, 2**31 - 1, integer=True)
        return name, int(runs), int(seed)

    def _simulate(name: str, runs: int, seed: int) -> Any:
        scenario = Scenario.load(bundled_scenarios()[name])
        return run(scenario, runs=runs, rng=seed)

    simulation = _in_background(
        simulation_request, _simulate, "run_scenario", "Scenario"
    )

    @reactive.effect
    def _nodes() -> None:
        # An error raised inside an effect would end the session; the message
        # is shown by the outputs that read the same result.
        try:
            result = simulation()
        except Exception:  # shown by the outputs that read it
            return
        ui.update_select("fan_node", choices=result.nodes, selected=result.nodes[0])

    @render.text
    def scenario_note() -> str:
        if not input.run_scenario():
            return "Press 'Run scenario' to simulate every policy."
        r = simulation()
        return (
            f"{r.scenario['name']}: {r.n_sims:,} runs per policy (seed "
            f"{r.rng_seed}); policies: {', '.join(r.policy_names)}."
        )

    @render.plot(alt="Fan chart of cumulative events under each policy")
    def fan_chart() -> Any:
        from matplotlib.figure import Figure

        from titfortat.report.simulate import plot_fan_chart

        if not input.run_scenario():
            return None
        r = simulation()
        node = input.fan_node() or r.nodes[0]
        if node not in r.nodes:
            raise SafeException(f"Fan chart: choose one of {r.nodes}.")
        fig = Figure(figsize=(8, 4.2), layout="tight")
        plot_fan_chart(r, node, ax=fig.subplots())
        return fig

    def comparison() -> Any:
        frame = simulation().comparison().copy()
        frame["ci_lower"] = frame["difference"] - 1.96 * frame["paired_se"]
        frame["ci_upper"] = frame["difference"] + 1.96 * frame["paired_se"]
        return frame

    @render.data_frame
    def comparison_table() -> Any:
        if not input.run_scenario():
            return None
        return render.DataGrid(comparison().round(3))

    @render.download(filename="titfortat-policy-comparison.csv")
    def download_comparison() -> Any:
        if not input.run_scenario():
            raise SafeException("Run the scenario first.")
        yield comparison().to_csv(index=False)


def serve(
    store: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 8050
) -> None:
    """Run the dashboard until interrupted (binds ``host``, default loopback).

    Parameters
    ----------
    store : str, Path or None
        Store file, opened read-only; ``None``: the bundled Iraq 2007-08 data.
    host : str, default "127.0.0.1"
        Interface to bind; the default is reachable from this machine only.
    port : int, default 8050
    """
    shiny = _require_shiny()
    app = create_app(store)
    shiny.run_app(app, host=host, port=port, launch_browser=False, log_level="warning")
