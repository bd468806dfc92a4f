"""The base of every continuous Hawkes estimator: what depends only on the
declared kernel, the link and the fitted state, written once.

An estimator sets ``baseline_``, ``adjacency_`` (``(D, D)`` or ``(D, D,
C)``), ``nodes_``, ``n_events_``, ``end_time_``, ``results_`` and the
training events ``_times``/``_marks`` in ``fit``, and declares ``link``,
``_kernel_of_fit()`` (the fitted kernel) and ``_adjacency_of(x)`` (the
adjacency under the reported parameters ``x``, for delta-method errors). It
then has ``score`` (identity link), ``predict_intensity``, ``residuals``
(identity link), ``branching_matrix``, ``branching_ratio``,
``spectral_radius``, ``simulator`` and, from
:class:`~titfortat.dynamics.hawkes._inference.LikelihoodInference`,
``lr_test``, ``profile_conf_int`` and ``bootstrap``. ExpHawkes overrides
those that its varying baselines change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from titfortat._validation import check_is_fitted
from titfortat.dynamics._branching import BranchingSummaries, spectral_radius
from titfortat.dynamics._delegates import ResultsDelegates
from titfortat.dynamics._events import (
    EventInput,
    event_arrays_and_origin,
    merge_events,
)
from titfortat.dynamics._optim import fit_health
from titfortat.dynamics.hawkes._inference import LikelihoodInference
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    sumexp_compensator_at_events,
)
from titfortat.dynamics.hawkes._simulate import HawkesSimulator
from titfortat.dynamics.hawkes.baselines import Baseline
from titfortat.dynamics.hawkes.kernels import LINKS, Kernel, SumExpKernel
from titfortat.results import FitResult, ResidualResult


class HawkesFamily(ResultsDelegates, LikelihoodInference, BranchingSummaries):
    """Shared methods of the continuous Hawkes estimators (see the module)."""

    link: str
    nodes_: list[str]
    n_events_: int
    n_iter_: int
    converged_: bool
    end_time_: float
    baseline_: np.ndarray
    adjacency_: np.ndarray
    results_: FitResult
    _x: np.ndarray
    _times: np.ndarray
    _marks: np.ndarray

    _repr_params: Any  # from BaseEstimator
    #: mu_i(t); ExpHawkes sets its own in fit
    _baseline: Baseline = Baseline()

    def _record_fit(
        self,
        names: list[str],
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        params: pd.Series,
        cov: np.ndarray,
        ll: float,
        info: dict[str, Any],
        free: np.ndarray | None = None,
        k_params: int | None = None,
    ) -> None:
        """Set the learned state every estimator shares and ``results_``; the
        estimator sets ``baseline_`` and ``adjacency_`` first (the health
        check reads the spectral radius). Converged only with an invertible
        information; a StabilityWarning near the unit root."""
        self.nodes_ = names
        self._times, self._marks = times, marks
        self.n_events_ = int(times.size)
        self.end_time_ = end_time
        self.n_iter_ = int(info.get("n_iter", 0))
        self.converged_ = fit_health(
            type(self).__name__,
            info,
            cov,
            np.ones(cov.shape[0], dtype=bool) if free is None else free,
            radius=spectral_radius(self.adjacency_, self.link),
        )
        self.results_ = FitResult.from_estimates(
            params=params,
            cov_params=cov,
            log_likelihood=ll,
            n_obs=self.n_events_,
            n_events=self.n_events_,
            n_nodes=len(names),
            end_time=end_time,
            model_repr=self._repr_params(),
            k_params=k_params,
            converged=self.converged_,
            optimizer_info=info,
        )

    def _kernel_of_fit(self) -> Kernel:
        raise NotImplementedError

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _kernel_of(self, x: np.ndarray) -> Kernel:
        """The kernel under the reported parameters ``x`` (learned decays)."""
        return self._kernel_of_fit()

    def _baseline_params(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(mu, gamma)`` of ``_baseline`` under the reported parameters
        ``x`` (a constant baseline leads ``x``)."""
        d = len(self.nodes_)
        return x[:d], np.zeros((d, 0))

    def _varying_baseline(self) -> bool:
        return self._baseline.varying

    def _baseline_at(self, x: np.ndarray, t: np.ndarray, node: np.ndarray) -> Any:
        """``mu_node(t)`` under the reported parameters ``x``."""
        return self._baseline.at(*self._baseline_params(x), t, node)

    def _fit_status(self) -> str:
        if "results_" not in vars(self):
            return "not fitted"
        return f"fitted: {len(self.nodes_)} nodes, {self.n_events_:,} events"

    def _events_to_score(
        self, events: EventInput, end_time: float | None, node_col: str | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """``(times, marks, end_time)`` of events to score, read against the
        fitted nodes (a frame's node order and missing nodes do not matter; an
        unknown node is an error)."""
        arrays, _, big_t, _ = event_arrays_and_origin(
            events,
            end_time=end_time,
            nodes=self.nodes_,
            node_col=node_col,
            scoring=True,
        )
        return *merge_events(arrays), big_t

    def score(
        self,
        events: EventInput,
        *,
        end_time: float | None = None,
        node_col: str | None = None,
        y: Any = None,
    ) -> float:
        """Log-likelihood of ``events`` under the fitted parameters (higher: better).

        Events are read against the fitted nodes: a frame may list them in
        any order and miss some; an event of a node the model does not have
        is a :class:`~titfortat.exceptions.DataError`. A dated frame's time 0
        is its own first day (the window scored), not ``time_origin_``.
        ``end_time`` and ``node_col`` are as in ``fit``.
        """
        check_is_fitted(self)
        scored = self._events_to_score(events, end_time, node_col)
        return self._loglik_at_fit(*scored)

    def _loglik_at_fit(
        self, times: np.ndarray, marks: np.ndarray, big_t: float
    ) -> float:
        """Log-likelihood of merged events under the fitted parameters
        (identity link, constant baseline, any declared kernel here)."""
        d = len(self.nodes_)
        r, comp = self._kernel_of_fit().design(times, marks, big_t, d)
        a = self.adjacency_.reshape(d, -1)
        lam = self.baseline_[marks] + np.einsum("nk,nk->n", r, a[marks])
        if np.any(lam <= 0):
            return -np.inf
        return float(np.log(lam).sum() - self.baseline_.sum() * big_t - a.sum(0) @ comp)

    def _baseline_integral(self, t: np.ndarray, node: np.ndarray) -> np.ndarray:
        """``int_0^t mu_node(s) ds`` under the fitted parameters."""
        return self._baseline.integral(*self._baseline_params(self._x), t, node)

    def _nonlinear_cumulative(self) -> np.ndarray:
        """Compensator of each training event's node at the event, under
        softplus or relu: the sum-of-exponentials pass (constant baseline)."""
        kern = self._kernel_of_fit()
        x = np.concatenate([self.baseline_, self.adjacency_.ravel(), kern.params()])
        return sumexp_compensator_at_events(
            x,
            self._times,
            self._marks,
            len(self.nodes_),
            kern.n_components,
            LINKS[self.link].code,
        )

    def predict_intensity(self, grid: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Fitted intensity of each node at the ``grid`` times (left limits):
        the link of the baseline plus the excitation."""
        check_is_fitted(self)
        g = np.asarray(grid, dtype=float)
        d = len(self.nodes_)
        r = self._kernel_of_fit().excitation_at(self._times, self._marks, g, d)
        x = r @ self.adjacency_.reshape(d, -1).T
        for i in range(d):
            x[:, i] += self._baseline_at(self._x, g, np.full(g.size, i))
        return pd.DataFrame(LINKS[self.link](x), index=g, columns=self.nodes_)

    def residuals(self) -> ResidualResult:
        """Time-rescaling residuals of the training events, per node (Brown,
        Barbieri, Ventura, Kass and Frank 2002): compensator increments
        between successive events of each node."""
        check_is_fitted(self)
        times, marks, d = self._times, self._marks, len(self.nodes_)
        if self.link == "identity":  # additive: baseline plus excitation
            src = self._kernel_of_fit().compensator_at(times, marks, times, d)
            a = self.adjacency_.reshape(d, -1)
            cum = self._baseline_integral(times, marks) + np.einsum(
                "nk,nk->n", src, a[marks]
            )
        else:
            cum = self._nonlinear_cumulative()
        return ResidualResult(
            {
                name: np.diff(np.concatenate([[0.0], cum[marks == k]]))
                for k, name in enumerate(self.nodes_)
            }
        )

    def _triggered(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum over each node's events of ``(lambda - mu) / lambda``."""
        times, marks, d = self._times, self._marks, len(self.nodes_)
        r, _ = self._kernel_of(x).design(times, marks, self.end_time_, d)
        a = self._adjacency_of(x).reshape(d, -1)
        trig = np.einsum("nk,nk->n", r, a[marks])
        share = trig / (self._baseline_at(x, times, marks) + trig)
        counts = np.bincount(marks, minlength=d)
        return np.bincount(marks, weights=share, minlength=d), counts

    def _impulse(self, x: np.ndarray, horizon: float) -> np.ndarray:
        """Closed form for a sum of exponentials
        (:meth:`~titfortat.dynamics.hawkes.kernels.SumExpKernel.impulse_response`;
        for one decay ``A (A - I)^{-1} (expm(beta (A - I) H) - I)``)."""
        kern = self._kernel_of(x)
        if not isinstance(kern, SumExpKernel):
            raise ValueError(
                "impulse_response has a closed form only for a sum-of-exponentials "
                f"kernel; simulate the fitted model for kernel {type(kern).__name__}."
            )
        d = len(self.nodes_)
        return kern.impulse_response(self._adjacency_of(x).reshape(d, d, -1), horizon)

    def simulator(
        self,
        *,
        end_time: float | None = None,
        rng: int | np.random.Generator | None = None,
        max_events: int | None = None,
    ) -> HawkesSimulator:
        """A :class:`HawkesSimulator` of the fitted model (cluster construction
        for the identity link, Ogata thinning for softplus and relu), over the
        fitted window unless ``end_time`` is given; a varying baseline is
        simulated as :meth:`~titfortat.dynamics.hawkes.baselines.Baseline.simulator`
        says."""
        check_is_fitted(self)
        big_t = self.end_time_ if end_time is None else float(end_time)
        kernel, opts = self._kernel_of_fit(), {"rng": rng, "nodes": self.nodes_}
        if self._baseline.varying:
            mu, gamma = self._baseline_params(self._x)
            return self._baseline.simulator(
                mu, gamma, self.adjacency_, kernel, self.link, big_t,
                max_events=max_events, **opts,
            )  # fmt: skip
        return HawkesSimulator(
            self.baseline_,
            self.adjacency_,
            kernel,
            end_time=big_t,
            link=self.link,  # type: ignore[arg-type]
            max_events=max_events,
            **opts,  # type: ignore[arg-type]
        )
