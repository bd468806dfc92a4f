"""Compiled simulation kernels: the cluster (branching) construction of a
linear Hawkes process (Hawkes and Oakes 1974) and Ogata's (1981) thinning of
any Hawkes process (one kernel for every link, number of decays and
baseline).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from titfortat.dynamics.hawkes._gaps_nonlinear import _covariates_at
from titfortat.dynamics.hawkes._loglik import _phi

Arr = np.ndarray  # numba ignores annotations; these document the dtypes


@njit(cache=True)
def simulate_cluster(
    mu: Arr,
    knots: Arr,
    adj: Arr,
    beta: float,
    end_time: float,
    rng: np.random.Generator,
) -> tuple[Arr, Arr]:
    """Cluster (branching) simulation of the linear process, unsorted output.

    ``mu`` has shape (K, D): a baseline constant on the K pieces
    ``[knots[k], knots[k+1])`` (``knots`` has K + 1 entries, 0 to end_time).
    """
    n_seg, d = mu.shape
    times = np.empty(1024)
    marks = np.empty(1024, dtype=np.int64)
    n = 0
    for sg in range(n_seg):  # background: piecewise-constant baseline
        seg_len = knots[sg + 1] - knots[sg]
        for i in range(d):
            k = rng.poisson(mu[sg, i] * seg_len)
            for _ in range(k):
                t = knots[sg] + rng.random() * seg_len
                times, marks = _push(times, marks, n, t, i)
                n += 1
    return _add_offspring(times, marks, n, adj, beta, end_time, rng)


@njit(cache=True)
def cluster_from_background(
    background: Arr,
    background_marks: Arr,
    adj: Arr,
    beta: float,
    end_time: float,
    rng: np.random.Generator,
) -> tuple[Arr, Arr]:
    """All generations of offspring of given background events (unsorted)."""
    n = background.size
    times = np.empty(max(1024, 2 * n))
    marks = np.empty(times.size, dtype=np.int64)
    times[:n] = background
    marks[:n] = background_marks
    return _add_offspring(times, marks, n, adj, beta, end_time, rng)


@njit(cache=True)
def _add_offspring(
    times: Arr,
    marks: Arr,
    n: int,
    adj: Arr,
    beta: float,
    end_time: float,
    rng: np.random.Generator,
) -> tuple[Arr, Arr]:
    """Append every generation of offspring to the first ``n`` events.

    Each event of node j has Poisson(sum_i A_ij) children whose node is drawn
    from A[:, j] / sum_i A_ij and whose delay is Exp(beta): one Poisson draw
    per event instead of D.
    """
    d = adj.shape[0]
    col = np.zeros(d)
    cum = np.zeros((d, d))
    for j in range(d):
        acc = 0.0
        for i in range(d):
            acc += adj[i, j]
            cum[j, i] = acc
        col[j] = acc
    q = 0
    scale = 1.0 / beta
    while q < n:
        j = marks[q]
        t0 = times[q]
        q += 1
        if col[j] <= 0.0:
            continue
        k = rng.poisson(col[j])
        for _ in range(k):
            t = t0 + rng.exponential(scale)
            if t > end_time:
                continue
            u = rng.random() * col[j]
            node = d - 1
            for i in range(d):
                if u < cum[j, i]:
                    node = i
                    break
            times, marks = _push(times, marks, n, t, node)
            n += 1
    return times[:n], marks[:n]


@njit(cache=True, inline="always")  # a call per event costs 40% (measured)
def _push(times: Arr, marks: Arr, n: int, t: float, node: int) -> tuple[Arr, Arr]:
    """Store event ``n``, doubling both buffers first when they are full."""
    if n == times.size:
        grown_t = np.empty(2 * n)
        grown_m = np.empty(2 * n, dtype=np.int64)
        grown_t[:n] = times
        grown_m[:n] = marks
        times, marks = grown_t, grown_m
    times[n] = t
    marks[n] = node
    return times, marks


@njit(cache=True, inline="always")
def pick(weights: Arr, v: float) -> int:
    """The index where the running sum of ``weights`` first exceeds ``v``."""
    acc = 0.0
    for i in range(weights.size):
        acc += weights[i]
        if v < acc:
            return i
    return weights.size - 1


def constant_baseline(mu: Arr) -> tuple[Arr, Arr, Arr, Arr]:
    """``(gamma, brk, poly, cmax)`` of :func:`simulate_thinning` for the
    constant baseline ``mu``: one piece, no covariates."""
    d = mu.size
    return (
        np.zeros((d, 0)),
        np.zeros(1),
        np.zeros((1, 1, 0)),
        np.ascontiguousarray(mu, dtype=float)[None, :].copy(),
    )


@njit(cache=True)
def simulate_thinning(
    mu: Arr,
    alpha: Arr,
    beta: Arr,
    end_time: float,
    max_events: int,
    link: int,
    rng: np.random.Generator,
    gamma: Arr,
    brk: Arr,
    poly: Arr,
    cmax: Arr,
) -> tuple[Arr, Arr, bool]:
    """Ogata (1981) thinning for a sum-of-exponentials kernel (the exponential
    kernel is U = 1), any link, constant or time-varying baseline.

    The baseline is ``c_i(t) = mu_i + gamma_i . x(t)``, ``x`` a piecewise
    polynomial (``brk``, ``poly``; see ``_loglik_sumexp_nonlinear``) and
    ``cmax[m, i]`` an upper bound of ``c_i`` on piece m;
    :func:`constant_baseline` gives the arguments of a constant one.

    Node i's excitation is carried per component, ``y[i, u] = sum_j alpha[i,
    j, u] beta_u S0[j, u]``; each moves monotonically towards 0 between
    events, so, phi being non-decreasing, ``sum_i phi(cmax[m, i] + sum_u
    max(y[i, u], 0))`` bounds the total intensity until the next accepted
    event or the end of the piece. A candidate past the end of the piece is
    discarded and the clock restarts there (exponential waiting times are
    memoryless).
    """
    d = mu.size
    u = beta.size
    p = gamma.shape[1]
    n_pieces = brk.size
    times = np.empty(1024)
    marks = np.empty(1024, dtype=np.int64)
    n = 0
    y = np.zeros((d, u))
    lam = np.zeros(d)
    xb = np.zeros(p)
    t = 0.0
    m = 0
    truncated = False
    while t < end_time:
        while m + 1 < n_pieces and brk[m + 1] <= t:
            m += 1
        horizon = end_time
        if m + 1 < n_pieces and brk[m + 1] < end_time:
            horizon = brk[m + 1]
        bound = 0.0
        for i in range(d):
            xv = cmax[m, i]
            for c in range(u):
                xv += max(y[i, c], 0.0)
            bound += max(_phi(xv, link), 0.0)
        # No candidate can come while the bound is 0: skip to the horizon.
        w = rng.exponential(1.0 / bound) if bound > 0.0 else np.inf
        if t + w >= horizon:
            for c in range(u):
                e = math.exp(-beta[c] * (horizon - t))
                for i in range(d):
                    y[i, c] *= e
            t = horizon
            continue
        t += w
        for c in range(u):
            e = math.exp(-beta[c] * w)
            for i in range(d):
                y[i, c] *= e
        if p > 0:
            _covariates_at(poly, brk, m, t, xb)
        total = 0.0
        for i in range(d):
            xv = mu[i]
            for c in range(u):
                xv += y[i, c]
            for k in range(p):
                xv += gamma[i, k] * xb[k]
            lam[i] = max(_phi(xv, link), 0.0)
            total += lam[i]
        v = rng.random() * bound
        if v < total:
            node = pick(lam, v)
            times, marks = _push(times, marks, n, t, node)
            n += 1
            for i in range(d):
                for c in range(u):
                    y[i, c] += alpha[i, node, c] * beta[c]
            if max_events > 0 and n >= max_events:
                truncated = True
                break
    return times[:n], marks[:n], truncated
