"""ExpHawkes with piecewise-constant exogenous covariates in the baseline."""

from __future__ import annotations

import _hawkes_reference as ref
import numpy as np
import pandas as pd
import pytest

from titfortat.dynamics import ExpHawkes, HawkesSimulator
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._exog import as_covariates, loglik_grad_exog
from titfortat.exceptions import DataQualityWarning

MU = np.array([0.5, 0.3])
A2 = np.array([[0.3, 0.2], [0.4, 0.1]])
GAMMA = np.array([[-0.3, 0.2], [-0.2, 0.0]])  # (node, [truce, sanction])
BETA = 1.5
END = 20000.0
EXOG = {"truce": [(3000, 6000), (12000, 13000)], "sanction": [(5000, 15000)]}


def _simulate(exog, mu, gamma, end, seed):
    cov = as_covariates(exog)
    used = cov.knots < end
    base = mu[None, :] + cov.values[used] @ gamma.T
    sim = HawkesSimulator(
        base, A2, BETA, end_time=end, rng=seed, baseline_times=cov.knots[used]
    )
    return sim.run_arrays()


def test_covariate_step_functions():
    cov = as_covariates({"truce": [(10, 20), (50, 60)], "sanction": [(15, 100)]})
    np.testing.assert_array_equal(
        cov.at(np.array([0.0, 10.0, 19.9, 20.0, 55.0, 100.0])),
        [[0, 0], [1, 0], [1, 1], [0, 1], [1, 1], [0, 0]],
    )
    # Integrals by hand: truce 10 + 5 days by t = 55, sanction 40 days.
    np.testing.assert_allclose(cov.cumulative(np.array([55.0])), [[15.0, 40.0]])
    frame = pd.DataFrame({"dose": [1.0, 2.0, 0.5]}, index=[-5.0, 3.0, 10.0])
    step = as_covariates(frame)
    np.testing.assert_allclose(step.cumulative(np.array([12.0])), [[3 + 14 + 1.0]])
    with pytest.raises(ValueError, match="start < end"):
        as_covariates({"truce": [(5, 3)]})
    with pytest.raises(ValueError, match="the first at or before 0"):
        as_covariates(pd.DataFrame({"dose": [1.0]}, index=[2.0]))
    with pytest.raises(TypeError, match="exog must be a dict"):
        as_covariates([1.0, 2.0])


def _plain(times, marks, end, mu, adj, gamma, beta, cov):
    """O(N^2) reference: baseline by the step function, compensator by pieces."""
    ll = 0.0
    for t, i in zip(times, marks, strict=True):
        base = mu[i] + cov.at(np.array([t]))[0] @ gamma[i]
        ll += np.log(base + ref.predictor(times, marks, mu * 0, adj, beta, t)[i])
    knots = np.unique(np.concatenate([cov.knots[cov.knots < end], [end]]))
    comp = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        comp += (b - a) * (mu + cov.at(np.array([a]))[0] @ gamma.T).sum()
    for t, j in zip(times, marks, strict=True):
        comp += adj[:, j].sum() * (1.0 - np.exp(-beta * (end - t)))
    return ll - comp


def test_exog_loglik_and_gradient():
    exog = {"truce": [(30, 60)], "sanction": [(50, 150)]}
    arrays = _simulate(exog, MU, GAMMA, 200.0, seed=3)
    times, marks = merge_events(arrays)
    cov = as_covariates(exog)
    x = np.concatenate([MU, A2.ravel(), GAMMA.ravel(), [BETA]])

    def f(v, grad=False):
        return loglik_grad_exog(
            times,
            marks,
            200.0,
            v[:2].copy(),
            v[2:6].reshape(2, 2).copy(),
            v[6:10].reshape(2, 2),
            v[10],
            cov,
            grad,
        )

    ll, g = f(x, True)
    expected = _plain(times, marks, 200.0, MU, A2, GAMMA, BETA, cov)
    assert ll == pytest.approx(expected, rel=1e-10)
    num = np.array([(f(x + h)[0] - f(x - h)[0]) / 2e-6 for h in np.eye(11) * 1e-6])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)
    # A baseline that is negative on a piece is rejected even where no event
    # of that node falls (the compensator alone would reward it).
    bad = x.copy()
    bad[6] = -0.6  # node 0 during the truce: 0.5 - 0.6 < 0
    assert f(bad)[0] == -np.inf


def test_exog_recovery_truce_and_sanctions():
    arrays = _simulate(EXOG, MU, GAMMA, END, seed=3)
    model = ExpHawkes(rng=0).fit(
        arrays, end_time=END, nodes=["strike", "attack"], exog=EXOG
    )
    truth = np.concatenate([MU, A2.ravel(), GAMMA.ravel(), [BETA]])
    ref.assert_in_confidence_region(model.results_, truth)
    assert "gamma[attack,truce]" in model.results_.params.index
    assert model.exog_coef_.shape == (2, 2)
    err = np.abs(model.results_.params.to_numpy() - truth)
    nz = truth != 0
    # Stated bounds: 15% relative on nonzero parameters (the smallest,
    # alpha[attack<-attack] = 0.1, has SE near 0.008), 0.05 absolute on the
    # zero effect gamma[attack,sanction] (SE near 0.01).
    assert (err[nz] / np.abs(truth[nz])).max() < 0.15, err / np.abs(truth)
    assert err[~nz].max() < 0.05
    ks = model.residuals().ks_test()
    assert (ks["p_value"] > 0.01).all(), ks
    # The covariates are worth their 4 parameters.
    plain = ExpHawkes(rng=0).fit(arrays, end_time=END)
    assert model.results_.aic < plain.results_.aic - 100
    # Across the start of the truce the excitation is continuous, so the
    # intensity jumps by exactly gamma[., truce].
    lam = model.predict_intensity([3000.0 - 1e-9, 3000.0 + 1e-9]).to_numpy()
    np.testing.assert_allclose(lam[1] - lam[0], model.exog_coef_[:, 0], atol=1e-6)
    # Empirical with a varying baseline; the stationary share of the truth
    # outside every window, 1 - sum(mu) / sum((I - A)^-1 mu) = 0.52, is a
    # rough guide (the windows move it by a few points).
    share = model.share_triggered().summary_frame()
    assert share.loc["total", "std_err"] > 0
    assert 0.45 < share.loc["total", "estimate"] < 0.6
    # The fitted simulator follows the truce: fewer strikes inside it.
    sim = model.simulator(rng=1).run_arrays()[0]
    inside = ((sim >= 3000) & (sim < 6000)).sum() / 3000
    outside = ((sim < 3000) | (sim >= 15000)).sum() / 8000
    assert inside < 0.8 * outside


def test_exog_positivity_constraint_is_active_without_events():
    arrays = HawkesSimulator(MU, A2, BETA, end_time=2000.0, rng=3).run_arrays()
    arrays[1] = arrays[1][(arrays[1] < 500) | (arrays[1] >= 700)]
    with pytest.warns(DataQualityWarning, match="node '1' is at its positivity"):
        model = ExpHawkes(rng=0).fit(
            arrays, end_time=2000.0, exog={"gap": [(500, 700)]}
        )
    gap_base = model.baseline_ + model.exog_coef_[:, 0]
    assert gap_base[1] == pytest.approx(0.0, abs=1e-8)
    assert gap_base[1] > 0 and gap_base[0] > 0.1
    assert model.converged_
    # Every start reached the same constrained optimum.
    lls = model.results_.optimizer_info["start_log_likelihoods"]
    assert max(lls) - min(lls) < 1e-5


def test_exog_lr_test_and_bootstrap_keep_the_covariates():
    exog = {"truce": [(300, 600)]}
    arrays = _simulate(exog, MU, GAMMA[:, :1], 1500.0, seed=5)
    model = ExpHawkes(rng=0, n_starts=1).fit(arrays, end_time=1500.0, exog=exog)
    lr = model.lr_test(1, 0)
    assert lr.p_value < 1e-6 and lr.ll_restricted < lr.ll_full
    # Profile interval of a (negative) covariate effect: not clipped at 0 as
    # mu and alpha are, and close to Wald for this well-identified effect.
    prof = model.profile_conf_int(["gamma[0,truce]"]).iloc[0]
    wald = model.results_.conf_int().loc["gamma[0,truce]"]
    width = wald["ci_upper"] - wald["ci_lower"]
    assert prof["ci_lower"] < model.exog_coef_[0, 0] < prof["ci_upper"] < 0
    assert abs(prof["ci_lower"] - wald["ci_lower"]) < 0.1 * width
    assert abs(prof["ci_upper"] - wald["ci_upper"]) < 0.1 * width
    boot = model.bootstrap(n_boot=4)
    draws = boot.bootstrap_draws
    assert draws.shape == (4, 9) and "gamma[1,truce]" in draws.columns
    # Four refits spread on the scale of the Wald error, not 0 and not wild.
    sd = draws["gamma[0,truce]"].std()
    se = model.results_.std_err["gamma[0,truce]"]
    assert 0.2 * se < sd < 3.0 * se


def test_exog_with_segments_is_rejected():
    arrays = [np.array([1.0, 2.0, 5.0, 7.0])]
    with pytest.raises(ValueError, match="exog and baseline_spline_df need "):
        ExpHawkes(baseline_segments=2).fit(arrays, exog={"t": [(0, 3)]})
    with pytest.raises(ValueError, match="baseline_segments=2"):
        ExpHawkes(link="softplus", baseline_segments=2).fit(
            arrays, exog={"t": [(0, 3)]}
        )
