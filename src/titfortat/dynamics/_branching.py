"""The spectral radius of a branching matrix and the branching summaries,
shared by every Hawkes model."""

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
    """``spectral_radius``, ``branching_matrix`` and ``branching_ratio``,
    written once for every Hawkes model (continuous and binned).

    A model supplies ``_adjacency_of(x)``: its adjacency, ``(D, D)`` or
    ``(D, D, U)``, at a parameter vector ``x`` laid out as
    ``results_.params``. Under softplus or relu the ratio, like
    :func:`spectral_radius`, is that of the positive parts, so the two
    methods report the same number with or without a standard error.
    """

    nodes_: list[str]
    adjacency_: np.ndarray
    link: str
    results_: Any
    _x: np.ndarray

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

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
