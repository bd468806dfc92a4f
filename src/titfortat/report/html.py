"""The HTML report: one self-contained file answering the case's questions.

:func:`build_report` runs one function per section (the data, the map, the
network, deterrence, action and reaction, attribution, what happens next,
methods), each returning a :class:`~titfortat.report._html.Section`, and
renders them with the package's Jinja2 template (autoescaped; no template
engine of our own). Figures are embedded PNGs, so ``index.html`` opens with
no network and no JavaScript.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from titfortat.exceptions import TitForTatError
from titfortat.report._html import Section

__all__ = ["ReportConfig", "ReportResult", "build_demo_report", "build_report"]

#: ``progress(step, i, n)`` is called before each of the ``n`` steps.
ProgressCallback = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    """What the report asks of the store.

    Attributes
    ----------
    treatment, outcome : str
        FILTERs of the intervention and outcome events of the effect table.
    radius_km, window_days : float, int
        Event-study neighbourhood.
    n_placebos : int or None
        Placebo pool (``None``: every candidate).
    effect_hawkes : bool
        Add the Hawkes rows to the effect table (the slowest rows).
    hawkes_nodes : mapping of str to FILTER, optional
        Nodes of the action-reaction model (default: strike and attack).
    baseline_segments : int
        Pieces of the Hawkes background rate.
    network : str or Path
        Bundled network name or YAML file.
    network_at : str or None
        Draw the ties that hold on this day.
    attribution_events : int
        Simulated banner attacks of the attribution section.
    simulation_runs : int
        Runs per policy of the 2023-24 scenario.
    title : str
    rng : int
    """

    treatment: str = "event_type=strike"
    outcome: str = "event_type=attack"
    radius_km: float = 10.0
    window_days: int = 7
    n_placebos: int | None = None
    effect_hawkes: bool = True
    hawkes_nodes: Mapping[str, str] | None = None
    baseline_segments: int = 16
    network: str | Path = "iran_axis_2023_24"
    network_at: str | None = "2024-01-28"
    attribution_events: int = 1200
    simulation_runs: int = 200
    title: str = "titfortat report"
    rng: int = 0


@dataclasses.dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` made.

    Attributes
    ----------
    path : Path
        The ``index.html`` written.
    sections : list of Section
    effect_table : EffectTable or None
    hawkes_table : HawkesTable or None
    seconds : float
    """

    path: Path
    sections: list[Section]
    effect_table: Any = None
    hawkes_table: Any = None
    seconds: float = 0.0

    @property
    def n_figures(self) -> int:
        """Figures embedded in the report."""
        return sum(len(s.figures) for s in self.sections)

    @property
    def missing(self) -> list[str]:
        """Titles of sections not available in this build or not estimable."""
        return [s.title for s in self.sections if not s.is_available]


def _render(sections: list[Section], *, title: str, subtitle: str) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("titfortat.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    return template.render(
        title=title,
        subtitle=subtitle,
        sections=sections,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def build_report(
    store: Any,
    output: str | Path,
    *,
    config: ReportConfig | None = None,
    progress: ProgressCallback | None = None,
) -> ReportResult:
    """Write ``output/index.html``: every section of the analysis of ``store``.

    Parameters
    ----------
    store : EventStore
        The events (read only).
    output : str or Path
        Directory; created if needed. ``index.html`` in it is replaced.
    config : ReportConfig, optional
        Filters and settings (default :class:`ReportConfig()`).
    progress : callable, optional
        ``progress(step, i, n)`` before each step.

    Returns
    -------
    ReportResult

    Examples
    --------
    The whole report takes a minute on the bundled data
    (``build_demo_report()``); the settings it reads:

    >>> config = ReportConfig(treatment="source_event_type=Airstrike")
    >>> config.outcome, config.window_days
    ('event_type=attack', 7)
    """
    from titfortat.actors import ActorNetwork
    from titfortat.report._sections_case import (
        attribution_section,
        outlook_section,
    )
    from titfortat.report._sections_data import (
        data_section,
        map_section,
        network_section,
        source_note,
    )
    from titfortat.report._sections_models import (
        deterrence_section,
        dynamics_section,
        methods_section,
    )

    config = config or ReportConfig()
    out_dir = Path(output)
    start = time.perf_counter()
    nodes = dict(
        config.hawkes_nodes
        or {"strike": "event_type=strike", "attack": "event_type=attack"}
    )
    steps: list[tuple[str, Callable[[], Any]]] = []
    results: dict[str, Any] = {}

    def deterrence() -> Section:
        sec, results["effects"] = deterrence_section(
            store,
            treatment=config.treatment,
            outcome=config.outcome,
            radius_km=config.radius_km,
            window_days=config.window_days,
            n_placebos=config.n_placebos,
            hawkes=config.effect_hawkes,
            rng=config.rng,
        )
        return sec

    def dynamics() -> Section:
        sec, results["hawkes"] = dynamics_section(
            store, nodes, baseline_segments=config.baseline_segments, rng=config.rng
        )
        return sec

    steps = [
        ("data", "the data", lambda: data_section(store)),
        ("map", "the map", lambda: map_section(store)),
        (
            "network",
            "the network",
            lambda: network_section(
                ActorNetwork.load(config.network), at=config.network_at
            ),
        ),
        ("deterrence", "did retaliation deter (effect table)", deterrence),
        ("dynamics", "action and reaction (Hawkes model)", dynamics),
        (
            "attribution",
            "who did it (attribution)",
            lambda: attribution_section(
                n_events=config.attribution_events, rng=config.rng
            ),
        ),
        (
            "outlook",
            "what happens next (policy scenarios)",
            lambda: outlook_section(runs=config.simulation_runs, rng=config.rng),
        ),
    ]
    sections: list[Section] = []
    for i, (key, name, step) in enumerate(steps):
        if progress is not None:
            progress(name, i, len(steps) + 1)
        try:
            sections.append(step())
        except TitForTatError as err:
            # The store cannot answer this question (too few events, a FILTER
            # matching nothing, a fit that failed): the section says why, the
            # others still run. Only the library's own errors are caught.
            failed = Section.titled(key)
            failed.is_available = False
            failed.paragraphs.append(
                f"Not estimable on this store: {err} ({type(err).__name__})."
            )
            failed.summary.append("Not estimable on this store (the section says why).")
            sections.append(failed)
    if progress is not None:
        progress("methods and the HTML file", len(steps), len(steps) + 1)
    sources = sorted(store.query(columns=["source"])["source"].dropna().unique())
    rows = [(src, "event store", *source_note(src)) for src in sources]
    rows.append(
        (
            "us_militia_2023_24",
            "bundled published counts (what happens next)",
            *source_note("us-militia"),
        )
    )
    network = ActorNetwork.load(config.network)
    by_id = {sec.id: sec for sec in sections}
    rows.append(
        (
            f"{network.id} (actor network)",
            "who is in the network",
            f"{network.title}; each tie cites its public source (network section)",
            "facts with their sources",
        )
    )
    if by_id.get("attribution") is not None and by_id["attribution"].is_available:
        rows.append(
            (
                "simulated banner attacks",
                "who did it",
                "titfortat BannerAttackSimulator (seeded): SIMULATED, not real events",
                "none needed (generated)",
            )
        )
    if by_id.get("outlook") is not None and by_id["outlook"].is_available:
        rows.append(
            (
                "case-2023-24 scenario",
                "what happens next",
                "titfortat bundled scenario calibrated to the published counts; "
                "its assumptions are stated in the scenario file and the caveats",
                "MIT (titfortat)",
            )
        )
    rows.append(
        (
            "the case",
            "the questions",
            "Harmouch, S. and Jahanbani, N. (2024). US raids in Iraq and Syria: "
            "how retaliatory airstrikes affect network of Iran-backed militias. "
            "The Conversation, February 2024.",
            "cited, not copied",
        )
    )
    source_rows = pd.DataFrame(
        rows, columns=["data set", "used in", "citation", "licence"]
    )
    sections.append(methods_section(sections, source_rows=source_rows))
    n_events = store.count()
    subtitle = (
        f"{n_events:,} events; effect of {config.treatment} on {config.outcome}; "
        f"network {network.id}"
    )
    html = _render(sections, title=config.title, subtitle=subtitle)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return ReportResult(
        path=path,
        sections=sections,
        effect_table=results.get("effects"),
        hawkes_table=results.get("hawkes"),
        seconds=time.perf_counter() - start,
    )


#: The demo's questions of the bundled Iraq 2007-08 data.
DEMO_CONFIG = ReportConfig(
    treatment="source_event_type=Airstrike",
    outcome="event_type=attack",
    hawkes_nodes={
        "air": "source_event_type=Airstrike",
        "ied": "source_event_type=IED",
        "saf": "source_event_type=SAF",
        "other": "source_event_type=other",
    },
    title="titfortat demo: US airstrikes and insurgent attacks, Iraq 2007-08",
)


def build_demo_report(
    output: str | Path = "titfortat-report",
    *,
    store: str | Path = ":memory:",
    n_placebos: int | None = None,
    progress: ProgressCallback | None = None,
) -> ReportResult:
    """The report on the bundled data: Iraq 2007-08 events, the 2023-24 case.

    Parameters
    ----------
    output : str or Path, default "titfortat-report"
    store : str or Path, default ":memory:"
        Where to keep the demo event store.
    n_placebos : int, optional
        Placebo pool of the event study (default every candidate).
    progress : callable, optional
        As in :func:`build_report`.

    Returns
    -------
    ReportResult
    """
    from titfortat.datasets import load_demo_store

    config = dataclasses.replace(DEMO_CONFIG, n_placebos=n_placebos)
    with load_demo_store(store) as st:
        return build_report(st, output, config=config, progress=progress)
