"""A toy strike-attack world with a known effect, for examples and tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from titfortat._validation import as_generator

__all__ = ["simulate_retaliation"]


def simulate_retaliation(
    *,
    effect: float = 0.0,
    n_days: int = 500,
    n_places: int = 12,
    window_days: int = 7,
    trend: float = 0.6,
    base_rate: float = 2.5,
    strike_rate: float = 0.03,
    spike_response: float = 2.0,
    start: str = "2007-01-01",
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate attacks and strikes in separate places with a known strike effect.

    Place ``c`` on day ``t`` has attacks ``Poisson(lambda_ct)`` with

    .. math::

        \\log \\lambda_{ct} = \\log b_c + \\text{trend}\\, t / T + z_{ct}
        + \\text{effect} \\cdot 1[\\text{strike at } c \\text{ in } t-W..t-1],

    where :math:`z_{ct}` is a Gaussian AR(1) (attack spikes). Strikes follow
    spikes: the probability of a strike at ``c`` on day ``t`` is
    ``strike_rate * (y_{c,t-1} / b_c) ** spike_response`` (capped at 0.5), so a
    naive before/after comparison is biased by regression to the mean, and the
    trend biases it further. ``effect < 0`` is deterrence, ``> 0`` escalation
    (a log rate ratio for the ``W`` days after a strike).

    Parameters
    ----------
    effect : float, default 0.0
    n_days, n_places, window_days : int
    trend : float, default 0.6
        Log-rate change over the whole period.
    base_rate : float, default 2.5
        Mean attacks per place and day (places vary around it).
    strike_rate : float, default 0.03
    spike_response : float, default 2.0
    start : str
        First date.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    pandas.DataFrame
        One row per event: ``date, event_type`` (attack or strike),
        ``latitude, longitude`` (places 0.5 degrees apart, events within
        about 2 km of the centre), ``admin1`` (the place) and ``n_events``.
        ``attrs["true_event_study_effect"]`` holds the true event-study
        estimand: expected attacks in the ``W`` days after a strike caused by
        strike effects, minus the same in the ``W`` days before, averaged over
        strikes with full windows.

    Examples
    --------
    >>> ev = simulate_retaliation(effect=-0.5, n_days=100, rng=0)
    >>> sorted(ev.event_type.unique())
    ['attack', 'strike']
    """
    g = as_generator(rng)
    b = base_rate * np.exp(g.normal(0.0, 0.4, n_places))
    lat0 = 33.0 + 0.5 * (np.arange(n_places) % 4)
    lon0 = 43.0 + 0.5 * (np.arange(n_places) // 4)
    y = np.zeros((n_days, n_places), dtype=np.int64)
    s = np.zeros((n_days, n_places), dtype=np.int64)
    excess = np.zeros((n_days, n_places))
    z = np.zeros(n_places)
    for t in range(n_days):
        z = 0.8 * z + g.normal(0.0, 0.35, n_places)
        lo = max(0, t - window_days)
        active = s[lo:t].sum(axis=0) > 0
        lam = b * np.exp(trend * t / n_days + z + effect * active)
        y[t] = g.poisson(lam)
        excess[t] = lam * (1.0 - np.exp(-effect * active))
        if t > 0:
            ratio = y[t - 1] / (b * np.exp(trend * t / n_days))
            p = np.minimum(strike_rate * ratio**spike_response, 0.5)
            s[t] = g.random(n_places) < p
    # The estimand of an event study: expected attacks in the post-window
    # caused by active strike effects, minus the same in the pre-window,
    # averaged over strikes with full windows.
    w = window_days
    tt, cc = np.nonzero(s[w : n_days - w])
    tt = tt + w
    k = np.arange(1, w + 1)
    post = excess[tt[:, None] + k, cc[:, None]].sum(axis=1)
    pre = excess[tt[:, None] - k, cc[:, None]].sum(axis=1)
    true_change = float(np.mean(post - pre)) if tt.size else float("nan")
    days = pd.date_range(start, periods=n_days, freq="D")
    frames = []
    for kind, m in (("attack", y), ("strike", s)):
        tt, cc = np.nonzero(m)
        reps = m[tt, cc]
        tt, cc = np.repeat(tt, reps), np.repeat(cc, reps)
        n = tt.size
        frames.append(
            pd.DataFrame(
                {
                    "date": days[tt],
                    "event_type": kind,
                    "latitude": lat0[cc] + g.normal(0.0, 0.01, n),
                    "longitude": lon0[cc] + g.normal(0.0, 0.01, n),
                    "admin1": [f"place{c}" for c in cc],
                    "n_events": np.ones(n, dtype=np.int64),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True).sort_values("date", kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["true_event_study_effect"] = true_change
    return out
