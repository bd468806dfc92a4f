"""ExpHawkes: multivariate Hawkes process with an exponential kernel."""

from __future__ import annotations

import warnings
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
from titfortat.dynamics._jitter import jitter_times
from titfortat.dynamics._optim import keep_warnings
from titfortat.dynamics.hawkes._exog import as_covariates
from titfortat.dynamics.hawkes._exp_family import ExpFamilyHawkes
from titfortat.dynamics.hawkes.baselines import Baseline
from titfortat.dynamics.hawkes.kernels import ExpKernel
from titfortat.exceptions import DataError, DataQualityWarning

__all__ = ["MAX_TIED_SHARE", "ExpHawkes"]

#: Largest share of events tied with an earlier event that ExpHawkes fits
#: (a warning names the ties below it). Above it the data are coarse time
#: stamps, not a point process in continuous time: use BinnedHawkes or
#: ``tie_breaking="jitter"``.
MAX_TIED_SHARE = 0.25


class ExpHawkes(ExpFamilyHawkes, BaseEstimator):
    """Multivariate Hawkes process with an exponential kernel, fitted by exact MLE.

    .. math::

        \\lambda_i(t) = \\phi\\Big(\\mu_i(t) + \\sum_{j=1}^{D} \\sum_{t^j_k < t}
        \\alpha_{ij}\\, \\beta e^{-\\beta (t - t^j_k)}\\Big), \\qquad
        \\mu_i(t) = \\mu_i + \\sum_k \\gamma_{ik} x_k(t)

    Symbols and attributes: :math:`\\mu \\in \\mathbb{R}^D` → ``baseline_``
    (constant, per segment with ``baseline_segments``, or with piecewise-
    constant covariates :math:`x_k(t)` passed as ``fit(..., exog=...)``,
    :math:`\\Gamma = (\\gamma_{ik})` → ``exog_coef_``);
    :math:`A = (\\alpha_{ij})` → ``adjacency_``, where **row i is excited by
    column j** (``adjacency_[i, j]`` is the effect of one event of node j on
    node i, and is named ``alpha[i<-j]``); :math:`\\beta` → ``decay_`` (per
    day; mean delay ``1/beta``). The kernel integrates to one, so with the
    identity link ``alpha[i<-j]`` is the expected number of node-i events
    directly triggered by one node-j event. With ``link="softplus"``,
    :math:`\\phi(x) = \\log(1 + e^x)` and a negative ``alpha`` is inhibition;
    with ``link="relu"``, :math:`\\phi(x) = \\max(\\varepsilon, x)` with
    :math:`\\varepsilon = 10^{-8}` per day, so the intensity is linear (an
    ``alpha`` keeps its offspring-count meaning) until inhibition pushes it to
    the floor.

    Parameters
    ----------
    decay : float or None, default None
        Fixed decay beta > 0, or ``None`` to learn it jointly.
    link : {"identity", "softplus", "relu"}, default "identity"
        ``identity`` constrains ``alpha >= 0`` and ``mu > 0``; ``softplus``
        leaves them free, ``relu`` leaves ``alpha`` free and keeps ``mu > 0``
        (both O(N D^2) per evaluation instead of O(N D); relu's compensator is
        closed-form, softplus' uses quadrature). The relu log-likelihood has
        kinks where a predictor crosses the floor, so its standard errors
        (from a differenced gradient) assume the floor is rarely reached.
        Both links combine with a varying baseline (``exog``,
        ``baseline_segments``, ``baseline_spline_df``): the baseline enters
        inside the link, so an inhibitory ``alpha`` is estimated together
        with, e.g., a truce window.
    baseline_spline_df : int, default 0
        Number of cubic B-spline functions (equally spaced knots on the
        window) of a smooth baseline ``mu_i(t) = mu_i + sum_b
        spline[i,b] B_b(t)`` (any link, ``baseline_segments=1``; may be
        combined with ``exog``). 0 means none,
        otherwise at least 4. With the identity link the baseline is kept
        positive by requiring every B-spline coefficient to be positive
        (sufficient, slightly conservative); under softplus and relu the
        coefficients are free. Coefficients are in ``exog_coef_`` after any
        covariates. Choose the number by AIC.
    baseline_segments : int, default 1
        Number of equal-length pieces of the window with their own baseline
        (piecewise-constant ``mu_i(t)``, parameters ``mu[node,k]``; any
        link, not combined with ``exog`` or a spline). An unmodelled trend in
        the background rate is otherwise absorbed into the excitation.
    tie_breaking : {"none", "jitter"}, default "none"
        ``"none"`` keeps tied times as they are (they do not excite each
        other; a :class:`~titfortat.exceptions.DataQualityWarning` reports
        them) and refuses data with more than :data:`MAX_TIED_SHARE` (25%)
        of events tied, with a :class:`~titfortat.exceptions.DataError`.
        ``"jitter"`` spreads day-stamped times uniformly within their day
        with :func:`~titfortat.dynamics.jitter_times`, seeded by ``rng``,
        before fitting; every time must then be a whole number of days, and
        the default ``end_time`` is the end of the last day. Jittering biases
        the decay down when the mean delay ``1/beta`` is near a day (see the
        notes of :func:`~titfortat.dynamics.jitter_times`);
        :class:`~titfortat.dynamics.BinnedHawkes` is the exact alternative.
    n_starts : int, default 3
        Optimiser starts; the first is deterministic, the rest drawn from
        ``rng``. With the identity link and a fixed decay the problem is
        concave and separates by target node, so one exact start is used.
        With the identity link and a learned decay the first start is
        refined by projected Newton with the analytic Hessian (L-BFGS-B if
        Newton cannot make progress); the other starts use L-BFGS-B.
    max_iter : int, default 500
    tol : float, default 1e-10
        Relative tolerance on the per-event log-likelihood.
    rng : int, numpy.random.Generator or None
        Seeds the extra starts, the simulator and the bootstrap.

    Attributes
    ----------
    baseline_ : ndarray of shape (D,)
    adjacency_ : ndarray of shape (D, D)
    decay_ : float
    decays_ : ndarray of shape (1,)
        ``[decay_]``: the name every model of the family uses.
    exog_coef_ : ndarray of shape (D, p)
        Covariate coefficients ``gamma[i, k]`` (``p = 0`` without ``exog``).
    nodes_ : list of str
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
    n_iter_ : int
    results_ : FitResult

    Notes
    -----
    Standard errors come from the observed information: analytic for the
    identity link with a constant or segmented baseline (one O(N D^2)
    pass), a central difference of the analytic gradient for softplus, relu
    and covariate or spline baselines. Estimates on the bound ``alpha = 0``
    get a curvature-based Wald interval that is only indicative; use
    :meth:`lr_test` (chi-bar-squared) or :meth:`profile_conf_int` for them.
    With the identity link and ``exog`` or a spline, the positivity of the
    baseline is a set of linear constraints and the fit uses SLSQP instead of
    L-BFGS-B; under softplus and relu the link keeps the rate positive and
    ``gamma`` is free. There, each inter-event interval is split where a
    covariate changes or a spline knot lies: step covariates keep the exact
    relu compensator and softplus' quadrature; on a spline piece softplus
    is integrated by Gauss-Legendre panels (agreeing with adaptive
    quadrature to about 1e-11 relative), and relu exactly, every floor
    crossing of the cubic-plus-exponential predictor being bracketed through
    its derivatives.
    Tied event times do not excite each other (the sum runs over
    ``t_k < t``); for day-resolution data prefer :class:`BinnedHawkes`, or
    pass ``tie_breaking="jitter"`` knowing its bias.

    See Also
    --------
    titfortat.dynamics.BinnedHawkes : day-binned counts, exact with tied dates.
    titfortat.dynamics.HawkesSimulator : simulation.

    References
    ----------
    Ozaki (1979), Ann. Inst. Statist. Math. 31; Ogata (1981), IEEE Trans.
    Inf. Theory 27; Lewis, Mohler, Brantingham and Bertozzi (2012), Security
    Journal 25.

    Examples
    --------
    >>> from titfortat.dynamics import ExpHawkes, HawkesSimulator
    >>> sim = HawkesSimulator([0.4, 0.3], [[0.2, 0.3], [0.0, 0.3]], 2.0,
    ...                       end_time=1000.0, rng=0)
    >>> model = ExpHawkes(n_starts=1).fit(sim.run_arrays(), nodes=["strike", "attack"])
    >>> model.results_.summary().table.columns.tolist()
    ['estimate', 'std_err', 'ci_lower', 'ci_upper', 'z', 'p_value']
    >>> "alpha[attack<-strike]" in model.results_.params.index
    True

    Inhibition with a truce window, under the softplus link:

    >>> inhib = HawkesSimulator([0.5, 0.3], [[0.3, -0.8], [0.6, 0.2]], 1.0,
    ...                         end_time=1000.0, link="softplus", rng=0)
    >>> fitted = ExpHawkes(link="softplus", n_starts=1).fit(
    ...     inhib.run_arrays(), end_time=1000.0, exog={"truce": [(300.0, 600.0)]})
    >>> fitted.results_.params.index[-3:].tolist()
    ['gamma[0,truce]', 'gamma[1,truce]', 'decay']
    >>> len(fitted.simulator(end_time=50.0, rng=1).run_arrays())
    2
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "decay": [Interval(Real, 0, None, closed="neither"), None],
        "link": [Options({"identity", "softplus", "relu"})],
        "baseline_segments": [Interval(Integral, 1, None)],
        "baseline_spline_df": [Interval(Integral, 0, None)],
        "tie_breaking": [Options({"none", "jitter"})],
        "n_starts": [Interval(Integral, 1, None)],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "rng": ["rng"],
    }

    _component_names = False
    _report_fixed_decays = True

    def __init__(
        self,
        *,
        decay: float | None = None,
        link: Literal["identity", "softplus", "relu"] = "identity",
        baseline_segments: int = 1,
        baseline_spline_df: int = 0,
        tie_breaking: Literal["none", "jitter"] = "none",
        n_starts: int = 3,
        max_iter: int = 500,
        tol: float = 1e-10,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.decay = decay
        self.link = link
        self.baseline_segments = baseline_segments
        self.baseline_spline_df = baseline_spline_df
        self.tie_breaking = tie_breaking
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.tol = tol
        self.rng = rng

    @keep_warnings
    @single_blas_thread
    def fit(
        self,
        events: EventInput,
        *,
        end_time: float | None = None,
        nodes: Sequence[str] | None = None,
        node_col: str | None = None,
        exog: Any = None,
        strict: bool = False,
    ) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        events : list of arrays, dict or pandas.DataFrame
            Event times in days per node (see :mod:`titfortat.dynamics`).
        end_time : float, optional
            End of the observation window; default the last event time.
        nodes : sequence of str, optional
            Node names (in order).
        node_col : str, optional
            Node column of an event frame.
        exog : dict or pandas.DataFrame, optional
            Piecewise-constant covariates of the baseline,
            ``mu_i(t) = mu_i + sum_k gamma[i,k] x_k(t)`` (any link,
            ``baseline_segments=1``). A dict ``{name: [(start, end), ...]}``
            gives indicator covariates, 1 on the day intervals
            ``[start, end)`` (a truce window, sanction periods); a DataFrame
            indexed by change times in days (the first at or before 0) gives
            general step functions. With the identity link ``gamma`` may be
            negative as long as every baseline stays positive on every piece
            of the window, and the fit enforces that; under softplus and relu
            it is free. Parameters are named ``gamma[node,covariate]``
            and stored in ``exog_coef_`` (D x p).
        strict : bool, default False
            Raise :class:`~titfortat.exceptions.ConvergenceError` instead of
            warning when the optimiser or the Hessian fails.

        Returns
        -------
        self
        """
        self._validate_params()
        rng = as_generator(self.rng)
        arrays, names, big_t, self.time_origin_ = self._prepare(
            events, end_time=end_time, nodes=nodes, node_col=node_col, rng=rng
        )
        d = len(arrays)
        times, marks = merge_events(arrays)
        n_ties = int(np.sum(np.diff(times) == 0))
        if n_ties > MAX_TIED_SHARE * times.size:
            # Tied events do not excite each other, and with most events tied
            # (day-stamped data) the likelihood degenerates: a fit on Iraq
            # days returned log-likelihood +92,244, alpha -36,460, NaN errors.
            raise DataError(
                f"{n_ties:,} of {times.size:,} events ({n_ties / times.size:.0%}) "
                "share their time with an earlier event; ExpHawkes accepts at "
                f"most {MAX_TIED_SHARE:.0%} tied events. Expected distinct "
                "event times (continuous time stamps). For day-resolution data "
                "use BinnedHawkes (exact for daily counts), or pass "
                "tie_breaking='jitter' (spreads each day's events within the "
                "day; biases the decay down, see jitter_times)."
            )
        if n_ties:
            warnings.warn(
                f"{n_ties} event{'s' * (n_ties != 1)} share{'s' * (n_ties == 1)} "
                "their time with an earlier event. Tied "
                "events do not excite each other in the likelihood, which biases "
                "the excitation down when ties come from coarse time stamps. For "
                "day-resolution data use BinnedHawkes, or pass "
                "tie_breaking='jitter' (biases the decay down; see jitter_times).",
                DataQualityWarning,
                stacklevel=2,
            )
        self._exog_terms = None if exog is None else as_covariates(exog)
        base = Baseline.build(
            self.baseline_segments, self.baseline_spline_df, self._exog_terms, big_t
        )
        k = base.segments * d + d * d + d * base.n_terms + (self.decay is None)
        if times.size <= k:
            raise DataError(
                f"{times.size} event{'s' * (times.size != 1)} cannot identify {k} "
                "parameters; aggregate "
                "nodes or fix the decay."
            )
        self._fit(
            arrays, times, marks, names, big_t, base,
            u=1, learn=self.decay is None, rng=rng, strict=strict,
        )  # fmt: skip
        self.decay_ = float(self.decays_[0])
        self.exog_coef_ = self._spec.gamma(self._x_all, d).copy()
        return self

    def _kernel_for(self, decays: np.ndarray) -> ExpKernel:
        return ExpKernel(float(decays[0]))

    def _starts(
        self,
        arrays: list[np.ndarray],
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        rng: np.random.Generator,
    ) -> list[np.ndarray]:
        """A deterministic start, then ``n_starts - 1`` drawn from ``rng``;
        the decay starts at the event rate unless fixed."""
        d = len(arrays)
        rates = np.array([a.size for a in arrays]) / end_time
        beta0 = (
            float(self.decay)
            if self.decay is not None
            else max(times.size / end_time, 1e-3)
        )
        starts = []
        for s in range(self.n_starts):
            if s == 0:
                mu = 0.5 * rates
                adj = np.full((d, d), 0.5 / d)
                beta = beta0
            else:
                mu = rates * rng.uniform(0.2, 0.9, d)
                adj = rng.uniform(0.0, 0.8 / d, (d, d))
                beta = beta0 * float(np.exp(rng.normal(0.0, 1.0)))
            if self.link == "softplus":
                mu = np.log(np.expm1(np.maximum(rates if s == 0 else mu, 1e-8)))
                adj = np.zeros((d, d)) if s == 0 else adj - 0.4 / d
            elif self.link == "relu":
                # Start with no interaction: every predictor above the floor,
                # where the gradient is informative.
                mu = rates if s == 0 else mu
                adj = np.zeros((d, d)) if s == 0 else adj - 0.4 / d
            if self.decay is not None:
                beta = float(self.decay)
            mu = np.tile(mu, self.baseline_segments)
            # Covariate effects start at zero, where the baseline is positive.
            gamma = np.zeros(d * self._baseline.n_terms)
            starts.append(np.concatenate([mu, adj.ravel(), gamma, [beta]]))
        return starts

    def _bootstrap_kwargs(self) -> dict[str, Any]:
        return {"exog": self._exog_terms}

    def _prepare(
        self,
        events: EventInput,
        *,
        end_time: float | None,
        nodes: Sequence[str] | None,
        node_col: str | None = None,
        rng: np.random.Generator,
        scoring: bool = False,
    ) -> tuple[list[np.ndarray], list[str], float, pd.Timestamp | None]:
        """Validated arrays, jittered first when ``tie_breaking="jitter"``,
        and the calendar day of time 0 (None for float times)."""
        arrays, names, big_t, origin = event_arrays_and_origin(
            events, end_time=end_time, nodes=nodes, node_col=node_col, scoring=scoring
        )
        if self.tie_breaking == "jitter":
            # Jitter draws come first from rng, so an int rng gives the same
            # jittered times in fit and in score.
            arrays = jitter_times(arrays, rng=rng)
            last_day_end = 1.0 + max(
                (float(np.floor(a[-1])) for a in arrays if a.size), default=0.0
            )
            if end_time is None:
                big_t = max(big_t, last_day_end)
            elif big_t < last_day_end:
                raise DataError(
                    f"With tie_breaking='jitter' the window must cover the whole "
                    f"last day: end_time={big_t!r} but events are stamped on the "
                    f"day starting at {last_day_end - 1.0!r}. Pass "
                    f"end_time={last_day_end!r} or later."
                )
        return arrays, names, big_t, origin

    def _events_to_score(
        self, events: EventInput, end_time: float | None, node_col: str | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        # With tie_breaking="jitter" the events are jittered by a generator
        # built from rng: an int rng reproduces the jitter used in fit.
        arrays, _, big_t, _ = self._prepare(
            events,
            end_time=end_time,
            nodes=self.nodes_,
            node_col=node_col,
            rng=as_generator(self.rng),
            scoring=True,
        )
        return *merge_events(arrays), big_t
