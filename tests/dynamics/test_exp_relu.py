"""ExpHawkes with the rectified-linear link: max(floor, mu + sum alpha g)."""

from __future__ import annotations

import _hawkes_reference as ref
import numpy as np
import pytest
from scipy import integrate

from titfortat.dynamics import ExpHawkes, HawkesSimulator
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    sumexp_compensator_at_events,
    sumexp_nonlinear_loglik_grad,
)

MU2 = np.array([0.5, 0.3])
INHIB = np.array([[0.3, -0.8], [0.6, 0.2]])


def relu_loglik_grad(times, marks, end, mu, adj, beta, with_grad):
    """ExpHawkes' relu pass: the sum-of-exponentials kernel at U = 1."""
    x = np.concatenate([mu, np.ravel(adj), [beta]])
    return sumexp_nonlinear_loglik_grad(x, times, marks, end, mu.size, 1, 2, with_grad)


def _sample(seed, end=60.0, beta=1.5):
    arrays = HawkesSimulator(
        MU2, INHIB, beta, end_time=end, link="relu", rng=seed
    ).run_arrays()
    return merge_events(arrays)


def _predictor_at_events(times, marks, beta):
    return np.array(
        [
            ref.predictor(times, marks, MU2, INHIB, beta, t)[i]
            for t, i in zip(times, marks, strict=True)
        ]
    )


@pytest.mark.parametrize("seed", [0, 4])
def test_relu_loglik_matches_quadrature_and_gradient(seed):
    times, marks = _sample(seed)
    # Ties exercise the "strictly before" convention.
    times = np.concatenate([times, times[:2]])
    marks = np.concatenate([marks, marks[:2]])
    order = np.argsort(times, kind="stable")
    times, marks = times[order], marks[order]
    # The strong inhibition drives node 0's predictor below the floor between
    # events, so the crossing branch of the closed-form compensator is used.
    grid = np.linspace(0.0, 60.0, 3001)
    below = [ref.predictor(times, marks, MU2, INHIB, 1.5, s)[0] < 0 for s in grid]
    assert any(below)
    ll, g = relu_loglik_grad(times, marks, 60.0, MU2, INHIB, 1.5, True)
    expected = ref.loglik_relu(times, marks, 60.0, MU2, INHIB, 1.5)
    assert ll == pytest.approx(expected, rel=1e-9)
    x = np.concatenate([MU2, INHIB.ravel(), [1.5]])

    def f(v):
        mu, a = v[:2].copy(), v[2:6].reshape(2, 2).copy()
        return relu_loglik_grad(times, marks, 60.0, mu, a, v[6], False)[0]

    num = np.array([(f(x + h) - f(x - h)) / 2e-6 for h in np.eye(7) * 1e-6])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)


def test_relu_event_on_the_floor():
    # Node 0 fires right after a strongly inhibiting node-1 event: its
    # predictor is negative there, so the event contributes log(floor) and no
    # gradient; the compensator still matches the quadrature reference.
    times = np.array([1.0, 1.1, 3.0])
    marks = np.array([1, 0, 0])
    assert _predictor_at_events(times, marks, 1.5)[1] < 0
    ll, g = relu_loglik_grad(times, marks, 4.0, MU2, INHIB, 1.5, True)
    assert ll == pytest.approx(ref.loglik_relu(times, marks, 4.0, MU2, INHIB, 1.5))
    assert ll < np.log(1e-8)
    x = np.concatenate([MU2, INHIB.ravel(), [1.5]])
    cum = sumexp_compensator_at_events(x, times, marks, 2, 1, LINK_CODES["relu"])

    # Node 0's compensator at its last event equals the integral of its
    # floored predictor up to then (quadrature with the kinks as break points).
    def lam0(u):
        return max(ref.predictor(times, marks, MU2, INHIB, 1.5, u)[0], 1e-8)

    expected = sum(
        integrate.quad(lam0, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
        for a, b in [(0.0, 1.0), (1.0, 1.1), (1.1, 3.0)]
    )
    assert cum[2] == pytest.approx(expected, rel=1e-9)
    assert cum[2] < MU2[0] * 3.0  # inhibition lowered node 0's integral


def test_relu_recovery_inhibition_and_diagnostics():
    sim = HawkesSimulator(MU2, INHIB, 1.0, end_time=5000.0, link="relu", rng=2)
    model = ExpHawkes(link="relu", rng=0).fit(sim.run_arrays(), nodes=["s", "a"])
    truth = np.concatenate([MU2, INHIB.ravel(), [1.0]])
    ref.assert_in_confidence_region(model.results_, truth)
    rel = np.abs(model.results_.params.to_numpy() - truth) / np.abs(truth)
    # Stated bound 20%: alpha[a<-a] = 0.2 has a standard error near 0.02.
    assert rel.max() < 0.2, rel
    assert model.adjacency_[0, 1] < 0
    assert model.lr_test("s", "a").p_value < 1e-6
    ks = model.residuals().ks_test()
    assert (ks["p_value"] > 0.01).all(), ks
    lam = model.predict_intensity([0.0])
    np.testing.assert_allclose(lam.iloc[0].to_numpy(), model.baseline_)
    assert model.simulator(end_time=50.0, rng=1).link == "relu"
    with pytest.raises(ValueError, match="needs link='identity': under link='relu'"):
        model.share_triggered()


def test_relu_without_inhibition_is_the_linear_process():
    a2 = np.array([[0.3, 0.2], [0.4, 0.1]])
    end = 20000.0
    arrays = HawkesSimulator(
        MU2, a2, 1.5, end_time=end, link="relu", rng=4
    ).run_arrays()
    rate = np.array([a.size for a in arrays]) / end
    np.testing.assert_allclose(rate, np.linalg.solve(np.eye(2) - a2, MU2), rtol=0.05)
    times, marks = merge_events(arrays)
    lin = ExpHawkes(decay=1.5).fit(arrays, end_time=end)
    x = lin.results_.params.to_numpy()
    ll_relu, _ = relu_loglik_grad(
        times, marks, end, x[:2].copy(), x[2:6].reshape(2, 2).copy(), 1.5, False
    )
    # Above the floor the two links give the same likelihood.
    assert ll_relu == pytest.approx(lin.results_.log_likelihood, rel=1e-10)


def test_relu_simulator_checks():
    with pytest.raises(ValueError, match="Spectral radius of the branching matrix"):
        HawkesSimulator([0.1], [[1.2]], 1.0, end_time=10.0, link="relu")
    with pytest.raises(ValueError, match="baseline must be non-negative"):
        HawkesSimulator([-0.1], [[-0.2]], 1.0, end_time=10.0, link="relu")
