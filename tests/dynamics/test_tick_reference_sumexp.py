"""SumExpHawkes' log-likelihood equals tick's ModelHawkesSumExpKernLogLik."""

from __future__ import annotations

import numpy as np
import pytest

from titfortat.dynamics import HawkesSimulator, SumExpHawkes


def test_sumexp_loglik_matches_tick() -> None:
    tick_hawkes = pytest.importorskip("tick.hawkes")
    end = 3000.0
    arrays = HawkesSimulator(
        [0.3, 0.2], [[0.3, 0.2], [0.1, 0.25]], 1.0, end_time=end, rng=4
    ).run_arrays()
    decays = np.array([0.3, 4.0])
    model = SumExpHawkes(decays=tuple(decays)).fit(arrays, end_time=end)
    ours = model.score(arrays, end_time=end)
    tick_model = tick_hawkes.ModelHawkesSumExpKernLogLik(decays)
    tick_model.fit([np.ascontiguousarray(a) for a in arrays], end)
    # tick's coefficients: baselines, then adjacency[i, j, u] row-major; its
    # kernel components are alpha_u * beta_u * exp(-beta_u t), as ours.
    coeffs = np.concatenate([model.baseline_, model.adjacency_.ravel()])
    n = sum(a.size for a in arrays)
    # Same convention as the exponential kernel: tick's loss is minus the
    # log-likelihood per event, shifted by n_nodes * end_time.
    assert -tick_model.loss(coeffs) * n - 2 * end == pytest.approx(ours, rel=1e-8)
    # At our maximum tick's gradient is negligible: the Newton step it
    # implies (covariance times gradient) moves no interior parameter by
    # more than 0.001 standard errors.
    grad = -tick_model.grad(coeffs) * n  # gradient of the log-likelihood
    cov = model.results_.cov_params.to_numpy()
    interior = np.flatnonzero(coeffs > 1e-6)
    sub = cov[np.ix_(interior, interior)]
    step = sub @ grad[interior]
    assert np.all(np.abs(step) < 1e-3 * np.sqrt(np.diag(sub)))
