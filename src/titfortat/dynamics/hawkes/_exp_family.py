"""The one estimator of the exponential family (U >= 1 decays): ``fit``, the
covariance, restricted refits, lower limits and the hooks of
:class:`~titfortat.dynamics.hawkes._family.HawkesFamily`, written once.

:class:`~titfortat.dynamics.ExpHawkes` (U = 1, varying baselines) and
:class:`~titfortat.dynamics.SumExpHawkes` (U decays, constant baseline)
subclass it and declare only their parameters, their starts and their
public conventions: ``_component_names`` (``alpha[a<-b;k]``, ``decay[k]``
and ``adjacency_`` of shape (D, D, U), else ``alpha[a<-b]``, ``decay`` and
(D, D)) and ``_report_fixed_decays`` (a fixed decay is listed in
``results_.params`` with a NaN standard error, else left out).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from titfortat.dynamics._optim import (
    covariance,
    observed_information,
    report_convergence,
)
from titfortat.dynamics.hawkes._exog import positivity_rows
from titfortat.dynamics.hawkes._exp_optimize import _MIN_BASELINE, ExpSpec
from titfortat.dynamics.hawkes._family import HawkesFamily
from titfortat.dynamics.hawkes._rows import restricted_loglik
from titfortat.dynamics.hawkes.baselines import Baseline
from titfortat.dynamics.hawkes.kernels import SumExpKernel
from titfortat.exceptions import DataQualityWarning


class ExpFamilyHawkes(HawkesFamily):
    """Fit and hooks over ``[mu, alpha, gamma, beta]`` (see the module)."""

    link: str
    max_iter: int
    tol: float
    _component_names: bool = True
    _report_fixed_decays: bool = False
    #: With learned decays under the identity link, retry a singular
    #: information holding the estimates on their bound (SumExpHawkes).
    _hold_bound_estimates: bool = False
    _spec: ExpSpec
    _x_all: np.ndarray  # every parameter, natural decays
    _free: np.ndarray  # estimated (not held), over _x_all
    _rep: np.ndarray  # reported in results_.params, over _x_all

    def _starts(
        self,
        arrays: list[np.ndarray],
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        rng: np.random.Generator,
    ) -> list[np.ndarray]:
        raise NotImplementedError

    def _fit(
        self,
        arrays: list[np.ndarray],
        times: np.ndarray,
        marks: np.ndarray,
        names: list[str],
        end_time: float,
        baseline: Baseline,
        *,
        u: int,
        learn: bool,
        rng: np.random.Generator,
        strict: bool,
    ) -> None:
        """Maximise, invert the information and record the fit."""
        d = len(arrays)
        self._baseline = baseline
        self._spec = spec = ExpSpec(self.link, baseline, u, self.max_iter, self.tol)
        size = spec.size(d)
        free = np.ones(size, dtype=bool)
        free[size - u :] = learn
        rep = np.ones(size, dtype=bool) if self._report_fixed_decays else free
        starts = self._starts(arrays, times, marks, end_time, rng)
        x, ll, info = spec.optimize(times, marks, end_time, d, starts, free)
        report_convergence(info, strict=strict, name=type(self).__name__)
        if baseline.terms is not None and self.link == "identity":
            self._warn_baseline_at_bound(x, end_time, names)
        all_names = spec.names(names, self._component_names)
        cov = self._covariance(
            x, times, marks, end_time, d, free, all_names, strict, info
        )
        self._x_all, self._free, self._rep = x, free, rep
        self._x = x[rep]
        mu, alpha, self.decays_ = (v.copy() for v in spec.unpack(x, d))
        # baseline_ is (D,) for a constant baseline, (segments, D) otherwise.
        kseg = baseline.segments
        self.baseline_ = mu if kseg == 1 else mu.reshape(kseg, d)
        self.adjacency_ = alpha if self._component_names else alpha[:, :, 0].copy()
        rep_names = [n for n, r in zip(all_names, rep, strict=True) if r]
        params = pd.Series(self._x, index=rep_names)
        cov_rep = cov[np.ix_(rep, rep)]
        k = int(free.sum())
        self._record_fit(
            names, times, marks, end_time, params, cov_rep, ll, info, free[rep], k
        )

    def _covariance(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        free: np.ndarray,
        names: list[str],
        strict: bool,
        info: dict[str, Any],
    ) -> np.ndarray:
        """Inverse observed information of the ``free`` parameters (NaN rows
        for the others; estimates held on their bound are named in
        ``info``): the analytic Hessian under the identity link with a
        constant or segmented baseline (one O(N (D U)^2) pass), otherwise
        differences of the analytic gradient."""
        spec = self._spec
        at_bound = None
        if self.link == "identity" and spec.cov is None:
            idx = np.flatnonzero(free)
            info_mat = -spec.hessian(x, times, marks, end_time, d)[np.ix_(idx, idx)]
            if self._hold_bound_estimates and free[-1]:
                at_bound = x <= 1e-8  # mu or alpha on its bound
        else:

            def grad(v: np.ndarray) -> np.ndarray:
                return spec.loglik(v, times, marks, end_time, d)[1]

            # Under softplus and relu the log-likelihood separates by target
            # node (rows: mu_i, alpha[i], gamma[i]), so every row is
            # differenced at once; under the identity link a joint step could
            # leave the covariate baseline's positive region, so one at a time.
            blocks = None if self.link == "identity" else spec.row_blocks(d)
            lower = self._lower(x.size, d)
            info_mat = observed_information(grad, x, free, lower, blocks)
        return covariance(
            info_mat, free, strict=strict, at_bound=at_bound, names=names, record=info
        )

    # ------------------------------------------------- hooks of HawkesFamily
    def _full(self, x: np.ndarray) -> np.ndarray:
        """Every parameter from the reported ones ``x`` (fixed decays that
        are not reported come from the fit)."""
        if x.size == self._x_all.size:
            return x
        full = self._x_all.copy()
        full[self._rep] = x
        return full

    def _kernel_for(self, decays: np.ndarray) -> SumExpKernel:
        return SumExpKernel(decays)

    def _kernel_of_fit(self) -> SumExpKernel:
        return self._kernel_for(self.decays_)

    def _kernel_of(self, x: np.ndarray) -> SumExpKernel:
        return self._kernel_for(self._spec.unpack(self._full(x), len(self.nodes_))[2])

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        alpha = self._spec.unpack(self._full(x), len(self.nodes_))[1]
        return alpha.reshape(self.adjacency_.shape)

    def _baseline_params(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        full, d = self._full(x), len(self.nodes_)
        return self._spec.unpack(full, d)[0], self._spec.gamma(full, d)

    def _nonlinear_cumulative(self) -> np.ndarray:
        if not self._baseline.varying:
            return super()._nonlinear_cumulative()
        # A varying baseline is ExpHawkes' (U = 1).
        mu, gamma = self._baseline_params(self._x)
        a, beta = self.adjacency_.reshape(len(self.nodes_), -1), self.decays_[0]
        args = (self._times, self._marks, self.end_time_, mu, a, gamma)
        return self._baseline.design.run(*args, beta, self.link, False, True)[2]

    def _loglik(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        with_grad: bool = True,
    ) -> tuple[float, np.ndarray]:
        """Log-likelihood (and gradient) at every parameter ``x``."""
        d = len(self.nodes_)
        return self._spec.loglik(x, times, marks, end_time, d, with_grad)

    def _loglik_at_fit(
        self, times: np.ndarray, marks: np.ndarray, big_t: float
    ) -> float:
        return self._loglik(self._x_all, times, marks, big_t, False)[0]

    # ------------------------------------------- hooks of LikelihoodInference
    def _alpha_index(self, i: int, j: int) -> list[int]:
        d, u = len(self.nodes_), self._spec.u
        first = self._spec.n_mu(d) + (i * d + j) * u
        return list(range(first, first + u))

    def _restricted_loglik(self, held: dict[int, float]) -> float:
        """Refit with the reported parameters ``held`` fixed, from the fit.

        Identity link, fixed decays and a constant baseline: only the target
        rows holding a parameter are refitted (the others keep their
        maximum). Otherwise every parameter, from the fitted values, all
        events at once.
        """
        spec, d = self._spec, len(self.nodes_)
        pos = np.flatnonzero(self._rep)[list(held)]
        k = self._x_all.size - spec.u
        if (
            self.link == "identity"
            and not self._baseline.varying
            and not self._free[k:].any()
        ):
            return restricted_loglik(
                self._kernel_of_fit(),
                self._times,
                self._marks,
                self.end_time_,
                d,
                self._x_all[:k],
                self.results_.log_likelihood,
                dict(zip(pos.tolist(), held.values(), strict=True)),
                self.max_iter,
                self.tol,
            )
        x0, free = self._x_all.copy(), self._free.copy()
        x0[pos], free[pos] = list(held.values()), False
        if not free[k:].all():  # a held decay holds them all
            free[k:] = False
        _, ll0, _ = spec.optimize(
            self._times, self._marks, self.end_time_, d, [x0], free, warm=False
        )
        return ll0

    def _lower_limits(self) -> np.ndarray:
        return self._lower(self._x_all.size, len(self.nodes_))[self._rep]

    def _lower(self, size: int, d: int) -> np.ndarray:
        # 0 for mu and alpha under the identity link and for mu under relu;
        # the decays stay strictly positive (fitted on the log scale); the
        # covariate effects are free.
        n_mu = self._spec.n_mu(d)
        lower = np.full(size, -np.inf)
        n_pos = {"identity": n_mu + self._spec.n_alpha(d), "relu": n_mu}
        lower[: n_pos.get(self.link, 0)] = 0.0
        lower[size - self._spec.u :] = 1e-10
        return lower

    def _profiled(self) -> np.ndarray:
        return self._free[self._rep]

    def _warn_baseline_at_bound(
        self, x: np.ndarray, end_time: float, names: list[str]
    ) -> None:
        """Warn when a covariate piece's baseline sits on its positivity bound."""
        cov = self._spec.cov
        assert cov is not None
        d = len(names)
        vals = cov.piece_values(end_time)
        base = (positivity_rows(cov, end_time, d, x.size) @ x).reshape(d, -1)
        hit = base <= 10 * _MIN_BASELINE
        if hit.any():
            i, m = np.argwhere(hit)[0]
            terms = cov.param_names(names[i])
            where = ", ".join(
                f"{c}={v:g}" for c, v in zip(terms, vals[m], strict=True) if v != 0
            )
            where = where or "every covariate is 0"
            warnings.warn(
                f"The baseline of node {names[i]!r} is at its positivity bound "
                f"where {where} ({int(hit.sum())} node-piece pair(s) in all): the "
                "fit puts (almost) no background events there. With a spline the "
                "bound (every B-spline coefficient positive) is only sufficient "
                "and can bind earlier. Wald intervals of the parameters in that "
                "constraint are indicative only; use lr_test or "
                "profile_conf_int, or drop the covariate or spline terms.",
                DataQualityWarning,
                stacklevel=4,
            )
