"""One effect table: every estimator, its interval, a verdict and its caveat."""

from __future__ import annotations

import dataclasses
import json
import warnings
from typing import Any

import numpy as np
import pandas as pd

from titfortat.effects._common import (
    EventFilter,
    daily_pair,
    events_frame,
    filter_label,
    parse_filter,
    select_events,
    verdict,
)
from titfortat.effects.counts import CountAutoregression, granger
from titfortat.effects.event_study import EventStudy

__all__ = ["COLUMNS", "EffectTable", "effect_table"]

#: Columns of :attr:`EffectTable.table`, in order (also the JSON keys).
COLUMNS: tuple[str, ...] = (
    "estimator",
    "direction",
    "estimate",
    "ci_lower",
    "ci_upper",
    "p_value",
    "verdict",
    "n_treated",
    "n_outcome",
    "scale",
    "caveat",
)

_CAVEATS = {
    "before_after": (
        "naive: interventions that follow spikes of the outcome see it fall back "
        "anyway (regression to the mean), and trends move it; i.i.d. standard "
        "error ignores overlapping windows; shown as the trap"
    ),
    "event_study": (
        "placebos at the same places with dates shifted, none treated on its own "
        "day, matched on pre-window level, trend, local background and earlier "
        "interventions; later interventions inside a window count as part of the "
        "natural course"
    ),
    "count_ar": (
        "national daily totals: local effects are diluted and same-day reactions "
        "are not seen; conditional on own lags, trend and weekday"
    ),
    "granger": (
        "predictability, not causation; the sign is that of the summed lag "
        "coefficients and says nothing about size"
    ),
    "hawkes": (
        "cross effect on the softplus predictor of a day-binned negative-binomial "
        "Hawkes model with a piecewise-constant baseline; LR test p-value"
    ),
}


@dataclasses.dataclass(frozen=True)
class EffectTable:
    """Estimators side by side under one sign convention.

    Positive estimates mean the cause raises the later rate of the effect
    (``escalation``), negative that it lowers it (``deterrence``); each row's
    ``scale`` says what its number measures, since the estimators answer
    different questions. The verdict rule is
    :func:`titfortat.effects.verdict` at level ``alpha``.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per estimator and direction, columns :data:`COLUMNS`.
    header : dict
        Treatment, outcome, radius, window, period, CI level.
    event_study : EventStudy or None
        The fitted event study, for its profile plot.

    Examples
    --------
    >>> from titfortat.effects import effect_table, simulate_retaliation
    >>> ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
    >>> t = effect_table(ev, treatment="event_type=strike",
    ...                  outcome="event_type=attack", n_placebos=500, hawkes=False)
    >>> sorted(t.to_records()[0]) == sorted(COLUMNS)
    True
    """

    table: pd.DataFrame
    header: dict[str, Any]
    event_study: Any = None

    def to_records(self) -> list[dict[str, Any]]:
        """Rows as dicts with plain Python values (NaN as ``None``)."""
        out = []
        for row in self.table.to_dict(orient="records"):
            rec: dict[str, Any] = {}
            for key, v in row.items():
                k = str(key)
                if isinstance(v, float | np.floating):
                    rec[k] = None if not np.isfinite(v) else float(v)
                elif isinstance(v, np.integer):
                    rec[k] = int(v)
                else:
                    rec[k] = v
            out.append(rec)
        return out

    def to_json(self) -> str:
        """The rows as a JSON list."""
        return json.dumps(self.to_records(), indent=2)

    def __str__(self) -> str:
        lines = [f"{k}: {v}" for k, v in self.header.items()]
        cols = ["estimator", "direction", "estimate", "ci_lower", "ci_upper"]
        cols += ["p_value", "verdict", "n_treated", "n_outcome"]
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            lines.append(
                self.table[cols].to_string(
                    index=False, float_format=lambda x: f"{x:.4g}"
                )
            )
        lines.append("scales and caveats:")
        seen = set()
        for row in self.table.itertuples(index=False):
            if row.estimator in seen:
                continue
            seen.add(row.estimator)
            lines.append(f"  {row.estimator}: {row.scale}; {row.caveat}")
        return "\n".join(lines)


def _row(
    estimator: str,
    direction: str,
    est: float,
    lo: float,
    hi: float,
    p: float,
    n_t: int,
    n_o: int,
    scale: str,
    caveat: str,
    alpha: float,
) -> dict[str, Any]:
    return {
        "estimator": estimator,
        "direction": direction,
        "estimate": float(est),
        "ci_lower": float(lo),
        "ci_upper": float(hi),
        "p_value": float(p),
        "verdict": verdict(est, p, alpha),
        "n_treated": int(n_t),
        "n_outcome": int(n_o),
        "scale": scale,
        "caveat": caveat,
    }


def effect_table(
    events: Any,
    *,
    treatment: EventFilter,
    outcome: EventFilter,
    radius_km: float | None = 10.0,
    window_days: int = 7,
    n_placebos: int | None = 10_000,
    n_lags: int = 7,
    max_lag: int = 14,
    hawkes: bool = True,
    baseline_segments: int = 4,
    alpha: float = 0.05,
    rng: int | np.random.Generator | None = 0,
) -> EffectTable:
    """Estimate the effect of treatment events on outcome events, every way.

    Rows: the naive before/after (the trap), the matched-placebo event study
    (:class:`EventStudy`), Poisson and negative-binomial count autoregressions
    (:class:`CountAutoregression`) and Granger tests (:func:`granger`) in
    both directions, and the Hawkes cross effects with LR tests
    (:class:`titfortat.dynamics.BinnedHawkes`, softplus link) in both
    directions.

    Parameters
    ----------
    events : EventStore or DataFrame
        Canonical events (``date``, ``latitude``, ``longitude``, ``n_events``
        and the FILTER columns).
    treatment, outcome : str or mapping
        FILTERs such as ``"event_type=strike,source_event_type=Airstrike"``.
    radius_km : float or None, default 10.0
        Event-study radius (``None``: national windows).
    window_days : int, default 7
    n_placebos : int or None, default 10000
        Event-study placebo pool (``None``: every candidate; see
        :class:`~titfortat.effects.EventStudy`).
    n_lags : int, default 7
        Lags of the count autoregressions.
    max_lag : int, default 14
        Largest Granger lag order considered (AIC chooses).
    hawkes : bool, default True
        Add the Hawkes rows.
    baseline_segments : int, default 4
        Pieces of the Hawkes baseline (absorbs trends).
    alpha : float, default 0.05
        1 - CI level and the verdict's test level.
    rng : int, numpy.random.Generator or None, default 0

    Returns
    -------
    EffectTable

    Examples
    --------
    >>> from titfortat.effects import simulate_retaliation
    >>> ev = simulate_retaliation(effect=-0.7, n_days=300, n_places=4, rng=0)
    >>> t = effect_table(ev, treatment="event_type=strike",
    ...                  outcome="event_type=attack", n_placebos=1000,
    ...                  hawkes=False)
    >>> t.table.set_index(["estimator", "direction"]).loc[
    ...     ("event_study", "attack<-strike"), "verdict"]
    'deterrence'
    """
    parse_filter(treatment)
    parse_filter(outcome)
    frame = events_frame(events, ["date"])
    tr = select_events(frame, treatment)
    oc = select_events(frame, outcome)
    t_name, o_name = filter_label(treatment), filter_label(outcome)
    if t_name == o_name:
        t_name, o_name = "treatment", "outcome"
    fwd, rev = f"{o_name}<-{t_name}", f"{t_name}<-{o_name}"
    n_t = int(tr["n_events"].sum()) if "n_events" in tr else len(tr)
    n_o = int(oc["n_events"].sum()) if "n_events" in oc else len(oc)
    rows: list[dict[str, Any]] = []

    es = EventStudy(
        window_days=window_days, radius_km=radius_km, n_placebos=n_placebos, rng=rng
    ).fit(tr, oc)
    r = es.results_
    where = f"within {radius_km:g} km" if radius_km is not None else "anywhere"
    per = f"{o_name} events per {t_name} {where}, {window_days} days after minus before"
    lo, hi = r.naive_conf_int(alpha)
    rows.append(
        _row(
            "before_after",
            fwd,
            r.naive_estimate,
            lo,
            hi,
            r.naive_p_value,
            r.n_treated,
            n_o,
            per,
            _CAVEATS["before_after"],
            alpha,
        )
    )
    lo, hi = r.conf_int(alpha)
    cav = _CAVEATS["event_study"] + (
        f"; {r.relative_effect:+.1%} of the matched counterfactual; "
        f"{r.n_contaminated / r.n_placebos:.0%} of placebos have an intervention "
        f"in their window; design effect {r.design_effect:.2f}; "
        f"{r.n_placebos:,} placebos, estimate {r.half_pool_estimate:+.3g} with "
        f"half of them (shift {r.pool_shift:+.2f} SE"
        + ("; not settled in the pool size" if abs(r.pool_shift) > 1.0 else "")
        + ")"
    )
    rows.append(
        _row(
            "event_study",
            fwd,
            r.estimate,
            lo,
            hi,
            r.p_value,
            r.n_treated,
            n_o,
            per + ", net of matched placebos",
            cav,
            alpha,
        )
    )

    y = daily_pair(tr, oc, names=(t_name, o_name))
    for fam in ("poisson", "negbin"):
        for eff, cause, d in ((o_name, t_name, fwd), (t_name, o_name, rev)):
            m = CountAutoregression(family=fam, n_lags=n_lags)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                m.fit(y, outcome=eff, cause=cause)
            f = m.cumulative_effect().summary_frame(alpha).iloc[0]
            z = f.estimate / f.std_err if f.std_err > 0 else np.nan
            from scipy import stats

            p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan
            cav = _CAVEATS["count_ar"]
            if caught:
                cav += f"; fit warning: {caught[0].message}"
            rows.append(
                _row(
                    f"count_ar_{fam}",
                    d,
                    f.estimate,
                    f.ci_lower,
                    f.ci_upper,
                    p,
                    n_t,
                    n_o,
                    f"log rate ratio of {eff} per {cause} event, summed over "
                    f"lags 1-{n_lags} days",
                    cav,
                    alpha,
                )
            )
    for eff, cause, d in ((o_name, t_name, fwd), (t_name, o_name, rev)):
        g = granger(y, effect=eff, cause=cause, max_lag=max_lag)
        lo, hi = g.conf_int(alpha)
        rows.append(
            _row(
                "granger",
                d,
                g.sum_coef,
                lo,
                hi,
                g.p_value,
                n_t,
                n_o,
                f"{eff} events per {cause} event, summed over lags 1-"
                f"{g.lag_order} (order by AIC), F({g.df[0]}, {g.df[1]}) = "
                f"{g.f_statistic:.3g}",
                _CAVEATS["granger"],
                alpha,
            )
        )
    if hawkes:
        rows.extend(
            _hawkes_rows(y, t_name, o_name, baseline_segments, n_t, n_o, alpha, rng)
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.attrs["alpha"] = alpha
    header = {
        "treatment": str(treatment),
        "outcome": str(outcome),
        "period": f"{y.index.min().date()}..{y.index.max().date()} ({len(y)} days)",
        "radius_km": radius_km,
        "window_days": window_days,
        "placebos": r.n_placebos,
        "CI level": f"{1 - alpha:.0%}",
        "sign": "positive = the cause raises the later rate (escalation)",
    }
    return EffectTable(table=table, header=header, event_study=es)


def _hawkes_rows(
    y: pd.DataFrame,
    t_name: str,
    o_name: str,
    segments: int,
    n_t: int,
    n_o: int,
    alpha: float,
    rng: Any,
) -> list[dict[str, Any]]:
    from titfortat.dynamics import BinnedHawkes

    nodes = [t_name, o_name]
    model = BinnedHawkes(
        link="softplus",
        family="negbin",
        baseline_segments=segments,
        n_starts=1,
        rng=rng,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(y[nodes].to_numpy(), nodes=nodes)
        ci_d: dict[Any, Any] = model.conf_int(alpha).to_dict(orient="index")
        rows = []
        for eff, cause in ((o_name, t_name), (t_name, o_name)):
            name = f"alpha[{eff}<-{cause}]"
            lr = model.lr_test(eff, cause)
            cav = _CAVEATS["hawkes"]
            if caught:
                cav += f"; fit warning: {str(caught[0].message)[:120]}"
            rows.append(
                _row(
                    "hawkes",
                    f"{eff}<-{cause}",
                    float(model.results_.params[name]),
                    float(ci_d[name]["ci_lower"]),
                    float(ci_d[name]["ci_upper"]),
                    lr.p_value,
                    n_t,
                    n_o,
                    f"change in the softplus predictor of daily {eff} per "
                    f"{cause} event (exponential lag, decay "
                    f"{model.decay_:.3g}/day)",
                    cav,
                    alpha,
                )
            )
    return rows
