"""Diagnostic plots of fitted Hawkes models. matplotlib is imported lazily.

Each function takes a result object (never raw data) and draws on given axes,
or on new ones, and returns them, as statsmodels' graphics functions do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from titfortat.report._mpl import pyplot

__all__ = ["plot_branching_matrix", "plot_impulse_response", "plot_residual_qq"]


def plot_residual_qq(
    residuals: Any, *, nodes: Sequence[str] | None = None, axes: Any = None
) -> Any:
    """QQ plot of model residuals against their reference law, one panel per node.

    Time-rescaling residuals of :class:`~titfortat.dynamics.ExpHawkes` are
    compared with Exp(1); randomised PIT residuals of
    :class:`~titfortat.dynamics.BinnedHawkes` with Uniform(0, 1). The shaded
    band is the 95% simultaneous Kolmogorov-Smirnov band: a correctly
    specified model leaves it nowhere with probability 0.95. The panel title
    gives the KS p-value.

    Parameters
    ----------
    residuals : titfortat.results.ResidualResult
        From ``model.residuals()``.
    nodes : sequence of str, optional
        Nodes to draw (default all).
    axes : sequence of matplotlib Axes, optional
        One per node.

    Returns
    -------
    numpy.ndarray of matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
    >>> y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=400, rng=1).run()
    >>> axes = plot_residual_qq(BinnedHawkes(n_starts=1).fit(y).residuals(rng=0))
    >>> axes[0].get_xlabel()
    'Uniform(0, 1) quantile'
    """
    plt = pyplot()
    names = list(residuals.residuals) if nodes is None else list(nodes)
    if axes is None:
        _, ax_arr = plt.subplots(
            1, len(names), figsize=(3.2 * len(names), 3.2), squeeze=False
        )
        axes = ax_arr[0]
    axes = np.atleast_1d(np.asarray(axes, dtype=object))
    if axes.size != len(names):
        raise ValueError(f"Got {axes.size} axes for {len(names)} nodes.")
    ks = residuals.ks_test()
    label = "Exp(1)" if residuals.distribution == "expon" else "Uniform(0, 1)"
    for ax, name in zip(axes, names, strict=True):
        qq = residuals.qq(name)
        x = qq["theoretical"].to_numpy()
        ax.fill_between(
            x,
            qq["band_lower"].to_numpy(),
            qq["band_upper"].to_numpy(),
            color="0.85",
            label="95% KS band",
        )
        ax.plot(x, x, color="0.4", lw=0.8)
        ax.plot(x, qq["empirical"].to_numpy(), ".", ms=2.5)
        ax.set_title(f"{name}: KS p = {ks.loc[name, 'p_value']:.3g}", fontsize="small")
        ax.set_xlabel(f"{label} quantile")
        ax.set_ylabel("residual quantile")
    axes[0].legend(loc="upper left", fontsize="small")
    return axes


def plot_impulse_response(result: Any, *, alpha: float = 0.05, ax: Any = None) -> Any:
    """Point-and-interval plot of an impulse response, one row per ``i<-j``.

    Parameters
    ----------
    result : titfortat.results.DerivedResult
        From ``model.impulse_response(horizon_days)``: the expected extra (or,
        below 0, fewer) events of node i after one event of node j.
    alpha : float, default 0.05
        1 - level of the delta-method intervals.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
    >>> y = BinnedHawkesSimulator([0.8, 0.5], [[0.3, 0.0], [0.2, 0.2]], 0.3,
    ...                           n_bins=500, nodes=["strike", "attack"], rng=1).run()
    >>> m = BinnedHawkes(n_starts=1).fit(y)
    >>> ax = plot_impulse_response(m.impulse_response(30))
    >>> [t.get_text() for t in ax.get_yticklabels()][1]
    'strike<-attack'
    """
    plt = pyplot()
    frame = result.summary_frame(alpha)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 0.45 * len(frame) + 1.2))
    y = np.arange(len(frame))[::-1]
    est = frame["estimate"].to_numpy(float)
    lo = frame["ci_lower"].to_numpy(float)
    hi = frame["ci_upper"].to_numpy(float)
    err = np.vstack([est - lo, hi - est])
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.errorbar(est, y, xerr=np.nan_to_num(err), fmt="o", capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(list(frame.index))
    ax.set_xlabel(f"{result.name} (with {1 - alpha:.0%} interval)")
    return ax


def plot_branching_matrix(model: Any, *, ax: Any = None, cmap: str = "RdBu_r") -> Any:
    """Heat map of a fitted ``adjacency_``: row i is excited by column j.

    Excitation is red and inhibition (possible under a nonlinear link) blue,
    on a colour scale centred at 0. Cells show the estimate and its standard
    error from ``results_``.

    Parameters
    ----------
    model : fitted ExpHawkes, SumExpHawkes or BinnedHawkes
        For ``SumExpHawkes`` the components are summed over decays.
    ax : matplotlib Axes, optional
    cmap : str, default "RdBu_r"

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
    >>> y = BinnedHawkesSimulator([0.8, 0.5], [[0.3, 0.0], [0.2, 0.2]], 0.3,
    ...                           n_bins=500, nodes=["strike", "attack"], rng=1).run()
    >>> m = BinnedHawkes(n_starts=1).fit(y)
    >>> plot_branching_matrix(m).get_ylabel()
    'affected node (i)'
    """
    plt = pyplot()
    adj = np.asarray(model.adjacency_, dtype=float)
    if adj.ndim == 3:
        adj = adj.sum(axis=2)
    names = list(model.nodes_)
    se = model.results_.std_err
    if ax is None:
        side = 1.1 * len(names) + 1.8
        _, ax = plt.subplots(figsize=(side + 1.0, side))
    lim = max(float(np.max(np.abs(adj))), 1e-12)
    image = ax.imshow(adj, cmap=cmap, vmin=-lim, vmax=lim)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            key = f"alpha[{a}<-{b}]"
            text = f"{adj[i, j]:.2f}"
            if key in se.index and np.isfinite(se[key]):
                text += f"\n({se[key]:.2f})"
            ax.text(j, i, text, ha="center", va="center", fontsize="small")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.set_xlabel("source node (j)")
    ax.set_ylabel("affected node (i)")
    ax.figure.colorbar(image, ax=ax, label="alpha[i<-j]")
    return ax
