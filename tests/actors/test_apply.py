"""Writing resolved ids into an event store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from titfortat.actors import ActorNetwork, SupportsActorIds, apply_resolution


class FakeStore:
    """The two-method interface, over an in-memory frame (one row per event)."""

    def __init__(self, rows: list[tuple[str | None, str | None, str | None]]) -> None:
        self.frame = pd.DataFrame(rows, columns=["actor", "actor2", "banner"])
        for col in ("actor_id", "actor2_id", "banner_id"):
            self.frame[col] = None
        self.calls: list[dict[str, str | None]] = []

    def distinct_actor_names(self) -> list[str]:
        names = pd.concat([self.frame[c] for c in ("actor", "actor2", "banner")])
        return sorted({n for n in names if isinstance(n, str) and n})

    def set_actor_ids(self, mapping: dict[str, str | None]) -> int:
        self.calls.append(dict(mapping))
        touched = 0
        for raw, id_ in (
            ("actor", "actor_id"),
            ("actor2", "actor2_id"),
            ("banner", "banner_id"),
        ):
            hit = self.frame[raw].isin(list(mapping))
            self.frame.loc[hit, id_] = self.frame.loc[hit, raw].map(mapping)
            touched += int(hit.sum())
        return touched


ROWS = [
    ("Kataeb Hezbollah", "US forces", "Islamic Resistance in Iraq"),
    ("Unknown", "U.S. forces", None),
    ("Asa'ib Ahl al-Haq", None, None),
    ("Harakat al-Nujaba", None, "Islamic Resistance in Iraq"),
]


def test_fake_store_meets_protocol() -> None:
    assert isinstance(FakeStore(ROWS), SupportsActorIds)


def test_apply_resolution_with_fake_store() -> None:
    store = FakeStore(ROWS)
    report = apply_resolution(store)
    assert report.n_names == 7
    assert set(report.unresolved) == {"Unknown", "Asa'ib Ahl al-Haq"}
    assert report.ambiguous == []
    assert report.share_names == pytest.approx(5 / 7)
    # fake store has no query(): coverage is counted in name slots
    assert report.unit == "name slots"
    assert (report.n_events, report.n_events_resolved) == (8, 6)
    # raw names are kept, ids written next to them
    assert store.frame["actor"].tolist()[0] == "Kataeb Hezbollah"
    assert store.frame["actor_id"].tolist() == ["kh", None, None, "nujaba"]
    assert store.frame["actor2_id"].tolist()[:2] == ["us_forces", "us_forces"]
    assert store.frame["banner_id"].tolist()[0] == "iri"
    assert "names:  5/7 resolved" in str(report)
    assert report.to_dict()["unresolved"] == report.unresolved
    assert list(report.to_frame().columns)[:2] == ["raw", "actor_id"]


def test_stale_ids_are_cleared_and_overrides_win() -> None:
    store = FakeStore(ROWS)
    apply_resolution(store)
    report = apply_resolution(
        store, overrides={"Kataeb Hezbollah": None, "Unknown": "iri"}
    )
    assert store.frame["actor_id"].tolist() == [None, "iri", None, "nujaba"]
    assert "Kataeb Hezbollah" in report.unresolved
    assert store.calls[-2] == dict.fromkeys(store.distinct_actor_names())


def test_empty_store() -> None:
    report = apply_resolution(FakeStore([]))
    assert report.n_names == 0 and report.n_events == 0
    assert report.share_names != report.share_names  # NaN


def test_rejects_objects_without_the_interface() -> None:
    with pytest.raises(TypeError, match="distinct_actor_names"):
        apply_resolution(object())  # type: ignore[arg-type]


def test_real_store_with_demo_data(tmp_path: Path) -> None:
    from titfortat.datasets import load_demo_store

    store = load_demo_store(tmp_path / "demo.duckdb")
    try:
        report = apply_resolution(store, network="iraq_2006_08")
        assert report.unit == "events"
        assert report.unresolved == [] and report.ambiguous == []
        assert report.share_names == 1.0 and report.share_events == 1.0
        ids = store.query(columns=["actor", "actor_id"])
        pairs = set(map(tuple, ids.drop_duplicates().to_numpy().tolist()))
        assert pairs == {
            ("US-led coalition", "us_led_coalition"),
            ("Iraqi insurgents", "iraqi_insurgents"),
        }
        # against the 2023-24 network the same names stay unresolved, not guessed
        other = apply_resolution(store, network=ActorNetwork.load())
        assert other.n_resolved == 0 and other.share_events == 0.0
        assert store.query(columns=["actor_id"])["actor_id"].isna().all()
    finally:
        store.close()
