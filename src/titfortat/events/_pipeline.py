"""The ingest pipeline: one file, read, typed, checked and keyed inside DuckDB.

For each file the pipeline builds one ``CREATE TEMP TABLE _stage AS ...``
statement from the reader's :class:`~titfortat.events.sources._base.Field` map:

1. ``src``: the raw text columns;
2. ``typed``: each canonical column computed from the raw text;
3. ``checked``: the index of the first check the row fails, or NULL.

:func:`mark_repeats` then lists repeated ids of the materialised stage, and
:func:`valid_rows_sql` adds ``event_id`` (and, for id-less sources, keeps the
content hash that keys it). Valid rows are
appended to ``events`` unless their ``event_id`` is already
stored; failing rows go to ``quarantine`` with their reason, column, value and
the whole raw row as JSON. Nothing leaves DuckDB, so the pipeline streams and
uses every core; the store wraps it in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from titfortat.events.schema import COLUMNS, READER_COLUMNS
from titfortat.events.sources._base import Field, Params, Reader, quote_ident
from titfortat.exceptions import Reason

_SQL_TYPES = {c.name: c.sql_type for c in COLUMNS}
#: Content columns that enter the hash, in table order.
_HASHED = tuple(c.name for c in COLUMNS if c.content)
FIX = {
    Reason.MISSING_VALUE: "fill the value in the file and re-ingest",
    Reason.INVALID_DATE: "correct the date in the file and re-ingest",
    Reason.INVALID_NUMBER: "correct the number in the file and re-ingest",
    Reason.OUT_OF_RANGE: "correct the value (swapped latitude/longitude?) and "
    "re-ingest",
    Reason.NEGATIVE_COUNT: "counts cannot be negative; correct and re-ingest",
    Reason.UNKNOWN_VALUE: "map the value in your mapping file and re-ingest",
    Reason.DUPLICATE_ID_IN_FILE: "give the row its own id or delete the repeat",
    Reason.MALFORMED_ROW: "fix the quoting or the number of fields on that line",
}


@dataclass(frozen=True)
class Check:
    """One row-level check: SQL condition, reason, raw column and value."""

    condition: str
    reason: Reason
    column: str
    value: str
    expected: str


@dataclass
class StageResult:
    """Counts of one staged file."""

    n_read: int
    n_valid: int
    n_rejected: int


def default_fields(
    reader: Reader, p: Params, fields: dict[str, Field]
) -> dict[str, Field]:
    """Fill the columns a reader left out with nulls or defaults."""
    out: dict[str, Field] = {}
    for name in READER_COLUMNS:
        if name in fields:
            out[name] = fields[name]
        elif name == "source":
            out[name] = Field(f"CAST({p(reader.source)} AS VARCHAR)")
        elif name == "n_events":
            out[name] = Field("CAST(1 AS INTEGER)")
        elif name == "date_precision":
            out[name] = Field("'day'")
        elif name == "geo_precision":
            out[name] = Field(
                "CASE WHEN __f_latitude IS NULL THEN 'unknown' ELSE 'point' END"
                if "latitude" in fields
                else "'unknown'"
            )
        else:
            out[name] = Field(f"NULL::{_SQL_TYPES[name]}")
    return out


def checks_for(fields: dict[str, Field]) -> list[Check]:
    """Row-level checks implied by each field's kind, in a fixed order."""
    out: list[Check] = []
    for name, f in fields.items():
        col, raw, v = f.column or name, f.raw or f.sql, f"__f_{name}"
        if f.kind == "id":
            out.append(
                Check(f"{v} IS NULL", Reason.MISSING_VALUE, col, "NULL", "an event id")
            )
        elif f.kind == "date":
            if name == "date":
                out.append(
                    Check(
                        f"{raw} IS NULL", Reason.MISSING_VALUE, col, "NULL", f.expected
                    )
                )
            out.append(
                Check(
                    f"{v} IS NULL AND {raw} IS NOT NULL",
                    Reason.INVALID_DATE,
                    col,
                    raw,
                    f.expected,
                )
            )
        elif f.kind in {"latitude", "longitude", "count"}:
            out.append(
                Check(
                    f"{v} IS NULL AND {raw} IS NOT NULL",
                    Reason.INVALID_NUMBER,
                    col,
                    raw,
                    f.expected,
                )
            )
            if f.kind == "count":
                out.append(
                    Check(f"{v} < 0", Reason.NEGATIVE_COUNT, col, raw, f.expected)
                )
            else:
                bound = 90 if f.kind == "latitude" else 180
                out.append(
                    Check(
                        f"abs({v}) > {bound}", Reason.OUT_OF_RANGE, col, raw, f.expected
                    )
                )
        elif f.kind == "vocab":
            allowed = ", ".join("'" + a + "'" for a in f.allowed)
            required = name in {"event_type", "date_precision"}
            cond = f"{v} NOT IN ({allowed})"
            cond = f"({v} IS NULL OR {cond})" if required else cond
            out.append(Check(cond, Reason.UNKNOWN_VALUE, col, raw, f.expected))
    return out


def _hash_sql(prefix: str = "") -> str:
    """MD5 of the content columns (NULL-safe, separator-safe)."""
    parts = ", ".join(
        f"coalesce(CAST({prefix}{n} AS VARCHAR), chr(30))" for n in _HASHED
    )
    return f"md5(concat_ws(chr(31), {parts}))"


def build_stage_sql(
    relation: str,
    raw_names: list[str],
    fields: dict[str, Field],
    checks: list[Check],
    p: Params,
    has_ids: bool,
) -> str:
    """The ``CREATE TEMP TABLE _stage`` statement for one file.

    The stage holds typed columns and the first failed check; hashing and the
    duplicate-id check run afterwards on the materialised stage (a window
    over a million rows here cost more than the whole CSV parse).
    """
    typed = ",\n  ".join(
        f"{f.sql} AS __f_{name}"
        for name, f in fields.items()
        if name != "geo_precision"
    )
    geo = fields["geo_precision"].sql
    whens = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in enumerate(checks))
    check_case = f"CASE {whens} END" if checks else "NULL::INTEGER"
    values = " ".join(
        f"WHEN {i} THEN CAST({c.value} AS VARCHAR)" for i, c in enumerate(checks)
    )
    raw_json = (
        "json_object(" + ", ".join(f"{p(n)}, {quote_ident(n)}" for n in raw_names) + ")"
    )
    out_cols = ",\n  ".join(
        f"__f_{n} AS {n}" for n in READER_COLUMNS if n != "geo_precision"
    )
    # Id-less rows are keyed by their hash, so it is needed before the insert.
    content_hash = _hash_sql("__f_") if not has_ids else "NULL::VARCHAR"
    return f"""
CREATE TEMP TABLE _stage AS
WITH src AS (SELECT * FROM {relation}),
typed AS (SELECT src.*,
  {typed}
  FROM src),
typed2 AS (SELECT typed.*, {geo} AS __f_geo_precision FROM typed),
checked AS (SELECT typed2.*, {check_case} AS _check FROM typed2)
SELECT NULL::BIGINT AS _row, _check,
  {out_cols},
  __f_geo_precision AS geo_precision,
  {content_hash} AS content_hash,
  CAST(1 AS BIGINT) AS _occ,
  CASE WHEN _check IS NULL THEN NULL ELSE (CASE _check {values} END) END
    AS _bad_value,
  CASE WHEN _check IS NULL THEN NULL ELSE CAST({raw_json} AS VARCHAR) END AS _raw,
  NULL::VARCHAR AS _note
FROM checked
"""


def number_rows(con: Any) -> None:
    """Set ``_row`` to each staged row's position in the file (1-based).

    The stage is created with insertion order preserved, so its ``rowid``
    follows the file. Numbering here costs a few milliseconds, where a
    ``row_number() OVER ()`` inside the scan serialised it and took a third of
    the ingest time.
    """
    # Inside a transaction DuckDB numbers uncommitted rows from 2**55 on, so
    # count from the stage's first rowid rather than from zero.
    con.execute("UPDATE _stage SET _row = rowid - (SELECT min(rowid) FROM _stage) + 1")


def mark_repeats(con: Any, has_ids: bool) -> None:
    """List repeated ids in ``_repeats``; number repeated id-less rows.

    With ids, every repeat of an id after its first row fails the
    ``duplicate_id_in_file`` check: ``_repeats`` holds its ``_row`` and the
    row of the first occurrence. It is a new table, not an ``UPDATE`` of the
    stage, because DuckDB keeps the undo copy of updated rows in memory: a
    1.4-million-row file of one repeated id ran out of memory that way, where
    a ``CREATE TABLE AS`` spills to disk.

    Without ids, the k-th identical row gets ``_occ = k`` so that it keeps
    its own ``event_id`` (two identical reports on one day can be two events;
    re-ingesting the file still maps each row to the same key). Both use a
    grouped aggregate first, so the cost falls on the repeated keys only.
    """
    con.execute("DROP TABLE IF EXISTS _repeats")
    if has_ids:
        con.execute("""
            CREATE TEMP TABLE _repeats AS
            SELECT s._row, d.first_row
            FROM _stage s JOIN (
              SELECT source_event_id AS sid, min(_row) AS first_row FROM _stage
              WHERE source_event_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d
            ON s.source_event_id = d.sid
            WHERE s._row > d.first_row AND s._check IS NULL""")
        return
    con.execute("CREATE TEMP TABLE _repeats (_row BIGINT, first_row BIGINT)")
    con.execute("""
        UPDATE _stage SET _occ = r.k
        FROM (SELECT _row, row_number() OVER (PARTITION BY content_hash
                                              ORDER BY _row) AS k
              FROM _stage WHERE content_hash IN (
                SELECT content_hash FROM _stage GROUP BY 1 HAVING count(*) > 1)
             ) r
        WHERE _stage._row = r._row AND r.k > 1""")


def rejected_rows_sql(dup_index: int) -> str:
    """Staged rows that failed a check, and the repeats listed in ``_repeats``.

    A repeat's raw text is no longer at hand; its canonical values are kept
    instead, so the quarantine still loses nothing.
    """
    canonical = ", ".join(f"{n} := s.{n}" for n in READER_COLUMNS)
    return f"""
SELECT _row, _check, source, _bad_value, _raw, _note FROM _stage
WHERE _check IS NOT NULL
UNION ALL
SELECT s._row, {dup_index}, s.source, s.source_event_id,
  CAST(to_json(struct_pack({canonical})) AS VARCHAR),
  'the same id is at row ' || r.first_row
FROM _stage s JOIN _repeats r ON s._row = r._row"""


def valid_rows_sql(has_ids: bool) -> str:
    """Valid staged rows with their ``event_id`` and ``content_hash``.

    A source with its own ids keys every valid row by that id (a row without
    one fails the ``missing_value`` check), so its rows get no content hash:
    nothing reads it, and the MD5 over 18 columns was 10-20% of a million-row
    ACLED ingest (issue 14). Id-less rows keep the hash that keys them.
    """
    hashed = "NULL::VARCHAR" if has_ids else "content_hash"
    return f"""
SELECT CASE WHEN source_event_id IS NOT NULL THEN source || ':' || source_event_id
            ELSE source || ':h' || left(h, 16) ||
                 CASE WHEN _occ > 1 THEN ':' || _occ ELSE '' END END AS event_id,
       * EXCLUDE (content_hash, h), h AS content_hash
FROM (SELECT *, {hashed} AS h FROM _stage
      WHERE _check IS NULL AND _row NOT IN (SELECT _row FROM _repeats))"""


def register_checks(con: Any, checks: list[Check]) -> None:
    """The checks as a temporary table ``_checks``, joined to rejected rows.

    Built from bound parameters (no pandas on the ingest path).
    """
    rows = [
        (i, c.reason.value, c.column, c.expected, FIX.get(c.reason, ""))
        for i, c in enumerate(checks)
    ]
    rows.append(
        (
            len(checks),
            Reason.DUPLICATE_ID_IN_FILE.value,
            "source_event_id",
            "ids that are unique within the file",
            FIX[Reason.DUPLICATE_ID_IN_FILE],
        )
    )
    p = Params()
    values = ", ".join("(" + ", ".join(p(v) for v in row) + ")" for row in rows)
    con.execute("DROP TABLE IF EXISTS _checks")
    con.execute(
        "CREATE TEMP TABLE _checks AS SELECT * FROM (VALUES " + values + ") "
        "AS t(idx, reason, column_name, expected, fix)",
        p.values,
    )


def fix_row_numbers(con: Any, rejects: str, header_lines: int) -> int:
    """Renumber staged rows when DuckDB skipped malformed lines.

    ``row_number()`` counts only the lines DuckDB accepted; the k-th rejected
    data row at original position r_k shifts every later row by one. A good
    row numbered g sits at g + #{k : r_k - k < g}. Returns the number of
    rejected lines.
    """
    n = con.execute(
        f"SELECT count(DISTINCT line) FROM {quote_ident(rejects)}"
    ).fetchall()[0][0]
    if n:
        con.execute(f"""
            UPDATE _stage SET _row = _row + (
              SELECT count(*) FROM (
                SELECT line - {header_lines} - row_number() OVER (ORDER BY line) AS g
                FROM (SELECT DISTINCT line FROM {quote_ident(rejects)})
              ) r WHERE r.g < _stage._row)""")
    return int(n)
