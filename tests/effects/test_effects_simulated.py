"""Known deterrence, escalation and no effect: every estimator's verdict.

The toy world (``simulate_retaliation``) has a rising trend and strikes that
follow attack spikes, so a naive before/after comparison is biased toward
deterrence by regression to the mean.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from titfortat.effects import COLUMNS, VERDICTS, effect_table, simulate_retaliation

WORLDS = {"deterrence": -0.7, "no_detectable_effect": 0.0, "escalation": 0.7}
FORWARD = "attack<-strike"
ESTIMATORS = [
    "event_study",
    "count_ar_poisson",
    "count_ar_negbin",
    "granger",
    "hawkes",
]


@pytest.fixture(scope="module")
def tables():
    out = {}
    for name, effect in WORLDS.items():
        ev = simulate_retaliation(effect=effect, n_places=4, n_days=800, rng=0)
        with warnings.catch_warnings():
            # The Hawkes fit may warn about its information matrix on this
            # small world; the warning is recorded in the row's caveat.
            warnings.simplefilter("ignore")
            tab = effect_table(
                ev,
                treatment="event_type=strike",
                outcome="event_type=attack",
                rng=0,
            )
        out[name] = (ev, tab.table.set_index(["estimator", "direction"]))
    return out


@pytest.mark.parametrize("world", list(WORLDS))
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_every_estimator_gets_the_verdict_right(tables, world, estimator):
    _, t = tables[world]
    row = t.loc[(estimator, FORWARD)]
    assert row["verdict"] == world, row.to_dict()


@pytest.mark.parametrize("world", list(WORLDS))
def test_strikes_follow_attacks_is_detected(tables, world):
    # By construction strikes answer attack spikes: escalation in reverse.
    _, t = tables[world]
    for est in ("count_ar_poisson", "count_ar_negbin", "granger", "hawkes"):
        assert t.loc[(est, "strike<-attack"), "verdict"] == "escalation", est


def test_naive_before_after_is_biased_by_regression_to_the_mean(tables):
    ev, t = tables["no_detectable_effect"]
    naive = t.loc[("before_after", FORWARD)]
    es = t.loc[("event_study", FORWARD)]
    # No effect, yet the naive comparison finds "deterrence" with an interval
    # that excludes the truth (0); the matched event study covers it.
    assert naive["verdict"] == "deterrence"
    assert naive["ci_upper"] < 0.0
    assert es["ci_lower"] <= ev.attrs["true_event_study_effect"] <= es["ci_upper"]
    # With a real escalation the naive comparison misses it altogether.
    _, te = tables["escalation"]
    assert te.loc[("before_after", FORWARD), "verdict"] != "escalation"


def test_truth_inside_the_event_study_interval(tables):
    for world in ("no_detectable_effect", "escalation"):
        ev, t = tables[world]
        row = t.loc[("event_study", FORWARD)]
        truth = ev.attrs["true_event_study_effect"]
        assert row["ci_lower"] <= truth <= row["ci_upper"], (world, truth, row)
    # The design's own estimand (a strike against none at that moment, the
    # future left to run) is covered in every world, deterrence included.
    for world in WORLDS:
        ev, t = tables[world]
        row = t.loc[("event_study", FORWARD)]
        truth = ev.attrs["true_natural_course_effect"]
        assert row["ci_lower"] <= truth <= row["ci_upper"], (world, truth, row)


def test_no_effect_intervals_cover_zero(tables):
    _, t = tables["no_detectable_effect"]
    for est in ESTIMATORS:
        row = t.loc[(est, FORWARD)]
        if np.isfinite(row["ci_lower"]):
            assert row["ci_lower"] <= 0.0 <= row["ci_upper"], est


def test_table_shape_and_vocabulary(tables):
    _, t = tables["escalation"]
    flat = t.reset_index()
    assert list(flat.columns) == list(COLUMNS)
    assert set(flat["verdict"]) <= set(VERDICTS)
    assert (flat["n_treated"] > 0).all() and (flat["n_outcome"] > 0).all()
    assert flat["caveat"].str.len().min() > 20


@pytest.mark.slow
def test_event_study_false_positive_rate_under_no_effect():
    from titfortat.effects import EventStudy

    rejections = 0
    n = 40
    for seed in range(n):
        ev = simulate_retaliation(effect=0.0, n_places=4, n_days=800, rng=seed)
        es = EventStudy(n_resamples=1000, rng=seed).fit(
            ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]
        )
        rejections += es.results_.p_value < 0.05
    # Nominal 5%: with 40 worlds, 6 or more rejections has probability < 5%
    # under a correct test (binomial tail); allow that much and no more.
    assert rejections <= 5, rejections
