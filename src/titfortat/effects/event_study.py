"""Space-time event study with matched placebo interventions (matched wake analysis)."""

from __future__ import annotations

import dataclasses
from numbers import Integral, Real
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import spatial

from titfortat._threads import single_blas_thread
from titfortat._validation import (
    BaseEstimator,
    Interval,
    as_generator,
    check_is_fitted,
)
from titfortat.effects._common import ci_frame, event_weights
from titfortat.effects._kernels import window_counts
from titfortat.exceptions import DataError
from titfortat.results import Summary

__all__ = ["EventStudy", "EventStudyResult", "EventTimeProfile"]


@dataclasses.dataclass(frozen=True)
class EventTimeProfile:
    """Outcome counts by day relative to the intervention, treated minus placebo.

    ``difference`` is the mean count at event day ``k`` around the treated
    interventions minus the mean over their matched placebos;
    ``null_draws`` holds the same difference for pseudo-treated placebos, so
    its spread is the band under no effect.

    Examples
    --------
    >>> from titfortat.effects import EventStudy, simulate_retaliation
    >>> ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    >>> es = EventStudy(n_placebos=1000, n_resamples=200, rng=0).fit(
    ...     ev[ev.event_type == "strike"], ev[ev.event_type == "attack"])
    >>> int(es.effects().summary_frame().index[0])
    -7
    """

    treated_mean: pd.Series
    placebo_mean: pd.Series
    null_draws: np.ndarray

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """``estimate, std_err, ci_lower, ci_upper`` per event day (randomisation)."""
        est = self.treated_mean - self.placebo_mean
        lo_q = np.quantile(self.null_draws, alpha / 2, axis=0)
        hi_q = np.quantile(self.null_draws, 1 - alpha / 2, axis=0)
        out = pd.DataFrame(
            {
                "estimate": est,
                "std_err": self.null_draws.std(axis=0, ddof=1),
                "ci_lower": est - hi_q,
                "ci_upper": est - lo_q,
            },
            index=est.index,
        )
        out.attrs["alpha"] = alpha
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain (JSON-ready) form; :meth:`from_dict` restores it."""
        return {
            "days": [int(k) for k in self.treated_mean.index],
            "treated_mean": self.treated_mean.to_list(),
            "placebo_mean": self.placebo_mean.to_list(),
            "null_draws": np.asarray(self.null_draws).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EventTimeProfile:
        index = pd.Index(d["days"], name="event_day")
        return cls(
            treated_mean=pd.Series(d["treated_mean"], index=index, dtype=float),
            placebo_mean=pd.Series(d["placebo_mean"], index=index, dtype=float),
            null_draws=np.asarray(d["null_draws"], dtype=float),
        )


@dataclasses.dataclass(frozen=True)
class EventStudyResult:
    """What an :class:`EventStudy` reports.

    Attributes
    ----------
    estimate : float
        Mean over treated interventions of (post - pre outcome count) minus the
        same change at their matched placebos: outcome events per
        intervention within the radius and window caused (+) or prevented (-).
    null_draws : ndarray
        The statistic for pseudo-treated placebos (randomisation null).
    naive_estimate, naive_std_err : float
        Plain mean of (post - pre) around the treated interventions, with its
        i.i.d. standard error: the before/after comparison that regression to
        the mean and trends bias.
    counterfactual_post : float
        Mean post-window count at the matched placebos (to read the estimate
        as a percentage).
    n_dropped : int
        Interventions left out because their window leaves the data.
    n_contaminated : int
        Placebos with an intervention in their own space-time window. They
        carry that intervention's effect, so the estimate measures a strike
        against the natural course (which includes later strikes), not
        against no strikes at all; with many of them it shrinks toward 0.
    design_effect : float
        Variance inflation applied to the randomisation null (at least 1):
        the cluster-robust variance of the mean matched difference, with
        clusters of interventions whose windows overlap, over the variance
        of the raw pseudo-treated null. Infinite when that null has no
        spread (:attr:`is_degenerate`).
    half_pool_estimate : float
        The same estimate matched within a random half of the placebo pool.
        Matches get closer as the pool grows; when the estimate still moves
        between half and full pool (see :attr:`pool_shift`), it has not
        settled and ``n_placebos`` should be raised.
    n_treated_no_coords, n_outcome_no_coords : int
        Intervention and outcome rows left out because they lack latitude or
        longitude (with ``radius_km``).
    is_whole_pool : bool
        Whether every candidate placebo was used (``n_placebos=None``); a
        sampled pool may not have settled (see :attr:`is_settled`).

    Examples
    --------
    >>> from titfortat.effects import EventStudy, simulate_retaliation
    >>> ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    >>> r = EventStudy(n_placebos=1000, n_resamples=200, rng=0).fit(
    ...     ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]).results_
    >>> list(r.summary_frame().columns)
    ['estimate', 'std_err', 'ci_lower', 'ci_upper', 'p_value']
    """

    estimate: float
    null_draws: np.ndarray
    naive_estimate: float
    naive_std_err: float
    counterfactual_post: float
    profile: EventTimeProfile
    n_treated: int
    n_placebos: int
    n_dropped: int
    n_contaminated: int
    design_effect: float
    window_days: int
    radius_km: float | None
    half_pool_estimate: float = float("nan")
    n_treated_no_coords: int = 0
    n_outcome_no_coords: int = 0
    is_whole_pool: bool = False

    @property
    def pool_shift(self) -> float:
        """``estimate - half_pool_estimate`` in units of ``std_err``.

        A placebo-pool convergence check. Half a pool gives worse matches, so
        some shift is normal (in the toy world of ``simulate_retaliation``
        the mean absolute shift was 0.25-0.4 with the whole pool); beyond 1
        the estimate still moves with the pool by more than its standard
        error, and ``n_placebos`` should be raised (``None``: the whole
        pool). NaN without a half-pool fit.
        """
        se = self.std_err
        if not np.isfinite(self.half_pool_estimate) or not se > 0:
            return float("nan")
        return float((self.estimate - self.half_pool_estimate) / se)

    @property
    def is_degenerate(self) -> bool:
        """Whether the randomisation null has no spread, so no interval or
        p-value can be read from it (matched placebos all alike, e.g. a
        radius that covers the whole area)."""
        return not np.isfinite(self.design_effect)

    @property
    def is_settled(self) -> bool:
        """Whether the estimate has settled in the placebo pool.

        True for the whole pool (nothing more to add); for a sampled pool,
        when half of it moves the estimate by at most one standard error
        (:attr:`pool_shift`). A NaN shift (no half-pool fit, or a zero
        standard error) is not settled.
        """
        if self.is_whole_pool:
            return True
        return bool(abs(self.pool_shift) <= 1.0)

    @property
    def std_err(self) -> float:
        """Standard deviation of the randomisation null."""
        return float(np.std(self.null_draws, ddof=1))

    @property
    def p_value(self) -> float:
        """Two-sided randomisation p-value, ``(1 + #|T_b| >= |T|) / (B + 1)``."""
        b = self.null_draws.size
        return float(
            (1 + np.sum(np.abs(self.null_draws) >= abs(self.estimate))) / (b + 1)
        )

    @property
    def relative_effect(self) -> float:
        """``estimate`` as a fraction of the counterfactual post-window count.

        NaN when the matched placebos saw no outcome events after their date
        (a share of nothing is undefined).
        """
        if not self.counterfactual_post > 0:
            return float("nan")
        return float(self.estimate / self.counterfactual_post)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Interval from inverting the randomisation test (constant additive
        effect): one row ``event_study``, columns ``ci_lower, ci_upper`` (the
        shape of every titfortat ``conf_int``)."""
        lo_q, hi_q = np.quantile(self.null_draws, [alpha / 2, 1 - alpha / 2])
        return ci_frame("event_study", self.estimate - hi_q, self.estimate - lo_q)

    def naive_conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Normal interval of the naive before/after mean (row ``before_after``)."""
        from scipy import special

        q = float(special.ndtri(1 - alpha / 2))  # norm.ppf
        e, s = self.naive_estimate, self.naive_std_err
        return ci_frame("before_after", e - q * s, e + q * s)

    @property
    def naive_p_value(self) -> float:
        """Two-sided normal p-value of the naive before/after mean."""
        from scipy import special

        if self.naive_std_err == 0:
            return 1.0 if self.naive_estimate == 0 else 0.0
        return float(
            2 * special.ndtr(-abs(self.naive_estimate / self.naive_std_err))
        )  # norm.sf

    @property
    def params(self) -> pd.Series:
        """The estimate as a one-entry Series (``event_study``), as fits give."""
        return pd.Series({"event_study": float(self.estimate)})

    def summary(self, alpha: float = 0.05) -> Summary:
        """The estimate in the parameter-table shape of every titfortat fit.

        One row, ``event_study``: the randomisation interval of
        :meth:`conf_int`, ``std_err`` the spread of the randomisation null,
        ``z`` the estimate in those units and ``p_value`` the randomisation
        p-value (not a normal one). The naive before/after row, which is not a
        parameter of this design, is in :meth:`summary_frame`.
        """
        ci = self.conf_int(alpha)
        se = self.std_err
        table = pd.DataFrame(
            {
                "estimate": [self.estimate],
                "std_err": [se],
                "ci_lower": ci["ci_lower"].to_list(),
                "ci_upper": ci["ci_upper"].to_list(),
                "z": [self.estimate / se if se > 0 else float("nan")],
                "p_value": [self.p_value],
            },
            index=pd.Index(["event_study"]),
        )
        table.attrs["alpha"] = alpha
        header = {
            "model": "EventStudy (matched placebo interventions)",
            "n interventions": self.n_treated,
            "n placebos": self.n_placebos,
            "window (days)": self.window_days,
            "radius (km)": self.radius_km if self.radius_km is not None else "none",
            "design effect": self.design_effect,
            "hypothesis tested": "no effect (randomisation test)",
            "CI level": f"{100 * (1 - alpha):g}% (randomisation)",
        }
        return Summary(table=table, header=header)

    def to_dict(self) -> dict[str, Any]:
        """Plain (JSON-ready) form; :meth:`from_dict` restores it."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "profile":
                v = v.to_dict()
            elif isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, np.generic):
                v = v.item()
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EventStudyResult:
        kw = dict(d)
        kw["profile"] = EventTimeProfile.from_dict(kw["profile"])
        kw["null_draws"] = np.asarray(kw["null_draws"], dtype=float)
        return cls(**kw)

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row each for the matched event study and the naive before/after."""
        lo, hi = self.conf_int(alpha).iloc[0]
        nlo, nhi = self.naive_conf_int(alpha).iloc[0]
        out = pd.DataFrame(
            {
                "estimate": [self.estimate, self.naive_estimate],
                "std_err": [self.std_err, self.naive_std_err],
                "ci_lower": [lo, nlo],
                "ci_upper": [hi, nhi],
                "p_value": [self.p_value, self.naive_p_value],
            },
            index=pd.Index(["event_study", "before_after"], name="estimator"),
        )
        out.attrs["alpha"] = alpha
        return out


class EventStudy(BaseEstimator):
    """Space-time event study with matched placebo interventions.

    Around each intervention (strike, sanction, ...) at day :math:`t_i` and
    place :math:`s_i`, count outcome events :math:`c_i(k)` at event days
    :math:`k = -W..W` within ``radius_km`` (haversine) of :math:`s_i`. Placebo
    interventions copy the place of a random intervention and move its date by
    :math:`2W < |\\delta| \\le` ``placebo_span_days`` (matched place and
    season); a placebo with an intervention on its own day (within the radius)
    is treated, not a control, and is dropped. Each intervention is matched to
    the ``n_matches`` placebos closest in pre-window level and trend (outcome
    counts in the early and late half of the pre-window and on its last day),
    local background (the mean rate within the radius over
    +-``placebo_span_days``) and intervention history (interventions in the
    pre-window), all on the square-root scale, as in the matched wake
    analysis of Schutte and Donnay (2014), with the regression bias correction
    of Abadie and Imbens (2011) for imperfect matches. The effect is

    .. math::

        \\hat\\tau = \\frac1N \\sum_i \\Big[\\Delta_i - \\frac1K
        \\sum_{j \\in M(i)} \\Delta_j\\Big], \\qquad
        \\Delta = \\sum_{k=1}^{W} c(k) - \\sum_{k=-W}^{-1} c(k),

    so regression to the mean (interventions that follow spikes) and trends
    cancel against placebos with the same history. Day 0 is left out of both
    windows because same-day order is unknown. Randomisation inference: each
    of ``n_resamples`` draws makes one matched placebo per intervention
    pseudo-treated and computes the statistic against the other matches; the
    p-value and the interval (test inversion under a constant additive
    effect) come from that null distribution, widened until its variance
    reaches the cluster-robust variance of the estimate (see
    :attr:`EventStudyResult.design_effect`).
    Interventions later inside a placebo's window are kept (dropping them
    would select calm futures, since interventions follow spikes), so the
    comparison is with the natural course of events, which includes them.
    The estimand is therefore an intervention against none at that moment,
    the future left to run: a deterring strike that also averts the strikes
    more attacks would have drawn shows less deterrence than the sum of all
    strike effects in its window. In the toy world of
    :func:`~titfortat.effects.simulate_retaliation`, where this estimand is
    known (``attrs["true_natural_course_effect"]``), the 95% interval
    covered it in 89% of 300 data sets (93% with no effect, 85% with
    deterrence, 90% with escalation; ``python benchmarks/effects_coverage.py
    --seeds 100``): it is somewhat too narrow, so read p-values near the
    level with care.

    Parameters
    ----------
    window_days : int, default 7
        W, days in each of the pre- and post-windows.
    radius_km : float or None, default 10.0
        Outcome events within this distance count; ``None``: all events (or
        the same unit with ``unit_col``).
    unit_col : str or None, default None
        Count only outcome events with the intervention's value of this column
        (e.g. ``admin1``), alone or together with ``radius_km``.
    n_placebos : int or None, default None
        Size of the placebo pool. ``None`` (the default) takes every
        (intervention place, date shift) candidate once: the estimate then
        does not depend on ``rng`` (only the randomisation null does), and
        the whole pool costs about a second on the Iraq data. An integer
        draws that many candidates with replacement; matches get closer as
        the pool grows and the estimate moves with them (on the Iraq data
        -4.22 / +2.57 / +1.28 at 100 / 1,000 / 10,000 placebos against +0.36
        with all of them), so check :attr:`EventStudyResult.is_settled`.
    n_matches : int, default 10
        K, placebos matched to each intervention (at least 2).
    placebo_span_days : int, default 90
        Largest date shift of a placebo.
    n_resamples : int, default 2000
        Draws of the randomisation null.
    rng : int, numpy.random.Generator or None

    Attributes
    ----------
    counts_ : ndarray of shape (n_treated, 2W + 1)
        Outcome counts around each (kept) intervention; column ``W`` is day 0.
    placebo_counts_ : ndarray of shape (n_placebos, 2W + 1)
    matches_ : ndarray of shape (n_treated, n_matches)
        Row indices into ``placebo_counts_``.
    results_ : EventStudyResult

    References
    ----------
    Schutte and Donnay (2014), Political Geography 41:1-10 (matched wake
    analysis); Lyall (2009), J. Conflict Resolution 53(3).

    Examples
    --------
    >>> from titfortat.effects import simulate_retaliation
    >>> ev = simulate_retaliation(effect=-0.6, n_days=300, rng=1)
    >>> es = EventStudy(n_placebos=2000, n_resamples=500, rng=0).fit(
    ...     ev[ev.event_type == "strike"], ev[ev.event_type == "attack"])
    >>> bool(es.results_.estimate < 0)
    True
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "window_days": [Interval(Integral, 1, None)],
        "radius_km": [Interval(Real, 0, None, closed="neither"), None],
        "unit_col": [str, None],
        "n_placebos": [Interval(Integral, 10, None), None],
        "n_matches": [Interval(Integral, 2, None)],
        "placebo_span_days": [Interval(Integral, 1, None)],
        "n_resamples": [Interval(Integral, 10, None)],
        "rng": ["rng"],
    }

    def __init__(
        self,
        *,
        window_days: int = 7,
        radius_km: float | None = 10.0,
        unit_col: str | None = None,
        n_placebos: int | None = None,
        n_matches: int = 10,
        placebo_span_days: int = 90,
        n_resamples: int = 2000,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.window_days = window_days
        self.radius_km = radius_km
        self.unit_col = unit_col
        self.n_placebos = n_placebos
        self.n_matches = n_matches
        self.placebo_span_days = placebo_span_days
        self.n_resamples = n_resamples
        self.rng = rng

    def _validate_params(self) -> None:
        # ``str`` is a type, not a constraint object: check unit_col by hand.
        uc = self.unit_col
        if uc is not None and not isinstance(uc, str):
            raise ValueError(
                "The 'unit_col' parameter of EventStudy must be a str or None. "
                f"Got {uc!r} instead."
            )
        cons = {k: v for k, v in self._parameter_constraints.items() if k != "unit_col"}
        from titfortat._validation import validate_params

        validate_params(cons, self.get_params(), type(self).__name__)
        if self.placebo_span_days <= 2 * self.window_days:
            raise ValueError(
                "The 'placebo_span_days' parameter of EventStudy must exceed "
                f"2 * window_days = {2 * self.window_days} so placebo windows do "
                f"not overlap their intervention's. Got {self.placebo_span_days}."
            )

    def _points(self, frame: pd.DataFrame, what: str) -> dict[str, Any]:
        need = ["date"]
        if self.radius_km is not None:
            need += ["latitude", "longitude"]
        if self.unit_col is not None:
            need.append(self.unit_col)
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise DataError(
                f"The {what} events lack column(s) {missing}; expected {need}. "
                f"Got {list(frame.columns)}."
            )
        n_no_coords = 0
        if self.radius_km is not None:
            bad = frame["latitude"].isna() | frame["longitude"].isna()
            if bad.any():
                # Counted, not hidden: the result and the table report them.
                n_no_coords = int(bad.sum())
                frame = frame.loc[~bad]
        return {
            "n_no_coords": n_no_coords,
            "date": pd.DatetimeIndex(frame["date"]).normalize().to_numpy(),
            "lat": frame["latitude"].to_numpy(float)
            if self.radius_km is not None
            else np.zeros(len(frame)),
            "lon": frame["longitude"].to_numpy(float)
            if self.radius_km is not None
            else np.zeros(len(frame)),
            "unit": frame[self.unit_col].astype("string").fillna("<NA>").to_numpy()
            if self.unit_col is not None
            else None,
            "w": event_weights(frame),
        }

    @single_blas_thread
    def fit(self, treatment: pd.DataFrame, outcome: pd.DataFrame) -> Self:
        """Count, draw and match placebos, and build the randomisation null.

        Parameters
        ----------
        treatment : DataFrame
            Interventions: ``date`` and, with ``radius_km``, ``latitude`` and
            ``longitude`` (rows without coordinates are dropped).
        outcome : DataFrame
            Outcome events with the same columns (``n_events`` weights rows).

        Returns
        -------
        self
        """
        self._validate_params()
        tp = self._points(treatment, "treatment")
        op = self._points(outcome, "outcome")
        w = int(self.window_days)
        if tp["date"].size == 0 or op["date"].size == 0:
            lost = ""
            if tp["n_no_coords"] or op["n_no_coords"]:
                lost = (
                    f" ({tp['n_no_coords']:,} intervention and "
                    f"{op['n_no_coords']:,} outcome rows were left out because "
                    "they lack latitude/longitude; pass radius_km=None to count "
                    "events anywhere, or unit_col to match by area)"
                )
            raise DataError(
                f"The event study needs interventions and outcome events with "
                f"coordinates. Got {tp['date'].size:,} and {op['date'].size:,}"
                f"{lost}; check the selections."
            )
        self._n_no_coords = (int(tp["n_no_coords"]), int(op["n_no_coords"]))
        origin = min(tp["date"].min(), op["date"].min())
        oday = ((op["date"] - origin) // np.timedelta64(1, "D")).astype(np.int64)
        tday = ((tp["date"] - origin) // np.timedelta64(1, "D")).astype(np.int64)
        first = int(oday.min())
        last = int(oday.max())
        order = np.argsort(oday, kind="stable")
        codes: dict[str, int] = {}
        ounit = tunit = None
        if self.unit_col is not None:
            ounit = np.array([codes.setdefault(u, len(codes)) for u in op["unit"]])
            tunit = np.array([codes.setdefault(u, len(codes)) for u in tp["unit"]])
            ounit = ounit[order]
        keep = (tday - w >= first) & (tday + w <= last)
        n_dropped = int((~keep).sum())
        if keep.sum() < 2:
            raise DataError(
                f"Only {int(keep.sum())} interventions have full {w}-day windows "
                f"inside the outcome data ({first}..{last} days). Expected at "
                "least 2; widen the data or shorten window_days."
            )
        ti = np.flatnonzero(keep)
        args = (oday[order], op["lat"][order], op["lon"][order], op["w"][order])
        counts = window_counts(
            *args,
            tday[ti],
            tp["lat"][ti],
            tp["lon"][ti],
            window=w,
            radius_km=self.radius_km,
            out_unit=ounit,
            int_unit=None if tunit is None else tunit[ti],
        )
        # Placebo pool: the places of the interventions, each with its date
        # shifted by 2W < |delta| <= span (a shift whose window stays inside
        # the data). With n_placebos=None the pool is every such candidate;
        # otherwise n_placebos draws of a random intervention and shift (with
        # replacement; a shift that leaves the data is mirrored).
        rng = as_generator(self.rng)
        span = int(self.placebo_span_days)
        if self.n_placebos is None:
            mags = np.arange(2 * w + 1, span + 1)
            shifts = np.concatenate([-mags[::-1], mags])
            src = np.repeat(np.arange(ti.size), shifts.size)
            shift = np.tile(shifts, ti.size)
        else:
            n_p = int(self.n_placebos)
            src = rng.integers(0, ti.size, n_p)
            mag = rng.integers(2 * w + 1, span + 1, n_p)
            shift = np.where(rng.random(n_p) < 0.5, -1, 1) * mag
            day = tday[ti][src] + shift
            shift = np.where((day - w < first) | (day + w > last), -shift, shift)
        pday = tday[ti][src] + shift
        ok = (pday - w >= first) & (pday + w <= last)
        src, shift, pday = src[ok], shift[ok], pday[ok]
        if src.size < self.n_matches + 1:
            raise DataError(
                f"Only {src.size} placebo dates fit inside the data; expected more "
                f"than n_matches={self.n_matches}. Lower placebo_span_days or "
                "n_matches, or use a longer outcome series."
            )
        # A placebo sits at the place of its source intervention, so every
        # placebo count is a slice of that place's day series: count once per
        # intervention over +-(2 span) days and index, instead of once per
        # placebo (which made large pools slow: the pool size is what the
        # estimate converges in).
        reach = 2 * span
        series = window_counts(
            *args,
            tday[ti],
            tp["lat"][ti],
            tp["lon"][ti],
            window=reach,
            radius_km=self.radius_km,
            out_unit=ounit,
            int_unit=None if tunit is None else tunit[ti],
        )
        cum = np.concatenate([np.zeros((ti.size, 1)), np.cumsum(series, axis=1)], 1)
        lags = np.arange(-w, w + 1)
        pcounts = series[src[:, None], reach + shift[:, None] + lags]

        # Local background: outcome rate within the radius over +-span days,
        # a matching feature, so a placebo that matches a spike's counts is a
        # spike at a place as quiet, not an ordinary day at a busier place.
        def background(
            rows: np.ndarray, offset: np.ndarray, day: np.ndarray
        ) -> np.ndarray:
            total = (
                cum[rows, reach + offset + span + 1] - cum[rows, reach + offset - span]
            )
            lo = np.maximum(day - span, first) - (day - span)
            hi = np.minimum(day + span, last) - (day - span)
            n_days = hi - lo + 1
            return np.asarray(total / n_days * w, dtype=float)

        bg_t = background(np.arange(ti.size), np.zeros(ti.size, np.int64), tday[ti])
        bg_p = background(src, shift, pday)
        # Interventions around every treated and placebo point, by event day.
        order_t = np.argsort(tday, kind="stable")
        t_args = (
            tday[order_t],
            tp["lat"][order_t],
            tp["lon"][order_t],
            np.ones(tday.size),
        )
        t_unit = None if tunit is None else tunit[order_t]
        t_series = window_counts(
            *t_args,
            tday[ti],
            tp["lat"][ti],
            tp["lon"][ti],
            window=span + w,
            radius_km=self.radius_km,
            out_unit=t_unit,
            int_unit=None if tunit is None else tunit[ti],
        )
        hits_p = t_series[src[:, None], span + w + shift[:, None] + lags]
        hits_t = t_series[:, span : span + 2 * w + 1]
        # A placebo with an intervention on its own day 0 is treated, not a
        # control: drop it (a condition at treatment time). Interventions in
        # its post-window are kept: dropping them would select calm futures
        # (interventions follow spikes), a post-treatment selection that
        # biased the estimate badly in simulations.
        untreated = hits_p[:, w] == 0
        if untreated.sum() <= self.n_matches:
            raise DataError(
                f"Only {int(untreated.sum())} placebos have no intervention on "
                f"their own day within the radius; expected more than "
                f"n_matches={self.n_matches}. Interventions are too dense for "
                "this radius: use a smaller radius_km or a longer series."
            )
        pcounts, bg_p, hits_p = pcounts[untreated], bg_p[untreated], hits_p[untreated]
        # Placebo points (source intervention row, day), kept for checks.
        self._placebo_points = (ti[src[untreated]], pday[untreated], origin)
        n_contaminated = int(np.sum(hits_p.sum(axis=1) > 0))
        # Intervention history (earlier interventions in the pre-window) is
        # matched too, so strike clusters are compared with strike clusters.
        self._bg_t = np.column_stack([bg_t, hits_t[:, :w].sum(axis=1)])
        self._bg_p = np.column_stack([bg_p, hits_p[:, :w].sum(axis=1)])
        matches = self._match(counts, pcounts, self._bg_p)
        # Clusters of interventions whose windows overlap: same grid cell of
        # side radius_km (or same unit) and same block of 2W + 1 days.
        cell_km = self.radius_km if self.radius_km is not None else 1e9
        gy = np.floor(tp["lat"][ti] * 111.2 / cell_km)
        gx = np.floor(
            tp["lon"][ti] * 111.2 * np.cos(np.radians(tp["lat"][ti])) / cell_km
        )
        gu = np.zeros(ti.size) if tunit is None else tunit[ti]
        gt = tday[ti] // (2 * w + 1)
        clusters = pd.MultiIndex.from_arrays([gy, gx, gu, gt]).factorize()[0]
        self._clusters = clusters
        self.counts_, self.placebo_counts_, self.matches_ = counts, pcounts, matches
        result = self._inference(
            counts, pcounts, matches, clusters, n_dropped, n_contaminated, rng
        )
        # Sensitivity to the size of the placebo pool: the same estimate from
        # a random half of the pool. Matches improve as the pool grows, and
        # where the tails are thin (interventions after rare spikes) the
        # estimate keeps moving; a large gap says raise n_placebos.
        half = rng.permutation(pcounts.shape[0])[: pcounts.shape[0] // 2]
        half_est = np.nan
        if half.size > self.n_matches:
            bg_h = self._bg_p[half]
            m_h = self._match(counts, pcounts[half], bg_h)
            d_t, d_m = self._matched_differences(counts, pcounts[half], bg_h, m_h)
            half_est = float(np.mean(d_t - d_m.mean(axis=1)))
        self.results_ = dataclasses.replace(
            result,
            half_pool_estimate=half_est,
            n_treated_no_coords=self._n_no_coords[0],
            n_outcome_no_coords=self._n_no_coords[1],
            is_whole_pool=self.n_placebos is None,
        )
        return self

    def _features(self, c: np.ndarray, bg: np.ndarray | None = None) -> np.ndarray:
        w = int(self.window_days)
        pre = c[:, :w]
        half = (w - 1) // 2
        # Level and trend of the pre-window: its early half, its late half and
        # the last day alone, because interventions answer the latest spike
        # (matching on halves only leaves a day -1 imbalance that reverts).
        cols = [pre[:, :half].sum(axis=1), pre[:, half : w - 1].sum(axis=1)]
        cols.append(pre[:, w - 1])
        if bg is not None:
            cols.extend(np.asarray(bg, dtype=float).reshape(c.shape[0], -1).T)
        # Square roots stabilise the variance of counts, so one unit of distance
        # means about the same surprise in quiet places and in busy ones.
        return np.asarray(np.sqrt(np.column_stack(cols)), dtype=float)

    def _match(
        self, counts: np.ndarray, pcounts: np.ndarray, bg_p: np.ndarray
    ) -> np.ndarray:
        tree = spatial.cKDTree(self._features(pcounts, bg_p))
        k = int(self.n_matches)
        _, idx = tree.query(self._features(counts, self._bg_t), k=k)
        return np.asarray(idx, dtype=np.int64).reshape(counts.shape[0], k)

    def _matched_differences(
        self,
        counts: np.ndarray,
        pcounts: np.ndarray,
        bg_p: np.ndarray,
        matches: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Post-minus-pre changes of the interventions (N,) and of their
        bias-corrected matches (N, K)."""
        w = int(self.window_days)

        def change(c: np.ndarray) -> np.ndarray:
            return np.asarray(c[..., w + 1 :].sum(axis=-1) - c[..., :w].sum(axis=-1))

        d_t = change(counts)
        # Bias correction (Abadie and Imbens 2011): matches in the tails are
        # imperfect (few placebos follow spikes as large as those strikes
        # answer), so adjust each match by a regression of the change on the
        # matching features, fitted on the placebo pool.
        f_p = self._features(pcounts, bg_p)
        f_t = self._features(counts, self._bg_t)
        design = np.column_stack([np.ones(f_p.shape[0]), f_p, f_p**2])
        beta, *_ = np.linalg.lstsq(design, change(pcounts), rcond=None)
        fit_p = design @ beta
        fit_t = np.column_stack([np.ones(f_t.shape[0]), f_t, f_t**2]) @ beta
        d_m = (change(pcounts) - fit_p)[matches] + fit_t[:, None]  # (N, K)
        return d_t, d_m

    def _inference(
        self,
        counts: np.ndarray,
        pcounts: np.ndarray,
        matches: np.ndarray,
        clusters: np.ndarray,
        n_dropped: int,
        n_contaminated: int,
        rng: np.random.Generator,
    ) -> EventStudyResult:
        w = int(self.window_days)
        d_t, d_m = self._matched_differences(counts, pcounts, self._bg_p, matches)
        k = matches.shape[1]
        est = float(np.mean(d_t - d_m.mean(axis=1)))
        n = counts.shape[0]
        b = int(self.n_resamples)
        # Pseudo-treated: one random match per intervention, the rest controls.
        # Drawn in chunks to bound memory (B x N integers).
        prof_m = pcounts[matches].mean(axis=1)  # (N, 2W+1)
        prof_sum = pcounts[matches].sum(axis=1)
        null = np.empty(b)
        null_prof = np.empty((b, counts.shape[1]))
        rows = np.arange(n)
        dm_sum = d_m.sum(axis=1)
        chunk = max(1, 2_000_000 // max(n, 1))
        for s in range(0, b, chunk):
            r = rng.integers(0, k, (min(chunk, b - s), n))
            pseudo = d_m[rows, r]
            null[s : s + r.shape[0]] = np.mean(
                pseudo - (dm_sum - pseudo) / (k - 1), axis=1
            )
            for j in range(r.shape[0]):
                pc = pcounts[matches[rows, r[j]]]
                null_prof[s + j] = np.mean(pc - (prof_sum - pc) / (k - 1), axis=0)
        # The pseudo-treated draws above measure how one placebo differs from
        # its fellow matches, which understates how much the treated matched
        # differences vary: interventions close in space and time share
        # outcome events and shocks, and interventions after spikes are
        # noisier than the placebos that match them. In simulations with a
        # known effect (benchmarks/effects_coverage.py) the raw null covered
        # the truth in 43-68% of data sets. So the null keeps its shape but
        # is widened until its variance is at least the cluster-robust
        # variance of the mean matched difference (clusters of overlapping
        # windows; Cameron and Miller 2015); the factor is design_effect.
        e = d_t - d_m.mean(axis=1)
        ec = e - e.mean()
        g_sum = np.bincount(clusters, weights=ec)
        v_cl = float(np.sum(g_sum**2)) / n**2
        v_null = float(np.var(null, ddof=1)) if null.size > 1 else 0.0
        # A null with (almost) no spread cannot be widened into anything: the
        # placebos matched to an intervention are all alike (with a radius
        # that covers the whole area every place sees the same events). The
        # design effect is then infinite and the result says so
        # (is_degenerate) instead of scaling zeros by 1e16.
        if v_null > 1e-12 * max(v_cl, 1e-300):
            deff = max(1.0, v_cl / v_null)
            null = null * np.sqrt(deff)
            null_prof = null_prof * np.sqrt(deff)
        else:
            deff = float("inf")
        days = pd.Index(np.arange(-w, w + 1), name="event_day")
        profile = EventTimeProfile(
            treated_mean=pd.Series(counts.mean(axis=0), index=days),
            placebo_mean=pd.Series(prof_m.mean(axis=0), index=days),
            null_draws=null_prof,
        )
        return EventStudyResult(
            estimate=est,
            null_draws=null,
            naive_estimate=float(d_t.mean()),
            naive_std_err=float(d_t.std(ddof=1) / np.sqrt(n)),
            counterfactual_post=float(pcounts[matches][..., w + 1 :].sum(-1).mean()),
            profile=profile,
            n_treated=n,
            n_placebos=int(pcounts.shape[0]),
            n_dropped=n_dropped,
            n_contaminated=n_contaminated,
            design_effect=deff,
            window_days=w,
            radius_km=self.radius_km,
        )

    def effects(self) -> EventTimeProfile:
        """The event-time profile (``summary_frame(alpha)`` per event day)."""
        check_is_fitted(self)
        return self.results_.profile

    def summary(self, alpha: float = 0.05) -> Summary:
        """Delegate to :meth:`EventStudyResult.summary`."""
        check_is_fitted(self)
        return self.results_.summary(alpha)

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Delegate to :meth:`EventStudyResult.summary_frame`."""
        check_is_fitted(self)
        return self.results_.summary_frame(alpha)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Delegate to :meth:`EventStudyResult.conf_int` (one row
        ``event_study``, columns ``ci_lower, ci_upper``)."""
        check_is_fitted(self)
        return self.results_.conf_int(alpha)

    def _fit_status(self) -> str:
        if "results_" not in vars(self):
            return "not fitted"
        r = self.results_
        return f"fitted: {r.n_treated:,} interventions, {r.n_placebos:,} placebos"
