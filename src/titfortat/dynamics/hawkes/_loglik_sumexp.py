"""Compiled log-likelihood and gradient of the sum-of-exponentials kernel.

Kernel of source j on target i: ``sum_u alpha[i, j, u] * beta_u *
exp(-beta_u t)``. The recursion carries, for every source node j and
component u, the states (strictly earlier events only, so tied times do not
excite each other)::

    S0[j, u](t) = sum_k exp(-beta_u (t - t_k))
    S1[j, u](t) = sum_k (t - t_k) exp(-beta_u (t - t_k))

so the excitation is ``beta_u * S0`` and its derivative in ``beta_u`` is
``S0 - beta_u * S1``: one evaluation with the gradient in every decay costs
O(N D U).

Parameter vector layout: ``[mu (D), alpha (D, D, U) row-major, beta (U)]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

Arr = np.ndarray  # numba ignores annotations; these document the dtypes


@njit(cache=True)
def sumexp_loglik_grad(
    x: Arr, times: Arr, marks: Arr, end_time: float, d: int, u: int
) -> tuple[float, Arr]:
    """Log-likelihood and its analytic gradient (identity link).

    Returns ``-inf`` (and a zero gradient) if an intensity is not positive.
    """
    n = times.size
    mu = x[:d]
    alpha = x[d : d + d * d * u].reshape(d, d, u)
    beta = x[d + d * d * u :]
    grad = np.zeros(x.size)
    g_mu = grad[:d]
    g_a = grad[d : d + d * d * u].reshape(d, d, u)
    g_b = grad[d + d * d * u :]
    s0 = np.zeros((d, u))
    s1 = np.zeros((d, u))
    p0 = np.zeros(d)  # events at the current time, not yet in the states
    t_prev = 0.0
    ll = 0.0
    for k in range(n):
        t = times[k]
        if t > t_prev:
            dt = t - t_prev
            for c in range(u):
                e = math.exp(-beta[c] * dt)
                for j in range(d):
                    tot = s0[j, c] + p0[j]
                    s1[j, c] = (s1[j, c] + dt * tot) * e
                    s0[j, c] = tot * e
            for j in range(d):
                p0[j] = 0.0
            t_prev = t
        i = marks[k]
        lam = mu[i]
        for j in range(d):
            for c in range(u):
                lam += alpha[i, j, c] * beta[c] * s0[j, c]
        if not lam > 0.0:
            return -np.inf, np.zeros(x.size)
        ll += math.log(lam)
        w = 1.0 / lam
        g_mu[i] += w
        for j in range(d):
            for c in range(u):
                g_a[i, j, c] += w * beta[c] * s0[j, c]
                g_b[c] += w * alpha[i, j, c] * (s0[j, c] - beta[c] * s1[j, c])
        p0[i] += 1.0
    # Compensator, event by event: sum_i alpha[i, j, u] (1 - exp(-b_u (T - t_k))).
    col = np.zeros((d, u))
    for j in range(d):
        for c in range(u):
            for i in range(d):
                col[j, c] += alpha[i, j, c]
    for i in range(d):
        ll -= mu[i] * end_time
        g_mu[i] -= end_time
    for k in range(n):
        j = marks[k]
        lag = end_time - times[k]
        for c in range(u):
            e = math.exp(-beta[c] * lag)
            ll -= col[j, c] * (1.0 - e)
            for i in range(d):
                g_a[i, j, c] -= 1.0 - e
            g_b[c] -= col[j, c] * lag * e
    return ll, grad
