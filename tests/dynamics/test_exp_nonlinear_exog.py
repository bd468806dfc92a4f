"""ExpHawkes under softplus or relu with covariates, a spline or segments."""

from __future__ import annotations

import _hawkes_reference as ref
import numpy as np
import pytest
from scipy import integrate, optimize, stats

from titfortat.dynamics import ExpHawkes
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._exog import (
    SplineBasis,
    StackedTerms,
    as_covariates,
    piece_polynomials,
)
from titfortat.dynamics.hawkes._exp_poly_roots import _relu_spans
from titfortat.dynamics.hawkes._gaps_nonlinear import (
    _gap_tables,
    _local_poly,
    _softplus_gap,
)
from titfortat.dynamics.hawkes._simulate import _PiecewiseBaselineSimulator
from titfortat.dynamics.hawkes.baselines import NonlinearDesign

MU = np.array([0.5, 0.3])
INHIB = np.array([[0.3, -0.8], [0.6, 0.2]])  # node 1 inhibits node 0
BETA = 1.0


def _simulate(cov, mu, gamma, adj, link, end, seed):
    des = NonlinearDesign.build(cov, 1, end)
    return _PiecewiseBaselineSimulator(
        mu,
        gamma,
        des.brk,
        des.poly,
        des.baseline_bounds(mu, gamma, end),
        adj,
        BETA,
        end_time=end,
        link=link,
        rng=seed,
    ).run_arrays()


def _interval_cubic_softplus(
    mu, gamma, poly, brk, m, t0, h, a, da, beta, max_len, xb, res
):
    """The softplus gap rule for each node on one stretch of piece m, in the
    layout [Lambda, -, -, dLambda/dbeta, dLambda/dgamma_k]."""
    xs = np.zeros((gamma.shape[1], 4))
    _local_poly(poly, brk, m, t0, xs)
    b = np.array([beta])
    edt, evq, mom = np.zeros(1), np.zeros((8, 1)), np.zeros(4)
    jj, kk = np.zeros(1), np.zeros(1)
    short = _gap_tables(b, h, 1, edt, evq, max_len)
    for i in range(mu.size):
        cp = gamma[i] @ xs
        cp[0] += mu[i]
        ai = a[i : i + 1]
        res[i, 0] = _softplus_gap(
            cp, 3, 4, ai, b, h, max_len, edt, evq, short, mom, jj, kk, np.zeros(1)
        )
        res[i, 3] = da[i] * jj[0] - a[i] * kk[0]
        res[i, 4:] = xs @ mom


def _phi(link):
    if link == "softplus":
        return ref.softplus
    return lambda x: np.maximum(x, 1e-8)


def _reference_loglik(times, marks, end, mu, adj, gamma, beta, cov, link):
    """Plain O(N^2) predictor, covariates from ``cov.at``, compensator by
    quadrature between events and covariate breaks, and for relu also
    between floor crossings (located on a grid, then by brentq): adaptive
    quadrature across an unlisted kink is off by up to 1e-8 relative."""
    phi = _phi(link)

    def pred(s):
        base = gamma @ cov.at(np.array([s]))[0]
        return ref.predictor(times, marks, mu, adj, beta, s) + base

    ll = sum(np.log(phi(pred(t)[i])) for t, i in zip(times, marks, strict=True))
    breaks = piece_polynomials(cov, end)[0]
    knots = np.unique(np.concatenate([[0.0], times, [end], breaks[breaks < end]]))
    comp = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        for i in range(mu.size):
            pts = [a, b]
            if link == "relu":
                grid = np.linspace(a, b, 201)[1:-1]
                v = np.array([pred(s)[i] for s in grid]) - 1e-8
                for k in np.flatnonzero(np.sign(v[:-1]) != np.sign(v[1:])):
                    pts.append(
                        optimize.brentq(
                            lambda s, i=i: pred(s)[i] - 1e-8,
                            grid[k],
                            grid[k + 1],
                            xtol=1e-15,
                        )
                    )
            pts = np.sort(pts)
            for lo, hi in zip(pts[:-1], pts[1:], strict=True):
                comp += integrate.quad(
                    lambda s, i=i: phi(pred(s)[i]),
                    lo,
                    hi,
                    epsabs=1e-14,
                    epsrel=1e-12,
                    limit=200,
                )[0]
    return ll - comp


TRUCE = {"truce": [(20.0, 50.0)], "sanction": [(40.0, 70.5)]}
CASES = {
    "softplus-exog": (lambda: as_covariates(TRUCE), [[-0.7, 0.3], [0.4, -0.2]]),
    "relu-exog": (lambda: as_covariates(TRUCE), [[-0.7, 0.3], [0.4, -0.2]]),
    "softplus-spline": (
        lambda: SplineBasis(5, 80.0),
        [[0.5, -1.0, 0.3, 0.2], [-0.4, 0.8, 0.1, -0.3]],
    ),
    "softplus-stacked": (
        lambda: StackedTerms(
            as_covariates({"truce": [(20.0, 50.0)]}), SplineBasis(5, 80.0)
        ),
        [[-0.5, 0.5, -1.0, 0.3, 0.2], [0.3, -0.4, 0.8, 0.1, -0.3]],
    ),
    "relu-stacked": (
        lambda: StackedTerms(
            as_covariates({"truce": [(20.0, 50.0)]}), SplineBasis(5, 80.0)
        ),
        [[-0.5, 0.5, -1.0, 0.3, 0.2], [0.3, -0.4, 0.8, 0.1, -0.3]],
    ),
    "relu-spline": (
        lambda: SplineBasis(5, 80.0),
        [[0.5, -1.0, 0.3, 0.2], [-0.4, 0.8, 0.1, -0.3]],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_loglik_matches_quadrature_and_gradient(case):
    link = case.split("-")[0]
    make, gamma = CASES[case]
    cov, gamma = make(), np.array(gamma)
    arrays = _simulate(cov, MU, gamma, INHIB, link, 80.0, seed=1)
    times, marks = merge_events(arrays)
    des = NonlinearDesign.build(cov, 1, 80.0)
    p = gamma.shape[1]
    x = np.concatenate([MU, INHIB.ravel(), gamma.ravel(), [BETA]])

    def f(v, grad=False):
        return des.run(
            times,
            marks,
            80.0,
            v[:2].copy(),
            v[2:6].reshape(2, 2).copy(),
            v[6 : 6 + 2 * p].reshape(2, p).copy(),
            v[-1],
            link,
            grad,
        )[:2]

    ll, g = f(x, True)
    expected = _reference_loglik(times, marks, 80.0, MU, INHIB, gamma, BETA, cov, link)
    # Step covariates and relu use exact interval rules; softplus' spline
    # panels are Gauss-Legendre, measured at 1e-11 relative per interval.
    exact = "exog" in case or link == "relu"
    assert ll == pytest.approx(expected, rel=1e-9 if exact else 1e-8)
    num = np.array([(f(x + h)[0] - f(x - h)[0]) / 2e-6 for h in np.eye(x.size) * 1e-6])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)
    if link == "relu":
        # The truce drives node 0's predictor below the floor somewhere, so
        # the crossing branch of the relu compensator is exercised.
        grid = np.linspace(0.0, 80.0, 2001)
        pred0 = [
            ref.predictor(times, marks, MU, INHIB, BETA, s)[0]
            + gamma[0] @ cov.at(np.array([s]))[0]
            for s in grid
        ]
        assert min(pred0) < 0


def test_cubic_interval_matches_quad():
    # One sub-interval of a spline piece with a steep cubic, long gaps and
    # large excitations of both signs: value and gradient integrals against
    # adaptive quadrature, 1e-8 relative (measured worst: 2e-11 for the
    # compensator, 1e-9 for the decay derivative).
    basis = SplineBasis(6, 100.0)
    brk, poly, max_len = piece_polynomials(basis, 100.0)
    mu = np.array([0.3, -1.0])
    gamma = np.array([[2.5, -3.0, 1.0, 3.0, -2.0], [-1.0, 2.0, 3.0, -2.5, 1.5]])
    t0 = brk[1] + 1.0
    sig = stats.logistic.cdf
    for a0 in [-40.0, 0.5, 25.0]:
        for beta in [0.3, 20.0]:
            for h in [0.7, 30.0]:
                a = np.array([a0, -0.6 * a0])
                da = np.array([0.7, -0.2])
                res = np.zeros((2, 9))
                _interval_cubic_softplus(
                    mu,
                    gamma,
                    poly,
                    brk,
                    1,
                    t0,
                    h,
                    a,
                    da,
                    beta,
                    max_len,
                    np.zeros(5),
                    res,
                )
                for i in range(2):

                    def eta(u, i=i, a=a, beta=beta):
                        base = mu[i] + basis.at(np.array([t0 + u]))[0] @ gamma[i]
                        return base + a[i] * np.exp(-beta * u)

                    def quad(fn, h=h):
                        return integrate.quad(
                            fn, 0.0, h, epsabs=1e-14, epsrel=1e-13, limit=500
                        )[0]

                    lam = quad(lambda u, eta=eta: ref.softplus(eta(u)))
                    assert res[i, 0] == pytest.approx(lam, rel=1e-8)
                    dbeta = quad(
                        lambda u, eta=eta, i=i, a=a, da=da, beta=beta: (
                            sig(eta(u)) * np.exp(-beta * u) * (da[i] - a[i] * u)
                        )
                    )
                    assert res[i, 3] == pytest.approx(dbeta, rel=1e-8, abs=1e-12)
                    dgam = quad(
                        lambda u, eta=eta: (
                            sig(eta(u)) * basis.at(np.array([t0 + u]))[0, 2]
                        )
                    )
                    assert res[i, 6] == pytest.approx(dgam, rel=1e-8, abs=1e-12)


def test_baseline_bounds_cover_the_baseline():
    cov = StackedTerms(as_covariates({"truce": [(20.0, 50.0)]}), SplineBasis(6, 80.0))
    gamma = np.array([[-0.5, 2.0, -1.0, 0.3, 1.2, -0.8], [0.3, -0.4, 0.8, 0.1, -2, 1]])
    des = NonlinearDesign.build(cov, 1, 80.0)
    cmax = des.baseline_bounds(MU, gamma, 100.0)
    # Pieces are half-open, so the supremum may sit at a piece's right end:
    # the grid approaches every break from the left.
    grid = np.sort(np.r_[np.linspace(0.0, 100.0, 20001), des.brk[1:] - 1e-9])
    c = MU[None, :] + cov.at(grid) @ gamma.T
    piece = np.searchsorted(des.brk, grid, "right") - 1
    for m in range(des.brk.size):
        top = c[piece == m].max(axis=0)
        assert np.all(cmax[m] >= top)
        np.testing.assert_allclose(cmax[m], top, atol=1e-5)  # grid step^2


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_thinning_follows_the_covariate(link):
    # Without excitation the process is Poisson with rate phi(mu + gamma x):
    # counts inside and outside the truce within 4 Poisson SDs.
    cov = as_covariates({"truce": [(1000.0, 2500.0)]})
    gamma = np.array([[-0.4], [0.3]])
    arrays = _simulate(cov, MU, gamma, np.zeros((2, 2)), link, 4000.0, seed=2)
    phi = _phi(link)
    for i, a in enumerate(arrays):
        inside = ((a >= 1000.0) & (a < 2500.0)).sum()
        for n, rate in [
            (inside, phi(MU[i] + gamma[i, 0]) * 1500.0),
            (a.size - inside, phi(MU[i]) * 2500.0),
        ]:
            assert abs(n - rate) < 4 * np.sqrt(rate), (i, n, rate)
    # With excitation and inhibition, the compensator at the true parameters
    # rescales simulated times to a unit-rate Poisson process.
    arrays = _simulate(cov, MU, gamma, INHIB, link, 4000.0, seed=3)
    times, marks = merge_events(arrays)
    des = NonlinearDesign.build(cov, 1, 4000.0)
    _, _, cum = des.run(times, marks, 4000.0, MU, INHIB, gamma, BETA, link, False, True)
    for i in range(2):
        gaps = np.diff(np.concatenate([[0.0], cum[marks == i]]))
        assert stats.kstest(gaps, "expon").pvalue > 0.01


def _recovery(model, arrays, end, truth, exog=None):
    model.fit(arrays, end_time=end, nodes=["strike", "attack"], exog=exog)
    ref.assert_in_confidence_region(model.results_, truth)
    est = model.results_.params.to_numpy()
    return est, np.abs(est - truth) / np.abs(truth)


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_recovery_inhibition_with_truce(link):
    end = 30000.0
    exog = {"truce": [(0.25 * end, 0.6 * end)]}
    gamma = np.array([[-0.4], [0.3]])
    arrays = _simulate(as_covariates(exog), MU, gamma, INHIB, link, end, seed=1)
    truth = np.concatenate([MU, INHIB.ravel(), gamma.ravel(), [BETA]])
    model = ExpHawkes(link=link, rng=0)
    _, rel = _recovery(model, arrays, end, truth, exog)
    # Stated bound 20% on every parameter: the largest relative standard
    # error is about 7% (softplus: mu[attack] and gamma[attack,truce]).
    assert rel.max() < 0.2, rel
    assert model.adjacency_[0, 1] < 0 and model.exog_coef_[0, 0] < 0
    assert model.results_.params.index[6] == "gamma[strike,truce]"
    assert model.lr_test("strike", "attack").p_value < 1e-6
    assert model.score(arrays, end_time=end) == pytest.approx(
        model.results_.log_likelihood, rel=1e-12
    )
    ks = model.residuals().ks_test()
    assert (ks["p_value"] > 0.01).all(), ks
    # The predictor is continuous across the truce start except for gamma,
    # so the intensity jumps from phi(eta) to phi(eta + gamma).
    t_in = exog["truce"][0][0]
    lam = model.predict_intensity([t_in - 1e-9, t_in + 1e-9]).to_numpy()
    before = lam[0] if link == "relu" else np.log(np.expm1(lam[0]))
    after = _phi(link)(before + model.exog_coef_[:, 0])
    np.testing.assert_allclose(lam[1], after, rtol=1e-6)
    # The fitted simulator follows the truce: fewer strikes inside it.
    sim = model.simulator(end_time=10000.0, rng=1).run_arrays()[0]
    inside = ((sim >= 7500) & (sim < 10000)).sum() / 2500
    outside = (sim < 7500).sum() / 7500
    assert inside < 0.85 * outside


def test_cubic_interval_huge_excitation():
    # |a| = 1e4 (an optimiser's wild trial point): the panels grow with the
    # excursion instead of one per unit change, and stay accurate.
    basis = SplineBasis(6, 100.0)
    brk, poly, max_len = piece_polynomials(basis, 100.0)
    mu = np.array([0.3, -1.0])
    gamma = np.array([[2.5, -3.0, 1.0, 3.0, -2.0], [-1.0, 2.0, 3.0, -2.5, 1.5]])
    t0, h, beta = brk[1] + 1.0, 20.0, 2.0
    for a0 in [-1e4, 1e4]:
        a = np.array([a0, -0.6 * a0])
        res = np.zeros((2, 9))
        _interval_cubic_softplus(
            mu,
            gamma,
            poly,
            brk,
            1,
            t0,
            h,
            a,
            np.zeros(2),
            beta,
            max_len,
            np.zeros(5),
            res,
        )
        for i in range(2):

            def lam(u, i=i, a=a):
                base = mu[i] + basis.at(np.array([t0 + u]))[0] @ gamma[i]
                return ref.softplus(base + a[i] * np.exp(-beta * u))

            expected = integrate.quad(
                lam,
                0.0,
                h,
                epsabs=1e-14,
                epsrel=1e-13,
                limit=1000,
                points=[0.5, 1.0, 2.0, 4.0, 6.0],
            )[0]
            assert res[i, 0] == pytest.approx(expected, rel=1e-8)


def test_cubic_relu_finds_every_crossing():
    # Predictor (u - 1)(u - 2.5)(u - 4) + a e^{-beta u} with a small a: three
    # floor crossings (and a near-tangency case with a shifted cubic), all
    # found; the compensator matches quadrature split at the crossings.
    floor = 1e-8
    for c, a, beta, n_cross in [
        (np.array([-10.0, 16.5, -7.5, 1.0]), 0.3, 2.0, 3),
        (np.array([-10.0, 16.5, -7.5, 1.0]), -2.0, 0.7, 3),
        (np.array([2.0, -3.0, 1.0, 0.0]) * 4.0, 0.0, 1.0, 2),
        (np.array([-1.0, 0.0, 0.0, 0.0]), 3.0, 1.5, 1),
    ]:
        spans = np.empty((4, 2))
        n_sp = _relu_spans(
            c.copy(), 3, np.array([a]), np.array([beta]), np.zeros(1, np.int64), 5.0,
            floor, spans, np.zeros((6, 6)), np.zeros((2, 2)),
        )  # fmt: skip

        def f(u, c=c, a=a, beta=beta):
            return c[0] + c[1] * u + c[2] * u**2 + c[3] * u**3 + a * np.exp(-beta * u)

        grid = np.linspace(0.0, 5.0, 100001)
        above = f(grid) > floor
        assert np.count_nonzero(above[1:] != above[:-1]) == n_cross
        inside = np.zeros(grid.size, dtype=bool)
        for u0, u1 in spans[:n_sp]:
            inside |= (grid > u0) & (grid < u1)
            assert abs(f(u0) - floor) < 1e-9 or u0 == 0.0
            assert abs(f(u1) - floor) < 1e-9 or u1 == 5.0
        assert np.array_equal(inside[1:-1], above[1:-1])


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_recovery_spline(link):
    end = 30000.0
    basis = SplineBasis(6, end)
    mu = np.array([0.2, -0.3]) if link == "softplus" else np.array([0.6, 0.4])
    gamma = np.array([[0.8, 1.2, -0.5, 0.3, 0.6], [0.5, -0.4, 0.9, 0.2, 0.1]])
    if link == "relu":
        gamma = 0.5 * gamma
    arrays = _simulate(basis, mu, gamma, INHIB, link, end, seed=0)
    truth = np.concatenate([mu, INHIB.ravel(), gamma.ravel(), [BETA]])
    model = ExpHawkes(link=link, baseline_spline_df=6, n_starts=1, rng=0)
    est, rel = _recovery(model, arrays, end, truth)
    # Stated bounds: alpha and decay within 10% (largest relative SE 6%,
    # alpha[attack<-attack]); mu and the spline coefficients within 0.3
    # absolute (softplus SEs 0.05 to 0.11; relu's are smaller).
    core = np.r_[2:6, truth.size - 1]
    assert rel[core].max() < 0.1, rel[core]
    rest = np.r_[0:2, 6 : truth.size - 1]
    assert np.abs(est[rest] - truth[rest]).max() < 0.3
    assert "spline[attack,5]" in model.results_.params.index
    ks = model.residuals().ks_test()
    assert (ks["p_value"] > 0.01).all(), ks
    n_obs = np.array([a.size for a in arrays])
    n_sim = np.array([a.size for a in model.simulator(rng=3).run_arrays()])
    assert np.all(np.abs(n_sim - n_obs) < 0.1 * n_obs)
