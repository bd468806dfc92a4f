"""Slow coverage study: 95% Wald intervals over 200 simulated data sets.

Run with ``python -m pytest tests/dynamics/test_coverage.py -m slow -s``.
"""

from __future__ import annotations

import numpy as np
import pytest

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
)

MU = np.array([0.5, 0.3])
A = np.array([[0.3, 0.2], [0.4, 0.1]])
BETA = 1.5
N_SETS = 200


@pytest.mark.slow
def test_wald_coverage_exp_hawkes():
    truth = np.concatenate([MU, A.ravel(), [BETA]])
    rng = np.random.default_rng(2024)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    for s in range(N_SETS):
        arrays = HawkesSimulator(MU, A, BETA, end_time=3000.0, rng=rng).run_arrays()
        model = ExpHawkes(n_starts=1, rng=rng).fit(arrays)
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    per_param = hits.mean(axis=0)
    overall = hits.mean()
    print(f"\nExpHawkes D=2 Wald 95% coverage over {N_SETS} sets: {overall:.4f}")
    print(
        "per parameter:",
        dict(zip(model.results_.params.index, per_param.round(3), strict=True)),
    )
    assert 0.93 <= overall <= 0.97
    # Each parameter's coverage has Monte Carlo SE ~1.5%: allow 3 SE.
    assert np.all(per_param >= 0.90)


@pytest.mark.slow
def test_wald_coverage_binned():
    truth = np.concatenate([MU, A.ravel(), [0.2]])
    rng = np.random.default_rng(7)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    for s in range(N_SETS):
        y = BinnedHawkesSimulator(MU, A, 0.2, n_bins=4000, rng=rng).run_counts()
        model = BinnedHawkes(n_starts=1, rng=rng).fit(y)
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    overall = hits.mean()
    print(f"\nBinnedHawkes Wald 95% coverage over {N_SETS} sets: {overall:.4f}")
    print("per parameter:", hits.mean(axis=0).round(3))
    assert 0.93 <= overall <= 0.97


@pytest.mark.slow
def test_wald_coverage_softplus_inhibition():
    adj = np.array([[0.3, -0.8], [0.6, 0.2]])
    truth = np.concatenate([MU, adj.ravel(), [1.0]])
    rng = np.random.default_rng(99)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    for s in range(N_SETS):
        arrays = HawkesSimulator(
            MU, adj, 1.0, end_time=3000.0, link="softplus", rng=rng
        ).run_arrays()
        model = ExpHawkes(link="softplus", n_starts=1, rng=rng).fit(arrays)
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    overall = hits.mean()
    print(f"\nExpHawkes softplus Wald 95% coverage over {N_SETS} sets: {overall:.4f}")
    print("per parameter:", hits.mean(axis=0).round(3))
    assert 0.93 <= overall <= 0.97


@pytest.mark.slow
def test_wald_coverage_relu_inhibition():
    adj = np.array([[0.3, -0.8], [0.6, 0.2]])
    truth = np.concatenate([MU, adj.ravel(), [1.0]])
    rng = np.random.default_rng(314)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    for s in range(N_SETS):
        arrays = HawkesSimulator(
            MU, adj, 1.0, end_time=3000.0, link="relu", rng=rng
        ).run_arrays()
        model = ExpHawkes(link="relu", n_starts=1, rng=rng).fit(arrays)
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    overall = hits.mean()
    print(f"\nExpHawkes relu Wald 95% coverage over {N_SETS} sets: {overall:.4f}")
    print("per parameter:", hits.mean(axis=0).round(3))
    assert 0.93 <= overall <= 0.97


@pytest.mark.slow
def test_wald_coverage_exog_baseline():
    exog = {"truce": [(600, 1200)], "sanction": [(1000, 2500)]}
    gamma = np.array([[-0.3, 0.2], [-0.2, 0.1]])
    truth = np.concatenate([MU, A.ravel(), gamma.ravel(), [BETA]])
    # Pieces: [0,600) none, [600,1000) truce, [1000,1200) both, [1200,2500)
    # sanction, [2500,3000) none.
    x = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    base = MU[None, :] + x @ gamma.T
    starts = [0.0, 600.0, 1000.0, 1200.0, 2500.0]
    rng = np.random.default_rng(11)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    for s in range(N_SETS):
        arrays = HawkesSimulator(
            base, A, BETA, end_time=3000.0, baseline_times=starts, rng=rng
        ).run_arrays()
        model = ExpHawkes(n_starts=1, rng=rng).fit(arrays, end_time=3000.0, exog=exog)
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    overall = hits.mean()
    print(f"\nExpHawkes exog Wald 95% coverage over {N_SETS} sets: {overall:.4f}")
    print("per parameter:", hits.mean(axis=0).round(3))
    assert 0.93 <= overall <= 0.97


@pytest.mark.slow
def test_wald_coverage_softplus_exog():
    # Inhibitory cross effect plus two step covariates under softplus,
    # simulated by thinning with the covariates' pieces.
    from titfortat.dynamics.hawkes._exog import as_covariates
    from titfortat.dynamics.hawkes._simulate import _PiecewiseBaselineSimulator
    from titfortat.dynamics.hawkes.baselines import NonlinearDesign

    adj = np.array([[0.3, -0.8], [0.6, 0.2]])
    exog = {"truce": [(600, 1200)], "sanction": [(1000, 2500)]}
    gamma = np.array([[-0.3, 0.2], [-0.2, 0.1]])
    truth = np.concatenate([MU, adj.ravel(), gamma.ravel(), [1.0]])
    des = NonlinearDesign.build(as_covariates(exog), 1, 3000.0)
    bounds = des.baseline_bounds(MU, gamma, 3000.0)
    rng = np.random.default_rng(1234)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    for s in range(N_SETS):
        arrays = _PiecewiseBaselineSimulator(
            MU,
            gamma,
            des.brk,
            des.poly,
            bounds,
            adj,
            1.0,
            end_time=3000.0,
            link="softplus",
            rng=rng,
        ).run_arrays()
        model = ExpHawkes(link="softplus", n_starts=1, rng=rng).fit(
            arrays, end_time=3000.0, exog=exog
        )
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    overall = hits.mean()
    print(
        f"\nExpHawkes softplus+exog Wald 95% coverage over {N_SETS} sets: {overall:.4f}"
    )
    print("per parameter:", hits.mean(axis=0).round(3))
    assert 0.93 <= overall <= 0.97
