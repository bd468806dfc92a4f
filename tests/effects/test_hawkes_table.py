"""hawkes_table: one BinnedHawkes fit over FILTER-selected nodes."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
from titfortat.effects import hawkes_table
from titfortat.exceptions import DataError

ADJ = np.array([[0.2, 0.0, 0.0], [0.35, 0.25, 0.0], [0.0, 0.3, 0.1]])


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    y = BinnedHawkesSimulator(
        [0.5, 0.6, 0.4], ADJ, 0.3, n_bins=3000, family="negbin", size=[3, 3, 3], rng=2
    ).run_counts()
    days = pd.date_range("2004-01-01", periods=y.shape[0], freq="D")
    kinds = [("strike", "Airstrike"), ("attack", "IED"), ("attack", "SAF")]
    rows = [
        pd.DataFrame(
            {
                "date": days,
                "event_type": et,
                "source_event_type": st,
                "n_events": y[:, k],
            }
        )
        for k, (et, st) in enumerate(kinds)
    ]
    frame = pd.concat(rows, ignore_index=True)
    return frame[frame["n_events"] > 0]


NODES = {
    "air": "source_event_type=Airstrike",
    "ied": "event_type=attack,source_event_type=IED",
    "saf": "source_event_type=SAF",
}


def test_table_matches_a_direct_fit_and_recovers_the_network(events) -> None:
    t = hawkes_table(events, NODES, rng=0)
    names = list(NODES)
    assert list(t.effects.index) == [f"{i}<-{j}" for i in names for j in names]
    # The same numbers as fitting BinnedHawkes directly on the day counts.
    y = (
        events.pivot_table(
            index="date", columns="source_event_type", values="n_events", aggfunc="sum"
        )
        .reindex(columns=["Airstrike", "IED", "SAF"])
        .asfreq("D")
        .fillna(0.0)
    )
    m = BinnedHawkes(family="negbin", rng=0).fit(y.to_numpy(), nodes=names)
    np.testing.assert_allclose(t.model.adjacency_, m.adjacency_, rtol=1e-4, atol=1e-5)
    # Known truth: 3,000 days identify every effect; each truth is inside its
    # 95% Wald interval (the joint check over 9 effects uses Bonferroni).
    from scipy import stats

    q = stats.norm.ppf(1 - 0.05 / 18)
    se = t.model.results_.std_err
    for a, i in enumerate(names):
        for b, j in enumerate(names):
            est = t.effects.loc[f"{i}<-{j}", "estimate"]
            assert abs(est - ADJ[a, b]) < q * se[f"alpha[{i}<-{j}]"] + 1e-3
    strong = t.effects.loc[["ied<-air", "saf<-ied", "ied<-ied"]]
    assert (strong["verdict"] == "escalation").all()
    assert (strong["p_value"] < 1e-6).all()
    assert t.effects.loc["air<-saf", "verdict"] == "no_detectable_effect"
    assert t.share_triggered is not None
    assert set(t.share_triggered.index) == {*names, "total"}
    assert (t.residual_check["p_value"] > 0.001).all()
    assert t.header["n_days"] == 3000
    data = json.loads(t.to_json())
    assert data["effects"]["ied<-air"]["verdict"] == "escalation"
    assert "air<-saf" in str(t)


def test_softplus_table_has_no_share_and_bad_nodes_are_named(events) -> None:
    t = hawkes_table(events, dict(list(NODES.items())[:2]), link="softplus", rng=0)
    assert t.share_triggered is None
    with pytest.raises(DataError, match="at least two nodes"):
        hawkes_table(events, {"air": NODES["air"]})
    with pytest.raises(DataError, match=r"node\(s\) \['gun'\]"):
        hawkes_table(events, {"air": NODES["air"], "gun": "source_event_type=RPG"})


def test_effect_table_hawkes_row_names_its_model_and_matches_hawkes_table() -> None:
    # The effect table's Hawkes row and `titfortat hawkes` differ in their
    # defaults (softplus/4 segments vs identity/1): the row says which model
    # it is, and that model refitted by hawkes_table gives the same numbers.
    from titfortat.effects import effect_table, hawkes_table, simulate_retaliation

    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    t = effect_table(
        ev,
        treatment="event_type=strike",
        outcome="event_type=attack",
        n_placebos=300,
        baseline_segments=2,
    )
    row = t.table.set_index(["estimator", "direction"]).loc[
        ("hawkes", "attack<-strike")
    ]
    assert (
        "BinnedHawkes(link='softplus', family='negbin', baseline_segments=2)"
        in (row["scale"])
    )
    assert "titfortat hawkes --link softplus --segments 2" in row["scale"]
    h = hawkes_table(
        ev,
        {"strike": "event_type=strike", "attack": "event_type=attack"},
        link="softplus",
        baseline_segments=2,
        n_starts=1,
    )
    other = h.effects.loc["attack<-strike"]
    assert other["estimate"] == pytest.approx(row["estimate"], rel=1e-6)
    assert other["p_value"] == pytest.approx(row["p_value"], rel=1e-4)
    assert other["verdict"] == row["verdict"]


def test_unhealthy_fit_gives_no_verdicts_and_no_shares(monkeypatch) -> None:
    # An optimiser that ended ABNORMAL once printed "escalation" and "100% of
    # strikes triggered" beside NaN errors. Now every effect is not
    # estimable, the shares are withheld, and the reason is printed.
    from titfortat.effects import simulate_retaliation

    real_fit = BinnedHawkes.fit

    def abnormal(self, *a, **k):
        out = real_fit(self, *a, **k)
        self.results_ = dataclasses.replace(self.results_, converged=False)
        return out

    monkeypatch.setattr(BinnedHawkes, "fit", abnormal)
    ev = simulate_retaliation(effect=0.8, n_days=300, n_places=3, rng=0)
    t = hawkes_table(
        ev, {"strike": "event_type=strike", "attack": "event_type=attack"}, n_starts=1
    )
    assert (t.effects.verdict == "not_estimable").all()
    # the printed table withholds their numbers; the frame keeps them
    assert "4 not_estimable row(s): numbers withheld here" in str(t)
    assert t.effects["estimate"].notna().all()
    printed = [x for x in str(t).splitlines() if x.startswith("strike<-attack")]
    assert printed[0].split()[1:6] == ["-"] * 5, printed
    assert t.effects.reason.str.contains("did not converge").all()
    assert t.share_triggered is None
    assert "not estimable (no verdicts, no shares)" in str(t)


def test_wald_interval_option_and_verdicts_follow_the_shown_interval(events) -> None:
    t = hawkes_table(events, NODES, n_starts=1, interval="wald")
    assert t.header["interval"] == "Wald"
    direct = t.model.conf_int(0.05)
    for eff, row in t.effects.iterrows():
        name = f"alpha[{eff}]"
        assert row["ci_upper"] == pytest.approx(direct.loc[name, "ci_upper"])
        if row["verdict"] == "escalation":
            assert row["ci_lower"] > 0 and row["p_value"] < 0.05
    with pytest.raises(ValueError, match="'profile' or 'wald'"):
        hawkes_table(events, NODES, interval="bootstrap")
