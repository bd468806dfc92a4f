"""Diagnostics of :class:`ExpHawkes`: methods that read its fitted state
(the public attributes and the fit's :class:`ExpSpec`, ``_spec``) and never
refit. One flat base of the estimator, kept apart so each module stays
readable."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from titfortat._validation import check_is_fitted
from titfortat.dynamics.hawkes._exog import PiecewiseCovariates
from titfortat.dynamics.hawkes._exp_optimize import ExpSpec
from titfortat.dynamics.hawkes._rows import _segments
from titfortat.dynamics.hawkes._simulate import (
    HawkesSimulator,
    _PiecewiseBaselineSimulator,
)
from titfortat.dynamics.hawkes.kernels import ExpKernel
from titfortat.results import FitResult


class _ExpDiagnostics:
    """The fitted-model diagnostics of :class:`ExpHawkes`."""

    # Set by ExpHawkes.__init__ / fit.
    link: Literal["identity", "softplus", "relu"]
    baseline_segments: int
    nodes_: list[str]
    end_time_: float
    baseline_: np.ndarray
    adjacency_: np.ndarray
    decay_: float
    exog_coef_: np.ndarray
    results_: FitResult
    _x: np.ndarray
    _times: np.ndarray
    _marks: np.ndarray
    _spec: ExpSpec

    def _varying_baseline(self) -> bool:
        return self.baseline_segments > 1 or self._spec.cov is not None

    def _baseline_at(self, x: np.ndarray, t: np.ndarray, node: np.ndarray) -> Any:
        """``mu_node(t)`` at times ``t`` (segments or covariates) under ``x``."""
        k, d = self.baseline_segments, len(self.nodes_)
        mu = self._spec.unpack(x, d)[0].reshape(k, d)
        cov = self._spec.cov
        if cov is not None:
            gamma = self._spec.gamma(x, d)
            return mu[0, node] + np.einsum("np,np->n", cov.at(t), gamma[node])
        return mu[_segments(t, self.end_time_, k), node]

    def _baseline_integral(self, t: np.ndarray, node: np.ndarray) -> np.ndarray:
        """``int_0^t mu_node(s) ds`` for a piecewise-constant baseline."""
        k, d = self.baseline_segments, len(self.nodes_)
        mu = self._spec.unpack(self._x, d)[0].reshape(k, d)
        cov = self._spec.cov
        if cov is not None:
            gamma = self._spec.gamma(self._x, d)
            res: np.ndarray = mu[0, node] * t + np.einsum(
                "np,np->n", cov.cumulative(t), gamma[node]
            )
            return res
        length = self.end_time_ / k
        starts = np.arange(k) * length
        overlap = np.clip(t[:, None] - starts[None, :], 0.0, length)  # (n, K)
        out: np.ndarray = np.einsum("nk,nk->n", overlap, mu[:, node].T)
        return out

    def _mat(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        return self._spec.unpack(x, len(self.nodes_))

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        return self._mat(x)[1]

    def _kernel_of_fit(self) -> ExpKernel:
        return ExpKernel(self.decay_)

    def _kernel_of(self, x: np.ndarray) -> ExpKernel:
        return ExpKernel(self._mat(x)[2])

    def _nonlinear_cumulative(self) -> np.ndarray:
        design = self._spec.design
        if design is None:  # a constant baseline
            return super()._nonlinear_cumulative()  # type: ignore[misc, no-any-return]
        mu, a, beta = self._mat(self._x)
        gamma = self._spec.gamma(self._x, len(self.nodes_))
        args = (self._times, self._marks, self.end_time_, mu, a, gamma, beta)
        return design.run(*args, self.link, False, True)[2]

    def simulator(
        self,
        *,
        end_time: float | None = None,
        rng: int | np.random.Generator | None = None,
        max_events: int | None = None,
    ) -> HawkesSimulator:
        """A :class:`HawkesSimulator` of the fitted model.

        With ``exog`` the baseline follows the covariates' pieces (which may
        extend past the fitted window when ``end_time`` is larger; a spline
        is held at its end value there). Under softplus and relu with a
        varying baseline the simulator thins against a bound of the baseline
        on each covariate piece or spline span (the exact maximum of the
        cubic there), so the draw is exact.
        """
        check_is_fitted(self)
        big_t = self.end_time_ if end_time is None else float(end_time)
        design = self._spec.design
        if design is not None:
            d = len(self.nodes_)
            mu, a, beta = self._mat(self._x)
            km, kg = design.kernel_params(mu, self._spec.gamma(self._x, d))
            link: Literal["softplus", "relu"] = (
                "relu" if self.link == "relu" else "softplus"
            )
            return _PiecewiseBaselineSimulator(
                km,
                kg,
                design.brk,
                design.poly,
                design.baseline_bounds(mu, self._spec.gamma(self._x, d), big_t),
                a,
                beta,
                end_time=big_t,
                link=link,
                max_events=max_events,
                rng=rng,
                nodes=self.nodes_,
            )
        cov = self._spec.cov
        if cov is not None and not isinstance(cov, PiecewiseCovariates):
            # Smooth (spline) baseline: exact thinning of the background under
            # the largest B-spline coefficient, which bounds the combination
            # (B-splines are non-negative and sum to one).
            terms = cov
            coef = (
                self.baseline_[:, None] + self.exog_coef_ @ terms.piece_values(big_t).T
            )
            mu, gamma = self.baseline_, self.exog_coef_

            def rates(t: np.ndarray) -> np.ndarray:
                out: np.ndarray = mu[None, :] + terms.at(t) @ gamma.T
                return out

            return HawkesSimulator(
                rates,
                self.adjacency_,
                self.decay_,
                end_time=big_t,
                rng=rng,
                nodes=self.nodes_,
                baseline_max=coef.max(axis=1),
            )
        if cov is not None:
            used = cov.knots < big_t
            base = self.baseline_[None, :] + cov.values[used] @ self.exog_coef_.T
            return HawkesSimulator(
                base,
                self.adjacency_,
                self.decay_,
                end_time=big_t,
                rng=rng,
                nodes=self.nodes_,
                baseline_times=cov.knots[used],
            )
        return super().simulator(  # type: ignore[misc, no-any-return]
            end_time=end_time, rng=rng, max_events=max_events
        )
