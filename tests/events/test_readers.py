"""Each reader loads its fixture and maps it onto the canonical schema."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from titfortat.events import EVENT_TYPES, EventStore, get_reader
from titfortat.events.sources.gdelt import gdelt_columns


def by_id(store: EventStore) -> pd.DataFrame:
    return store.query().set_index("event_id")


def test_acled_fixture(store, fixtures):
    report = store.ingest(fixtures / "acled.csv", format="acled")
    assert (report.read, report.inserted, report.quarantined) == (8, 8, 0)
    ev = by_id(store)
    # Militia rocket attack -> attack; US drone strike ("External/Other forces"
    # but actor1 "Military Forces of ...") -> strike; protest; strategic -> other.
    assert ev.loc["acled:IRQ90001", "event_type"] == "attack"
    assert ev.loc["acled:IRQ90002", "event_type"] == "strike"
    assert ev.loc["acled:IRQ90006", "event_type"] == "strike"  # inter1 State forces
    assert ev.loc["acled:IRQ90007", "event_type"] == "protest"
    assert ev.loc["acled:IRQ90005", "event_type"] == "other"
    assert ev.loc["acled:IRQ90005", "date_precision"] == "week"
    assert ev.loc["acled:SYR90008", "date_precision"] == "month"
    assert ev.loc["acled:SYR90003", "geo_precision"] == "admin1"
    assert ev.loc["acled:JOR90004", "fatalities_best"] == 3
    assert ev.loc["acled:IRQ90002", "assoc_actors"] == "Popular Mobilization Forces"
    assert ev.loc["acled:IRQ90002", "source_sub_event_type"] == "Air/drone strike"
    assert ev.loc["acled:JOR90004", "date"] == pd.Timestamp("2024-01-28")
    assert ev.loc["acled:JOR90004", "latitude"] == pytest.approx(33.3183)
    assert ev.loc["acled:SYR90008", "target_type"] == "civilians"
    assert set(ev["event_type"]) <= set(EVENT_TYPES)
    assert (ev["source_file"].str.endswith("acled.csv")).all()
    assert sorted(ev["source_row"]) == list(range(1, 9))


def test_acled_old_export_dates_and_numeric_inter(store, fixtures):
    store.ingest(fixtures / "acled_old.csv", format="acled")
    ev = by_id(store)
    assert ev.loc["acled:IRQ80001", "date"] == pd.Timestamp("2023-10-17")
    assert ev.loc["acled:IRQ80001", "event_type"] == "attack"  # inter1 = 3
    assert ev.loc["acled:IRQ80002", "event_type"] == "strike"  # inter1 = 1


def test_ucdp_fixture(store, fixtures):
    report = store.ingest(fixtures / "ucdp_ged.csv", format="ucdp")
    assert (report.inserted, report.quarantined) == (4, 0)
    ev = by_id(store)
    assert ev.loc["ucdp:990001", "event_type"] == "other"  # state-based: no initiator
    assert ev.loc["ucdp:990001", "source_event_type"] == "state-based conflict"
    assert ev.loc["ucdp:990002", "event_type"] == "attack"  # one-sided, non-state
    assert ev.loc["ucdp:990003", "event_type"] == "strike"  # one-sided by government
    assert ev.loc["ucdp:990004", "event_type"] == "attack"  # non-state
    assert ev.loc["ucdp:990002", "date_precision"] == "week"
    assert ev.loc["ucdp:990002", "date_end"] == pd.Timestamp("2024-01-16")
    assert ev.loc["ucdp:990003", "date_precision"] == "month"
    assert ev.loc["ucdp:990003", "geo_precision"] == "admin1"
    row = ev.loc["ucdp:990003"]
    assert (row["fatalities_best"], row["fatalities_low"], row["fatalities_high"]) == (
        6,
        5,
        9,
    )
    assert ev.loc["ucdp:990001", "actor2"] == "IS"


def test_gtd_fixture_day_zero_and_claims(store, fixtures):
    report = store.ingest(fixtures / "gtd.csv", format="gtd")
    assert (report.inserted, report.quarantined) == (4, 0)
    ev = by_id(store)
    assert ev.loc["gtd:201902000001", "date"] == pd.Timestamp("2019-02-01")
    assert ev.loc["gtd:201902000001", "date_precision"] == "month"
    assert ev.loc["gtd:201900000001", "date"] == pd.Timestamp("2019-01-01")
    assert ev.loc["gtd:201900000001", "date_precision"] == "year"
    assert ev.loc["gtd:201901010001", "date_precision"] == "day"
    kh = ev.loc["gtd:202001030001"]
    assert kh["banner"] == "Kataib Hezbollah" and bool(kh["claimed"])
    assert bool(kh["actor_uncertain"]) is True  # guncertain1 = 1
    assert bool(ev.loc["gtd:201901010001", "actor_uncertain"]) is False
    assert kh["assoc_actors"] == "Harakat Hezbollah al-Nujaba; Asaib Ahl al-Haq"
    assert bool(ev.loc["gtd:201900000001", "actor_uncertain"]) is True
    assert pd.isna(ev.loc["gtd:201900000001", "banner"])  # not claimed
    assert kh["weapon"] == "Explosives" and kh["target_type"] == "Military"
    assert (ev["event_type"] == "attack").all()


def test_gtd_codes_only_use_codebook_labels(store, fixtures):
    store.ingest(fixtures / "gtd_codes.csv", format="gtd")
    row = by_id(store).loc["gtd:201905050001"]
    assert row["source_event_type"] == "Bombing/Explosion"
    assert row["weapon"] == "Explosives"
    assert row["target_type"] == "Military"
    assert pd.isna(row["claimed"])  # -9 = unknown
    assert row["fatalities_best"] == 1


def test_gtd_xlsx_matches_csv(tmp_path, fixtures):
    from openpyxl import Workbook

    frame = pd.read_csv(fixtures / "gtd.csv", dtype=str, keep_default_na=False)
    wb = Workbook()
    ws = wb.active
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        # Excel stores numbers as numbers: write the numeric cells as such.
        ws.append(
            [
                float(v) if v.replace(".", "", 1).replace("-", "", 1).isdigit() else v
                for v in row
            ]
        )
    wb.save(tmp_path / "gtd.xlsx")
    with EventStore(tmp_path / "a.duckdb") as a, EventStore(tmp_path / "b.duckdb") as b:
        a.ingest(fixtures / "gtd.csv", format="gtd")
        b.ingest(tmp_path / "gtd.xlsx", format="gtd")
        cols = [
            "event_id",
            "date",
            "date_precision",
            "actor",
            "banner",
            "latitude",
            "fatalities_best",
            "weapon",
            "content_hash",
        ]
        pd.testing.assert_frame_equal(a.query(columns=cols), b.query(columns=cols))


@pytest.mark.parametrize(
    ("name", "n_fields", "n_rows"),
    [("gdelt1.export.CSV", 58, 4), ("gdelt2.export.CSV", 61, 3)],
)
def test_gdelt_fixtures(store, fixtures, name, n_fields, n_rows):
    line = (fixtures / name).read_text().splitlines()[0]
    assert line.count("\t") + 1 == n_fields
    report = store.ingest(fixtures / name, format="gdelt")
    assert (report.inserted, report.quarantined) == (n_rows, 0)
    ev = store.query().set_index("source_event_id")
    first = ev.iloc[0]
    assert first["actor"] == "ISLAMIC RESISTANCE IN IRAQ"
    assert first["event_type"] == "attack"  # CAMEO 19, rebel initiator
    assert first["country"] == "Jordan"
    assert first["date"] == pd.Timestamp("2024-01-28")
    assert ev.iloc[1]["event_type"] == "strike"  # CAMEO 19 by MIL
    assert ev.iloc[2]["event_type"] == "protest"
    assert ev.iloc[2]["geo_precision"] == "country"


def test_gdelt_zip_and_glob(store, fixtures, tmp_path):
    import zipfile

    for day in ("20240128", "20240129"):
        with zipfile.ZipFile(tmp_path / f"{day}.export.CSV.zip", "w") as zf:
            zf.write(fixtures / "gdelt1.export.CSV", f"{day}.export.CSV")
    report = store.ingest(str(tmp_path / "*.export.CSV.zip"), format="gdelt")
    assert len(report.files) == 2
    assert (report.inserted, report.duplicates) == (4, 4)


def test_gdelt_wrong_field_count(store, tmp_path):
    bad = tmp_path / "mentions.CSV"
    bad.write_text("\t".join(["x"] * 16) + "\n")
    with pytest.raises(Exception, match="16 tab-separated fields.*Expected 57 or 58"):
        store.ingest(bad, format="gdelt")


def test_gdelt_column_names_are_unique():
    for version in (1, 2):
        cols = gdelt_columns(version)
        assert len(cols) == len(set(cols))
        assert cols[0] == "GLOBALEVENTID" and cols[-1] == "SOURCEURL"


def test_get_reader_repr_and_source_override():
    assert get_reader("gtd", source="gtd-2021").source == "gtd-2021"


def test_date_is_a_date_not_a_time(store, fixtures):
    store.ingest(fixtures / "acled.csv", format="acled")
    arrow = store.query(as_="arrow", columns=["date"])
    assert str(arrow.schema.field("date").type) == "date32[day]"
    assert arrow.column("date")[0].as_py() == dt.date(2024, 1, 20)
