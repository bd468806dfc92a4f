"""The radius/window sweep, the stated minimums, and sparse stores on the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from titfortat.cli.effects import app
from titfortat.effects import (
    MIN_EVENTS,
    VERDICTS,
    effect_sweep,
    effect_table,
    simulate_retaliation,
)

runner = CliRunner()
TREAT, OUT = "event_type=strike", "event_type=attack"


def test_sweep_reports_each_radius_and_window_and_says_when_it_changes():
    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    s = effect_sweep(
        ev,
        treatment=TREAT,
        outcome=OUT,
        radii_km=[5, 300],
        windows_days=[3, 7],
        n_resamples=300,
    )
    t = s.table
    assert t[["radius_km", "window_days"]].values.tolist() == [
        [5, 3],
        [5, 7],
        [300, 3],
        [300, 7],
    ]
    assert set(t.verdict) <= set(VERDICTS)
    # Each row's verdict is the one its own interval and test give.
    for r in t.itertuples(index=False):
        if r.verdict == "escalation":
            assert r.ci_lower > 0 and r.p_value < 0.05
    # The statement follows the verdicts: one verdict, or where each holds.
    if s.is_stable:
        assert s.statement().startswith("The verdict is")
    else:
        assert "changes across radii/windows" in s.statement()
        for v in s.verdicts:
            assert v in s.statement()
    # A hand-made table with two verdicts says where each holds.
    flipped = type(s)(t.assign(verdict=["escalation"] * 3 + ["inconclusive"]), {})
    assert not flipped.is_stable
    assert "inconclusive at 300 km/7 d" in flipped.statement()
    assert json.loads(s.to_json())["is_stable"] == s.is_stable


def test_sweep_bad_grid():
    ev = simulate_retaliation(effect=0.0, n_days=100, n_places=2, rng=0)
    with pytest.raises(ValueError, match="positive radii"):
        effect_sweep(ev, treatment=TREAT, outcome=OUT, radii_km=[0])


def _subsample(n_strikes: int, seed: int = 0) -> pd.DataFrame:
    ev = simulate_retaliation(effect=0.0, n_days=300, n_places=4, rng=seed)
    strikes = ev[ev.event_type == "strike"].sample(n=n_strikes, random_state=seed)
    return pd.concat([ev[ev.event_type == "attack"], strikes]).sort_values("date")


def test_hawkes_and_event_study_minimums():
    m = MIN_EVENTS["hawkes"]
    few = effect_table(
        _subsample(m - 1), treatment=TREAT, outcome=OUT, n_placebos=300
    ).table.set_index(["estimator", "direction"])
    row = few.loc[("hawkes", "attack<-strike")]
    assert row["verdict"] == "not_estimable"
    assert f"need at least {m}" in row["reason"] and f"strike: {m - 1}" in row["reason"]
    # The event study's minimum counts interventions with full windows.
    k = MIN_EVENTS["event_study"]
    ev = _subsample(k + 2, seed=1)
    t = effect_table(ev, treatment=TREAT, outcome=OUT, n_placebos=300, hawkes=False)
    n_kept = t.event_study.results_.n_treated
    es = t.table.set_index(["estimator", "direction"]).loc[
        ("event_study", "attack<-strike")
    ]
    assert ("too few interventions" in es["reason"]) == (n_kept < k)


def _sparse_store(tmp_path, n_strikes: int, n_attacks: int, *, one_day: bool):
    from titfortat.events import EventStore

    g = np.random.default_rng(0)

    def rows(n, kind):
        days = np.zeros(n, int) if one_day else g.integers(0, 120, n)
        return pd.DataFrame(
            {
                "date": (
                    pd.Timestamp("2007-03-01") + pd.to_timedelta(days, "D")
                ).strftime("%Y-%m-%d"),
                "longitude": 44 + g.normal(0, 0.2, n),
                "latitude": 33 + g.normal(0, 0.2, n),
                "type": kind,
            }
        )

    air, ins = tmp_path / "air.csv", tmp_path / "ins.csv"
    rows(n_strikes, "Airstrike").to_csv(air, index=False)
    rows(n_attacks, "IED").to_csv(ins, index=False)
    path = tmp_path / "sparse.duckdb"
    st = EventStore(path)
    st.ingest(air, format="table", mapping="geocausal-airstrikes")
    st.ingest(ins, format="table", mapping="geocausal-insurgencies")
    st.close()
    return path


@pytest.mark.parametrize(("n_strikes", "one_day"), [(5, False), (3, True)])
def test_effect_cli_on_a_sparse_store_answers_without_a_traceback(
    tmp_path, n_strikes, one_day
):
    path = _sparse_store(tmp_path, n_strikes, 60, one_day=one_day)
    res = runner.invoke(
        app,
        [
            "effect",
            "--store",
            str(path),
            "-t",
            "source_event_type=Airstrike",
            "--outcome",
            "event_type=attack",
            "--format",
            "json",
        ],
    )
    # Either a table whose rows say why they are not estimable, or one clear
    # error line: never a traceback.
    assert "Traceback" not in res.output
    if res.exit_code == 0:
        rows = json.loads(res.stdout)
        assert len(rows) == 10
        for r in rows:
            key = "count_ar" if r["estimator"].startswith("count_ar") else None
            minimum = MIN_EVENTS[key or r["estimator"]]
            if n_strikes < minimum:
                assert r["verdict"] == "not_estimable" and r["reason"], r
                if r["estimator"] not in ("before_after", "event_study"):
                    assert f"need at least {minimum}" in r["reason"], r
            assert r["verdict"] in VERDICTS
    else:
        assert res.exit_code == 1, res.output
        assert res.output.count("\n") <= 3, res.output


def test_effect_cli_sweep(tmp_path):
    path = _sparse_store(tmp_path, 40, 400, one_day=False)
    args = ["effect", "--store", str(path), "-t", "source_event_type=Airstrike"]
    args += ["--outcome", "event_type=attack", "--sweep"]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert len(out["rows"]) == 12  # radii 5, 10, 25, 50 x windows 3, 7, 14
    verdicts = {r["verdict"] for r in out["rows"]}
    assert out["is_stable"] == (len(verdicts) == 1)
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "The verdict" in res.output


def test_radius_covering_the_whole_area_is_not_estimable():
    # Every place within the radius of every other: matched placebos are all
    # alike and the randomisation null has no spread.
    ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    t = effect_table(ev, treatment=TREAT, outcome=OUT, radius_km=5000, hawkes=False)
    assert t.event_study.results_.is_degenerate
    row = t.table.set_index("estimator").loc["event_study"]
    assert row["verdict"] == "not_estimable" and "no spread" in row["reason"]


@pytest.mark.slow
def test_effect_cli_radius_covering_the_whole_area_is_not_estimable():
    # On the bundled Iraq data a 1000 km radius made every placebo alike: the
    # pool-shift division raised before; now the row says why.
    res = runner.invoke(
        app,
        [
            "effect",
            "--demo",
            "-t",
            "source_event_type=Airstrike",
            "--outcome",
            "event_type=attack",
            "--radius-km",
            "1000",
            "--no-hawkes",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = {r["estimator"]: r for r in json.loads(res.stdout)}
    es = rows["event_study"]
    assert es["verdict"] == "not_estimable" and "no spread" in es["reason"]
