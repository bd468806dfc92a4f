"""Random hostile rows in every source format (issue 13, item 9).

Rows are the fixture rows with random fields replaced by odd unicode, embedded
newlines and quotes, NUL bytes, long fields (past DuckDB's 10,000-character
cut of a rejected line), non-finite and out-of-range numbers; some files get
a broken record (an unterminated quote). Invariants, for
every file:

* ``read == inserted + duplicates + quarantined``;
* a file without broken records reads exactly its rows;
* ingesting the same file again inserts nothing;
* a quarantined row keeps its whole raw row (every field, untruncated);
* nothing escapes but titfortat's own errors, each with a message.

Budget: a few seconds per format (``max_examples`` below).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from titfortat.events import EventStore
from titfortat.exceptions import TitForTatError

from ._support import fuzz_settings

FIXTURES = Path(__file__).parents[1] / "events" / "fixtures"
SETTINGS = fuzz_settings(15)

_NUMBERS = ["nan", "NaN", "inf", "-inf", "1e10", "2147483648", "-1", "1.5", "", " 7 "]
_odd_text = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=["Cs"], include_characters="\x00\n\r\"',;\t"
    ),
    max_size=40,
)
_value = st.one_of(
    _odd_text,
    st.sampled_from(_NUMBERS),
    st.integers(min_value=10_001, max_value=30_000).map(lambda n: "é" * n),
)


def _layout(name: str) -> tuple[list[str], list[list[str]], str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    delim = "\t" if name.endswith(".CSV") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    if delim == "\t":
        return [], rows, delim
    return rows[0], rows[1:], delim


LAYOUTS = {
    "acled": _layout("acled.csv"),
    "ucdp": _layout("ucdp_ged.csv"),
    "gtd": _layout("gtd.csv"),
    "gdelt": _layout("gdelt2.export.CSV"),
}


@st.composite
def hostile_file(draw, fmt: str):
    header, base, delim = LAYOUTS[fmt]
    n = draw(st.integers(min_value=1, max_value=8))
    rows = []
    for i in range(n):
        row = list(draw(st.sampled_from(base)))
        if fmt == "gdelt":  # a fresh id per row, else every row repeats one
            row[0] = str(2_000_000 + i + 100 * draw(st.integers(0, 5)))
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            k = draw(st.integers(min_value=0, max_value=len(row) - 1))
            value = draw(_value)
            if fmt == "gdelt":  # no quoting in GDELT: a tab or newline is a break
                value = value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
            row[k] = value
        rows.append(row)
    broken = fmt != "gdelt" and draw(st.booleans()) and draw(st.booleans())
    return header, rows, delim, broken, draw(st.integers(0, n - 1))


def _write(path: Path, header, rows, delim, broken, where) -> list[str]:
    """Write the file; return each data record's text as written.

    CSV lines end with \\r\\n so that the writer quotes every field holding
    a \\r or \\n, as a CSV exporter does (a bare \\r in an unquoted field
    of a \\n file is a file-level error, tested in tests/events).
    """
    end = "\n" if delim == "\t" else "\r\n"
    buf = io.StringIO()
    quoting = csv.QUOTE_NONE if delim == "\t" else csv.QUOTE_MINIMAL
    writer = csv.writer(
        buf,
        delimiter=delim,
        lineterminator=end,
        quoting=quoting,
        escapechar="\\" if quoting == csv.QUOTE_NONE else None,
    )
    if header:
        writer.writerow(header)
    records = []
    for i, row in enumerate(rows):
        one = io.StringIO()
        w = csv.writer(
            one,
            delimiter=delim,
            lineterminator=end,
            quoting=quoting,
            escapechar="\\" if quoting == csv.QUOTE_NONE else None,
        )
        w.writerow(row)
        text = one.getvalue()
        if broken and i == where:
            text = text[: -len(end)] + delim + '"unterminated' + end
        records.append(text)
        buf.write(text)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return records


def _check(tmp_path: Path, fmt: str, data, tried) -> None:
    header, rows, delim, broken, where = data
    path = tmp_path / (f"f.{fmt}.CSV" if fmt == "gdelt" else f"f.{fmt}.csv")
    _write(path, header, rows, delim, broken, where)
    tried["files"] += 1
    tried["rows"] += len(rows)
    try:
        with EventStore(":memory:", memory_limit="256MB", threads=1) as store:
            report = store.ingest(path, format=fmt)
            again = store.ingest(path, format=fmt)
            quarantine = store.quarantine()
    except TitForTatError as err:  # a file-level problem, said in words
        assert str(err).strip(), type(err)
        tried["file-level errors"] += 1
        return
    except BaseException:
        tried["failures"] += 1
        raise
    assert report.read == report.inserted + report.duplicates + report.quarantined
    assert again.read == again.inserted + again.duplicates + again.quarantined
    assert again.inserted == 0
    if not broken:
        assert report.read == len(rows)
    tried["quarantined"] += report.quarantined
    if header:
        q = quarantine[quarantine["ingest_id"] == 1]
        if broken:
            # An unterminated quote runs on to the next quote character, some
            # rows later: the records after it are not the rows as written
            # (their text is inside the malformed record's raw text).
            q = q[q["source_row"] <= where]
        _check_raw(q, header, rows)


def _check_raw(q, header, rows) -> None:
    """A row quarantined for a value keeps every field of its raw row."""
    for rec in q.itertuples():
        if rec.reason in {"malformed_row", "duplicate_id_in_file"}:
            continue
        raw = json.loads(rec.raw)
        row = rows[rec.source_row - 1]
        names = list(raw)
        assert len(names) == len(row)
        for name, value in zip(names, row, strict=True):
            assert (raw[name] or "") == value, (rec.source_row, name)


@SETTINGS
@given(data=hostile_file("acled"))
def test_fuzz_acled(tmp_path, data, tried):
    _check(tmp_path, "acled", data, tried)


@SETTINGS
@given(data=hostile_file("ucdp"))
def test_fuzz_ucdp(tmp_path, data, tried):
    _check(tmp_path, "ucdp", data, tried)


@SETTINGS
@given(data=hostile_file("gtd"))
def test_fuzz_gtd(tmp_path, data, tried):
    _check(tmp_path, "gtd", data, tried)


@SETTINGS
@given(data=hostile_file("gdelt"))
def test_fuzz_gdelt(tmp_path, data, tried):
    _check(tmp_path, "gdelt", data, tried)
