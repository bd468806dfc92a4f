"""Turn user event input into per-node arrays or daily counts, validated once.

Accepted input (converted to arrays at the last moment, inside the models):

* a list of 1-D arrays of event times in days, one per node (node names then
  come from ``nodes=`` or default to ``"0", "1", ...``);
* a dict ``{node name: times}``;
* a pandas DataFrame with columns ``time`` (float days) and ``node``;
* an event-store frame with a ``date`` column (datetime or ISO date strings)
  and a node column (``node``, ``actor_id`` or ``type``, or ``node_col=``);
  times are then days since the first date, so a date's events sit at its
  start;
* an :class:`~titfortat.events.EventStore` (or anything with ``query()``
  returning such a frame), read whole.

A frame with an ``n_events`` column (the store's count of events a row
stands for: aggregated daily strike releases, district-week counts) counts
each row that many times; rows with 0 stand for no event.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from titfortat.exceptions import DataError, DataQualityWarning

__all__ = ["EventInput", "to_daily_counts", "to_event_arrays"]

EventInput = Sequence[Any] | Mapping[str, Any] | pd.DataFrame

_NODE_COLUMNS = ("node", "actor_id", "type")


def _node_column(df: pd.DataFrame, node_col: str | None) -> str:
    if node_col is not None:
        if node_col not in df.columns:
            raise DataError(
                f"The events frame has no column {node_col!r} (node_col). "
                f"Columns are {list(df.columns)}."
            )
        return node_col
    for c in _NODE_COLUMNS:
        if c in df.columns:
            return c
    raise DataError(
        f"The events frame needs a node column, one of {list(_NODE_COLUMNS)}. "
        f"Got columns {list(df.columns)}. Pass node_col='...' to name it."
    )


def _as_frame(events: Any) -> Any:
    """An event store's events as a frame; anything else unchanged."""
    is_store = callable(getattr(events, "query", None)) and hasattr(events, "counts")
    if is_store and not isinstance(events, pd.DataFrame):  # EventStore, ParquetEvents
        return events.query()
    return events


def _row_weights(df: pd.DataFrame) -> np.ndarray | None:
    """``n_events`` per row as integers, or None without that column."""
    if "n_events" not in df.columns:
        return None
    w = pd.to_numeric(df["n_events"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w < 0) | (w != np.round(w))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Column 'n_events' must hold non-negative whole counts; row {k} has "
            f"{df['n_events'].tolist()[k]!r}. Fix the value or drop the column to "
            "count every row once."
        )
    return w.astype(np.int64)


def _frame_times(df: pd.DataFrame) -> tuple[np.ndarray, pd.Timestamp | None]:
    if "time" in df.columns:
        return df["time"].to_numpy(dtype=float), None
    if "date" in df.columns:
        dates = pd.to_datetime(df["date"])
        origin = dates.min().normalize()
        days = (dates - origin) / pd.Timedelta(days=1)
        return days.to_numpy(dtype=float), origin
    raise DataError(
        "The events frame needs a 'time' column (float days) or a 'date' column. "
        f"Got columns {list(df.columns)}."
    )


def to_event_arrays(
    events: EventInput,
    *,
    end_time: float | None = None,
    nodes: Sequence[str] | None = None,
    node_col: str | None = None,
) -> tuple[list[np.ndarray], list[str], float]:
    """Validate events and return ``(times per node, node names, end_time)``.

    :func:`event_arrays_and_origin` also returns the calendar day of time 0.

    Parameters
    ----------
    events : list of arrays, dict, pandas.DataFrame or EventStore
        See the module docstring.
    end_time : float, optional
        End of the observation window; defaults to the last event time (and,
        for ``date`` frames, to the end of the last day).
    nodes : sequence of str, optional
        Node names, in order. For frames, restricts and orders the nodes; the
        events of other nodes are left out with a ``DataQualityWarning`` that
        counts them.
    node_col : str, optional
        Name of the node column of a frame.

    Raises
    ------
    DataError
        Empty input, a node with no events, non-finite or negative times,
        events after ``end_time``, or a non-positive window.

    Examples
    --------
    >>> ts, names, T = to_event_arrays([[0.5, 1.0], [0.2]], nodes=["a", "b"])
    >>> names, T
    (['a', 'b'], 1.0)
    """
    return event_arrays_and_origin(
        events, end_time=end_time, nodes=nodes, node_col=node_col
    )[:3]


def event_arrays_and_origin(
    events: EventInput,
    *,
    end_time: float | None = None,
    nodes: Sequence[str] | None = None,
    node_col: str | None = None,
    scoring: bool = False,
) -> tuple[list[np.ndarray], list[str], float, pd.Timestamp | None]:
    """:func:`to_event_arrays` and the calendar day of time 0: midnight of
    the first event's date for a frame with ``date`` (or a store), else None.

    ``scoring=True`` reads events to score under a fitted model's ``nodes``:
    a node may have no events in that window, and a frame's event of a node
    the model does not have is an error (it cannot be scored, and leaving it
    out would raise the score).

    Examples
    --------
    >>> df = pd.DataFrame({"date": ["2024-01-03", "2024-01-05"], "node": "a"})
    >>> event_arrays_and_origin(df)[3]
    Timestamp('2024-01-03 00:00:00')
    """
    daily = False
    origin = None
    events = _as_frame(events)
    if isinstance(events, pd.DataFrame):
        col = _node_column(events, node_col)
        t, origin = _frame_times(events)
        daily = origin is not None
        labels = events[col].astype(str).to_numpy()
        weights = _row_weights(events)
        if weights is not None:
            t, labels = np.repeat(t, weights), np.repeat(labels, weights)
        names = list(nodes) if nodes is not None else sorted(pd.unique(labels))
        arrays = [np.sort(t[labels == name]) for name in names]
        unknown = ~np.isin(labels, names)
        _left_out(int(unknown.sum()), labels[unknown], names, scoring)
    elif isinstance(events, Mapping):
        names = list(nodes) if nodes is not None else [str(k) for k in events]
        keys = {str(k): k for k in events}
        other = [keys[k] for k in keys if k not in names]
        n_other = sum(np.size(events[k]) for k in other)
        _left_out(n_other, np.array([str(k) for k in other]), names, scoring)
        if not scoring and any(n not in keys for n in names):
            raise DataError(
                f"No events given for nodes {[n for n in names if n not in keys][:5]}"
                f"; the dict has {list(keys)[:10]}."
            )
        arrays = [
            np.sort(np.asarray(events[keys[k]], dtype=float).ravel())
            if k in keys
            else np.zeros(0)
            for k in names
        ]
    else:
        arrays = [np.sort(np.asarray(a, dtype=float).ravel()) for a in events]
        names = (
            [str(n) for n in nodes]
            if nodes is not None
            else [str(k) for k in range(len(arrays))]
        )
        if len(names) != len(arrays):
            raise DataError(
                f"Got {len(arrays)} event arrays but {len(names)} node names; pass "
                "one name per array."
            )
    if not arrays:
        raise DataError("No nodes given: pass at least one array of event times.")
    empty = [n for n, a in zip(names, arrays, strict=True) if a.size == 0]
    if empty and not scoring:
        raise DataError(
            f"Nodes with no events cannot be fitted: {empty[:5]}. Drop them or "
            "merge them with another node."
        )
    for n, a in zip(names, arrays, strict=True):
        if a.size == 0:
            continue
        if not np.all(np.isfinite(a)):
            raise DataError(f"Node {n!r} has non-finite event times; drop them.")
        if a[0] < 0:
            raise DataError(
                f"Node {n!r} has negative event times (first {a[0]!r}); times are "
                "days since the start of the window, so shift them."
            )
    last = max((float(a[-1]) for a in arrays if a.size), default=0.0)
    if end_time is None:
        end_time = float(np.floor(last) + 1.0) if daily else last
    end_time = float(end_time)
    if not end_time > 0:
        raise DataError(f"The window must have positive length. Got {end_time!r}.")
    if last > end_time:
        raise DataError(
            f"Events occur after end_time={end_time!r} (last at {last!r}). Pass a "
            "larger end_time or drop the late events."
        )
    return arrays, names, end_time, origin


def _left_out(n: int, labels: np.ndarray, names: list[str], scoring: bool) -> None:
    """Events of nodes outside ``names``: an error when scoring (they cannot
    be scored, and leaving them out would raise the score), else counted in
    a warning."""
    if not n:
        return
    left = sorted({str(v) for v in labels})
    if scoring:
        raise DataError(
            f"{n} event{'s are' if n != 1 else ' is'} of nodes the model was not "
            f"fitted on: {left[:5]} "
            f"(its nodes: {names[:10]}). Drop those events or refit with those "
            "nodes."
        )
    warnings.warn(
        f"{n} event{'s' * (n != 1)} of {len(left)} node(s) not in nodes= "
        f"{'were' if n != 1 else 'was'} left out: "
        f"{left[:5]}. Select the rows first to silence this.",
        DataQualityWarning,
        stacklevel=4,
    )


def merge_events(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-node arrays into sorted ``(times, marks)``.

    A stable sort keeps the order of tied times deterministic.
    """
    times = np.concatenate(arrays)
    marks = np.concatenate(
        [np.full(a.size, k, dtype=np.int64) for k, a in enumerate(arrays)]
    )
    order = np.argsort(times, kind="stable")
    return np.ascontiguousarray(times[order]), np.ascontiguousarray(marks[order])


def to_daily_counts(
    events: EventInput | np.ndarray,
    *,
    nodes: Sequence[str] | None = None,
    node_col: str | None = None,
    n_bins: int | None = None,
    scoring: bool = False,
) -> tuple[np.ndarray, list[str], pd.Index | None]:
    """Return ``(counts (n_bins, D), node names, bin labels)``.

    ``scoring=True`` reads counts to score under a fitted model's ``nodes``
    (see :func:`event_arrays_and_origin`): a count frame's columns must be
    those nodes, in any order, and an array must have one column per node.

    ``events`` may also be a 2-D count array (bins x nodes) or a DataFrame of
    counts indexed by bin with one column per node (detected when it has no
    ``time``/``date`` column). Event times are binned by ``floor(time)``; a
    ``date`` frame gives one bin per calendar day, days without events
    included with zero counts.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"date": ["2007-01-01", "2007-01-01", "2007-01-03"],
    ...                    "type": ["IED", "SAF", "IED"]})
    >>> y, names, idx = to_daily_counts(df)
    >>> y.tolist(), names
    ([[1, 1], [0, 0], [1, 0]], ['IED', 'SAF'])
    """
    events = _as_frame(events)
    if isinstance(events, np.ndarray) and events.ndim == 2:
        y = np.asarray(events)
        names = (
            list(nodes) if nodes is not None else [str(k) for k in range(y.shape[1])]
        )
        labels = None
        if scoring and y.shape[1] != len(names):
            raise DataError(
                f"Counts have {y.shape[1]} columns but the model has {len(names)} "
                f"nodes {names[:10]}; pass one column per node, in that order."
            )
    elif isinstance(events, pd.DataFrame) and not (
        {"time", "date"} & set(events.columns)
    ):
        missing = [] if nodes is None else sorted(set(nodes) - set(events.columns))
        extra = [] if nodes is None else sorted(set(events.columns) - set(nodes))
        if scoring and extra:
            raise DataError(
                f"Count columns {[str(c) for c in extra][:5]} are not nodes of the "
                f"model (its nodes: {list(nodes or [])[:10]}). Drop them or refit "
                "with those nodes."
            )
        if missing:
            raise DataError(
                f"A frame of counts has one column per node; no column "
                f"{missing} among {list(events.columns)[:10]}. Pass nodes= that "
                "name columns of the frame, or none to use them all."
            )
        frame = events if nodes is None else events[list(nodes)]
        y = frame.to_numpy()
        names = [str(c) for c in frame.columns]
        labels = frame.index
    else:
        events = _as_frame(events)
        origin = None
        if isinstance(events, pd.DataFrame) and "date" in events.columns:
            origin = pd.to_datetime(events["date"]).min().normalize()
        arrays, names, end_time, _ = event_arrays_and_origin(
            cast(EventInput, events), nodes=nodes, node_col=node_col, scoring=scoring
        )
        nb = int(np.ceil(end_time)) if n_bins is None else int(n_bins)
        nb = max(
            nb, 1 + int(max((np.floor(a[-1]) for a in arrays if a.size), default=0))
        )
        y = np.stack(
            [np.bincount(np.floor(a).astype(np.int64), minlength=nb) for a in arrays],
            axis=1,
        )
        labels = (
            pd.date_range(origin, periods=nb, freq="D") if origin is not None else None
        )
    y = np.asarray(y)
    if y.ndim != 2 or y.shape[1] != len(names):
        raise DataError(f"Counts must be a 2-D (bins x nodes) array. Got {y.shape}.")
    if not np.all(np.isfinite(y)) or np.any(y < 0) or np.any(y != np.round(y)):
        raise DataError("Counts must be finite non-negative integers.")
    return y.astype(np.int64), names, labels
