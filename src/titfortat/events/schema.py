"""The canonical event table: one row per reported event, whatever its source.

Every reader in :mod:`titfortat.events.sources` maps its format onto these
columns, and :class:`~titfortat.events.EventStore` keeps them in DuckDB. The
table is declared once, here; the store's DDL, the documentation below and
:func:`validate_events` are all generated from :data:`COLUMNS`.

Conventions
-----------
* ``date`` is the first day the source allows (``date_precision`` says how
  coarse it is). GTD's unknown month or day (coded 0) gives the first day of the
  year or month with precision ``year`` or ``month``; it is never invented.
* ``event_type`` is a closed vocabulary, :data:`EVENT_TYPES`:

  - ``attack``: violence by a non-state armed actor (militia, insurgent, terrorist);
  - ``strike``: violence by a state's forces (air, drone, missile, artillery, raid);
  - ``protest``: protests and riots;
  - ``other``: everything else, including events whose initiator the source does
    not give (UCDP state-based events, ACLED strategic developments).

  The source's own type and subtype are kept verbatim in ``source_event_type``
  and ``source_sub_event_type``, so a user can always re-classify.
* ``actor`` is the name as written in the source; ``actor_id`` is filled later by
  actor resolution (:mod:`titfortat.actors`) and never replaces the raw name.
* ``n_events`` is the number of events a row stands for: 1 for event-level data,
  more for sources that report counts per place and day (CENTCOM releases) or
  per district and week (ESOC SIGACTs), 0 for an observed zero in a count panel.
* ``event_id`` is ``<source>:<source_event_id>`` when the source has ids, else
  ``<source>:h<first 16 hex of content_hash>`` (with ``:<k>`` appended for the
  k-th identical row of one file). It is the key used to skip duplicates.
* ``source_row`` is the 1-based data row in ``source_file`` (row 1 is the first
  row after the header, i.e. line 2 of a file with a header and no quoted line
  breaks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from titfortat.exceptions import Reason, SchemaError

if TYPE_CHECKING:  # pandas loads on first use, not with the CLI
    import pandas as pd

__all__ = [
    "COLUMNS",
    "DATE_PRECISIONS",
    "EVENT_TYPES",
    "GEO_PRECISIONS",
    "SCHEMA_VERSION",
    "Column",
    "column_names",
    "validate_events",
]

#: Bumped whenever the stored layout changes; checked when a store is opened.
SCHEMA_VERSION = 1

EVENT_TYPES: tuple[str, ...] = ("attack", "strike", "protest", "other")
DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year")
GEO_PRECISIONS: tuple[str, ...] = (
    "point",
    "near",
    "admin2",
    "admin1",
    "country",
    "unknown",
)


@dataclass(frozen=True)
class Column:
    """One column of the canonical event table.

    Parameters
    ----------
    name : str
        Column name.
    sql_type : str
        DuckDB type used in the store.
    description : str
        What the column holds.
    required : bool
        Whether every event must have a value.
    content : bool
        Whether the column is part of the event's content (and so of its hash),
        as opposed to bookkeeping filled by the store.
    """

    name: str
    sql_type: str
    description: str
    required: bool = False
    content: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "event_id",
        "VARCHAR",
        "Key: source plus source id, else plus content hash.",
        required=True,
        content=False,
    ),
    Column(
        "source",
        "VARCHAR",
        "Data set the row came from (acled, gtd, ...).",
        required=True,
    ),
    Column("source_event_id", "VARCHAR", "The source's own event id, verbatim."),
    Column(
        "date", "DATE", "First day of the event (see date_precision).", required=True
    ),
    Column("date_end", "DATE", "Last day, when the source gives a range."),
    Column("date_precision", "VARCHAR", "day, week, month or year.", required=True),
    Column("timestamp", "TIMESTAMP", "Time of day, when the source gives one."),
    Column("country", "VARCHAR", "Country name as given by the source."),
    Column("admin1", "VARCHAR", "First-level administrative unit."),
    Column("admin2", "VARCHAR", "Second-level administrative unit."),
    Column("location", "VARCHAR", "Place name."),
    Column("latitude", "DOUBLE", "WGS84 latitude, -90..90."),
    Column("longitude", "DOUBLE", "WGS84 longitude, -180..180."),
    Column(
        "geo_precision", "VARCHAR", "point, near, admin2, admin1, country or unknown."
    ),
    Column("actor", "VARCHAR", "Initiating actor, as written in the source."),
    Column("actor2", "VARCHAR", "Target or second actor, as written in the source."),
    Column("assoc_actors", "VARCHAR", "Associated actors, '; '-separated."),
    Column("banner", "VARCHAR", "Name the event was claimed under, when claimed."),
    Column(
        "actor_uncertain",
        "BOOLEAN",
        "The source flags the actor as suspected, not confirmed.",
    ),
    Column("claimed", "BOOLEAN", "The source says the event was claimed."),
    Column("event_type", "VARCHAR", "attack, strike, protest or other.", required=True),
    Column("source_event_type", "VARCHAR", "The source's event type, verbatim."),
    Column("source_sub_event_type", "VARCHAR", "The source's subtype, verbatim."),
    Column("weapon", "VARCHAR", "Weapon type, as the source names it."),
    Column("target_type", "VARCHAR", "Target type, as the source names it."),
    Column("description", "VARCHAR", "Free-text notes or summary from the source."),
    Column(
        "n_events",
        "INTEGER",
        "Number of events the row stands for (>= 0).",
        required=True,
    ),
    Column("fatalities_best", "INTEGER", "Best estimate of deaths."),
    Column("fatalities_low", "INTEGER", "Low estimate of deaths."),
    Column("fatalities_high", "INTEGER", "High estimate of deaths."),
    Column(
        "actor_id", "VARCHAR", "Resolved id of actor (titfortat.actors).", content=False
    ),
    Column("actor2_id", "VARCHAR", "Resolved id of actor2.", content=False),
    Column("banner_id", "VARCHAR", "Resolved id of banner.", content=False),
    Column("source_file", "VARCHAR", "File the row was read from.", content=False),
    Column("source_row", "BIGINT", "1-based data row in source_file.", content=False),
    Column("ingest_id", "BIGINT", "Ingest that inserted the row.", content=False),
    Column("ingested_at", "TIMESTAMP", "When the row was inserted.", content=False),
    Column(
        "content_hash",
        "VARCHAR",
        "MD5 of the content columns: the key of rows from sources without ids "
        "(NULL where the source gives its own id).",
        content=False,
    ),
)

_BY_NAME = {c.name: c for c in COLUMNS}

#: Columns a reader may fill (everything but the store's bookkeeping).
READER_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if c.content or c.name == "source"
)


def column_names() -> list[str]:
    """Names of the canonical columns, in table order.

    Examples
    --------
    >>> from titfortat.events.schema import column_names
    >>> column_names()[:4]
    ['event_id', 'source', 'source_event_id', 'date']
    """
    return [c.name for c in COLUMNS]


def _pandas_dtype(sql_type: str) -> str:
    return {
        "VARCHAR": "string",
        "DATE": "datetime64[s]",
        "TIMESTAMP": "datetime64[us]",
        "DOUBLE": "float64",
        "INTEGER": "Int64",
        "BIGINT": "Int64",
        "BOOLEAN": "boolean",
    }[sql_type]


def validate_events(
    frame: pd.DataFrame, *, lazy: bool = True, required: Sequence[str] | None = None
) -> pd.DataFrame:
    """Check a user-built event frame against the canonical schema.

    Frames read from an :class:`~titfortat.events.EventStore` are already valid;
    this is for frames a user assembles in pandas. Missing optional columns are
    added as nulls, dtypes are coerced, and every violation is collected.

    Parameters
    ----------
    frame : pandas.DataFrame
        Events, with at least ``date`` and ``event_type``.
    lazy : bool, default True
        Collect every violation into one :class:`SchemaError` (``True``) or
        raise at the first one.
    required : sequence of str, optional
        Columns that must be present; defaults to ``date`` and ``event_type``.

    Returns
    -------
    pandas.DataFrame
        A copy with all canonical columns, in table order, with canonical dtypes.

    Raises
    ------
    SchemaError
        With ``reason`` and ``failure_cases`` (one row per violation: column,
        index, value, reason).

    Examples
    --------
    >>> import pandas as pd
    >>> from titfortat.events import validate_events
    >>> df = pd.DataFrame({"date": ["2024-01-28", "2024-02-02"],
    ...                    "event_type": ["attack", "strike"]})
    >>> out = validate_events(df)
    >>> out["n_events"].tolist()
    [1, 1]
    """
    import pandas as pd

    required = list(required) if required is not None else ["date", "event_type"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"Event frame is missing required column(s) {missing}. Expected at least "
            f"{required}; got columns {list(frame.columns)}. Rename or add them.",
            reason=Reason.MISSING_COLUMN,
            failure_cases=pd.DataFrame({"column": missing}),
        )
    out = frame.copy()
    problems: list[dict[str, object]] = []

    def flag(column: str, mask: pd.Series, reason: Reason) -> None:
        bad = out.index[mask.fillna(False).to_numpy(dtype=bool)]
        for idx in bad:
            problems.append(
                {
                    "column": column,
                    "index": idx,
                    "value": frame.at[idx, column] if column in frame.columns else None,
                    "reason": reason.value,
                }
            )
        if len(bad) and not lazy:
            _raise(problems)

    if "n_events" not in out.columns:
        out["n_events"] = 1
    if "date_precision" not in out.columns:
        out["date_precision"] = "day"
    if "source" not in out.columns:
        out["source"] = "user"
    raw_date = out["date"]
    out["date"] = pd.to_datetime(raw_date, errors="coerce").astype("datetime64[s]")
    flag("date", out["date"].isna() & raw_date.notna(), Reason.INVALID_DATE)
    flag("date", raw_date.isna(), Reason.NULL_TIME)
    flag("event_type", ~out["event_type"].isin(EVENT_TYPES), Reason.UNKNOWN_VALUE)
    flag(
        "date_precision",
        ~out["date_precision"].isin(DATE_PRECISIONS),
        Reason.UNKNOWN_VALUE,
    )
    for name, lo, hi in (("latitude", -90, 90), ("longitude", -180, 180)):
        if name in out.columns:
            vals = pd.to_numeric(out[name], errors="coerce")
            flag(name, vals.isna() & out[name].notna(), Reason.INVALID_NUMBER)
            flag(name, (vals < lo) | (vals > hi), Reason.OUT_OF_RANGE)
            out[name] = vals
    for name in ("n_events", "fatalities_best", "fatalities_low", "fatalities_high"):
        if name in out.columns:
            vals = pd.to_numeric(out[name], errors="coerce")
            flag(name, vals.isna() & out[name].notna(), Reason.INVALID_NUMBER)
            flag(name, vals < 0, Reason.NEGATIVE_COUNT)
            out[name] = vals
    if problems:
        _raise(problems)
    for col in COLUMNS:
        if col.name not in out.columns:
            dtype: Any = _pandas_dtype(col.sql_type)
            empty: Any = {"float64": float("nan")}.get(dtype, pd.NA)
            if dtype.startswith("datetime"):
                empty = pd.NaT
            out[col.name] = pd.Series(empty, index=out.index, dtype=dtype)
        if col.name != "date":
            target: Any = _pandas_dtype(col.sql_type)
            out[col.name] = out[col.name].astype(target)
    if out["event_id"].isna().all():
        out["event_id"] = [f"{s}:{i}" for i, s in enumerate(out["source"])]
        out["event_id"] = out["event_id"].astype("string")
    return out[column_names() + [c for c in frame.columns if c not in _BY_NAME]]


def _raise(problems: list[dict[str, object]]) -> None:
    import pandas as pd

    cases = pd.DataFrame(problems)
    first = cases.iloc[0]
    reason = Reason(first["reason"])
    raise SchemaError(
        f"{len(cases)} schema violation(s); first: column {first['column']!r} at "
        f"index {first['index']!r} has value {first['value']!r} ({reason.value}). "
        "Expected a valid date, an event_type in "
        f"{list(EVENT_TYPES)}, a date_precision in {list(DATE_PRECISIONS)}, "
        "coordinates in range and non-negative counts. See "
        "err.failure_cases for all of them and fix or drop those rows.",
        reason=reason,
        failure_cases=cases,
    )
