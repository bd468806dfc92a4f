"""The real data sets load with the row counts ../shared/data/README.md states."""

from __future__ import annotations

import pytest

from titfortat.datasets import bundled_path, iraq_paths
from titfortat.events import EventStore


@pytest.mark.parametrize(
    ("period", "n_air", "n_attacks", "first", "last"),
    [
        ("2007", 3_938, 68_573, "2007-02-23", "2008-07-05"),
        ("2006", 2_101, 37_701, "2006-01-01", "2006-09-24"),
    ],
)
def test_bundled_geocausal_iraq(period, n_air, n_attacks, first, last):
    paths = iraq_paths(period)
    with EventStore(":memory:") as st:
        air = st.ingest(
            paths["airstrikes"], format="table", mapping="geocausal-airstrikes"
        )
        att = st.ingest(
            paths["insurgencies"], format="table", mapping="geocausal-insurgencies"
        )
        assert (air.read, air.inserted, air.quarantined) == (n_air, n_air, 0)
        assert (att.read, att.inserted, att.quarantined) == (n_attacks, n_attacks, 0)
        assert st.count(event_type="strike") == n_air
        dates = st.query(columns=["date"])["date"]
        assert str(dates.min().date()) == first and str(dates.max().date()) == last
        types = set(st.query(columns=["source_event_type"])["source_event_type"])
        assert types == {"Airstrike", "SOF", "IED", "SAF", "other"}


def test_bundled_files_equal_the_shared_originals(shared_data):
    import gzip

    for name, original in [
        ("geocausal_airstrikes.csv.gz", "geocausal-iraq-2007/airstrikes.csv"),
        (
            "geocausal_insurgencies_2006.csv.gz",
            "geocausal-iraq-2007/insurgencies_2006.csv",
        ),
        ("centcom_oir_strikes.csv.gz", "centcom-oir-strikes/all-edited-refined.csv"),
    ]:
        with gzip.open(bundled_path(name), "rb") as fh:
            assert fh.read() == (shared_data / original).read_bytes(), name


def test_geocausal_airstrikes_base(shared_data):
    with EventStore(":memory:") as st:
        rep = st.ingest(
            shared_data / "geocausal-iraq-2007" / "airstrikes_base.csv",
            format="table",
            mapping="geocausal-airstrikes-base",
        )
        assert (rep.read, rep.inserted, rep.quarantined) == (808, 808, 0)


def test_centcom_strikes_rows_and_strike_total(shared_data):
    with EventStore(":memory:") as st:
        rep = st.ingest(
            shared_data / "centcom-oir-strikes" / "all-edited-refined.csv",
            format="table",
            mapping="centcom-strikes",
        )
        assert (rep.read, rep.inserted, rep.quarantined) == (5_531, 5_531, 0)
        total = st.counts(freq="year", by="source").sum().sum()
        assert total == 12_241
        d = st.query(columns=["date"])["date"]
        assert (
            str(d.min().date()) == "2014-12-19" and str(d.max().date()) == "2016-10-17"
        )


def test_esoc_ibc_incidents(shared_data):
    with EventStore(":memory:") as st:
        rep = st.ingest(
            shared_data / "esoc-ibc-iraq" / "Civilian-Casualty-Data.lf.csv",
            format="table",
            mapping="esoc-ibc-incidents",
        )
        assert (rep.read, rep.inserted, rep.quarantined) == (21_100, 21_100, 0)
        d = st.query(columns=["date"])["date"]
        assert (
            str(d.min().date()) == "2003-03-20" and str(d.max().date()) == "2009-06-30"
        )
        # The aggregated 20 Mar - 9 Apr 2003 reports span three weeks.
        ev = st.query().set_index("event_id")
        assert ev.loc["esoc-ibc:21084", "date_precision"] == "month"
        assert ev.loc["esoc-ibc:21084", "fatalities_high"] == 2000


def test_esoc_sigact_district_week_panel(shared_data):
    with EventStore(":memory:") as st:
        rep = st.ingest(
            shared_data / "esoc-ibc-iraq" / "Violence_district_level_week.csv",
            format="table",
            mapping="esoc-sigact-district-week",
        )
        assert (rep.read, rep.inserted, rep.quarantined) == (27_456, 27_456, 0)
        frame = st.query(columns=["admin2", "date", "n_events"])
        assert frame["admin2"].nunique() == 104 and frame["date"].nunique() == 264
        assert int(frame["n_events"].sum()) == 194_978
        # Stata %tw 2292 = 2004w5, which starts on 29 January 2004.
        assert str(frame["date"].min().date()) == "2004-01-29"
        country = st.ingest(
            shared_data / "esoc-ibc-iraq" / "Violence_country_level_week.csv",
            format="table",
            mapping="esoc-sigact-country-week",
        )
        assert country.inserted == 264
        assert st.count(source="esoc-sigact-country") == 264


def test_us_strikes_key_dates(shared_data):
    with EventStore(":memory:") as st:
        rep = st.ingest(
            shared_data / "us-militia-2023-24-counts" / "us_strikes_key_dates.csv",
            format="table",
            mapping="us-strikes-key-dates",
        )
        assert rep.inserted == 8
        assert st.count(since="2024-02-02", until="2024-02-02") >= 1
