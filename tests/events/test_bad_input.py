"""Bad input: one clear error for a bad file, quarantine for a bad row.

Each case named in the event-store issue has a test here.
"""

from __future__ import annotations

import pytest

from titfortat.exceptions import DataError, Reason, SchemaError


def write(path, header, rows, *, encoding="utf-8", newline="\n"):
    text = newline.join([header, *rows]) + newline
    path.write_bytes(text.encode(encoding))
    return path


def replace_field(row: str, old: str, new: str) -> str:
    assert old in row, (old, row)
    return row.replace(old, new, 1)


def test_missing_required_column(store, tmp_path, acled_lines):
    header, rows = acled_lines
    path = write(tmp_path / "a.csv", header.replace("event_date", "evt_date"), rows)
    with pytest.raises(
        SchemaError,
        match=r"a\.csv: required column\(s\) "
        r"\['event_date'\] missing",
    ) as err:
        store.ingest(path, format="acled")
    assert err.value.reason is Reason.MISSING_COLUMN
    assert "Check that --format is right" in str(err.value)
    assert store.count() == 0


def test_unknown_format(store, fixtures):
    with pytest.raises(DataError, match=r"Unknown format 'acledd'\. Expected one of"):
        store.ingest(fixtures / "acled.csv", format="acledd")


def test_non_utf8_file_is_one_clear_error_then_loads_with_encoding(
    store, tmp_path, acled_lines
):
    header, rows = acled_lines
    row = replace_field(rows[0], "Ain al-Asad Airbase", "Aïn al-Asad")
    path = write(tmp_path / "latin.csv", header, [row], encoding="latin-1")
    with pytest.raises(
        SchemaError,
        match=r"latin\.csv: line 2 .* not valid utf-8.*"
        r"encoding='latin-1'",
    ) as err:
        store.ingest(path, format="acled")
    assert err.value.reason is Reason.ENCODING
    assert store.count() == 0
    report = store.ingest(path, format="acled", encoding="latin-1")
    assert report.inserted == 1
    assert store.query()["location"].iloc[0] == "Aïn al-Asad"


def test_cp1252_is_transcoded(store, tmp_path, acled_lines):
    header, rows = acled_lines
    # \u2019 (right single quote) exists in cp1252 (0x92) but not in latin-1.
    row = replace_field(rows[0], "Ain al-Asad Airbase", "Ain al\u2019Asad")
    path = write(tmp_path / "cp.csv", header, [row], encoding="cp1252")
    store.ingest(path, format="acled", encoding="cp1252")
    assert store.query()["location"].iloc[0] == "Ain al\u2019Asad"


def test_bom_is_ignored(store, tmp_path, acled_lines):
    header, rows = acled_lines
    path = write(tmp_path / "bom.csv", "\ufeff" + header, rows[:2])
    report = store.ingest(path, format="acled")
    assert (report.inserted, report.quarantined) == (2, 0)
    assert store.query()["source_event_id"].tolist() == ["IRQ90001", "IRQ90002"]


def test_cr_only_line_endings(store, tmp_path, acled_lines):
    header, rows = acled_lines
    path = write(tmp_path / "mac.csv", header, rows, newline="\r")
    assert b"\n" not in path.read_bytes()
    report = store.ingest(path, format="acled")
    assert (report.read, report.inserted) == (len(rows), len(rows))
    assert sorted(store.query()["source_row"]) == list(range(1, len(rows) + 1))


def test_impossible_date_goes_to_quarantine(store, tmp_path, acled_lines):
    header, rows = acled_lines
    bad = replace_field(rows[1], "2024-01-24", "2024-02-30")
    path = write(tmp_path / "d.csv", header, [rows[0], bad, rows[2]])
    report = store.ingest(path, format="acled")
    assert (report.read, report.inserted, report.quarantined) == (3, 2, 1)
    q = store.quarantine().iloc[0]
    assert (q.source_row, q.column_name, q.value, q.reason) == (
        2,
        "event_date",
        "2024-02-30",
        "invalid_date",
    )
    assert "d.csv, row 2 (line 3), column event_date: got '2024-02-30'" in q.message
    assert '"event_id_cnty":"IRQ90002"' in q.raw  # the whole raw row is kept


def test_quarantine_line_counts_quoted_line_breaks(store, tmp_path, acled_lines):
    # ACLED notes may hold line breaks inside quotes: the row after two such
    # rows starts on line 7, not on line row + 1 = 4.
    import csv
    import io

    header, rows = acled_lines
    recs = list(csv.reader(io.StringIO("\n".join([header, *rows[:3]]))))
    notes = recs[0].index("notes")
    recs[1][notes] = "first\nsecond\nthird"
    recs[2][notes] = "a\r\nb"
    recs[3][recs[0].index("latitude")] = "133.2"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(recs)
    path = tmp_path / "n.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    line = next(i for i, t in enumerate(buf.getvalue().split("\n"), 1) if "133.2" in t)
    assert line == 7
    report = store.ingest(path, format="acled")
    assert (report.read, report.quarantined) == (3, 1)
    q = store.quarantine().iloc[0]
    assert "n.csv, row 3 (line 7), column latitude: got '133.2'" in q.message
    # Without line breaks in fields the numbering is row + 1 (no csv pass).
    from titfortat.events._files import record_lines

    plain = write(tmp_path / "p.csv", header, rows[:3])
    assert record_lines(plain, "utf-8", {"delim": ","}, 4, [3]) == {}
    assert record_lines(path, "utf-8", {"delim": ",", "quote": '"'}, 4, [3]) == {3: 7}


def test_gtd_month_and_day_zero_and_impossible_gtd_date(store, tmp_path, fixtures):
    lines = (fixtures / "gtd.csv").read_text().splitlines()
    bad = replace_field(lines[1], "201901010001,2019,1,1,", "201902300001,2019,2,30,")
    path = write(tmp_path / "g.csv", lines[0], [bad, lines[2], lines[3]])
    report = store.ingest(path, format="gtd")
    assert (report.inserted, report.quarantined) == (2, 1)
    q = store.quarantine().iloc[0]
    assert (q.column_name, q.value, q.reason) == (
        "iyear/imonth/iday",
        "2019-2-30",
        "invalid_date",
    )
    prec = dict(
        zip(
            store.query()["source_event_id"],
            store.query()["date_precision"],
            strict=True,
        )
    )
    assert prec == {"201902000001": "month", "201900000001": "year"}


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        ("33.7856", "133.7856", "latitude", "out_of_range"),
        ("42.4412", "-190.5", "longitude", "out_of_range"),
        ("33.7856", "north", "latitude", "invalid_number"),
    ],
)
def test_coordinates(store, tmp_path, acled_lines, old, new, column, reason):
    header, rows = acled_lines
    path = write(
        tmp_path / "c.csv", header, [replace_field(rows[0], old, new), rows[1]]
    )
    report = store.ingest(path, format="acled")
    assert (report.inserted, report.quarantined) == (1, 1)
    q = store.quarantine().iloc[0]
    assert (q.column_name, q.value, q.reason) == (column, new, reason)


@pytest.mark.parametrize(
    ("value", "reason"), [("-2", "negative_count"), ("two", "invalid_number")]
)
def test_bad_fatalities(store, tmp_path, acled_lines, value, reason):
    header, rows = acled_lines
    bad = replace_field(rows[5], ",16,,", f",{value},,")
    path = write(tmp_path / "f.csv", header, [bad])
    report = store.ingest(path, format="acled")
    assert (report.inserted, report.quarantined) == (0, 1)
    q = store.quarantine().iloc[0]
    assert (q.column_name, q.value, q.reason) == ("fatalities", value, reason)


def test_duplicate_ids_inside_one_file(store, tmp_path, acled_lines):
    header, rows = acled_lines
    twin = replace_field(rows[3], "JOR90004", "IRQ90001")
    path = write(tmp_path / "dup.csv", header, [rows[0], rows[1], twin])
    report = store.ingest(path, format="acled")
    assert (report.read, report.inserted, report.quarantined) == (3, 2, 1)
    q = store.quarantine().iloc[0]
    assert (q.source_row, q.reason, q.value) == (3, "duplicate_id_in_file", "IRQ90001")
    assert "the same id is at row 1" in q.message
    assert "Tower 22" in q.raw  # the rejected row's content is kept
    assert store.query()["location"].tolist()[0] == "Ain al-Asad Airbase"


def test_empty_file(store, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SchemaError, match=r"empty\.csv: the file is empty") as err:
        store.ingest(path, format="acled")
    assert err.value.reason is Reason.EMPTY_FILE


def test_header_only_file_reads_nothing(store, tmp_path, acled_lines):
    path = write(tmp_path / "h.csv", acled_lines[0], [])
    report = store.ingest(path, format="acled")
    assert (report.read, report.inserted, report.quarantined) == (0, 0, 0)


def test_missing_file(store, tmp_path):
    with pytest.raises(DataError, match="no such file"):
        store.ingest(tmp_path / "nope.csv", format="acled")


def test_glob_matching_nothing(store, tmp_path):
    with pytest.raises(DataError, match="No file matches"):
        store.ingest(str(tmp_path / "*.csv"), format="acled")


def test_malformed_line_is_quarantined_and_rows_keep_their_numbers(
    store, tmp_path, acled_lines
):
    header, rows = acled_lines
    path = write(
        tmp_path / "m.csv",
        header,
        [rows[0], "BROKEN,2024-01-01,too few fields", rows[1], rows[2]],
    )
    report = store.ingest(path, format="acled")
    assert (report.read, report.inserted, report.quarantined) == (4, 3, 1)
    q = store.quarantine().iloc[0]
    assert (q.source_row, q.reason) == (2, "malformed_row")
    assert q.value == "BROKEN,2024-01-01,too few fields"
    assert "m.csv, line 3" in q.message
    rows_by_id = dict(
        zip(store.query()["source_event_id"], store.query()["source_row"], strict=True)
    )
    assert rows_by_id == {"IRQ90001": 1, "IRQ90002": 3, "SYR90003": 4}


def test_bad_file_in_a_batch_rolls_back_the_whole_ingest(store, tmp_path, fixtures):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SchemaError):
        store.ingest([fixtures / "acled.csv", empty], format="acled")
    assert store.count() == 0 and len(store.ingests()) == 0


def test_unknown_mapping_value_is_quarantined(store, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("day,kind\n2024-01-01,rocket\n2024-01-02,airstrike\n")
    mapping = {
        "source": "mine",
        "columns": {
            "date": "day",
            "event_type": {"column": "kind", "map": {"airstrike": "strike"}},
        },
    }
    report = store.ingest(path, format="table", mapping=mapping)
    assert (report.inserted, report.quarantined) == (1, 1)
    q = store.quarantine().iloc[0]
    assert (q.column_name, q.reason) == ("kind", "unknown_value")
