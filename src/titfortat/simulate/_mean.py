"""Analytic expected counts of the linear exponential Hawkes model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["analytic_mean_counts"]


def analytic_mean_counts(
    baseline: Sequence[float] | np.ndarray,
    adjacency: Sequence[Sequence[float]] | np.ndarray,
    decay: float,
    times: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Expected cumulative counts ``E N_i(t)`` from an empty history.

    With ``m(t) = E \\int_0^t \\beta e^{-\\beta (t-s)} dN(s)`` the filtered
    rate, the mean intensity is ``mu + A m(t)`` and

    .. math::  m'(t) = \\beta\\,(\\mu - (I - A)\\, m(t)), \\qquad
               \\tfrac{d}{dt} E N(t) = \\mu + A\\, m(t),

    solved together by :func:`scipy.integrate.solve_ivp` (tolerance 1e-10).

    Examples
    --------
    >>> analytic_mean_counts([1.0], [[0.0]], 1.0, [10.0]).round(6)
    array([[10.]])
    >>> float(analytic_mean_counts([1.0], [[0.5]], 1.0, [1e4])[0, 0] / 1e4)
    ... # doctest: +ELLIPSIS
    1.99...
    """
    mu = np.asarray(baseline, dtype=float)
    a = np.asarray(adjacency, dtype=float)
    d = mu.size
    t = np.asarray(times, dtype=float)
    eye = np.eye(d)

    def rhs(_: float, y: np.ndarray) -> np.ndarray:
        m = y[:d]
        return np.concatenate([decay * (mu - (eye - a) @ m), mu + a @ m])

    sol = solve_ivp(
        rhs,
        (0.0, float(t.max())),
        np.zeros(2 * d),
        t_eval=np.sort(t),
        rtol=1e-10,
        atol=1e-10,
        method="LSODA",
    )
    out = sol.y[d:].T
    order = np.argsort(np.argsort(t))
    return np.asarray(out[order])
