"""Real data (skipped without ../shared): ESOC/IBC coalition vs insurgent.

A 2006-2007 slice keeps CI fast; the full evaluation is
benchmarks/attribution_ibc.py and benchmarks/attribution_ucdp.py.
"""

from __future__ import annotations

import pytest

from titfortat.attribution import BannerAttribution
from titfortat.attribution.benchmarks import ibc_task, ucdp_task

CATS = ("admin1", "admin2", "weapon", "deaths", "day_of_week")


def _slice(ev, allowed):
    sel = ((ev["date"] >= "2006-01-01") & (ev["date"] < "2008-01-01")).to_numpy()
    return ev[sel], allowed[sel]


def test_ibc_masked_beats_baselines_and_leak_shows(shared_data):
    ev, allowed = _slice(*ibc_task(shared_data / "esoc-ibc-iraq"))
    assert "cause_of_death" not in ev.columns
    assert not ev["weapon"].str.contains(r"\bus\b", case=False).fillna(False).any()
    train = (ev["date"] < "2007-01-01").to_numpy()
    model = BannerAttribution(categorical=CATS, spatial=False, other_prior=0.0)
    model.fit(ev[train], allowed=allowed[train])
    res = model.evaluate(ev[~train], allowed=allowed[~train])
    tab = res.table
    assert res.n_test > 800  # 2007 labelled incidents
    for name in ("prior_only", "majority", "random_forest"):
        assert tab.loc["model", "log_loss"] < tab.loc[name, "log_loss"], name
        assert tab.loc["model", "brier"] < tab.loc[name, "brier"], name
    assert "without coordinates" in str(res)

    leak, leak_allowed = _slice(
        *ibc_task(shared_data / "esoc-ibc-iraq", mask_leaks=False)
    )
    leaky = BannerAttribution(
        categorical=(*CATS, "cause_of_death"), spatial=False, other_prior=0.0
    ).fit(leak[train], allowed=leak_allowed[train])
    leak_res = leaky.evaluate(
        leak[~train], allowed=leak_allowed[~train], baselines=False
    )
    # the perpetrator tags make the task much easier: masking them matters
    assert leak_res.table.loc["model", "top1"] > tab.loc["model", "top1"] + 0.05


def test_ucdp_task_masks_side_a_and_dates_candidates(shared_data):
    ev, allowed = ucdp_task(shared_data / "ucdp-ged-iraq-syria")
    assert "conflict_name" not in ev.columns and "side_a" not in ev.columns
    assert allowed.shape == (len(ev), ev["actor_id"].nunique())
    assert allowed["other_groups"].all()
    # every event's own perpetrator is among its candidates
    own = allowed.to_numpy()[
        range(len(ev)), allowed.columns.get_indexer(ev["actor_id"])
    ]
    assert own.all()
    # IS is not a candidate in Iraq before it was active there in GED
    iraq_1990s = (ev["country"] == "Iraq") & (ev["date"] < "1999-01-01")
    if iraq_1990s.any():
        assert not allowed.loc[iraq_1990s, "IS"].any()
    with pytest.raises(FileNotFoundError):
        ucdp_task(shared_data / "no-such-folder" / "x.csv")
