"""The demo's headline table against stored references (see make_demo_headline.py).

``independent`` numbers were recomputed without titfortat's estimators
(scikit-learn haversine counts, a hand-built statsmodels GLM); ``pinned`` ones
are the package's own at the commit named in the JSON, kept as regression pins.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from titfortat.effects import EventStudy, decide, effect_table

REF = json.loads((Path(__file__).parent / "data" / "demo_headline.json").read_text())
QUESTION = {
    "treatment": "source_event_type=Airstrike",
    "outcome": "event_type=attack",
    "radius_km": 10.0,
    "window_days": 7,
}


@pytest.fixture(scope="module")
def demo():
    from titfortat.datasets import load_demo_store

    st = load_demo_store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each row keeps its own (warnings_)
        table = effect_table(st, **QUESTION, rng=0)
    frame = st.query()
    st.close()
    return table, frame


def _row(table, key):
    est, direction = key.split(" ")
    t = table.table.set_index(["estimator", "direction"])
    return t.loc[(est, direction)]


def test_naive_before_after_equals_an_independent_count(demo):
    table, _ = demo
    ref = REF["independent"]["before_after"]
    row = _row(table, "before_after attack<-Airstrike")
    assert table.event_study.results_.n_treated == ref["n_treated"]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-9)
    assert table.event_study.results_.naive_std_err == pytest.approx(
        ref["std_err"], rel=1e-9
    )


def test_poisson_lag_sum_equals_statsmodels_on_a_hand_built_design(demo):
    table, _ = demo
    ref = REF["independent"]["count_ar_poisson attack<-Airstrike"]
    row = _row(table, "count_ar_poisson attack<-Airstrike")
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
    width = row["ci_upper"] - row["ci_lower"]
    assert width == pytest.approx(2 * 1.959964 * ref["std_err"], rel=1e-5)


@pytest.mark.parametrize("key", list(REF["pinned"]))
def test_pinned_headline_rows(demo, key):
    table, _ = demo
    ref = REF["pinned"][key]
    row = _row(table, key)
    # The whole-pool event study is deterministic; the Hawkes fit runs an
    # optimiser, so its pin allows optimiser-tolerance drift.
    rel = 1e-9 if key.startswith("event_study") else 2e-3
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=rel, abs=1e-9)
    for k in ("ci_lower", "ci_upper", "p_value"):
        assert row[k] == pytest.approx(ref[k], rel=max(rel, 1e-6), abs=1e-4), k
    assert row["verdict"] == ref["verdict"]


def test_headline_is_stable_to_the_placebo_seed(demo):
    # Whole pool by default: the estimate does not depend on rng; only the
    # randomisation null does, and not enough to change the verdict.
    table, frame = demo
    r0 = table.event_study.results_
    tr = frame[frame.source_event_type == "Airstrike"]
    oc = frame[frame.event_type == "attack"]
    for seed in (1, 2):
        r = EventStudy(radius_km=10.0, window_days=7, rng=seed).fit(tr, oc).results_
        assert r.is_whole_pool and r.n_placebos == r0.n_placebos
        assert r.estimate == r0.estimate
        lo, hi = r.conf_int().iloc[0]
        assert (
            decide(r.estimate, lo, hi, r.p_value).verdict
            == (_row(table, "event_study attack<-Airstrike")["verdict"])
        )
        assert abs(r.p_value - r0.p_value) < 0.05


def test_no_row_contradicts_its_own_interval_or_test(demo):
    table, _ = demo
    for row in table.table.itertuples(index=False):
        if row.verdict in ("deterrence", "escalation"):
            assert row.p_value < 0.05, row
            if row.verdict == "escalation":
                assert row.ci_lower > 0 and row.estimate > 0, row
            else:
                assert row.ci_upper < 0 and row.estimate < 0, row
        if row.verdict in ("inconclusive", "not_estimable"):
            assert row.reason, row
