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

from titfortat.dynamics._optim import maximize, newton_maximize
from titfortat.dynamics.hawkes._exog import (
    BaselineTerms,
    covariate_names,
    loglik_grad_exog,
    positivity_rows,
)
from titfortat.dynamics.hawkes._loglik import exp_hessian_seg, exp_loglik_grad_seg
from titfortat.dynamics.hawkes._rows import (
    SUBSAMPLE_ABOVE,
    _fit_rows_fixed_decay,
    _segments,
    subsample,
)
from titfortat.dynamics.hawkes._sumexp_nonlinear import nonlinear_loglik
from titfortat.dynamics.hawkes.baselines import NonlinearDesign

_LOG_BETA_BOUNDS = (np.log(1e-6), np.log(1e6))
# Smallest baseline allowed on a covariate piece, in events per day: the
# constraint mu_i + gamma_i . x >= this keeps the compensator a valid
# integral on pieces where no event would reveal a negative rate.
_MIN_BASELINE = 1e-10


@dataclass(frozen=True)
class ExpSpec:
    """Layout, log-likelihood and maximisation over ``[mu, A, gamma, log beta]``.

    ``cov`` holds the covariate and spline terms of the baseline (None for a
    constant or segmented one), ``design`` their pieces under a nonlinear
    link (None otherwise); the other fields are the estimator's settings.
    """

    link: str
    baseline_segments: int
    decay: float | None
    n_starts: int
    max_iter: int
    tol: float
    cov: BaselineTerms | None = None
    design: NonlinearDesign | None = None

    def n_cov(self) -> int:
        return 0 if self.cov is None else self.cov.n_covariates

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
        """Analytic Hessian of the identity-link log-likelihood."""
        mu, adj, beta = self.unpack(x, d)
        mu_idx = _segments(times, end_time, self.baseline_segments) * d + marks
        h: np.ndarray = exp_hessian_seg(
            times, marks, mu_idx, end_time, mu.copy(), adj.copy(), beta
        )
        return h

    def names(self, nodes: list[str]) -> list[str]:
        k = self.baseline_segments
        mus = (
            [f"mu[{n}]" for n in nodes]
            if k == 1
            else [f"mu[{n},{s}]" for s in range(k) for n in nodes]
        )
        alphas = [f"alpha[{a}<-{b}]" for a in nodes for b in nodes]
        cov = self.cov
        gammas = [] if cov is None else covariate_names(nodes, cov)
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

    def precondition(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        x: np.ndarray,
    ) -> np.ndarray:
        """Per-event square root of the Hessian diagonal in [mu, A, log beta].

        One extra O(N D^2) pass; scaling the variables by it roughly halves
        the L-BFGS-B iterations for D = 10.
        """
        hd = -np.diag(self.hessian(x, times, marks, end_time, d)).copy()
        hd[-1] *= x[-1] ** 2
        return np.sqrt(np.clip(hd, 1e-8 * max(hd.max(), 1.0), None) / times.size)

    def optimize(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        starts: list[np.ndarray],
        free: np.ndarray,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Maximise over ``[mu, A, log beta]``; return natural parameters."""
        plain = self.link == "identity" and self.cov is None
        if plain and not free[-1]:
            x0 = starts[0].copy()
            x0[-1] = np.exp(x0[-1])
            x0[:-1] = np.maximum(x0[:-1], 1e-10)
            return _fit_rows_fixed_decay(
                times,
                marks,
                end_time,
                d,
                float(x0[-1]),
                x0,
                free,
                self.max_iter,
                self.tol,
                self.baseline_segments,
            )
        pre: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None = None
        # The sub-window would not cover every baseline segment, so the
        # multi-resolution start is used with a constant baseline only.
        if plain and self.baseline_segments == 1 and times.size > SUBSAMPLE_ABOVE:
            # Multi-resolution warm start: fit the first stretch of the window
            # (about a tenth of the events, see _rows.subsample),
            # whose estimates are close to the full-data ones, and start the
            # full fit there; the preconditioner comes from the same stretch.
            # Measured at D = 10, N = 1e6: 14 instead of 42 joint iterations.
            ts, ms, t_sub = subsample(times, marks)
            xw, _, _ = self.optimize(ts, ms, t_sub, d, starts[:1], free)
            xw[:-1] = np.maximum(xw[:-1], 1e-6)
            pre = (ts, ms, t_sub, xw.copy())
            xw[-1] = np.log(xw[-1])
            starts = [xw, *starts[1:]]
        elif plain and len(starts) > 0:
            # Warm start: solve the cheap concave fixed-decay problem at the
            # first start's decay, then free the decay jointly from there.
            x0 = starts[0].copy()
            fr = free.copy()
            fr[-1] = False
            xw, _, _ = _fit_rows_fixed_decay(
                times,
                marks,
                end_time,
                d,
                float(np.exp(x0[-1])),
                np.concatenate([np.maximum(x0[:-1], 1e-10), [np.exp(x0[-1])]]),
                fr,
                self.max_iter,
                1e-6,
                self.baseline_segments,
            )
            pre = (times, marks, end_time, xw.copy())
            xw[-1] = x0[-1]
            starts = [xw, *starts[1:]]

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            x = z.copy()
            x[-1] = np.exp(z[-1])
            ll, g = self.loglik(x, times, marks, end_time, d)
            g = g.copy()
            g[-1] *= x[-1]  # chain rule for log beta
            return ll, g

        newton = None
        if plain and len(starts) > 0:
            newton = self.newton(times, marks, end_time, d, starts[0], free, fun)
            if newton is not None and len(starts) == 1:
                z, ll, info = newton
                x = z.copy()
                x[-1] = np.exp(z[-1])
                info["start_log_likelihoods"] = [ll]
                return x, ll, info
            if newton is not None:
                starts = starts[1:]
        # The L-BFGS-B preconditioner costs a Hessian pass, so it is only
        # computed when Newton did not already settle the fit.
        x_scale = None if pre is None else self.precondition(*pre[:3], d, pre[3])
        cov = self.cov
        z, ll, info = maximize(
            fun,
            starts,
            self.bounds(d),
            free=free,
            scale=float(times.size),
            max_iter=self.max_iter,
            tol=self.tol,
            x_scale=x_scale,
            # Only the identity link needs the baseline kept positive; under
            # softplus and relu phi does it, and gamma is free.
            lin_ineq=None
            if cov is None or self.link != "identity"
            else (positivity_rows(cov, end_time, d, starts[0].size), _MIN_BASELINE),
        )
        if newton is not None:
            lls = [newton[1], *info["start_log_likelihoods"]]
            if newton[1] >= ll:
                z, ll, info = newton
            info = {**info, "n_starts": len(lls), "start_log_likelihoods": lls}
        x = z.copy()
        x[-1] = np.exp(z[-1])
        return x, ll, info

    def newton(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        z0: np.ndarray,
        free: np.ndarray,
        fun: Any,
    ) -> tuple[np.ndarray, float, dict[str, Any]] | None:
        """Projected Newton from the warm start ``z0`` (in ``[mu, A, log
        beta]``) with the analytic Hessian; ``None`` if it gives up."""

        def hess(z: np.ndarray, g: np.ndarray) -> np.ndarray:
            x = z.copy()
            x[-1] = beta = np.exp(z[-1])
            h = self.hessian(x, times, marks, end_time, d).copy()
            # Chain rule for u = log beta: d2/du2 = beta^2 d2/dbeta2 + dll/du.
            h[-1, :] *= beta
            h[:, -1] *= beta
            h[-1, -1] += g[-1]
            return h

        return newton_maximize(
            fun,
            hess,
            z0,
            self.bounds(d),
            free=free,
            scale=float(times.size),
            max_iter=self.max_iter,
        )
