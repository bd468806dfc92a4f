"""Compiled simulation kernels: the cluster (branching) construction of a
linear Hawkes process (Hawkes and Oakes 1974) and Ogata's (1981) thinning of
a nonlinear one. The thinning with a time-varying baseline lives beside its
baseline pieces, in ``_loglik_exog_nonlinear``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

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
    cap = 1024
    times = np.empty(cap)
    marks = np.empty(cap, dtype=np.int64)
    n = 0
    for sg in range(n_seg):  # background: piecewise-constant baseline
        seg_len = knots[sg + 1] - knots[sg]
        for i in range(d):
            k = rng.poisson(mu[sg, i] * seg_len)
            for _ in range(k):
                if n == cap:
                    cap *= 2
                    times = _grow_f(times, cap)
                    marks = _grow_i(marks, cap)
                times[n] = knots[sg] + rng.random() * seg_len
                marks[n] = i
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
    cap = max(1024, 2 * n)
    times = np.empty(cap)
    marks = np.empty(cap, dtype=np.int64)
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
    cap = times.size
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
            if n == cap:
                cap *= 2
                times = _grow_f(times, cap)
                marks = _grow_i(marks, cap)
            times[n] = t
            marks[n] = node
            n += 1
    return times[:n], marks[:n]


@njit(cache=True)
def _grow_f(a: Arr, cap: int) -> Arr:
    out = np.empty(cap)
    out[: a.size] = a
    return out


@njit(cache=True)
def _grow_i(a: Arr, cap: int) -> Arr:
    out = np.empty(cap, dtype=np.int64)
    out[: a.size] = a
    return out


@njit(cache=True)
def sumexp_simulate_thinning(
    mu: Arr,
    alpha: Arr,
    beta: Arr,
    end_time: float,
    max_events: int,
    link: int,
    rng: np.random.Generator,
) -> tuple[Arr, Arr, bool]:
    """Ogata (1981) thinning for a sum-of-exponentials kernel, any link (the
    exponential kernel is U = 1; at U = 1 the draws are the same, bit for bit,
    as a loop written for one decay, at about 1.1x its time).

    Node i's excitation is carried per component, ``y[i, u] = sum_j alpha[i,
    j, u] beta_u S0[j, u]``; each moves monotonically towards 0 between
    events, so ``mu_i + sum_u max(y[i, u], 0)`` bounds the predictor and,
    phi being non-decreasing, ``sum_i phi(mu_i + sum_u max(y[i, u], 0))``
    bounds the total intensity until the next accepted event.
    """
    d = mu.size
    u = beta.size
    cap = 1024
    times = np.empty(cap)
    marks = np.empty(cap, dtype=np.int64)
    n = 0
    y = np.zeros((d, u))
    lam = np.zeros(d)
    t = 0.0
    truncated = False
    bound = 0.0
    for i in range(d):
        bound += max(_phi(mu[i], link), 0.0)
    while bound > 0.0:
        w = rng.exponential(1.0 / bound)
        t += w
        if t > end_time:
            break
        total = 0.0
        for c in range(u):
            e = math.exp(-beta[c] * w)
            for i in range(d):
                y[i, c] *= e
        for i in range(d):
            xv = mu[i]
            for c in range(u):
                xv += y[i, c]
            lam[i] = max(_phi(xv, link), 0.0)
            total += lam[i]
        v = rng.random() * bound
        if v < total:
            acc = 0.0
            node = d - 1
            for i in range(d):
                acc += lam[i]
                if v < acc:
                    node = i
                    break
            if n == cap:
                cap *= 2
                times = _grow_f(times, cap)
                marks = _grow_i(marks, cap)
            times[n] = t
            marks[n] = node
            n += 1
            for i in range(d):
                for c in range(u):
                    y[i, c] += alpha[i, node, c] * beta[c]
            if max_events > 0 and n >= max_events:
                truncated = True
                break
        bound = 0.0
        for i in range(d):
            xv = mu[i]
            for c in range(u):
                xv += max(y[i, c], 0.0)
            bound += max(_phi(xv, link), 0.0)
    return times[:n], marks[:n], truncated
