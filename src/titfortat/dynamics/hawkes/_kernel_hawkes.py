"""KernelHawkes: the family's estimator for any declared kernel."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Self

import numpy as np
import pandas as pd

from titfortat._threads import single_blas_thread
from titfortat._validation import BaseEstimator, Interval
from titfortat.dynamics._events import (
    EventInput,
    event_arrays_and_origin,
    merge_events,
)
from titfortat.dynamics._optim import (
    covariance,
    keep_warnings,
    report_convergence,
)
from titfortat.dynamics.hawkes._family import HawkesFamily
from titfortat.dynamics.hawkes._rows import fit_identity_rows, restricted_loglik
from titfortat.dynamics.hawkes.kernels import ExpKernel, Kernel

__all__ = ["KernelHawkes"]


class KernelHawkes(HawkesFamily, BaseEstimator):
    """Multivariate Hawkes process with any declared kernel (identity link,
    constant baseline, kernel parameters fixed), fitted by exact MLE.

    .. math::

        \\lambda_i(t) = \\mu_i + \\sum_j \\sum_{t^j_k < t} \\sum_c
        \\alpha^c_{ij}\\, g_c(t - t^j_k)

    ``mu`` → ``baseline_``; ``alpha[i<-j;c]`` → ``adjacency_[i, j, c]`` (row
    i excited by column j); ``g_c`` are the kernel's components
    (:mod:`titfortat.dynamics.hawkes.kernels`), each a density, so
    ``adjacency_.sum(axis=2)`` is the branching matrix. The fit is the
    family's concave row-separable path; standard errors come from the
    analytic observed information.

    Parameters
    ----------
    kernel : Kernel or None, default None
        A declared kernel; ``None`` means ``ExpKernel(1.0)``.
    max_iter : int, default 1000
    tol : float, default 1e-12

    Attributes
    ----------
    baseline_ : ndarray of shape (D,)
    adjacency_ : ndarray of shape (D, D, C)
    decays_ : ndarray
        The kernel's parameters (``kernel.params()``).
    nodes_, n_events_, end_time_, time_origin_, n_iter_, converged_, warnings_
    results_

    Examples
    --------
    >>> from titfortat.dynamics import HawkesSimulator
    >>> from titfortat.dynamics.hawkes.kernels import SumExpKernel
    >>> ev = HawkesSimulator([0.5], [[0.4]], 1.0, end_time=500.0, rng=0).run()
    >>> m = KernelHawkes(kernel=SumExpKernel([0.3, 3.0])).fit(ev)
    >>> m.adjacency_.shape, type(m.simulator(rng=1).run()).__name__
    ((1, 1, 2), 'DataFrame')
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
    }

    link = "identity"  # the one link of this estimator, as the others name it

    def __init__(
        self, *, kernel: Kernel | None = None, max_iter: int = 1000, tol: float = 1e-12
    ) -> None:
        self.kernel = kernel
        self.max_iter = max_iter
        self.tol = tol

    def _kernel(self) -> Kernel:
        if self.kernel is None:
            return ExpKernel(1.0)
        if not isinstance(self.kernel, Kernel):
            raise ValueError(
                "The 'kernel' parameter of KernelHawkes must be a Kernel from "
                "titfortat.dynamics.hawkes.kernels (or a subclass) or None. Got "
                f"{self.kernel!r} instead."
            )
        return self.kernel

    @keep_warnings
    @single_blas_thread
    def fit(
        self,
        events: EventInput,
        *,
        end_time: float | None = None,
        nodes: Sequence[str] | None = None,
        node_col: str | None = None,
        strict: bool = False,
    ) -> Self:
        """Fit by maximum likelihood (arguments as :meth:`ExpHawkes.fit`)."""
        self._validate_params()
        kern = self._kernel()
        arrays, names, big_t, self.time_origin_ = event_arrays_and_origin(
            events, end_time=end_time, nodes=nodes, node_col=node_col
        )
        d, c = len(arrays), kern.n_components
        times, marks = merge_events(arrays)
        x, ll, info, full = fit_identity_rows(
            kern, times, marks, big_t, d, self.max_iter, self.tol
        )
        report_convergence(info, strict=strict, name=type(self).__name__)
        cov = covariance(full, np.ones(x.size, dtype=bool), strict=strict)
        self._x = x
        self.baseline_ = x[:d].copy()
        self.adjacency_ = x[d:].reshape(d, d, c).copy()
        self.decays_ = kern.params()
        pnames = [f"mu[{n}]" for n in names] + [
            f"alpha[{a}<-{b};{k}]" for a in names for b in names for k in range(c)
        ]
        params = pd.Series(x, index=pnames)
        self._record_fit(names, times, marks, big_t, params, cov, ll, info)
        return self

    def _kernel_of_fit(self) -> Kernel:
        return self._kernel()

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        d = len(self.nodes_)
        return x[d:].reshape(d, d, -1)

    # ------------------------------------------- hooks of LikelihoodInference
    def _alpha_index(self, i: int, j: int) -> list[int]:
        d, c = len(self.nodes_), self.adjacency_.shape[2]
        return [d + (i * d + j) * c + k for k in range(c)]

    def _restricted_loglik(self, held: dict[int, float]) -> float:
        return restricted_loglik(
            self._kernel(),
            self._times,
            self._marks,
            self.end_time_,
            len(self.nodes_),
            self._x,
            self.results_.log_likelihood,
            held,
            self.max_iter,
            self.tol,
        )

    def _lower_limits(self) -> np.ndarray:
        return np.zeros(self._x.size)
