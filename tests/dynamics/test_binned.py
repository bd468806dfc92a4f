"""BinnedHawkes: likelihood, gradient, recovery and input handling."""

from __future__ import annotations

import warnings

import _hawkes_reference as ref
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
from titfortat.exceptions import DataError, HessianWarning

MU = np.array([0.6, 1.0])
A = np.array([[0.3, 0.1], [0.4, 0.2]])
BETA = 0.2


def _direct_loglik(y, mu, a, beta, n_presample, size=None):
    """Plain loops over all lags: independent of the lag recursion."""
    n, d = y.shape
    w = (1 - np.exp(-beta)) * np.exp(-beta * np.arange(n))
    ll = 0.0
    for t in range(n_presample, n):
        e = np.zeros(d)
        for lag in range(1, t + 1):
            e += w[lag - 1] * y[t - lag]
        m = mu + a @ e
        if size is None:
            ll += stats.poisson.logpmf(y[t], m).sum()
        else:
            ll += stats.nbinom.logpmf(y[t], size, size / (size + m)).sum()
    return ll


def _numeric_gradient(model, x, y, h=1e-6):
    """Central differences of the log-likelihood, one parameter at a time."""
    return np.array(
        [
            (model._loglik(x + e, y)[0] - model._loglik(x - e, y)[0]) / (2 * h)
            for e in np.eye(x.size) * h
        ]
    )


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_loglik_and_gradient(family):
    size = np.array([3.0, 5.0]) if family == "negbin" else None
    y = BinnedHawkesSimulator(
        MU, A, BETA, n_bins=150, family=family, size=size, rng=1
    ).run_counts()
    model = BinnedHawkes(family=family, n_presample=5)
    x = np.concatenate([MU, A.ravel(), [BETA]] + ([size] if size is not None else []))
    ll, g = model._loglik(x, y)
    assert ll == pytest.approx(_direct_loglik(y, MU, A, BETA, 5, size), rel=1e-10)
    num = _numeric_gradient(model, x, y)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)


def test_compiled_loglik_large_counts_and_digamma():
    # The compiled pass sums lgamma/digamma differences for counts under 64
    # and calls lgamma/_digamma above; both branches against scipy.
    from scipy import special

    from titfortat.dynamics.counts._kernels import _digamma

    xs = np.concatenate([np.geomspace(1e-3, 6.0, 200), np.geomspace(6.0, 1e5, 50)])
    np.testing.assert_allclose(
        [_digamma(v) for v in xs], special.digamma(xs), rtol=1e-10, atol=1e-12
    )
    size = np.array([3.0, 5.0])
    y = BinnedHawkesSimulator(
        MU, A, BETA, n_bins=60, family="negbin", size=size, rng=2
    ).run_counts()
    y[20, 0], y[31, 1] = 70, 150  # above the small-count branch
    model = BinnedHawkes(family="negbin", n_presample=5)
    x = np.concatenate([MU, A.ravel(), [BETA], size])
    ll, g = model._loglik(x, y)
    assert ll == pytest.approx(_direct_loglik(y, MU, A, BETA, 5, size), rel=1e-10)
    num = _numeric_gradient(model, x, y)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_recovery(family):
    size = np.array([3.0, 5.0]) if family == "negbin" else None
    y = BinnedHawkesSimulator(
        MU, A, BETA, n_bins=20000, family=family, size=size, rng=7
    ).run_counts()
    model = BinnedHawkes(family=family, rng=0).fit(y, nodes=["strike", "attack"])
    truth = np.concatenate(
        [MU, A.ravel(), [BETA]] + ([size] if size is not None else [])
    )
    ref.assert_in_confidence_region(model.results_, truth)
    table = model.results_.summary().table
    rel = np.abs(table["estimate"].to_numpy() - truth) / truth
    # Stated bound: 35% for alpha[strike<-attack] = 0.1 (standard error near
    # 0.02 at 20,000 days), 20% for every other parameter.
    assert rel.max() < 0.35, rel
    assert np.delete(rel, 3).max() < 0.2, rel
    share = model.share_triggered().summary_frame()
    m = np.linalg.solve(np.eye(2) - A, MU)
    assert share.loc["total", "ci_lower"] < 1 - MU.sum() / m.sum()
    assert 1 - MU.sum() / m.sum() < share.loc["total", "ci_upper"]
    assert model.lr_test("attack", "strike").p_value < 1e-6


def test_impulse_response_long_run_and_lr_null():
    a = np.array([[0.3, 0.0], [0.4, 0.2]])
    y = BinnedHawkesSimulator(MU, a, BETA, n_bins=3000, rng=3).run_counts()
    model = BinnedHawkes(rng=0).fit(y)
    assert model.lr_test(0, 1).p_value > 0.01
    ir = model.impulse_response(400).summary_frame()
    long_run = np.linalg.inv(np.eye(2) - model.adjacency_) - np.eye(2)
    np.testing.assert_allclose(ir["estimate"].to_numpy(), long_run.ravel(), rtol=1e-4)
    assert model.spectral_radius() < 1
    r = model.pearson_residuals()
    assert abs(r.to_numpy().mean()) < 0.05
    assert r.to_numpy().std() == pytest.approx(1.0, abs=0.1)


def test_date_frame_input_counts_ties_exactly():
    frame = pd.DataFrame(
        {
            "date": ["2007-01-01"] * 3 + ["2007-01-05", "2007-01-05"] + ["2007-03-01"],
            "type": ["IED", "IED", "SAF", "SAF", "IED", "IED"],
        }
    )
    model = BinnedHawkes(n_presample=0, decay=0.5, n_starts=1)
    # Six events cannot pin down six parameters: estimates on the bound get NaN
    # standard errors, with a warning naming them.
    with pytest.warns(HessianWarning, match="sit on their lower bound"):
        model.fit(frame)
    assert model.nodes_ == ["IED", "SAF"]
    assert model.n_bins_ == 60
    assert model._y[0].tolist() == [2, 1]
    assert model._y[4].tolist() == [1, 1]
    assert model.results_.n_events == 6
    assert model.bin_labels_[0] == pd.Timestamp("2007-01-01")


def test_too_few_bins():
    with pytest.raises(ValueError, match="cannot identify"):
        BinnedHawkes().fit(np.ones((20, 2), dtype=int))


def test_count_frame_with_unknown_nodes_is_refused_by_name():
    # The simulator's frame names its columns; nodes= selects among them and
    # a name that is not a column is an error naming it, not a KeyError.
    y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=600, nodes=["a"], rng=1).run()
    assert BinnedHawkes(n_starts=1, rng=0).fit(y, nodes=["a"]).nodes_ == ["a"]
    with pytest.raises(DataError, match=r"no column \['b'\]"):
        BinnedHawkes(n_starts=1, rng=0).fit(y, nodes=["b"])


def test_piecewise_baseline_gradient_and_recovery():
    base = np.array([[1.0, 0.5], [0.4, 0.2], [0.8, 1.0]])
    model = BinnedHawkes(baseline_segments=3, family="negbin", n_presample=5)
    y = BinnedHawkesSimulator(
        base, A, BETA, n_bins=300, family="negbin", size=[3.0, 5.0], rng=2
    ).run_counts()
    x = np.concatenate([base.ravel(), A.ravel(), [BETA], [3.0, 5.0]])
    _, g = model._loglik(x, y)
    num = _numeric_gradient(model, x, y)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)

    y = BinnedHawkesSimulator(base, A, BETA, n_bins=30000, rng=4).run_counts()
    fit = BinnedHawkes(baseline_segments=3, rng=0).fit(y, nodes=["s", "a"])
    assert fit.baseline_.shape == (3, 2)
    assert "mu[a,2]" in fit.results_.params.index
    truth = np.concatenate([base.ravel(), A.ravel(), [BETA]])
    ref.assert_in_confidence_region(fit.results_, truth)
    # A constant-baseline fit to the same data absorbs the level shifts into
    # the self-excitation: the branching matrix is larger.
    const = BinnedHawkes(rng=0).fit(y)
    assert const.spectral_radius() > fit.spectral_radius()
    share = fit.share_triggered()
    assert share.name == "share_triggered"
    assert 0 < share.estimate["total"] < 1
    with pytest.raises(ValueError, match="needs baseline_segments=1"):
        fit.share_triggered(method="stationary")


def test_exogenous_covariate_gradient_and_recovery():
    n = 20000
    truce = np.zeros((n, 1))
    truce[n // 3 : n // 2] = 1.0  # a truce window lowering both baselines
    gamma = np.array([[-0.4], [-0.5]])
    sim = BinnedHawkesSimulator(MU, A, BETA, n_bins=n, offset=truce @ gamma.T, rng=9)
    y = sim.run_counts()
    model = BinnedHawkes(rng=0).fit(
        y, nodes=["s", "a"], exog=pd.DataFrame({"truce": truce[:, 0]})
    )
    assert "gamma[a,truce]" in model.results_.params.index
    x = model._x
    _, g = model._loglik(x, y)
    num = _numeric_gradient(model, x, y)
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-3)
    truth = np.concatenate([MU, A.ravel(), [BETA], gamma.ravel()])
    ref.assert_in_confidence_region(model.results_, truth)
    share = model.share_triggered()
    assert 0 < share.estimate["total"] < 1
    with pytest.raises(ValueError, match="only simulate its own window"):
        model.simulator(n_bins=10)
    assert model.simulator(rng=1).run().shape == (n, 2)


def test_softplus_link_gradient_and_inhibition_recovery():
    mu = np.array([0.8, 0.3])
    adj = np.array([[0.3, -0.6], [0.5, 0.2]])  # node 1 deters node 0
    model = BinnedHawkes(link="softplus", family="negbin", n_presample=5)
    y = BinnedHawkesSimulator(
        mu,
        adj,
        0.3,
        n_bins=300,
        link="softplus",
        family="negbin",
        size=[4.0, 4.0],
        rng=1,
    ).run_counts()
    x = np.concatenate([mu, adj.ravel(), [0.3], [4.0, 4.0]])
    _, g = model._loglik(x, y)
    num = _numeric_gradient(model, x, y)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)

    y = BinnedHawkesSimulator(
        mu, adj, 0.3, n_bins=20000, link="softplus", rng=5
    ).run_counts()
    fit = BinnedHawkes(link="softplus", rng=0).fit(y, nodes=["attack", "strike"])
    truth = np.concatenate([mu, adj.ravel(), [0.3]])
    ref.assert_in_confidence_region(fit.results_, truth)
    # Stated bound: the deterrent effect within 25% and significantly negative.
    est = fit.results_.params["alpha[attack<-strike]"]
    assert abs(est - (-0.6)) / 0.6 < 0.25
    assert fit.results_.conf_int().loc["alpha[attack<-strike]", "ci_upper"] < 0
    lr = fit.lr_test("attack", "strike")
    assert not lr.boundary and lr.p_value < 1e-6
    with pytest.raises(ValueError, match="needs link='identity'"):
        fit.share_triggered()


def test_single_start_avoids_the_lag_one_trap():
    # With true decay near 1, a first start at decay 0.3 used to run off to
    # the decay's upper bound (all weight on lag 1): log-likelihood about 240
    # below the optimum. The start now picks its decay from a coarse grid.
    y = BinnedHawkesSimulator([0.5], [[0.5]], 1.0, n_bins=20000, rng=0).run_counts()
    one = BinnedHawkes(n_starts=1).fit(y)
    three = BinnedHawkes(n_starts=3, rng=0).fit(y)
    assert one.results_.log_likelihood == pytest.approx(
        three.results_.log_likelihood, abs=1e-3
    )
    ref.assert_in_confidence_region(one.results_, np.array([0.5, 0.5, 1.0]))


def test_lag_recursion_equals_scipy_lfilter():
    # The numba recursion replaced scipy.signal.lfilter (an import of 0.2 s);
    # both compute E[t] = (1 - rho) y[t-1] + rho E[t-1] and its derivative.
    from scipy import signal

    from titfortat.dynamics.counts._kernels import lag_states

    y = np.random.default_rng(3).poisson(2.0, (400, 3)).astype(float)
    for rho in (0.02, 0.5, 0.97):
        e, de = lag_states(y, rho)
        e_ref = signal.lfilter([0.0, 1.0 - rho], [1.0, -rho], y, axis=0)
        de_ref = signal.lfilter([0.0, 1.0], [1.0, -rho], e_ref - y, axis=0)
        np.testing.assert_allclose(e, e_ref, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(de, de_ref, rtol=1e-13, atol=1e-13)


def test_shared_api_names_and_intensity():
    y = BinnedHawkesSimulator(
        MU, A, BETA, n_bins=300, family="negbin", size=[3.0, 5.0], rng=4
    ).run_counts()
    m = BinnedHawkes(family="negbin", n_starts=1, n_presample=5).fit(y)
    np.testing.assert_array_equal(m.decays_, [m.decay_])
    np.testing.assert_allclose(m.dispersion_, 1.0 / m.size_)
    assert m.branching_ratio().estimate.iloc[0] == pytest.approx(
        np.max(np.abs(np.linalg.eigvals(m.adjacency_)))
    )
    bm = m.branching_matrix()
    np.testing.assert_allclose(bm.estimate.to_numpy(), m.adjacency_.ravel())
    np.testing.assert_allclose(
        bm.std_err.to_numpy(), m.results_.std_err.filter(like="alpha[").to_numpy()
    )
    # The intensity on day t from plain loops over all earlier days.
    w = (1 - np.exp(-m.decay_)) * np.exp(-m.decay_ * np.arange(y.shape[0]))
    for t in (0, 1, 37, 299):
        e = sum((w[lag - 1] * y[t - lag] for lag in range(1, t + 1)), np.zeros(2))
        got = m.predict_intensity([t + 0.5]).to_numpy()[0]
        np.testing.assert_allclose(got, m.baseline_ + m.adjacency_ @ e, rtol=1e-10)
    assert m.predict_intensity().shape == y.shape
    with pytest.raises(ValueError, match=r"times in \[0, 300\) days"):
        m.predict_intensity([300.0])


def test_a_restricted_fit_above_the_reported_maximum_is_a_local_optimum():
    """When the reported maximum is not the maximum (here set below the
    restricted fit's, as a fit stuck on a local optimum reports it), the LR
    test and the profile see a restricted fit beat it and say so."""
    import dataclasses

    from titfortat.dynamics import BinnedHawkesSimulator
    from titfortat.exceptions import ConvergenceWarning

    y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=400, rng=1).run_counts()
    m = BinnedHawkes(n_starts=1).fit(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        honest = m.lr_test(0, 0)  # the honest fit: no warning
    # The reported maximum now lies below even the restricted fit's.
    below = honest.ll_restricted - 1.0
    m.results_ = dataclasses.replace(m.results_, log_likelihood=below)
    with pytest.warns(ConvergenceWarning, match="local optimum"):
        m.lr_test(0, 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.profile_conf_int(["alpha[0<-0]"])
    local = [w for w in caught if "local optimum" in str(w.message)]
    assert len(local) == 1  # one warning per call, naming the best restricted fit
