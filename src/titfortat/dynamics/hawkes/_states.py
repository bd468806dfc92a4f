"""Compiled states of the exponential kernel: the excitation and the
compensator terms at every event (the design of the fixed-decay fit and of
the residuals, ``SumExpKernel``) and the intensity on a grid. States as
documented in ``_loglik``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from titfortat.dynamics.hawkes._loglik import _phi

Arr = np.ndarray  # numba ignores annotations; these document the dtypes


@njit(cache=True)
def intensity_at(
    times: Arr,
    marks: Arr,
    mu: Arr,
    adj: Arr,
    beta: float,
    grid: Arr,
    link: int,
) -> Arr:
    """Intensity of every node at the sorted ``grid`` times (left limits)."""
    d = mu.size
    n = times.size
    res = np.zeros((grid.size, d))
    s0 = np.zeros(d)
    t_state = 0.0
    k = 0
    for g in range(grid.size):
        tg = grid[g]
        while k < n and times[k] < tg:
            e = math.exp(-beta * (times[k] - t_state))
            for j in range(d):
                s0[j] *= e
            s0[marks[k]] += 1.0
            t_state = times[k]
            k += 1
        e = math.exp(-beta * (tg - t_state))
        for i in range(d):
            x = mu[i]
            for j in range(d):
                x += adj[i, j] * beta * s0[j] * e
            res[g, i] = _phi(x, link)
    return res


@njit(cache=True)
def exp_states(
    times: Arr, marks: Arr, end_time: float, d: int, beta: float
) -> tuple[Arr, Arr]:
    """Excitation ``R[n, j] = beta * S0_j(t_n)`` at every event and the
    compensator integrals ``C_j = sum_k (1 - exp(-beta (T - t_k)))``.

    With a fixed decay these are computed once; the identity-link likelihood
    is then linear-in-parameters inside the log and separates by target node.
    """
    n = times.size
    r = np.zeros((n, d))
    s0 = np.zeros(d)
    pend = np.zeros(d)
    counts = np.zeros(d)
    t_prev = 0.0
    for k in range(n):
        t = times[k]
        if t > t_prev:
            e = math.exp(-beta * (t - t_prev))
            for j in range(d):
                s0[j] = (s0[j] + pend[j]) * e
                pend[j] = 0.0
            t_prev = t
        for j in range(d):
            r[k, j] = beta * s0[j]
        pend[marks[k]] += 1.0
        counts[marks[k]] += 1.0
    e = math.exp(-beta * (end_time - t_prev))
    comp = np.zeros(d)
    for j in range(d):
        comp[j] = counts[j] - (s0[j] + pend[j]) * e
    return r, comp
