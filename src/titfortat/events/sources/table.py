"""Any CSV, TSV or Parquet table, described by a small YAML mapping.

A mapping says which column holds what. Example (the bundled mapping for the
geocausal Iraq airstrikes)::

    source: geocausal-iraq          # stored in the `source` column (required)
    format: csv                     # csv, tsv or parquet (default: from the suffix)
    columns:
      date: {column: date, format: "%Y-%m-%d"}
      latitude: latitude            # a bare string is a column name
      longitude: longitude
      event_type: {constant: strike}
      source_event_type: type
      actor: {constant: US-led coalition}
      country: {constant: Iraq}

Value forms, for any canonical column (see :mod:`titfortat.events.schema`):

* ``name`` or ``{column: name}``: the column's value;
* ``{constant: value}``: the same value on every row;
* ``{column: name, map: {raw: value, ...}, default: value}``: translate codes
  (rows whose code is not in ``map`` get ``default``; with no default they
  get NULL, which a required column like ``event_type`` quarantines);
* ``{cases: [{column: c, equals: v, value: x}, ...], default: y}``: the first
  case whose column equals its value wins;
* ``{columns: [a, b], join: "; "}``: several text columns joined;
* for ``date``, ``date_end`` and ``timestamp``: ``{column: name, format: F}``
  where F is a strptime format (``%Y-%m-%d``, ``%d-%b-%y``, ``%m/%d/%Y``) or
  ``stata_week`` (Stata ``%tw`` week numbers, 0 = first week of 1960).

Top-level options: ``delimiter``, ``header`` (true/false), ``encoding``,
``quote``. Only ``source`` and ``columns.date`` are required; ``event_type``
defaults to ``other`` and ``n_events`` to 1. Mappings are checked before any
row is read; each error names the mapping file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from titfortat._yaml import load_yaml, short_repr
from titfortat.events.schema import READER_COLUMNS
from titfortat.events.sources import _base as b
from titfortat.exceptions import Reason, SchemaError

_DATE_FIELDS = {"date", "date_end"}
_COUNT_FIELDS = {"n_events", "fatalities_best", "fatalities_low", "fatalities_high"}
_BOOL_FIELDS = {"actor_uncertain", "claimed"}
_VOCAB = {
    "event_type": b.event_type,
    "date_precision": b.date_precision,
    "geo_precision": b.geo_precision,
}
_TOP_KEYS = {
    "source",
    "format",
    "columns",
    "delimiter",
    "header",
    "encoding",
    "quote",
    "description",
    "citation",
    "licence",
    "license",
}
_SPEC_KEYS = {
    "column",
    "constant",
    "map",
    "default",
    "cases",
    "columns",
    "join",
    "format",
}
_TRUE = ("1", "true", "yes", "y", "t")
_FALSE = ("0", "false", "no", "n", "f")


class Mapping_:
    """A parsed mapping with the line of each key, for error messages."""

    def __init__(
        self, data: dict[str, Any], origin: str, lines: dict[tuple[str, ...], int]
    ) -> None:
        self.data = data
        self.origin = origin
        self.lines = lines

    def error(self, key: tuple[str, ...], what: str) -> SchemaError:
        line = self.lines.get(key)
        where = f"{self.origin}, line {line}" if line else self.origin
        return SchemaError(
            f"{where}: {what}", reason=Reason.BAD_MAPPING, path=self.origin, line=line
        )


def _node_lines(
    node: yaml.Node, prefix: tuple[str, ...], out: dict[tuple[str, ...], int]
) -> None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = prefix + (str(k.value),)
            out[key] = k.start_mark.line + 1
            _node_lines(v, key, out)


def load_mapping(mapping: str | Path | Mapping[str, Any]) -> Mapping_:
    """Load a mapping from a dict, a YAML file, or a bundled mapping's name.

    Examples
    --------
    >>> m = load_mapping("geocausal-airstrikes")
    >>> m.data["source"]
    'geocausal-iraq'
    """
    if isinstance(mapping, Mapping):
        return _check(Mapping_(dict(mapping), "<mapping dict>", {}))
    path = Path(mapping)
    if not path.exists():
        bundled = mapping_path(str(mapping))
        if bundled is None:
            raise SchemaError(
                f"Mapping {str(mapping)!r} is neither a file nor a bundled mapping. "
                "Pass the path of a YAML mapping file (see "
                "titfortat.events.sources.table for the format).",
                reason=Reason.BAD_MAPPING,
            )
        path = bundled
    data, node = load_yaml(path, with_node=True, reason=Reason.BAD_MAPPING)
    if not isinstance(data, dict):
        raise SchemaError(
            f"{path}: a mapping file must hold a YAML mapping with "
            "'source' and 'columns'.",
            reason=Reason.BAD_MAPPING,
        )
    lines: dict[tuple[str, ...], int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return _check(Mapping_(data, str(path), lines))


_BUNDLED = Path(__file__).parent / "mappings"


def mapping_path(name: str) -> Path | None:
    """Path of a bundled mapping (``"geocausal-airstrikes"``), else None.

    Examples
    --------
    >>> mapping_path("centcom-strikes").name
    'centcom-strikes.yaml'
    """
    path = _BUNDLED / f"{name.removesuffix('.yaml')}.yaml"
    return path if path.exists() else None


def bundled_mappings() -> list[str]:
    """Names of the mappings shipped with titfortat.

    Examples
    --------
    >>> "geocausal-airstrikes" in bundled_mappings()
    True
    """
    return sorted(p.stem for p in _BUNDLED.glob("*.yaml"))


def _check(m: Mapping_) -> Mapping_:
    d = m.data
    for key in d:
        if key not in _TOP_KEYS:
            raise m.error(
                (key,), f"unknown key {key!r}. Expected keys among {sorted(_TOP_KEYS)}."
            )
    if not isinstance(d.get("source"), str) or not d["source"].strip():
        raise m.error(
            ("source",), "'source' must be a non-empty name, e.g. source: my-dataset."
        )
    cols = d.get("columns")
    if not isinstance(cols, dict):
        raise m.error(
            ("columns",), "'columns' must map canonical column names to column specs."
        )
    allowed = set(READER_COLUMNS) - {"source"}
    for name, spec in cols.items():
        if name not in allowed:
            raise m.error(
                ("columns", name),
                f"{name!r} is not a canonical column. "
                f"Expected one of {sorted(allowed)}.",
            )
        if isinstance(spec, dict):
            extra = set(spec) - _SPEC_KEYS
            if extra:
                raise m.error(
                    ("columns", name),
                    f"unknown key(s) {short_repr(sorted(map(str, extra)))} in "
                    f"the spec of {name!r}. Expected among "
                    f"{sorted(_SPEC_KEYS)}.",
                )
            if not ({"column", "constant", "cases", "columns"} & set(spec)):
                raise m.error(
                    ("columns", name),
                    f"the spec of {name!r} needs one of "
                    "'column', 'constant', 'cases' or 'columns'.",
                )
            _check_spec(m, str(name), spec)
        elif not isinstance(spec, str) or not spec.strip():
            raise m.error(
                ("columns", name),
                f"the spec of {name!r} must be a column "
                f"name or a mapping; got {short_repr(spec)}.",
            )
    if "date" not in cols:
        raise m.error(("columns",), "'columns' must say which column is the 'date'.")
    fmt = d.get("format")
    if fmt is not None and (
        not isinstance(fmt, str) or fmt not in {"csv", "tsv", "parquet"}
    ):
        raise m.error(
            ("format",), f"format must be csv, tsv or parquet; got {short_repr(fmt)}."
        )
    for key, ok, what in (
        ("delimiter", lambda v: isinstance(v, str) and len(v) == 1, "one character"),
        ("quote", lambda v: isinstance(v, str) and len(v) <= 1, "one character"),
        ("header", lambda v: isinstance(v, bool), "true or false"),
        ("encoding", lambda v: isinstance(v, str) and v.strip(), "an encoding name"),
    ):
        if key in d and not ok(d[key]):
            raise m.error((key,), f"{key!r} must be {what}; got {short_repr(d[key])}.")
    return m


_SCALAR = (str, int, float, bool, type(None))


def _check_spec(m: Mapping_, name: str, spec: dict[str, Any]) -> None:
    """Types inside one column spec, each error with the mapping's line."""
    where = ("columns", name)

    def bad(key: str, expected: str) -> SchemaError:
        return m.error(
            (*where, key) if (*where, key) in m.lines else where,
            f"in the spec of {name!r}, {key!r} must be {expected}; "
            f"got {short_repr(spec[key])}.",
        )

    def is_name(v: Any) -> bool:
        return isinstance(v, str) and bool(v.strip())

    if "column" in spec and not is_name(spec["column"]):
        raise bad("column", "a column name (text)")
    if "columns" in spec and not (
        isinstance(spec["columns"], list)
        and spec["columns"]
        and all(is_name(c) for c in spec["columns"])
    ):
        raise bad("columns", "a list of column names")
    if "join" in spec and not isinstance(spec["join"], str):
        raise bad("join", "a text separator such as '; '")
    if "format" in spec and not is_name(spec["format"]):
        raise bad("format", "a strptime format such as '%Y-%m-%d', or stata_week")
    if "default" in spec and not isinstance(spec["default"], _SCALAR):
        raise bad("default", "a single value")
    if "map" in spec and not (
        isinstance(spec["map"], dict)
        and all(isinstance(k, _SCALAR) for k in spec["map"])
        and all(isinstance(v, _SCALAR) for v in spec["map"].values())
    ):
        raise bad("map", "a mapping of codes to values, e.g. {1: strike, 2: attack}")
    if "cases" in spec:
        cases = spec["cases"]
        if not (
            isinstance(cases, list)
            and cases
            and all(
                isinstance(c, dict)
                and {"column", "equals", "value"} <= set(c)
                and is_name(c["column"])
                and isinstance(c["equals"], _SCALAR)
                and isinstance(c["value"], _SCALAR)
                for c in cases
            )
        ):
            raise bad(
                "cases",
                "a list of {column: c, equals: v, value: x} mappings",
            )
    if "constant" in spec:
        value = spec["constant"]
        try:
            _constant_value(name, value)
        except (TypeError, ValueError, OverflowError):
            raise bad(
                "constant", _CONSTANT_EXPECTED.get(_kind(name), "a value")
            ) from None


def _kind(name: str) -> str:
    if name in _DATE_FIELDS:
        return "date"
    if name in {"latitude", "longitude"}:
        return name
    if name in _COUNT_FIELDS:
        return "count"
    if name in _BOOL_FIELDS:
        return "bool"
    return "text"


_CONSTANT_EXPECTED = {
    "date": "an ISO date such as 2024-01-31",
    "latitude": "a number in [-90, 90]",
    "longitude": "a number in [-180, 180]",
    "count": "a whole number in [0, 2147483647]",
    "bool": "true or false",
    "text": "a single value (text or number)",
}


def _constant_value(name: str, value: Any) -> Any:
    """The Python value of a ``constant``; raises ValueError/TypeError if wrong."""
    import datetime as dt
    import math

    if value is None:
        return None
    kind = _kind(name)
    if kind == "date":
        return dt.date.fromisoformat(str(value))
    if kind in {"latitude", "longitude"}:
        if isinstance(value, bool):
            raise TypeError(value)
        x = float(value)
        if not math.isfinite(x) or abs(x) > (90 if kind == "latitude" else 180):
            raise ValueError(value)
        return x
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(value)
        n = int(value)
        if not 0 <= n < 2**31:
            raise ValueError(value)
        return n
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(value)
        return value
    if not isinstance(value, _SCALAR):
        raise TypeError(value)
    return str(value)


class TableReader(b.Reader):
    """Reader for plain tables described by a YAML mapping (``format="table"``).

    Parameters
    ----------
    mapping : path, bundled mapping name or dict
        See the module documentation.
    source : str, optional
        Overrides the mapping's ``source``.
    encoding : str, default "utf-8"
    """

    format = "table"

    def __init__(
        self,
        mapping: str | Path | Mapping[str, Any],
        *,
        source: str | None = None,
        encoding: str | None = None,
    ) -> None:
        self.mapping = load_mapping(mapping)
        d = self.mapping.data
        super().__init__(
            source=source or d["source"],
            encoding=encoding or d.get("encoding", "utf-8"),
        )
        self.csv_options = {
            "delim": d.get("delimiter", "\t" if d.get("format") == "tsv" else ","),
            "quote": d.get("quote", '"'),
            "escape": d.get("quote", '"'),
            "header": bool(d.get("header", True)),
        }

    def plan(
        self, con: Any, path: Path, p: b.Params, rejects: str, workdir: Path
    ) -> b.ReadPlan:
        fmt = self.mapping.data.get("format")
        if fmt == "parquet" or (fmt is None and path.suffix.lower() == ".parquet"):
            from titfortat.events._files import check_readable, literal_path

            check_readable(path)
            # A name with [ ? * is read through a plain-named link, not globbed.
            base = f"read_parquet({p(str(literal_path(path, workdir)))})"
            names = [
                r[0]
                for r in con.execute(
                    f"DESCRIBE SELECT * FROM {base}", p.values
                ).fetchall()
            ]
            cast = ", ".join(
                f"CAST({b.quote_ident(n)} AS VARCHAR) AS {b.quote_ident(n)}"
                for n in names
            )
            return b.ReadPlan(
                f"(SELECT {cast} FROM {base})",
                b.RawColumns(names, str(path)),
                header_lines=0,
            )
        return super().plan(con, path, p, rejects, workdir)

    def check_columns(self, cols: b.RawColumns) -> None:
        needed: list[str] = []
        for spec in self.mapping.data["columns"].values():
            needed.extend(_spec_columns(spec))
        cols.require(dict.fromkeys(needed))

    def fields(self, cols: b.RawColumns, p: b.Params) -> dict[str, b.Field]:
        out: dict[str, b.Field] = {}
        specs = dict(self.mapping.data["columns"])
        specs.setdefault("event_type", {"constant": "other"})
        for name, spec in specs.items():
            out[name] = self._field(name, spec, cols, p)
        if "date_end" in specs and "date_precision" not in specs:
            # A range gives the precision: same day, within a week, a month, more.
            start, end = out["date"].sql, out["date_end"].sql
            span = f"date_diff('day', {start}, {end})"
            out["date_precision"] = b.Field(
                f"CASE WHEN {end} IS NULL OR {span} <= 0 THEN 'day' "
                f"WHEN {span} < 7 THEN 'week' WHEN {span} < 31 THEN 'month' "
                "ELSE 'year' END"
            )
        date_spec = specs["date"]
        if (
            isinstance(date_spec, dict)
            and date_spec.get("format") == "stata_week"
            and "date_precision" not in specs
        ):
            out["date_precision"] = b.Field("'week'")
        return out

    def _field(self, name: str, spec: Any, cols: b.RawColumns, p: b.Params) -> b.Field:
        if isinstance(spec, str):
            spec = {"column": spec}
        if "constant" in spec:
            value = spec["constant"]
            sql = _const_sql(name, value, p)
            field = b.Field(sql)
            return _VOCAB[name](sql, name, p(str(value))) if name in _VOCAB else field
        if "cases" in spec:
            whens = " ".join(
                f"WHEN {cols.text(c['column'])} = {p(str(c['equals']))} "
                f"THEN {p(c['value'])}"
                for c in spec["cases"]
            )
            default = spec.get("default")
            sql = (
                f"CASE {whens} ELSE {p(default) if default is not None else 'NULL'} END"
            )
            return self._typed(name, sql, None, None, cols, p)
        if "columns" in spec:
            parts = ", ".join(cols.text(c) for c in spec["columns"])
            sql = f"NULLIF(concat_ws({p(spec.get('join', '; '))}, {parts}), '')"
            return b.Field(sql, "text", "+".join(spec["columns"]))
        column = spec["column"]
        raw = cols.text(column)
        if "map" in spec:
            sql = b.mapped(
                p, raw, {str(k): v for k, v in spec["map"].items()}, spec.get("default")
            )
            return self._typed(name, sql, column, raw, cols, p)
        return self._typed(name, raw, column, raw, cols, p, spec.get("format"))

    def _typed(
        self,
        name: str,
        sql: str,
        column: str | None,
        raw: str | None,
        cols: b.RawColumns,
        p: b.Params,
        fmt: str | None = None,
    ) -> b.Field:
        if name in _DATE_FIELDS:
            if fmt == "stata_week":
                w = f"TRY_CAST({sql} AS INTEGER)"
                # Weeks beyond +-10,000 years are no date DuckDB can make.
                parsed = (
                    f"CASE WHEN abs({w}) < 520000 THEN "
                    f"make_date(1960 + ({w} // 52), 1, 1) + 7 * ({w} % 52) END"
                )
                return b.Field(
                    parsed, "date", column, raw, expected="a Stata %tw week number"
                )
            fmt = fmt or "%Y-%m-%d"
            return b.Field(
                f"try_strptime({sql}, {p(fmt)})::DATE",
                "date",
                column,
                raw,
                expected=f"a date in format {fmt}",
            )
        if name == "timestamp":
            fmt = fmt or "%Y-%m-%d %H:%M:%S"
            return b.Field(
                f"try_strptime({sql}, {p(fmt)})",
                "date",
                column,
                raw,
                expected=f"a time in format {fmt}",
            )
        if name in {"latitude", "longitude"}:
            return b.Field(
                f"TRY_CAST({sql} AS DOUBLE)",
                name,
                column,
                raw,
                expected=f"a number in [-{90 if name == 'latitude' else 180},"
                f" {90 if name == 'latitude' else 180}]",
            )
        if name in _COUNT_FIELDS:
            return b.Field(
                f"TRY_CAST(round(TRY_CAST({sql} AS DOUBLE)) AS INTEGER)",
                "count",
                column,
                raw,
                expected=b.COUNT_EXPECTED,
            )
        if name in _BOOL_FIELDS:
            t = ", ".join(p(v) for v in _TRUE)
            f = ", ".join(p(v) for v in _FALSE)
            return b.Field(
                f"CASE WHEN lower({sql}) IN ({t}) THEN true "
                f"WHEN lower({sql}) IN ({f}) THEN false END"
            )
        if name in _VOCAB:
            return _VOCAB[name](sql, column, raw)
        return b.Field(sql, "text", column, raw)


def _const_sql(name: str, value: Any, p: b.Params) -> str:
    value = _constant_value(name, value)  # checked when the mapping was loaded
    if value is None:
        return "NULL"
    sql_type = {
        "date": "DATE",
        "latitude": "DOUBLE",
        "longitude": "DOUBLE",
        "count": "INTEGER",
        "bool": "BOOLEAN",
    }.get(_kind(name), "VARCHAR")
    return f"CAST({p(value)} AS {sql_type})"


def _spec_columns(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    out = [spec["column"]] if "column" in spec else []
    out += list(spec.get("columns", []))
    out += [c["column"] for c in spec.get("cases", [])]
    return out
