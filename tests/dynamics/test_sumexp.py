"""SumExpHawkes: likelihood against plain numpy, recovery, LR test."""

from __future__ import annotations

import dataclasses

import _hawkes_reference as ref
import numpy as np
import pytest

from titfortat.dynamics import SumExpHawkes
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._sumexp import _SumExpSimulator

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
    arrays = _SumExpSimulator(MU, ADJ, DECAYS, end_time=200.0, rng=0).run_arrays()
    model = SumExpHawkes(decays=DECAYS).fit(arrays, end_time=200.0)
    times, marks = merge_events(arrays)
    expected = _plain_loglik(
        times, marks, 200.0, model.baseline_, model.adjacency_, DECAYS
    )
    assert model.results_.log_likelihood == pytest.approx(expected, rel=1e-9)
    assert model.score(arrays, end_time=200.0) == pytest.approx(expected, rel=1e-9)


def test_recovery_sum_of_exponentials():
    arrays = _SumExpSimulator(MU, ADJ, DECAYS, end_time=40000.0, rng=3).run_arrays()
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
