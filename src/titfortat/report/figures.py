"""Report figures: timeline, static event map, effect forest plot.

Each function takes data or a result object, draws on given axes (or new ones
from a :class:`matplotlib.figure.Figure`, never ``pyplot``) and returns them.
matplotlib is imported inside the functions.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_effect_forest", "plot_event_map", "plot_timeline"]

# One colour and marker per canonical event type. Markers keep the types
# apart in grey print; the colours carry no judgement.
TYPE_STYLE = {
    "attack": ("#dd8452", "o"),
    "strike": ("#4c72b0", "^"),
    "protest": ("#55a868", "s"),
    "other": ("#8c8c8c", "D"),
}


def _axes(ax: Any, width: float, height: float) -> Any:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained").subplots()


def plot_timeline(counts: pd.DataFrame, *, ax: Any = None, freq: str = "week") -> Any:
    """Events per period, one line per group (e.g. event type).

    Parameters
    ----------
    counts : pandas.DataFrame
        From ``store.counts(freq=..., by=...)``: indexed by period, one column
        per group.
    ax : matplotlib Axes, optional
    freq : str, default "week"
        Period name for the axis label.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"attack": [3, 5], "strike": [1, 0]},
    ...                  index=pd.date_range("2024-01-01", periods=2, freq="W-MON"))
    >>> plot_timeline(c).get_ylabel()
    'events per week'
    """
    ax = _axes(ax, 9, 3.2)
    for i, col in enumerate(counts.columns):
        color, marker = TYPE_STYLE.get(str(col), (f"C{i}", None))
        ax.plot(
            counts.index,
            counts[col].to_numpy(),
            color=color,
            lw=1.2,
            label=f"{col} ({int(counts[col].sum()):,})",
            drawstyle="steps-mid",
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"events per {freq}")
    ax.set_xlabel("date")
    ax.grid(alpha=0.3)
    if len(counts.columns):
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax


def plot_event_map(
    events: pd.DataFrame,
    *,
    ax: Any = None,
    by: str = "event_type",
    max_points: int = 40_000,
    rng: int = 0,
) -> Any:
    """Static map of events from their coordinates: a scatter on a graticule.

    No tiles and no coastlines (neither is bundled; drawing them would need a
    tile server or a shapefile download). The aspect ratio is set so that a
    degree of longitude and of latitude have their true ground lengths at the
    mean latitude, so distances look right. Events without coordinates are
    counted in the title, not dropped silently.

    Parameters
    ----------
    events : pandas.DataFrame
        With ``latitude``, ``longitude`` and the ``by`` column.
    ax : matplotlib Axes, optional
    by : str, default "event_type"
        Column giving the colour/marker groups.
    max_points : int, default 40000
        Larger frames are drawn from a uniform sample of this size (stated
        in the title) to keep the figure light.
    rng : int, default 0
        Seed of that sample.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"latitude": [33.3, 36.3, None],
    ...                    "longitude": [44.4, 43.1, 44.0],
    ...                    "event_type": ["attack", "strike", "attack"]})
    >>> plot_event_map(ev).get_title()
    '2 events with coordinates (1 without, not drawn)'
    """
    ax = _axes(ax, 7, 6)
    has = events["latitude"].notna() & events["longitude"].notna()
    located = events.loc[has]
    n_missing = int((~has).sum())
    title = f"{len(located):,} events with coordinates"
    if n_missing:
        title += f" ({n_missing:,} without, not drawn)"
    if len(located) > max_points:
        located = located.sample(max_points, random_state=rng)
        title += f"; a random {max_points:,} drawn"
    groups = located[by].fillna("(none)").astype(str)
    for i, (name, part) in enumerate(located.groupby(groups, sort=True)):
        color, marker = TYPE_STYLE.get(str(name), (f"C{i}", "o"))
        ax.scatter(
            part["longitude"],
            part["latitude"],
            s=4 if marker != "^" else 10,
            marker=marker,
            color=color,
            alpha=0.35 if marker != "^" else 0.8,
            linewidths=0,
            label=f"{name} ({(groups == name).sum():,})",
            rasterized=True,
            zorder=3 if marker == "^" else 2,
        )
    if len(located):
        mean_lat = float(np.clip(located["latitude"].mean(), -80, 80))
        ax.set_aspect(1.0 / np.cos(np.deg2rad(mean_lat)))
        legend = ax.legend(loc="best", fontsize="small", markerscale=3)
        for handle in legend.legend_handles:
            if handle is not None:
                handle.set_alpha(1.0)
    ax.grid(alpha=0.4, lw=0.6)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(title, fontsize="medium")
    return ax


def plot_effect_forest(
    table: Any, *, axes: Any = None, alpha: float | None = None
) -> Any:
    """Forest plot of an effect table: one panel per estimator and direction.

    The estimators measure different quantities (events per strike, log rate
    ratios, summed lag coefficients), so each row gets its own horizontal
    scale with zero marked, rather than one shared axis that would invite
    comparing incomparable numbers. The row's verdict and scale are written
    beside it. All verdicts are drawn in one colour. A row whose verdict is
    ``not_estimable`` gets no point and no interval, only its reason; a row
    whose fit raised warnings says how many.

    Parameters
    ----------
    table : EffectTable
        From :func:`titfortat.effects.effect_table`.
    axes : sequence of matplotlib Axes, optional
        One per row of ``table.table``.
    alpha : float, optional
        Only for the x-label; the intervals are the table's own.

    Returns
    -------
    numpy.ndarray of matplotlib Axes

    Examples
    --------
    >>> from titfortat.effects import effect_table, simulate_retaliation
    >>> ev = simulate_retaliation(effect=0.7, n_days=200, n_places=3, rng=0)
    >>> t = effect_table(ev, treatment="event_type=strike",
    ...                  outcome="event_type=attack", n_placebos=200, hawkes=False)
    >>> len(plot_effect_forest(t)) == len(t.table)
    True
    """
    frame = table.table
    level = 1 - (alpha if alpha is not None else table.header.get("alpha", 0.05))
    n = len(frame)
    if axes is None:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(9, 0.62 * n + 0.8), layout="constrained")
        axes = figure.subplots(max(n, 1), 1, squeeze=False)[:, 0]
    axes = np.atleast_1d(np.asarray(axes, dtype=object))
    if axes.size != n:
        raise ValueError(f"Got {axes.size} axes for {n} rows.")
    for ax, row in zip(axes, frame.itertuples(index=False), strict=True):
        est, lo, hi = float(row.estimate), float(row.ci_lower), float(row.ci_upper)
        verdict = str(row.verdict).replace("_", " ")
        estimable = str(row.verdict) != "not_estimable"
        ax.axvline(0.0, color="0.5", lw=0.8)
        if not estimable:
            # No point and no interval for a row whose fit cannot be trusted:
            # drawing them would show a number the table refuses to give.
            reason = str(getattr(row, "reason", "") or "no reason recorded")
            ax.text(
                0.5,
                0.5,
                "not estimable: " + textwrap.shorten(reason, 110, placeholder=" …"),
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize="x-small",
                color="0.3",
            )
            ax.set_xticks([])
        elif np.isfinite(est):
            xerr = np.array([[est - lo], [hi - est]])
            ax.errorbar(
                [est], [0], xerr=np.nan_to_num(xerr), fmt="o", color="0.15", capsize=3
            )
            span = [v for v in (lo, hi, est, 0.0) if np.isfinite(v)]
            pad = 0.15 * (max(span) - min(span) or 1.0)
            ax.set_xlim(min(span) - pad, max(span) + pad)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize="x-small", pad=1)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_ylabel(
            f"{row.estimator}\n{row.direction}",
            rotation=0,
            ha="right",
            va="center",
            fontsize="x-small",
        )
        label = verdict if not estimable else f"{verdict}\np = {float(row.p_value):.2g}"
        n_warn = int(getattr(row, "n_warnings", 0) or 0)
        if n_warn:
            label += f"\n{n_warn} warning{'s' if n_warn > 1 else ''} (see table)"
        ax.text(
            1.01,
            0.5,
            label,
            transform=ax.transAxes,
            fontsize="x-small",
            va="center",
        )
    axes[-1].set_xlabel(
        f"estimate with {level:.0%} interval (each row on its own scale; see table)",
        fontsize="small",
    )
    return axes
