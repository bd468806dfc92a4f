"""ExpHawkes: likelihood, gradient, recovery, diagnostics and input checks."""

from __future__ import annotations

import dataclasses

import _hawkes_reference as ref
import numpy as np
import pandas as pd
import pytest

from titfortat.dynamics import ExpHawkes, HawkesSimulator
from titfortat.dynamics._events import merge_events
from titfortat.dynamics._optim import observed_information
from titfortat.dynamics.hawkes._loglik import exp_loglik_grad
from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_hessian
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    sumexp_nonlinear_loglik_grad,
)
from titfortat.exceptions import DataError, DataQualityWarning, NotFittedError

MU2 = np.array([0.5, 0.3])
A2 = np.array([[0.3, 0.2], [0.4, 0.1]])
BETA2 = 1.5


def softplus_loglik_grad(times, marks, end, mu, adj, beta, with_grad):
    """ExpHawkes' softplus pass: the sum-of-exponentials kernel at U = 1."""
    x = np.concatenate([mu, np.ravel(adj), [beta]])
    return sumexp_nonlinear_loglik_grad(x, times, marks, end, mu.size, 1, 1, with_grad)


def _small_sample(link, rng=0):
    adj = A2 if link == "identity" else np.array([[0.3, -0.8], [0.6, 0.2]])
    sim = HawkesSimulator(MU2, adj, BETA2, end_time=60.0, link=link, rng=rng)
    arrays = sim.run_arrays()
    times, marks = merge_events(arrays)
    return times, marks, adj


@pytest.mark.parametrize("link", ["identity", "softplus"])
def test_loglik_matches_plain_numpy(link):
    times, marks, adj = _small_sample(link)
    assert times.size > 30
    kern = exp_loglik_grad if link == "identity" else softplus_loglik_grad
    ll, _ = kern(times, marks, 60.0, MU2, adj, BETA2, False)
    other = ref.loglik_identity if link == "identity" else ref.loglik_softplus
    expected = other(times, marks, 60.0, MU2, adj, BETA2)
    assert ll == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("link", ["identity", "softplus"])
def test_gradient_matches_finite_differences(link):
    times, marks, adj = _small_sample(link, rng=3)
    # Duplicate a few times to check that tied events are handled consistently.
    times = np.sort(np.concatenate([times, times[:3]]))
    marks = np.concatenate([marks, marks[:3]])[
        np.argsort(np.concatenate([times[: times.size - 3], times[:3]]), kind="stable")
    ]
    kern = exp_loglik_grad if link == "identity" else softplus_loglik_grad
    x = np.concatenate([MU2, adj.ravel(), [BETA2]])

    def ll(v):
        return kern(times, marks, 60.0, v[:2], v[2:6].reshape(2, 2), v[6], False)[0]

    _, g = kern(times, marks, 60.0, MU2, adj, BETA2, True)
    num = np.array([(ll(x + h) - ll(x - h)) / 2e-6 for h in np.eye(x.size) * 1e-6])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)


def test_analytic_hessian_matches_differenced_gradient():
    times, marks, adj = _small_sample("identity", rng=5)
    x = np.concatenate([MU2, adj.ravel(), [BETA2]])

    def grad(v):
        mu, a = v[:2].copy(), v[2:6].reshape(2, 2).copy()
        return exp_loglik_grad(times, marks, 60.0, mu, a, v[6], True)[1]

    numeric = -observed_information(grad, x, np.ones(7, bool), np.full(7, -np.inf))
    # The exponential kernel's Hessian is the sum-of-exponentials one at U = 1.
    analytic = sumexp_hessian(x, times, marks, 60.0, 2, 1)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def test_fixed_decay_fit_is_a_stationary_point():
    sim = HawkesSimulator(MU2, A2, BETA2, end_time=3000.0, rng=13)
    arrays = sim.run_arrays()
    model = ExpHawkes(decay=BETA2).fit(arrays)
    times, marks = merge_events(arrays)
    ll, g = exp_loglik_grad(
        times, marks, model.end_time_, model.baseline_, model.adjacency_, BETA2, True
    )
    assert ll == pytest.approx(model.results_.log_likelihood, rel=1e-12)
    # Converged: the remaining Newton step is tiny compared with the SEs.
    cov = model.results_.cov_params.to_numpy()[:-1, :-1]
    step = cov @ g[:-1]
    se = model.results_.std_err.to_numpy()[:-1]
    assert np.max(np.abs(step) / se) < 0.01, step / se


def test_ties_do_not_excite_each_other():
    times = np.array([1.0, 1.0, 2.0])
    marks = np.array([0, 0, 0])
    mu, adj, beta = np.array([0.5]), np.array([[0.5]]), 1.0
    ll, _ = exp_loglik_grad(times, marks, 3.0, mu, adj, beta, False)
    expected = ref.loglik_identity(times, marks, 3.0, mu, adj, beta)
    assert ll == pytest.approx(expected, rel=1e-12)


def _rel_error(model, truth):
    est = model.results_.params.to_numpy()
    return np.abs(est - truth) / np.abs(truth)


def test_recovery_bivariate_linear():
    sim = HawkesSimulator(MU2, A2, BETA2, end_time=30000.0, rng=11)
    model = ExpHawkes(rng=0).fit(sim.run_arrays(), nodes=["strike", "attack"])
    truth = np.concatenate([MU2, A2.ravel(), [BETA2]])
    ref.assert_in_confidence_region(model.results_, truth)
    rel = _rel_error(model, truth)
    # Stated bound: every parameter within 20%. The smallest, alpha[1<-1] = 0.1,
    # has a standard error near 0.0066 at this size, so 20% is 3 SE for it.
    assert rel.max() < 0.2, rel
    assert model.converged_
    assert "alpha[attack<-strike]" in model.results_.params.index


def test_recovery_ten_nodes():
    rng = np.random.default_rng(5)
    d = 10
    mu = rng.uniform(0.05, 0.15, d)
    adj = rng.uniform(0.0, 0.1, (d, d)) * (rng.random((d, d)) < 0.5)
    adj[np.diag_indices(d)] = 0.3
    beta = 1.0
    sim = HawkesSimulator(mu, adj, beta, end_time=20000.0, rng=6)
    model = ExpHawkes(n_starts=1, rng=0).fit(sim.run_arrays())
    truth = np.concatenate([mu, adj.ravel(), [beta]])
    table = model.results_.summary().table
    # Nonzero truths only for the joint region: zeros sit on the boundary.
    nz = truth != 0
    sub = dataclasses.replace(
        model.results_,
        params=model.results_.params[nz],
        cov_params=model.results_.cov_params.loc[nz, nz],
    )
    ref.assert_in_confidence_region(sub, truth[nz])
    inside = (table["ci_lower"] <= truth) & (truth <= table["ci_upper"])
    # 111 parameters: expect about 5% outside by chance, allow up to 10%.
    assert inside.mean() >= 0.90, inside.mean()
    rel_a = np.linalg.norm(model.adjacency_ - adj) / np.linalg.norm(adj)
    assert rel_a < 0.15, rel_a
    assert abs(model.decay_ - beta) / beta < 0.05
    assert np.max(np.abs(model.baseline_ - mu) / mu) < 0.25


def test_recovery_inhibitory_softplus():
    adj = np.array([[0.3, -0.8], [0.6, 0.2]])
    sim = HawkesSimulator(MU2, adj, 1.0, end_time=5000.0, link="softplus", rng=2)
    model = ExpHawkes(link="softplus", rng=0).fit(sim.run_arrays())
    truth = np.concatenate([MU2, adj.ravel(), [1.0]])
    ref.assert_in_confidence_region(model.results_, truth)
    rel = _rel_error(model, truth)
    # Stated bound 25%: mu[1] = 0.3 on the softplus scale has SE near 0.06.
    assert rel.max() < 0.25, rel
    # The inhibitory effect is detected with the right sign.
    assert model.adjacency_[0, 1] < 0
    lr = model.lr_test(0, 1)
    assert lr.p_value < 1e-6
    assert lr.statistic == pytest.approx(2 * (lr.ll_full - lr.ll_restricted))


def test_fixed_decay_and_lr_test_null():
    # Node 1 does not affect node 0: the LR statistic is small.
    adj = np.array([[0.3, 0.0], [0.4, 0.2]])
    sim = HawkesSimulator(MU2, adj, BETA2, end_time=4000.0, rng=21)
    model = ExpHawkes(decay=BETA2, rng=0).fit(sim.run_arrays())
    assert model.decay_ == BETA2
    assert np.isnan(model.results_.std_err["decay"])
    assert model.results_.k_params == 6
    lr_null = model.lr_test(0, 1)
    lr_alt = model.lr_test(1, 0)
    assert lr_null.p_value > 0.01
    assert lr_alt.p_value < 1e-6


def test_diagnostics_on_correct_model():
    sim = HawkesSimulator(MU2, A2, BETA2, end_time=4000.0, rng=8)
    model = ExpHawkes(n_starts=1, rng=0).fit(sim.run_arrays())
    ks = model.residuals().ks_test()
    assert (ks["p_value"] > 0.01).all(), ks
    assert model.spectral_radius() == pytest.approx(
        np.max(np.abs(np.linalg.eigvals(model.adjacency_)))
    )
    share = model.share_triggered().summary_frame()
    m = np.linalg.solve(np.eye(2) - A2, MU2)
    true_share = 1 - MU2 / m
    assert np.all(share["ci_lower"].iloc[:2] < true_share)
    assert np.all(true_share < share["ci_upper"].iloc[:2])
    ir = model.impulse_response(1e4).summary_frame()
    # Over an infinite horizon the response is (I - A)^{-1} - I.
    long_run = np.linalg.inv(np.eye(2) - model.adjacency_) - np.eye(2)
    np.testing.assert_allclose(ir["estimate"].to_numpy(), long_run.ravel(), rtol=1e-8)
    lam = model.predict_intensity([0.0, 10.0])
    assert lam.shape == (2, 2)
    np.testing.assert_allclose(lam.iloc[0].to_numpy(), model.baseline_)


def test_simulation_mean_rate_matches_theory():
    end = 20000.0
    arrays = HawkesSimulator(MU2, A2, BETA2, end_time=end, rng=4).run_arrays()
    rate = np.array([a.size for a in arrays]) / end
    theory = np.linalg.solve(np.eye(2) - A2, MU2)
    np.testing.assert_allclose(rate, theory, rtol=0.05)
    sp = HawkesSimulator(
        MU2, A2, BETA2, end_time=end, link="softplus", rng=4
    ).run_arrays()
    assert all(a.size > 0 for a in sp)


def test_simulator_rejects_explosive():
    with pytest.raises(ValueError, match="Spectral radius of the branching matrix"):
        HawkesSimulator([0.1], [[1.2]], 1.0, end_time=10.0)
    out = HawkesSimulator(
        [0.1], [[1.2]], 1.0, end_time=1e6, allow_explosive=True, max_events=500, rng=0
    ).run_arrays()
    assert out[0].size == 500


def test_frame_input_and_score():
    sim = HawkesSimulator(MU2, A2, BETA2, end_time=500.0, rng=1, nodes=["a", "b"])
    frame = sim.run()
    model = ExpHawkes(n_starts=1).fit(frame)
    assert model.nodes_ == ["a", "b"]
    arrays = [frame.loc[frame.node == n, "time"].to_numpy() for n in ["a", "b"]]
    assert model.score(arrays, end_time=model.end_time_) == pytest.approx(
        model.results_.log_likelihood, rel=1e-10
    )


def test_input_errors():
    with pytest.raises(DataError, match="no events"):
        ExpHawkes().fit([np.array([1.0, 2.0]), np.array([])])
    with pytest.raises(DataError, match="negative event times"):
        ExpHawkes().fit([np.array([-1.0, 2.0])])
    with pytest.raises(DataError, match="after end_time"):
        ExpHawkes().fit([np.array([1.0, 2.0])], end_time=1.5)
    with pytest.raises(DataError, match="node column"):
        ExpHawkes().fit(pd.DataFrame({"time": [1.0], "who": ["a"]}))
    with pytest.raises(ValueError, match="'link' parameter of ExpHawkes"):
        ExpHawkes(link="logit").fit([np.array([1.0, 2.0])])
    with pytest.raises(NotFittedError, match="not fitted"):
        _ = ExpHawkes().adjacency_


def test_loglik_matches_tick():
    tick_hawkes = pytest.importorskip("tick.hawkes")
    sim = HawkesSimulator(MU2, A2, BETA2, end_time=2000.0, rng=9)
    arrays = sim.run_arrays()
    times, marks = merge_events(arrays)
    end = 2000.0
    ll, _ = exp_loglik_grad(times, marks, end, MU2, A2, BETA2, False)
    model = tick_hawkes.ModelHawkesExpKernLogLik(BETA2)
    model.fit([np.ascontiguousarray(a) for a in arrays], end)
    coeffs = np.concatenate([MU2, A2.ravel()])
    # tick's loss is minus the log-likelihood per event, shifted by the
    # constant n_nodes * end_time (measured: the offset is exactly D * T for
    # several D and T), which changes neither the maximiser nor the gradient.
    n = times.size
    assert -model.loss(coeffs) * n - 2 * end == pytest.approx(ll, rel=1e-8)
    _, g = exp_loglik_grad(times, marks, end, MU2, A2, BETA2, True)
    np.testing.assert_allclose(-model.grad(coeffs) * n, g[:-1], rtol=1e-8)


def test_tied_times_warn():
    arrays = [np.array([1.0, 2.0, 2.0, 5.0, 7.5]), np.array([0.5, 2.0, 3.0, 6.0])]
    with pytest.warns(DataQualityWarning, match="2 events share their time"):
        ExpHawkes(decay=1.0, n_starts=1).fit(arrays, end_time=10.0)
