"""Event input of the dynamics models: store frames, n_events weights, stores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from titfortat.dynamics import BinnedHawkes
from titfortat.dynamics._events import to_daily_counts, to_event_arrays
from titfortat.exceptions import DataError


def test_n_events_counts_each_row_that_many_times() -> None:
    df = pd.DataFrame(
        {
            "date": ["2015-01-01", "2015-01-01", "2015-01-03", "2015-01-04"],
            "event_type": ["strike", "attack", "strike", "attack"],
            "n_events": [5, 1, 0, 2],
        }
    )
    y, names, idx = to_daily_counts(df, node_col="event_type")
    assert names == ["attack", "strike"]
    assert y.tolist() == [[1, 5], [0, 0], [0, 0], [2, 0]]
    assert str(idx[0].date()) == "2015-01-01"
    arrays, names, end = to_event_arrays(df, node_col="event_type")
    assert [a.tolist() for a in arrays] == [[0.0, 3.0, 3.0], [0.0] * 5]
    assert end == 4.0
    bad = df.assign(n_events=[1, -1, 1, 1])
    with pytest.raises(DataError, match="row 1 has -1"):
        to_daily_counts(bad, node_col="event_type")


def test_models_read_an_event_store_directly(tmp_path) -> None:
    from titfortat.events import EventStore

    csv = tmp_path / "e.csv"
    rng = np.random.default_rng(0)
    days = pd.date_range("2020-01-01", periods=300, freq="D")
    rows = [
        (f"e{k}", d.date().isoformat(), kind, int(rng.poisson(2)) + 1)
        for k, (d, kind) in enumerate(
            (d, kind) for d in days for kind in ("strike", "attack")
        )
    ]
    pd.DataFrame(rows, columns=["id", "date", "kind", "count"]).to_csv(csv, index=False)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "source: toy\n"
        "columns:\n"
        "  source_event_id: id\n"
        "  date: date\n"
        "  event_type: kind\n"
        "  n_events: count\n"
    )
    with EventStore(tmp_path / "s.duckdb") as store:
        store.ingest(csv, format="table", mapping=mapping)
        from_store = BinnedHawkes(n_starts=1, rng=0).fit(store, node_col="event_type")
        frame = store.query()
    from_frame = BinnedHawkes(n_starts=1, rng=0).fit(frame, node_col="event_type")
    total = int(frame["n_events"].sum())
    y, _, _ = to_daily_counts(frame, node_col="event_type")
    assert y.sum() == total  # weights, not rows
    np.testing.assert_allclose(from_store.adjacency_, from_frame.adjacency_)


def test_nodes_restricting_a_frame_counts_what_it_leaves_out() -> None:
    # nodes= selects and orders the nodes of a frame; the other nodes' events
    # are not dropped silently: the warning counts them (and a fit records it).
    from titfortat.dynamics import ExpHawkes
    from titfortat.exceptions import DataQualityWarning

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "time": np.sort(rng.uniform(0, 200, 300)),
            "node": rng.choice(["a", "b", "c"], 300),
        }
    )
    n_c = int((df["node"] == "c").sum())
    with pytest.warns(DataQualityWarning, match=rf"{n_c} events of 1 node\(s\)"):
        arrays, names, _ = to_event_arrays(df, nodes=["b", "a"])
    assert names == ["b", "a"] and sum(a.size for a in arrays) == 300 - n_c
    with pytest.warns(DataQualityWarning, match=r"left out: \['c'\]"):
        m = ExpHawkes(decay=1.0, n_starts=1).fit(df, nodes=["a", "b"])
    assert any("left out" in w for w in m.warnings_)


def test_a_dict_of_events_is_read_against_the_nodes() -> None:
    # Scoring a dict: a node may be missing (no events in that window), an
    # unknown key is refused; fitting with nodes= that the dict lacks is a
    # DataError naming them (it was a KeyError).
    from titfortat.dynamics import ExpHawkes
    from titfortat.exceptions import DataQualityWarning

    rng = np.random.default_rng(1)
    a, b = np.sort(rng.uniform(0, 100, 80)), np.sort(rng.uniform(0, 100, 60))
    m = ExpHawkes(decay=1.0, n_starts=1).fit({"a": a, "b": b}, end_time=100.0)
    assert m.score({"b": b}, end_time=100.0) == pytest.approx(
        m.score([np.array([]), b], end_time=100.0)
    )
    with pytest.raises(DataError, match=r"not fitted on: \['z'\]"):
        m.score({"a": a, "z": b}, end_time=100.0)
    with pytest.raises(DataError, match=r"No events given for nodes \['c'\]"):
        ExpHawkes(decay=1.0).fit({"a": a}, nodes=["a", "c"])
    with pytest.warns(DataQualityWarning, match="60 events of 1 node"):
        to_event_arrays({"a": a, "b": b}, nodes=["a"])
