"""A user's GTD-format file goes through the GTD reader into attribution.

The rows are simulated (BannerAttackSimulator) and written in the GTD export
layout; no GTD row is used or shipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from titfortat.actors import apply_resolution
from titfortat.attribution import BannerAttackSimulator, attribute_store
from titfortat.events import EventStore


def test_gtd_layout_to_posteriors(tmp_path):
    sim = BannerAttackSimulator(n_events=700, rng=11).run()
    ev = sim.events
    rng = np.random.default_rng(0)
    unclaimed = rng.random(len(ev)) < 0.1
    uncertain = (~unclaimed) & (rng.random(len(ev)) < 0.05)
    names = ev["actor"].astype(str).to_numpy().copy()
    names[unclaimed] = "Unknown"
    date = pd.to_datetime(ev["date"])
    gtd = pd.DataFrame(
        {
            "eventid": [f"2023{i:08d}" for i in range(len(ev))],
            "iyear": date.dt.year,
            "imonth": date.dt.month,
            "iday": date.dt.day,
            "country_txt": ev["country"],
            "provstate": ev["admin1"],
            "city": "",
            "latitude": ev["latitude"],
            "longitude": ev["longitude"],
            "attacktype1_txt": "Bombing/Explosion",
            "targtype1_txt": ev["target_type"],
            "weaptype1_txt": ev["weapon"],
            "gname": names,
            "guncertain1": uncertain.astype(int),
            "claimed": (~unclaimed).astype(int),
        }
    )
    path = tmp_path / "gtd_style.csv"
    gtd.to_csv(path, index=False)
    with EventStore(tmp_path / "gtd.duckdb") as st:
        st.ingest(path, format="gtd")
        apply_resolution(st, None)
        evaluation, post, model = attribute_store(
            st, train_until="2024-05-01", include_unclaimed=True
        )
        stored = st.connection.execute(
            "SELECT count(DISTINCT event_id) FROM attribution_posteriors"
        ).fetchall()[0][0]
    n_latent = int(((ev["actor_id"] == sim.banner_id) | unclaimed | uncertain).sum())
    # banner claims, unclaimed attacks and suspected-only attributions are latent
    assert post["event_id"].nunique() == n_latent == stored
    assert model.n_labeled_ == int(
        (
            (ev["actor_id"] != sim.banner_id)
            & ~unclaimed
            & ~uncertain
            & (date < "2024-05-01")
        ).sum()
    )
    assert evaluation.n_test > 50
    assert (
        evaluation.table.loc["model", "top1"]
        > evaluation.table.loc["prior_only", "top1"]
    )
