"""Pooled classes (UCDP's ``other_groups``): a two-part mixture, own fit or new actor.

The generator below is the case the option is for: a labelled class that pools
many small groups whose membership turns over. Its early members have their
own habits; from mid-period on, new groups with the named factions' habits take
their place. The seed is fixed (0), declared before the results were seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from titfortat.attribution import BannerAttribution
from titfortat.exceptions import DataError

POOL = "other_groups"
START = pd.Timestamp("2020-01-01")
#: target-type probabilities over ("x", "y", "z", "w")
PROFILES = {
    "A": [0.7, 0.1, 0.1, 0.1],
    "B": [0.1, 0.7, 0.1, 0.1],
    "pool_early": [0.05, 0.05, 0.8, 0.1],
    "pool_late": [0.4, 0.4, 0.1, 0.1],
}


def _pool_events(seed: int = 0, n_days: int = 800, per_day: int = 3):
    rng = np.random.default_rng(seed)
    n = n_days * per_day
    day = np.repeat(np.arange(n_days), per_day)
    who = rng.choice(["A", "B", POOL], size=n, p=[0.4, 0.4, 0.2])
    key = np.where(
        who != POOL, who, np.where(day < n_days // 2, "pool_early", "pool_late")
    )
    u = rng.random(n)
    cdf = np.cumsum([PROFILES[k] for k in key], axis=1)
    target = np.array(["x", "y", "z", "w"])[(u[:, None] > cdf).sum(axis=1)]
    ev = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "date": START + pd.to_timedelta(day, "D"),
            "target_type": target,
            "actor_id": pd.Series(who, dtype="string"),
        }
    )
    allowed = pd.DataFrame(True, index=ev.index, columns=["A", "B", POOL])
    train = (ev["date"] < START + pd.Timedelta(days=640)).to_numpy()
    return ev, allowed, train


def _model(**kw) -> BannerAttribution:
    return BannerAttribution(
        categorical=("target_type",),
        spatial=False,
        other_prior=0.0,
        pooled_classes=(POOL,),
        **kw,
    )


@pytest.fixture(scope="module")
def pool_data():
    return _pool_events()


def test_new_actor_share_is_chosen_on_validation_and_predicts_better(pool_data):
    ev, allowed, train = pool_data
    chosen = _model().fit(ev[train], allowed=allowed[train])
    plain = _model(pool_mix=0.0).fit(ev[train], allowed=allowed[train])
    # the validation period (the latest 30% of training) is all late members
    assert chosen.pool_mix_ > 0
    assert list(chosen.pool_table_["pool_mix"]) == [0.0, 0.01, 0.03, 0.1, 0.3, 1.0]
    res = {
        name: m.evaluate(ev[~train], allowed=allowed[~train], baselines=False)
        for name, m in (("chosen", chosen), ("plain", plain))
    }
    tab = {k: v.table.loc["model"] for k, v in res.items()}
    assert tab["chosen"]["log_loss"] < tab["plain"]["log_loss"]
    assert tab["chosen"]["brier"] < tab["plain"]["brier"]
    proba = chosen.predict_proba(ev[~train].head(50), allowed=allowed[~train].head(50))
    assert list(proba.columns) == ["A", "B", POOL]
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_zero_share_is_the_plain_model(pool_data):
    ev, allowed, train = pool_data
    zero = _model(pool_mix=0.0).fit(ev[train], allowed=allowed[train])
    none = BannerAttribution(
        categorical=("target_type",), spatial=False, other_prior=0.0
    ).fit(ev[train], allowed=allowed[train])
    a = zero.predict_proba(ev[~train], allowed=allowed[~train])
    b = none.predict_proba(ev[~train], allowed=allowed[~train])
    assert zero.pool_mix_ == 0.0 and none.pool_mix_ == 0.0
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_share_one_scores_the_pool_as_a_new_group(pool_data):
    """With rho = 1 the pool's static factors are a new group's: the mean of
    the named candidates' profiles (A and B here, each counted once). Its
    probability ratio to A then follows that mean factor by factor."""
    ev, allowed, train = pool_data
    m = _model(pool_mix=1.0, calibration="none").fit(ev[train], allowed=allowed[train])
    test, test_allowed = ev[~train].head(200), allowed[~train].head(200)
    proba = m.predict_proba(test, allowed=test_allowed).to_numpy()
    _, names, cube, logmask = m._score(test, test_allowed)
    assert cube.shape[2] == 4  # A, B, the pool's own column, its new-group column
    assert np.isneginf(logmask[:, 2]).all()  # no mass on the pool's own fit
    table = m.core_.tables["target_type"]
    codes = table.codes(test["target_type"].reset_index(drop=True))
    ll_a, ll_b = table.log_table[codes, 0], table.log_table[codes, 1]
    new_group = np.log((np.exp(ll_a) + np.exp(ll_b)) / 2)
    act = names.index("activity")
    expected = (
        m.log_prior_[2]
        - m.log_prior_[0]
        + new_group
        - ll_a
        + cube[act, :, 2]
        - cube[act, :, 0]
    )
    np.testing.assert_allclose(np.log(proba[:, 2] / proba[:, 0]), expected)


def test_weight_gradient_with_a_pooled_class_reaches_the_optimum():
    """The analytic gradient over a class with two columns gives the optimum a
    derivative-free search finds."""
    rng = np.random.default_rng(3)
    m = BannerAttribution()
    m.classes_, m.pooled_ = ["A", "B", "C"], (2,)
    cube = rng.normal(size=(3, 300, 4))
    logmask = np.zeros((300, 4))
    logmask[:, 2] += np.log(0.7)
    logmask[:, 3] += np.log(0.3)
    y = rng.integers(0, 3, size=300)
    w = m._fit_weights(cube, logmask, y)
    ref = minimize(
        lambda v: m._nll(v, cube, logmask, y),
        x0=np.ones(3),
        method="Powell",
        bounds=[(0.0, 5.0)] * 3,
        options={"xtol": 1e-8, "ftol": 1e-12},
    )
    assert m._nll(w, cube, logmask, y) <= ref.fun + 1e-6
    np.testing.assert_allclose(w, ref.x, atol=1e-3)


def test_unknown_pooled_class(pool_data):
    ev, allowed, train = pool_data
    with pytest.raises(DataError, match="pooled_classes"):
        BannerAttribution(
            categorical=("target_type",), spatial=False, pooled_classes=("nobody",)
        ).fit(ev[train], allowed=allowed[train])
