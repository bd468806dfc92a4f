"""What one fit of :class:`ExpHawkes` is: :class:`ExpSpec`, a small frozen
object built by ``fit`` from the estimator's settings and the data's
baseline terms, holding the parameter layout ``[mu (K*D), A (D*D), gamma
(D*p), beta]``, the log-likelihood dispatch by link and baseline, the starts,
and the three optimisation routes (concave per-node rows for a fixed decay,
projected Newton for a learned decay, multi-start L-BFGS-B or SLSQP
otherwise). The estimator and its diagnostics hold one (``_spec``) instead
of sharing private state through a mixin chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from titfortat.dynamics._optim import maximize
from titfortat.dynamics.hawkes._exog import (
    BaselineTerms,
    loglik_grad_exog,
    positivity_rows,
)
from titfortat.dynamics.hawkes._loglik import exp_loglik_grad_seg
from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_loglik_grad_hess_seg
from titfortat.dynamics.hawkes._rows import _segments, fit_identity_rows
from titfortat.dynamics.hawkes._sumexp_fit import fit_learned
from titfortat.dynamics.hawkes._sumexp_nonlinear import fit_nonlinear, nonlinear_loglik
from titfortat.dynamics.hawkes.baselines import Baseline, NonlinearDesign
from titfortat.dynamics.hawkes.kernels import ExpKernel

_LOG_BETA_BOUNDS = (np.log(1e-6), np.log(1e6))
# Smallest baseline allowed on a covariate piece, in events per day: the
# constraint mu_i + gamma_i . x >= this keeps the compensator a valid
# integral on pieces where no event would reveal a negative rate.
_MIN_BASELINE = 1e-10


@dataclass(frozen=True)
class ExpSpec:
    """Layout, log-likelihood and maximisation over ``[mu, A, gamma, log beta]``.

    ``baseline`` is the fit's :class:`~titfortat.dynamics.hawkes.baselines.
    Baseline` (its segments and terms give the layout); the other fields are
    the estimator's settings.
    """

    link: str
    baseline: Baseline
    decay: float | None
    n_starts: int
    max_iter: int
    tol: float

    @property
    def baseline_segments(self) -> int:
        return self.baseline.segments

    @property
    def cov(self) -> BaselineTerms | None:
        """The covariate and spline terms (None for a constant or segmented
        baseline)."""
        return self.baseline.terms

    @property
    def design(self) -> NonlinearDesign | None:
        """The baseline's pieces under a nonlinear link when it varies."""
        varying = self.link != "identity" and self.baseline.varying
        return self.baseline.design if varying else None

    def n_cov(self) -> int:
        return self.baseline.n_terms

    def gamma(self, x: np.ndarray, d: int) -> np.ndarray:
        """Covariate coefficients (D, p), stored between ``A`` and ``beta``."""
        nm = self.baseline_segments * d
        return x[nm + d * d : -1].reshape(d, self.n_cov())

    def unpack(self, x: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``(mu (K*D,), A (D, D), beta)`` from ``[mu, A, gamma, beta]``."""
        nm = self.baseline_segments * d
        return x[:nm], x[nm : nm + d * d].reshape(d, d), float(x[-1])

    def loglik(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        with_grad: bool = True,
    ) -> tuple[float, np.ndarray]:
        mu, adj, beta = self.unpack(x, d)
        mu = np.ascontiguousarray(mu)
        adj = np.ascontiguousarray(adj)
        design = self.design
        if design is not None:
            ll, g, _ = design.run(
                times,
                marks,
                end_time,
                mu,
                adj,
                self.gamma(x, d),
                beta,
                self.link,
                with_grad,
            )
            return ll, g
        cov = self.cov
        if cov is not None:
            return loglik_grad_exog(
                times,
                marks,
                end_time,
                mu,
                adj,
                self.gamma(x, d),
                beta,
                cov,
                with_grad,
            )
        if self.link != "identity":
            # The exponential kernel is the sum-of-exponentials one with U = 1,
            # and ``[mu, A, beta]`` is its layout ``[mu, alpha (D, D, 1), beta]``.
            return nonlinear_loglik(
                x, times, marks, end_time, d, 1, self.link, with_grad
            )
        mu_idx = _segments(times, end_time, self.baseline_segments) * d + marks
        ll, g = exp_loglik_grad_seg(
            times, marks, mu_idx, end_time, mu, adj, beta, with_grad
        )
        return float(ll), g

    def hessian(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
    ) -> np.ndarray:
        """Analytic Hessian of the identity-link log-likelihood: the
        sum-of-exponentials one at U = 1 (layout ``[mu, A, beta]``)."""
        mu_idx = _segments(times, end_time, self.baseline_segments) * d + marks
        h: np.ndarray = sumexp_loglik_grad_hess_seg(
            np.ascontiguousarray(x, dtype=float), times, marks, mu_idx, end_time, d, 1
        )[2]
        return h

    def names(self, nodes: list[str]) -> list[str]:
        mus, gammas = self.baseline.names(nodes)
        alphas = [f"alpha[{a}<-{b}]" for a in nodes for b in nodes]
        return mus + alphas + gammas + ["decay"]

    def bounds(self, d: int) -> list[tuple[float | None, float | None]]:
        lo_mu: float | None = None if self.link == "softplus" else 1e-10
        lo_a: float | None = 1e-10 if self.link == "identity" else None
        n_mu = self.baseline_segments * d
        out: list[tuple[float | None, float | None]] = [(lo_mu, None)] * n_mu
        gam: list[tuple[float | None, float | None]] = [(None, None)] * (
            d * self.n_cov()
        )
        return [*out, *[(lo_a, None)] * (d * d), *gam, _LOG_BETA_BOUNDS]

    def starts(
        self, arrays: list[np.ndarray], end_time: float, rng: np.random.Generator
    ) -> list[np.ndarray]:
        d = len(arrays)
        rates = np.array([a.size for a in arrays]) / end_time
        n_tot = sum(a.size for a in arrays)
        beta0 = (
            float(self.decay) if self.decay is not None else max(n_tot / end_time, 1e-3)
        )
        starts = []
        for s in range(self.n_starts):
            if s == 0:
                mu = 0.5 * rates
                adj = np.full((d, d), 0.5 / d)
                beta = beta0
            else:
                mu = rates * rng.uniform(0.2, 0.9, d)
                adj = rng.uniform(0.0, 0.8 / d, (d, d))
                beta = beta0 * float(np.exp(rng.normal(0.0, 1.0)))
            if self.link == "softplus":
                mu = np.log(np.expm1(np.maximum(rates if s == 0 else mu, 1e-8)))
                adj = np.zeros((d, d)) if s == 0 else adj - 0.4 / d
            elif self.link == "relu":
                # Start with no interaction: every predictor above the floor,
                # where the gradient is informative.
                mu = rates if s == 0 else mu
                adj = np.zeros((d, d)) if s == 0 else adj - 0.4 / d
            if self.decay is not None:
                beta = float(self.decay)
            mu = np.tile(mu, self.baseline_segments)
            # Covariate effects start at zero, where the baseline is positive.
            gamma = np.zeros(d * self.n_cov())
            starts.append(np.concatenate([mu, adj.ravel(), gamma, [np.log(beta)]]))
        return starts

    def optimize(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        starts: list[np.ndarray],
        free: np.ndarray,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Maximise over ``[mu, A, log beta]``; return natural parameters.

        Identity link without covariates: the family's paths, the concave
        row fit for a fixed decay and the sum-of-exponentials one at U = 1
        for a learned decay (:func:`~titfortat.dynamics.hawkes._sumexp_fit.
        fit_learned`: each start's decay warm-started by the row fit, then
        projected Newton, L-BFGS-B if Newton fails). Otherwise multi-start
        L-BFGS-B (SLSQP with covariates under the identity link).
        """
        if self.link == "identity" and self.cov is None:
            k = starts[0].size - 1
            xs = [
                np.concatenate([np.maximum(z[:k], 1e-10), np.exp(z[k:])])
                for z in starts
            ]
            if not free[-1]:
                beta = float(xs[0][-1])
                xp, ll, info, _ = fit_identity_rows(
                    ExpKernel(beta),
                    times,
                    marks,
                    end_time,
                    d,
                    self.max_iter,
                    self.tol,
                    n_seg=self.baseline_segments,
                    start=xs[0][:k],
                    free=free[:k],
                    gtol=1e-8,
                    information=False,
                )
                return np.append(xp, beta), ll, info
            held = np.where(free[:k], np.nan, xs[0][:k])
            return fit_learned(
                xs,
                times,
                marks,
                end_time,
                d,
                1,
                None if free[:k].all() else held,
                self.max_iter,
                self.tol,
                n_seg=self.baseline_segments,
            )

        if self.link != "identity" and self.design is None:  # constant baseline
            # The sum-of-exponentials path at U = 1: each target row on its
            # own for a fixed decay, jointly in [mu, A, log beta] otherwise.
            k = starts[0].size - 1
            xs = [np.concatenate([z[:k], np.exp(z[k:])]) for z in starts]
            held = np.where(free[:k], np.nan, xs[0][:k])
            return fit_nonlinear(
                xs,
                times,
                marks,
                end_time,
                d,
                1,
                self.link,
                bool(free[-1]),
                None if free[:k].all() else held,
                self.max_iter,
                self.tol,
            )

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            x = z.copy()
            x[-1] = np.exp(z[-1])
            ll, g = self.loglik(x, times, marks, end_time, d)
            g = g.copy()
            g[-1] *= x[-1]  # chain rule for log beta
            return ll, g

        cov = self.cov
        z, ll, info = maximize(
            fun,
            starts,
            self.bounds(d),
            free=free,
            scale=float(times.size),
            max_iter=self.max_iter,
            tol=self.tol,
            # Only the identity link needs the baseline kept positive; under
            # softplus and relu phi does it, and gamma is free.
            lin_ineq=None
            if cov is None or self.link != "identity"
            else (positivity_rows(cov, end_time, d, starts[0].size), _MIN_BASELINE),
        )
        x = z.copy()
        x[-1] = np.exp(z[-1])
        return x, ll, info
