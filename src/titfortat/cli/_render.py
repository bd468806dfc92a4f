"""Rich renderings used by the CLI (tables, progress); no computation here.

Every value that comes from data (actor names, file names, notes) enters a
table as :class:`rich.text.Text`, never as a markup string: a name such as
``Kata'ib [/b] Hizballah`` is printed as written instead of raising a
``MarkupError`` or changing the style of the rest of the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text


def frame_table(
    frame: Any, *, title: str, max_rows: int = 50, total: int | None = None
) -> Table:
    """A rich table of the first ``max_rows`` rows of a DataFrame.

    ``total`` is the number of rows in all when ``frame`` holds only the first.
    """
    shown = frame.head(max_rows)
    total = len(frame) if total is None else total
    more = total - len(shown)
    caption = (
        (f"{total:,} rows; showing {len(shown):,} (use --format csv or json for all)")
        if more > 0
        else f"{total:,} rows"
    )
    table = Table(title=Text(title), caption=caption)
    for col in shown.columns:
        table.add_column(Text(str(col)), overflow="fold")
    for row in shown.itertuples(index=False):
        table.add_row(*(Text("" if _isna(v) else str(v)) for v in row))
    return table


def _isna(value: Any) -> bool:
    try:
        return bool(value != value) or value is None or str(value) in {"<NA>", "NaT"}
    except (TypeError, ValueError):
        return False


def report_table(report: Any, store: Path | str) -> Table:
    """Summary of an :class:`~titfortat.events.IngestReport`."""
    table = Table(title=Text(f"ingest #{report.ingest_id} into {store}"))
    for col in ("file", "read", "inserted", "duplicates", "quarantined"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for f in report.files:
        table.add_row(
            Text(f.path),
            f"{f.read:,}",
            f"{f.inserted:,}",
            f"{f.duplicates:,}",
            f"{f.quarantined:,}",
        )
    if len(report.files) > 1:
        table.add_row(
            "[bold]total[/bold]",
            f"{report.read:,}",
            f"{report.inserted:,}",
            f"{report.duplicates:,}",
            f"{report.quarantined:,}",
        )
    table.caption = f"{report.seconds:.2f} s"
    return table


class IngestProgress:
    """A progress bar over files that is also an ingest ``progress`` callback."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> IngestProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, stage: str, path: str, index: int, total: int) -> None:
        if self._task is None:
            self._task = self._progress.add_task("ingest", total=total)
        name = Path(path).name
        self._progress.update(
            self._task,
            description=f"{stage:8} {name}",
            completed=index + (stage == "done"),
        )


def demo_summary(store: Any, console: Console) -> None:
    """Print what the demo store holds: ingests, monthly counts by type."""
    ingests = store.ingests()
    table = Table(
        title="Bundled data: US air operations and insurgent attacks, "
        "Iraq 2007-02-23..2008-07-05"
    )
    for col in ("file", "read", "inserted", "quarantined"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for row in ingests.itertuples():
        table.add_row(
            Text(Path(row.source_file).name),
            f"{row.n_read:,}",
            f"{row.n_inserted:,}",
            f"{row.n_quarantined:,}",
        )
    console.print(table)
    counts = store.counts(freq="year", by="source_event_type")
    console.print(
        frame_table(
            counts.reset_index().assign(period=lambda d: d["period"].dt.year),
            title="Events per year by source type (Airstrike/SOF = US; "
            "IED/SAF/other = insurgent)",
        )
    )


def effect_view(console: Console, result: Any) -> None:
    """Print an :class:`~titfortat.effects.EffectTable` as a rich table."""
    for key, value in result.header.items():
        console.print(Text.assemble((f"{key}:", "dim"), " ", str(value)))
    # A verdict is marked bold whichever way it goes: colours of approval
    # (deterrence green, escalation red) would judge what the table measures.
    colour = {"deterrence": "bold", "escalation": "bold"}
    rows = [
        (
            row.estimator,
            row.direction,
            f"{row.estimate:.3g}",
            f"{row.ci_lower:.3g}",
            f"{row.ci_upper:.3g}",
            # Three digits: p = 0.0496 beside a finding must not read "0.05".
            f"{row.p_value:.3g}",
            row.verdict,
        )
        for row in result.table.itertuples(index=False)
    ]
    # Numbers and verdicts are never cut; in a narrow terminal the names
    # wrap instead (an 80-column terminal showed "-0.…" before).
    table = Table(
        title="Effect table (95% intervals)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    heads = ("estimator", "direction", "estimate", "lower", "upper", "p", "verdict")
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(heads)]
    # Numbers are never cut. In a narrow terminal the names and the verdict
    # wrap instead, with explicit widths (rich shrinks wrappable columns
    # unevenly and then truncates numbers: "-0.…" in 80 columns).
    flexible = (0, 1, 6)
    room = console.width - sum(widths[2:6]) - 2 * len(heads)
    need = sum(widths[k] for k in flexible)
    if need > room:
        for k in flexible:
            widths[k] = max(10 if k == 6 else 6, room * widths[k] // need)
    for k, col in enumerate(heads):
        if k in flexible:
            table.add_column(col, overflow="fold", width=widths[k])
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for r in rows:
        shown = r[6].replace("_", " ")  # wraps at spaces when narrow
        table.add_row(*(Text(c) for c in r[:6]), Text(shown, colour.get(r[6], "")))
    console.print(table)
    seen: set[str] = set()
    for row in result.table.itertuples(index=False):
        if row.estimator not in seen:
            seen.add(row.estimator)
            console.print(
                Text.assemble(
                    (str(row.estimator), "bold"), f": {row.scale}; {row.caveat}"
                ),
                highlight=False,
            )
    # Why a row is inconclusive or not estimable (the table's reason column).
    why = [r for r in result.table.itertuples(index=False) if getattr(r, "reason", "")]
    if why:
        console.print(Text("reasons:", "bold"))
        for r in why:
            verdict = str(r.verdict).replace("_", " ")
            console.print(Text(f"  {r.estimator} {r.direction}: {verdict}: {r.reason}"))
