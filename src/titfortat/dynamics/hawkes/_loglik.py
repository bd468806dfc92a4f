"""Compiled kernels of the exponential Hawkes model: the identity-link
log-likelihood and gradient (the U = 1 specialisation of the
sum-of-exponentials kernel, whose Hessian, in ``_loglik_sumexp``, serves
both), the per-row fixed-design log-likelihood and the link functions. The
nonlinear links' O(N D^2) pass is the sum-of-exponentials one at U = 1
(``_loglik_sumexp_nonlinear``, gap rules in ``_gaps_nonlinear``).

All kernels walk the merged, time-sorted events once, carrying per-node
recursive states (Ozaki 1979), so one identity-link evaluation costs O(N D).
The kernel is normalised, g(t) = beta exp(-beta t), so an ``alpha`` is the
expected number of direct offspring (a branching ratio).

States, for node j at time t (sum over its events t_k < t, strictly before t so
that tied times do not excite each other)::

    S0_j(t) = sum_k exp(-beta (t - t_k))          R_j = beta * S0_j
    S1_j(t) = sum_k (t - t_k) exp(-beta (t - t_k))  dR_j/dbeta = S0_j - beta S1_j

Parameter vector layout everywhere: ``[mu (D), A row-major (D*D), beta]``, with
``A[i, j]`` the effect of node j on node i.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

Arr = np.ndarray  # numba ignores annotations; these document the dtypes

# 8-point Gauss-Legendre rule on [-1, 1]; exact for polynomials of degree 15.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)

# Link codes passed to the compiled kernels (numba specialises on ints, not
# on strings): phi(x) = x, log(1 + e^x) or max(RELU_FLOOR, x).
LINK_CODES = {"identity": 0, "softplus": 1, "relu": 2}
# Floor of the rectified-linear intensity, in events per day. Small enough
# never to matter for a fitted rate (1e-8 per day is one event in 270,000
# years), large enough that log(floor) stays finite when an inhibited
# intensity touches it.
RELU_FLOOR = 1e-8


@njit(cache=True)
def _softplus(x: float) -> float:
    if x > 30.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(cache=True)
def _phi(x: float, link: int) -> float:
    """Inverse link by code (see ``LINK_CODES``)."""
    if link == 1:
        return _softplus(x)
    if link == 2:
        return max(x, RELU_FLOOR)
    return x


@njit(cache=True)
def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def exp_pass(
    times: Arr,
    marks: Arr,
    mu_idx: Arr,
    end_time: float,
    mu: Arr,
    adj: Arr,
    beta: float,
    with_grad: bool,
    extra: Arr,
    inv_out: Arr,
) -> tuple[float, Arr]:
    """Identity-link log-likelihood and gradient, every baseline in one pass.

    ``mu`` holds K equal-length segments x D nodes (segment-major) and
    ``mu_idx[n]`` is the baseline entry of event n (``segment * D + node``).
    ``extra`` (N,) adds a further baseline term at each event, whose
    integral and gradient the caller adds (covariates, ``_exog``); with the
    gradient, ``inv_out`` (N,) receives ``1 / lambda`` at each event for
    them. Both may be empty. Returns ``(ll, grad)`` with ``grad`` laid out
    as ``[mu, A, beta]``; ``ll`` is ``-inf`` when an intensity at an event
    is not positive.
    """
    d = adj.shape[0]
    n_mu = mu.size
    seg_len = end_time * d / n_mu
    n = times.size
    s0 = np.zeros(d)
    s1 = np.zeros(d)
    pend = np.zeros(d)
    counts = np.zeros(d)
    g_mu = np.zeros(n_mu)
    g_a = np.zeros((d, d))
    g_b = 0.0
    ll = 0.0
    t_prev = 0.0
    for k in range(n):
        t = times[k]
        i = marks[k]
        if t > t_prev:
            dt = t - t_prev
            e = math.exp(-beta * dt)
            for j in range(d):
                s0[j] += pend[j]
                pend[j] = 0.0
                s1[j] = (s1[j] + dt * s0[j]) * e
                s0[j] *= e
            t_prev = t
        lam = mu[mu_idx[k]]
        if extra.size:
            lam += extra[k]
        for j in range(d):
            lam += adj[i, j] * beta * s0[j]
        if not lam > 0.0:
            return -np.inf, np.zeros(n_mu + d * d + 1)
        ll += math.log(lam)
        if with_grad:
            inv = 1.0 / lam
            if inv_out.size:
                inv_out[k] = inv
            g_mu[mu_idx[k]] += inv
            db = 0.0
            for j in range(d):
                g_a[i, j] += s0[j] * inv
                db += adj[i, j] * (s0[j] - beta * s1[j])
            g_b += db * inv
        pend[i] += 1.0
        counts[i] += 1.0
    # Bring the states to the end of the window: S0_j(T) and S1_j(T) give the
    # compensator in closed form without one exp per event.
    dt = end_time - t_prev
    e = math.exp(-beta * dt)
    for j in range(d):
        s0[j] += pend[j]
        s1[j] = (s1[j] + dt * s0[j]) * e
        s0[j] *= e
    comp = 0.0
    for m in range(n_mu):
        comp += mu[m] * seg_len
    for i in range(d):
        for j in range(d):
            comp += adj[i, j] * (counts[j] - s0[j])
    ll -= comp
    grad = np.zeros(n_mu + d * d + 1)
    if with_grad:
        for m in range(n_mu):
            grad[m] = g_mu[m] - seg_len
        for i in range(d):
            for j in range(d):
                grad[n_mu + i * d + j] = beta * g_a[i, j] - (counts[j] - s0[j])
                g_b -= adj[i, j] * s1[j]
        grad[n_mu + d * d] = g_b
    return ll, grad


@njit(cache=True)
def exp_loglik_grad_seg(
    times: Arr,
    marks: Arr,
    mu_idx: Arr,
    end_time: float,
    mu: Arr,
    adj: Arr,
    beta: float,
    with_grad: bool,
) -> tuple[float, Arr]:
    """:func:`exp_pass` with a piecewise-constant baseline only."""
    none = np.empty(0)
    return exp_pass(
        times, marks, mu_idx, end_time, mu, adj, beta, with_grad, none, none
    )


@njit(cache=True)
def exp_loglik_grad(
    times: Arr,
    marks: Arr,
    end_time: float,
    mu: Arr,
    adj: Arr,
    beta: float,
    with_grad: bool,
) -> tuple[float, Arr]:
    """Identity-link log-likelihood and gradient in one pass (constant baseline).

    Returns ``(ll, grad)`` with ``grad`` laid out as ``[mu, A, beta]``. ``ll`` is
    ``-inf`` when an intensity at an event is not positive.
    """
    return exp_loglik_grad_seg(times, marks, marks, end_time, mu, adj, beta, with_grad)


@njit(cache=True)
def row_loglik_grad(
    r: Arr, seg: Arr, n_seg: int, c: Arr, theta: Arr
) -> tuple[float, Arr]:
    """One target node's identity-link log-likelihood with a fixed design.

    ``r`` holds the excitations (events of node i x D) and ``seg`` the
    baseline segment of each event; ``theta`` is
    ``(mu_i per segment, alpha_i1..alpha_iD)`` and ``c`` the compensator
    coefficients ``(segment lengths, C_1..C_D)``. One fused pass, no
    temporaries.
    """
    n, d = r.shape
    g = np.zeros(n_seg + d)
    ll = 0.0
    for k in range(n):
        lam = theta[seg[k]]
        for j in range(d):
            lam += theta[n_seg + j] * r[k, j]
        if not lam > 0.0:
            return -np.inf, g
        inv = 1.0 / lam
        ll += math.log(lam)
        g[seg[k]] += inv
        for j in range(d):
            g[n_seg + j] += r[k, j] * inv
    for j in range(n_seg + d):
        ll -= c[j] * theta[j]
        g[j] -= c[j]
    return ll, g
