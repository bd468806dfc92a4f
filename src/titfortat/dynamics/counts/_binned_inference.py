"""Likelihood-based inference of :class:`BinnedHawkes`: the hooks of the
family's one inference module (``hawkes/_inference.py``), which gives it
``lr_test``, ``profile_conf_int`` and ``bootstrap``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from titfortat._threads import single_blas_thread
from titfortat._validation import check_is_fitted
from titfortat.dynamics.hawkes._inference import (
    LikelihoodInference,
    parametric_bootstrap,
)
from titfortat.results import FitResult


class _BinnedInference(LikelihoodInference):
    """The hooks of :class:`LikelihoodInference` for BinnedHawkes.

    Examples
    --------
    >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
    >>> y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=600, rng=1).run()
    >>> m = BinnedHawkes(n_starts=1).fit(y)
    >>> ci = m.profile_conf_int(["alpha[0<-0]"])
    >>> bool(ci.loc["alpha[0<-0]", "ci_lower"] < m.adjacency_[0, 0]
    ...      < ci.loc["alpha[0<-0]", "ci_upper"])
    True
    """

    # Set by BinnedHawkes.__init__ / fit.
    link: Literal["identity", "softplus"]
    _x: np.ndarray
    _y: np.ndarray
    _free: np.ndarray
    _exog: np.ndarray | None
    # Supplied by BinnedHawkes.
    _blocks: Callable[[int], dict[str, slice]]
    _optimize: Callable[..., tuple[np.ndarray, float, dict[str, Any]]]

    def _alpha_index(self, i: int, j: int) -> list[int]:
        d = len(self.nodes_)
        return [self._blocks(d)["alpha"].start + i * d + j]

    def _restricted_fit(
        self, held: dict[int, float], start: np.ndarray
    ) -> tuple[np.ndarray, float]:
        x0, free = start.copy(), self._free.copy()
        for p, v in held.items():
            x0[p], free[p] = v, False
        x1, ll0, _ = self._optimize(self._y, [x0], free, restricted=True)
        return np.asarray(x1, dtype=float), ll0

    def _restricted_loglik(self, held: dict[int, float]) -> float:
        return self._restricted_fit(held, self._x)[1]

    def _profile_fitter(self, p: int) -> Callable[[float], float]:
        # Continuation: each restricted fit starts from the optimum of the
        # nearest value already profiled (the MLE at first). Brent's steps
        # are close together, so this cuts L-BFGS-B's iterations several
        # fold against restarting from the MLE each time (issue 14).
        solved: list[tuple[float, np.ndarray]] = [(float(self._x[p]), self._x)]

        def fit_at(v: float) -> float:
            start = min(solved, key=lambda s: abs(s[0] - v))[1]
            x1, ll0 = self._restricted_fit({p: v}, start)
            solved.append((v, x1))
            return ll0

        return fit_at

    def _profiled(self) -> np.ndarray:
        return self._free

    def _lower_limits(self) -> np.ndarray:
        b = self._blocks(len(self.nodes_))
        lower = np.full(self._x.size, -np.inf)
        if self.link == "identity":
            lower[: b["decay"].start] = 0.0  # baselines and excitations
        pos = slice(b["decay"].start, b["size"].stop)
        lower[pos] = 1e-6 * self._x[pos]  # decay and sizes (log scale)
        return lower

    @single_blas_thread
    def bootstrap(self, n_boot: int = 100) -> FitResult:
        """Parametric bootstrap; the returned result supports
        ``conf_int(method="bootstrap")``."""
        check_is_fitted(self)
        return parametric_bootstrap(
            self,
            n_boot,
            lambda rng: self.simulator(rng=rng).run_counts(),
            nodes=self.nodes_,
            exog=self._exog,
        )
