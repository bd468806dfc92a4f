"""Shared helpers: event selection by FILTER, daily series and the verdict rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from titfortat.exceptions import DataError

__all__ = [
    "MIN_EVENTS",
    "VERDICTS",
    "Decision",
    "decide",
    "EventFilter",
    "daily_counts",
    "daily_pair",
    "events_frame",
    "parse_filter",
    "select_events",
    "verdict",
]

#: The closed set of verdicts, under one sign convention: a positive effect of
#: the cause on the later rate of the outcome is ``escalation``. The last two
#: are not findings: ``inconclusive`` when the interval and the test shown
#: disagree, ``not_estimable`` when the fit is not healthy (see :func:`decide`).
VERDICTS: tuple[str, ...] = (
    "deterrence",
    "escalation",
    "no_detectable_effect",
    "inconclusive",
    "not_estimable",
)

#: Fewest events of each series (treatment and outcome) an estimator of the
#: effect table accepts before it says ``not_estimable``. The count models have
#: 2 L + 8 coefficients (L = 7 lags, trend, weekdays) and need the cause to
#: vary on enough days for its lag sum to be identified: with 5 events of one
#: series the Poisson fit separated (an estimate of -82 with p = 3e-67). The
#: event study needs treated interventions to average over; the Hawkes model
#: has D + D^2 + 2 parameters per series pair.
MIN_EVENTS: dict[str, int] = {
    "before_after": 5,
    "event_study": 5,
    "count_ar": 20,
    "granger": 20,
    "hawkes": 20,
}

EventFilter = str | Mapping[str, str | Sequence[str]]


def parse_filter(spec: EventFilter) -> dict[str, list[str]]:
    """Parse a FILTER such as ``"event_type=strike,source_event_type=Airstrike"``.

    Terms are separated by ``,`` (all must hold); alternative values of one
    column by ``|``. A mapping ``{column: value or list of values}`` is
    accepted unchanged.

    Examples
    --------
    >>> parse_filter("event_type=attack,source_event_type=IED|SAF")
    {'event_type': ['attack'], 'source_event_type': ['IED', 'SAF']}
    """
    if isinstance(spec, Mapping):
        out: dict[str, list[str]] = {}
        for k, v in spec.items():
            out[str(k)] = [v] if isinstance(v, str) else [str(x) for x in v]
        return out
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(
            "A FILTER must be a non-empty string like 'event_type=strike' or a "
            f"mapping {{column: values}}. Got {spec!r}."
        )
    out = {}
    for term in spec.split(","):
        col, sep, vals = term.partition("=")
        if not sep or not col.strip() or not vals.strip():
            raise DataError(
                f"FILTER term {term!r} must look like 'column=value' (values "
                f"separated by '|'). Got {spec!r}; for example "
                "'event_type=strike,source_event_type=Airstrike'."
            )
        out.setdefault(col.strip(), []).extend(v.strip() for v in vals.split("|"))
    return out


def filter_label(spec: EventFilter) -> str:
    """Short name of a FILTER for table labels (its values, ``+``-joined)."""
    parsed = parse_filter(spec)
    last = list(parsed.values())[-1]
    return "+".join(last)


def events_frame(events: Any, columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame of ``events`` (an EventStore or a frame) with ``columns``."""
    if isinstance(events, pd.DataFrame):
        frame = events
    elif hasattr(events, "query") and hasattr(events, "counts"):
        frame = events.query()
    else:
        raise TypeError(
            "events must be a titfortat.events.EventStore or a pandas DataFrame "
            f"with canonical columns. Got {type(events).__name__}."
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"The events lack the column(s) {missing}; expected the canonical "
            f"columns (see titfortat.events.schema). Got {list(frame.columns)}."
        )
    return frame


def select_events(frame: pd.DataFrame, spec: EventFilter) -> pd.DataFrame:
    """Rows of ``frame`` matching a FILTER (case-insensitive exact values)."""
    parsed = parse_filter(spec)
    mask = np.ones(len(frame), dtype=bool)
    for col, vals in parsed.items():
        if col not in frame.columns:
            raise DataError(
                f"FILTER column {col!r} is not a column of the events. Expected "
                f"one of {sorted(map(str, frame.columns))}. Got {col!r}."
            )
        lower = {v.lower() for v in vals}
        mask &= frame[col].astype("string").str.lower().isin(lower).fillna(False)
    return frame.loc[mask]


def event_weights(frame: pd.DataFrame) -> np.ndarray:
    """``n_events`` of each row (1 when the column is absent)."""
    if "n_events" in frame.columns:
        return frame["n_events"].to_numpy(dtype=float)
    return np.ones(len(frame))


def ci_frame(name: str, lower: float, upper: float) -> pd.DataFrame:
    """One-row ``conf_int`` frame: columns ``ci_lower, ci_upper`` indexed by
    the estimate's name, the shape every titfortat ``conf_int`` returns."""
    return pd.DataFrame(
        {"ci_lower": [float(lower)], "ci_upper": [float(upper)]}, index=[name]
    )


def daily_counts(
    frames: Mapping[str, pd.DataFrame], *, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Daily counts (summing ``n_events``) of named event frames, zeros filled.

    The days run from the first to the last event of any frame (or from
    ``start`` to ``end``).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"date": pd.to_datetime(["2007-01-01", "2007-01-03"])})
    >>> daily_counts({"x": a.iloc[:1], "y": a.iloc[1:]})["y"].tolist()
    [0.0, 0.0, 1.0]
    """
    dates = pd.concat([fr["date"] for fr in frames.values()])
    if dates.empty:
        raise DataError(
            f"No events in any of {list(frames)}: every selection is empty. Check "
            "the FILTERs against the values in the store."
        )
    lo = pd.Timestamp(start) if start is not None else dates.min()
    hi = pd.Timestamp(end) if end is not None else dates.max()
    idx = pd.date_range(lo.normalize(), hi.normalize(), freq="D", name="date")
    cols = {}
    for name, fr in frames.items():
        s = pd.Series(event_weights(fr), index=pd.DatetimeIndex(fr["date"]).normalize())
        cols[name] = s.groupby(level=0).sum().reindex(idx, fill_value=0.0)
    return pd.DataFrame(cols, index=idx)


def daily_pair(
    treatment: pd.DataFrame,
    outcome: pd.DataFrame,
    *,
    names: tuple[str, str] = ("treatment", "outcome"),
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Daily counts of two event frames, zeros filled (see :func:`daily_counts`).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"date": pd.to_datetime(["2007-01-01", "2007-01-03"])})
    >>> daily_pair(a.iloc[:1], a.iloc[1:])["outcome"].tolist()
    [0.0, 0.0, 1.0]
    """
    if (treatment["date"].size + outcome["date"].size) == 0:
        raise DataError(
            "No treatment or outcome events: both selections are empty. Check "
            "the FILTERs against the values in the store."
        )
    return daily_counts(
        dict(zip(names, (treatment, outcome), strict=True)), start=start, end=end
    )


class Decision(NamedTuple):
    """A verdict and the reason for it (empty for a clean finding)."""

    verdict: str
    reason: str


def decide(
    estimate: float,
    ci_lower: float,
    ci_upper: float,
    p_value: float,
    alpha: float = 0.05,
    *,
    problems: Sequence[str] = (),
) -> Decision:
    """The one verdict rule of every table: the interval and the test must agree.

    * ``not_estimable`` when the fit is not healthy: any of ``problems`` (not
      converged, singular information, separation, too few events, a
      validity warning ...), or a non-finite estimate, bound or p-value.
    * ``deterrence`` / ``escalation`` only when the interval shown excludes 0,
      the test shown rejects at the same level ``alpha`` and both point the
      same way as the estimate.
    * ``no_detectable_effect`` when neither the interval nor the test finds
      an effect.
    * ``inconclusive`` when they disagree (the interval excludes 0 but the
      test does not reject, or the reverse), with the reason. Interval and
      test should come from the same inference; when they do not agree, the
      table says so instead of picking one.

    Examples
    --------
    >>> decide(-0.3, -0.5, -0.1, 0.001).verdict
    'deterrence'
    >>> decide(0.02, -0.0001, 0.04, 0.0496)
    Decision(verdict='inconclusive', reason='the test rejects at 0.05 (p = 0.0496) \
but the 95% interval [-0.0001, 0.04] contains 0')
    >>> decide(-82.0, -90.0, -74.0, 1e-67, problems=["separation"]).verdict
    'not_estimable'
    """
    if problems:
        return Decision("not_estimable", "; ".join(dict.fromkeys(problems)))
    values = {
        "estimate": estimate,
        "interval": min(ci_lower, ci_upper),
        "upper bound": ci_upper,
        "p-value": p_value,
    }
    bad = [k for k, v in values.items() if v is None or not np.isfinite(v)]
    if bad:
        name = "interval" if bad[0] == "upper bound" else bad[0]
        return Decision("not_estimable", f"the {name} is not finite")
    if ci_lower > ci_upper:
        return Decision(
            "not_estimable", f"the interval [{ci_lower:.3g}, {ci_upper:.3g}] is empty"
        )
    if ci_lower == ci_upper:
        return Decision(
            "not_estimable",
            f"the interval has zero width ({ci_lower:.4g}): a degenerate standard "
            "error",
        )
    level = f"{1 - alpha:.0%}"
    shown = f"{level} interval [{ci_lower:.3g}, {ci_upper:.3g}]"
    excludes = ci_lower > 0 or ci_upper < 0
    rejects = p_value < alpha
    if not excludes and not rejects:
        return Decision("no_detectable_effect", "")
    if excludes and rejects:
        side = 1.0 if ci_lower > 0 else -1.0
        if side * estimate <= 0:
            return Decision(
                "inconclusive",
                f"the estimate {estimate:.3g} lies outside its own {shown}",
            )
        return Decision("escalation" if side > 0 else "deterrence", "")
    if rejects:
        return Decision(
            "inconclusive",
            f"the test rejects at {alpha:g} (p = {p_value:.3g}) but the {shown} "
            "contains 0",
        )
    return Decision(
        "inconclusive",
        f"the {shown} excludes 0 but the test does not reject at {alpha:g} "
        f"(p = {p_value:.3g})",
    )


def verdict(
    estimate: float,
    p_value: float,
    alpha: float = 0.05,
    *,
    ci: tuple[float, float] | None = None,
    problems: Sequence[str] = (),
) -> str:
    """The verdict word of :func:`decide` (``ci`` is the interval shown).

    Without ``ci`` only the test is read: ``escalation`` if ``p_value <
    alpha`` and the estimate is positive, ``deterrence`` if negative,
    otherwise ``no_detectable_effect``. Every table passes the interval it
    shows, so its verdict agrees with both.

    Examples
    --------
    >>> verdict(-0.3, 0.001), verdict(0.3, 0.2)
    ('deterrence', 'no_detectable_effect')
    >>> verdict(0.3, 0.01, ci=(-0.1, 0.7))
    'inconclusive'
    """
    if ci is not None or problems:
        lo, hi = ci if ci is not None else (np.nan, np.nan)
        return decide(estimate, lo, hi, p_value, alpha, problems=problems).verdict
    if not np.isfinite(p_value) or not np.isfinite(estimate) or p_value >= alpha:
        return "no_detectable_effect"
    return "escalation" if estimate > 0 else "deterrence"
