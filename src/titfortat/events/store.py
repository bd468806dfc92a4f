"""The embedded event store: one DuckDB file holding the canonical event table.

Tables
------
``events``       the canonical table (:mod:`titfortat.events.schema`);
``quarantine``   rows that were read but rejected, with file, row, column,
                 value, reason code, message and the raw row as JSON;
``ingests``      one row per ingested file: counts, format, time;
``meta``         ``schema_version`` and the package version that created it.

Every ingest runs in one transaction: a failure, or a kill at any moment,
leaves the store exactly as it was (DuckDB writes a transaction to its
write-ahead log only when it commits).
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import duckdb

from titfortat.events import _files, _pipeline
from titfortat.events.query import EventQueries, quiet
from titfortat.events.schema import COLUMNS, SCHEMA_VERSION
from titfortat.events.sources import get_reader
from titfortat.events.sources._base import Params, Reader, quote_ident
from titfortat.exceptions import DataError, Reason, SchemaVersionError, StoreError

if TYPE_CHECKING:  # pandas loads on first use, not with the CLI
    import pandas as pd

__all__ = ["EventStore", "FileReport", "IngestReport"]

DEFAULT_PATH = "titfortat.duckdb"
#: Columns the store fills itself, not the readers.
_BOOKKEEPING = {
    "source_file",
    "source_row",
    "ingest_id",
    "ingested_at",
    "actor_id",
    "actor2_id",
    "banner_id",
}
ProgressCallback = Callable[[str, str, int, int], None]

_QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
  ingest_id BIGINT, source VARCHAR, source_file VARCHAR, source_row BIGINT,
  column_name VARCHAR, value VARCHAR, reason VARCHAR, message VARCHAR,
  raw VARCHAR, quarantined_at TIMESTAMP)"""
_INGESTS_DDL = """
CREATE TABLE IF NOT EXISTS ingests (
  ingest_id BIGINT, source_file VARCHAR, format VARCHAR, source VARCHAR,
  n_read BIGINT, n_inserted BIGINT, n_duplicates BIGINT, n_quarantined BIGINT,
  file_bytes BIGINT, started_at TIMESTAMP, seconds DOUBLE)"""


@dataclass(frozen=True)
class FileReport:
    """What happened to one file in an ingest."""

    path: str
    read: int
    inserted: int
    duplicates: int
    quarantined: int


@dataclass(frozen=True)
class IngestReport:
    """Counts of one ingest: ``read == inserted + duplicates + quarantined``.

    Attributes
    ----------
    read : int
        Data rows read from the files (malformed lines included).
    inserted : int
        New events stored.
    duplicates : int
        Valid rows whose ``event_id`` was already stored (or seen earlier in
        this ingest), so nothing was inserted for them.
    quarantined : int
        Rows rejected, each in the ``quarantine`` table with its reason.
    ingest_id : int
        Identifies the ingest in ``ingests`` and ``quarantine``.
    files : tuple of FileReport
        The same counts per file.
    seconds : float
        Wall time.
    """

    read: int
    inserted: int
    duplicates: int
    quarantined: int
    ingest_id: int
    files: tuple[FileReport, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (``read``, ``inserted``, ``duplicates``, ``quarantined``, ...)."""
        out = asdict(self)
        out["files"] = [asdict(f) for f in self.files]
        return out

    def __str__(self) -> str:
        return (
            f"read {self.read:,} rows from {len(self.files)} file(s): "
            f"{self.inserted:,} inserted, {self.duplicates:,} duplicates, "
            f"{self.quarantined:,} quarantined ({self.seconds:.2f} s)"
        )


# A URL scheme or DuckDB prefix ("md:", "s3://"); two letters at least so that
# a Windows drive ("C:") stays a path.
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _open_error(path: str, err: Exception, read_only: bool) -> str:
    """Why a store did not open, with DuckDB's own reason first."""
    cause = _first_line(err)
    if "lock" not in cause.lower():
        return f"Cannot open the event store {path!r}: {cause}"
    if read_only:
        fix = (
            "Another process is writing to it (DuckDB allows one writer, or "
            "several readers, at a time). Wait for that process to finish."
        )
    else:
        fix = (
            "Another process has it open (DuckDB allows one writer, or several "
            "readers, at a time). Close that process, or write to another --store."
        )
    return f"Cannot open the event store {path!r}: {cause}. {fix}"


def _rollback(con: duckdb.DuckDBPyConnection, err: BaseException) -> None:
    """Roll back without hiding ``err``.

    After a failed write (disk full) DuckDB may refuse the rollback too; its
    error would then replace the real cause ("No space left on device").
    """
    try:
        con.rollback()
    except duckdb.Error as again:
        err.add_note(f"(the rollback also failed: {_first_line(again)})")


def expand_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand globs, keep order, and fail clearly when nothing matches."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for item in items:
        text = str(item)
        # A file that exists is that file, even when its name holds "[", "?"
        # or "*" (acled[2024].csv); only a name that matches nothing is a glob.
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise DataError(f"No file matches {text!r}. Check the pattern.")
            out.extend(Path(m) for m in matches)
        else:
            out.append(Path(text))
    if not out:
        raise DataError("No files to ingest. Pass one or more paths or a glob.")
    return out


class EventStore(EventQueries):
    """Conflict events from any source in one validated DuckDB file.

    Parameters
    ----------
    path : str or Path, default "titfortat.duckdb"
        The database file (created if missing); ``":memory:"`` for a
        throw-away store.
    read_only : bool, default False
        Open without write access (several processes may then read at once).
    memory_limit : str, default "2GB"
        DuckDB's memory limit; larger work spills to ``temp_directory``.
    threads : int, optional
        DuckDB worker threads (default: all cores).
    temp_directory : str, optional
        Where DuckDB spills; default next to the database file.
    allow_remote : bool, default False
        Allow a path DuckDB opens through an extension (``md:``, ``s3://``,
        ``http://``). Off by default: such a path would make DuckDB download
        and load network extensions, and a typo would go to the network.

    Raises
    ------
    SchemaVersionError
        The file was written by an incompatible titfortat version.

    Examples
    --------
    >>> from titfortat.events import EventStore
    >>> from titfortat.datasets import iraq_paths
    >>> with EventStore(":memory:") as store:
    ...     report = store.ingest(iraq_paths()["airstrikes"], format="table",
    ...                           mapping="geocausal-airstrikes")
    ...     print(report.inserted, store.count(event_type="strike"))
    3938 3938
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        read_only: bool = False,
        memory_limit: str = "2GB",
        threads: int | None = None,
        temp_directory: str | Path | None = None,
        allow_remote: bool = False,
    ) -> None:
        self.path = str(path)
        if (
            not allow_remote
            and _REMOTE.match(self.path)
            and not Path(self.path).exists()
        ):
            raise StoreError(
                f"{self.path!r} is not a local file. Pass allow_remote=True to open "
                "a MotherDuck (md:) or remote (s3://, http://) database."
            )
        config: dict[str, Any] = {
            "memory_limit": memory_limit,
            "preserve_insertion_order": True,
        }
        if threads is not None:
            config["threads"] = int(threads)
        if temp_directory is not None:
            config["temp_directory"] = str(temp_directory)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(
                f"No event store at {self.path!r}. Create it with "
                "'titfortat ingest' first, or check --store."
            )
        try:
            self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.Error as err:
            raise StoreError(_open_error(self.path, err, read_only)) from err
        quiet(self._con)
        self._relation = "events"
        self.read_only = read_only
        self._init_schema()

    # -------------------------------------------------------------- lifecycle
    def _init_schema(self) -> None:
        tables = {
            r[0]
            for r in self._con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main'"
            ).fetchall()
        }
        if "meta" in tables:
            row = self._con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchall()[0]
            found = int(row[0]) if row else None
            if found != SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"The event store {self.path!r} has schema version {found}; this "
                    f"titfortat reads version {SCHEMA_VERSION}. Re-ingest your files "
                    "into a new store (or open it with the titfortat version that "
                    "wrote it and export to Parquet first)."
                )
            return
        if tables:
            raise SchemaVersionError(
                f"{self.path!r} is a DuckDB file but not a titfortat event store "
                "(it has "
                f"tables {sorted(tables)} and no 'meta'). Use another --store path."
            )
        if self.read_only:
            raise StoreError(f"{self.path!r} is empty; it is not an event store yet.")
        from titfortat import __version__

        ddl = ",\n  ".join(f"{c.name} {c.sql_type}" for c in COLUMNS)
        self._con.begin()
        self._con.execute(f"CREATE TABLE events (\n  {ddl})")
        self._con.execute(_QUARANTINE_DDL)
        self._con.execute(_INGESTS_DDL)
        self._con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
        self._con.execute(
            "INSERT INTO meta VALUES ('schema_version', $v), ('created_with', $w)",
            {"v": str(SCHEMA_VERSION), "w": __version__},
        )
        self._con.commit()

    def close(self) -> None:
        """Close the connection (the file stays)."""
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventStore({self.path!r})"

    @property
    def schema_version(self) -> int:
        """Schema version recorded in the store."""
        row = self._con.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchall()[0]
        return int(row[0]) if row else -1

    # -------------------------------------------------------------- ingest
    def ingest(
        self,
        paths: str | Path | Iterable[str | Path],
        *,
        format: str,
        mapping: str | Path | Mapping[str, Any] | None = None,
        source: str | None = None,
        encoding: str = "utf-8",
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Read files into the store, all of them in one transaction.

        Parameters
        ----------
        paths : path, glob or list of them
            Files to read (``*.CSV`` globs, zip archives and GTD ``.xlsx`` work).
        format : {"acled", "ucdp", "gtd", "gdelt", "table"}
            The source format; ``table`` needs ``mapping``.
        mapping : path, bundled mapping name or dict, optional
            Column mapping for ``format="table"`` (see
            :mod:`titfortat.events.sources.table`).
        source : str, optional
            Override the ``source`` name stored with each row.
        encoding : str, default "utf-8"
            Text encoding of the files (e.g. ``"latin-1"``, ``"cp1252"``).
        progress : callable, optional
            Called as ``progress(stage, path, file_index, n_files)`` with stage
            in ``start``, ``staged``, ``inserted``, ``done``.

        Returns
        -------
        IngestReport

        Raises
        ------
        DataError
            A file cannot be used (missing, empty, missing columns, wrong
            encoding); nothing is written.
        """
        if self.read_only:
            raise StoreError(f"{self.path!r} was opened read-only; cannot ingest.")
        _files.check_encoding(encoding)
        reader = get_reader(format, mapping=mapping, source=source, encoding=encoding)
        _files.check_encoding(reader.encoding)
        files = expand_paths(paths)
        t0 = time.perf_counter()
        workdir = _files.make_workdir()
        con = self._con
        reports: list[FileReport] = []
        con.begin()
        try:
            row = con.execute(
                "SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests"
            ).fetchall()[0]
            ingest_id = int(row[0]) if row else 1
            for i, path in enumerate(files):
                if progress:
                    progress("start", str(path), i, len(files))
                reports.append(
                    self._ingest_file(
                        reader, path, ingest_id, workdir, progress, i, len(files)
                    )
                )
            con.commit()
        except BaseException as err:
            _rollback(con, err)
            if isinstance(err, duckdb.Error) and not isinstance(
                err, duckdb.ParserException
            ):
                raise StoreError(
                    f"The ingest into {self.path!r} failed and wrote nothing: "
                    f"{_first_line(err)}"
                ) from err
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return IngestReport(
            read=sum(r.read for r in reports),
            inserted=sum(r.inserted for r in reports),
            duplicates=sum(r.duplicates for r in reports),
            quarantined=sum(r.quarantined for r in reports),
            ingest_id=ingest_id,
            files=tuple(reports),
            seconds=time.perf_counter() - t0,
        )

    def _register_lines(
        self, reader: Reader, plan: Any, path: Path, n_malformed: int
    ) -> None:
        """``_lines``: the file line of each rejected row, where quoted line
        breaks make it differ from ``row + header lines`` (see
        :func:`~titfortat.events._files.record_lines`)."""
        con = self._con
        con.execute("CREATE TEMP TABLE _lines (_row BIGINT, line BIGINT)")
        if plan.rejects is None or plan.ready is None:
            return  # not a delimited text file: records are lines
        rows = [
            int(r[0])
            for r in con.execute(
                "SELECT _row FROM _stage WHERE _check IS NOT NULL "
                "OR _row IN (SELECT _row FROM _repeats)"
            ).fetchall()
        ]
        n_records = self._count_table("_stage") + n_malformed + plan.header_lines
        lines = _files.record_lines(
            plan.ready, plan.encoding, reader.csv_options, n_records, rows
        )
        if lines:
            con.executemany("INSERT INTO _lines VALUES (?, ?)", list(lines.items()))

    def _ingest_file(
        self,
        reader: Reader,
        path: Path,
        ingest_id: int,
        workdir: Path,
        progress: ProgressCallback | None,
        i: int,
        n: int,
    ) -> FileReport:
        con = self._con
        started = dt.datetime.now()
        t0 = time.perf_counter()
        p = Params()
        rejects = f"_rejects_{ingest_id}_{i}"
        plan = reader.plan(con, path, p, rejects, workdir)
        reader.check_columns(plan.columns)
        fields = _pipeline.default_fields(reader, p, reader.fields(plan.columns, p))
        checks = _pipeline.checks_for(fields)
        has_ids = fields["source_event_id"].sql != "NULL::VARCHAR"
        sql = _pipeline.build_stage_sql(
            plan.relation, plan.columns.names, fields, checks, p, has_ids
        )
        try:
            con.execute(sql, p.values)
        except duckdb.Error as err:
            raise _files.read_error(path, path, reader.encoding, err) from err
        _pipeline.number_rows(con)
        n_malformed = 0
        if plan.rejects is not None:
            # A wrongly encoded file is a file-level problem (every non-ASCII row
            # would be rejected), so it raises instead of filling the quarantine.
            bad_encoding = con.execute(
                f"SELECT count(*) FROM {quote_ident(plan.rejects)} "
                "WHERE error_type = 'INVALID ENCODING'"
            ).fetchall()[0][0]
            if bad_encoding:
                raise _files.encoding_error(path, reader.encoding)
            n_malformed = _pipeline.fix_row_numbers(
                con, plan.rejects, plan.header_lines
            )
        _pipeline.mark_repeats(con, has_ids)
        if progress:
            progress("staged", str(path), i, n)
        label = str(path)
        now = dt.datetime.now()
        cols = ", ".join(c.name for c in COLUMNS if c.name not in _BOOKKEEPING)
        n_before = self._count_table("events")
        # Every event_id starts with its source, so a source not yet in the store
        # cannot collide: skip the anti-join (a hash join over the whole table).
        row = con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE source = $s LIMIT 1)",
            {"s": reader.source},
        ).fetchall()[0]
        anti_join = (
            ("WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = s.event_id)")
            if row[0]
            else ""
        )
        con.execute(
            f"""INSERT INTO events ({cols}, source_file, source_row, ingest_id,
                ingested_at)
            SELECT {cols}, $file, _row, $ingest, $now
            FROM ({_pipeline.valid_rows_sql(has_ids)}) s {anti_join}""",
            {"file": label, "ingest": ingest_id, "now": now},
        )
        inserted = self._count_table("events") - n_before
        if progress:
            progress("inserted", str(path), i, n)
        _pipeline.register_checks(con, checks)
        self._register_lines(reader, plan, path, n_malformed)
        # No ORDER BY: sorting wide rows does not spill well, and a file of one
        # repeated id then ran out of memory; quarantine() sorts when read.
        con.execute(
            f"""INSERT INTO quarantine
            SELECT $ingest, s.source, $file, s._row, c.column_name, s._bad_value,
              c.reason,
              printf('%s, row %d (line %d), column %s: got %s; expected %s%s. '
                     'Fix: %s.', $file, s._row, coalesce(l.line, s._row + $hdr),
                     c.column_name,
                     coalesce(chr(39) || left(s._bad_value, 200) || chr(39), 'nothing'),
                     c.expected, coalesce(' (' || s._note || ')', ''), c.fix),
              s._raw, $now
            FROM ({_pipeline.rejected_rows_sql(len(checks))}) s
            JOIN _checks c ON s._check = c.idx
            LEFT JOIN _lines l ON l._row = s._row""",
            {
                "file": label,
                "ingest": ingest_id,
                "now": now,
                "hdr": plan.header_lines,
            },
        )
        if n_malformed:
            con.execute(
                f"""INSERT INTO quarantine
                SELECT $ingest, $source, $file, line - $hdr, column_name, csv_line,
                  'malformed_row',
                  printf('%s, line %d: %s. Fix: %s.', $file, line, error_message,
                         $fix),
                  to_json(csv_line)::VARCHAR, $now
                FROM (SELECT line,
                        arg_min(column_name, coalesce(column_idx, -1)) AS column_name,
                        first(csv_line) AS csv_line,
                        arg_min(error_message, coalesce(column_idx, -1))
                          AS error_message
                      FROM {quote_ident(str(plan.rejects))}
                      GROUP BY line)""",
                {
                    "file": label,
                    "ingest": ingest_id,
                    "now": now,
                    "hdr": plan.header_lines,
                    "source": reader.source,
                    "fix": _pipeline.FIX[Reason.MALFORMED_ROW],
                },
            )
            if plan.ready is not None:
                self._restore_cut_lines(plan, label, ingest_id)
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE _check IS NULL) "
            "- (SELECT count(*) FROM _repeats) FROM _stage"
        ).fetchall()[0]
        n_staged, n_valid = int(row[0]), int(row[1])
        con.execute("DROP TABLE _stage")
        con.execute("DROP TABLE _repeats")
        con.execute("DROP TABLE _checks")
        con.execute("DROP TABLE _lines")
        for t in (rejects, rejects + "_scan"):
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(t)}")
        read = n_staged + n_malformed
        quarantined = n_staged - n_valid + n_malformed
        rep = FileReport(label, read, inserted, n_valid - inserted, quarantined)
        con.execute(
            "INSERT INTO ingests VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                ingest_id,
                label,
                reader.format,
                reader.source,
                rep.read,
                rep.inserted,
                rep.duplicates,
                rep.quarantined,
                path.stat().st_size,
                started,
                time.perf_counter() - t0,
            ],
        )
        if progress:
            progress("done", str(path), i, n)
        return rep

    def _restore_cut_lines(self, plan: Any, label: str, ingest_id: int) -> None:
        """Put the whole text of rejected lines DuckDB cut short into ``raw``."""
        cut = self._con.execute(
            f"""SELECT line - $hdr, min(line_byte_position), first(csv_line)
            FROM {quote_ident(str(plan.rejects))} GROUP BY line
            HAVING max(length(csv_line)) >= $cut""",
            {"hdr": plan.header_lines, "cut": _files.DUCKDB_LINE_CUT},
        ).fetchall()
        for row, offset, text in cut:
            whole = _files.read_record(
                plan.ready, int(offset), len(text.encode("utf-8")), plan.encoding
            )
            self._con.execute(
                "UPDATE quarantine SET raw = to_json($raw)::VARCHAR "
                "WHERE ingest_id = $i AND source_file = $f AND source_row = $r "
                "AND reason = 'malformed_row'",
                {"raw": whole, "i": ingest_id, "f": label, "r": row},
            )

    def _count_table(self, table: str) -> int:
        row = self._con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
        return int(row[0]) if row else 0

    # -------------------------------------------------------------- other reads
    def quarantine(
        self, *, ingest_id: int | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Rejected rows with file, row, column, value, reason and message.

        ``limit`` returns the first rows only (a top-n, which needs no sort of
        the whole table: a million quarantined rows fit in memory that way).
        """
        sql = "SELECT * FROM quarantine"
        params: dict[str, Any] = {}
        if ingest_id is not None:
            sql += " WHERE ingest_id = $i"
            params["i"] = ingest_id
        sql += " ORDER BY ingest_id, source_file, source_row"
        if limit is not None:
            sql += " LIMIT $n"
            params["n"] = max(int(limit), 0)
        return self._con.execute(sql, params).fetchdf()

    def ingests(self) -> pd.DataFrame:
        """One row per ingested file, with its counts."""
        return self._con.execute("SELECT * FROM ingests ORDER BY ingest_id").fetchdf()

    def fingerprint(self) -> str:
        """A short hash of the stored events (changes whenever they change).

        Results cite it so a report can say which data it was computed on.
        """
        row = self._con.execute(
            "SELECT count(*), coalesce(bit_xor(hash(event_id, content_hash)), 0) "
            "FROM events"
        ).fetchall()[0]
        return hashlib.sha256(repr(row).encode()).hexdigest()[:16]

    def distinct_actor_names(self) -> list[str]:
        """Every raw name in ``actor``, ``actor2``, ``banner`` and ``assoc_actors``."""
        rows = self._con.execute("""
            SELECT DISTINCT name FROM (
              SELECT actor AS name FROM events UNION ALL
              SELECT actor2 FROM events UNION ALL SELECT banner FROM events UNION ALL
              SELECT trim(unnest(string_split(assoc_actors, ';'))) FROM events)
            WHERE name IS NOT NULL AND name <> '' ORDER BY name""").fetchall()
        return [r[0] for r in rows]

    def set_actor_ids(self, mapping: Mapping[str, str | None]) -> int:
        """Write resolved actor ids next to raw names, in one transaction.

        ``mapping`` takes a raw name to an actor id (``None`` clears it). The
        raw names are kept; ``actor_id``, ``actor2_id`` and ``banner_id`` are
        set where ``actor``, ``actor2`` and ``banner`` match. Returns the
        number of rows changed.
        """
        if self.read_only:
            raise StoreError(f"{self.path!r} was opened read-only.")
        import pandas as pd

        frame = pd.DataFrame(
            {"raw": list(mapping.keys()), "rid": list(mapping.values())}, dtype="string"
        )
        con = self._con
        con.register("_resolved", frame)
        con.begin()
        try:
            total = 0
            for raw_col, id_col in (
                ("actor", "actor_id"),
                ("actor2", "actor2_id"),
                ("banner", "banner_id"),
            ):
                cur = con.execute(
                    f"UPDATE events SET {id_col} = r.rid FROM _resolved r "
                    f"WHERE events.{raw_col} = r.raw"
                )
                res = cur.fetchall()[0]
                total += int(res[0]) if res else 0
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.unregister("_resolved")
        return total

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The underlying DuckDB connection, for read-only SQL by experts."""
        return self._con
