"""Count autoregressions (reaction functions) and Granger tests on daily series."""

from __future__ import annotations

import dataclasses
import warnings
from numbers import Integral
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from scipy import optimize, stats

from titfortat._threads import single_blas_thread
from titfortat._validation import BaseEstimator, Interval, Options, check_is_fitted
from titfortat.effects._common import ci_frame
from titfortat.exceptions import ConvergenceWarning, DataError, HessianWarning
from titfortat.results import DerivedResult, FitResult

__all__ = ["CountAutoregression", "GrangerResult", "granger"]


def _design(
    y: pd.DataFrame,
    outcome: str,
    cause: str,
    n_lags: int,
    *,
    trend: bool,
    seasonality: str,
    transform_own: bool,
) -> tuple[pd.Series, pd.DataFrame]:
    # Built from numpy columns and framed once: a dict of shifted Series made
    # pandas align 20+ indexes per design, and Granger builds 15 designs.
    n = len(y)
    cols: dict[str, np.ndarray] = {"const": np.ones(n)}
    if trend:
        t = np.arange(n, dtype=float)
        cols["trend"] = (t - t.mean()) / max(n, 1)
    own = y[outcome].to_numpy(float)
    own = np.log1p(own) if transform_own else own
    cause_v = y[cause].to_numpy(float)
    for prefix, v in ((f"{outcome}_own", own), (cause, cause_v)):
        for lag in range(1, n_lags + 1):
            cols[f"{prefix}[L{lag}]"] = np.concatenate(
                [np.full(min(lag, n), np.nan), v[: max(n - lag, 0)]]
            )
    if isinstance(y.index, pd.DatetimeIndex):
        calendar = []
        if seasonality in ("dow", "dow+month"):
            calendar.append(("dow", y.index.day_of_week.to_numpy()))
        if seasonality == "dow+month":
            calendar.append(("month", y.index.month.to_numpy()))
        for prefix, codes in calendar:
            # Dummies for every value present but the smallest (as
            # pandas.get_dummies(..., drop_first=True) names them).
            for c in np.unique(codes)[1:]:
                cols[f"{prefix}_{c}"] = (codes == c).astype(float)
    x = pd.DataFrame(cols, index=y.index).iloc[n_lags:]
    return y[outcome].iloc[n_lags:].astype(float), x


def _check_pair(y: pd.DataFrame, outcome: str, cause: str, n_lags: int) -> None:
    for c in (outcome, cause):
        if c not in y.columns:
            raise DataError(
                f"Column {c!r} is not in the daily counts. Expected one of "
                f"{list(y.columns)}. Got {c!r}."
            )
    if len(y) < 4 * n_lags + 20:
        raise DataError(
            f"{len(y)} days are too few for {n_lags} lags of two series; expected "
            f"at least {4 * n_lags + 20}. Use fewer lags or a longer period."
        )


class CountAutoregression(BaseEstimator):
    """Poisson or negative-binomial reaction function of daily counts.

    .. math::

        \\log E[y_t \\mid \\text{past}] = c + \\delta t + s(t)
        + \\sum_{l=1}^{L} a_l \\log(1 + y_{t-l}) + \\sum_{l=1}^{L} b_l x_{t-l}

    for outcome :math:`y` and cause :math:`x` (Jaeger and Paserman 2008),
    :math:`s(t)` day-of-week (and month) effects. The cumulative lag effect
    :math:`\\sum_l b_l` → ``cumulative_effect()`` is the log rate ratio of the
    outcome after one more cause event spread over the ``L`` following days
    (positive: escalation). Own lags enter as ``log(1 + y)`` so the model
    cannot explode. statsmodels does the fitting (``GLM`` Poisson with
    HC0 robust errors; negative binomial NB2 with the dispersion profiled
    out by a scalar search and HC0 errors given the dispersion).

    Parameters
    ----------
    family : {"poisson", "negbin"}, default "negbin"
    n_lags : int, default 7
    trend : bool, default True
    seasonality : {"none", "dow", "dow+month"}, default "dow"

    Attributes
    ----------
    results_ : FitResult
    warnings_ : list of str
        Every warning statsmodels raised during the fit (none dropped).
    dispersion_ : float
        NB2 dispersion ``alpha`` (variance ``mu + alpha mu^2``; negbin only).
    outcome_, cause_ : str
    n_obs_ : int

    Examples
    --------
    >>> from titfortat.effects import simulate_retaliation
    >>> from titfortat.effects import daily_pair
    >>> ev = simulate_retaliation(effect=0.5, n_days=300, rng=0)
    >>> y = daily_pair(ev[ev.event_type == "strike"], ev[ev.event_type == "attack"])
    >>> m = CountAutoregression(family="poisson").fit(
    ...     y, outcome="outcome", cause="treatment")
    >>> list(m.cumulative_effect().summary_frame().columns)
    ['estimate', 'std_err', 'ci_lower', 'ci_upper']
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "family": [Options({"poisson", "negbin"})],
        "n_lags": [Interval(Integral, 1, None)],
        "trend": ["boolean"],
        "seasonality": [Options({"none", "dow", "dow+month"})],
    }

    def __init__(
        self,
        *,
        family: Literal["poisson", "negbin"] = "negbin",
        n_lags: int = 7,
        trend: bool = True,
        seasonality: Literal["none", "dow", "dow+month"] = "dow",
    ) -> None:
        self.family = family
        self.n_lags = n_lags
        self.trend = trend
        self.seasonality = seasonality

    @single_blas_thread
    def fit(self, counts: pd.DataFrame, *, outcome: str, cause: str) -> Self:
        """Fit the reaction function of ``outcome`` to lags of ``cause``.

        Parameters
        ----------
        counts : DataFrame
            Daily counts, one column per series, indexed by date.
        outcome, cause : str
            Column names.

        Returns
        -------
        self
        """
        from statsmodels.genmod import families
        from statsmodels.genmod.generalized_linear_model import GLM

        self._validate_params()
        _check_pair(counts, outcome, cause, self.n_lags)
        y, x = _design(
            counts,
            outcome,
            cause,
            self.n_lags,
            trend=self.trend,
            seasonality=self.seasonality,
            transform_own=True,
        )
        with warnings.catch_warnings(record=True) as caught:
            # statsmodels' warnings are kept on ``warnings_`` (none dropped);
            # a failed fit is reported as one ConvergenceWarning below, and
            # its separation warnings as a HessianWarning-free problem in
            # fit_problems().
            warnings.simplefilter("always")
            if self.family == "poisson":
                res = GLM(y, x, family=families.Poisson()).fit(cov_type="HC0")
                converged = bool(res.converged)
            else:
                # NB2 by profiling the dispersion: a bounded scalar search over
                # log(alpha) around GLM fits (glm.nb's scheme). statsmodels'
                # joint NegativeBinomial MLE stalls or stops at its start on
                # series of 100+ events a day, which this avoids.
                # Each fit starts from the last one's coefficients: Brent's
                # steps are close, so IRLS converges in fewer iterations to the
                # same optimum (its deviance tolerance is unchanged).
                last: list[Any] = [None]

                def nll(log_a: float) -> float:
                    fam = families.NegativeBinomial(alpha=float(np.exp(log_a)))
                    fit = GLM(y, x, family=fam).fit(start_params=last[0])
                    if np.all(np.isfinite(fit.params)):
                        last[0] = np.asarray(fit.params)
                    return -float(fit.llf)

                opt = optimize.minimize_scalar(
                    nll, bounds=(np.log(1e-8), np.log(50.0)), method="bounded"
                )
                self.dispersion_ = float(np.exp(opt.x))
                fam = families.NegativeBinomial(alpha=self.dispersion_)
                res = GLM(y, x, family=fam).fit(cov_type="HC0")
                converged = bool(opt.success and res.converged)
            ll = float(res.llf)
        self.warnings_ = list(
            dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
        )
        if not converged:
            warnings.warn(
                f"{type(self).__name__} ({self.family}) did not converge for "
                f"{outcome}<-{cause}; estimates may be unreliable. Try "
                "family='poisson' or fewer lags.",
                ConvergenceWarning,
                stacklevel=2,
            )
        params = pd.Series(np.asarray(res.params, float), index=list(res.params.index))
        cov_arr = np.asarray(res.cov_params(), float)
        if not np.all(np.isfinite(np.diag(cov_arr))):
            warnings.warn(
                f"{type(self).__name__} ({self.family}) for {outcome}<-{cause}: "
                "the covariance is not finite, so standard errors are NaN. Use "
                "fewer lags or drop the seasonality.",
                HessianWarning,
                stacklevel=2,
            )
            # A singular information matrix is not a converged fit.
            converged = False
        cov = pd.DataFrame(cov_arr, index=params.index, columns=params.index)
        self.outcome_, self.cause_ = outcome, cause
        self.n_obs_ = int(len(y))
        self._separation = _separation(y, x, cause, self.n_lags)
        self.results_ = FitResult.from_estimates(
            params=params,
            cov_params=cov.to_numpy(),
            log_likelihood=ll,
            n_obs=self.n_obs_,
            n_events=int(y.sum()),
            n_nodes=2,
            end_time=float(len(counts)),
            model_repr=self._repr_params(),
            converged=converged,
        )
        return self

    def fit_problems(self) -> list[str]:
        """Why the cumulative effect cannot be trusted (empty when it can).

        Not converged; a non-finite or zero standard error of the lag sum;
        quasi-separation (the outcome is 0 on every day after a cause event
        at some lag, so that lag's coefficient runs to minus infinity: with
        5 events of one faction this gave -82 with p = 3e-67); a
        statsmodels separation or convergence warning; or a lag sum beyond
        ``|10|`` (a rate ratio beyond 22,000, which only a diverging fit
        produces on daily counts).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> y = pd.DataFrame({"a": rng.poisson(2.0, 200).astype(float),
        ...                   "b": np.zeros(200)})
        >>> y.iloc[[20, 90], 1] = 1.0
        >>> y.iloc[21:28, 0] = 0.0; y.iloc[91:98, 0] = 0.0
        >>> m = CountAutoregression(family="poisson").fit(y, outcome="a", cause="b")
        >>> m.fit_problems()[0][:16]
        'quasi-separation'
        """
        check_is_fitted(self)
        out: list[str] = []
        if not self.results_.converged:
            out.append("the fit did not converge")
        out.extend(self._separation)
        bad = [
            m
            for m in self.warnings_
            if m.startswith(("PerfectSeparation", "ConvergenceWarning"))
        ]
        out.extend(f"statsmodels: {m}" for m in bad)
        f = self.cumulative_effect()
        est, se = float(f.estimate.iloc[0]), float(f.std_err.iloc[0])
        if not np.isfinite(se) or se <= 0:
            out.append(f"the standard error of the lag sum is {se:.3g}")
        if np.isfinite(est) and abs(est) > 10:
            out.append(f"the lag sum {est:.3g} diverges (separation)")
        # The NB2 dispersion is searched in [1e-8, 50]; 1e-8 is the declared
        # Poisson limit, 50 only where the search stopped.
        if self.family == "negbin" and self.dispersion_ >= 49.9:
            out.append(
                f"the dispersion {self.dispersion_:.3g} sits on its search bound 50"
            )
        return out

    def cumulative_effect(self) -> DerivedResult:
        """Sum of the cause's lag coefficients, with its standard error."""
        check_is_fitted(self)
        p = self.results_.params
        names = [f"{self.cause_}[L{lag}]" for lag in range(1, self.n_lags + 1)]
        w = p.index.isin(names).astype(float)
        cov = np.asarray(self.results_.cov_params, float)
        est = float(w @ p.to_numpy())
        se = float(np.sqrt(max(w @ cov @ w, 0.0)))
        key = f"{self.outcome_}<-{self.cause_}"
        return DerivedResult(
            "cumulative_effect",
            pd.Series([est], index=[key]),
            pd.Series([se], index=[key]),
        )

    def summary(self, alpha: float = 0.05) -> Any:
        """Parameter table; see :meth:`titfortat.results.FitResult.summary`."""
        check_is_fitted(self)
        return self.results_.summary(alpha)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals (HC0 errors) of every coefficient, columns
        ``ci_lower, ci_upper``; see :meth:`titfortat.results.FitResult.conf_int`."""
        check_is_fitted(self)
        return self.results_.conf_int(alpha)

    def _fit_status(self) -> str:
        if "results_" not in vars(self):
            return "not fitted"
        return f"fitted: {self.outcome_}<-{self.cause_}, {self.n_obs_:,} days"


def _separation(y: pd.Series, x: pd.DataFrame, cause: str, n_lags: int) -> list[str]:
    """Quasi-separation of the cause's lags: a lag whose nonzero days all have
    an outcome of 0 (the MLE of its coefficient is minus infinity), or a lag
    that is 0 on every day (not identified)."""
    out = []
    yy = y.to_numpy(float)
    for lag in range(1, n_lags + 1):
        col = x[f"{cause}[L{lag}]"].to_numpy(float)
        on = col > 0
        if not on.any():
            return [f"{cause} has no events in the fitted sample (not identified)"]
        if yy[on].sum() == 0:
            out.append(
                f"quasi-separation: the outcome is 0 on all {int(on.sum())} days "
                f"{lag} day(s) after a {cause} event"
            )
    return out[:3]


@dataclasses.dataclass(frozen=True)
class GrangerResult:
    """Granger test of ``effect <- cause`` with the chosen lag order.

    Attributes
    ----------
    lag_order : int
        Chosen by AIC of the unrestricted regression over ``1..max_lag`` on a
        common sample.
    f_statistic, p_value : float
        F test that all lags of the cause are zero.
    df : tuple of int
        Numerator and denominator degrees of freedom.
    sum_coef, sum_std_err : float
        Sum of the cause's lag coefficients (events of the effect per cause
        event) and its standard error: the test's sign, not its size.
    """

    direction: str
    lag_order: int
    f_statistic: float
    p_value: float
    df: tuple[int, int]
    sum_coef: float
    sum_std_err: float
    n_obs: int

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """t interval of ``sum_coef``: one row ``sum_coef``, columns
        ``ci_lower, ci_upper``."""
        q = float(stats.t.ppf(1 - alpha / 2, self.df[1]))
        e, s = self.sum_coef, self.sum_std_err
        return ci_frame("sum_coef", e - q * s, e + q * s)

    def __str__(self) -> str:
        return (
            f"Granger {self.direction}: lag order {self.lag_order} (AIC), "
            f"F({self.df[0]}, {self.df[1]}) = {self.f_statistic:.3f}, "
            f"p = {self.p_value:.4g}, sum of lag coefficients {self.sum_coef:+.4g}"
        )


@single_blas_thread
def granger(
    counts: pd.DataFrame,
    *,
    effect: str,
    cause: str,
    max_lag: int = 14,
    trend: bool = True,
) -> GrangerResult:
    """Granger causality test of ``effect <- cause`` (OLS with a trend).

    Regresses the effect series on a constant, a linear trend and lags
    ``1..p`` of both series (statsmodels OLS); ``p`` minimises AIC over
    ``1..max_lag`` on the common sample after ``max_lag`` days. The F test of
    the cause's lags says whether the cause helps predict the effect, not
    whether it causes it, nor how much.

    Examples
    --------
    >>> from titfortat.effects import simulate_retaliation
    >>> from titfortat.effects import daily_pair
    >>> ev = simulate_retaliation(effect=0.5, n_days=300, rng=0)
    >>> y = daily_pair(ev[ev.event_type == "strike"], ev[ev.event_type == "attack"])
    >>> r = granger(y, effect="outcome", cause="treatment", max_lag=5)
    >>> 1 <= r.lag_order <= 5
    True
    """
    # statsmodels' modules, not statsmodels.api: the api imports every model
    # family and took 0.7 s more of `titfortat effect` (issue 14).
    from statsmodels.regression.linear_model import OLS

    if not isinstance(max_lag, Integral) or max_lag < 1:
        raise ValueError(f"max_lag must be an int >= 1. Got {max_lag!r}.")
    _check_pair(counts, effect, cause, int(max_lag))
    best: tuple[float, int] | None = None
    fits = {}
    for p in range(1, int(max_lag) + 1):
        y, x = _design(
            counts,
            effect,
            cause,
            p,
            trend=trend,
            seasonality="none",
            transform_own=False,
        )
        y, x = y.iloc[max_lag - p :], x.iloc[max_lag - p :]
        res = OLS(y, x).fit()
        fits[p] = (y, x)
        if best is None or res.aic < best[0]:
            best = (float(res.aic), p)
    assert best is not None
    p = best[1]
    y, x = _design(
        counts, effect, cause, p, trend=trend, seasonality="none", transform_own=False
    )
    res = OLS(y, x).fit()
    names = [f"{cause}[L{lag}]" for lag in range(1, p + 1)]
    r = np.zeros((p, x.shape[1]))
    for k, nm in enumerate(names):
        r[k, list(x.columns).index(nm)] = 1.0
    ft = res.f_test(r)
    w = np.asarray(x.columns.isin(names), float)
    cov = np.asarray(res.cov_params(), float)
    return GrangerResult(
        direction=f"{effect}<-{cause}",
        lag_order=p,
        f_statistic=float(np.squeeze(ft.fvalue)),
        p_value=float(ft.pvalue),
        df=(int(ft.df_num), int(ft.df_denom)),
        sum_coef=float(w @ np.asarray(res.params, float)),
        sum_std_err=float(np.sqrt(max(w @ cov @ w, 0.0))),
        n_obs=int(len(y)),
    )
