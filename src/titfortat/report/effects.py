"""Event-time profile plot of an event study. matplotlib is imported lazily."""

from __future__ import annotations

from typing import Any, Protocol

from titfortat.report._mpl import pyplot

__all__ = ["plot_event_time_profile"]


class _HasProfile(Protocol):
    def effects(self) -> Any: ...


def plot_event_time_profile(
    obj: Any, *, ax: Any = None, alpha: float = 0.05, ci: bool = True, **style: Any
) -> Any:
    """Plot treated-minus-placebo outcome counts by day relative to the intervention.

    Parameters
    ----------
    obj : EventStudy, EventTimeProfile or EffectTable
        A fitted :class:`titfortat.effects.EventStudy` (anything with
        ``effects()``), its profile (anything with ``summary_frame(alpha)``),
        or an :class:`~titfortat.effects.EffectTable`.
    ax : matplotlib Axes, optional
    alpha : float, default 0.05
        1 - level of the randomisation band.
    ci : bool, default True
        Draw the band.
    **style
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from titfortat.effects import EventStudy, simulate_retaliation
    >>> ev = simulate_retaliation(effect=-0.6, n_days=200, n_places=4, rng=0)
    >>> es = EventStudy(n_placebos=500, n_resamples=200, rng=0).fit(
    ...     ev[ev.event_type == "strike"], ev[ev.event_type == "attack"])
    >>> ax = plot_event_time_profile(es)
    >>> ax.get_xlabel()
    'days since intervention'
    """
    plt = pyplot()
    if hasattr(obj, "event_study") and obj.event_study is not None:
        obj = obj.event_study
    profile = obj.effects() if hasattr(obj, "effects") else obj
    frame = profile.summary_frame(alpha)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    x = frame.index.to_numpy()
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axvline(0.0, color="0.6", lw=0.8, ls=":")
    if ci:
        ax.fill_between(
            x,
            frame["ci_lower"].to_numpy(),
            frame["ci_upper"].to_numpy(),
            alpha=0.25,
            label=f"{1 - alpha:.0%} randomisation band",
        )
    ax.plot(x, frame["estimate"].to_numpy(), marker="o", **style)
    ax.set_xlabel("days since intervention")
    ax.set_ylabel("outcome events: treated - matched placebos")
    ax.set_title("event-time profile (+ escalation, - deterrence)")
    if ci:
        ax.legend(loc="best", fontsize="small")
    return ax
