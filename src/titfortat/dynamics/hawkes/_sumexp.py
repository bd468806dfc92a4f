"""SumExpHawkes: multivariate Hawkes process with a sum-of-exponentials kernel."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal, Self

import numpy as np

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
from titfortat.dynamics._optim import keep_warnings
from titfortat.dynamics.hawkes._exp_family import ExpFamilyHawkes
from titfortat.dynamics.hawkes._sumexp_fit import MIN_LOG_GAP, decay_starts
from titfortat.dynamics.hawkes._sumexp_nonlinear import nonlinear_starts
from titfortat.dynamics.hawkes.baselines import Baseline

__all__ = ["SumExpHawkes"]


class SumExpHawkes(ExpFamilyHawkes, BaseEstimator):
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

    _hold_bound_estimates = True

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
        times, marks = merge_events(arrays)
        self._fit(
            arrays, times, marks, names, big_t, Baseline(),
            u=betas.size, learn=self.learn_decays, rng=rng, strict=strict,
        )  # fmt: skip
        return self

    def _starts(
        self,
        arrays: list[np.ndarray],
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        rng: np.random.Generator,
    ) -> list[np.ndarray]:
        """The user's decays (and, when learned, log-spaced alternatives,
        :func:`~titfortat.dynamics.hawkes._sumexp_fit.decay_starts`); under
        the identity link ``mu`` and ``alpha`` start from the row fit."""
        d, betas = len(arrays), self._check_decays()
        if self.link != "identity":
            return nonlinear_starts(
                times, marks, end_time, d, betas, self.link, self.n_starts,
                self.learn_decays, rng, self.max_iter,
            )  # fmt: skip
        learned = self.learn_decays
        b0s = decay_starts(betas, self.n_starts, rng) if learned else [betas]
        return [np.concatenate([np.full(d + d * d * b.size, np.nan), b]) for b in b0s]

    # ------------------------------------------- hooks of LikelihoodInference
    def _restricted_loglik(self, held: dict[int, float]) -> float:
        if self.learn_decays and any(p >= self._x.size - self._spec.u for p in held):
            raise ValueError(
                "SumExpHawkes has no profile-likelihood interval of a learned "
                "decay (they are refitted on an ordered scale); use bootstrap()."
            )
        return super()._restricted_loglik(held)

    def _profiled(self) -> np.ndarray:
        # A learned decay's interval comes from bootstrap() (NaN here).
        n_mu_alpha = self._spec.n_mu(len(self.nodes_)) + self.adjacency_.size
        return np.arange(self._x.size) < n_mu_alpha
