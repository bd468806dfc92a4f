"""SumExpHawkes: likelihood against plain numpy, recovery, LR test."""

from __future__ import annotations

import dataclasses

import _hawkes_reference as ref
import numpy as np
import pytest

from titfortat.dynamics import HawkesSimulator, SumExpHawkes
from titfortat.dynamics._events import merge_events

MU = np.array([0.3, 0.2])
DECAYS = np.array([0.2, 3.0])
# adjacency[i, j, u]: slow and fast components
ADJ = np.array(
    [
        [[0.15, 0.15], [0.0, 0.2]],
        [[0.25, 0.1], [0.1, 0.05]],
    ]
)


def _plain_loglik(times, marks, end, mu, adj, decays):
    ll = 0.0
    for t, i in zip(times, marks, strict=True):
        past = times < t
        dt = t - times[past]
        k = (adj[i][marks[past]] * decays * np.exp(-np.outer(dt, decays))).sum()
        ll += np.log(mu[i] + k)
    comp = mu.sum() * end
    for t, j in zip(times, marks, strict=True):
        comp += (adj[:, j, :] * (1 - np.exp(-decays * (end - t)))).sum()
    return ll - comp


def test_score_matches_plain_numpy():
    arrays = HawkesSimulator(MU, ADJ, DECAYS, end_time=200.0, rng=0).run_arrays()
    model = SumExpHawkes(decays=DECAYS).fit(arrays, end_time=200.0)
    times, marks = merge_events(arrays)
    expected = _plain_loglik(
        times, marks, 200.0, model.baseline_, model.adjacency_, DECAYS
    )
    assert model.results_.log_likelihood == pytest.approx(expected, rel=1e-9)
    assert model.score(arrays, end_time=200.0) == pytest.approx(expected, rel=1e-9)


def test_recovery_sum_of_exponentials():
    arrays = HawkesSimulator(MU, ADJ, DECAYS, end_time=40000.0, rng=3).run_arrays()
    model = SumExpHawkes(decays=DECAYS).fit(arrays, nodes=["strike", "attack"])
    truth = np.concatenate([MU, ADJ.ravel()])
    nz = truth != 0
    sub = dataclasses.replace(
        model.results_,
        params=model.results_.params[nz],
        cov_params=model.results_.cov_params.loc[nz, nz],
    )
    ref.assert_in_confidence_region(sub, truth[nz])
    # Stated bound: branching matrix (sum over components) within 15%.
    est_b = model.adjacency_.sum(axis=2)
    true_b = ADJ.sum(axis=2)
    rel = np.abs(est_b - true_b) / true_b
    assert rel.max() < 0.15, rel
    assert np.max(np.abs(model.baseline_ - MU) / MU) < 0.15
    lr = model.lr_test("strike", "attack")
    assert lr.df == 2 and lr.p_value < 1e-6
    br = model.branching_matrix().summary_frame()
    assert (
        br.loc["attack<-strike", "ci_lower"]
        < 0.35
        < br.loc["attack<-strike", "ci_upper"]
    )


def test_bad_decays():
    with pytest.raises(ValueError, match="'decays' parameter of SumExpHawkes"):
        SumExpHawkes(decays=[1.0, -2.0]).fit([np.array([1.0, 2.0])])


# Learned decays (issue 4): all cross effects non-zero so every parameter is
# interior and the joint Wald region applies to all of them.
ADJ_L = np.array(
    [
        [[0.15, 0.15], [0.1, 0.2]],
        [[0.25, 0.1], [0.1, 0.05]],
    ]
)


def test_learned_loglik_and_gradient_against_reference():
    from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_loglik_grad

    arrays = HawkesSimulator(MU, ADJ_L, DECAYS, end_time=150.0, rng=1).run_arrays()
    times, marks = merge_events(arrays)
    x = np.concatenate([MU, ADJ_L.ravel(), DECAYS])
    ll, grad = sumexp_loglik_grad(x, times, marks, 150.0, 2, 2)
    assert ll == pytest.approx(
        _plain_loglik(times, marks, 150.0, MU, ADJ_L, DECAYS), rel=1e-10
    )
    fd = np.empty(x.size)
    for p in range(x.size):
        h = 1e-6 * max(abs(x[p]), 1.0)
        e = np.zeros(x.size)
        e[p] = h
        up = sumexp_loglik_grad(x + e, times, marks, 150.0, 2, 2)[0]
        down = sumexp_loglik_grad(x - e, times, marks, 150.0, 2, 2)[0]
        fd[p] = (up - down) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-5)
    # With one component the kernel is ExpHawkes' and so is its reference.
    x1 = np.concatenate([MU, ADJ_L.sum(axis=2).ravel(), [0.7]])
    ll1, _ = sumexp_loglik_grad(x1, times, marks, 150.0, 2, 1)
    expected = ref.loglik_identity(times, marks, 150.0, MU, ADJ_L.sum(axis=2), 0.7)
    assert ll1 == pytest.approx(expected, rel=1e-10)


def test_learned_decays_recovery():
    arrays = HawkesSimulator(MU, ADJ_L, DECAYS, end_time=40000.0, rng=3).run_arrays()
    model = SumExpHawkes(decays=[2.0, 0.5], learn_decays=True).fit(
        arrays, nodes=["strike", "attack"]
    )
    assert model.converged_
    params = model.results_.params
    assert list(params.index[-2:]) == ["decay[0]", "decay[1]"]
    assert params.size == 2 + 8 + 2
    assert np.all(np.isfinite(model.results_.std_err))
    assert model.decays_[0] < model.decays_[1]  # ordered for identifiability
    truth = np.concatenate([MU, ADJ_L.ravel(), DECAYS])
    ref.assert_in_confidence_region(model.results_, truth)
    # The fitted log-likelihood is the plain-numpy one at the estimates.
    assert model.score(arrays) == pytest.approx(model.results_.log_likelihood, rel=1e-9)
    # Stated bounds at ~46,000 events: decays within 15%, baselines within 15%,
    # branching matrix (sum over components) within 20%.
    assert np.max(np.abs(model.decays_ - DECAYS) / DECAYS) < 0.15
    assert np.max(np.abs(model.baseline_ - MU) / MU) < 0.15
    true_b = ADJ_L.sum(axis=2)
    assert np.max(np.abs(model.adjacency_.sum(axis=2) - true_b) / true_b) < 0.2
    lr = model.lr_test("strike", "attack")
    assert lr.df == 2 and lr.p_value < 1e-6
    sim = model.simulator(end_time=500.0, rng=0).run_arrays()
    assert len(sim) == 2 and all(a.size > 0 for a in sim)


def test_learned_decays_need_distinct_starts():
    with pytest.raises(ValueError, match="distinct"):
        SumExpHawkes(decays=[1.0, 1.0], learn_decays=True).fit(
            [np.array([1.0, 2.0, 3.0])]
        )


def test_learned_decays_multistart():
    arrays = HawkesSimulator(MU, ADJ_L, DECAYS, end_time=4000.0, rng=8).run_arrays()
    # Starting decays far on the fast side; the other starts are log-spaced
    # grids drawn from rng.
    model = SumExpHawkes(decays=[20.0, 50.0], learn_decays=True, n_starts=3, rng=1)
    model.fit(arrays)
    info = model.results_.optimizer_info
    assert info["n_starts"] == 3 and len(info["start_decays"]) == 3
    assert info["n_converged"] == 3
    # On this well-identified model every start reaches the same maximum.
    assert info["starts_agree"] and info["n_agree"] == 3
    assert model.results_.log_likelihood == max(info["start_log_likelihoods"])
    assert np.max(np.abs(model.decays_ - DECAYS) / DECAYS) < 0.3
    # Deterministic through rng.
    again = SumExpHawkes(decays=[20.0, 50.0], learn_decays=True, n_starts=3, rng=1)
    np.testing.assert_array_equal(
        again.fit(arrays).results_.params, model.results_.params
    )
    # The alternative starts differ from the user's decays and between seeds.
    rng_a = np.random.default_rng(1)
    rng_b = np.random.default_rng(2)
    from titfortat.dynamics.hawkes._sumexp_fit import decay_starts

    sa = decay_starts(np.array([50.0, 20.0]), 3, rng_a)
    sb = decay_starts(np.array([50.0, 20.0]), 3, rng_b)
    np.testing.assert_array_equal(sa[0], [20.0, 50.0])
    assert not np.allclose(sa[1], sb[1])
    assert all(np.all(np.diff(s) > 0) for s in sa)


def test_analytic_hessian_matches_differenced_gradient():
    from titfortat.dynamics.hawkes._loglik_sumexp import (
        sumexp_hessian,
        sumexp_loglik_grad,
    )

    arrays = HawkesSimulator(MU, ADJ_L, DECAYS, end_time=300.0, rng=1).run_arrays()
    times, marks = merge_events(arrays)
    # Tied times: the states count strictly earlier events only.
    times = np.concatenate([times, times[:3]])
    marks = np.concatenate([marks, marks[:3]])
    order = np.argsort(times, kind="stable")
    times, marks = times[order], marks[order]
    x = np.concatenate([MU, ADJ_L.ravel(), DECAYS])
    h = sumexp_hessian(x, times, marks, 300.0, 2, 2)
    num = np.array(
        [
            (
                sumexp_loglik_grad(x + e, times, marks, 300.0, 2, 2)[1]
                - sumexp_loglik_grad(x - e, times, marks, 300.0, 2, 2)[1]
            )
            / 2e-6
            for e in np.eye(x.size) * 1e-6
        ]
    )
    np.testing.assert_allclose(h, num, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(h, h.T)
