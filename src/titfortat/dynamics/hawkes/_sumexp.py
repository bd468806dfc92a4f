"""SumExpHawkes: multivariate Hawkes process with a sum-of-exponentials kernel."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from titfortat._threads import single_blas_thread
from titfortat._validation import (
    BaseEstimator,
    Interval,
    Options,
    as_generator,
)
from titfortat.dynamics._events import (
    EventInput,
    event_arrays_and_origin,
    merge_events,
)
from titfortat.dynamics._optim import (
    covariance,
    keep_warnings,
    observed_information,
    report_convergence,
)
from titfortat.dynamics.hawkes._family import HawkesFamily
from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_loglik_grad
from titfortat.dynamics.hawkes._rows import restricted_loglik
from titfortat.dynamics.hawkes._sumexp_fit import (
    MIN_LOG_GAP,
    fit_fixed_identity,
    fit_free,
    information,
)
from titfortat.dynamics.hawkes._sumexp_nonlinear import nonlinear_loglik
from titfortat.dynamics.hawkes.kernels import SumExpKernel

__all__ = ["SumExpHawkes"]


class SumExpHawkes(HawkesFamily, BaseEstimator):
    """Multivariate Hawkes process with a sum-of-exponentials kernel.

    .. math::

        \\lambda_i(t) = \\phi\\Big(\\mu_i + \\sum_{j} \\sum_{t^j_k < t}
        \\sum_{u=1}^{U} \\alpha^{u}_{ij}\\, \\beta_u e^{-\\beta_u (t - t^j_k)}\\Big)

    Symbols and attributes: :math:`\\mu` → ``baseline_``;
    :math:`\\alpha^u_{ij}` → ``adjacency_[i, j, u]`` (**row i excited by column
    j**, parameter ``alpha[i<-j;u]``); the decays :math:`\\beta_u` →
    ``decays_``, fixed by the user as in tick's ``HawkesSumExpKern``, or
    learned jointly with ``learn_decays=True``. Each component integrates to
    one, so with the identity link ``adjacency_.sum(axis=2)`` is the
    branching matrix. With the identity link and fixed decays the fit is the
    family's concave row-separable one (exact and fast).

    Links (as :class:`ExpHawkes`): ``phi(x) = x`` (``"identity"``, ``alpha >=
    0``), ``log(1 + e^x)`` (``"softplus"``) or ``max(1e-8, x)`` (``"relu"``,
    ``mu > 0``); under the last two ``alpha < 0`` (inhibition) is estimable.
    With several decays the predictor between events is not monotone: the
    relu compensator integrates the positive parts between its exact zero
    crossings, and softplus uses Gauss-Legendre quadrature on geometrically
    growing panels (relative error below 1e-9 against adaptive quadrature).
    One evaluation then costs O(N D (D U + Q)) instead of O(N D U).

    Learned decays. A sum of exponentials needs starting decays (the
    likelihood in the decays is multimodal), so the API is ``decays`` plus a
    flag: ``SumExpHawkes(decays=(b1, ..., bU), learn_decays=True)``. The fit
    starts from the given decays (sorted) and, when ``n_starts > 1``, from
    log-spaced alternatives drawn with ``rng``; it keeps the best likelihood
    and reports in ``optimizer_info`` how many starts converged
    (``n_converged``) and agreed with the best (``n_agree``,
    ``starts_agree``). Above 40,000 events (identity link) the starts are
    compared on the first tenth of the window and only the best is refined
    on all events (``starts_screened_on`` gives the events used), so extra
    starts cost a tenth of a fit each. With the identity link each start first fits the
    concave fixed-decay problem, then maximises the likelihood in all
    parameters by a projected Newton method with the analytic Hessian
    (numba, one O(N (D U)^2) pass; L-BFGS-B on the analytic gradient takes
    over if Newton fails). The components are exchangeable, so for
    identifiability the decays are reported ordered, ``b1 < b2 < ... < bU``
    (L-BFGS-B works on ``log b1`` and the increments ``log b_u - log b_{u-1}
    >= 1e-4``), so ``alpha[...;u]`` always belongs to the u-th slowest
    component. The results then include ``decay[0]``, ..., ``decay[U-1]``,
    with standard errors from the observed information (the analytic
    Hessian for the identity link, differences of the analytic gradient for
    softplus and relu). If two components merge (their decays meet)
    the decays are not identified; use fewer components.

    Parameters
    ----------
    decays : sequence of float, default (0.1, 1.0, 10.0)
        Decays beta_u > 0, per day (fast and slow reactions): fixed, or the
        starting values when ``learn_decays=True``. Distinct values are
        needed unless the link is the identity and the decays are fixed.
    learn_decays : bool, default False
        Learn the decays jointly with the other parameters (see above).
    link : {"identity", "softplus", "relu"}, default "identity"
    n_starts : int, default 3
        Starts of the non-concave fits (learned decays or nonlinear link);
        the identity link with fixed decays needs one. Under relu an event
        pushed onto the floor has no gradient pulling it back, so a single
        start can stop at a local maximum: keep at least two.
    max_iter : int, default 1000
    tol : float, default 1e-12
    rng : int, numpy.random.Generator or None, default None
        Draws the further starts.

    Attributes
    ----------
    baseline_ : ndarray of shape (D,)
    adjacency_ : ndarray of shape (D, D, U)
    decays_ : ndarray of shape (U,)
    nodes_ : list of str
    n_iter_ : int
        Optimiser iterations (of the best start).
    n_events_ : int
    end_time_ : float
    time_origin_ : pandas.Timestamp or None
        Calendar day of time 0 when fitted on dated events (midnight of the
        first event's date); None for float times. Day t of the model is
        ``time_origin_ + t days``.
    converged_ : bool
        Optimiser success with an invertible information matrix (the
        reason otherwise is in ``results_.optimizer_info["health"]``).
    warnings_ : list of str
        Every warning raised during ``fit``, as ``"Category: message"``
        (they are also issued as usual).
    results_ : FitResult

    Examples
    --------
    >>> from titfortat.dynamics import HawkesSimulator
    >>> sim = HawkesSimulator([0.5], [[0.4]], 1.0, end_time=500.0, rng=0)
    >>> arrays = sim.run_arrays()
    >>> m = SumExpHawkes(decays=[0.2, 2.0]).fit(arrays, nodes=["attack"])
    >>> list(m.results_.params.index)
    ['mu[attack]', 'alpha[attack<-attack;0]', 'alpha[attack<-attack;1]']
    >>> s = SumExpHawkes(decays=[0.2, 2.0], link="softplus", n_starts=1)
    >>> bool(s.fit(arrays).converged_)
    True
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "learn_decays": ["boolean"],
        "link": [Options({"identity", "softplus", "relu"})],
        "n_starts": [Interval(Integral, 1, None)],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "rng": ["rng"],
    }

    def __init__(
        self,
        *,
        decays: Sequence[float] = (0.1, 1.0, 10.0),
        learn_decays: bool = False,
        link: Literal["identity", "softplus", "relu"] = "identity",
        n_starts: int = 3,
        max_iter: int = 1000,
        tol: float = 1e-12,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.decays = decays
        self.learn_decays = learn_decays
        self.link = link
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.tol = tol
        self.rng = rng

    def _check_decays(self) -> np.ndarray:
        b = np.asarray(self.decays, dtype=float).ravel()
        if b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
            raise ValueError(
                "The 'decays' parameter of SumExpHawkes must be a non-empty sequence "
                f"of positive floats. Got {self.decays!r} instead."
            )
        if self.learn_decays or self.link != "identity":
            b = np.sort(b)
            if np.any(np.diff(np.log(b)) < MIN_LOG_GAP):
                raise ValueError(
                    "The 'decays' parameter of SumExpHawkes must hold distinct "
                    "values when learn_decays=True or the link is not 'identity' "
                    f"(the components are otherwise exchangeable). Got "
                    f"{self.decays!r} instead."
                )
        return b

    def _loglik(
        self, x: np.ndarray, times: np.ndarray, marks: np.ndarray, end_time: float
    ) -> tuple[float, np.ndarray]:
        """Log-likelihood and gradient at ``x = [mu, alpha, beta]``."""
        d, u = self._d, self._u
        if self.link == "identity":
            ll, g = sumexp_loglik_grad(x, times, marks, end_time, d, u)
            return float(ll), g
        return nonlinear_loglik(x, times, marks, end_time, d, u, self.link)

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
        """Fit by exact maximum likelihood.

        Parameters
        ----------
        events, end_time, nodes, node_col, strict
            As for :meth:`ExpHawkes.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        betas = self._check_decays()
        rng = as_generator(self.rng)
        arrays, names, big_t, self.time_origin_ = event_arrays_and_origin(
            events, end_time=end_time, nodes=nodes, node_col=node_col
        )
        d, u = len(arrays), betas.size
        self._d, self._u = d, u
        times, marks = merge_events(arrays)
        pnames = [f"mu[{n}]" for n in names] + [
            f"alpha[{a}<-{b};{k}]" for a in names for b in names for k in range(u)
        ]
        if self.learn_decays:
            pnames += [f"decay[{k}]" for k in range(u)]
        if self.link == "identity" and not self.learn_decays:
            xp, ll_total, info, full = fit_fixed_identity(
                times, marks, big_t, d, betas, self.max_iter, self.tol
            )
            report_convergence(info, strict=strict, name=type(self).__name__)
            cov = covariance(full, np.ones(xp.size, bool), strict=strict)
            x_all = np.concatenate([xp, betas])
        else:
            x_all, ll_total, info = self._fit_free(
                times, marks, big_t, betas, None, rng
            )
            report_convergence(info, strict=strict, name=type(self).__name__)
            cov = self._free_covariance(x_all, times, marks, big_t, pnames, strict)
        xp = x_all if self.learn_decays else x_all[: x_all.size - u]
        self._x, self._x_all = xp, x_all
        self.decays_ = x_all[x_all.size - u :].copy()
        self.baseline_ = x_all[:d].copy()
        self.adjacency_ = x_all[d : d + d * d * u].reshape(d, d, u).copy()
        params = pd.Series(xp, index=pnames)
        self._record_fit(names, times, marks, big_t, params, cov, ll_total, info)
        return self

    def _free_covariance(
        self,
        x_all: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        pnames: list[str],
        strict: bool,
    ) -> np.ndarray:
        """Inverse observed information of the reported parameters: the
        analytic Hessian under the identity link (decays learned), differences
        of the analytic gradient under softplus and relu, every target row at
        once (the log-likelihood separates by target node)."""
        d, u = self._d, self._u
        k = x_all.size - u  # [mu, alpha]; the decays follow
        n_rep = x_all.size if self.learn_decays else k
        if self.link == "identity":
            info_mat = information(x_all, times, marks, end_time, d, u)
            at_bound = x_all <= 1e-8  # alpha or mu on its bound
        else:
            lower = np.full(x_all.size, -np.inf)
            lower[k:] = 0.0
            if self.link == "relu":
                lower[:d] = 0.0

            def grad(v: np.ndarray) -> np.ndarray:
                return self._loglik(v, times, marks, end_time)[1]

            du = d * u
            rows = [np.r_[i, d + i * du : d + (i + 1) * du] for i in range(d)]
            free = np.arange(x_all.size) < n_rep
            info_mat = observed_information(grad, x_all, free, lower, rows)
            at_bound = np.zeros(x_all.size, dtype=bool)
        return covariance(
            info_mat[:n_rep, :n_rep],
            np.ones(n_rep, dtype=bool),
            strict=strict,
            stacklevel=4,  # warn at the user's fit call
            at_bound=at_bound[:n_rep],
            names=pnames,
        )

    def _fit_free(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        betas: np.ndarray,
        held: np.ndarray | None,
        rng: np.random.Generator,
        start: np.ndarray | None = None,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Multi-start fit of ``[mu, alpha, beta]`` (learned decays or a
        nonlinear link); ``start`` replaces the starts (restricted refits)."""
        return fit_free(
            times,
            marks,
            end_time,
            self._d,
            betas,
            held,
            rng,
            start,
            link=self.link,
            n_starts=self.n_starts,
            learn_decays=self.learn_decays,
            max_iter=self.max_iter,
            tol=self.tol,
        )

    def _loglik_at_fit(
        self, times: np.ndarray, marks: np.ndarray, big_t: float
    ) -> float:
        if self.link == "identity":
            return super()._loglik_at_fit(times, marks, big_t)
        return self._loglik(self._x_all, times, marks, big_t)[0]

    def _kernel_of_fit(self) -> SumExpKernel:
        return SumExpKernel(self.decays_)

    def _kernel_of(self, x: np.ndarray) -> SumExpKernel:
        return (
            SumExpKernel(x[x.size - self._u :])
            if self.learn_decays
            else (self._kernel_of_fit())
        )

    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        d, u = self._d, self._u
        return x[d : d + d * d * u].reshape(d, d, u)

    # ------------------------------------------- hooks of LikelihoodInference
    def _alpha_index(self, i: int, j: int) -> list[int]:
        d, u = self._d, self._u
        return [d + (i * d + j) * u + c for c in range(u)]

    def _restricted_loglik(self, held: dict[int, float]) -> float:
        d, u = self._d, self._u
        pos = np.array(list(held), dtype=int)
        if self.link == "identity" and not self.learn_decays:
            return restricted_loglik(
                SumExpKernel(self.decays_),
                self._times,
                self._marks,
                self.end_time_,
                d,
                self._x,
                self.results_.log_likelihood,
                held,
                self.max_iter,
                self.tol,
            )
        k = d + d * d * u
        if any(p >= k for p in held):
            raise ValueError(
                "SumExpHawkes has no profile-likelihood interval of a learned "
                "decay (they are refitted on an ordered scale); use bootstrap()."
            )
        values = np.full(k, np.nan)
        values[pos] = list(held.values())
        _, ll0, _ = self._fit_free(
            self._times,
            self._marks,
            self.end_time_,
            self.decays_,
            values,
            as_generator(self.rng),
            start=self._x_all,
        )
        return ll0

    def _profiled(self) -> np.ndarray:
        # A learned decay's interval comes from bootstrap() (NaN here).
        return np.arange(self._x.size) < self._d + self._d**2 * self._u

    def _lower_limits(self) -> np.ndarray:
        lower = np.full(self._x.size, -np.inf)
        n_pos = {"identity": self._x.size, "relu": self._d}.get(self.link, 0)
        lower[:n_pos] = 0.0
        lower[self._d + self._d**2 * self._u :] = 1e-10  # learned decays
        return lower
