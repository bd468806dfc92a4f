"""Filtered reads of canonical events, from the store or from Parquet files.

:class:`EventQueries` holds the query API (``query``, ``count``, ``counts``,
``iter_batches``, ``export``); :class:`~titfortat.events.EventStore` and
:class:`ParquetEvents` share it, so code written against a DuckDB store runs
unchanged against a partitioned Parquet archive.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import duckdb

from titfortat.events.schema import EVENT_TYPES, column_names
from titfortat.events.sources._base import Params
from titfortat.exceptions import DataError, StoreError, UsageError

if TYPE_CHECKING:  # pandas and pyarrow load on first use, not with the CLI
    import pandas as pd
    import pyarrow as pa

__all__ = ["EventQueries", "ParquetEvents"]


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """Turn off DuckDB's progress bar.

    It writes to stdout, which belongs to the caller (``titfortat ingest
    --json`` prints one JSON object there); titfortat reports progress through
    its own callback instead.
    """
    con.execute("SET enable_progress_bar = false")


def _unknown(column: str, value: str, known: list[str]) -> str:
    """Message for a filter value no event has: closest values, then all."""
    by_lower = {k.lower(): k for k in known}
    close = [
        by_lower[c]
        for c in difflib.get_close_matches(value.lower(), list(by_lower), n=5)
    ]
    shown = ", ".join(repr(k) for k in known[:20])
    more = f" and {len(known) - 20:,} more" if len(known) > 20 else ""
    hint = f" Closest: {close}." if close else ""
    return (
        f"No event has {column} {value[:80]!r}.{hint} The store holds "
        f"{len(known):,} value(s): {shown}{more}."
    )


def _parse_day(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataError(
            f"The {name!r} filter must be a date like 2024-02-02. Got {value!r}."
        ) from None


class EventQueries:
    """Filtered reads of a canonical event relation (a table or Parquet files).

    Subclasses set ``_con`` (a DuckDB connection) and ``_relation`` (SQL).
    """

    _con: duckdb.DuckDBPyConnection
    _relation: str

    def _where(
        self,
        *,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        country: str | Sequence[str] | None = None,
        admin1: str | Sequence[str] | None = None,
        actor: str | None = None,
        event_type: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> tuple[str, Params]:
        p = Params()
        parts: list[str] = []
        if (d := _parse_day(since, "since")) is not None:
            parts.append(f"date >= {p(d)}")
        if (d := _parse_day(until, "until")) is not None:
            parts.append(f"date <= {p(d)}")
        for col, val in (("country", country), ("admin1", admin1), ("source", source)):
            if val is not None:
                vals = [val] if isinstance(val, str) else list(val)
                parts.append(
                    f"lower({col}) IN ({', '.join(p(v.lower()) for v in vals)})"
                )
        if event_type is not None:
            types = [event_type] if isinstance(event_type, str) else list(event_type)
            bad = [t for t in types if t not in EVENT_TYPES]
            if bad:
                raise DataError(
                    f"The 'event_type' filter must be among {list(EVENT_TYPES)}. "
                    f"Got {bad}."
                )
            parts.append(f"event_type IN ({', '.join(p(t) for t in types)})")
        if actor is not None:
            needle = p(actor.lower())
            parts.append(
                "("
                + " OR ".join(
                    f"contains(lower({c}), {needle})"
                    for c in ("actor", "actor2", "assoc_actors", "banner")
                )
                + f" OR actor_id = {p(actor)})"
            )
        if bbox is not None:
            if len(bbox) != 4 or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
                raise DataError(
                    "The 'bbox' filter must be (min_lon, min_lat, max_lon, max_lat) "
                    f"with min <= max. Got {bbox!r}."
                )
            parts.append(
                f"longitude BETWEEN {p(bbox[0])} AND {p(bbox[2])} AND "
                f"latitude BETWEEN {p(bbox[1])} AND {p(bbox[3])}"
            )
        return (" WHERE " + " AND ".join(parts)) if parts else "", p

    def check_filters(
        self,
        *,
        country: str | Sequence[str] | None = None,
        admin1: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        actor: str | None = None,
    ) -> None:
        """Raise if a filter value matches no stored event, naming the close ones.

        :meth:`query` returns an empty frame for ``country="Irak"``; the command
        line calls this first so that a typo is not read as "no events".

        Raises
        ------
        UsageError
            With the closest stored values and the list of valid ones.

        Examples
        --------
        >>> from titfortat.datasets import load_demo_store
        >>> with load_demo_store() as store:
        ...     store.check_filters(country="Irak")
        Traceback (most recent call last):
        ...
        titfortat.exceptions.UsageError: No event has country 'Irak'...
        """
        for col, val in (("country", country), ("admin1", admin1), ("source", source)):
            if val is None:
                continue
            rows = self._con.execute(
                f"SELECT DISTINCT {col} FROM {self._relation} "
                f"WHERE {col} IS NOT NULL ORDER BY 1"
            ).fetchall()
            known = [str(r[0]) for r in rows]
            lower = {k.lower() for k in known}
            for v in [val] if isinstance(val, str) else list(val):
                if v.lower() not in lower:
                    raise UsageError(_unknown(col, v, known))
        if actor is not None and not self.count(actor=actor):
            names = self._con.execute(f"""
                SELECT DISTINCT name FROM (
                  SELECT actor AS name FROM {self._relation} UNION ALL
                  SELECT actor2 FROM {self._relation} UNION ALL
                  SELECT banner FROM {self._relation} UNION ALL
                  SELECT actor_id FROM {self._relation})
                WHERE name IS NOT NULL ORDER BY 1""").fetchall()
            raise UsageError(_unknown("actor", actor, [str(r[0]) for r in names]))

    def _select(
        self, columns: Sequence[str] | None, limit: int | None, **filters: Any
    ) -> tuple[str, Params]:
        where, p = self._where(**filters)
        if columns is None:
            cols = "*"
        else:
            unknown = [c for c in columns if c not in column_names()]
            if unknown:
                raise DataError(
                    f"Unknown column(s) {unknown}. Expected names from "
                    "titfortat.events.schema.column_names()."
                )
            cols = ", ".join(columns)
        sql = f"SELECT {cols} FROM {self._relation}{where} ORDER BY date, event_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, p

    def query(
        self,
        *,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        country: str | Sequence[str] | None = None,
        admin1: str | Sequence[str] | None = None,
        actor: str | None = None,
        event_type: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        as_: Literal["pandas", "arrow"] = "pandas",
    ) -> pd.DataFrame | pa.Table:
        """Events matching every filter given, ordered by date.

        Parameters
        ----------
        since, until : str or date, optional
            Inclusive date bounds (ISO ``YYYY-MM-DD``).
        country, admin1, source : str or list of str, optional
            Exact match, case-insensitive.
        actor : str, optional
            Case-insensitive substring of ``actor``, ``actor2``, ``assoc_actors``
            or ``banner``, or an exact ``actor_id``.
        event_type : str or list of str, optional
            From ``attack``, ``strike``, ``protest``, ``other``.
        bbox : (min_lon, min_lat, max_lon, max_lat), optional
            Bounding box in degrees.
        columns : list of str, optional
            Subset of columns (default all).
        limit : int, optional
            At most this many rows.
        as_ : {"pandas", "arrow"}
            Return type.

        Returns
        -------
        pandas.DataFrame or pyarrow.Table
        """
        sql, p = self._select(
            columns,
            limit,
            since=since,
            until=until,
            country=country,
            admin1=admin1,
            actor=actor,
            event_type=event_type,
            source=source,
            bbox=bbox,
        )
        if as_ not in {"pandas", "arrow"}:
            raise DataError(f"as_ must be 'pandas' or 'arrow'. Got {as_!r}.")
        rel = self._con.sql(sql, params=p.values)
        if as_ == "arrow":
            # DuckDB 2 renamed Relation.arrow() to to_arrow_table().
            fetch: Any = getattr(rel, "to_arrow_table", None) or rel.arrow
            table: pa.Table = fetch()
            return table
        frame: pd.DataFrame = rel.df()
        return frame

    def iter_batches(
        self,
        *,
        batch_size: int = 100_000,
        columns: Sequence[str] | None = None,
        **filters: Any,
    ) -> Iterator[pa.RecordBatch]:
        """Stream matching events as Arrow record batches (bounded memory)."""
        sql, p = self._select(columns, None, **filters)
        # A cursor is a second connection to the same database, so the store
        # stays usable while the caller consumes the stream.
        cur = self._con.cursor()
        try:
            rel = cur.sql(sql, params=p.values)
            # DuckDB 2 renamed Relation.record_batch() to to_arrow_reader().
            fetch: Any = getattr(rel, "to_arrow_reader", None) or rel.record_batch
            yield from fetch(batch_size)
        finally:
            cur.close()

    def count(self, **filters: Any) -> int:
        """Number of rows matching the filters (see :meth:`query`)."""
        where, p = self._where(**filters)
        row = self._con.execute(
            f"SELECT count(*) FROM {self._relation}{where}", p.values
        ).fetchall()[0]
        return int(row[0]) if row else 0

    def tally(self, by: Sequence[str], **filters: Any) -> pd.DataFrame:
        """Rows per combination of ``by`` columns, with first and last date.

        The grouping runs inside DuckDB, so a store of millions of rows is
        summarised without loading its columns into pandas.

        Parameters
        ----------
        by : list of str
            Canonical columns to group by (missing values form their own group).
        **filters
            As in :meth:`query`.

        Returns
        -------
        pandas.DataFrame
            One row per group: the ``by`` columns, ``rows`` (stored rows, not
            ``n_events``), ``first`` and ``last`` (dates), ordered by ``by``.

        Examples
        --------
        >>> from titfortat.datasets import load_demo_store
        >>> t = load_demo_store().tally(["source", "event_type"])
        >>> list(t.columns)
        ['source', 'event_type', 'rows', 'first', 'last']
        """
        known = column_names()
        by = list(by)
        bad = [c for c in by if c not in known]
        if not by or bad:
            raise DataError(
                f"by must name one or more canonical columns. Got {bad or by!r}; "
                f"known: {', '.join(known)}."
            )
        cols = ", ".join(by)
        where, p = self._where(**filters)
        sql = (
            f"SELECT {cols}, count(*)::BIGINT AS rows, min(date) AS first, "
            f"max(date) AS last FROM {self._relation}{where} "
            f"GROUP BY {cols} ORDER BY {cols} NULLS LAST"
        )
        frame: pd.DataFrame = self._con.sql(sql, params=p.values).df()
        return frame

    def counts(
        self,
        *,
        freq: Literal["day", "week", "month", "year"] = "day",
        by: str = "event_type",
        **filters: Any,
    ) -> pd.DataFrame:
        """Number of events per period (summing ``n_events``), one column per group.

        Parameters
        ----------
        freq : {"day", "week", "month", "year"}
            Period length; weeks start on Monday.
        by : str
            Canonical column whose values become the columns (e.g. ``event_type``,
            ``source_event_type``, ``actor_id``).
        **filters
            As in :meth:`query`.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``period`` (every period between the first and last event,
            zeros included), one integer column per group.
        """
        import pandas as pd

        if freq not in {"day", "week", "month", "year"}:
            raise DataError(f"freq must be day, week, month or year. Got {freq!r}.")
        if by not in column_names():
            raise DataError(f"by must be a canonical column. Got {by!r}.")
        where, p = self._where(**filters)
        sql = (
            f"SELECT date_trunc({p(freq)}, date)::DATE AS period, "
            f"coalesce(CAST({by} AS VARCHAR), '(none)') AS grp, "
            f"sum(n_events)::BIGINT AS n FROM {self._relation}{where} "
            "GROUP BY ALL ORDER BY ALL"
        )
        long = self._con.sql(sql, params=p.values).df()
        if long.empty:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="period"))
        wide = long.pivot(index="period", columns="grp", values="n")
        wide.index = pd.DatetimeIndex(wide.index, name="period")
        step = {"day": "D", "week": "W-MON", "month": "MS", "year": "YS"}[freq]
        full = pd.date_range(wide.index.min(), wide.index.max(), freq=step)
        wide = wide.reindex(full, fill_value=0).fillna(0).astype("int64")
        wide.index.name = "period"
        wide.columns.name = by
        result: pd.DataFrame = wide
        return result

    def export(
        self,
        path: str | Path,
        *,
        format: Literal["csv", "parquet"] | None = None,
        partition_by: Sequence[Literal["year", "month", "source", "country"]] = (),
        append: bool = False,
        **filters: Any,
    ) -> Path:
        """Write matching events to CSV or Parquet, streaming inside DuckDB.

        With ``partition_by`` (Parquet only) ``path`` is a directory of
        hive-partitioned files, e.g. ``year=2024/month=2/data_0.parquet``, that
        :class:`ParquetEvents` reads back; ``append=True`` adds files to an
        existing directory instead of refusing to overwrite it.
        """
        path = Path(path)
        fmt = format or ("parquet" if path.suffix in {".parquet", ""} else "csv")
        if fmt not in {"csv", "parquet"}:
            raise DataError(f"format must be 'csv' or 'parquet'. Got {fmt!r}.")
        parts = list(partition_by)
        allowed = {"year", "month", "source", "country"}
        if set(parts) - allowed:
            raise DataError(
                f"partition_by must be among {sorted(allowed)}. Got {parts}."
            )
        if parts and fmt != "parquet":
            raise DataError("partition_by works with format='parquet' only.")
        where, p = self._where(**filters)
        extra = ", year(date) AS year, month(date) AS month" if parts else ""
        sql = f"SELECT *{extra} FROM {self._relation}{where} ORDER BY date, event_id"
        opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        if parts:
            opts += f", PARTITION_BY ({', '.join(parts)})"
            opts += ", APPEND true" if append else ""
        self._con.execute(f"COPY ({sql}) TO {p(str(path))} ({opts})", p.values)
        return path


class ParquetEvents(EventQueries):
    """Query hive-partitioned Parquet files of canonical events like a store.

    For archives too large for one DuckDB file (the full GDELT event record,
    hundreds of millions of rows): ingest batch by batch into a scratch store,
    ``export(..., format="parquet", partition_by=["year", "month"], append=True)``
    each batch, then query the directory through this class. DuckDB prunes
    partitions and columns, so a query reads only what it needs.

    Parameters
    ----------
    root : str or Path
        Directory written by :meth:`EventQueries.export` with ``partition_by``,
        or a single Parquet file.
    memory_limit : str, default "2GB"
    """

    def __init__(self, root: str | Path, *, memory_limit: str = "2GB") -> None:
        root = Path(root)
        if not root.exists():
            raise StoreError(f"No Parquet events at {str(root)!r}.")
        pattern = str(root / "**" / "*.parquet") if root.is_dir() else str(root)
        self._con = duckdb.connect(config={"memory_limit": memory_limit})
        quiet(self._con)
        cols = ", ".join(column_names())
        # A view's definition cannot take bound parameters, so the path is
        # quoted here as an SQL string literal (single quotes doubled).
        self._con.execute(
            f"CREATE VIEW events AS SELECT {cols} FROM read_parquet("
            f"'{pattern.replace(chr(39), chr(39) * 2)}', hive_partitioning=true, "
            "union_by_name=true)"
        )
        self._relation = "events"
        self.root = root

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()
