"""Likelihood-based inference of :class:`BinnedHawkes`: LR tests, profile
intervals and the parametric bootstrap (a mixin; each method refits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from titfortat._threads import single_blas_thread
from titfortat._validation import check_is_fitted
from titfortat.dynamics._optim import (
    parametric_bootstrap,
    profile_bounds,
    warn_if_not_maximum,
)
from titfortat.results import FitResult, LRTestResult


class _BinnedInference:
    """``lr_test``, ``profile_conf_int`` and ``bootstrap`` for BinnedHawkes."""

    # Set by BinnedHawkes.__init__ / fit.
    link: Literal["identity", "softplus"]
    nodes_: list[str]
    results_: FitResult
    _x: np.ndarray
    _y: np.ndarray
    _free: np.ndarray
    _exog: np.ndarray | None
    # Supplied by BinnedHawkes.
    _blocks: Callable[[int], dict[str, slice]]
    _optimize: Callable[..., tuple[np.ndarray, float, dict[str, Any]]]
    simulator: Callable[..., Any]

    @single_blas_thread
    def lr_test(self, i: int | str, j: int | str) -> LRTestResult:
        """Likelihood-ratio test of ``alpha[i<-j] = 0`` (chi-bar-squared p-value)."""
        check_is_fitted(self)
        d = len(self.nodes_)
        ii = self.nodes_.index(i) if isinstance(i, str) else int(i)
        jj = self.nodes_.index(j) if isinstance(j, str) else int(j)
        p = self._blocks(d)["alpha"].start + ii * d + jj
        x0 = self._x.copy()
        x0[p] = 0.0
        free = self._free.copy()
        free[p] = False
        _, ll0, _ = self._optimize(self._y, [x0], free, restricted=True)
        ll1 = self.results_.log_likelihood
        null = f"alpha[{self.nodes_[ii]}<-{self.nodes_[jj]}] = 0"
        warn_if_not_maximum("BinnedHawkes", ll1, ll0, null)
        return LRTestResult(
            null=null,
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
        """Profile-likelihood intervals, where ``2 (ll_max - ll_profile)``
        reaches the chi2(1) quantile.

        Each bound re-maximises all other parameters, so this costs a few
        dozen fits per parameter; pass ``params`` (names from
        ``results_.params.index``) to limit it. Unlike Wald intervals they
        follow the curvature of the likelihood, which matters for small
        excitations near 0 and for the decay. A bound that reaches the edge
        of the parameter space (0 for baselines and, with the identity link,
        excitations; the decay stays positive) is that edge.

        Examples
        --------
        >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
        >>> y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=600, rng=1).run()
        >>> m = BinnedHawkes(n_starts=1).fit(y)
        >>> ci = m.profile_conf_int(["alpha[0<-0]"])
        >>> bool(ci.loc["alpha[0<-0]", "ci_lower"] < m.adjacency_[0, 0]
        ...      < ci.loc["alpha[0<-0]", "ci_upper"])
        True
        """
        from scipy import special

        check_is_fitted(self)
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"The 'alpha' argument must be in (0, 1). Got {alpha!r}.")
        d = len(self.nodes_)
        names = list(self.results_.params.index)
        chosen = names if params is None else list(params)
        unknown = [n for n in chosen if n not in names]
        if unknown:
            raise ValueError(
                f"Unknown parameter name(s) {unknown}; choose from {names}."
            )
        crit = special.chdtri(1, alpha) / 2.0  # chi2(1).ppf(1 - alpha)
        ll_hat = self.results_.log_likelihood
        se = self.results_.std_err.to_numpy(float)
        b = self._blocks(d)
        rows: dict[str, tuple[float, float]] = {}
        best: list[tuple[float, str]] = []  # every restricted fit's (ll, what)
        for name in chosen:
            p = names.index(name)
            if not self._free[p]:
                rows[name] = (np.nan, np.nan)
                continue

            # Continuation: each restricted fit starts from the optimum of the
            # nearest value already profiled (the MLE at first). Brent's steps
            # are close together, so this cuts L-BFGS-B's iterations several
            # fold against restarting from the MLE each time (issue 14).
            solved: list[tuple[float, np.ndarray]] = [(float(self._x[p]), self._x)]

            def gap(v: float, p: int = p, solved: list[Any] = solved) -> float:
                x0 = min(solved, key=lambda s: abs(s[0] - v))[1].copy()
                x0[p] = v
                free = self._free.copy()
                free[p] = False
                x1, ll0, _ = self._optimize(self._y, [x0], free, restricted=True)
                best.append((ll0, f"{names[p]} = {v:.4g}"))
                solved.append((v, np.asarray(x1, dtype=float)))
                return float(ll_hat - ll0 - crit)

            est = float(self._x[p])
            step = se[p] if np.isfinite(se[p]) else max(abs(est), 0.1)
            if b["decay"].start <= p < b["size"].stop:
                lower = 1e-6 * est  # decay and sizes are positive (log scale)
            elif p < b["decay"].start and self.link == "identity":
                lower = 0.0
            else:
                lower = -np.inf
            rows[name] = profile_bounds(gap, est, step, lower)
        if best:
            warn_if_not_maximum("BinnedHawkes", ll_hat, *max(best))
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["ci_lower", "ci_upper"]
        )

    @single_blas_thread
    def bootstrap(self, n_boot: int = 100) -> FitResult:
        """Parametric bootstrap; the returned result supports
        ``conf_int(method="bootstrap")``."""
        check_is_fitted(self)
        return parametric_bootstrap(
            self,
            n_boot,
            lambda rng: self.simulator(rng=rng).run_counts(),
            nodes=self.nodes_,
            exog=self._exog,
        )
