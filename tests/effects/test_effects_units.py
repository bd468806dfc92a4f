"""Building blocks: filters, window counts, the event study, DiD, count models."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from titfortat.effects import (
    CountAutoregression,
    EventStudy,
    daily_pair,
    did,
    granger,
    parse_filter,
    simulate_retaliation,
    verdict,
)
from titfortat.effects._common import select_events
from titfortat.effects._kernels import EARTH_RADIUS_KM, window_counts
from titfortat.exceptions import DataError, NotFittedError


def _haversine(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def test_parse_filter_and_errors():
    assert parse_filter({"event_type": "strike"}) == {"event_type": ["strike"]}
    with pytest.raises(DataError, match="must look like 'column=value'"):
        parse_filter("event_type")
    with pytest.raises(DataError, match="non-empty string"):
        parse_filter("")
    frame = pd.DataFrame({"event_type": ["Attack", "strike"]})
    assert len(select_events(frame, "event_type=attack")) == 1
    with pytest.raises(DataError, match="not a column of the events"):
        select_events(frame, "actor=x")


def test_verdict_rule():
    assert verdict(0.4, 0.01) == "escalation"
    assert verdict(-0.4, 0.01) == "deterrence"
    assert verdict(-0.4, 0.2) == "no_detectable_effect"
    assert verdict(float("nan"), 0.0) == "no_detectable_effect"


def test_window_counts_match_brute_force():
    g = np.random.default_rng(3)
    n_out, n_int, w, r = 3000, 60, 5, 25.0
    od = np.sort(g.integers(0, 100, n_out))
    ola, olo = 33 + g.normal(0, 0.3, n_out), 44 + g.normal(0, 0.3, n_out)
    ow = g.integers(1, 3, n_out).astype(float)
    idy = g.integers(0, 100, n_int)
    ila, ilo = 33 + g.normal(0, 0.3, n_int), 44 + g.normal(0, 0.3, n_int)
    got = window_counts(od, ola, olo, ow, idy, ila, ilo, window=w, radius_km=r)
    want = np.zeros_like(got)
    for i in range(n_int):
        near = _haversine(ila[i], ilo[i], ola, olo) <= r
        for k in range(-w, w + 1):
            want[i, k + w] = ow[near & (od == idy[i] + k)].sum()
    np.testing.assert_array_equal(got, want)
    unit_o, unit_i = g.integers(0, 3, n_out), g.integers(0, 3, n_int)
    got_u = window_counts(
        od,
        ola,
        olo,
        ow,
        idy,
        ila,
        ilo,
        window=w,
        radius_km=None,
        out_unit=unit_o,
        int_unit=unit_i,
    )
    for i in range(n_int):
        same = unit_o == unit_i[i]
        assert got_u[i, w] == ow[same & (od == idy[i])].sum()


@pytest.fixture(scope="module")
def escalation_world():
    return simulate_retaliation(effect=0.7, n_places=4, n_days=600, rng=2)


def test_event_study_contract(escalation_world):
    ev = escalation_world
    es = EventStudy(n_placebos=1500, n_resamples=300, rng=0)
    assert "not fitted" in repr(es)
    with pytest.raises(NotFittedError):
        es.effects()
    tr, oc = ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]
    assert es.fit(tr, oc) is es
    assert "fitted:" in repr(es)
    first = es.results_.estimate
    assert EventStudy(**es.get_params()).fit(tr, oc).results_.estimate == first
    prof = es.effects().summary_frame(0.1)
    assert list(prof.columns) == ["estimate", "std_err", "ci_lower", "ci_upper"]
    assert list(prof.index) == list(range(-7, 8))
    assert prof.attrs["alpha"] == 0.1
    # The interval and the p-value are the inversion of one randomisation
    # null, recomputed here from its draws (a wrong quantile, sign or count
    # in the library would show).
    r = es.results_
    null = r.null_draws
    lo, hi = r.conf_int().iloc[0]
    q_lo, q_hi = np.quantile(null, [0.025, 0.975])
    assert (lo, hi) == pytest.approx((first - q_hi, first - q_lo))
    n_extreme = np.sum(np.abs(null) >= abs(first))
    assert r.p_value == pytest.approx((1 + n_extreme) / (null.size + 1))
    assert null.size == 300 and r.std_err == pytest.approx(np.std(null, ddof=1))
    frame = es.summary_frame()
    assert list(frame.index) == ["event_study", "before_after"]


def test_event_study_by_unit_agrees_in_sign(escalation_world):
    # Places are 50 km apart, so "same admin1" and "within 10 km" pick the
    # same outcome events: the two designs must give the same estimate.
    ev = escalation_world
    tr, oc = ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]
    a = EventStudy(n_placebos=1500, n_resamples=300, rng=0).fit(tr, oc)
    b = EventStudy(
        radius_km=None, unit_col="admin1", n_placebos=1500, n_resamples=300, rng=0
    ).fit(tr, oc)
    assert a.results_.estimate == pytest.approx(b.results_.estimate)


def test_event_study_bad_input(escalation_world):
    ev = escalation_world
    tr, oc = ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]
    with pytest.raises(ValueError, match="'window_days' parameter of EventStudy"):
        EventStudy(window_days=0).fit(tr, oc)
    with pytest.raises(ValueError, match="'placebo_span_days' parameter"):
        EventStudy(window_days=7, placebo_span_days=10).fit(tr, oc)
    with pytest.raises(DataError, match="lack column"):
        EventStudy().fit(tr.drop(columns="latitude"), oc)
    with pytest.raises(DataError, match="needs interventions"):
        EventStudy().fit(tr.iloc[:0], oc)


def test_count_autoregression_recovers_a_known_lag_effect():
    # Poisson reaction function with known coefficients on strike lags.
    g = np.random.default_rng(5)
    n, b = 900, np.array([0.08, 0.05, 0.03])
    x = g.poisson(1.0, n)
    y = np.zeros(n, dtype=int)
    for t in range(n):
        eta = 1.5 + 0.3 * np.log1p(y[t - 1]) if t >= 1 else 1.5
        eta += sum(b[k] * x[t - k - 1] for k in range(3) if t - k - 1 >= 0)
        y[t] = g.poisson(np.exp(eta))
    idx = pd.date_range("2007-01-01", periods=n, freq="D")
    counts = pd.DataFrame({"strike": x, "attack": y}, index=idx)
    for fam in ("poisson", "negbin"):
        m = CountAutoregression(family=fam, n_lags=3).fit(
            counts, outcome="attack", cause="strike"
        )
        f = m.cumulative_effect().summary_frame().iloc[0]
        assert f.ci_lower <= b.sum() <= f.ci_upper, (fam, f)
    assert "fitted: attack<-strike" in repr(m)
    with pytest.raises(DataError, match="too few"):
        CountAutoregression(n_lags=7).fit(
            counts.iloc[:30], outcome="attack", cause="strike"
        )
    with pytest.raises(NotFittedError):
        CountAutoregression().cumulative_effect()


def test_granger_on_independent_series_is_quiet():
    g = np.random.default_rng(1)
    counts = pd.DataFrame({"a": g.poisson(3, 600), "b": g.poisson(5, 600)})
    r = granger(counts, effect="a", cause="b", max_lag=6)
    assert 1 <= r.lag_order <= 6
    assert r.p_value > 0.01
    lo, hi = r.conf_int().iloc[0]
    assert lo < r.sum_coef < hi
    assert "Granger a<-b" in str(r)


def test_daily_pair_sums_n_events():
    fr = pd.DataFrame(
        {"date": pd.to_datetime(["2007-01-01", "2007-01-03"]), "n_events": [2, 5]}
    )
    y = daily_pair(fr.iloc[:1], fr.iloc[1:])
    assert y.shape == (3, 2)
    assert y["treatment"].tolist() == [2, 0, 0] and y["outcome"].tolist() == [0, 0, 5]


def test_did_recovers_a_known_effect():
    g = np.random.default_rng(7)
    n, tau = 400, -1.0
    z = np.repeat([1, 0], n // 2)
    level = g.gamma(2.0, 1.5, n)
    pre = g.poisson(level)
    post = g.poisson(np.maximum(level + 0.3 + tau * z, 0.05))
    data = pd.DataFrame({"u": np.arange(n), "z": z, "pre": pre, "post": post})
    r = did(
        data, unit="u", treated="z", pre="pre", post="post", n_permutations=2000, rng=0
    )
    direct = (post - pre)[z == 1].mean() - (post - pre)[z == 0].mean()
    assert r.estimate == pytest.approx(direct)
    lo, hi = r.conf_int().iloc[0]
    assert lo <= tau <= hi
    assert r.permutation_p_value < 0.05 and r.verdict() == "deterrence"
    assert not r.clustered


def test_did_bad_input():
    data = pd.DataFrame({"z": [1, 0, 2, 0], "pre": [1, 2, 3, 4], "post": [1, 2, 3, 4]})
    with pytest.raises(DataError, match="0/1 treatment"):
        did(data, treated="z", pre="pre", post="post")
    with pytest.raises(DataError, match=r"not in the data"):
        did(data, treated="fire", pre="pre", post="post")
    data.loc[0, "pre"] = np.nan
    with pytest.raises(DataError, match="missing"):
        did(data, treated="z", pre="pre", post="post")


def test_lyall_chechnya_did(shared_data):
    d = pd.read_csv(shared_data / "lyall-chechnya" / "chechen.csv")
    r = did(
        d,
        unit="village",
        treated="fire",
        pre="preattack",
        post="postattack",
        n_permutations=5000,
        rng=0,
    )
    ch = d.postattack - d.preattack
    assert r.estimate == pytest.approx(ch[d.fire == 1].mean() - ch[d.fire == 0].mean())
    assert (r.n_treated, r.n_control) == (159, 159)
    # Village names repeat (villages shelled more than once): clustered errors.
    assert r.clustered and r.std_err > 0
    assert r.permutation_p_value < 0.05
    assert r.verdict() == "deterrence"


def test_plot_profile(escalation_world):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from titfortat.report.effects import plot_event_time_profile

    ev = escalation_world
    es = EventStudy(n_placebos=800, n_resamples=200, rng=0).fit(
        ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_event_time_profile(es)
    assert ax.get_xlabel() == "days since intervention"
    assert len(ax.lines) >= 1
    import matplotlib.pyplot as plt

    plt.close("all")


def test_toy_world_natural_course_effect():
    # With no effect the coupled counterfactual paths equal the factual ones.
    ev0 = simulate_retaliation(effect=0.0, n_places=4, n_days=400, rng=1)
    assert ev0.attrs["true_natural_course_effect"] == 0.0
    ev_d = simulate_retaliation(effect=-0.7, n_places=4, n_days=400, rng=1)
    ev_e = simulate_retaliation(effect=0.7, n_places=4, n_days=400, rng=1)
    assert ev_d.attrs["true_natural_course_effect"] < 0.0
    assert ev_e.attrs["true_natural_course_effect"] > 0.0
    # A deterring strike also prevents the strikes more attacks would have
    # drawn, so against the natural course it looks smaller than the total
    # excess of all active strikes.
    assert (
        ev_d.attrs["true_event_study_effect"] < ev_d.attrs["true_natural_course_effect"]
    )
