"""Likelihood-ratio tests, profile-likelihood and bootstrap intervals of
:class:`ExpHawkes` (a mixin; each refits through ``_optimize``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from titfortat._threads import single_blas_thread
from titfortat._validation import check_is_fitted
from titfortat.dynamics._optim import (
    parametric_bootstrap,
    profile_bounds,
    warn_if_not_maximum,
)
from titfortat.dynamics.hawkes._exog import PiecewiseCovariates
from titfortat.dynamics.hawkes._exp_optimize import _ExpOptimize
from titfortat.results import FitResult, LRTestResult


class _ExpInference(_ExpOptimize):
    """``lr_test``, ``profile_conf_int`` and ``bootstrap`` for ExpHawkes."""

    # Set by ExpHawkes.__init__ / fit.
    tie_breaking: str
    rng: int | np.random.Generator | None
    _free: np.ndarray
    _exog_terms: PiecewiseCovariates | None

    get_params: Callable[..., dict[str, Any]]  # from BaseEstimator

    @single_blas_thread
    def lr_test(self, i: int | str, j: int | str) -> LRTestResult:
        """Likelihood-ratio test of ``alpha[i<-j] = 0`` (no effect of j on i).

        Under the identity link the null is on the boundary, so the p-value
        uses the 50:50 chi-bar-squared mixture; under softplus and relu it is
        chi2(1).
        """
        check_is_fitted(self)
        d = len(self.nodes_)
        ii, jj = self._node_index(i), self._node_index(j)
        p = self.baseline_segments * d + ii * d + jj
        x0 = self._x.copy()
        x0[p] = 0.0
        x0[-1] = np.log(x0[-1])
        free = self._free.copy()
        free[p] = False
        _, ll0, _ = self._optimize(
            self._times, self._marks, self.end_time_, d, [x0], free
        )
        ll1 = self.results_.log_likelihood
        a, b = self.nodes_[ii], self.nodes_[jj]
        warn_if_not_maximum(type(self).__name__, ll1, ll0, f"alpha[{a}<-{b}] = 0")
        return LRTestResult(
            null=f"alpha[{a}<-{b}] = 0",
            statistic=max(2.0 * (ll1 - ll0), 0.0),
            df=1,
            boundary=self.link == "identity",
            ll_full=ll1,
            ll_restricted=ll0,
        )

    @single_blas_thread
    def profile_conf_int(
        self, params: Sequence[str] | None = None, alpha: float = 0.05
    ) -> pd.DataFrame:
        """Profile-likelihood intervals: where ``2 (ll_max - ll_profile)`` hits chi2(1).

        Each bound re-maximises the other parameters, so this costs a few dozen
        fits per parameter; pass ``params`` to limit it.
        """
        from scipy import stats

        check_is_fitted(self)
        d = len(self.nodes_)
        names = list(self.results_.params.index)
        chosen = names if params is None else list(params)
        crit = stats.chi2.ppf(1 - alpha, 1) / 2.0
        ll_hat = self.results_.log_likelihood
        se = self.results_.std_err
        rows = {}
        best: list[tuple[float, str]] = []  # every restricted fit's (ll, what)
        for name in chosen:
            p = names.index(name)
            if not self._free[p]:
                rows[name] = (np.nan, np.nan)
                continue

            def gap(v: float, p: int = p) -> float:
                x0 = self._x.copy()
                x0[p] = v
                x0[-1] = np.log(x0[-1]) if p != x0.size - 1 else np.log(v)
                free = self._free.copy()
                free[p] = False
                _, ll0, _ = self._optimize(
                    self._times, self._marks, self.end_time_, d, [x0], free
                )
                best.append((ll0, f"{names[p]} = {v:.4g}"))
                return float(ll_hat - ll0 - crit)

            est = self._x[p]
            step = se.iloc[p] if np.isfinite(se.iloc[p]) else max(abs(est), 0.1)
            # Lower bound 0 for the decay, for mu and alpha under the identity
            # link and for mu under relu; covariate effects are free.
            n_mu = self.baseline_segments * d
            positive = (
                p == self._x.size - 1
                or (self.link == "identity" and p < n_mu + d * d)
                or (self.link == "relu" and p < n_mu)
            )
            # The decay must stay strictly positive (it is fitted on the log
            # scale), so its edge is a tiny positive value.
            is_decay = p == self._x.size - 1
            lower_lim = (1e-10 if is_decay else 0.0) if positive else -np.inf
            rows[name] = profile_bounds(gap, float(est), float(step), lower_lim)
        if best:
            warn_if_not_maximum(type(self).__name__, ll_hat, *max(best))
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["ci_lower", "ci_upper"]
        )

    @single_blas_thread
    def bootstrap(self, n_boot: int = 100) -> FitResult:
        """Parametric bootstrap: simulate from the fit, refit, store the draws.

        Returns a copy of ``results_`` whose ``conf_int(method="bootstrap")``
        gives percentile intervals.
        """
        check_is_fitted(self)

        def draw(rng: np.random.Generator) -> list[np.ndarray] | None:
            sim = self.simulator(rng=rng).run_arrays()
            if self.tie_breaking == "jitter":
                # Reproduce the data-generating steps: day stamps, then jitter.
                sim = [np.floor(a) for a in sim]
            # A node without events cannot be refitted.
            return None if any(a.size == 0 for a in sim) else sim

        return parametric_bootstrap(
            self,
            n_boot,
            draw,
            end_time=self.end_time_,
            nodes=self.nodes_,
            exog=self._exog_terms,
        )
