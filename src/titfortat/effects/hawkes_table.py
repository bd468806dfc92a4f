"""Action-reaction table of a network of event types, from one BinnedHawkes fit.

Where :func:`titfortat.effects.effect_table` compares every estimator on one
treatment-outcome pair, :func:`hawkes_table` fits one multivariate day-count
Hawkes model (:class:`titfortat.dynamics.BinnedHawkes`) to D event types
chosen by FILTERs and reports every effect ``i<-j`` with its interval, its
likelihood-ratio test and the shared verdict rule, plus the share of events
triggered by earlier events and a residual check of the fit.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from titfortat._threads import single_blas_thread
from titfortat.effects._common import (
    MIN_EVENTS,
    EventFilter,
    daily_counts,
    decide,
    events_frame,
    parse_filter,
    select_events,
)
from titfortat.effects._health import attempt, hawkes_fit_problems, too_few
from titfortat.exceptions import ConvergenceWarning, DataError, StabilityWarning

__all__ = ["HawkesTable", "hawkes_table"]

#: Columns of :attr:`HawkesTable.effects`, in order.
EFFECT_COLUMNS: tuple[str, ...] = (
    "estimate",
    "ci_lower",
    "ci_upper",
    "lr_statistic",
    "p_value",
    "verdict",
    "reason",
)


_NUMBERS = ("estimate", "ci_lower", "ci_upper", "lr_statistic", "p_value")


def _fmt(x: Any) -> str:
    return x if isinstance(x, str) else f"{x:.4g}"


def _withheld(effects: pd.DataFrame) -> pd.DataFrame:
    """The effects as printed: a not-estimable row's numbers come from a fit
    that failed a check, so the people's view shows ``-`` (as the effect
    table and the forest plot do)."""
    cols = [c for c in _NUMBERS if c in effects]
    out = effects.astype({c: object for c in cols})
    out.loc[(effects["verdict"] == "not_estimable").to_numpy(), cols] = "-"
    return out


@dataclasses.dataclass(frozen=True)
class HawkesTable:
    """Result of :func:`hawkes_table`.

    Attributes
    ----------
    effects : pandas.DataFrame
        One row per ``i<-j`` (the effect of one node-j event on the later
        daily rate of node i), columns ``estimate, ci_lower, ci_upper``
        (profile likelihood by default, the interval that inverts the same
        likelihood ratio as the test; Wald with ``interval="wald"``),
        ``lr_statistic, p_value`` (likelihood-ratio test of
        ``alpha[i<-j] = 0``; chi-bar-squared under the identity link, where
        the null is on the boundary), ``verdict`` and ``reason``, by
        :func:`~titfortat.effects.decide`: a finding only when the interval
        excludes 0 and the test rejects; ``inconclusive`` when they disagree
        (under the identity link the chi-bar-squared test is one-sided while
        the interval is two-sided); ``not_estimable`` for an unhealthy fit
        (not converged, NaN standard error, spectral radius within 0.02 of
        1, the decay on its search bound, too few events of a node).
    share_triggered : pandas.DataFrame or None
        Share of each node's events triggered by earlier events, with
        delta-method intervals (identity link only; None for an unhealthy
        fit, whose reasons are in ``header["problems"]``).
    residual_check : pandas.DataFrame
        KS test of the randomised PIT residuals per node (a small p-value
        says the model misfits that node).
    header : dict
        Model, nodes and their FILTERs, days, decay, fit statistics.
    model : BinnedHawkes
        The fitted model, for anything not in the table.
    """

    effects: pd.DataFrame
    share_triggered: pd.DataFrame | None
    residual_check: pd.DataFrame
    header: dict[str, Any]
    model: Any = dataclasses.field(repr=False)
    warnings_: list[str] = dataclasses.field(default_factory=list)

    def display_frame(self) -> pd.DataFrame:
        """The effects as people read them (the CLI, the HTML report): a
        ``not_estimable`` row's estimate, interval, LR statistic and p-value
        are withheld (``-``); ``effects`` and :meth:`to_json` keep them."""
        return _withheld(self.effects)

    def __str__(self) -> str:
        h = self.header
        lines = [
            f"Hawkes action-reaction table: {h['model']}",
            f"nodes: {', '.join(f'{k} ({v})' for k, v in h['nodes'].items())}",
            f"days {h['first_day']}..{h['last_day']} ({h['n_days']:,}); "
            f"log-lik {h['log_likelihood']:.1f}, AIC {h['aic']:.1f}; "
            f"decay {h['decay']:.3g}/day (mean lag {h['mean_lag_days']:.1f} days); "
            f"spectral radius {h['spectral_radius']:.3f}",
            "",
            "effects i<-j (one event of j on the later daily rate of i), "
            f"{1 - h['alpha']:.0%} {h.get('interval', 'Wald')} CI, LR test:",
            self.display_frame().to_string(
                formatters={c: _fmt for c in _NUMBERS if c in self.effects}
            ),
        ]
        n_withheld = int((self.effects["verdict"] == "not_estimable").sum())
        if n_withheld:
            lines.append(
                f"{n_withheld} not_estimable row(s): numbers withheld here "
                "(reasons below); .effects and to_json() keep them."
            )
        if self.share_triggered is not None:
            lines += [
                "",
                "share of events triggered by earlier events:",
                self.share_triggered.to_string(float_format=lambda x: f"{x:.3f}"),
            ]
        lines += [
            "",
            "residual check (randomised PIT, KS test against Uniform(0, 1)):",
            self.residual_check.to_string(float_format=lambda x: f"{x:.3g}"),
        ]
        if h.get("problems"):
            lines += [
                "",
                "not estimable (no verdicts, no shares): " + "; ".join(h["problems"]),
            ]
        if h["warnings"]:
            lines += ["", *(f"warning: {w}" for w in h["warnings"])]
        return "\n".join(lines)

    def to_json(self) -> str:
        """The table as one JSON object (header, effects, shares, residuals)."""

        def records(frame: pd.DataFrame | None) -> Any:
            if frame is None:
                return None
            return json.loads(frame.to_json(orient="index"))

        return json.dumps(
            {
                "header": self.header,
                "effects": records(self.effects),
                "share_triggered": records(self.share_triggered),
                "residual_check": records(self.residual_check),
            }
        )


@single_blas_thread
def hawkes_table(
    events: Any,
    nodes: Mapping[str, EventFilter],
    *,
    family: Literal["poisson", "negbin"] = "negbin",
    link: Literal["identity", "softplus"] = "identity",
    baseline_segments: int = 1,
    alpha: float = 0.05,
    n_starts: int = 3,
    interval: Literal["profile", "wald"] = "profile",
    rng: int | np.random.Generator | None = 0,
) -> HawkesTable:
    """Fit one day-count Hawkes model to D event types and tabulate every effect.

    Parameters
    ----------
    events : EventStore or pandas.DataFrame
        Canonical events (``date`` and the FILTER columns).
    nodes : mapping of str to FILTER
        Node name to the FILTER selecting its events, e.g.
        ``{"strike": "event_type=strike", "IED": "source_event_type=IED"}``.
        At least two nodes; an event may belong to several.
    family : {"poisson", "negbin"}, default "negbin"
    link : {"identity", "softplus"}, default "identity"
        ``identity``: effects are expected numbers of direct offspring
        (``>= 0``); ``softplus``: effects on the linear predictor, negative
        for deterrence.
    baseline_segments : int, default 1
        Pieces of the window with their own background rate; use more than
        one when the background trends, or the trend is read as excitation.
    alpha : float, default 0.05
        1 - interval level, and the level of the verdicts.
    n_starts : int, default 3
    interval : {"profile", "wald"}, default "profile"
        The interval shown. The profile-likelihood interval inverts the
        likelihood ratio of the test, so the two agree; the Wald interval is
        cheaper (no refits) but crossed 0 beside a rejecting LR test on the
        bundled data.
    rng : int, Generator or None, default 0

    Returns
    -------
    HawkesTable

    Examples
    --------
    >>> from titfortat.effects import simulate_retaliation
    >>> ev = simulate_retaliation(effect=0.8, n_days=400, n_places=3, rng=0)
    >>> t = hawkes_table(ev, {"strike": "event_type=strike",
    ...                       "attack": "event_type=attack"})
    >>> list(t.effects.index)
    ['strike<-strike', 'strike<-attack', 'attack<-strike', 'attack<-attack']
    """
    from titfortat.dynamics import BinnedHawkes

    if len(nodes) < 2:
        raise DataError(
            f"hawkes_table needs at least two nodes (NAME=FILTER). Got {list(nodes)}."
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"The 'alpha' argument must be in (0, 1). Got {alpha!r}.")
    if interval not in ("profile", "wald"):
        raise ValueError(
            f"The 'interval' argument must be 'profile' or 'wald'. Got {interval!r}."
        )
    for spec in nodes.values():
        parse_filter(spec)
    frame = events_frame(events, ["date"])
    selected = {name: select_events(frame, spec) for name, spec in nodes.items()}
    empty = [name for name, fr in selected.items() if fr.empty]
    if empty:
        raise DataError(
            f"No events match the FILTER of node(s) {empty}. Check the values "
            "against the store, e.g. with `titfortat events --format csv`."
        )
    y = daily_counts(selected)
    names = list(nodes)
    model = BinnedHawkes(
        family=family,
        link=link,
        baseline_segments=baseline_segments,
        n_starts=n_starts,
        rng=rng,
    )
    few = too_few("hawkes", {k: float(y[k].sum()) for k in names}, MIN_EVENTS["hawkes"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(y.to_numpy(), nodes=names)
        health = [few, *hawkes_fit_problems(model)]
        health += [
            f"{w.category.__name__}: {w.message}"
            for w in caught
            if issubclass(w.category, (ConvergenceWarning, StabilityWarning))
        ]
        health = [q for q in health if q]
        pnames = [f"alpha[{i}<-{j}]" for i in names for j in names]
        ci = model.conf_int(alpha).loc[pnames]
        kind = "Wald"
        if interval == "profile" and not health:
            prof = attempt(lambda: model.profile_conf_int(pnames, alpha))
            caught.extend(prof.caught)
            # A restricted fit that beats the maximum (a local optimum) makes
            # the whole fit, hence every row, not estimable.
            health += prof.problems
            if prof.value is not None and not prof.problems:
                ci, kind = prof.value, "profile"
        n_caught = len(caught)
        tests = {(i, j): model.lr_test(i, j) for i in names for j in names}
        health += [
            f"{w.category.__name__}: {w.message}"
            for w in caught[n_caught:]
            if issubclass(w.category, (ConvergenceWarning, StabilityWarning))
        ]
        health = list(dict.fromkeys(health))
        rows = {}
        for i in names:
            for j in names:
                pname = f"alpha[{i}<-{j}]"
                lr = tests[(i, j)]
                est = float(model.results_.params[pname])
                lower = float(ci.loc[pname, "ci_lower"])
                upper = float(ci.loc[pname, "ci_upper"])
                if link == "identity":
                    # Truncated to the parameter space: offspring counts are
                    # never negative, so a bound below 0 means 0.
                    lower = max(lower, 0.0)
                se = float(model.results_.std_err[pname])
                row_health = list(health)
                if not np.isfinite(se) and not (link == "identity" and est <= 1e-9):
                    # Under the identity link an estimate on 0 has no Wald
                    # error by construction; its LR test and profile still hold.
                    row_health.append(f"the standard error of {pname} is {se:.3g}")
                d = decide(est, lower, upper, lr.p_value, alpha, problems=row_health)
                rows[f"{i}<-{j}"] = {
                    "estimate": est,
                    "ci_lower": lower,
                    "ci_upper": upper,
                    "lr_statistic": float(lr.statistic),
                    "p_value": float(lr.p_value),
                    "verdict": d.verdict,
                    "reason": d.reason,
                }
        # Shares from an unhealthy fit would read as findings ("100% of
        # strikes triggered" beside NaN errors): withheld, with the reason.
        share = (
            model.share_triggered().summary_frame(alpha)
            if link == "identity" and not health
            else None
        )
        resid = model.residuals(rng=rng).ks_test()
    effects = pd.DataFrame.from_dict(rows, orient="index")[list(EFFECT_COLUMNS)]
    effects.index.name = "effect"
    r = model.results_
    header = {
        "model": model._repr_params(),
        "nodes": {k: str(v) for k, v in nodes.items()},
        "first_day": str(y.index[0].date()),
        "last_day": str(y.index[-1].date()),
        "n_days": int(len(y)),
        "n_events": {k: float(y[k].sum()) for k in names},
        "log_likelihood": float(r.log_likelihood),
        "aic": float(r.aic),
        "bic": float(r.bic),
        "decay": float(model.decay_),
        "mean_lag_days": float(1.0 / (1.0 - np.exp(-model.decay_))),
        "spectral_radius": float(model.spectral_radius()),
        "converged": bool(model.converged_),
        "alpha": alpha,
        "interval": kind,
        "problems": health,
        "warnings": list(
            dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
        ),
    }
    return HawkesTable(
        effects=effects,
        share_triggered=share,
        residual_check=resid,
        header=header,
        model=model,
        warnings_=list(header["warnings"]),
    )
