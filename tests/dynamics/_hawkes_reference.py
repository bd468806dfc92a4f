"""Independent plain-numpy O(N^2) Hawkes log-likelihoods for the tests."""

from __future__ import annotations

import numpy as np
from scipy import integrate


def softplus(x):
    return np.logaddexp(0.0, x)


def predictor(times, marks, mu, adj, beta, t):
    """Linear predictor of every node at time t (events strictly before t)."""
    past = times < t
    dt = t - times[past]
    k = beta * np.exp(-beta * dt)
    return mu + adj[:, marks[past]] @ k


def loglik_identity(times, marks, end_time, mu, adj, beta):
    ll = 0.0
    for t, i in zip(times, marks, strict=True):
        ll += np.log(predictor(times, marks, mu, adj, beta, t)[i])
    comp = mu.sum() * end_time
    for t, j in zip(times, marks, strict=True):
        comp += adj[:, j].sum() * (1.0 - np.exp(-beta * (end_time - t)))
    return ll - comp


def loglik_softplus(times, marks, end_time, mu, adj, beta):
    ll = 0.0
    for t, i in zip(times, marks, strict=True):
        ll += np.log(softplus(predictor(times, marks, mu, adj, beta, t)[i]))
    knots = np.unique(np.concatenate([[0.0], times, [end_time]]))
    comp = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        for i in range(mu.size):
            val, _ = integrate.quad(
                lambda s, i=i: softplus(
                    predictor(times, marks, mu, adj, beta, s)[i]
                ),
                a,
                b,
                epsabs=1e-13,
                epsrel=1e-12,
            )
            comp += val
    return ll - comp
