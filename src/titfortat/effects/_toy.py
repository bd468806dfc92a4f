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
        ``attrs["true_natural_course_effect"]`` holds what a matched-placebo
        event study estimates: attacks in the ``W`` days after a strike minus
        the attacks had that one strike not happened, later strikes following
        their natural course, averaged over strikes with full windows.
        ``attrs["true_event_study_effect"]`` holds another quantity: attacks
        caused (or prevented) by all active strike effects in the ``W`` days
        after a strike minus the same in the ``W`` days before. The two
        differ when strikes follow attacks: a deterring strike also prevents
        the later strikes that more attacks would have drawn.

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
    z_path = np.zeros((n_days, n_places))
    for t in range(n_days):
        z = 0.8 * z + g.normal(0.0, 0.35, n_places)
        z_path[t] = z
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
    natural = _natural_course_effect(
        y,
        s,
        z_path,
        b,
        effect,
        trend,
        strike_rate,
        spike_response,
        w,
        tt,
        cc,
        np.random.default_rng(g.integers(2**63)),
    )
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
    out.attrs["true_natural_course_effect"] = natural
    return out


def _natural_course_effect(
    y: np.ndarray,
    s: np.ndarray,
    z: np.ndarray,
    b: np.ndarray,
    effect: float,
    trend: float,
    strike_rate: float,
    spike_response: float,
    w: int,
    tt: np.ndarray,
    cc: np.ndarray,
    rng: np.random.Generator,
    n_rep: int = 20,
) -> float:
    """Mean over strikes of attacks in the W days after the strike minus the
    same days had that one strike not happened, all else following its
    natural course (later strikes included).

    The counterfactual paths are coupled to the simulated one (Poisson
    thinning or superposition for attacks, the strike draw's uniform
    resampled given its outcome), so the difference has little noise; the
    draws use their own generator, leaving the simulated data unchanged.
    This is what a matched-placebo event study estimates: a strike against
    no strike at that moment, with the future left to run.
    """
    if tt.size == 0:
        return float("nan")
    n_days = y.shape[0]
    diff = np.zeros((tt.size, n_rep))
    t0 = tt[:, None]
    c = cc[:, None]
    # Strike histories of the counterfactual worlds: the factual ones with
    # the strike at t0 removed, over days t0 - W .. t0 + W.
    hist = np.stack([s[t0[:, 0] + k, cc] for k in range(-w, w + 1)], axis=1)
    hist = np.repeat(hist[:, None, :], n_rep, axis=1).astype(bool)
    hist[:, :, w] = False
    for k in range(1, w + 1):
        t = t0 + k  # (S, 1)
        base = b[c] * np.exp(trend * t / n_days + z[t, c])
        active_f = s[np.maximum(t - np.arange(1, w + 1), 0), c].any(axis=1)
        active_cf = hist[:, :, k : k + w].any(axis=2)
        lam_f = base * np.exp(effect * active_f[:, None])
        lam_cf = base * np.exp(effect * active_cf)
        yf = y[t, c].astype(float)
        thin = rng.binomial(
            np.broadcast_to(yf, lam_cf.shape).astype(np.int64),
            np.minimum(lam_cf / lam_f, 1.0),
        )
        extra = rng.poisson(np.maximum(lam_cf - lam_f, 0.0))
        y_cf = np.where(lam_cf <= lam_f, thin, yf + extra)
        diff += yf - y_cf
        # Strike on day t + 1 (if still inside the window) from day t's
        # attacks, with the uniform of the factual draw resampled.
        if k < w:
            scale = b[c] * np.exp(trend * (t + 1) / n_days)
            p_f = np.minimum(strike_rate * (yf / scale) ** spike_response, 0.5)
            p_cf = np.minimum(strike_rate * (y_cf / scale) ** spike_response, 0.5)
            struck = s[t + 1, c].astype(bool)
            u = np.where(
                struck,
                rng.uniform(size=p_cf.shape) * p_f,
                p_f + rng.uniform(size=p_cf.shape) * (1.0 - p_f),
            )
            hist[:, :, w + k + 1] = u < p_cf
    return float(diff.mean())
