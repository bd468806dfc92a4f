"""What every reader shares: how a raw column becomes a canonical one.

A reader never loads a file into Python. It describes, as DuckDB SQL over the
file's text columns, how each canonical column is computed (a :class:`Field`),
and the ingest pipeline runs that description inside DuckDB. This keeps the
whole ingest in one streaming, parallel engine: parsing a million ACLED rows
this way is several times faster than pandas (see ``benchmarks/ingest.py``).

Every literal that ends up in SQL (a constant, a date format, a path) goes
through :class:`Params` as a bound parameter, never through string formatting.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from titfortat.events.schema import DATE_PRECISIONS, EVENT_TYPES, GEO_PRECISIONS
from titfortat.exceptions import DataError, Reason, SchemaError

__all__ = ["Field", "Params", "RawColumns", "Reader", "ReadPlan"]


class Params:
    """Collects bound parameters for one SQL statement.

    Examples
    --------
    >>> p = Params()
    >>> p("it's")
    '$p0'
    >>> p.values
    {'p0': "it's"}
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (column names come from user files)."""
    return '"' + name.replace('"', '""') + '"'


class RawColumns:
    """The columns of a raw file, looked up case-insensitively.

    Parameters
    ----------
    names : iterable of str
        Column names as they appear in the file.
    path : str
        The file, for error messages.
    """

    def __init__(self, names: Iterable[str], path: str) -> None:
        self.names = list(names)
        self.path = path
        self._lower = {n.strip().lower(): n for n in self.names}

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._lower

    def actual(self, name: str) -> str:
        """The column's name as written in the file."""
        try:
            return self._lower[name.lower()]
        except KeyError:
            raise SchemaError(
                f"{self.path}: column {name!r} is missing. Expected it in the "
                f"header; the file has {self.names}. Check that --format is right "
                "for this file, or rename the column.",
                reason=Reason.MISSING_COLUMN,
                path=self.path,
                column=name,
            ) from None

    def q(self, name: str) -> str:
        """Quoted identifier of column ``name``."""
        return quote_ident(self.actual(name))

    def text(self, name: str) -> str:
        """SQL for the trimmed text of a column, NULL when blank."""
        return f"NULLIF(trim({self.q(name)}), '')"

    def require(self, names: Iterable[str]) -> None:
        """Raise one error naming every missing column."""
        missing = [n for n in names if n not in self]
        if missing:
            raise SchemaError(
                f"{self.path}: required column(s) {missing} missing from the header "
                f"(line 1). Expected all of {sorted(names)}; the file has "
                f"{self.names}. Check that --format is right for this file, or "
                "rename the columns.",
                reason=Reason.MISSING_COLUMN,
                path=self.path,
                column=missing[0],
            )


@dataclass(frozen=True)
class Field:
    """How one canonical column is computed from a raw row.

    Parameters
    ----------
    sql : str
        Typed SQL value (NULL when absent).
    kind : str
        Which checks apply: ``text`` (none), ``id`` (must be present), ``date``,
        ``latitude``, ``longitude``, ``count`` (non-negative number), ``vocab``
        (value from ``allowed``).
    column : str, optional
        The raw column (or columns) it came from, named in quarantine messages.
    raw : str, optional
        SQL for the raw text, shown as the offending value.
    allowed : tuple of str
        For ``vocab``: the allowed values.
    expected : str
        Human description of a valid value, for messages.
    """

    sql: str
    kind: str = "text"
    column: str | None = None
    raw: str | None = None
    allowed: tuple[str, ...] = ()
    expected: str = ""


@dataclass
class ReadPlan:
    """A file made ready for DuckDB: the relation to scan and its columns."""

    relation: str
    columns: RawColumns
    header_lines: int = 1
    #: DuckDB table that receives malformed lines (CSV only), else None.
    rejects: str | None = None
    #: The file DuckDB scans (after unzipping, transcoding), and its encoding:
    #: the whole text of a rejected line is read back from it.
    ready: Path | None = None
    encoding: str = "utf-8"


# ---------------------------------------------------------------- field helpers


def text(cols: RawColumns, name: str) -> Field:
    return Field(cols.text(name), "text", name)


def optional_text(cols: RawColumns, name: str) -> Field:
    """Text of ``name`` if the file has that column, else NULL."""
    return text(cols, name) if name in cols else Field("NULL::VARCHAR")


def const(p: Params, value: Any, sql_type: str = "VARCHAR") -> Field:
    if value is None:
        return Field(f"NULL::{sql_type}")
    return Field(f"CAST({p(value)} AS {sql_type})")


def date(cols: RawColumns, name: str, p: Params, formats: Iterable[str]) -> Field:
    """A date parsed with the first matching strptime format."""
    formats = list(formats)
    raw = cols.text(name)
    tries = ", ".join(f"try_strptime({raw}, {p(f)})::DATE" for f in formats)
    sql = f"coalesce({tries})" if len(formats) > 1 else tries
    return Field(
        sql, "date", name, raw, expected=f"a date in format {' or '.join(formats)}"
    )


#: A count must be finite and fit the INTEGER column; anything else (``nan``,
#: ``inf``, ``1e10``) is quarantined as an invalid number, never cast blindly.
COUNT_EXPECTED = "a whole number in [0, 2147483647]"


def number(cols: RawColumns, name: str, kind: str) -> Field:
    """A latitude, longitude or count parsed from text."""
    raw = cols.text(name)
    if kind == "count":
        sql = f"TRY_CAST(round(TRY_CAST({raw} AS DOUBLE)) AS INTEGER)"
        expected = COUNT_EXPECTED
    else:
        sql = f"TRY_CAST({raw} AS DOUBLE)"
        expected = {
            "latitude": "a number in [-90, 90]",
            "longitude": "a number in [-180, 180]",
        }[kind]
    return Field(sql, kind, name, raw, expected=expected)


def optional_number(cols: RawColumns, name: str, kind: str) -> Field:
    sql_type = "INTEGER" if kind == "count" else "DOUBLE"
    return number(cols, name, kind) if name in cols else Field(f"NULL::{sql_type}")


def mapped(
    p: Params,
    value_sql: str,
    mapping: Mapping[str, str],
    default: str | None,
) -> str:
    """SQL CASE translating codes to labels (``default`` when unmatched)."""
    if not mapping:
        return f"CAST({p(default)} AS VARCHAR)" if default is not None else "NULL"
    whens = " ".join(
        f"WHEN {value_sql} = {p(str(k))} THEN {p(v)}" for k, v in mapping.items()
    )
    tail = f" ELSE {p(default)}" if default is not None else ""
    return f"CASE {whens}{tail} END"


def joined(cols: RawColumns, names: Iterable[str], sep: str = "; ") -> Field:
    """The present columns among ``names`` joined by ``sep`` (NULL if all blank)."""
    parts = [cols.text(n) for n in names if n in cols]
    if not parts:
        return Field("NULL::VARCHAR")
    return Field(f"NULLIF(concat_ws('{sep}', {', '.join(parts)}), '')")


def coded(
    cols: RawColumns,
    p: Params,
    name: str,
    codes: Mapping[str, str],
    default: str | None,
    kind: Callable[[str, str | None, str | None], Field],
) -> Field | None:
    """A vocabulary field translated from the code column ``name``, if present."""
    if name not in cols:
        return None
    raw = cols.text(name)
    return kind(mapped(p, raw, codes, default), name, raw)


def vocab(
    sql: str,
    allowed: tuple[str, ...],
    column: str | None = None,
    raw: str | None = None,
) -> Field:
    return Field(
        sql, "vocab", column, raw or sql, allowed, expected=f"one of {list(allowed)}"
    )


def event_type(sql: str, column: str | None = None, raw: str | None = None) -> Field:
    return vocab(sql, EVENT_TYPES, column, raw)


def date_precision(
    sql: str, column: str | None = None, raw: str | None = None
) -> Field:
    return vocab(sql, DATE_PRECISIONS, column, raw)


def geo_precision(sql: str, column: str | None = None, raw: str | None = None) -> Field:
    return vocab(sql, GEO_PRECISIONS, column, raw)


# ---------------------------------------------------------------- the reader


class Reader(abc.ABC):
    """A source format: how to open its files and map their columns.

    Subclasses set :attr:`format` (the ``--format`` name) and
    :attr:`required_columns`, and implement :meth:`fields`.
    """

    format: ClassVar[str]
    #: Columns the file must have; checked once, before any row is read.
    required_columns: ClassVar[tuple[str, ...]] = ()
    #: Default options passed to DuckDB's ``read_csv``; copied per instance.
    default_csv_options: ClassVar[dict[str, Any]] = {
        "delim": ",",
        "quote": '"',
        "escape": '"',
        "header": True,
    }

    def __init__(self, *, source: str | None = None, encoding: str = "utf-8") -> None:
        self.source = source or self.format
        self.encoding = encoding
        self.csv_options: dict[str, Any] = dict(self.default_csv_options)

    # The store calls these three, in order.
    def plan(
        self, con: Any, path: Path, p: Params, rejects: str, workdir: Path
    ) -> ReadPlan:
        """Describe how DuckDB reads ``path``: text columns, bad lines to ``rejects``.

        Temporary files (transcoded text, unzipped members) go in ``workdir``.
        """
        from titfortat.events._files import csv_plan

        return csv_plan(con, path, self, p, rejects, workdir)

    @abc.abstractmethod
    def fields(self, cols: RawColumns, p: Params) -> dict[str, Field]:
        """SQL for each canonical column this format fills."""

    def check_columns(self, cols: RawColumns) -> None:
        cols.require(self.required_columns)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(source={self.source!r})"


def unknown_format(name: str, known: Iterable[str]) -> DataError:
    return DataError(
        f"Unknown format {name!r}. Expected one of {sorted(known)}. Use 'table' with "
        "a --mapping YAML file for any other layout."
    )
