"""``titfortat attribute`` on a store built from the bundled 2023-24 network."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from titfortat.attribution import BannerAttackSimulator
from titfortat.cli import app
from titfortat.events import EventStore, validate_events
from titfortat.events.schema import column_names


def _store_with(path, events):
    frame = validate_events(events)[column_names()]
    with EventStore(path) as st:
        con = st.connection
        con.register("_sim", frame)
        con.execute("INSERT INTO events SELECT * FROM _sim")
        con.unregister("_sim")


@pytest.fixture(scope="module")
def sim_store(tmp_path_factory):
    # simulated banner attacks tied to the bundled network's actor ids
    sim = BannerAttackSimulator(n_events=800, rng=5).run()
    path = tmp_path_factory.mktemp("attr") / "sim.duckdb"
    _store_with(path, sim.events)
    return path, sim


def test_attribute_json_and_csv(sim_store, tmp_path):
    path, sim = sim_store
    out = tmp_path / "post.csv"
    res = CliRunner().invoke(
        app,
        [
            "attribute",
            "--store",
            str(path),
            "--train-until",
            "2024-05-01",
            "--output",
            str(out),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    for key in (
        "model",
        "n_train",
        "n_test",
        "top1",
        "top3",
        "macro_f1",
        "log_loss",
        "brier",
        "ece",
        "set_coverage",
        "mean_set_size",
    ):
        assert key in body
    assert set(body["baselines"]) == {"prior_only", "majority", "random_forest"}
    n_banner = int((sim.events["actor_id"] == sim.banner_id).sum())
    assert body["n_attributed"] == n_banner
    post = pd.read_csv(out)
    for col in (
        "event_id",
        "source_event_id",
        "date",
        "candidate",
        "candidate_name",
        "probability",
        "in_set",
    ):
        assert col in post.columns
    sums = post.groupby("event_id")["probability"].sum()
    assert (sums.sub(1).abs() < 1e-9).all()
    late = post[
        (pd.to_datetime(post["date"]) > "2024-01-30") & (post["candidate"] == "kh")
    ]
    assert (late["probability"] == 0).all()
    with EventStore(path, read_only=True) as st:
        n = st.connection.execute(
            "SELECT count(DISTINCT event_id) FROM attribution_posteriors"
        ).fetchall()[0][0]
        banners = st.connection.execute(
            "SELECT DISTINCT banner_id FROM attribution_posteriors"
        ).fetchall()
    assert n == n_banner
    assert banners == [("iri",)]
    # no silent overwrite
    again = CliRunner().invoke(
        app, ["attribute", "--store", str(path), "--output", str(out)]
    )
    assert again.exit_code == 2
    assert "--force" in again.output


def test_attribute_table_output(sim_store):
    path, _ = sim_store
    res = CliRunner().invoke(app, ["attribute", "--store", str(path)])
    assert res.exit_code == 0, res.output
    assert "random_forest" in res.output
    assert "without coordinates" in res.output


def test_attribute_errors(sim_store, tmp_path):
    path, sim = sim_store
    res = CliRunner().invoke(
        app, ["attribute", "--store", str(path), "--banner", "Nobody Brigade"]
    )
    assert res.exit_code == 1
    assert "resolves to no actor" in res.output
    assert "Traceback" not in res.output
    empty = tmp_path / "nolabels.duckdb"
    _store_with(empty, sim.events.assign(actor_id=sim.banner_id))
    res = CliRunner().invoke(app, ["attribute", "--store", str(empty)])
    assert res.exit_code == 1
    assert "own name" in res.output
    res = CliRunner().invoke(app, ["attribute", "--store", str(tmp_path / "x.db")])
    assert res.exit_code == 1
    assert "No event store" in res.output
