"""BinnedHawkes: a discrete-time (day-bin) Hawkes model of counts, INGARCH type."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    check_is_fitted,
)
from titfortat.dynamics._branching import spectral_radius
from titfortat.dynamics._delegates import ResultsDelegates
from titfortat.dynamics._events import EventInput, to_daily_counts
from titfortat.dynamics._optim import (
    covariance,
    fit_health,
    keep_warnings,
    maximize,
    observed_information,
    report_convergence,
)
from titfortat.dynamics.counts._binned_diagnostics import _BinnedDiagnostics
from titfortat.dynamics.counts._layout import BinnedLayout
from titfortat.dynamics.counts._simulator import BinnedHawkesSimulator
from titfortat.dynamics.hawkes._inference import (
    LikelihoodInference,
    parametric_bootstrap,
)
from titfortat.exceptions import DataError
from titfortat.results import FitResult

__all__ = ["BinnedHawkes", "BinnedHawkesSimulator"]


class BinnedHawkes(
    BaseEstimator, ResultsDelegates, LikelihoodInference, _BinnedDiagnostics
):
    """Hawkes model for day counts (Poisson or negative-binomial INGARCH).

    .. math::

        E[N_i(d) \\mid \\text{past}] = m_i(d) = \\mu_i + \\sum_j \\alpha_{ij}
        \\sum_{l \\ge 1} w_l N_j(d - l), \\qquad
        w_l = (1 - e^{-\\beta}) e^{-\\beta (l - 1)}

    Symbols and attributes: :math:`\\mu` → ``baseline_`` (events per day);
    :math:`A = (\\alpha_{ij})` → ``adjacency_``, **row i excited by column j**
    (``alpha[i<-j]``, the expected number of node-i events caused directly by
    one node-j event, because the lag weights sum to one); :math:`\\beta` →
    ``decay_`` per day (mean lag ``1 / (1 - e^{-beta})`` days);
    negative-binomial dispersion :math:`\\phi_i = 1 / \\theta_i` →
    ``dispersion_`` (variance ``m + phi m^2``, statsmodels' NB2 ``alpha`` and
    :class:`~titfortat.effects.CountAutoregression`'s ``dispersion_``; the
    parameters are the sizes ``size[i]`` = :math:`\\theta_i`). Events on the
    same day never excite each other, so tied dates are exact, no jittering
    needed.

    Parameters
    ----------
    decay : float or None, default None
        Fixed beta > 0 per day, or ``None`` to learn it.
    family : {"poisson", "negbin"}, default "poisson"
    link : {"identity", "softplus"}, default "identity"
        ``identity``: the mean is the linear predictor, ``alpha >= 0``.
        ``softplus``: the mean is ``log(1 + exp(eta))`` of the linear
        predictor, so a negative ``alpha`` (deterrence: node j lowers the
        later counts of node i) is estimable. The branching-ratio summaries
        (``share_triggered``, ``impulse_response``) need the identity link.
    n_presample : int, default 14
        Leading bins that feed the lags but are left out of the likelihood,
        so the first days are not fitted with an empty history.
    baseline_segments : int, default 1
        Number of equal-length pieces of the window with their own baseline
        (piecewise-constant ``mu_i(d)``, parameters ``mu[node,k]``). A trend
        in the background rate that is not modelled is otherwise absorbed
        into the self-excitation and inflates the branching ratio.
    n_starts : int, default 3
    max_iter : int, default 1000
    tol : float, default 1e-12
    rng : int, numpy.random.Generator or None

    Attributes
    ----------
    baseline_ : ndarray of shape (D,), or (baseline_segments, D)
    adjacency_ : ndarray of shape (D, D)
    decay_ : float
    decays_ : ndarray of shape (1,)
        ``[decay_]``: the name :class:`SumExpHawkes` uses for its U decays,
        so code written for any Hawkes model reads the decays the same way.
    dispersion_ : ndarray of shape (D,) or None
        Negative-binomial dispersions ``1 / size`` (``family="negbin"`` only).
    size_ : ndarray of shape (D,) or None
        ``1 / dispersion_``, the negative-binomial sizes; kept under this name
        for code written before ``dispersion_`` (the simulator's ``size``).
    nodes_ : list of str
    n_bins_ : int
    end_time_ : float
        Length of the window in days (``n_bins_``), as ``ExpHawkes.end_time_``.
    bin_labels_ : pandas.Index or None
        Dates of the bins when fitted from a ``date`` frame.
    exog_coef_ : ndarray of shape (D, p)
        Covariate coefficients ``gamma`` (``p = 0`` without ``exog``).
    converged_ : bool
        Optimiser success with an invertible information matrix (the
        reason otherwise is in ``results_.optimizer_info["health"]``).
    warnings_ : list of str
        Every warning raised during ``fit``, as ``"Category: message"``
        (they are also issued as usual).
    n_iter_ : int
    results_ : FitResult

    References
    ----------
    Ferland, Latour and Oraichi (2006), J. Time Ser. Anal. 27 (INGARCH);
    Fokianos (2011); Lewis et al. (2012), Security Journal 25.

    Examples
    --------
    >>> y = BinnedHawkesSimulator([0.6, 0.4], [[0.3, 0.0], [0.3, 0.2]], 0.3,
    ...                           n_bins=800, nodes=["strike", "attack"], rng=0).run()
    >>> m = BinnedHawkes(n_starts=1).fit(y)
    >>> m.results_.params.index[4]
    'alpha[attack<-strike]'
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "decay": [Interval(Real, 0, None, closed="neither"), None],
        "family": [Options({"poisson", "negbin"})],
        "link": [Options({"identity", "softplus"})],
        "n_presample": [Interval(Integral, 0, None)],
        "baseline_segments": [Interval(Integral, 1, None)],
        "n_starts": [Interval(Integral, 1, None)],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "rng": ["rng"],
    }

    def __init__(
        self,
        *,
        decay: float | None = None,
        family: Literal["poisson", "negbin"] = "poisson",
        link: Literal["identity", "softplus"] = "identity",
        n_presample: int = 14,
        baseline_segments: int = 1,
        n_starts: int = 3,
        max_iter: int = 1000,
        tol: float = 1e-12,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.decay = decay
        self.family = family
        self.link = link
        self.n_presample = n_presample
        self.baseline_segments = baseline_segments
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.tol = tol
        self.rng = rng

    # ------------------------------------------------------------------ core
    def _layout(self, d: int, exog: Any = None, n_bins: int = 0) -> BinnedLayout:
        """The layout of this estimator's settings, with ``exog`` validated
        against ``n_bins``."""
        xe, cols = None, ()
        if exog is not None:
            xe = np.asarray(exog, dtype=float)
            xe = np.ascontiguousarray(xe[:, None] if xe.ndim == 1 else xe)
            if xe.shape[0] != n_bins or not np.all(np.isfinite(xe)):
                raise ValueError(
                    f"exog must be finite with one row per bin ({n_bins}). "
                    f"Got shape {xe.shape}."
                )
            labels = (
                exog.columns if isinstance(exog, pd.DataFrame) else range(xe.shape[1])
            )
            cols = tuple(str(c) for c in labels)
        args = (self.baseline_segments, self.family, self.link, self.n_presample)
        return BinnedLayout(d, *args, exog=xe, exog_names=cols)

    def _loglik(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Log-likelihood and gradient at ``x``: the fitted layout, or before
        ``fit`` one without covariates (tests of the compiled pass use it)."""
        spec = vars(self).get("_spec") or self._layout(y.shape[1])
        return spec.loglik(x, y)

    def _best_decay_start(self, x0: np.ndarray, y: np.ndarray, d: int) -> np.ndarray:
        """The deterministic start with its decay picked from a coarse grid.

        From a fixed decay of 0.3 the optimiser can run off to the decay's
        upper bound (all weight on lag 1), a spurious local optimum, when the
        true decay is near 1 or above (seen with one start on simulated data:
        log-likelihood 240 below the optimum). Evaluating the start at a few
        decays costs one pass each and avoids it.
        """
        p = self._spec.blocks["decay"].start
        best, best_ll = x0, -np.inf
        for beta in (0.03, 0.1, 0.3, 1.0, 3.0):
            x = x0.copy()
            x[p] = beta
            ll = self._loglik(x, y)[0]
            if np.isfinite(ll) and ll > best_ll:
                best, best_ll = x, ll
        return best

    def _optimize(
        self,
        y: np.ndarray,
        starts: list[np.ndarray],
        free: np.ndarray,
        restricted: bool = False,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        b = self._spec.blocks
        logs = np.zeros(free.size, dtype=bool)
        # decay and sizes are optimised on the log scale; gamma is free.
        logs[b["decay"].start : b["size"].stop] = True

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            x = z.copy()
            x[logs] = np.exp(z[logs])
            ll, g = self._loglik(x, y)
            g = g.copy()
            g[logs] *= x[logs]
            return ll, g

        lo = 1e-10 if self.link == "identity" else None
        bounds: list[tuple[float | None, float | None]] = [(lo, None)] * b[
            "decay"
        ].start
        bounds += [(np.log(1e-4), np.log(50.0))]
        bounds += [(np.log(1e-3), np.log(1e6))] * (b["size"].stop - b["size"].start)
        bounds += [(None, None)] * (free.size - b["size"].stop)
        zs = []
        for s in starts:
            z0 = np.array(s, dtype=float)
            z0[logs] = np.log(z0[logs])
            zs.append(z0)
        # Precondition by the curvature at the first start: baselines of nodes
        # with 1 and 70 events a day differ by orders of magnitude in scale,
        # which otherwise stalls L-BFGS-B (seen on the Iraq data). The
        # restricted fits of lr_test and profile_conf_int (``restricted``)
        # start next to the maximum and share one set of scales taken there,
        # computed once: two passes per parameter saved on each of dozens of
        # fits, half the evaluations of a profile interval.
        scale = float(max(y.sum(), 1))
        x_scale = self._mle_scale if restricted else None
        z0, probe = zs[0], free
        if restricted and x_scale is None:
            z0 = self._x.copy()
            z0[logs] = np.log(z0[logs])
            probe = self._free
        curv = np.ones(z0.size)
        for p in np.flatnonzero(probe) if x_scale is None else []:
            h = 1e-5 * max(abs(z0[p]), 1e-2)
            zp, zm = z0.copy(), z0.copy()
            zp[p] += h
            zm[p] = max(
                zm[p] - h, bounds[p][0] if bounds[p][0] is not None else -np.inf
            )
            gp, gm_ = fun(zp)[1][p], fun(zm)[1][p]
            curv[p] = abs(gp - gm_) / (zp[p] - zm[p])
        if x_scale is None:
            x_scale = np.sqrt(np.clip(curv, 1e-8 * max(curv.max(), 1.0), None) / scale)
            if restricted:
                self._mle_scale = x_scale
        z, ll, info = maximize(
            fun,
            zs,
            bounds,
            free=free,
            scale=scale,
            max_iter=self.max_iter,
            tol=self.tol,
            x_scale=x_scale,
        )
        x = z.copy()
        x[logs] = np.exp(z[logs])
        return x, ll, info

    @keep_warnings
    @single_blas_thread
    def fit(
        self,
        counts: EventInput | np.ndarray,
        *,
        nodes: Sequence[str] | None = None,
        node_col: str | None = None,
        exog: Any = None,
        strict: bool = False,
    ) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        counts : array (bins x nodes), DataFrame of counts, or events
            Counts per day, or events (list of time arrays in days, a
            ``time``/``node`` frame or a store frame with ``date``), which are
            binned by day.
        nodes : sequence of str, optional
        node_col : str, optional
        exog : array-like or DataFrame of shape (n_bins, p), optional
            Exogenous covariates entering the mean additively,
            ``m_i(d) += sum_c gamma[i,c] x_c(d)`` (a truce window, sanction
            dates); ``gamma`` is unconstrained as long as every mean stays
            positive. DataFrame column names label the parameters.
        strict : bool, default False

        Returns
        -------
        self
        """
        self._validate_params()
        self._mle_scale = None  # scales of the restricted fits, taken at the MLE
        y, names, labels = to_daily_counts(counts, nodes=nodes, node_col=node_col)
        d = y.shape[1]
        self._spec = spec = self._layout(d, exog, y.shape[0])
        n_obs_bins = y.shape[0] - self.n_presample
        k = spec.n_params - (self.decay is not None)
        if n_obs_bins <= k:
            raise DataError(
                f"{y.shape[0]} bins (minus n_presample={self.n_presample}) cannot "
                f"identify {k} parameters. Expected more bins than parameters; "
                "use a longer period, fewer baseline segments or nodes, or fix "
                "the decay."
            )
        b = spec.blocks
        free = np.ones(spec.n_params, dtype=bool)
        if self.decay is not None:
            free[b["decay"]] = False
        rng = as_generator(self.rng)
        rate = np.maximum(y[self.n_presample :].mean(axis=0), 1e-3)
        starts: list[np.ndarray] = []
        for s in range(self.n_starts):
            if s == 0:
                mu, a, beta = 0.5 * rate, np.full((d, d), 0.4 / d), 0.3
            else:
                mu = rate * rng.uniform(0.2, 0.9, d)
                a = rng.uniform(0, 0.8 / d, (d, d))
                beta = float(np.exp(rng.uniform(np.log(0.02), np.log(3.0))))
            if self.decay is not None:
                beta = float(self.decay)
            if self.link == "softplus":
                # inverse softplus of the rate; start without excitation
                mu = np.log(np.expm1(rate if s == 0 else mu))
                a = np.zeros((d, d)) if s == 0 else a - 0.4 / d
            x0: list[np.ndarray] = [
                np.tile(mu, self.baseline_segments),
                a.ravel(),
                np.array([beta]),
            ]
            if self.family == "negbin":
                x0.append(np.full(d, 5.0))
            x0.append(np.zeros(d * spec.n_exog))
            start = np.concatenate(x0)
            if s == 0 and self.decay is None:
                start = self._best_decay_start(start, y, d)
            starts.append(start)
        x, ll, info = self._optimize(y, starts, free)
        report_convergence(info, strict=strict, name=type(self).__name__)
        lower = np.zeros(x.size)
        lower[b["gamma"]] = -np.inf
        at_bound = np.zeros(x.size, dtype=bool)
        if self.link == "identity":
            at_bound[: b["decay"].start] = x[: b["decay"].start] <= 1e-9
        else:
            lower[: b["decay"].start] = -np.inf
        if self.family == "negbin":
            # A size so large that its extra variance mean^2/size is under
            # 0.1% of the Poisson variance is at the Poisson limit (its search
            # bound is 1e6): the likelihood is flat in that direction and the
            # information singular. If the full inversion fails, it is held
            # fixed (conditioned on, like a bound estimate) so the other
            # standard errors stay finite; the warning names it.
            mean = np.maximum(y[self.n_presample :].mean(axis=0), 1e-12)
            at_bound[b["size"]] = mean / x[b["size"]] < 1e-3
        cov = covariance(
            observed_information(lambda v: self._loglik(v, y)[1], x, free, lower),
            free,
            strict=strict,
            at_bound=at_bound,
            names=spec.names(names),
            record=info,
        )
        self._y, self._x, self._free = y, x, free
        self.nodes_ = names
        self.bin_labels_ = labels
        mu, a, beta, size, gamma = spec.split(x)
        # baseline_ is (D,) for a constant baseline, (segments, D) otherwise.
        self.baseline_ = mu[0].copy() if self.baseline_segments == 1 else mu.copy()
        self.adjacency_, self.decay_ = a.copy(), beta
        self.decays_ = np.array([beta])
        self.size_ = None if size is None else size.copy()
        self.dispersion_ = None if size is None else 1.0 / size
        self.exog_coef_ = gamma.copy()
        self.n_bins_ = int(y.shape[0])
        self.end_time_ = float(y.shape[0])  # days, as the continuous models
        self.converged_ = fit_health(
            type(self).__name__,
            info,
            cov,
            free,
            radius=spectral_radius(self.adjacency_, self.link),
        )
        self.n_iter_ = int(info["n_iter"])
        self.results_ = FitResult.from_estimates(
            params=pd.Series(x, index=spec.names(names)),
            cov_params=cov,
            log_likelihood=ll,
            n_obs=int(n_obs_bins),
            n_events=int(y[self.n_presample :].sum()),
            n_nodes=d,
            end_time=float(y.shape[0]),
            model_repr=self._repr_params(),
            k_params=k,
            converged=self.converged_,
            optimizer_info=info,
        )
        return self

    # ------------------------------------------- hooks of LikelihoodInference
    def _alpha_index(self, i: int, j: int) -> list[int]:
        d = len(self.nodes_)
        return [self._spec.blocks["alpha"].start + i * d + j]

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
        b = self._spec.blocks
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
            exog=self._spec.exog,
        )

    def _fit_status(self) -> str:
        if "results_" not in vars(self):
            return "not fitted"
        return f"fitted: {len(self.nodes_)} nodes, {self.n_bins_:,} bins"

    def score(
        self,
        counts: EventInput | np.ndarray,
        y: Any = None,
        *,
        node_col: str | None = None,
    ) -> float:
        """Log-likelihood of ``counts`` under the fitted parameters.

        Counts are read against the fitted nodes: a frame's columns (or an
        event frame's nodes) in any order, some missing from an event frame;
        a node the model does not have is a :class:`DataError`. ``node_col``
        is as in ``fit``.
        """
        check_is_fitted(self)
        yy, _, _ = to_daily_counts(
            counts, nodes=self.nodes_, node_col=node_col, scoring=True
        )
        return self._loglik(self._x, yy)[0]

    def simulator(
        self, *, n_bins: int | None = None, rng: int | np.random.Generator | None = None
    ) -> BinnedHawkesSimulator:
        """A :class:`BinnedHawkesSimulator` of the fitted model.

        With covariates the simulation reuses the fitted covariate path, so
        ``n_bins`` must then equal the fitted number of bins.
        """
        check_is_fitted(self)
        exog = self._spec.exog
        if exog is not None and n_bins not in (None, self.n_bins_):
            raise ValueError(
                "A model with exog can only simulate its own window "
                f"(n_bins={self.n_bins_})."
            )
        return BinnedHawkesSimulator(
            self.baseline_,
            self.adjacency_,
            self.decay_,
            n_bins=self.n_bins_ if n_bins is None else n_bins,
            family=self.family,
            size=self.size_,
            offset=None
            if self._spec.exog is None
            else self._spec.exog @ self.exog_coef_.T,
            link=self.link,
            rng=rng,
            nodes=self.nodes_,
        )
