"""Independent plain-numpy O(N^2) Hawkes log-likelihoods for the tests."""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats


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
                lambda s, i=i: softplus(predictor(times, marks, mu, adj, beta, s)[i]),
                a,
                b,
                epsabs=1e-13,
                epsrel=1e-12,
            )
            comp += val
    return ll - comp


def assert_in_confidence_region(result, truth, level=0.95):
    """Truth inside the joint Wald region and inside every Bonferroni interval.

    Requiring each of k parameters to sit in its own 95% interval fails with
    probability near 1 - 0.95^k for a correct estimator (about 30% for k = 7);
    the joint region and the Bonferroni intervals both have level 95%. The
    per-parameter 95% coverage itself is checked by the slow coverage study.
    """
    est = result.params.to_numpy()
    keep = np.isfinite(np.diag(result.cov_params.to_numpy()))
    cov = result.cov_params.to_numpy()[np.ix_(keep, keep)]
    diff = (est - truth)[keep]
    stat = diff @ np.linalg.solve(cov, diff)
    assert stat < stats.chi2.ppf(level, keep.sum()), stat
    ci = result.conf_int(alpha=(1 - level) / keep.sum())[keep]
    t = truth[keep]
    inside = (ci["ci_lower"] <= t) & (t <= ci["ci_upper"])
    assert inside.all(), ci.assign(truth=t)


def loglik_relu(times, marks, end_time, mu, adj, beta, floor=1e-8):
    """Rectified-linear link by quadrature, kinks included as break points."""
    ll = 0.0
    for t, i in zip(times, marks, strict=True):
        ll += np.log(max(predictor(times, marks, mu, adj, beta, t)[i], floor))
    knots = np.unique(np.concatenate([[0.0], times, [end_time]]))
    comp = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        for i in range(mu.size):
            val, _ = integrate.quad(
                lambda s, i=i: max(predictor(times, marks, mu, adj, beta, s)[i], floor),
                a,
                b,
                epsabs=1e-13,
                epsrel=1e-12,
                limit=200,
            )
            comp += val
    return ll - comp
