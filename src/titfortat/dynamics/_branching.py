"""The spectral radius of a branching matrix and the branching summaries
(branching matrix and ratio, share triggered, impulse response), written
once for every Hawkes model, continuous and binned."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from titfortat._validation import check_is_fitted
from titfortat.dynamics._optim import delta_method
from titfortat.results import DerivedResult


def spectral_radius(adjacency: np.ndarray, link: str = "identity") -> float:
    """Largest absolute eigenvalue of the branching matrix.

    ``adjacency`` is ``(D, D)``, or ``(D, D, U)`` for a sum of kernels (the
    components are summed). Below one, the linear process is stationary.
    Under a nonlinear link (softplus, relu) only excitation can drive the
    process up, so the value for the positive parts ``max(A, 0)`` is
    returned: an upper bound of the excitation.

    Examples
    --------
    >>> spectral_radius(np.array([[0.5, 0.0], [0.3, 0.2]]))
    0.5
    >>> spectral_radius(np.array([[0.5, -0.9], [0.3, 0.2]]), "softplus")
    0.5
    """
    a = np.asarray(adjacency, dtype=float)
    if link != "identity":
        a = np.maximum(a, 0.0)
    if a.ndim == 3:
        a = a.sum(axis=2)
    return float(np.max(np.abs(np.linalg.eigvals(a))))


class BranchingSummaries:
    """``spectral_radius``, ``branching_matrix``, ``branching_ratio``,
    ``share_triggered`` and ``impulse_response``, written once for every
    Hawkes model (continuous and binned), with delta-method errors.

    A model supplies ``_adjacency_of(x)``: its adjacency, ``(D, D)`` or
    ``(D, D, U)``, at a parameter vector ``x`` laid out as
    ``results_.params``; for the last two also ``_baseline_of(x)`` (a
    constant baseline), ``_triggered(x)`` and ``_impulse(x, horizon)``.
    Under softplus or relu the ratio, like :func:`spectral_radius`, is that
    of the positive parts, so the two methods report the same number with or
    without a standard error.
    """

    nodes_: list[str]
    adjacency_: np.ndarray
    link: str
    results_: Any
    _x: np.ndarray

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _varying_baseline(self) -> bool:
        return False

    def _baseline_of(self, x: np.ndarray) -> np.ndarray:
        """The constant baseline ``mu`` (D,) at ``x``."""
        return x[: len(self.nodes_)]

    def _triggered(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per node: expected number of observed events that were triggered
        (stochastic declustering, Lewis et al. 2012), and observed events."""
        raise NotImplementedError

    def _impulse(self, x: np.ndarray, horizon: float) -> np.ndarray:
        """Expected extra events of node i within ``horizon`` after one
        event of node j, all generations, (D, D)."""
        raise NotImplementedError

    def _check_additive(self, what: str) -> None:
        check_is_fitted(self)
        if self.link != "identity":
            raise ValueError(
                f"{what} needs link='identity': under link={self.link!r} "
                "background and triggered events are not additive. Simulate "
                "the fitted model instead."
            )

    def spectral_radius(self) -> float:
        """Spectral radius of the branching matrix (< 1: stationary; under
        softplus or relu, of its positive parts, which bounds the excitation)."""
        check_is_fitted(self)
        return spectral_radius(self.adjacency_, self.link)

    def _delta(self, fn: Any, index: list[str], name: str) -> DerivedResult:
        v, se = delta_method(fn, self._x, self.results_.cov_params.to_numpy())
        return DerivedResult(name, pd.Series(v, index), pd.Series(se, index))

    def branching_matrix(self) -> DerivedResult:
        """The branching matrix (``adjacency_`` summed over kernel components;
        ``[i, j]`` named ``i<-j``) with delta-method standard errors."""
        check_is_fitted(self)

        def mat(v: np.ndarray) -> np.ndarray:
            a = self._adjacency_of(v)
            return (a.sum(axis=2) if a.ndim == 3 else a).ravel()

        idx = [f"{a}<-{b}" for a in self.nodes_ for b in self.nodes_]
        return self._delta(mat, idx, "branching_matrix")

    def branching_ratio(self) -> DerivedResult:
        """:meth:`spectral_radius` with a delta-method standard error."""
        check_is_fitted(self)
        return self._delta(
            lambda v: np.array([spectral_radius(self._adjacency_of(v), self.link)]),
            ["spectral_radius"],
            "branching_ratio",
        )

    def share_triggered(self, method: str = "auto") -> DerivedResult:
        """Expected share of events triggered by other events (not
        background), per node and in total (identity link).

        ``"stationary"``: with mean rates ``m = (I - A)^{-1} mu`` node i's
        share is ``1 - mu_i / m_i`` (the Lewis et al. 2012 "self-excitation
        explains" figure), in total ``1 - sum(mu) / sum(m)``; constant
        baseline only. ``"empirical"``: the expected share of the observed
        events attributed to triggering given the fitted model (stochastic
        declustering). ``"auto"`` is stationary for a constant baseline and
        empirical otherwise. Delta-method standard errors.
        """
        self._check_additive("share_triggered")
        varying = self._varying_baseline()
        if method == "auto":
            method = "empirical" if varying else "stationary"
        if method not in {"stationary", "empirical"}:
            raise ValueError(
                "The 'method' argument of share_triggered must be one of "
                f"{{'auto', 'empirical', 'stationary'}}. Got {method!r} instead."
            )
        if method == "stationary" and varying:
            raise ValueError(
                "share_triggered(method='stationary') needs baseline_segments=1 "
                "and no exog or spline (a constant baseline); use method='empirical'."
            )

        def fn(x: np.ndarray) -> np.ndarray:
            if method == "stationary":
                a = self._adjacency_of(x)
                a = a.sum(axis=2) if a.ndim == 3 else a
                mu = self._baseline_of(x)
                m = np.linalg.solve(np.eye(a.shape[0]) - a, mu)
                return np.concatenate([1.0 - mu / m, [1.0 - mu.sum() / m.sum()]])
            trig, n = self._triggered(x)
            return np.concatenate([trig / n, [trig.sum() / n.sum()]])

        return self._delta(fn, [*self.nodes_, "total"], "share_triggered")

    def impulse_response(self, horizon_days: float) -> DerivedResult:
        """Expected extra events of each node within ``horizon_days`` after
        one event of each node, counting all generations (identity link);
        entry ``i<-j`` is the response of node i to one event of node j,
        with delta-method errors."""
        self._check_additive("impulse_response")
        idx = [f"{a}<-{b}" for a in self.nodes_ for b in self.nodes_]
        return self._delta(
            lambda v: self._impulse(v, horizon_days).ravel(), idx, "impulse_response"
        )
