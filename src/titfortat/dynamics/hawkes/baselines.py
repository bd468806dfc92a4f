"""Declared baselines of the continuous Hawkes family: ``mu_i(t)``.

A model of the family is kernel x link x baseline (see
:mod:`titfortat.dynamics`). A :class:`Baseline` is constant, constant on
``K`` equal segments of the window, or ``mu_i + gamma_i . x(t)`` with step
covariates and/or a cubic B-spline ``x(t)`` (the terms of ``_exog``). It
names its parameters, evaluates ``mu_i(t)`` and its integral for the
diagnostics written once in ``_family``, hands its pieces to the
nonlinear-link kernels (:class:`NonlinearDesign`, one piecewise polynomial
``x(t)``; segments become indicator covariates with ``mu = 0`` inside the
kernel, so one kernel serves every varying baseline) and builds the
simulator of a fitted model. Its parameters are ``mu`` (K*D, segment-major)
and ``gamma`` (D, p).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from titfortat.dynamics.hawkes._exog import (
    BaselineTerms,
    PiecewiseCovariates,
    SplineBasis,
    StackedTerms,
    as_covariates,
    covariate_names,
    piece_polynomials,
)
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import NO_CUM, nonlinear_pass
from titfortat.dynamics.hawkes._rows import _segments
from titfortat.dynamics.hawkes._simulate import (
    HawkesSimulator,
    _PiecewiseBaselineSimulator,
)
from titfortat.dynamics.hawkes.kernels import Kernel

Arr = np.ndarray


@dataclass(frozen=True)
class Baseline:
    """``mu_i(t)`` on the window ``[0, end_time]``: ``segments`` equal pieces
    with their own level, or (``segments == 1``) a level plus ``terms``.

    Parameters
    ----------
    segments : int, default 1
        Equal-length pieces of the window, each with its own level.
    terms : step covariates, spline basis or both, optional
        The terms ``x(t)`` of ``mu_i + gamma_i . x(t)`` (see ``_exog``).
    end_time : float, default 1.0
        Length of the window in days.

    Examples
    --------
    >>> b = Baseline.build(2, 0, None, 10.0)  # two segments of 5 days
    >>> b.names(["attack"])
    (['mu[attack,0]', 'mu[attack,1]'], [])
    >>> mu, gamma = np.array([1.0, 2.0]), np.zeros((1, 0))
    >>> b.integral(mu, gamma, np.array([7.5]), np.array([0])).tolist()
    [10.0]
    """

    segments: int = 1
    terms: BaselineTerms | None = None
    end_time: float = 1.0

    @classmethod
    def build(
        cls, segments: int, spline_df: int, exog: Any, end_time: float
    ) -> Baseline:
        """Validate the estimator's settings and the ``exog`` of ``fit``."""
        if spline_df and spline_df < 4:
            raise ValueError(
                "The 'baseline_spline_df' parameter of ExpHawkes must be 0 (no "
                f"spline) or at least 4 (cubic B-splines). Got {spline_df!r} instead."
            )
        terms: BaselineTerms | None = None if exog is None else as_covariates(exog)
        if spline_df:
            spline = SplineBasis(spline_df, end_time)
            terms = spline if terms is None else StackedTerms(terms, spline)
        if terms is not None and segments != 1:
            raise ValueError(
                "exog and baseline_spline_df need baseline_segments=1 in ExpHawkes "
                f"(got baseline_segments={segments}). Express baseline segments "
                "as indicator covariates instead, e.g. "
                "exog={'late': [(start, end)]}."
            )
        return cls(segments, terms, float(end_time))

    @property
    def varying(self) -> bool:
        return self.segments > 1 or self.terms is not None

    @property
    def n_terms(self) -> int:
        return 0 if self.terms is None else self.terms.n_covariates

    def names(self, nodes: Sequence[str]) -> tuple[list[str], list[str]]:
        """Names of ``mu`` and of ``gamma``."""
        if self.segments == 1:
            mus = [f"mu[{n}]" for n in nodes]
        else:
            mus = [f"mu[{n},{s}]" for s in range(self.segments) for n in nodes]
        terms = self.terms
        return mus, [] if terms is None else covariate_names(nodes, terms)

    def at(self, mu: Arr, gamma: Arr, t: Arr, node: Arr) -> Arr:
        """``mu_node(t)`` at times ``t``."""
        m = mu.reshape(self.segments, -1)
        if not self.varying:
            return np.asarray(m[0, node])
        if self.terms is not None:
            out: Arr = m[0, node] + np.einsum("np,np->n", self.terms.at(t), gamma[node])
            return out
        res: Arr = m[_segments(t, self.end_time, self.segments), node]
        return res

    def integral(self, mu: Arr, gamma: Arr, t: Arr, node: Arr) -> Arr:
        """``int_0^t mu_node(s) ds``."""
        m = mu.reshape(self.segments, -1)
        if not self.varying:
            return np.asarray(m[0, node] * t)
        if self.terms is not None:
            cum = np.einsum("np,np->n", self.terms.cumulative(t), gamma[node])
            out: Arr = m[0, node] * t + cum
            return out
        length = self.end_time / self.segments
        starts = np.arange(self.segments) * length
        overlap = np.clip(t[:, None] - starts[None, :], 0.0, length)  # (n, K)
        res: Arr = np.einsum("nk,nk->n", overlap, m[:, node].T)
        return res

    @cached_property
    def design(self) -> NonlinearDesign:
        """The pieces of ``x(t)`` for the nonlinear-link kernels."""
        return NonlinearDesign.build(self.terms, self.segments, self.end_time)

    def simulator(
        self,
        mu: Arr,
        gamma: Arr,
        adjacency: Arr,
        kernel: Kernel,
        link: str,
        end_time: float,
        **kwargs: Any,
    ) -> HawkesSimulator:
        """The simulator of a fitted model with this baseline.

        Step covariates follow their pieces (which may extend past the
        fitted window when ``end_time`` is larger; a spline is held at its
        end value there). Under softplus and relu the simulator thins
        against a bound of the baseline on each piece or spline span (the
        exact maximum of the cubic there), so the draw is exact.
        """
        d = adjacency.shape[0]
        if link != "identity":
            des = self.design
            km, kg = des.kernel_params(mu, gamma)
            return _PiecewiseBaselineSimulator(
                km,
                kg,
                des.brk,
                des.poly,
                des.baseline_bounds(mu, gamma, end_time),
                adjacency,
                kernel.params(),
                end_time=end_time,
                link="relu" if link == "relu" else "softplus",
                **kwargs,
            )
        terms = self.terms
        if terms is None:
            base = mu.reshape(self.segments, d)
            return HawkesSimulator(base, adjacency, kernel, end_time=end_time, **kwargs)
        if isinstance(terms, PiecewiseCovariates):
            used = terms.knots < end_time
            base = mu[None, :] + terms.values[used] @ gamma.T
            kwargs["baseline_times"] = terms.knots[used]
        else:
            # Smooth (spline) baseline: exact thinning of the background under
            # the largest B-spline coefficient, which bounds the combination
            # (B-splines are non-negative and sum to one).
            coef = mu[:, None] + gamma @ terms.piece_values(end_time).T
            kwargs["baseline_max"] = coef.max(axis=1)

            def base(t: Arr) -> Arr:
                out: Arr = mu[None, :] + terms.at(t) @ gamma.T
                return out

        return HawkesSimulator(base, adjacency, kernel, end_time=end_time, **kwargs)


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
        d = km.size
        x = np.concatenate([km, np.ravel(adj), kg.ravel(), [beta]])
        cum = np.zeros(times.size) if want_cum else NO_CUM
        ll, g = nonlinear_pass(
            x,
            times,
            marks,
            end_time,
            d,
            1,
            self.brk,
            self.poly,
            self.max_len,
            LINK_CODES[link],
            with_grad,
            -1,
            cum,
        )
        if self.n_segments > 1:
            # Kernel gamma[i, s] is mu[s, i]; its mu gradient is unused.
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
