"""ExpHawkes: multivariate Hawkes process with an exponential kernel."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from titfortat._validation import (
    BaseEstimator,
    Interval,
    Options,
    as_generator,
    check_is_fitted,
)
from titfortat.dynamics._events import EventInput, merge_events, to_event_arrays
from titfortat.dynamics._jitter import jitter_times
from titfortat.dynamics._optim import (
    _report_bootstrap,
    covariance,
    maximize,
    newton_maximize,
    observed_information,
    report_convergence,
)
from titfortat.dynamics.hawkes._exog import (
    BaselineTerms,
    SplineBasis,
    StackedTerms,
    as_covariates,
    covariate_names,
    loglik_grad_exog,
    positivity_rows,
)
from titfortat.dynamics.hawkes._exp_diagnostics import _ExpDiagnostics
from titfortat.dynamics.hawkes._loglik import (
    exp_hessian_seg,
    exp_loglik_grad_seg,
    softplus_loglik_grad,
)
from titfortat.dynamics.hawkes._loglik_relu import relu_loglik_grad
from titfortat.dynamics.hawkes._rows import _fit_rows_fixed_decay, _segments
from titfortat.exceptions import DataError, DataQualityWarning
from titfortat.results import FitResult, LRTestResult

__all__ = ["ExpHawkes"]

_LOG_BETA_BOUNDS = (np.log(1e-6), np.log(1e6))
# Smallest baseline allowed on a covariate piece, in events per day: the
# constraint mu_i + gamma_i . x >= this keeps the compensator a valid
# integral on pieces where no event would reveal a negative rate.
_MIN_BASELINE = 1e-10
# Above this many events a learned-decay fit is warm-started from a fit to the
# first tenth of the window; below it the full fit is already cheap.
_SUBSAMPLE_ABOVE = 40_000


class ExpHawkes(BaseEstimator, _ExpDiagnostics):
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
    baseline_spline_df : int, default 0
        Number of cubic B-spline functions (equally spaced knots on the
        window) of a smooth baseline ``mu_i(t) = mu_i + sum_b
        spline[i,b] B_b(t)`` (identity link, ``baseline_segments=1``; may be
        combined with ``exog``). 0 means none, otherwise at least 4. The
        baseline is kept positive by requiring every B-spline coefficient to
        be positive (sufficient, slightly conservative). Coefficients are in
        ``exog_coef_`` after any covariates. Choose the number by AIC.
    baseline_segments : int, default 1
        Number of equal-length pieces of the window with their own baseline
        (piecewise-constant ``mu_i(t)``, parameters ``mu[node,k]``; identity
        link only). An unmodelled trend in the background rate is otherwise
        absorbed into the excitation.
    tie_breaking : {"none", "jitter"}, default "none"
        ``"none"`` keeps tied times as they are (they do not excite each
        other; a :class:`~titfortat.exceptions.DataQualityWarning` reports
        them). ``"jitter"`` spreads day-stamped times uniformly within their
        day with :func:`~titfortat.dynamics.jitter_times`, seeded by ``rng``,
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
    exog_coef_ : ndarray of shape (D, p)
        Covariate coefficients ``gamma[i, k]`` (``p = 0`` without ``exog``).
    nodes_ : list of str
    n_events_ : int
    end_time_ : float
    converged_ : bool
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
    With ``exog`` or a spline, the positivity of the baseline is a set of
    linear constraints and the fit uses SLSQP instead of L-BFGS-B.
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

    # ------------------------------------------------------------------ core

    def _loglik(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        with_grad: bool = True,
    ) -> tuple[float, np.ndarray]:
        mu, adj, beta = self._unpack(x, d)
        mu = np.ascontiguousarray(mu)
        adj = np.ascontiguousarray(adj)
        cov = self._cov()
        if cov is not None:
            return loglik_grad_exog(
                times,
                marks,
                end_time,
                mu,
                adj,
                self._gamma(x, d),
                beta,
                cov,
                with_grad,
            )
        if self.link == "softplus":
            ll, g = softplus_loglik_grad(
                times, marks, end_time, mu, adj, beta, with_grad
            )
        elif self.link == "relu":
            ll, g = relu_loglik_grad(times, marks, end_time, mu, adj, beta, with_grad)
        else:
            mu_idx = _segments(times, end_time, self.baseline_segments) * d + marks
            ll, g = exp_loglik_grad_seg(
                times, marks, mu_idx, end_time, mu, adj, beta, with_grad
            )
        return float(ll), g

    def _hessian(
        self,
        x: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
    ) -> np.ndarray:
        """Analytic Hessian of the identity-link log-likelihood."""
        mu, adj, beta = self._unpack(x, d)
        mu_idx = _segments(times, end_time, self.baseline_segments) * d + marks
        h: np.ndarray = exp_hessian_seg(
            times, marks, mu_idx, end_time, mu.copy(), adj.copy(), beta
        )
        return h

    def _names(self, nodes: list[str]) -> list[str]:
        k = self.baseline_segments
        mus = (
            [f"mu[{n}]" for n in nodes]
            if k == 1
            else [f"mu[{n},{s}]" for s in range(k) for n in nodes]
        )
        alphas = [f"alpha[{a}<-{b}]" for a in nodes for b in nodes]
        cov = self._cov()
        gammas = [] if cov is None else covariate_names(nodes, cov)
        return mus + alphas + gammas + ["decay"]

    def _bounds(self, d: int) -> list[tuple[float | None, float | None]]:
        lo_mu: float | None = None if self.link == "softplus" else 1e-10
        lo_a: float | None = 1e-10 if self.link == "identity" else None
        n_mu = self.baseline_segments * d
        out: list[tuple[float | None, float | None]] = [(lo_mu, None)] * n_mu
        gam: list[tuple[float | None, float | None]] = [(None, None)] * (
            d * self._n_cov()
        )
        return [*out, *[(lo_a, None)] * (d * d), *gam, _LOG_BETA_BOUNDS]

    def _starts(
        self, arrays: list[np.ndarray], end_time: float, rng: np.random.Generator
    ) -> list[np.ndarray]:
        d = len(arrays)
        rates = np.array([a.size for a in arrays]) / end_time
        n_tot = sum(a.size for a in arrays)
        beta0 = (
            float(self.decay) if self.decay is not None else max(n_tot / end_time, 1e-3)
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
            gamma = np.zeros(d * self._n_cov())
            starts.append(np.concatenate([mu, adj.ravel(), gamma, [np.log(beta)]]))
        return starts

    def _precondition(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        x: np.ndarray,
    ) -> np.ndarray:
        """Per-event square root of the Hessian diagonal in [mu, A, log beta].

        One extra O(N D^2) pass; scaling the variables by it roughly halves
        the L-BFGS-B iterations for D = 10.
        """
        hd = -np.diag(self._hessian(x, times, marks, end_time, d)).copy()
        hd[-1] *= x[-1] ** 2
        return np.sqrt(np.clip(hd, 1e-8 * max(hd.max(), 1.0), None) / times.size)

    def _optimize(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        starts: list[np.ndarray],
        free: np.ndarray,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Maximise over ``[mu, A, log beta]``; return natural parameters."""
        plain = self.link == "identity" and self._cov() is None
        if plain and not free[-1]:
            x0 = starts[0].copy()
            x0[-1] = np.exp(x0[-1])
            x0[:-1] = np.maximum(x0[:-1], 1e-10)
            return _fit_rows_fixed_decay(
                times,
                marks,
                end_time,
                d,
                float(x0[-1]),
                x0,
                free,
                self.max_iter,
                self.tol,
                self.baseline_segments,
            )
        pre: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None = None
        # The sub-window would not cover every baseline segment, so the
        # multi-resolution start is used with a constant baseline only.
        if plain and self.baseline_segments == 1 and times.size > _SUBSAMPLE_ABOVE:
            # Multi-resolution warm start: fit the first stretch of the window
            # (about a tenth of the events, at least _SUBSAMPLE_ABOVE / 2),
            # whose estimates are close to the full-data ones, and start the
            # full fit there; the preconditioner comes from the same stretch.
            # Measured at D = 10, N = 1e6: 14 instead of 42 joint iterations.
            n_sub = max(times.size // 10, _SUBSAMPLE_ABOVE // 2)
            t_sub = float(times[n_sub])
            keep = times < t_sub
            ts, ms = times[keep], marks[keep]
            xw, _, _ = self._optimize(ts, ms, t_sub, d, starts[:1], free)
            xw[:-1] = np.maximum(xw[:-1], 1e-6)
            pre = (ts, ms, t_sub, xw.copy())
            xw[-1] = np.log(xw[-1])
            starts = [xw, *starts[1:]]
        elif plain and len(starts) > 0:
            # Warm start: solve the cheap concave fixed-decay problem at the
            # first start's decay, then free the decay jointly from there.
            x0 = starts[0].copy()
            fr = free.copy()
            fr[-1] = False
            xw, _, _ = _fit_rows_fixed_decay(
                times,
                marks,
                end_time,
                d,
                float(np.exp(x0[-1])),
                np.concatenate([np.maximum(x0[:-1], 1e-10), [np.exp(x0[-1])]]),
                fr,
                self.max_iter,
                1e-6,
                self.baseline_segments,
            )
            pre = (times, marks, end_time, xw.copy())
            xw[-1] = x0[-1]
            starts = [xw, *starts[1:]]

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            x = z.copy()
            x[-1] = np.exp(z[-1])
            ll, g = self._loglik(x, times, marks, end_time, d)
            g = g.copy()
            g[-1] *= x[-1]  # chain rule for log beta
            return ll, g

        newton = None
        if plain and len(starts) > 0:
            newton = self._newton(times, marks, end_time, d, starts[0], free, fun)
            if newton is not None and len(starts) == 1:
                z, ll, info = newton
                x = z.copy()
                x[-1] = np.exp(z[-1])
                info["start_log_likelihoods"] = [ll]
                return x, ll, info
            if newton is not None:
                starts = starts[1:]
        # The L-BFGS-B preconditioner costs a Hessian pass, so it is only
        # computed when Newton did not already settle the fit.
        x_scale = None if pre is None else self._precondition(*pre[:3], d, pre[3])
        cov = self._cov()
        z, ll, info = maximize(
            fun,
            starts,
            self._bounds(d),
            free=free,
            scale=float(times.size),
            max_iter=self.max_iter,
            tol=self.tol,
            x_scale=x_scale,
            lin_ineq=None
            if cov is None
            else (positivity_rows(cov, end_time, d, starts[0].size), _MIN_BASELINE),
        )
        if newton is not None:
            lls = [newton[1], *info["start_log_likelihoods"]]
            if newton[1] >= ll:
                z, ll, info = newton
            info = {**info, "n_starts": len(lls), "start_log_likelihoods": lls}
        x = z.copy()
        x[-1] = np.exp(z[-1])
        return x, ll, info

    def _newton(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        z0: np.ndarray,
        free: np.ndarray,
        fun: Any,
    ) -> tuple[np.ndarray, float, dict[str, Any]] | None:
        """Projected Newton from the warm start ``z0`` (in ``[mu, A, log
        beta]``) with the analytic Hessian; ``None`` if it gives up."""

        def hess(z: np.ndarray, g: np.ndarray) -> np.ndarray:
            x = z.copy()
            x[-1] = beta = np.exp(z[-1])
            h = self._hessian(x, times, marks, end_time, d).copy()
            # Chain rule for u = log beta: d2/du2 = beta^2 d2/dbeta2 + dll/du.
            h[-1, :] *= beta
            h[:, -1] *= beta
            h[-1, -1] += g[-1]
            return h

        return newton_maximize(
            fun,
            hess,
            z0,
            self._bounds(d),
            free=free,
            scale=float(times.size),
            max_iter=self.max_iter,
        )

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
            ``mu_i(t) = mu_i + sum_k gamma[i,k] x_k(t)`` (identity link,
            ``baseline_segments=1``). A dict ``{name: [(start, end), ...]}``
            gives indicator covariates, 1 on the day intervals
            ``[start, end)`` (a truce window, sanction periods); a DataFrame
            indexed by change times in days (the first at or before 0) gives
            general step functions. ``gamma`` may be negative as long as every
            baseline stays positive on every piece of the window; the fit
            enforces that. Parameters are named ``gamma[node,covariate]``
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
        arrays, names, big_t = self._prepare(
            events, end_time=end_time, nodes=nodes, node_col=node_col, rng=rng
        )
        d = len(arrays)
        times, marks = merge_events(arrays)
        n_ties = int(np.sum(np.diff(times) == 0))
        if n_ties:
            warnings.warn(
                f"{n_ties} events share their time with an earlier event. Tied "
                "events do not excite each other in the likelihood, which biases "
                "the excitation down when ties come from coarse time stamps. For "
                "day-resolution data use BinnedHawkes, or pass "
                "tie_breaking='jitter' (biases the decay down; see jitter_times).",
                DataQualityWarning,
                stacklevel=2,
            )
        self._exog_terms = None if exog is None else as_covariates(exog)
        self._covariates = self._baseline_terms(big_t)
        if self._covariates is not None and (
            self.link != "identity" or self.baseline_segments != 1
        ):
            raise ValueError(
                "exog and baseline_spline_df need link='identity' and "
                "baseline_segments=1 in ExpHawkes "
                f"(got link={self.link!r}, baseline_segments="
                f"{self.baseline_segments}). Express baseline segments as "
                "indicator covariates instead, or use BinnedHawkes(link="
                "'softplus', exog=...) for covariates with inhibition."
            )
        if self.link != "identity" and self.baseline_segments != 1:
            raise ValueError(
                "baseline_segments > 1 needs link='identity' in ExpHawkes; use "
                "BinnedHawkes(link='softplus', baseline_segments=...) for a "
                "time-varying baseline with inhibition."
            )
        n_par = self.baseline_segments * d + d * d + d * self._n_cov() + 1
        free = np.ones(n_par, dtype=bool)
        if self.decay is not None:
            free[-1] = False
        k = int(free.sum())
        if times.size <= k:
            raise ValueError(
                f"{times.size} events cannot identify {k} parameters; aggregate "
                "nodes or fix the decay."
            )
        starts = self._starts(arrays, big_t, rng)
        x, ll, info = self._optimize(times, marks, big_t, d, starts, free)
        report_convergence(info, strict=strict, name=type(self).__name__)
        if self._covariates is not None:
            self._warn_baseline_at_bound(x, big_t, names)
        lower = np.full(x.size, -np.inf)
        if self.link == "identity":
            lower[: self.baseline_segments * d + d * d] = 0.0
        elif self.link == "relu":
            lower[: self.baseline_segments * d] = 0.0
        lower[-1] = 0.0

        if self.link == "identity" and self._cov() is None:
            full = -self._hessian(x, times, marks, big_t, d)
            idx = np.flatnonzero(free)
            info_mat = full[np.ix_(idx, idx)]
        else:

            def grad(v: np.ndarray) -> np.ndarray:
                return self._loglik(v, times, marks, big_t, d)[1]

            info_mat = observed_information(grad, x, free, lower)
        cov = covariance(info_mat, free, strict=strict)
        self._times, self._marks, self._free = times, marks, free
        self._x = x
        self.nodes_ = names
        mu, adj, self.decay_ = self._unpack(x, d)
        # baseline_ is (D,) for a constant baseline, (segments, D) otherwise.
        kseg = self.baseline_segments
        self.baseline_ = mu.copy() if kseg == 1 else mu.reshape(kseg, d).copy()
        self.adjacency_ = adj.copy()
        self.exog_coef_ = self._gamma(x, d).copy()
        self.n_events_ = int(times.size)
        self.end_time_ = big_t
        self.converged_ = bool(info["success"])
        self.n_iter_ = int(info["n_iter"])
        self.results_ = FitResult.from_estimates(
            params=pd.Series(x, index=self._names(names)),
            cov_params=cov,
            log_likelihood=ll,
            n_obs=int(times.size),
            n_events=int(times.size),
            n_nodes=d,
            end_time=big_t,
            model_repr=self._repr_params(),
            k_params=k,
            converged=self.converged_,
            optimizer_info=info,
        )
        return self

    def _baseline_terms(self, end_time: float) -> BaselineTerms | None:
        """Covariates from ``exog`` and/or the spline basis, or None."""
        df = self.baseline_spline_df
        if df and df < 4:
            raise ValueError(
                "The 'baseline_spline_df' parameter of ExpHawkes must be 0 (no "
                f"spline) or at least 4 (cubic B-splines). Got {df!r} instead."
            )
        spline = SplineBasis(df, end_time) if df else None
        exog = self._exog_terms
        if spline is None:
            return exog
        return spline if exog is None else StackedTerms(exog, spline)

    def _warn_baseline_at_bound(
        self, x: np.ndarray, end_time: float, names: list[str]
    ) -> None:
        """Warn when a covariate piece's baseline sits on its positivity bound."""
        cov = self._covariates
        assert cov is not None
        d = len(names)
        vals = cov.piece_values(end_time)
        base = (positivity_rows(cov, end_time, d, x.size) @ x).reshape(d, -1)
        hit = base <= 10 * _MIN_BASELINE
        if hit.any():
            i, m = np.argwhere(hit)[0]
            terms = cov.param_names(names[i])
            where = ", ".join(
                f"{c}={v:g}" for c, v in zip(terms, vals[m], strict=True) if v != 0
            )
            where = where or "every covariate is 0"
            warnings.warn(
                f"The baseline of node {names[i]!r} is at its positivity bound "
                f"where {where} ({int(hit.sum())} node-piece pair(s) in all): the "
                "fit puts (almost) no background events there. With a spline the "
                "bound (every B-spline coefficient positive) is only sufficient "
                "and can bind earlier. Wald intervals of the parameters in that "
                "constraint are indicative only; use lr_test or "
                "profile_conf_int, or drop the covariate or spline terms.",
                DataQualityWarning,
                stacklevel=3,
            )

    def _prepare(
        self,
        events: EventInput,
        *,
        end_time: float | None,
        nodes: Sequence[str] | None,
        node_col: str | None = None,
        rng: np.random.Generator,
    ) -> tuple[list[np.ndarray], list[str], float]:
        """Validated arrays, jittered first when ``tie_breaking="jitter"``."""
        arrays, names, big_t = to_event_arrays(
            events, end_time=end_time, nodes=nodes, node_col=node_col
        )
        if self.tie_breaking == "jitter":
            # Jitter draws come first from rng, so an int rng gives the same
            # jittered times in fit and in score.
            arrays = jitter_times(arrays, rng=rng)
            last_day_end = max(float(np.floor(a[-1])) for a in arrays) + 1.0
            if end_time is None:
                big_t = max(big_t, last_day_end)
            elif big_t < last_day_end:
                raise DataError(
                    f"With tie_breaking='jitter' the window must cover the whole "
                    f"last day: end_time={big_t!r} but events are stamped on the "
                    f"day starting at {last_day_end - 1.0!r}. Pass "
                    f"end_time={last_day_end!r} or later."
                )
        return arrays, names, big_t

    def _fit_status(self) -> str:
        if "results_" not in vars(self):
            return "not fitted"
        return f"fitted: {len(self.nodes_)} nodes, {self.n_events_:,} events"

    # ------------------------------------------------------------ delegates
    def summary(self, alpha: float = 0.05) -> Any:
        """Parameter table; see :meth:`titfortat.results.FitResult.summary`."""
        check_is_fitted(self)
        return self.results_.summary(alpha)

    def conf_int(self, alpha: float = 0.05, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals; ``method="profile"`` profiles the likelihood."""
        check_is_fitted(self)
        if method == "profile":
            return self.profile_conf_int(alpha=alpha)
        return self.results_.conf_int(alpha, method=method)  # type: ignore[arg-type]

    def score(
        self, events: EventInput, *, end_time: float | None = None, y: Any = None
    ) -> float:
        """Log-likelihood of ``events`` under the fitted parameters (higher: better).

        With ``tie_breaking="jitter"`` the events are jittered with a generator
        built from ``rng``; an int ``rng`` reproduces the jitter used in ``fit``.
        """
        check_is_fitted(self)
        arrays, _, big_t = self._prepare(
            events, end_time=end_time, nodes=self.nodes_, rng=as_generator(self.rng)
        )
        if len(arrays) != len(self.nodes_):
            raise ValueError(
                f"score needs {len(self.nodes_)} nodes, got {len(arrays)}."
            )
        times, marks = merge_events(arrays)
        return self._loglik(self._x, times, marks, big_t, len(arrays), False)[0]

    # ------------------------------------------------------------- inference
    def lr_test(self, i: int | str, j: int | str) -> LRTestResult:
        """Likelihood-ratio test of ``alpha[i<-j] = 0`` (no effect of j on i).

        Under the identity link the null is on the boundary, so the p-value
        uses the 50:50 chi-bar-squared mixture; under softplus and relu it is
        chi2(1).
        """
        check_is_fitted(self)
        d = len(self.nodes_)
        ii, jj = self._node_index(i), self._node_index(j)
        p = self.baseline_segments * d + ii * d + jj
        x0 = self._x.copy()
        x0[p] = 0.0
        x0[-1] = np.log(x0[-1])
        free = self._free.copy()
        free[p] = False
        _, ll0, _ = self._optimize(
            self._times, self._marks, self.end_time_, d, [x0], free
        )
        ll1 = self.results_.log_likelihood
        a, b = self.nodes_[ii], self.nodes_[jj]
        return LRTestResult(
            null=f"alpha[{a}<-{b}] = 0",
            statistic=max(2.0 * (ll1 - ll0), 0.0),
            df=1,
            boundary=self.link == "identity",
            ll_full=ll1,
            ll_restricted=ll0,
        )

    def profile_conf_int(
        self, params: Sequence[str] | None = None, alpha: float = 0.05
    ) -> pd.DataFrame:
        """Profile-likelihood intervals: where ``2 (ll_max - ll_profile)`` hits chi2(1).

        Each bound re-maximises the other parameters, so this costs a few dozen
        fits per parameter; pass ``params`` to limit it.
        """
        from scipy import optimize, stats

        check_is_fitted(self)
        d = len(self.nodes_)
        names = list(self.results_.params.index)
        chosen = names if params is None else list(params)
        crit = stats.chi2.ppf(1 - alpha, 1) / 2.0
        ll_hat = self.results_.log_likelihood
        se = self.results_.std_err
        rows = {}
        for name in chosen:
            p = names.index(name)
            if not self._free[p]:
                rows[name] = (np.nan, np.nan)
                continue

            def gap(v: float, p: int = p) -> float:
                x0 = self._x.copy()
                x0[p] = v
                x0[-1] = np.log(x0[-1]) if p != x0.size - 1 else np.log(v)
                free = self._free.copy()
                free[p] = False
                _, ll0, _ = self._optimize(
                    self._times, self._marks, self.end_time_, d, [x0], free
                )
                return float(ll_hat - ll0 - crit)

            est = self._x[p]
            step = se.iloc[p] if np.isfinite(se.iloc[p]) else max(abs(est), 0.1)
            # Lower bound 0 for the decay, for mu and alpha under the identity
            # link and for mu under relu; covariate effects are free.
            n_mu = self.baseline_segments * d
            positive = (
                p == self._x.size - 1
                or (self.link == "identity" and p < n_mu + d * d)
                or (self.link == "relu" and p < n_mu)
            )
            lower_lim = 0.0 if positive else -np.inf
            bounds = []
            for sgn in (-1.0, 1.0):
                v = est
                found = np.nan
                for _ in range(30):
                    v_new = v + sgn * step
                    if v_new <= lower_lim:
                        v_new = (
                            lower_lim + 1e-10 if p == self._x.size - 1 else lower_lim
                        )
                        found = (
                            optimize.brentq(gap, v_new, est, xtol=1e-6)
                            if gap(v_new) > 0
                            else v_new
                        )
                        break
                    if gap(v_new) > 0:
                        lo_, hi_ = sorted((v, v_new))
                        found = optimize.brentq(gap, lo_, hi_, xtol=1e-6)
                        break
                    v = v_new
                    step *= 1.5
                bounds.append(found)
            rows[name] = (bounds[0], bounds[1])
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["ci_lower", "ci_upper"]
        )

    def bootstrap(self, n_boot: int = 100) -> FitResult:
        """Parametric bootstrap: simulate from the fit, refit, store the draws.

        Returns a copy of ``results_`` whose ``conf_int(method="bootstrap")``
        gives percentile intervals.
        """
        check_is_fitted(self)
        rng = as_generator(self.rng)
        draws = []
        n_warned = n_skipped = 0
        for _ in range(n_boot):
            sim = self.simulator(rng=rng).run_arrays()
            if self.tie_breaking == "jitter":
                # Reproduce the data-generating steps: day stamps, then jitter.
                sim = [np.floor(a) for a in sim]
            if any(a.size == 0 for a in sim):
                n_skipped += 1  # a node without events cannot be refitted
                continue
            m = ExpHawkes(**{**self.get_params(), "n_starts": 1, "rng": rng})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                m.fit(
                    sim,
                    end_time=self.end_time_,
                    nodes=self.nodes_,
                    exog=self._exog_terms,
                )
            n_warned += bool(caught)
            draws.append(m._x)
        _report_bootstrap(n_boot, n_warned, n_skipped)
        frame = pd.DataFrame(draws, columns=self.results_.params.index)
        info = {
            **self.results_.optimizer_info,
            "bootstrap": {"n_boot": n_boot, "warned": n_warned, "skipped": n_skipped},
        }
        return dataclasses.replace(
            self.results_, bootstrap_draws=frame, optimizer_info=info
        )
