"""One family: the exponential kernel is the U = 1 case of the sum of
exponentials, so every method must agree between ExpHawkes, SumExpHawkes
and KernelHawkes on the same data, and share one simulator and one API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from titfortat.dynamics import ExpHawkes, HawkesSimulator, SumExpHawkes
from titfortat.dynamics.hawkes import KernelHawkes
from titfortat.dynamics.hawkes.kernels import LINKS, ExpKernel, SumExpKernel

MU = [0.4, 0.3]
ADJ = [[0.3, 0.2], [0.0, 0.35]]


@pytest.fixture(scope="module")
def fits():
    arrays = HawkesSimulator(MU, ADJ, 1.2, end_time=1500.0, rng=5).run_arrays()
    exp = ExpHawkes(decay=1.2, tol=1e-13).fit(arrays, end_time=1500.0)
    sumexp = SumExpHawkes(decays=[1.2]).fit(arrays, end_time=1500.0)
    kern = KernelHawkes(kernel=ExpKernel(1.2)).fit(arrays, end_time=1500.0)
    return exp, sumexp, kern


def test_u1_estimates_and_errors_agree(fits):
    exp, sumexp, kern = fits
    a = exp.results_.params.iloc[:-1].to_numpy()  # without the fixed decay
    for other in (sumexp, kern):
        b = other.results_.params.to_numpy()
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(
            other.results_.std_err.to_numpy(),
            exp.results_.std_err.iloc[:-1].to_numpy(),
            rtol=1e-3,
        )
        assert other.results_.log_likelihood == pytest.approx(
            exp.results_.log_likelihood, rel=1e-9
        )


def test_u1_diagnostics_agree(fits):
    exp, sumexp, kern = fits
    grid = np.linspace(1.0, 1499.0, 41)
    ref = exp.predict_intensity(grid)
    for other in (sumexp, kern):
        pd.testing.assert_frame_equal(
            other.predict_intensity(grid), ref, check_exact=False, rtol=1e-4
        )
        for node in exp.nodes_:
            np.testing.assert_allclose(
                other.residuals().residuals[node],
                exp.residuals().residuals[node],
                rtol=1e-4,
                atol=1e-6,
            )
        np.testing.assert_allclose(
            other.branching_ratio().estimate.to_numpy(),
            exp.branching_ratio().estimate.to_numpy(),
            rtol=1e-5,
        )
    np.testing.assert_allclose(
        sumexp.impulse_response(5.0).estimate.to_numpy(),
        exp.impulse_response(5.0).estimate.to_numpy(),
        rtol=1e-5,
    )


def test_one_simulator_for_every_model(fits):
    for model in fits:
        sim = model.simulator(rng=0)
        assert type(sim) is HawkesSimulator
        frame = sim.run()
        assert list(frame.columns) == ["time", "node"]
        assert set(frame["node"]) <= set(model.nodes_)


def test_decays_attribute_on_every_model(fits):
    exp, sumexp, kern = fits
    assert exp.decays_.tolist() == [exp.decay_]
    assert sumexp.decays_.tolist() == kern.decays_.tolist() == [1.2]


def test_sumexp_impulse_response_counts_all_generations():
    """Two components: the long-horizon response is A (I - A)^{-1} with A the
    summed branching matrix, whatever the decays."""
    adj = np.array([[[0.2, 0.1], [0.05, 0.1]], [[0.1, 0.0], [0.2, 0.1]]])
    a = adj.sum(axis=2)
    got = SumExpKernel([0.3, 3.0]).impulse_response(adj, 500.0)
    np.testing.assert_allclose(got, a @ np.linalg.inv(np.eye(2) - a), rtol=1e-8)


def test_links_declare_their_constraints():
    assert LINKS["identity"].alpha_positive and LINKS["identity"].mu_positive
    assert LINKS["relu"].mu_positive and not LINKS["relu"].alpha_positive
    assert not LINKS["softplus"].mu_positive
    assert LINKS["relu"](np.array([-1.0]))[0] == 1e-8


def test_sumexp_kernel_u1_is_the_exponential_kernel():
    t = np.array([0.0, 0.5, 3.0])
    np.testing.assert_array_equal(
        SumExpKernel([2.0]).kernel(t), ExpKernel(2.0).kernel(t)
    )


def test_u1_inference_agrees(fits):
    """One inference module (``hawkes/_inference.py``): the LR test and the
    profile interval of alpha[0<-1] agree across the three U = 1 models."""
    exp, sumexp, kern = fits
    stats = [m.lr_test(0, 1).statistic for m in fits]
    assert stats[0] > 1.0  # the effect (truth 0.2) is there
    np.testing.assert_allclose(stats[1:], stats[0], rtol=1e-4)
    name = "alpha[0<-1]"
    ref_ci = exp.profile_conf_int([name]).loc[name].to_numpy()
    est = exp.results_.params[name]
    assert ref_ci[0] < est < ref_ci[1]
    for other, oname in ((sumexp, "alpha[0<-1;0]"), (kern, "alpha[0<-1;0]")):
        ci = other.profile_conf_int([oname]).loc[oname].to_numpy()
        np.testing.assert_allclose(ci, ref_ci, rtol=1e-3)
    draws = kern.bootstrap(n_boot=3).bootstrap_draws
    assert draws.shape == (3, len(kern.results_.params))


@pytest.mark.parametrize("method", ["stationary", "empirical"])
def test_u1_share_triggered_agrees(fits, method):
    """share_triggered is written once (HawkesFamily) for every kernel."""
    frames = [m.share_triggered(method).summary_frame() for m in fits]
    assert 0.0 < frames[0].loc["total", "estimate"] < 1.0
    for other in frames[1:]:
        np.testing.assert_allclose(
            other[["estimate", "std_err"]],
            frames[0][["estimate", "std_err"]],
            rtol=1e-3,
        )


def test_learned_decay_profile_agrees_at_u1():
    """The shared profile (hawkes/_inference.py) holds parameters at any
    value in SumExpHawkes' learned-decay refits too: at U = 1 its intervals
    are ExpHawkes' (the same likelihood, the decay re-learned each time)."""
    arrays = HawkesSimulator(MU, ADJ, 1.2, end_time=1500.0, rng=5).run_arrays()
    exp = ExpHawkes(n_starts=1).fit(arrays, end_time=1500.0)
    sumexp = SumExpHawkes(decays=[1.0], learn_decays=True, n_starts=1).fit(
        arrays, end_time=1500.0
    )
    ref_ci = exp.profile_conf_int(["alpha[0<-1]", "mu[0]"]).to_numpy()
    ci = sumexp.profile_conf_int(["alpha[0<-1;0]", "mu[0]"]).to_numpy()
    np.testing.assert_allclose(ci, ref_ci, rtol=1e-3)
    assert np.isnan(sumexp.profile_conf_int(["decay[0]"]).to_numpy()).all()
