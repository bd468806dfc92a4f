"""SumExpHawkes with the softplus and relu links: inhibition (alpha < 0)."""

from __future__ import annotations

import warnings

import _hawkes_reference as ref
import numpy as np
import pytest
from scipy import integrate, optimize

from titfortat.dynamics import HawkesSimulator, SumExpHawkes
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._gaps_nonlinear import (
    _gap_tables,
    _relu_gap,
    _softplus_gap,
)
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    sumexp_compensator_at_events,
    sumexp_nonlinear_loglik_grad,
)

MU = np.array([0.5, 0.3])
DECAYS = np.array([0.3, 3.0])
# adjacency[i, j, u]: node 1 inhibits node 0 through both components.
ADJ = np.array(
    [
        [[0.2, 0.2], [-0.4, -0.3]],
        [[0.3, 0.2], [0.1, 0.1]],
    ]
)
FLOOR = 1e-8


def _phi(x, link):
    return ref.softplus(x) if link == "softplus" else max(x, FLOOR)


def _predictor(times, marks, mu, adj, decays, t):
    past = times < t
    lag = t - times[past]
    kern = decays * np.exp(-np.outer(lag, decays))  # (n_past, U)
    return mu + np.einsum("iku,ku->i", adj[:, marks[past], :], kern)


def _compensator_quad(times, marks, end, mu, adj, decays, link, node):
    """Integral of one node's intensity over [0, end] by adaptive quadrature
    between events, with the relu kinks found by brentq on a fine grid and
    passed as break points."""
    knots = np.unique(np.concatenate([[0.0], times[times < end], [end]]))
    comp = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):

        def x(s):
            return _predictor(times, marks, mu, adj, decays, s)[node]

        cuts = [a, b]
        if link == "relu":
            grid = np.linspace(a, b, 200)
            v = np.array([x(s) - FLOOR for s in grid])
            for k in np.flatnonzero(np.sign(v[:-1]) * np.sign(v[1:]) < 0):
                cuts.append(
                    optimize.brentq(lambda s: x(s) - FLOOR, grid[k], grid[k + 1])
                )
        cuts = np.sort(cuts)
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            comp += integrate.quad(
                lambda s: _phi(x(s), link), lo, hi, epsabs=1e-13, epsrel=1e-12
            )[0]
    return comp


def _loglik_quad(times, marks, end, mu, adj, decays, link):
    """Independent O(N^2) log-likelihood (compensator by quadrature)."""
    ll = sum(
        np.log(_phi(_predictor(times, marks, mu, adj, decays, t)[i], link))
        for t, i in zip(times, marks, strict=True)
    )
    return ll - sum(
        _compensator_quad(times, marks, end, mu, adj, decays, link, i)
        for i in range(mu.size)
    )


def _interval_reference(mu, a, beta, dt, link):
    """Compensator, d/dmu, J_u and K_u of one gap by scipy quad."""

    def x(s):
        return mu + (a * np.exp(-beta * s)).sum()

    grid = np.unique(
        np.concatenate([np.linspace(0, dt, 2001), np.geomspace(1e-9, dt, 2001)])
    )
    v = np.array([x(s) - FLOOR for s in grid])
    roots = [
        optimize.brentq(lambda s: x(s) - FLOOR, grid[k], grid[k + 1], xtol=1e-15)
        for k in np.flatnonzero(np.sign(v[:-1]) * np.sign(v[1:]) < 0)
    ]
    cuts = np.unique(np.concatenate([[0.0, dt], np.geomspace(1e-4, dt, 30), roots]))
    cuts = cuts[cuts <= dt]
    if link == "softplus":

        def dphi(s):
            return 1.0 / (1.0 + np.exp(-x(s)))
    else:

        def dphi(s):
            return float(x(s) > FLOOR)

    def q(f):
        return sum(
            integrate.quad(f, lo, hi, epsabs=0.0, epsrel=1e-13, limit=200)[0]
            for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)
        )

    lam = q(lambda s: _phi(x(s), link))
    dmu = q(dphi)
    jj = np.array(
        [q(lambda s, c=c: dphi(s) * np.exp(-beta[c] * s)) for c in range(a.size)]
    )
    kk = np.array(
        [q(lambda s, c=c: dphi(s) * s * np.exp(-beta[c] * s)) for c in range(a.size)]
    )
    return lam, dmu, jj, kk, len(roots)


# Gaps with one and two zero crossings (a slow inhibition outlasting a fast
# excitation, and the reverse), long gaps (softplus panels), three decays,
# and random draws.
_GAPS = [
    (0.2, [-1.5, 4.0], [0.2, 5.0], 30.0),
    (0.4, [2.0, -6.0], [0.1, 2.0], 50.0),
    (-0.5, [-2.0, 6.0, 1.0], [0.05, 1.0, 20.0], 200.0),
    (1.0, [-8.0, 0.5], [0.15, 4.0], 80.0),
    (0.3, [25.0, -40.0], [0.5, 30.0], 3.0),
]
_rng = np.random.default_rng(11)
for _ in range(25):
    _u = int(_rng.integers(1, 4))
    _GAPS.append(
        (
            float(abs(_rng.normal(0.3, 0.8))),
            list(_rng.normal(0, 1, _u) * np.exp(_rng.uniform(-1, 3, _u))),
            list(np.exp(_rng.uniform(np.log(0.05), np.log(30), _u))),
            float(np.exp(_rng.uniform(np.log(1e-3), np.log(300)))),
        )
    )


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_gap_integrals_match_quad(link):
    n_roots = []
    n_short = 0
    for mu, a, beta, dt in _GAPS:
        a, beta = np.array(a), np.array(beta)
        u = a.size
        jj, kk = np.zeros(u), np.zeros(u)
        edt, evq = np.zeros(u), np.zeros((8, u))
        short = _gap_tables(beta, dt, LINK_CODES[link], edt, evq)
        n_short += short
        cp, mom = np.array([mu, 0.0, 0.0, 0.0]), np.zeros(4)
        if link == "relu":
            lam = _relu_gap(
                cp, 0, 1, a, beta, np.argsort(beta), dt, edt, mom, jj, kk,
                np.zeros((u + 4, 2)), np.zeros((6, u + 5)), np.zeros((u + 1, u + 1)),
            )  # fmt: skip
        else:
            lam = _softplus_gap(
                cp, 0, 1, a, beta, dt, np.inf, edt, evq, short, mom, jj, kk,
                np.zeros(u),
            )  # fmt: skip
        dmu = mom[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            r_lam, r_dmu, r_j, r_k, nr = _interval_reference(mu, a, beta, dt, link)
        n_roots.append(nr)
        assert lam == pytest.approx(r_lam, rel=1e-8), (mu, a, beta, dt)
        assert dmu == pytest.approx(r_dmu, rel=1e-8, abs=1e-12 * dt)
        np.testing.assert_allclose(jj, r_j, rtol=1e-8, atol=1e-12 / beta.min())
        np.testing.assert_allclose(kk, r_k, rtol=1e-8, atol=1e-12 / beta.min() ** 2)
    # The non-monotone predictor crosses the floor twice in some gaps.
    assert max(n_roots) == 2
    # Softplus: both the shared one-panel rule and the general panels ran.
    if link == "softplus":
        assert 0 < n_short < len(_GAPS)


# Gaps with a cubic baseline (a spline piece) and two or three decays: the
# general rules at their largest degree. A cubic with three floor crossings
# under a small excitation, the same cubic under large excitations of both
# signs, and random draws.
_CUBIC = [
    ([-10.0, 16.5, -7.5, 1.0], [0.3, -0.5], [2.0, 0.4], 5.0),
    ([-10.0, 16.5, -7.5, 1.0], [-6.0, 9.0, 2.0], [0.1, 1.5, 25.0], 5.0),
    ([0.5, -0.2, 0.01, 0.0], [30.0, -45.0], [0.3, 4.0], 20.0),
]
for _ in range(12):
    _u = int(_rng.integers(2, 4))
    _h = float(np.exp(_rng.uniform(np.log(0.05), np.log(30))))
    _CUBIC.append(
        (
            list(_rng.normal(0, 1, 4) / np.array([1.0, _h, _h**2, _h**3])),
            list(_rng.normal(0, 1, _u) * np.exp(_rng.uniform(-1, 3, _u))),
            list(np.exp(_rng.uniform(np.log(0.05), np.log(30), _u))),
            _h,
        )
    )


def _cubic_reference(cp, a, beta, h, link):
    """Lambda, M_r, J_u and K_u of one gap by scipy quad, split at the floor
    crossings (located on a grid, then by brentq) under relu."""

    def x(s):
        return np.polyval(cp[::-1], s) + np.sum(a * np.exp(-beta * s))

    if link == "relu":

        def phi(s):
            return max(x(s), FLOOR)

        def dphi(s):
            return float(x(s) > FLOOR)
    else:

        def phi(s):
            return ref.softplus(x(s))

        def dphi(s):
            return 1.0 / (1.0 + np.exp(-x(s)))

    grid = np.linspace(0.0, h, 4001)
    v = np.array([x(s) for s in grid]) - FLOOR
    pts = [0.0, h]
    for k in np.flatnonzero(np.sign(v[:-1]) != np.sign(v[1:])):
        pts.append(optimize.brentq(lambda s: x(s) - FLOOR, grid[k], grid[k + 1]))
    pts = np.sort(pts)

    def q(f):
        return sum(
            integrate.quad(f, lo, hi, epsabs=1e-15, epsrel=1e-13, limit=400)[0]
            for lo, hi in zip(pts[:-1], pts[1:], strict=True)
        )

    lam = q(phi)
    mom = [q(lambda s, r=r: dphi(s) * s**r) for r in range(4)]
    jj = [q(lambda s, c=c: dphi(s) * np.exp(-beta[c] * s)) for c in range(a.size)]
    kk = [q(lambda s, c=c: dphi(s) * s * np.exp(-beta[c] * s)) for c in range(a.size)]
    return lam, np.array(mom), np.array(jj), np.array(kk), len(pts) - 2


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_cubic_gap_integrals_match_quad(link):
    n_cross = []
    for cp, a, beta, h in _CUBIC:
        cp, a, beta = np.array(cp), np.array(a), np.array(beta)
        u = a.size
        jj, kk, mom = np.zeros(u), np.zeros(u), np.zeros(4)
        edt, evq = np.zeros(u), np.zeros((8, u))
        max_len = h / 8.0  # as for a spline whose knots are h apart
        short = _gap_tables(beta, h, LINK_CODES[link], edt, evq, max_len)
        if link == "relu":
            lam = _relu_gap(
                cp, 3, 4, a, beta, np.argsort(beta), h, edt, mom, jj, kk,
                np.zeros((u + 4, 2)), np.zeros((6, u + 5)), np.zeros((u + 1, u + 1)),
            )  # fmt: skip
        else:
            lam = _softplus_gap(
                cp, 3, 4, a, beta, h, max_len, edt, evq, short, mom, jj, kk,
                np.zeros(u),
            )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            r_lam, r_mom, r_j, r_k, nc = _cubic_reference(cp, a, beta, h, link)
        n_cross.append(nc)
        scale = np.array([h**r for r in range(1, 5)])  # int_0^h s^r ~ h^(r+1)
        assert lam == pytest.approx(r_lam, rel=1e-8), (cp, a, beta, h)
        np.testing.assert_array_less(
            np.abs(mom - r_mom), 1e-8 * np.abs(r_mom) + 1e-12 * scale
        )
        np.testing.assert_allclose(jj, r_j, rtol=1e-8, atol=1e-12 / beta.min())
        np.testing.assert_allclose(kk, r_k, rtol=1e-8, atol=1e-12 / beta.min() ** 2)
    # The cubic crosses the floor three times in the first gaps.
    assert max(n_cross) >= 3


def _sample(link, seed, end):
    arrays = HawkesSimulator(
        MU, ADJ, DECAYS, end_time=end, link=link, rng=seed
    ).run_arrays()
    return arrays, *merge_events(arrays)


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_loglik_against_quadrature_and_gradient(link):
    _, times, marks = _sample(link, 0, 40.0)
    # Ties exercise the "strictly before" convention.
    times = np.concatenate([times, times[:2]])
    marks = np.concatenate([marks, marks[:2]])
    order = np.argsort(times, kind="stable")
    times, marks = times[order], marks[order]
    x = np.concatenate([MU, ADJ.ravel(), DECAYS])
    ll, g = sumexp_nonlinear_loglik_grad(
        x, times, marks, 40.0, 2, 2, LINK_CODES[link], True
    )
    expected = _loglik_quad(times, marks, 40.0, MU, ADJ, DECAYS, link)
    assert ll == pytest.approx(expected, rel=1e-9)
    # Node 0's predictor is driven negative by node 1's events.
    grid = np.linspace(0.0, 40.0, 2001)
    assert min(_predictor(times, marks, MU, ADJ, DECAYS, s)[0] for s in grid) < 0

    def f(v):
        return sumexp_nonlinear_loglik_grad(
            v, times, marks, 40.0, 2, 2, LINK_CODES[link], False
        )[0]

    num = np.array([(f(x + h) - f(x - h)) / 2e-6 for h in np.eye(x.size) * 1e-6])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)
    # Compensator at each event's own node, at node 0's last event.
    cum = sumexp_compensator_at_events(x, times, marks, 2, 2, LINK_CODES[link])
    k0 = np.flatnonzero(marks == 0)[-1]
    expected = _compensator_quad(times, marks, times[k0], MU, ADJ, DECAYS, link, 0)
    assert cum[k0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_blocked_information_matches_full_differencing(link):
    # Differencing every target row at once (rows=) gives the matrix that
    # differencing one parameter at a time gives.
    from titfortat.dynamics._optim import observed_information

    _, times, marks = _sample(link, 2, 200.0)
    x = np.concatenate([MU, ADJ.ravel(), DECAYS])

    def grad(v):
        return sumexp_nonlinear_loglik_grad(
            v, times, marks, 200.0, 2, 2, LINK_CODES[link], True
        )[1]

    lower = np.full(x.size, -np.inf)
    full = observed_information(grad, x, np.ones(x.size, bool), lower)
    rows = [np.r_[0, 2:6], np.r_[1, 6:10]]
    blocked = observed_information(grad, x, np.ones(x.size, bool), lower, rows)
    np.testing.assert_allclose(blocked, full, rtol=1e-6, atol=1e-6 * np.abs(full).max())
    # Fixed decays: the matrix over the free [mu, alpha] only.
    free = np.arange(x.size) < x.size - 2
    fixed = observed_information(grad, x, free, lower, rows)
    assert fixed.shape == (x.size - 2, x.size - 2)
    np.testing.assert_allclose(fixed, full[:-2, :-2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_rows_separate(link):
    # The fixed-decay fit optimises one target row at a time: the per-target
    # terms must add up to the full log-likelihood and gradient.
    _, times, marks = _sample(link, 3, 300.0)
    x = np.concatenate([MU, ADJ.ravel(), DECAYS])
    code = LINK_CODES[link]
    ll, g = sumexp_nonlinear_loglik_grad(x, times, marks, 300.0, 2, 2, code, True)
    parts = [
        sumexp_nonlinear_loglik_grad(x, times, marks, 300.0, 2, 2, code, True, i)
        for i in range(2)
    ]
    assert ll == pytest.approx(sum(p[0] for p in parts), rel=1e-12)
    np.testing.assert_allclose(g, parts[0][1] + parts[1][1], rtol=1e-12, atol=1e-12)
    # Row 0's terms do not depend on row 1's parameters.
    assert not parts[0][1][[1, 6, 7, 8, 9]].any()
    model = SumExpHawkes(decays=DECAYS, link=link, n_starts=1).fit(
        [times[marks == 0], times[marks == 1]], end_time=300.0
    )
    g_hat = model._loglik(model._x_all, times, marks, 300.0)[1][:-2]
    assert np.max(np.abs(g_hat)) / times.size < 1e-5


def test_relu_event_on_the_floor():
    # Node 0 fires right after a strongly inhibiting node-1 event: its
    # predictor is negative there, so the event contributes log(floor) and no
    # gradient; the compensator still matches the quadrature reference.
    times = np.array([1.0, 1.1, 3.0])
    marks = np.array([1, 0, 0])
    adj = ADJ.copy()
    adj[0, 1] = [-1.0, -2.0]
    assert _predictor(times, marks, MU, adj, DECAYS, 1.1)[0] < 0
    x = np.concatenate([MU, adj.ravel(), DECAYS])
    ll, g = sumexp_nonlinear_loglik_grad(x, times, marks, 4.0, 2, 2, 2, True)
    assert ll == pytest.approx(
        _loglik_quad(times, marks, 4.0, MU, adj, DECAYS, "relu"), rel=1e-10
    )
    assert ll < np.log(FLOOR)

    def f(v):
        return sumexp_nonlinear_loglik_grad(v, times, marks, 4.0, 2, 2, 2, False)[0]

    num = np.array([(f(x + h) - f(x - h)) / 2e-7 for h in np.eye(x.size) * 1e-7])
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("link", "end", "seed"), [("softplus", 5000.0, 5), ("relu", 6000.0, 5)]
)
def test_recovery_inhibitory_cross_effect(link, end, seed):
    arrays, _, _ = _sample(link, seed, end)
    model = SumExpHawkes(decays=DECAYS, link=link, n_starts=2, rng=0).fit(
        arrays, end_time=end, nodes=["strike", "attack"]
    )
    assert model.converged_
    truth = np.concatenate([MU, ADJ.ravel()])
    ref.assert_in_confidence_region(model.results_, truth)
    # Stated bounds: the total effect of each source on each target (sum over
    # the components) within 20%, the inhibitory one negative; baselines
    # within 20%. Measured: relu (5,400 events) total effects off by at most
    # 8.2% (SEs 4-16% of the truth), baselines 6% (SEs 4-7%); softplus (9,900
    # events) 9.3% (SEs 8-25%), baselines 15% (SEs 18-27%, so there the bound
    # is tighter than the SEs warrant and the joint region is the real check).
    total = model.adjacency_.sum(axis=2)
    true_total = ADJ.sum(axis=2)
    rel = np.abs(total - true_total) / np.abs(true_total)
    assert rel.max() < 0.2, rel
    assert np.all(model.adjacency_[0, 1] < 0)
    assert np.max(np.abs(model.baseline_ - MU) / MU) < 0.2
    info = model.results_.optimizer_info
    assert info["n_starts"] == 2 and info["n_converged"] == 2
    if link == "softplus":
        # Smooth likelihood: both starts reach the same maximum. (Under relu
        # an event pushed onto the floor has no gradient pulling it back, so
        # starts can stop at different local maxima; the best is kept.)
        assert info["starts_agree"]
    assert model.results_.log_likelihood == max(info["start_log_likelihoods"])
    lr = model.lr_test("strike", "attack")
    assert lr.df == 2 and not lr.boundary and lr.p_value < 1e-10
    lr_null = model.lr_test("attack", "attack")  # alpha = (0.1, 0.1)
    assert lr_null.statistic >= 0
    table = model.summary().table
    assert table.loc["alpha[strike<-attack;1]", "ci_upper"] < 0
    assert model.score(arrays, end_time=end) == pytest.approx(
        model.results_.log_likelihood, rel=1e-10
    )
    sim = model.simulator(end_time=200.0, rng=1).run_arrays()
    assert model.simulator(rng=1).link == link and all(a.size > 0 for a in sim)


@pytest.mark.parametrize(
    ("link", "end", "n_starts"), [("relu", 6000.0, 2), ("softplus", 5000.0, 1)]
)
def test_learned_decays_nonlinear(link, end, n_starts):
    arrays, _, _ = _sample(link, 7, end)
    model = SumExpHawkes(
        decays=[1.0, 5.0], link=link, learn_decays=True, n_starts=n_starts, rng=0
    ).fit(arrays, end_time=end)
    assert model.converged_
    assert model.decays_[0] < model.decays_[1]
    assert list(model.results_.params.index[-2:]) == ["decay[0]", "decay[1]"]
    assert np.all(np.isfinite(model.results_.std_err))
    truth = np.concatenate([MU, ADJ.ravel(), DECAYS])
    ref.assert_in_confidence_region(model.results_, truth)
    # Stated bound: a decay within 25% of the truth where its SE is about 12%
    # of it or less: both relu decays (5,200 events; SEs 12% and 7%, errors
    # 2.3% and 2.8%), softplus' fast decay only (9,600 events; SE 12%, error
    # 22%): softplus' slow decay has an SE of 43% of the truth here, so it is
    # held to the joint region above, not to a relative bound.
    rel = np.abs(model.decays_ - DECAYS) / DECAYS
    assert (rel.max() if link == "relu" else rel[1]) < 0.25, rel
    assert model.score(arrays, end_time=end) == pytest.approx(
        model.results_.log_likelihood, rel=1e-10
    )
    # The restricted fit re-learns the decays.
    assert model.lr_test(0, 1).p_value < 1e-10


def test_softplus_simulation_rate():
    # Without interaction the softplus process is Poisson with rate
    # softplus(mu): checks the thinning bound and acceptance.
    adj = np.zeros((2, 2, 2))
    arrays = HawkesSimulator(
        MU, adj, DECAYS, end_time=20000.0, link="softplus", rng=3
    ).run_arrays()
    rate = np.array([a.size for a in arrays]) / 20000.0
    np.testing.assert_allclose(rate, ref.softplus(MU), rtol=0.03)


def test_nonlinear_needs_distinct_decays():
    with pytest.raises(ValueError, match="distinct"):
        SumExpHawkes(decays=[1.0, 1.0], link="relu").fit([np.array([1.0, 2.0, 3.0])])
    with pytest.raises(ValueError, match="'link' parameter of SumExpHawkes"):
        SumExpHawkes(link="logit").fit([np.array([1.0, 2.0, 3.0])])
