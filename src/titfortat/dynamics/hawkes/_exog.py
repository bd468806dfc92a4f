"""Exogenous covariates in the baseline of ExpHawkes.

``mu_i(t) = mu_i + sum_k gamma_ik x_k(t)`` with every ``x_k`` piecewise
constant in time (a truce window, a sanctions period, a dose that steps). The
covariates are a function of time, not of the events, so the baseline at each
event and its integral over the window are exact and cheap; the compiled pass
below handles the excitation and returns ``1 / lambda`` at every event, from
which the baseline gradients follow by O(N p) array operations.

A cubic B-spline baseline in time (:class:`SplineBasis`) enters the same way,
as smooth "covariates" ``B_b(t)``; :class:`StackedTerms` combines both.
Under the identity link, positivity of the baseline is a set of linear
constraints on ``(mu, gamma)`` (``positivity_rows``), exact for step
covariates and sufficient for splines. Under softplus and relu the baseline
enters inside the link instead; ``piece_polynomials`` hands the terms to
that kernel (``_loglik_sumexp_nonlinear``) as one piecewise polynomial.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from titfortat.dynamics.hawkes._loglik import exp_pass

Arr = np.ndarray


@dataclass(frozen=True)
class PiecewiseCovariates:
    """Step functions ``x_k(t)``: ``values[m]`` holds on ``[knots[m], knots[m+1])``.

    ``knots[0] == 0`` and the last piece extends to infinity.
    """

    knots: np.ndarray  # (M,)
    values: np.ndarray  # (M, p)
    names: list[str]

    @property
    def n_covariates(self) -> int:
        return int(self.values.shape[1])

    def at(self, t: np.ndarray) -> np.ndarray:
        """Covariate values at times ``t``, shape (n, p)."""
        idx = np.searchsorted(self.knots, np.asarray(t, dtype=float), "right") - 1
        out: np.ndarray = self.values[np.clip(idx, 0, None)]
        return out

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """``int_0^t x(s) ds`` at times ``t``, shape (n, p)."""
        t = np.asarray(t, dtype=float)
        lengths = np.diff(self.knots)[:, None] * self.values[:-1]
        cum = np.vstack([np.zeros((1, self.n_covariates)), np.cumsum(lengths, 0)])
        idx = np.clip(np.searchsorted(self.knots, t, "right") - 1, 0, None)
        out: np.ndarray = cum[idx] + (t - self.knots[idx])[:, None] * self.values[idx]
        return out

    def piece_values(self, end_time: float) -> np.ndarray:
        """Distinct covariate rows taken on ``[0, end_time)``: the baseline is
        positive everywhere iff ``mu_i + gamma_i . row > 0`` for each row."""
        used = self.values[self.knots < end_time]
        out: np.ndarray = np.unique(used, axis=0)
        return out

    def param_names(self, node: str) -> list[str]:
        return [f"gamma[{node},{c}]" for c in self.names]


class SplineBasis:
    """Cubic B-spline baseline on ``[0, end_time]`` with ``n_basis`` functions.

    ``mu_i(t) = mu_i + sum_{b >= 1} gamma_ib B_b(t)``: the first basis
    function is dropped because the B-splines sum to one, so the constant
    ``mu_i`` takes its place. The baseline is then
    ``sum_b c_ib B_b(t)`` with ``c_i0 = mu_i`` and ``c_ib = mu_i + gamma_ib``,
    and since every ``B_b >= 0`` it is positive wherever all ``c_ib > 0``:
    that sufficient condition is the linear constraint the fit imposes
    (``piece_values``). Knots are equally spaced; beyond the window the
    baseline is held at its value at ``end_time``.
    """

    def __init__(self, n_basis: int, end_time: float) -> None:
        from scipy.interpolate import BSpline

        self.n_basis = int(n_basis)
        self.end_time = float(end_time)
        inner = np.linspace(0.0, self.end_time, self.n_basis - 2)
        knots = np.concatenate([[0.0] * 3, inner, [self.end_time] * 3])
        self._spline = BSpline(knots, np.eye(self.n_basis), 3, extrapolate=False)
        self._anti = self._spline.antiderivative()
        self.names = [str(b) for b in range(1, self.n_basis)]

    @property
    def n_covariates(self) -> int:
        return self.n_basis - 1

    def at(self, t: np.ndarray) -> np.ndarray:
        tc = np.clip(np.asarray(t, dtype=float), 0.0, self.end_time)
        out: np.ndarray = np.nan_to_num(self._spline(tc))[:, 1:]
        return out

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        tc = np.clip(t, 0.0, self.end_time)
        anti = np.nan_to_num(self._anti(tc))[:, 1:]
        beyond = np.clip(t - self.end_time, 0.0, None)[:, None]
        out: np.ndarray = anti + beyond * self.at(np.full(t.size, self.end_time))
        return out

    def piece_values(self, end_time: float) -> np.ndarray:
        return np.vstack([np.zeros((1, self.n_covariates)), np.eye(self.n_covariates)])

    def param_names(self, node: str) -> list[str]:
        return [f"spline[{node},{b}]" for b in self.names]


class StackedTerms:
    """Covariates followed by a spline basis, as one set of baseline terms."""

    def __init__(self, first: PiecewiseCovariates, second: SplineBasis) -> None:
        self.first, self.second = first, second
        self.names = first.names + second.names

    @property
    def n_covariates(self) -> int:
        return self.first.n_covariates + self.second.n_covariates

    def at(self, t: np.ndarray) -> np.ndarray:
        return np.hstack([self.first.at(t), self.second.at(t)])

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        return np.hstack([self.first.cumulative(t), self.second.cumulative(t)])

    def piece_values(self, end_time: float) -> np.ndarray:
        # Every covariate piece combined with every spline coefficient.
        a = self.first.piece_values(end_time)
        b = self.second.piece_values(end_time)
        return np.hstack([np.repeat(a, len(b), axis=0), np.tile(b, (len(a), 1))])

    def param_names(self, node: str) -> list[str]:
        return self.first.param_names(node) + self.second.param_names(node)


BaselineTerms = PiecewiseCovariates | SplineBasis | StackedTerms


def as_covariates(exog: Any) -> PiecewiseCovariates:
    """Validate ``exog`` and return its step functions.

    ``exog`` is either a dict ``{name: [(start, end), ...]}`` of indicator
    covariates (1 on the union of the half-open intervals ``[start, end)``,
    0 elsewhere), or a DataFrame whose index holds the change times in days
    (increasing, the first at or before 0) and whose columns hold the value
    from that time until the next change. A :class:`PiecewiseCovariates` is
    returned unchanged.
    """
    if isinstance(exog, PiecewiseCovariates):
        return exog
    if isinstance(exog, Mapping):
        names = [str(k) for k in exog]
        spans = []
        for name, ivals in exog.items():
            arr = np.asarray(ivals, dtype=float).reshape(-1, 2)
            if not np.all(np.isfinite(arr)) or np.any(arr[:, 1] <= arr[:, 0]):
                raise ValueError(
                    f"Covariate {name!r} must be a list of (start, end) day pairs "
                    f"with start < end. Got {np.asarray(ivals).tolist()!r}."
                )
            spans.append(arr)
        knots = np.unique(
            np.concatenate([[0.0], *[np.clip(a.ravel(), 0.0, None) for a in spans]])
        )
        values = np.zeros((knots.size, len(names)))
        for k, arr in enumerate(spans):
            for s, e in arr:
                values[(knots >= s) & (knots < e), k] = 1.0
        return PiecewiseCovariates(knots, values, names)
    if isinstance(exog, pd.DataFrame):
        idx = np.asarray(exog.index, dtype=float)
        vals = exog.to_numpy(dtype=float)
        if idx.size == 0 or not np.all(np.diff(idx) > 0) or idx[0] > 0:
            raise ValueError(
                "An exog DataFrame must be indexed by strictly increasing change "
                "times in days, the first at or before 0 (the value at time 0 "
                f"must be known). Got index starting {idx[:3].tolist()!r}."
            )
        if not np.all(np.isfinite(vals)) or not np.all(np.isfinite(idx)):
            raise ValueError("exog values and change times must be finite.")
        first = int(np.searchsorted(idx, 0.0, "right") - 1)
        knots = np.concatenate([[0.0], idx[first + 1 :]])
        return PiecewiseCovariates(knots, vals[first:], [str(c) for c in exog])
    raise TypeError(
        "exog must be a dict {name: [(start, end), ...]} of indicator windows or "
        f"a DataFrame of values indexed by change time. Got {type(exog).__name__}."
    )


def covariate_names(nodes: Sequence[str], cov: BaselineTerms) -> list[str]:
    return [name for n in nodes for name in cov.param_names(n)]


def positivity_rows(
    cov: BaselineTerms, end_time: float, d: int, n_par: int
) -> np.ndarray:
    """Rows ``C`` with ``(C @ x)[i, m] = mu_i + gamma_i . x_m`` for every node i
    and distinct covariate row m on the window, in the layout
    ``[mu (D), A (D*D), gamma (D*p), log beta]``."""
    vals = cov.piece_values(end_time)
    p = cov.n_covariates
    rows = np.zeros((d * vals.shape[0], n_par))
    for i in range(d):
        blk = slice(i * vals.shape[0], (i + 1) * vals.shape[0])
        rows[blk, i] = 1.0
        rows[blk, d + d * d + i * p : d + d * d + (i + 1) * p] = vals
    return rows


def loglik_grad_exog(
    times: Arr,
    marks: Arr,
    end_time: float,
    mu: Arr,
    adj: Arr,
    gamma: Arr,
    beta: float,
    cov: BaselineTerms,
    with_grad: bool,
) -> tuple[float, Arr]:
    """Identity-link log-likelihood and gradient ``[mu, A, gamma, beta]``.

    ``-inf`` when some baseline ``mu_i + gamma_i . x`` is not positive on a
    piece of the window: the compensator would otherwise integrate a negative
    intensity where no event happens to reveal it.
    """
    d = mu.size
    p = cov.n_covariates
    n_par = d + d * d + d * p + 1
    if np.any(mu[None, :] + cov.piece_values(end_time) @ gamma.T <= 0.0):
        return -np.inf, np.zeros(n_par)
    x_ev = cov.at(times)
    inv = np.zeros(times.size if with_grad else 0)
    ll, g = exp_pass(
        times,
        marks,
        marks,
        end_time,
        mu,
        adj,
        beta,
        with_grad,
        np.ascontiguousarray(np.einsum("np,np->n", x_ev, gamma[marks])),
        inv,
    )
    if not np.isfinite(ll):
        return -np.inf, np.zeros(n_par)
    integral = cov.cumulative(np.array([end_time]))[0]
    ll -= float(gamma.sum(0) @ integral)
    grad = np.zeros(n_par)
    if with_grad:
        grad[: d + d * d] = g[:-1]  # mu (its integral included) and A
        g_gamma = np.stack(
            [
                np.bincount(marks, weights=inv * x_ev[:, k], minlength=d)
                for k in range(p)
            ],
            axis=1,
        )
        grad[d + d * d : -1] = (g_gamma - integral[None, :]).ravel()
        grad[-1] = g[-1]
    return float(ll), grad


def piece_polynomials(
    cov: BaselineTerms, end_time: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """``(brk, poly, max_len)``: the terms as a piecewise polynomial in time.

    On piece m, ``[brk[m], brk[m+1])`` (the last extends to infinity),
    ``x_k(t) = sum_r poly[m, r, k] (t - brk[m])^r``; ``poly`` has one
    coefficient per piece for step covariates and four (cubic) when a spline
    is present. The breaks are the covariates' change points and the
    spline's knots. ``max_len`` (an eighth of the knot spacing, infinite
    without a spline) caps the quadrature panels of the nonlinear-link
    kernels, so the cubic changes little over one panel.
    """
    if isinstance(cov, PiecewiseCovariates):
        poly = np.ascontiguousarray(cov.values[:, None, :], dtype=float)
        return np.ascontiguousarray(cov.knots, dtype=float), poly, math.inf
    spline = cov.second if isinstance(cov, StackedTerms) else cov
    steps = cov.first if isinstance(cov, StackedTerms) else None
    knots = np.linspace(0.0, spline.end_time, spline.n_basis - 2)
    brk = knots[:-1]
    if steps is not None:
        brk = np.union1d(brk, steps.knots)
    brk = np.union1d(brk, [spline.end_time])
    # Each piece's cubic is read from its value and derivatives at the
    # piece's midpoint (never a knot, so no one-sided limits are needed) and
    # re-expanded around the piece's start. Beyond end_time the spline is
    # held at its end value: zero derivatives there.
    width = np.diff(brk, append=brk[-1] + 2.0)
    mid = brk + 0.5 * width
    p = cov.n_covariates
    taylor = np.zeros((brk.size, 4, p))
    inside = mid < spline.end_time
    fact = [1.0, 1.0, 2.0, 6.0]
    col = 0 if steps is None else steps.n_covariates
    for r in range(4):
        vals = np.nan_to_num(spline._spline(mid[inside], nu=r))[:, 1:]
        taylor[inside, r, col:] = vals / fact[r]
    taylor[~inside, 0, col:] = spline.at(np.full((~inside).sum(), spline.end_time))
    if steps is not None:
        taylor[:, 0, :col] = steps.at(mid)
    shift = (brk - mid)[:, None]
    poly = np.zeros_like(taylor)
    for r in range(4):
        for q in range(r, 4):
            poly[:, r, :] += math.comb(q, r) * taylor[:, q, :] * shift ** (q - r)
    return brk, poly, float(np.diff(knots).min()) / 8.0
