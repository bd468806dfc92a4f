"""One effect table: every estimator, its interval, a verdict and its caveat."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from titfortat._threads import single_blas_thread
from titfortat.effects._common import (
    MIN_EVENTS,
    EventFilter,
    daily_pair,
    decide,
    events_frame,
    filter_label,
    parse_filter,
    select_events,
)
from titfortat.effects._health import attempt, hawkes_fit_problems, too_few
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
    "reason",
    "n_warnings",
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
        "Hawkes model with a piecewise-constant baseline; LR test p-value and "
        "profile-likelihood interval (the same inference)"
    ),
}


@dataclasses.dataclass(frozen=True)
class EffectTable:
    """Estimators side by side under one sign convention.

    Positive estimates mean the cause raises the later rate of the effect
    (``escalation``), negative that it lowers it (``deterrence``); each row's
    ``scale`` says what its number measures, since the estimators answer
    different questions. The verdict rule is
    :func:`titfortat.effects.decide` at level ``alpha``: ``deterrence`` or
    ``escalation`` only when the row's interval excludes 0 and its test
    rejects; ``inconclusive`` when they disagree; ``not_estimable`` when the
    fit is not healthy. ``reason`` says why for the last two.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per estimator and direction, columns :data:`COLUMNS`:
        ``verdict`` (one of :data:`~titfortat.effects.VERDICTS`), ``reason``
        (why a row is ``inconclusive`` or ``not_estimable``, else empty) and
        ``n_warnings`` (warnings raised while the row was computed).
    header : dict
        Treatment, outcome, radius, window, period, CI level, and the rows
        left out (``excluded``: events without coordinates).
    event_study : EventStudy or None
        The fitted event study, for its profile plot (None if it failed).
    warnings_ : dict of str to list of str
        Every warning raised while computing each row, keyed
        ``"estimator direction"``; none is dropped.

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
    warnings_: dict[str, list[str]] = dataclasses.field(default_factory=dict)

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

    def display_frame(self) -> pd.DataFrame:
        """The table as people read it (the CLI, the report, the dashboard).

        A ``not_estimable`` row's estimate, interval and p-value come from a
        fit that failed a check, so they are withheld (the string ``-``), as
        in the forest plot; the other numbers stay floats. ``table``,
        :meth:`to_json` and CSV keep them all beside the verdict.
        """
        cols = ["estimator", "direction", "estimate", "ci_lower", "ci_upper"]
        cols += ["p_value", "verdict", "n_treated", "n_outcome", "n_warnings"]
        shown = self.table[cols].astype({c: object for c in _NUMBERS})
        withheld = (shown["verdict"] == "not_estimable").to_numpy()
        shown.loc[withheld, list(_NUMBERS)] = "-"
        return shown

    def __str__(self) -> str:
        lines = [f"{k}: {v}" for k, v in self.header.items()]
        shown = self.display_frame()
        withheld = (shown["verdict"] == "not_estimable").to_numpy()
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            lines.append(
                shown.to_string(
                    index=False, formatters={c: _fmt_number for c in _NUMBERS}
                )
            )
        if withheld.any():
            lines.append(
                f"{int(withheld.sum())} not_estimable row(s): estimate, interval "
                "and p-value withheld here (reasons below); the .table frame, "
                "JSON and CSV keep them beside the verdict."
            )
        lines.append("scales and caveats:")
        seen = set()
        for row in self.table.itertuples(index=False):
            if row.estimator in seen:
                continue
            seen.add(row.estimator)
            lines.append(f"  {row.estimator}: {row.scale}; {row.caveat}")
        why = [
            f"  {r.estimator} {r.direction}: {r.verdict}: {r.reason}"
            for r in self.table.itertuples(index=False)
            if r.reason
        ]
        if why:
            lines += ["reasons:", *why]
        return "\n".join(lines)


_NUMBERS = ("estimate", "ci_lower", "ci_upper", "p_value")


def _fmt_number(x: Any) -> str:
    return x if isinstance(x, str) else f"{x:.4g}"


class _Rows:
    """Rows of the table as they are decided; keeps every row's warnings."""

    def __init__(self, alpha: float, n_t: int, n_o: int) -> None:
        self.alpha, self.n_t, self.n_o = alpha, n_t, n_o
        self.rows: list[dict[str, Any]] = []
        self.warnings: dict[str, list[str]] = {}

    def add(
        self,
        estimator: str,
        direction: str,
        est: float,
        lo: float,
        hi: float,
        p: float,
        scale: str,
        caveat: str,
        *,
        problems: list[str | None] | None = None,
        messages: list[str] | None = None,
        demote: str | None = None,
    ) -> None:
        found = [q for q in (problems or []) if q]
        d = decide(est, lo, hi, p, self.alpha, problems=found)
        verdict, reason = d
        if demote and verdict in ("deterrence", "escalation"):
            verdict, reason = "inconclusive", demote
        msgs = list(messages or [])
        self.warnings[f"{estimator} {direction}"] = msgs
        if msgs:
            caveat += f"; {len(msgs)} warning(s) while fitting: " + " | ".join(
                m[:200] for m in msgs
            )
        self.rows.append(
            {
                "estimator": estimator,
                "direction": direction,
                "estimate": float(est),
                "ci_lower": float(lo),
                "ci_upper": float(hi),
                "p_value": float(p),
                "verdict": verdict,
                "n_treated": int(self.n_t),
                "n_outcome": int(self.n_o),
                "scale": scale,
                "caveat": caveat,
                "reason": reason,
                "n_warnings": len(msgs),
            }
        )

    def failed(
        self,
        estimator: str,
        directions: list[str],
        scale: str,
        caveat: str,
        problems: list[str],
        messages: list[str],
    ) -> None:
        nan = float("nan")
        for d in directions:
            self.add(
                estimator,
                d,
                nan,
                nan,
                nan,
                nan,
                scale,
                caveat,
                problems=list(problems) or ["the estimator returned no result"],
                messages=messages,
            )


@single_blas_thread
def effect_table(
    events: Any,
    *,
    treatment: EventFilter,
    outcome: EventFilter,
    radius_km: float | None = 10.0,
    window_days: int = 7,
    n_placebos: int | None = None,
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
    both directions, and the Hawkes cross effects with LR tests and profile
    intervals (:class:`titfortat.dynamics.BinnedHawkes`, softplus link) in
    both directions.

    Every row is decided by :func:`~titfortat.effects.decide`. A row whose
    estimator fails with a titfortat error, or whose fit is unhealthy (not
    converged, non-finite or zero standard error, separation, fewer events
    than :data:`~titfortat.effects.MIN_EVENTS`, a spectral radius within 0.02
    of 1, an estimate on a search bound, a convergence or separation
    warning), is ``not_estimable`` with its reason; the other rows stand.

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
    n_placebos : int or None, default None
        Event-study placebo pool (``None``: every candidate, so the estimate
        does not depend on ``rng``; see :class:`~titfortat.effects.EventStudy`).
        With a sampled pool that has not settled, a finding is shown as
        ``inconclusive``.
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
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"The 'alpha' argument must be in (0, 1). Got {alpha!r}.")
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
    out = _Rows(alpha, n_t, n_o)
    counts = {t_name: float(n_t), o_name: float(n_o)}

    where = f"within {radius_km:g} km" if radius_km is not None else "anywhere"
    per = f"{o_name} events per {t_name} {where}, {window_days} days after minus before"
    es_model = EventStudy(
        window_days=window_days, radius_km=radius_km, n_placebos=n_placebos, rng=rng
    )
    es_try = attempt(lambda: es_model.fit(tr, oc))
    es = es_try.value
    excluded: dict[str, int] = {}
    if radius_km is not None and {"latitude", "longitude"} <= set(frame.columns):
        for what, fr in (("treatment", tr), ("outcome", oc)):
            n_bad = int((fr["latitude"].isna() | fr["longitude"].isna()).sum())
            if n_bad:
                excluded[f"{what} rows without coordinates (event study)"] = n_bad
    lost = "; ".join(f"{v:,} {k}" for k, v in excluded.items())
    if es is None:
        for name in ("before_after", "event_study"):
            out.failed(
                name,
                [fwd],
                per,
                _CAVEATS[name] + (f"; left out: {lost}" if lost else ""),
                es_try.problems,
                es_try.messages,
            )
        n_pool = 0
    else:
        r = es.results_
        n_pool = r.n_placebos
        few = too_few_treated(r.n_treated)
        degenerate = degenerate_null(r)
        lo, hi = r.naive_conf_int(alpha).iloc[0]
        cav = _CAVEATS["before_after"] + (f"; left out: {lost}" if lost else "")
        out.add(
            "before_after",
            fwd,
            r.naive_estimate,
            lo,
            hi,
            r.naive_p_value,
            per,
            cav,
            problems=[few, *es_try.problems],
            messages=es_try.messages,
        )
        lo, hi = r.conf_int(alpha).iloc[0]
        rel = r.relative_effect
        pool = (
            f"all {r.n_placebos:,} candidate placebos"
            if r.is_whole_pool
            else f"{r.n_placebos:,} sampled placebos, estimate "
            f"{r.half_pool_estimate:+.3g} with half of them (shift "
            f"{r.pool_shift:+.2f} SE; "
            + ("settled" if r.is_settled else "not settled in the pool size")
            + ")"
        )
        cav = (
            _CAVEATS["event_study"]
            + (
                f"; {rel:+.1%} of the matched counterfactual"
                if np.isfinite(rel)
                else ""
            )
            + (
                f"; {r.n_dropped:,} interventions left out (window outside the data)"
                if r.n_dropped
                else ""
            )
            + f"; {r.n_contaminated / max(r.n_placebos, 1):.0%} of placebos have "
            f"an intervention in their window; design effect {r.design_effect:.2f}"
            f"; {pool}" + (f"; left out: {lost}" if lost else "")
        )
        demote = unsettled(r)
        out.add(
            "event_study",
            fwd,
            r.estimate,
            lo,
            hi,
            r.p_value,
            per + ", net of matched placebos",
            cav,
            problems=[few, degenerate, *es_try.problems],
            messages=es_try.messages,
            demote=demote,
        )

    y = daily_pair(tr, oc, names=(t_name, o_name))
    for fam in ("poisson", "negbin"):
        for eff, cause, d in ((o_name, t_name, fwd), (t_name, o_name, rev)):
            scale = (
                f"log rate ratio of {eff} per {cause} event, summed over lags "
                f"1-{n_lags} days"
            )
            few_c = too_few(
                "count_ar",
                {cause: counts[cause], eff: counts[eff]},
                MIN_EVENTS["count_ar"],
            )
            if few_c:
                # Not fitted at all: below the minimum the fit separates or
                # fails (a cause with 0 events gave statsmodels a NaN deviance).
                out.failed(
                    f"count_ar_{fam}", [d], scale, _CAVEATS["count_ar"], [few_c], []
                )
                continue
            m = CountAutoregression(family=fam, n_lags=n_lags)
            fit = attempt(
                lambda m=m, eff=eff, cause=cause: m.fit(y, outcome=eff, cause=cause)
            )
            msgs = fit.messages + list(getattr(m, "warnings_", []))
            if fit.value is None:
                out.failed(
                    f"count_ar_{fam}",
                    [d],
                    scale,
                    _CAVEATS["count_ar"],
                    [few_c, *fit.problems],
                    msgs,
                )
                continue
            f = m.cumulative_effect().summary_frame(alpha).iloc[0]
            z = f.estimate / f.std_err if f.std_err > 0 else np.nan
            p = float(2 * special.ndtr(-abs(z))) if np.isfinite(z) else np.nan
            out.add(
                f"count_ar_{fam}",
                d,
                f.estimate,
                f.ci_lower,
                f.ci_upper,
                p,
                scale,
                _CAVEATS["count_ar"],
                problems=[few_c, *fit.problems, *m.fit_problems()],
                messages=list(dict.fromkeys(msgs)),
            )
    for eff, cause, d in ((o_name, t_name, fwd), (t_name, o_name, rev)):
        few_g = too_few(
            "granger", {cause: counts[cause], eff: counts[eff]}, MIN_EVENTS["granger"]
        )
        if few_g:
            out.failed(
                "granger",
                [d],
                f"{eff} events per {cause} event, summed over lags",
                _CAVEATS["granger"],
                [few_g],
                [],
            )
            continue
        g_try = attempt(
            lambda eff=eff, cause=cause: granger(
                y, effect=eff, cause=cause, max_lag=max_lag
            )
        )
        g = g_try.value
        if g is None:
            out.failed(
                "granger",
                [d],
                f"{eff} events per {cause} event, summed over lags",
                _CAVEATS["granger"],
                [few_g, *g_try.problems],
                g_try.messages,
            )
            continue
        lo, hi = g.conf_int(alpha).iloc[0]
        singular = None
        if not g.sum_std_err > 0 or not np.isfinite(g.f_statistic):
            singular = (
                f"the lag regression is singular ({cause} does not vary on the "
                "sample days)"
            )
        out.add(
            "granger",
            d,
            g.sum_coef,
            lo,
            hi,
            g.p_value,
            f"{eff} events per {cause} event, summed over lags 1-"
            f"{g.lag_order} (order by AIC), F({g.df[0]}, {g.df[1]}) = "
            f"{g.f_statistic:.3g}",
            _CAVEATS["granger"]
            + "; the verdict reads the F test, the interval the lag sum: they "
            "test different things, so they may disagree (inconclusive)",
            problems=[few_g, singular, *g_try.problems],
            messages=g_try.messages,
        )
    if hawkes:
        _hawkes_rows(out, y, t_name, o_name, baseline_segments, counts, alpha, rng)
    table = pd.DataFrame(out.rows, columns=list(COLUMNS))
    table.attrs["alpha"] = alpha
    header = {
        "treatment": str(treatment),
        "outcome": str(outcome),
        "period": f"{y.index.min().date()}..{y.index.max().date()} ({len(y)} days)",
        "radius_km": radius_km,
        "window_days": window_days,
        "placebos": f"{n_pool:,} (whole pool)"
        if n_placebos is None
        else f"{n_pool:,} (sampled)",
        "sensitivity": "the local answer may depend on radius and window: "
        "effects.effect_sweep or `titfortat effect --sweep` says whether it does",
        "CI level": f"{1 - alpha:.0%}",
        "sign": "positive = the cause raises the later rate (escalation)",
    }
    if excluded:
        header["excluded"] = lost
    n_warn = int(table["n_warnings"].sum())
    if n_warn:
        header["warnings"] = f"{n_warn} raised while fitting (see caveats)"
    return EffectTable(
        table=table, header=header, event_study=es, warnings_=out.warnings
    )


def degenerate_null(r: Any) -> str | None:
    """Problem statement for an event study whose randomisation null has no
    spread (see :attr:`EventStudyResult.is_degenerate`)."""
    if not r.is_degenerate:
        return None
    return (
        "the randomisation null has no spread: the matched placebos are all "
        f"alike within {r.radius_km} km (the radius covers the area); use a "
        "smaller radius_km"
    )


def unsettled(r: Any) -> str | None:
    """Why a finding from a sampled placebo pool is only inconclusive."""
    if r.is_settled:
        return None
    return (
        f"the estimate has not settled in the sampled placebo pool (half the "
        f"pool moves it by {r.pool_shift:+.2f} SE); use the whole pool "
        "(n_placebos=None)"
    )


def too_few_treated(n_treated: int) -> str | None:
    """Problem statement when the event study has too few treated windows."""
    m = MIN_EVENTS["event_study"]
    if n_treated >= m:
        return None
    return (
        f"too few interventions with full windows for the event study (need at "
        f"least {m}; got {n_treated})"
    )


def _hawkes_rows(
    out: _Rows,
    y: pd.DataFrame,
    t_name: str,
    o_name: str,
    segments: int,
    counts: dict[str, float],
    alpha: float,
    rng: Any,
) -> None:
    from titfortat.dynamics import BinnedHawkes

    nodes = [t_name, o_name]
    model = BinnedHawkes(
        link="softplus",
        family="negbin",
        baseline_segments=segments,
        n_starts=1,
        rng=rng,
    )
    scale = (
        f"change in the softplus predictor of daily {{eff}} per {{cause}} event "
        f"(BinnedHawkes(link='softplus', family='negbin', baseline_segments="
        f"{segments}); `titfortat hawkes --link softplus --segments {segments}` "
        "fits the same model"
    )
    few = too_few("hawkes", counts, MIN_EVENTS["hawkes"])
    pairs = [(o_name, t_name), (t_name, o_name)]
    if few:
        for eff, cause in pairs:
            out.failed(
                "hawkes",
                [f"{eff}<-{cause}"],
                scale.format(eff=eff, cause=cause) + ")",
                _CAVEATS["hawkes"],
                [few],
                [],
            )
        return
    fit = attempt(lambda: model.fit(y[nodes].to_numpy(), nodes=nodes))
    if fit.value is None:
        for eff, cause in pairs:
            out.failed(
                "hawkes",
                [f"{eff}<-{cause}"],
                scale.format(eff=eff, cause=cause) + ")",
                _CAVEATS["hawkes"],
                [few, *fit.problems],
                fit.messages,
            )
        return
    health = [few, *fit.problems, *hawkes_fit_problems(model)]
    names = [f"alpha[{eff}<-{cause}]" for eff, cause in pairs]
    # The interval that goes with the LR test is the profile-likelihood one
    # (both invert the same likelihood ratio); the Wald interval crossed 0 on
    # the demo while the LR test rejected. Skipped for an unhealthy fit.
    wald = model.conf_int(alpha)
    ci = wald.loc[names]
    kind = "Wald"
    if not [q for q in health if q]:
        prof = attempt(lambda: model.profile_conf_int(names, alpha))
        # A restricted fit that beats the maximum (a local optimum) is a
        # problem of the whole fit, so it makes every row not estimable.
        health += prof.problems
        if (
            not prof.problems
            and prof.value is not None
            and np.isfinite(prof.value.to_numpy()).all()
        ):
            ci, kind = prof.value, "profile"
        fit.caught.extend(prof.caught)
    tests = {
        name: attempt(lambda eff=eff, cause=cause: model.lr_test(eff, cause))
        for (eff, cause), name in zip(pairs, names, strict=True)
    }
    health += [q for t in tests.values() for q in t.problems]
    health = list(dict.fromkeys(health))
    for (eff, cause), name in zip(pairs, names, strict=True):
        lr = tests[name]
        p = lr.value.p_value if lr.value is not None else np.nan
        se = float(model.results_.std_err[name])
        row_problems = list(health)
        if not np.isfinite(se) or se <= 0:
            row_problems.append(f"the standard error of {name} is {se:.3g}")
        out.add(
            "hawkes",
            f"{eff}<-{cause}",
            float(model.results_.params[name]),
            float(ci.loc[name, "ci_lower"]),
            float(ci.loc[name, "ci_upper"]),
            p,
            scale.format(eff=eff, cause=cause)
            + f"; exponential lag, decay {model.decay_:.3g}/day; {kind} interval)",
            _CAVEATS["hawkes"],
            problems=row_problems,
            messages=list(dict.fromkeys(fit.messages + lr.messages)),
        )
