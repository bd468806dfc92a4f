"""EventStore: dedupe, queries, exports, schema version and bookkeeping."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from titfortat.events import EventStore, ParquetEvents
from titfortat.exceptions import DataError, SchemaVersionError, StoreError


def test_reingest_inserts_nothing_new(store, fixtures):
    first = store.ingest(fixtures / "acled.csv", format="acled")
    again = store.ingest(fixtures / "acled.csv", format="acled")
    assert (first.inserted, first.duplicates) == (8, 0)
    assert (again.read, again.inserted, again.duplicates) == (8, 0, 8)
    assert store.count() == 8
    assert again.ingest_id == first.ingest_id + 1
    assert store.ingests()["n_inserted"].tolist() == [8, 0]


def test_idless_rows_dedupe_on_content_and_keep_identical_twins(store, tmp_path):
    path = tmp_path / "t.csv"
    # Two identical reports on one day are kept as two events.
    path.write_text("day,kind\n2024-01-01,a\n2024-01-01,a\n2024-01-02,b\n")
    mapping = {
        "source": "mine",
        "columns": {"date": "day", "source_event_type": "kind"},
    }
    assert store.ingest(path, format="table", mapping=mapping).inserted == 3
    again = store.ingest(path, format="table", mapping=mapping)
    assert (again.inserted, again.duplicates) == (0, 3)
    ids = sorted(store.query()["event_id"])
    assert len(set(ids)) == 3 and sum(i.endswith(":2") for i in ids) == 1
    # Same content from another file is recognised too.
    other = tmp_path / "u.csv"
    other.write_text("day,kind\n2024-01-02,b\n2024-01-03,c\n")
    rep = store.ingest(other, format="table", mapping=mapping)
    assert (rep.inserted, rep.duplicates) == (1, 1)


def test_id_keyed_rows_skip_the_hash_and_still_dedupe(store, fixtures, tmp_path):
    # Rows keyed by the source's own id need no content hash (issue 14); a
    # re-ingest still skips every stored id, even when a row's text changed
    # since (a revised export), and keeps the stored row as it was.
    store.ingest(fixtures / "acled.csv", format="acled")
    assert store.query()["content_hash"].isna().all()
    text = (fixtures / "acled.csv").read_text()
    assert text.count("Islamic Resistance in Iraq") >= 1
    revised = tmp_path / "acled.csv"
    revised.write_text(text.replace("Islamic Resistance in Iraq", "IRI (revised)"))
    again = store.ingest(revised, format="acled")
    assert (again.read, again.inserted, again.duplicates) == (8, 0, 8)
    assert not store.query()["actor"].str.contains("revised", na=False).any()


def test_idless_rows_are_keyed_by_their_content_hash(store, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("day,kind\n2024-01-01,a\n2024-01-02,b\n")
    columns = {"date": "day", "source_event_type": "kind"}
    store.ingest(path, format="table", mapping={"source": "mine", "columns": columns})
    ev = store.query()
    assert ev["content_hash"].str.fullmatch("[0-9a-f]{32}").all()
    assert ev["content_hash"].nunique() == 2
    keys = "mine:h" + ev["content_hash"].str[:16]
    assert (ev["event_id"] == keys).all()


def test_report_adds_up_and_serialises(store, fixtures):
    rep = store.ingest(
        [fixtures / "acled.csv", fixtures / "acled_old.csv"], format="acled"
    )
    assert rep.read == rep.inserted + rep.duplicates + rep.quarantined == 10
    d = rep.to_dict()
    assert {"read", "inserted", "duplicates", "quarantined"} <= set(d)
    assert len(d["files"]) == 2 and "10 rows from 2 file(s)" in str(rep)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 6),  # id (repeats happen)
            st.sampled_from(["2024-01-05", "2024-02-30", "", "05 January 2024"]),
            st.sampled_from(["33.1", "95", "x"]),
            st.sampled_from(["0", "3", "-1", "many"]),
        ),
        max_size=25,
    )
)
def test_every_row_is_accounted_for(tmp_path_factory, fixtures, rows):
    header = (fixtures / "acled.csv").read_text().splitlines()[0]
    cols = header.split(",")
    lines = [header]
    for ident, date, lat, fat in rows:
        vals = dict.fromkeys(cols, "")
        vals.update(
            event_id_cnty=f"H{ident}",
            event_date=date,
            event_type="Battles",
            actor1="A",
            country="Iraq",
            latitude=lat,
            longitude="44.0",
            fatalities=fat,
        )
        lines.append(",".join(vals[c] for c in cols))
    path = tmp_path_factory.mktemp("h") / "h.csv"
    path.write_text("\n".join(lines) + "\n")
    with EventStore(":memory:") as s:
        rep = s.ingest(path, format="acled")
        assert rep.read == len(rows)
        assert rep.read == rep.inserted + rep.duplicates + rep.quarantined
        assert s.count() == rep.inserted
        assert len(s.quarantine()) == rep.quarantined
        again = s.ingest(path, format="acled")
        assert again.inserted == 0 and again.duplicates == rep.inserted


def test_query_filters(store, fixtures):
    store.ingest(fixtures / "acled.csv", format="acled")
    assert store.count(country="iraq") == 5
    assert store.count(country=["Syria", "Jordan"]) == 3
    assert store.count(event_type="strike") == 2
    assert store.count(event_type=["strike", "protest"]) == 3
    assert store.count(since="2024-01-28", until="2024-02-02") == 4
    assert store.count(since=dt.date(2024, 2, 3)) == 2
    assert store.count(actor="kataib hezbollah") == 2  # actor1 or actor2
    assert store.count(admin1="Al Anbar") == 2
    # Tower 22 only: (min_lon, min_lat, max_lon, max_lat)
    assert store.query(bbox=(38, 33, 39, 34))["location"].tolist() == ["Tower 22"]
    frame = store.query(columns=["event_id", "date"], limit=3)
    assert list(frame.columns) == ["event_id", "date"] and len(frame) == 3
    assert frame["date"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"since": "02/02/2024"}, "'since' filter must be a date"),
        ({"event_type": "raid"}, "'event_type' filter must be among"),
        ({"bbox": (40, 30, 39, 35)}, "'bbox' filter must be"),
        ({"columns": ["nope"]}, "Unknown column"),
    ],
)
def test_bad_filters_are_clear(store, kwargs, match):
    with pytest.raises(DataError, match=match):
        store.query(**kwargs)


def test_arrow_and_streaming_batches(store, fixtures):
    store.ingest(fixtures / "acled.csv", format="acled")
    table = store.query(as_="arrow")
    assert table.num_rows == 8
    batches = list(store.iter_batches(batch_size=3, event_type="attack"))
    assert sum(b.num_rows for b in batches) == store.count(event_type="attack")
    store.count()  # the store is usable while and after streaming


def test_export_csv_and_parquet_round_trip(store, fixtures, tmp_path):
    store.ingest(fixtures / "acled.csv", format="acled")
    csv_path = store.export(tmp_path / "e.csv", country="Iraq")
    assert len(pd.read_csv(csv_path)) == 5
    pq = store.export(tmp_path / "e.parquet")
    back = pd.read_parquet(pq)
    assert sorted(back["event_id"]) == sorted(store.query()["event_id"])


def test_partitioned_parquet_queries_like_the_store(store, fixtures, tmp_path):
    store.ingest([fixtures / "acled.csv", fixtures / "acled_old.csv"], format="acled")
    out = tmp_path / "lake"
    store.export(
        out, format="parquet", partition_by=["year", "month"], until="2023-12-31"
    )
    store.export(
        out,
        format="parquet",
        partition_by=["year", "month"],
        append=True,
        since="2024-01-01",
    )
    assert (out / "year=2024" / "month=1").is_dir()
    with ParquetEvents(out) as lake:
        assert lake.count() == store.count() == 10
        for filters in (
            {"event_type": "strike"},
            {"country": "Syria"},
            {"since": "2024-01-28"},
            {"actor": "Islamic Resistance"},
        ):
            assert lake.count(**filters) == store.count(**filters), filters
        got = lake.query(since="2024-02-01")["event_id"].tolist()
        assert got == store.query(since="2024-02-01")["event_id"].tolist()


def test_counts_fill_empty_periods(store, fixtures):
    store.ingest(fixtures / "acled.csv", format="acled")
    daily = store.counts(freq="day", by="event_type")
    assert daily.index[0] == pd.Timestamp("2024-01-20")
    assert len(daily) == 16  # 20 Jan .. 4 Feb, zeros included
    assert int(daily.sum().sum()) == 8
    assert int(daily.loc["2024-01-28", "attack"]) == 2


def test_schema_version_checked_on_open(tmp_path):
    path = tmp_path / "s.duckdb"
    EventStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(SchemaVersionError, match="schema version 99"):
        EventStore(path)


def test_foreign_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    with pytest.raises(SchemaVersionError, match="not a titfortat event store"):
        EventStore(path)


def test_read_only(tmp_path, fixtures):
    path = tmp_path / "r.duckdb"
    with pytest.raises(StoreError, match="No event store"):
        EventStore(path, read_only=True)
    with EventStore(path) as st_:
        st_.ingest(fixtures / "acled.csv", format="acled")
    with EventStore(path, read_only=True) as ro:
        assert ro.count() == 8 and ro.schema_version == 1
        with pytest.raises(StoreError, match="read-only"):
            ro.ingest(fixtures / "acled.csv", format="acled")


def test_actor_ids_sit_next_to_raw_names(store, fixtures):
    store.ingest(fixtures / "acled.csv", format="acled")
    names = store.distinct_actor_names()
    assert "Kataib Hezbollah" in names and "Popular Mobilization Forces" in names
    changed = store.set_actor_ids(
        {"Kataib Hezbollah": "kh", "Islamic Resistance in Iraq": "iri"}
    )
    ev = store.query().set_index("event_id")
    assert changed == 4
    assert ev.loc["acled:IRQ90005", "actor_id"] == "kh"
    assert ev.loc["acled:IRQ90002", "actor2_id"] == "kh"
    assert ev.loc["acled:IRQ90002", "actor2"] == "Kataib Hezbollah"  # raw kept
    assert store.count(actor="iri") == 2


def test_fingerprint_changes_with_content(store, fixtures):
    empty = store.fingerprint()
    store.ingest(fixtures / "acled.csv", format="acled")
    full = store.fingerprint()
    store.ingest(fixtures / "acled.csv", format="acled")
    assert empty != full == store.fingerprint()


def test_readme_gdelt_archive_recipe(fixtures, tmp_path):
    """The README's recipe: month by month into a Parquet lake, then query it."""
    import glob
    import zipfile
    from pathlib import Path

    archive = tmp_path / "gdelt"
    archive.mkdir()
    for day, name in (
        ("20240128", "gdelt1.export.CSV"),
        ("20240201", "gdelt2.export.CSV"),
    ):
        with zipfile.ZipFile(archive / f"{day}.export.CSV.zip", "w") as zf:
            zf.write(fixtures / name, f"{day}.export.CSV")
    lake = tmp_path / "gdelt-lake"
    months = sorted({Path(p).name[:6] for p in glob.glob(f"{archive}/*.zip")})
    for month in months:
        with EventStore(":memory:") as scratch:
            scratch.ingest(f"{archive}/{month}*.export.CSV.zip", format="gdelt")
            scratch.export(
                lake, format="parquet", partition_by=["year", "month"], append=True
            )
    with EventStore(":memory:") as direct, ParquetEvents(lake) as events:
        direct.ingest(f"{archive}/*.zip", format="gdelt")
        assert events.count() == direct.count() == 7
        assert events.count(event_type="strike") == direct.count(event_type="strike")
        batches = list(events.iter_batches(event_type="protest", batch_size=1))
        assert sum(b.num_rows for b in batches) == direct.count(event_type="protest")
