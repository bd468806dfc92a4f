"""Time-varying baseline under a nonlinear link, for :class:`ExpHawkes`.

Glue between the estimator's parameter layout and the compiled kernels of
``_loglik_exog_nonlinear``: the baseline ``c_i(t) = mu_i + gamma_i . x(t)``
(step covariates, a cubic B-spline, or both) or a baseline constant on
``K`` equal segments is turned into one piecewise polynomial ``x(t)``.
Segments become indicator covariates with ``mu = 0`` inside the kernel, so a
single kernel serves every varying baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from titfortat.dynamics.hawkes._exog import BaselineTerms, piece_polynomials
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._loglik_exog_nonlinear import nonlinear_exog_pass

Arr = np.ndarray


@dataclass(frozen=True)
class NonlinearDesign:
    """The baseline's pieces: ``brk`` (M,), ``poly`` (M, R, p), ``max_len``;
    ``n_segments > 1`` when ``x`` holds the indicators of equal segments."""

    brk: Arr
    poly: Arr
    max_len: float
    n_segments: int

    @classmethod
    def build(
        cls, cov: BaselineTerms | None, n_segments: int, end_time: float
    ) -> NonlinearDesign:
        if cov is not None:
            brk, poly, max_len = piece_polynomials(cov, end_time)
            return cls(brk, poly, max_len, 1)
        k = n_segments
        brk = np.arange(k) * (end_time / k)
        poly = np.ascontiguousarray(np.eye(k)[:, None, :])
        return cls(brk, poly, math.inf, k)

    def kernel_params(self, mu: Arr, gamma: Arr) -> tuple[Arr, Arr]:
        """``(mu, gamma)`` as the kernel sees them."""
        if self.n_segments > 1:
            d = mu.size // self.n_segments
            return np.zeros(d), np.ascontiguousarray(mu.reshape(-1, d).T)
        return np.ascontiguousarray(mu), np.ascontiguousarray(gamma)

    def run(
        self,
        times: Arr,
        marks: Arr,
        end_time: float,
        mu: Arr,
        adj: Arr,
        gamma: Arr,
        beta: float,
        link: str,
        with_grad: bool,
        want_cum: bool = False,
    ) -> tuple[float, Arr, Arr]:
        """``(ll, grad, cum)`` in the estimator's layout ``[mu, A, gamma, beta]``."""
        km, kg = self.kernel_params(mu, gamma)
        ll, g, cum = nonlinear_exog_pass(
            times,
            marks,
            end_time,
            km,
            np.ascontiguousarray(adj),
            kg,
            beta,
            self.brk,
            self.poly,
            self.max_len,
            LINK_CODES[link],
            with_grad,
            want_cum,
        )
        if self.n_segments > 1:
            # Kernel gamma[i, s] is mu[s, i]; its mu gradient is unused.
            d = km.size
            g_seg = g[d + d * d : -1].reshape(d, self.n_segments).T.ravel()
            g = np.concatenate([g_seg, g[d : d + d * d], g[-1:]])
        return float(ll), g, cum

    def baseline_bounds(self, mu: Arr, gamma: Arr, end_time: float) -> Arr:
        """``cmax[m, i]``: an upper bound of ``c_i`` on each piece up to
        ``end_time``, exact for a cubic up to a relative 1e-9 margin (its
        maximum is at an end or where the derivative vanishes)."""
        km, kg = self.kernel_params(mu, gamma)
        # Coefficients of c_i on piece m: (M, R, D).
        coef = np.einsum("mrk,ik->mri", self.poly, kg)
        coef[:, 0, :] += km[None, :]
        length = np.diff(self.brk, append=max(end_time, self.brk[-1]))
        length = np.clip(length, 0.0, None)
        cmax = np.empty((self.brk.size, km.size))
        for m in range(self.brk.size):
            for i in range(km.size):
                c = np.zeros(4)
                c[: coef.shape[1]] = coef[m, :, i]
                pts = [0.0, length[m]]
                # Roots of c1 + 2 c2 u + 3 c3 u^2 inside the piece.
                for root in np.roots([3.0 * c[3], 2.0 * c[2], c[1]]):
                    if abs(root.imag) < 1e-12 and 0.0 < root.real < length[m]:
                        pts.append(float(root.real))
                u = np.asarray(pts)
                vals = c[0] + u * (c[1] + u * (c[2] + u * c[3]))
                top = float(vals.max())
                cmax[m, i] = top + 1e-9 * (1.0 + abs(top))
        return cmax
