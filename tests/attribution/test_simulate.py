"""The banner simulator: labelled simulated, halts honoured, Bayes posterior sane."""

from __future__ import annotations

import numpy as np

from titfortat.attribution import BannerAttackSimulator


def test_simulator_output():
    sim = BannerAttackSimulator(n_events=1500, banner_share=0.5, rng=7).run()
    ev = sim.events
    assert sim.label == "simulated"
    assert (ev["source"] == "simulated").all()
    # kh halts on 2024-01-30: no kh attack afterwards, and zero Bayes mass
    late = ev["date"] > "2024-01-30"
    assert not (sim.truth[late] == "kh").any()
    assert (sim.bayes_proba.loc[late, "kh"] == 0).all()
    assert (sim.truth[~late] == "kh").any()
    # banner share near its value (binomial sd ~ 0.013)
    assert abs((ev["actor_id"] == sim.banner_id).mean() - 0.5) < 0.05
    own = ev["actor_id"] != sim.banner_id
    assert (ev.loc[own, "actor_id"] == sim.truth[own]).all()
    assert np.allclose(sim.bayes_proba.sum(axis=1), 1.0)
    # the Bayes posterior beats the base rates by a wide margin
    classes = list(sim.bayes_proba.columns)
    y = np.array([classes.index(t) for t in sim.truth])
    top1 = (sim.bayes_proba.to_numpy().argmax(axis=1) == y).mean()
    base = sim.truth.value_counts(normalize=True).max()
    assert top1 > base + 0.2


def test_same_seed_same_events():
    a = BannerAttackSimulator(n_events=100, rng=1).run().events
    b = BannerAttackSimulator(n_events=100, rng=1).run().events
    assert a.equals(b)
