"""Fuzz the effect and Hawkes tables on small, odd stores.

0, 1, 5 or 50 events per series; spread over months or all on one day; with
coordinates, without, or all at a single place. The tables must either answer
or raise one of titfortat's own errors, and never give a deterrence or
escalation verdict from a fit flagged unhealthy or against its own interval
and test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from titfortat.effects import VERDICTS, effect_table, hawkes_table
from titfortat.effects._health import validity_problems
from titfortat.exceptions import TitForTatError

SIZES = st.sampled_from([0, 1, 5, 50])
LAYOUT = st.sampled_from(["spread", "one_day"])
PLACES = st.sampled_from(["many", "one_place", "none"])


def _store(n_t: int, n_o: int, layout: str, places: str, seed: int) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    n = n_t + n_o
    start = pd.Timestamp("2020-01-01")
    if layout == "one_day":
        days = np.zeros(n, dtype=int)
    else:
        days = g.integers(0, 150, n)
    if places == "many":
        lat, lon = 33 + g.normal(0, 0.3, n), 44 + g.normal(0, 0.3, n)
    elif places == "one_place":
        lat, lon = np.full(n, 33.3), np.full(n, 44.4)
    else:
        lat = lon = np.full(n, np.nan)
    return pd.DataFrame(
        {
            "date": start + pd.to_timedelta(days, unit="D"),
            "event_type": ["strike"] * n_t + ["attack"] * n_o,
            "latitude": lat,
            "longitude": lon,
            "n_events": np.ones(n, dtype=int),
        }
    )


def _check_rows(rows: pd.DataFrame, alpha: float = 0.05) -> None:
    for r in rows.itertuples(index=False):
        assert r.verdict in VERDICTS, r
        if r.verdict in ("deterrence", "escalation"):
            assert r.reason == "", r
            assert r.p_value < alpha, r
            if r.verdict == "escalation":
                assert r.ci_lower > 0 and r.estimate > 0, r
            else:
                assert r.ci_upper < 0 and r.estimate < 0, r
            assert np.isfinite([r.estimate, r.ci_lower, r.ci_upper]).all(), r
        else:
            if r.verdict in ("inconclusive", "not_estimable"):
                assert r.reason, r


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(n_t=SIZES, n_o=SIZES, layout=LAYOUT, places=PLACES, seed=st.integers(0, 9))
@example(n_t=50, n_o=50, layout="spread", places="many", seed=0)
@example(n_t=50, n_o=50, layout="one_day", places="many", seed=2)
def test_effect_table_on_small_odd_stores(n_t, n_o, layout, places, seed):
    ev = _store(n_t, n_o, layout, places, seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = effect_table(
                ev, treatment="event_type=strike", outcome="event_type=attack"
            )
        except TitForTatError:
            return
    assert all(issubclass(w.category, Warning) for w in caught)
    _check_rows(t.table)
    # A row whose fit raised a validity warning is never a finding.
    for r in t.table.itertuples(index=False):
        msgs = t.warnings_[f"{r.estimator} {r.direction}"]
        bad = [m for m in msgs if m.startswith(("ConvergenceWarning", "Stability"))]
        if bad:
            assert r.verdict == "not_estimable", (r, bad)
    # Too few events of a series: never a finding from the count models.
    if min(n_t, n_o) < 20:
        rows = t.table[t.table.estimator.str.startswith(("count_ar", "granger"))]
        assert (rows.verdict == "not_estimable").all(), rows


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(n_t=SIZES, n_o=SIZES, layout=LAYOUT, seed=st.integers(0, 9))
@example(n_t=50, n_o=50, layout="spread", seed=0)
def test_hawkes_table_on_small_odd_stores(n_t, n_o, layout, seed):
    ev = _store(n_t, n_o, layout, "none", seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = hawkes_table(
                ev,
                {"s": "event_type=strike", "a": "event_type=attack"},
                n_starts=1,
            )
        except TitForTatError:
            return
    unhealthy = bool(t.header["problems"]) or bool(validity_problems(caught))
    rows = t.effects.reset_index()
    rows = rows.assign(estimator="hawkes", direction=rows["effect"])
    _check_rows(rows)
    if unhealthy:
        assert (t.effects.verdict == "not_estimable").all(), t.effects


def test_fuzz_store_shapes():
    # The generator makes what the fuzz tests claim to cover.
    ev = _store(5, 50, "one_day", "none", 0)
    assert ev.date.nunique() == 1 and ev.latitude.isna().all()
    assert (ev.event_type == "strike").sum() == 5
    one = _store(1, 5, "spread", "one_place", 1)
    assert one[["latitude", "longitude"]].drop_duplicates().shape[0] == 1
