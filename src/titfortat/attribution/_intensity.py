"""Recent activity from a fitted point process (Hawkes) instead of claim counts.

The attribution model's activity factor is the log of each faction's rate on
the event's day. When a user has fitted a Hawkes model to the factions' own
events (``titfortat.dynamics.ExpHawkes`` / ``SumExpHawkes``), its conditional
intensity is that rate, with excitation by the other factions' events included.
Only the public API is used: ``nodes_`` and ``predict_intensity(grid)``, with
the grid in the model's time unit (days since ``origin``).

A fitted model does not record the calendar date of its time 0 (the dynamics
frame reader uses the first event's day and keeps it private), so the caller
passes ``origin``. Its ``predict_intensity`` conditions on the events it was
fitted on only: after the fitted window (``end_time_``) the excitation decays
towards the baseline, whatever the factions did later, so scoring later days
warns (``DataQualityWarning``) and says how to refit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from titfortat.exceptions import DataError, DataQualityWarning

IntensityFn = Callable[[pd.Series], np.ndarray]


def intensity_function(
    source: Any, classes: Sequence[str], origin: str | pd.Timestamp | None
) -> IntensityFn:
    """Dates -> (n, K) intensities per day of each class.

    Parameters
    ----------
    source : fitted Hawkes model or pandas.DataFrame
        A model with ``nodes_`` and ``predict_intensity(grid)`` (its nodes must
        include every class), or a frame indexed by dates with one column per
        class (e.g. ``predict_intensity`` output re-indexed by date); a date
        takes the value of the latest row on or before it.
    classes : sequence of str
        Candidate ids in the model's order.
    origin : date, optional
        Calendar day of time 0 of a fitted model; default the model's own
        ``time_origin_`` (set when it was fitted on dated events). Given both,
        they must agree.
    """
    classes = [str(c) for c in classes]
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, classes)
    if not hasattr(source, "predict_intensity"):
        raise TypeError(
            "intensity must be a fitted Hawkes model (with predict_intensity) or "
            f"a DataFrame of intensities indexed by date. Got {type(source).__name__}."
        )
    nodes = [str(n) for n in getattr(source, "nodes_", [])]
    missing = [c for c in classes if c not in nodes]
    if missing:
        raise DataError(
            f"The intensity model has no node for candidate(s) {missing[:5]}; its "
            f"nodes are {nodes[:10]}. Expected one node per candidate id: fit the "
            "Hawkes model on the factions' own-name events with their actor ids "
            "as nodes."
        )
    recorded = getattr(source, "time_origin_", None)
    if origin is None:
        origin = recorded
    elif recorded is not None and pd.Timestamp(origin).normalize() != recorded:
        raise DataError(
            f"intensity_origin={str(origin)!r} but the Hawkes model was fitted on "
            f"dates starting {recorded.date()} (its time_origin_). Drop "
            "intensity_origin, or refit the model."
        )
    if origin is None:
        raise DataError(
            "intensity_origin is missing: this Hawkes model was fitted on float "
            "times, so it does not know the calendar day of its time 0. Pass it, "
            "e.g. intensity_origin='2024-01-01', or fit the model on a frame with "
            "a 'date' column (it then records time_origin_)."
        )
    t0 = pd.Timestamp(origin).normalize()
    cols = [nodes.index(c) for c in classes]

    def at(dates: pd.Series) -> np.ndarray:
        days = (pd.to_datetime(pd.Series(dates)) - t0) / pd.Timedelta(days=1)
        grid = days.to_numpy(dtype=float)
        if len(grid) == 0:
            return np.zeros((0, len(classes)))
        end = getattr(source, "end_time_", None)
        late = grid > end if end is not None else np.zeros(len(grid), dtype=bool)
        if late.any():
            last = (t0 + pd.Timedelta(days=float(end))).date()
            warnings.warn(
                f"{int(late.sum())} of {len(grid)} event day(s) fall after the "
                f"Hawkes model's fitted window (it ends {end:.1f} days after "
                f"{t0.date()}, on {last}). Its intensity there conditions only on "
                "the events it was fitted on, so the factions' later events do not "
                "count as recent activity. Refit it on the events up to the day "
                "before, or pass a DataFrame of intensities by date.",
                DataQualityWarning,
                stacklevel=2,
            )
        lam = source.predict_intensity(grid).to_numpy(dtype=float)
        return lam[:, cols]

    return at


def _from_frame(frame: pd.DataFrame, classes: list[str]) -> IntensityFn:
    missing = [c for c in classes if c not in frame.columns.astype(str)]
    if missing:
        raise DataError(
            f"The intensity frame has no column for candidate(s) {missing[:5]}; "
            f"its columns are {list(frame.columns)[:10]}. Expected one column per "
            "candidate id."
        )
    try:
        index = pd.DatetimeIndex(pd.to_datetime(frame.index))
    except (TypeError, ValueError) as err:
        raise DataError(
            "The intensity frame must be indexed by dates; got index values like "
            f"{list(frame.index[:3])}. Re-index predict_intensity output by "
            "origin + time in days."
        ) from err
    values = frame.set_axis([str(c) for c in frame.columns], axis=1)[classes]
    values = values.set_axis(index).sort_index().to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise DataError(
            "The intensity frame must hold finite non-negative rates; it has NaN, "
            "infinite or negative values. Fill or drop those rows."
        )
    sorted_index = index.sort_values()

    def at(dates: pd.Series) -> np.ndarray:
        d = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
        pos = sorted_index.searchsorted(d, side="right") - 1
        if (pos < 0).any():
            first = d[pos < 0].min()
            raise DataError(
                f"The intensity frame starts on {sorted_index[0].date()}, after the "
                f"event on {first.date()}. Expected intensities from the first "
                "event's day on; extend the frame or drop earlier events."
            )
        return values[pos]

    return at
