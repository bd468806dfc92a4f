"""The one verdict rule, and rows that fail or are unhealthy saying so."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from titfortat.effects import (
    MIN_EVENTS,
    VERDICTS,
    CountAutoregression,
    EventStudy,
    decide,
    effect_table,
    simulate_retaliation,
)
from titfortat.effects._health import near_unit_root
from titfortat.effects.table import unsettled
from titfortat.exceptions import ConvergenceError, DataError, DataQualityWarning

TREAT, OUT = "event_type=strike", "event_type=attack"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((-0.3, -0.5, -0.1, 0.001), "deterrence"),
        ((0.3, 0.1, 0.5, 0.001), "escalation"),
        ((0.3, -0.1, 0.7, 0.4), "no_detectable_effect"),
        # The demo's Hawkes row before this rule: Wald interval across 0, LR
        # test rejecting. Shown as a finding then; inconclusive now.
        ((0.0187, -0.000133, 0.0375, 0.0496), "inconclusive"),
        ((0.3, 0.1, 0.5, 0.2), "inconclusive"),
        # An estimate outside its own interval is not a finding.
        ((-0.3, 0.1, 0.5, 0.001), "inconclusive"),
        # strike<-kh of the faction example: zero-width interval, NaN p.
        ((-2.656, -2.656, -2.656, np.nan), "not_estimable"),
        ((-2.656, -2.656, -2.656, 0.01), "not_estimable"),
        ((np.nan, -1.0, 1.0, 0.5), "not_estimable"),
        ((0.5, np.nan, np.nan, 0.01), "not_estimable"),
    ],
)
def test_decide_needs_interval_and_test_to_agree(args, expected):
    d = decide(*args)
    assert d.verdict == expected, d
    assert d.verdict in VERDICTS
    # A finding has no reason; everything else says why.
    assert (d.reason == "") == (
        expected in {"deterrence", "escalation"} or (expected == "no_detectable_effect")
    )
    if expected == "inconclusive":
        assert "interval" in d.reason and (
            "reject" in d.reason or "outside" in d.reason
        )


def test_problems_always_win():
    # count_ar_negbin kh<-strike with 5 events: -82.25, p = 2.8e-67.
    d = decide(-82.25, -90.0, -74.0, 2.8e-67, problems=["quasi-separation"])
    assert d == ("not_estimable", "quasi-separation")


def _events(n_strikes: int, *, seed: int = 0, coords: bool = True) -> pd.DataFrame:
    ev = simulate_retaliation(effect=0.0, n_days=300, n_places=4, rng=seed)
    strikes = ev[ev.event_type == "strike"]
    keep = strikes.sample(n=min(n_strikes, len(strikes)), random_state=seed)
    out = pd.concat([ev[ev.event_type == "attack"], keep]).sort_values("date")
    if not coords:
        out = out.assign(latitude=np.nan, longitude=np.nan)
    return out.reset_index(drop=True)


def _rows(table):
    return table.table.set_index(["estimator", "direction"])


def test_five_strikes_make_the_count_models_not_estimable():
    # Five events of one series: the count models are not estimable (too few
    # events, often separated), never a finding with p = 1e-67.
    t = effect_table(
        _events(5), treatment=TREAT, outcome=OUT, hawkes=False, n_placebos=500
    )
    rows = _rows(t)
    for est in ("count_ar_poisson", "count_ar_negbin", "granger"):
        for d in ("attack<-strike", "strike<-attack"):
            row = rows.loc[(est, d)]
            assert row["verdict"] == "not_estimable", (est, d, row.to_dict())
            key = "count_ar" if est.startswith("count_ar") else est
            assert f"need at least {MIN_EVENTS[key]}" in row["reason"]


def test_printed_table_withholds_numbers_of_not_estimable_rows():
    # The people's view shows no estimate, interval or p-value for a row whose
    # fit failed a check; the frame keeps them beside the verdict.
    t = effect_table(
        _events(5), treatment=TREAT, outcome=OUT, hawkes=False, n_placebos=500
    )
    bad = t.table[t.table.verdict == "not_estimable"]
    assert len(bad) >= 1
    text = str(t)
    for row in bad.itertuples():
        line = next(
            x for x in text.splitlines() if row.estimator in x and row.direction in x
        )
        assert line.split()[2:6] == ["-", "-", "-", "-"], line
    assert f"{len(bad)} not_estimable row(s): estimate, interval" in text
    # the same view feeds the report and the dashboard
    shown = t.display_frame()
    mask = (t.table.verdict == "not_estimable").to_numpy()
    assert (shown.loc[mask, "estimate"] == "-").all()
    assert list(shown.loc[~mask, "estimate"]) == list(t.table.estimate[~mask])
    good = t.table[t.table.verdict != "not_estimable"]
    for row in good.itertuples():
        line = next(
            x for x in text.splitlines() if row.estimator in x and row.direction in x
        )
        assert line.split()[2] == f"{row.estimate:.4g}", line


def test_minimum_events_per_estimator_is_the_stated_one():
    # With exactly the stated minimum of strikes the rows are not refused for
    # their number; one fewer and they are.
    m = MIN_EVENTS["count_ar"]
    assert MIN_EVENTS["granger"] == m
    few = _rows(
        effect_table(
            _events(m - 1, seed=1),
            treatment=TREAT,
            outcome=OUT,
            hawkes=False,
            n_placebos=500,
        )
    )
    enough = _rows(
        effect_table(
            _events(m, seed=1),
            treatment=TREAT,
            outcome=OUT,
            hawkes=False,
            n_placebos=500,
        )
    )
    for est in ("count_ar_poisson", "granger"):
        assert "too few events" in few.loc[(est, "attack<-strike"), "reason"]
        assert "too few events" not in enough.loc[(est, "attack<-strike"), "reason"]


def test_quasi_separation_is_detected():
    g = np.random.default_rng(0)
    y = pd.DataFrame({"a": g.poisson(2.0, 200).astype(float), "b": np.zeros(200)})
    days = [20, 60, 90, 130, 170]
    y.loc[days, "b"] = 1.0
    for d in days:
        y.loc[d + 1 : d + 7, "a"] = 0.0
    m = CountAutoregression(family="poisson").fit(y, outcome="a", cause="b")
    problems = m.fit_problems()
    assert any("quasi-separation" in p for p in problems), problems
    # The same series with the outcome left alone after the cause: healthy.
    y2 = y.copy()
    y2["a"] = g.poisson(2.0, 200).astype(float)
    m2 = CountAutoregression(family="poisson").fit(y2, outcome="a", cause="b")
    assert not any("separation" in p for p in m2.fit_problems())


def test_a_failing_estimator_leaves_the_rest_of_the_table(monkeypatch):
    from titfortat.dynamics import BinnedHawkes

    def broken(self, *a, **k):
        raise ConvergenceError("BinnedHawkes did not converge (test)")

    monkeypatch.setattr(BinnedHawkes, "fit", broken)
    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    t = effect_table(ev, treatment=TREAT, outcome=OUT, n_placebos=500)
    rows = _rows(t)
    assert len(t.table) == 10
    for d in ("attack<-strike", "strike<-attack"):
        row = rows.loc[("hawkes", d)]
        assert row["verdict"] == "not_estimable"
        assert "ConvergenceError: BinnedHawkes did not converge" in row["reason"]
        assert np.isnan(row["estimate"])
    assert rows.loc[("event_study", "attack<-strike"), "verdict"] == "escalation"


def test_warnings_are_kept_counted_and_judged(monkeypatch):
    import titfortat.effects.table as table_mod
    from titfortat.exceptions import ConvergenceWarning

    real = table_mod.granger

    def noisy(*a, **k):
        if k["effect"] == "attack":
            warnings.warn("a harmless note", DataQualityWarning, stacklevel=2)
        else:
            warnings.warn("stopped early", ConvergenceWarning, stacklevel=2)
        return real(*a, **k)

    monkeypatch.setattr(table_mod, "granger", noisy)
    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    t = effect_table(ev, treatment=TREAT, outcome=OUT, n_placebos=500, hawkes=False)
    rows = _rows(t)
    fwd = rows.loc[("granger", "attack<-strike")]
    rev = rows.loc[("granger", "strike<-attack")]
    assert fwd["n_warnings"] == 1 and "a harmless note" in fwd["caveat"]
    assert fwd["verdict"] != "not_estimable"
    assert t.warnings_["granger attack<-strike"] == [
        "DataQualityWarning: a harmless note"
    ]
    # A convergence warning bears on validity: not estimable, with it as reason.
    assert rev["verdict"] == "not_estimable" and "stopped early" in rev["reason"]
    assert "warnings" in t.header


def test_rows_without_coordinates_are_counted_and_named():
    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    lost = ev.index[ev.event_type.eq("attack")][::10]
    ev.loc[lost, ["latitude", "longitude"]] = np.nan
    t = effect_table(ev, treatment=TREAT, outcome=OUT, n_placebos=500, hawkes=False)
    assert f"{len(lost):,} outcome rows without coordinates" in t.header["excluded"]
    es_row = _rows(t).loc[("event_study", "attack<-strike")]
    assert f"left out: {len(lost):,} outcome rows" in es_row["caveat"]
    assert t.event_study.results_.n_outcome_no_coords == len(lost)
    # With no coordinates at all the event study says why, not "Got 0 and 0",
    # and the national rows stand.
    none = _events(40, coords=False)
    with pytest.raises(DataError, match="lack latitude/longitude"):
        EventStudy(n_placebos=100).fit(
            none[none.event_type == "strike"], none[none.event_type == "attack"]
        )
    t2 = _rows(
        effect_table(none, treatment=TREAT, outcome=OUT, hawkes=False, n_placebos=100)
    )
    row = t2.loc[("event_study", "attack<-strike")]
    assert row["verdict"] == "not_estimable" and "lack latitude" in row["reason"]
    assert t2.loc[("granger", "attack<-strike"), "verdict"] != "not_estimable"


def test_event_study_result_guards_against_zero_division():
    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    r = (
        EventStudy(window_days=14, n_placebos=500, n_resamples=200, rng=0)
        .fit(ev[ev.event_type == "strike"], ev[ev.event_type == "attack"])
        .results_
    )
    assert np.isfinite(r.relative_effect)
    zero = dataclasses.replace(r, counterfactual_post=0.0)
    assert np.isnan(zero.relative_effect)
    flat = dataclasses.replace(r, null_draws=np.zeros(50))
    assert np.isnan(flat.pool_shift) and not flat.is_settled
    # A sampled pool that moved is not settled: a finding turns inconclusive.
    moved = dataclasses.replace(r, half_pool_estimate=r.estimate - 3 * r.std_err)
    assert moved.pool_shift == pytest.approx(3.0)
    assert not moved.is_settled and "not settled" in unsettled(moved)
    whole = dataclasses.replace(moved, is_whole_pool=True)
    assert whole.is_settled and unsettled(whole) is None
    degenerate = dataclasses.replace(r, design_effect=float("inf"))
    assert degenerate.is_degenerate and not r.is_degenerate


def test_near_unit_root_threshold():
    assert near_unit_root(0.979) is None
    assert "within 0.02 of 1" in near_unit_root(0.98)
    # Above 1 is not "within 0.02 of 1": the text says where it is.
    assert "at or above 1 (explosive" in near_unit_root(1.553)
    assert near_unit_root(float("nan")) == "spectral radius is not finite"


def test_hawkes_fit_problems_names_each_unhealthy_sign():
    from types import SimpleNamespace

    from titfortat.effects._health import hawkes_fit_problems

    def fake(converged=True, ll=-100.0, decay=0.5, radius=0.5, fixed=None):
        return SimpleNamespace(
            results_=SimpleNamespace(converged=converged, log_likelihood=ll),
            decay_=decay,
            decay=fixed,
            spectral_radius=lambda: radius,
        )

    assert hawkes_fit_problems(fake()) == []
    assert hawkes_fit_problems(fake(converged=False)) == [
        "the optimiser did not converge"
    ]
    # Counts have probabilities <= 1: a positive log-likelihood is a failure.
    assert "implausible log-likelihood" in hawkes_fit_problems(fake(ll=92244.0))[0]
    assert "search bound" in hawkes_fit_problems(fake(decay=50.0))[0]
    assert hawkes_fit_problems(fake(decay=50.0, fixed=50.0)) == []
    assert "within 0.02 of 1" in hawkes_fit_problems(fake(radius=0.99))[0]


def test_did_needs_both_tests_to_agree():
    from titfortat.effects import DiDResult

    base = DiDResult(
        estimate=-0.5,
        std_err=0.2,
        p_value=0.013,
        permutation_p_value=0.02,
        permutation_draws=np.zeros(10),
        means=pd.DataFrame(),
        n_treated=100,
        n_control=100,
    )
    assert base.decision() == ("deterrence", "")
    split = dataclasses.replace(base, permutation_p_value=0.2)
    d = split.decision()
    assert d.verdict == "inconclusive" and "permutation test does not" in d.reason
    flat = dataclasses.replace(base, std_err=0.0, p_value=float("nan"))
    assert flat.decision().verdict == "not_estimable"
