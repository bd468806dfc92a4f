"""Pieces of the HTML report: sections, embedded figures, escaped tables.

A report is a list of :class:`Section` objects rendered by one Jinja2
template (``templates/report.html.j2``, autoescaped). Each section is built by
its own function, so a section whose capability is missing in this build
says so in place ("not available in this build") instead of failing the
report. Figures are embedded as base64 PNG data URIs: the file opens with no
network and no JavaScript.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

__all__ = [
    "SECTION_TITLES",
    "FigureItem",
    "MethodRow",
    "Section",
    "TableItem",
    "figure_png",
    "new_figure",
    "table_html",
]


@dataclasses.dataclass(frozen=True)
class FigureItem:
    """One embedded figure: a PNG data URI, its alt text and caption."""

    data_uri: str
    alt: str
    caption: str


@dataclasses.dataclass(frozen=True)
class TableItem:
    """One table: already-escaped HTML, a caption and the frame behind it."""

    html: Markup
    caption: str
    frame: pd.DataFrame = dataclasses.field(repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class MethodRow:
    """One number of the report: what it is, how it was computed, its interval."""

    section: str
    quantity: str
    estimate: str
    method: str
    interval: str


#: Section ids in report order, and the question each answers (its <h2>).
SECTION_TITLES: dict[str, str] = {
    "data": "The data: what was read, from where, and what was set aside",
    "map": "Where: a map of the events",
    "network": "Who is in the network: sponsor, banner, factions",
    "deterrence": "Did retaliation deter, or provoke?",
    "dynamics": "Action and reaction: who answers whom, and how fast",
    "attribution": "Who did it: attacks claimed under the banner",
    "outlook": "What happens next under each response policy",
    "methods": "Methods and caveats",
}


@dataclasses.dataclass
class Section:
    """One ``<h2>`` section of the report.

    Attributes
    ----------
    id : str
        HTML anchor (``data``, ``map``, ...).
    title : str
        The question the section answers.
    paragraphs : list of str
        Plain text, escaped when rendered.
    tables, figures : list
        :class:`TableItem` and :class:`FigureItem` objects, in order.
    caveats : list of str
        What the reader must keep in mind (exclusions, assumptions, warnings).
    methods : list of MethodRow
        Every number shown, with its method and interval, for the methods
        section.
    is_available : bool
        ``False`` when the capability behind the section is missing in this
        build; the section then says so instead of showing numbers.
    summary : list of str
        The section's main findings in one or two plain sentences, each
        number with its interval; shown at the top of the report.
    data_spans : list of (label, first day, last day)
        The data sets the section used and the period each covers, for the
        coverage chart of the methods section.
    """

    id: str
    title: str
    paragraphs: list[str] = dataclasses.field(default_factory=list)
    tables: list[TableItem] = dataclasses.field(default_factory=list)
    figures: list[FigureItem] = dataclasses.field(default_factory=list)
    caveats: list[str] = dataclasses.field(default_factory=list)
    methods: list[MethodRow] = dataclasses.field(default_factory=list)
    is_available: bool = True
    summary: list[str] = dataclasses.field(default_factory=list)
    data_spans: list[tuple[str, Any, Any]] = dataclasses.field(default_factory=list)

    @classmethod
    def titled(cls, id: str) -> Section:
        """An empty section with its standard title."""
        return cls(id, SECTION_TITLES[id])

    def add_table(
        self,
        frame: pd.DataFrame,
        caption: str,
        *,
        index: bool = False,
        formatters: dict[str, Callable[[Any], str]] | None = None,
    ) -> None:
        """Append ``frame`` as an escaped HTML table."""
        self.tables.append(
            TableItem(
                table_html(frame, index=index, formatters=formatters), caption, frame
            )
        )

    def add_figure(self, figure: Any, alt: str, caption: str) -> None:
        """Append a matplotlib figure, embedded as a PNG data URI."""
        self.figures.append(FigureItem(figure_png(figure), alt, caption))


def new_figure(width: float, height: float, **subplots: Any) -> tuple[Any, Any]:
    """A ``Figure`` (not pyplot: no global state, no GUI) and its axes."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots(**subplots)


def figure_png(figure: Any, *, dpi: int = 96) -> str:
    """A matplotlib figure as a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def format_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if v != 0.0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3g}"
        return f"{v:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return str(value)


def table_html(
    frame: pd.DataFrame,
    *,
    index: bool = False,
    formatters: dict[str, Callable[[Any], str]] | None = None,
) -> Markup:
    """Escaped HTML of a DataFrame with readable numbers.

    Cells are escaped here (values come from user data: actor names, source
    files), so the template may insert the result as is.

    Examples
    --------
    >>> import pandas as pd
    >>> html = str(table_html(pd.DataFrame({"a": ["<b>"], "n": [1234]})))
    >>> html[html.index("<tbody>"):]
    '<tbody><tr><td>&lt;b&gt;</td><td class="num">1,234</td></tr></tbody></table>'
    """
    formatters = formatters or {}
    shown = frame.reset_index() if index else frame
    head = "".join(f"<th>{escape(str(c))}</th>" for c in shown.columns)
    rows: list[str] = []
    for record in shown.itertuples(index=False):
        cells: list[str] = []
        for col, value in zip(shown.columns, record, strict=True):
            fmt = formatters.get(str(col), format_value)
            numeric = isinstance(value, int | float | np.integer | np.floating)
            cls = ' class="num"' if numeric and not isinstance(value, bool) else ""
            cells.append(f"<td{cls}>{escape(fmt(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return Markup(
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def unavailable(section: Section, what: str, needs: str) -> Section:
    """Mark ``section`` as not available in this build, saying what is missing."""
    section.is_available = False
    section.paragraphs.append(
        f"Not available in this build: {what} needs {needs}, which this "
        "installation of titfortat does not provide yet. No numbers are shown "
        "rather than invented ones."
    )
    return section


def interval_text(lo: float, hi: float, level: float = 0.95) -> str:
    """``"95% CI [lo, hi]"`` with readable numbers."""
    return f"{level:.0%} CI [{format_value(lo)}, {format_value(hi)}]"


def join_names(names: Sequence[str]) -> str:
    """``a, b and c``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
