"""Plots of policy simulations: fan charts and the calibration fit.

Both accept the plain dict of :meth:`titfortat.simulate.SimulationResult.to_dict`
(or the result itself), take ``ax`` and return it, and never call
``plt.show()``. matplotlib is imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from titfortat.report._mpl import pyplot

__all__ = ["plot_calibration", "plot_fan_chart", "save_simulation_figures"]


def _as_dict(result: Any) -> dict[str, Any]:
    return result if isinstance(result, dict) else result.to_dict()


def plot_fan_chart(result: Any, node: str, *, ax: Any = None) -> Any:
    """Cumulative count of ``node`` under each policy: mean line and the 90%
    band (5th-95th percentile of the runs) at the grid points.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> d = {"scenario": {"name": "toy", "start_date": None},
    ...      "n_sims": 10, "curves": [
    ...     {"policy": "none", "node": "a", "day": 1.0, "mean_cumulative": 1.0,
    ...      "q05": 0.0, "q50": 1.0, "q95": 2.0},
    ...     {"policy": "none", "node": "a", "day": 2.0, "mean_cumulative": 2.0,
    ...      "q05": 1.0, "q50": 2.0, "q95": 3.0}]}
    >>> plot_fan_chart(d, "a").get_ylabel()
    'cumulative a events'
    """
    plt = pyplot()
    d = _as_dict(result)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    cur = pd.DataFrame(d["curves"])
    cur = cur[cur["node"] == node]
    for k, (policy, g) in enumerate(cur.groupby("policy", sort=False)):
        color = f"C{k}"
        ax.fill_between(
            g["day"], g["q05"], g["q95"], color=color, alpha=0.15, linewidth=0
        )
        ax.plot(g["day"], g["mean_cumulative"], color=color, label=policy)
    start = d["scenario"].get("start_date")
    ax.set_xlabel(f"days from {start}" if start else "day")
    ax.set_ylabel(f"cumulative {node} events")
    ax.set_title(
        f"{d['scenario']['name']}: {node}, mean and 90% band of {d['n_sims']:,} runs"
    )
    ax.legend(frameon=False)
    return ax


def plot_calibration(result: Any, *, ax: Any = None) -> Any:
    """Fitted cumulative counts (median, 90% band) against the published
    points; points given a low weight are drawn hollow.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> d = {"calibration": [{"date": "2023-10-30", "published": 23,
    ...       "fitted_median": 22, "fitted_lower": 15, "fitted_upper": 30,
    ...       "weight": 1.0}]}
    >>> plot_calibration(d).get_ylabel()
    'cumulative attacks since 17 Oct 2023'
    """
    plt = pyplot()
    d = _as_dict(result)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    cal = pd.DataFrame(d["calibration"])
    dates = pd.to_datetime(cal["date"])
    ax.fill_between(
        dates,
        cal["fitted_lower"],
        cal["fitted_upper"],
        alpha=0.2,
        color="C0",
        label="fitted 90% band",
        step=None,
    )
    ax.plot(dates, cal["fitted_median"], color="C0", marker=".", label="fitted median")
    strong = cal["weight"] >= 0.5
    ax.scatter(
        dates[strong], cal["published"][strong], color="k", zorder=3, label="published"
    )
    ax.scatter(
        dates[~strong],
        cal["published"][~strong],
        facecolors="none",
        edgecolors="k",
        zorder=3,
        label="published (weak source)",
    )
    ax.set_ylabel("cumulative attacks since 17 Oct 2023")
    ax.legend(frameon=False)
    ax.figure.autofmt_xdate()
    return ax


def save_simulation_figures(result: Any, directory: str | Path) -> list[Path]:
    """Write one fan chart per node (and the calibration plot, if any) as PNG.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import tempfile
    >>> d = {"scenario": {"name": "toy", "nodes": ["a"], "start_date": None},
    ...      "n_sims": 1, "curves": [{"policy": "none", "node": "a", "day": 1.0,
    ...      "mean_cumulative": 1.0, "q05": 0.0, "q50": 1.0, "q95": 2.0}]}
    >>> [p.name for p in save_simulation_figures(d, tempfile.mkdtemp())]
    ['fan_a.png']
    """
    plt = pyplot()
    d = _as_dict(result)
    out = Path(directory)
    paths = []
    for node in d["scenario"]["nodes"]:
        ax = plot_fan_chart(d, node)
        p = out / f"fan_{node}.png"
        ax.figure.savefig(p, dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        paths.append(p)
    if d.get("calibration"):
        ax = plot_calibration(d)
        p = out / "calibration.png"
        ax.figure.savefig(p, dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        paths.append(p)
    return paths
