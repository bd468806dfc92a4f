"""Compiled log-likelihood and gradient for the rectified-linear link.

``lambda_i(t) = max(floor, mu_i + sum_j alpha_ij R_j(t))``: linear (so an
``alpha`` keeps its branching-ratio meaning while the predictor is above the
floor) yet able to carry inhibition, ``alpha < 0``, which the identity link
cannot. Between events the predictor is monotone, so the compensator is
closed-form (see ``_interval_relu``); one evaluation is O(N D^2) like
softplus, but without quadrature. Layout and states as in ``_loglik``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from titfortat.dynamics.hawkes._loglik import RELU_FLOOR, _interval_relu

Arr = np.ndarray


@njit(cache=True)
def relu_loglik_grad(
    times: Arr,
    marks: Arr,
    end_time: float,
    mu: Arr,
    adj: Arr,
    beta: float,
    with_grad: bool,
) -> tuple[float, Arr]:
    """Relu-link log-likelihood and gradient ``[mu, A, beta]`` (O(N D^2)).

    At an event whose predictor is at or below the floor the log-intensity is
    ``log(floor)`` and its gradient zero (the subgradient of the flat part).
    """
    d = mu.size
    n = times.size
    s0 = np.zeros(d)
    s1 = np.zeros(d)
    pend = np.zeros(d)
    grad = np.zeros(d + d * d + 1)
    out = np.zeros(4)
    ll = 0.0
    t_prev = 0.0
    log_floor = math.log(RELU_FLOOR)
    for k in range(n + 1):
        t = times[k] if k < n else end_time
        if t > t_prev or k == n:
            dt = t - t_prev
            for j in range(d):
                s0[j] += pend[j]
                pend[j] = 0.0
            if dt > 0.0:
                for i in range(d):
                    a = 0.0
                    da = 0.0
                    for j in range(d):
                        a += adj[i, j] * beta * s0[j]
                        da += adj[i, j] * (s0[j] - beta * s1[j])
                    _interval_relu(mu[i], a, da, beta, dt, RELU_FLOOR, out)
                    ll -= out[0]
                    if with_grad:
                        grad[i] -= out[1]
                        for j in range(d):
                            grad[d + i * d + j] -= out[2] * beta * s0[j]
                        grad[d + d * d] -= out[3]
                e = math.exp(-beta * dt)
                for j in range(d):
                    s1[j] = (s1[j] + dt * s0[j]) * e
                    s0[j] *= e
            t_prev = t
        if k == n:
            break
        i = marks[k]
        x = mu[i]
        for j in range(d):
            x += adj[i, j] * beta * s0[j]
        if x > RELU_FLOOR:
            ll += math.log(x)
            if with_grad:
                r = 1.0 / x
                grad[i] += r
                db = 0.0
                for j in range(d):
                    grad[d + i * d + j] += r * beta * s0[j]
                    db += adj[i, j] * (s0[j] - beta * s1[j])
                grad[d + d * d] += r * db
        else:
            ll += log_floor
        pend[i] += 1.0
    return ll, grad
