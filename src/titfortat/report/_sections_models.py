"""Report sections on the models: deterrence, action and reaction, methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from titfortat.report._html import (
    MethodRow,
    Section,
    format_value,
    interval_text,
    join_names,
    new_figure,
)

__all__ = ["deterrence_section", "dynamics_section", "methods_section"]

_EFFECT_METHODS = {
    "before_after": "mean after minus before per intervention; i.i.d. SE (naive)",
    "event_study": "matched-placebo space-time event study; randomisation "
    "(placebo) interval and p-value",
    "count_ar_poisson": "Poisson count autoregression; Wald interval",
    "count_ar_negbin": "negative-binomial count autoregression; Wald interval",
    "granger": "Granger F test (lags by AIC); interval of summed lag coefficients",
    "hawkes": "day-binned negative-binomial Hawkes, softplus link; "
    "profile-likelihood interval and LR test",
}


def _naive_trap(table: pd.DataFrame) -> str | None:
    """One sentence contrasting the naive before/after row with the event study.

    Both estimators have one row, the effect of the treatment on the outcome.
    """
    naive = table[table.estimator == "before_after"]
    local = table[table.estimator == "event_study"]
    if naive.empty or local.empty:
        return None
    n, e = naive.iloc[0], local.iloc[0]
    if not (np.isfinite(n.estimate) and np.isfinite(e.estimate)):
        return None
    return (
        "The naive trap: comparing the days after each intervention with the "
        f"days before gives {n.estimate:+.3g} "
        f"({interval_text(n.ci_lower, n.ci_upper)}, "
        f"{str(n.verdict).replace('_', ' ')}), but interventions tend to follow "
        "spikes of the outcome, which fall back anyway (regression to the "
        "mean); against matched placebo dates at the same places the same "
        f"quantity is {e.estimate:+.3g} ({interval_text(e.ci_lower, e.ci_upper)}"
        f", {str(e.verdict).replace('_', ' ')})."
    )


def deterrence_section(
    store: Any,
    *,
    treatment: str,
    outcome: str,
    radius_km: float = 10.0,
    window_days: int = 7,
    n_placebos: int | None = None,
    hawkes: bool = True,
    rng: int = 0,
) -> tuple[Section, Any]:
    """Did retaliation deter? The effect table, its forest plot and profile.

    Returns the section and the :class:`~titfortat.effects.EffectTable`.
    """
    from titfortat.effects import effect_table
    from titfortat.report.effects import plot_event_time_profile
    from titfortat.report.figures import plot_effect_forest

    s = Section.titled("deterrence")
    table = effect_table(
        store,
        treatment=treatment,
        outcome=outcome,
        radius_km=radius_km,
        window_days=window_days,
        n_placebos=n_placebos,
        hawkes=hawkes,
        rng=rng,
    )
    frame = table.table
    level = 1 - float(table.header.get("alpha", 0.05))
    s.paragraphs.append(
        f"Effect of treatment events ({treatment}) on outcome events ({outcome}) "
        f"within {radius_km:g} km and {window_days} days, by every estimator. "
        "Positive estimates mean escalation (more outcome events after the "
        "treatment), negative ones deterrence. A verdict is given only when the "
        f"{level:.0%} interval excludes zero and the row's test rejects at the "
        "same level; each row measures its own quantity (column 'scale')."
    )
    trap = _naive_trap(frame)
    if trap:
        s.paragraphs.append(trap)
    local = frame[frame.estimator == "event_study"]
    if not local.empty and (
        not np.isfinite(local.iloc[0].estimate)
        or local.iloc[0].verdict == "not_estimable"
    ):
        s.summary.append(
            "The matched event study is not estimable on this store: "
            f"{local.iloc[0].reason or 'see the effect table'}."
        )
    elif not local.empty:
        e = local.iloc[0]
        s.summary.append(
            f"Matched event study, {treatment} -> {outcome} within "
            f"{radius_km:g} km and {window_days} days: {e.estimate:+.3g} outcome "
            f"events per intervention ({interval_text(e.ci_lower, e.ci_upper, level)}"
            f"): {str(e.verdict).replace('_', ' ')}."
        )
    naive = frame[frame.estimator == "before_after"]
    if (
        not naive.empty
        and np.isfinite(naive.iloc[0].estimate)
        and naive.iloc[0].verdict != "not_estimable"
    ):
        n = naive.iloc[0]
        s.summary.append(
            f"The naive before/after comparison would say {n.estimate:+.3g} "
            f"({interval_text(n.ci_lower, n.ci_upper, level)}, "
            f"{str(n.verdict).replace('_', ' ')}): interventions follow spikes "
            "of the outcome, which fall back anyway."
        )
    shown = table.display_frame().drop(columns="n_warnings")
    s.add_table(
        shown,
        f"Effect table ({level:.0%} intervals; a not_estimable row's numbers "
        "are withheld, its reason is below)",
    )
    s.add_table(
        frame[["estimator", "direction", "scale", "caveat"]],
        "What each row measures, and its caveat",
    )
    n = len(frame)
    figure, axes = new_figure(9, 0.62 * n + 0.9, nrows=n, ncols=1, squeeze=False)
    plot_effect_forest(table, axes=axes[:, 0])
    s.add_figure(
        figure,
        "Forest plot: one row per estimator with its interval and verdict",
        "Forest plot of the effect table: point estimate and interval per row, "
        "zero marked; each row on its own scale.",
    )
    if table.event_study is not None:
        figure, ax = new_figure(7, 3.6)
        plot_event_time_profile(table, ax=ax, alpha=1 - level)
        s.add_figure(
            figure,
            "Event-time profile of treated minus placebo outcome counts",
            "Event-time profile: outcome events around the intervention day, "
            "treated minus matched placebos, with the randomisation band.",
        )
    for w in table.header.get("warnings", []) or []:
        s.caveats.append(f"warning while estimating: {w}")
    for row in frame.itertuples(index=False):
        ok = row.verdict != "not_estimable"
        s.methods.append(
            MethodRow(
                s.title,
                f"{row.estimator} ({row.direction})",
                format_value(row.estimate) if ok else "not estimable",
                _EFFECT_METHODS.get(str(row.estimator), str(row.estimator)),
                interval_text(row.ci_lower, row.ci_upper, level) if ok else "–",
            )
        )
    return s, table


def dynamics_section(
    store: Any,
    nodes: Mapping[str, str],
    *,
    baseline_segments: int = 16,
    horizon_days: int = 30,
    rng: int = 0,
) -> tuple[Section, Any]:
    """Action and reaction: Hawkes cross effects, impulse responses, fit check."""
    from titfortat.effects import hawkes_table
    from titfortat.report.dynamics import (
        plot_branching_matrix,
        plot_impulse_response,
        plot_residual_qq,
    )

    s = Section.titled("dynamics")
    ht = hawkes_table(store, nodes, baseline_segments=baseline_segments, rng=rng)
    h = ht.header
    level = 1 - float(h["alpha"])
    kind = str(h.get("interval", "Wald"))
    s.paragraphs.append(
        f"One multivariate day-count Hawkes model ({h['model']}) of "
        f"{join_names(list(nodes))} over {h['n_days']:,} days "
        f"({h['first_day']} to {h['last_day']}). alpha[i<-j] is the expected "
        "number of extra events of type i caused by one event of type j, spread "
        f"over the following days (mean lag {h['mean_lag_days']:.1f} days); the "
        f"background rate has {baseline_segments} pieces, so slow trends are not "
        "read as excitation. Spectral radius "
        f"{h['spectral_radius']:.3f} (below 1: the cycle dies out on its own)."
    )
    s.add_table(
        ht.display_frame(),
        f"Cross effects i<-j, {level:.0%} {kind} intervals, likelihood-ratio "
        "tests and verdicts (a not_estimable row's numbers are withheld)",
        index=True,
    )
    problems = list(h.get("problems") or [])
    if problems:
        # Every figure and number below derives from the fitted parameters of
        # a fit that failed a check: none is shown, the reasons are.
        why = "; ".join(problems)
        s.summary.append(f"The Hawkes model is not estimable on this store: {why}.")
        s.paragraphs.append(
            "No branching matrix, impulse response or share of triggered events "
            f"is shown, because the fit failed a check: {why}."
        )
        s.add_table(ht.residual_check, "Residual check (KS test per node)", index=True)
        for w in h["warnings"]:
            s.caveats.append(f"warning while fitting: {w}")
        return s, ht
    figure, ax = new_figure(6.5, 5.5)
    plot_branching_matrix(ht.model, ax=ax)
    ax.set_title("alpha[i<-j] (SE)")
    s.add_figure(
        figure,
        "Heat map of the branching matrix",
        "Branching matrix: row i is excited by column j; standard errors in brackets.",
    )
    impulse = ht.model.impulse_response(horizon_days)
    frame = impulse.summary_frame(1 - level)
    figure, ax = new_figure(7, 0.32 * len(frame) + 1.3)
    plot_impulse_response(impulse, ax=ax, alpha=1 - level)
    s.add_figure(
        figure,
        "Impulse responses with intervals",
        f"Impulse responses over {horizon_days} days: extra events of i after "
        f"one event of j, with {level:.0%} delta-method intervals.",
    )
    if ht.share_triggered is not None:
        s.add_table(
            ht.share_triggered,
            "Share of events triggered by earlier events (delta-method intervals)",
            index=True,
        )
        if "total" in ht.share_triggered.index:
            tot = ht.share_triggered.loc["total"]
            s.summary.append(
                f"About {tot.estimate:.0%} of events were triggered by earlier "
                f"events ({interval_text(tot.ci_lower, tot.ci_upper, level)}); "
                f"spectral radius {h['spectral_radius']:.2f}."
            )
            s.paragraphs.append(
                f"About {tot.estimate:.0%} of all events were triggered by earlier "
                f"ones ({interval_text(tot.ci_lower, tot.ci_upper, level)}); the "
                "rest arrive at the background rate."
            )
            s.methods.append(
                MethodRow(
                    s.title,
                    "share triggered (total)",
                    format_value(tot.estimate),
                    "branching structure of the fitted model; delta method",
                    interval_text(tot.ci_lower, tot.ci_upper, level),
                )
            )
    residuals = ht.model.residuals(rng=rng)
    names = list(residuals.residuals)
    figure, axes = new_figure(2.6 * len(names), 2.9, nrows=1, ncols=len(names))
    plot_residual_qq(residuals, axes=np.atleast_1d(axes))
    s.add_figure(
        figure,
        "QQ plots of randomised PIT residuals",
        "Goodness of fit: randomised PIT residuals against Uniform(0, 1), with "
        "the 95% simultaneous KS band; points leaving the band signal misfit.",
    )
    s.add_table(ht.residual_check, "Residual check (KS test per node)", index=True)
    for name, row in ht.effects.iterrows():
        s.methods.append(
            MethodRow(
                s.title,
                f"alpha[{name}]",
                format_value(row.estimate),
                f"negative-binomial BinnedHawkes MLE; {kind} interval, LR test",
                interval_text(row.ci_lower, row.ci_upper, level),
            )
        )
    for name, row in frame.iterrows():
        s.methods.append(
            MethodRow(
                s.title,
                f"impulse response {name}, {horizon_days} days",
                format_value(row.estimate),
                "fitted kernel summed over the horizon; delta method",
                interval_text(row.ci_lower, row.ci_upper, level),
            )
        )
    if not h["converged"]:
        s.caveats.append("The Hawkes fit did not converge: read no number here.")
    for w in h["warnings"]:
        s.caveats.append(f"warning while fitting: {w}")
    s.caveats.append(
        "Day counts see national totals: a reaction within the same day, or a "
        "local one, is diluted. The identity link allows excitation only; the "
        "deterrence section estimates signed effects."
    )
    return s, ht


def _plot_spans(spans: Sequence[tuple[str, Any, Any]], ax: Any) -> None:
    """Horizontal bars: one data set per row, its first to last day."""
    import matplotlib.dates as mdates

    for i, (label, first, last) in enumerate(spans):
        start = mdates.date2num(pd.Timestamp(first))
        width = max(mdates.date2num(pd.Timestamp(last)) - start, 1.0)
        simulated = label.upper().startswith("SIMULATED")
        ax.barh(
            i,
            width,
            left=start,
            color="0.85" if simulated else "0.35",
            hatch="//" if simulated else "",
            edgecolor="0.2",
        )
    ax.set_yticks(range(len(spans)))
    ax.set_yticklabels([label for label, _, _ in spans], fontsize="small")
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Data coverage")


def methods_section(
    sections: Sequence[Section], *, source_rows: pd.DataFrame | None = None
) -> Section:
    """Methods and caveats: every number with its method and interval, every
    data set with its citation and licence."""
    from titfortat import __version__

    s = Section.titled("methods")
    s.paragraphs.append(
        f"Made by titfortat {__version__}. Every number in this report is listed "
        "below with the method that produced it and its interval. titfortat "
        "describes and measures; it does not recommend targets."
    )
    spans = [span for sec in sections for span in sec.data_spans]
    if spans:
        figure, ax = new_figure(8.5, 0.45 * len(spans) + 1.2)
        _plot_spans(spans, ax)
        s.add_figure(
            figure,
            "Periods covered by each data set used in the report",
            "Which data answer which question: the period each data set covers "
            "(simulated data marked as such, hatched).",
        )
    rows = [m for sec in sections for m in sec.methods]
    if rows:
        s.add_table(
            pd.DataFrame([vars(m) for m in rows]),
            "Every estimate, its method and interval",
        )
    if source_rows is not None and not source_rows.empty:
        s.add_table(source_rows, "Data sets: citations and licences")
    missing = [sec.title for sec in sections if not sec.is_available]
    if missing:
        s.caveats.append("Not available in this build: " + "; ".join(missing) + ".")
    for sec in sections:
        for c in sec.caveats:
            s.caveats.append(f"{sec.title}: {c}")
    return s
