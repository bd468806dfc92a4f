"""What one fit of the exponential family is: :class:`ExpSpec`, a small
frozen object built by ``fit`` from the estimator's settings and the data's
baseline terms, holding the parameter layout ``[mu (K*D), alpha (D*D*U),
gamma (D*p), beta (U)]`` (the exponential kernel is U = 1, the sum of
exponentials U >= 1), the log-likelihood dispatch by link and baseline, and
the fitting routes: the concave per-node rows for fixed decays, the joint
identity-link fit for learned ones, the nonlinear fits for a constant
baseline, and multi-start L-BFGS-B or SLSQP otherwise. ExpHawkes and
SumExpHawkes hold one (``_spec``) through their shared base
(:mod:`~titfortat.dynamics.hawkes._exp_family`).
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
from titfortat.dynamics.hawkes._loglik_sumexp import (
    sumexp_loglik_grad_hess_seg,
    sumexp_loglik_grad_seg,
)
from titfortat.dynamics.hawkes._rows import _segments, fit_identity_rows
from titfortat.dynamics.hawkes._sumexp_fit import (
    chain_z,
    decay_bounds,
    fit_learned,
    from_z,
    to_z,
)
from titfortat.dynamics.hawkes._sumexp_nonlinear import fit_nonlinear, nonlinear_loglik
from titfortat.dynamics.hawkes.baselines import Baseline, NonlinearDesign
from titfortat.dynamics.hawkes.kernels import SumExpKernel

# Smallest baseline allowed on a covariate piece, in events per day: the
# constraint mu_i + gamma_i . x >= this keeps the compensator a valid
# integral on pieces where no event would reveal a negative rate.
_MIN_BASELINE = 1e-10


@dataclass(frozen=True)
class ExpSpec:
    """Layout, log-likelihood and maximisation over ``[mu, alpha, gamma, beta]``.

    ``baseline`` is the fit's :class:`~titfortat.dynamics.hawkes.baselines.
    Baseline` (its segments and terms give the layout), ``u`` the number of
    decays; the other fields are the estimator's settings.
    """

    link: str
    baseline: Baseline
    u: int
    max_iter: int
    tol: float

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

    def n_mu(self, d: int) -> int:
        return self.baseline.segments * d

    def n_alpha(self, d: int) -> int:
        return d * d * self.u

    def size(self, d: int) -> int:
        return self.n_mu(d) + self.n_alpha(d) + d * self.baseline.n_terms + self.u

    def gamma(self, x: np.ndarray, d: int) -> np.ndarray:
        """Covariate coefficients (D, p), stored between ``alpha`` and ``beta``."""
        lo = self.n_mu(d) + self.n_alpha(d)
        return x[lo : x.size - self.u].reshape(d, self.baseline.n_terms)

    def unpack(
        self, x: np.ndarray, d: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(mu (K*D,), alpha (D, D, U), beta (U,))`` from the layout."""
        nm, u = self.n_mu(d), self.u
        alpha = x[nm : nm + self.n_alpha(d)].reshape(d, d, u)
        return x[:nm], alpha, x[x.size - u :]

    def row_blocks(self, d: int) -> list[np.ndarray]:
        """Positions of each target row's parameters ``(mu_i, alpha[i],
        gamma[i])``: the log-likelihood is a sum of one term per row."""
        nm, du, p = self.n_mu(d), d * self.u, self.baseline.n_terms
        g0 = nm + self.n_alpha(d)  # where gamma starts
        return [
            np.r_[
                i:nm:d,
                nm + i * du : nm + (i + 1) * du,
                g0 + i * p : g0 + (i + 1) * p,
            ]
            for i in range(d)
        ]

    def names(self, nodes: list[str], per_component: bool) -> list[str]:
        """``alpha[a<-b]`` and ``decay`` (U = 1, ExpHawkes' names), or
        ``alpha[a<-b;k]`` and ``decay[k]`` per component."""
        mus, gammas = self.baseline.names(nodes)
        if per_component:
            us = range(self.u)
            alphas = [f"alpha[{a}<-{b};{k}]" for a in nodes for b in nodes for k in us]
            return mus + alphas + gammas + [f"decay[{k}]" for k in us]
        alphas = [f"alpha[{a}<-{b}]" for a in nodes for b in nodes]
        return mus + alphas + gammas + ["decay"]

    def loglik(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        with_grad: bool = True,
    ) -> tuple[float, np.ndarray]:
        """Log-likelihood (and gradient) at ``x``. The varying baselines are
        those of the exponential kernel (U = 1)."""
        mu, alpha, beta = self.unpack(x, d)
        mu = np.ascontiguousarray(mu)
        if self.design is not None or self.cov is not None:
            adj = np.ascontiguousarray(alpha[:, :, 0])
            args = (times, marks, end_time, mu, adj, self.gamma(x, d), float(beta[0]))
            if self.design is not None:
                ll, g, _ = self.design.run(*args, self.link, with_grad)
                return ll, g
            return loglik_grad_exog(*args, self.cov, with_grad)
        if self.link != "identity":
            return nonlinear_loglik(
                x, times, marks, end_time, d, self.u, self.link, with_grad
            )
        mu_idx = _segments(times, end_time, self.baseline.segments) * d + marks
        if self.u == 1:  # the U = 1 pass, 1.4-2.2x faster (dynamics/__init__)
            adj = np.ascontiguousarray(alpha[:, :, 0])
            ll, g = exp_loglik_grad_seg(
                times, marks, mu_idx, end_time, mu, adj, float(beta[0]), with_grad
            )
            return float(ll), g
        ll, g = sumexp_loglik_grad_seg(
            np.ascontiguousarray(x, dtype=float),
            times,
            marks,
            mu_idx,
            end_time,
            d,
            self.u,
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
        """Analytic Hessian of the identity-link log-likelihood (constant or
        segmented baseline)."""
        mu_idx = _segments(times, end_time, self.baseline.segments) * d + marks
        h: np.ndarray = sumexp_loglik_grad_hess_seg(
            np.ascontiguousarray(x, dtype=float),
            times,
            marks,
            mu_idx,
            end_time,
            d,
            self.u,
        )[2]
        return h

    def bounds(self, d: int) -> list[tuple[float | None, float | None]]:
        """Bounds of ``[mu, alpha, gamma, log b1, log b2 - log b1, ...]``."""
        lo_mu: float | None = None if self.link == "softplus" else 1e-10
        lo_a: float | None = 1e-10 if self.link == "identity" else None
        out: list[tuple[float | None, float | None]] = [(lo_mu, None)] * self.n_mu(d)
        out += [(lo_a, None)] * self.n_alpha(d)
        out += [(None, None)] * (d * self.baseline.n_terms)
        return out + decay_bounds(self.u)

    def optimize(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        starts: list[np.ndarray],
        free: np.ndarray,
        *,
        warm: bool = True,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Maximise from ``starts`` (the layout, natural decays; NaN ``mu``
        and ``alpha`` let the row fit choose its own start) over the
        ``free`` parameters, the others held at their value in
        ``starts[0]``; the decays are free together or not at all.

        Identity link without covariates: the family's paths, the concave
        row fit for fixed decays and
        :func:`~titfortat.dynamics.hawkes._sumexp_fit.fit_learned` for
        learned ones (each start's decays warm-started by the row fit unless
        ``warm=False``, then projected Newton, L-BFGS-B if Newton fails).
        Nonlinear link with a constant baseline: the sum-of-exponentials
        fit (:func:`~titfortat.dynamics.hawkes._sumexp_nonlinear.
        fit_nonlinear`). Otherwise multi-start L-BFGS-B (SLSQP with
        covariates under the identity link) on the log decays.
        """
        u = self.u
        k = starts[0].size - u
        learn = bool(free[k:].all())
        held = None if free[:k].all() else np.where(free[:k], np.nan, starts[0][:k])
        if self.link == "identity" and self.cov is None:
            if not learn:
                x0 = starts[0]
                start = None if np.isnan(x0[:k]).all() else np.maximum(x0[:k], 1e-10)
                xp, ll, info, _ = fit_identity_rows(
                    SumExpKernel(x0[k:]),
                    times,
                    marks,
                    end_time,
                    d,
                    self.max_iter,
                    self.tol,
                    n_seg=self.baseline.segments,
                    start=start,
                    free=free[:k],
                    information=False,
                )
                return np.concatenate([xp, x0[k:]]), ll, info
            xs = [np.concatenate([np.maximum(z[:k], 1e-10), z[k:]]) for z in starts]
            return fit_learned(
                xs,
                times,
                marks,
                end_time,
                d,
                u,
                held,
                self.max_iter,
                self.tol,
                n_seg=self.baseline.segments,
                warm=warm,
            )

        if self.link != "identity" and self.design is None:  # constant baseline
            # Each target row on its own for fixed decays, jointly in [mu,
            # alpha, log b1, log b2 - log b1, ...] otherwise.
            return fit_nonlinear(
                starts,
                times,
                marks,
                end_time,
                d,
                u,
                self.link,
                learn,
                held,
                self.max_iter,
                self.tol,
            )

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            x = from_z(z, u)
            ll, g = self.loglik(x, times, marks, end_time, d)
            return ll, chain_z(g, x, u)

        cov = self.cov
        z, ll, info = maximize(
            fun,
            [to_z(s, u) for s in starts],
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
        return from_z(z, u), ll, info
