"""Likelihood-ratio tests, profile-likelihood and parametric-bootstrap
intervals: written once for every Hawkes model of the family (the three
continuous ones and BinnedHawkes).

A model supplies three hooks and gets ``lr_test``, ``profile_conf_int`` and
``bootstrap``:

* ``_alpha_index(i, j)``: positions in ``results_.params`` of the
  excitation of node i by node j (one per kernel component);
* ``_restricted_loglik(held)``: the maximum log-likelihood with the reported
  parameters at positions ``held`` (a dict position -> value) fixed and the
  others refitted from the fitted values;
* ``_lower_limits()``: the lower edge of each reported parameter (0 for an
  excitation under the identity link, ``-inf`` for a free one).

Optional: ``_profiled()`` (which parameters get a profile interval),
``_profile_fitter(p)`` (a model may warm-start each restricted fit of one
profile from the nearest value already solved) and ``_bootstrap_kwargs()``.

Every restricted fit is checked against the reported maximum
(:func:`warn_if_not_maximum`): a restricted fit
above it means the reported fit is a local optimum.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from titfortat._threads import single_blas_thread
from titfortat._validation import as_generator, check_is_fitted
from titfortat.exceptions import ConvergenceWarning
from titfortat.results import FitResult, LRTestResult


def node_index(nodes: Sequence[str], node: int | str) -> int:
    """Position of ``node`` (a name or an index) in ``nodes``."""
    if isinstance(node, str):
        if node not in nodes:
            raise ValueError(f"Unknown node {node!r}; nodes are {list(nodes)}.")
        return list(nodes).index(node)
    return int(node)


class LikelihoodInference:
    """``lr_test``, ``profile_conf_int`` and ``bootstrap`` from the hooks above."""

    nodes_: list[str]
    results_: FitResult
    link: str
    end_time_: float
    simulator: Any

    def _alpha_index(self, i: int, j: int) -> list[int]:
        raise NotImplementedError

    def _restricted_loglik(self, held: dict[int, float]) -> float:
        raise NotImplementedError

    def _lower_limits(self) -> np.ndarray:
        raise NotImplementedError

    def _profiled(self) -> np.ndarray:
        """Which reported parameters are estimated (not held by the user)."""
        return np.ones(len(self.results_.params), dtype=bool)

    def _bootstrap_kwargs(self) -> dict[str, Any]:
        """Extra arguments of each bootstrap refit (e.g. ``exog``)."""
        return {}

    def _profile_fitter(self, p: int) -> Callable[[float], float]:
        """The restricted maximum as a function of parameter p's held value."""
        return lambda v: self._restricted_loglik({p: v})

    @single_blas_thread
    def lr_test(self, i: int | str, j: int | str) -> LRTestResult:
        """Likelihood-ratio test that node j has no effect on node i
        (``alpha[i<-j] = 0``, every kernel component).

        Under the identity link the null is on the boundary: with one
        component the p-value uses the 50:50 chi-bar-squared mixture, with U
        the conservative ``chi2(U)``. Under softplus and relu the null is
        interior and the reference is ``chi2(U)``. Learned decays are
        re-learned under the null.
        """
        check_is_fitted(self)
        ii, jj = node_index(self.nodes_, i), node_index(self.nodes_, j)
        pos = self._alpha_index(ii, jj)
        a, b = self.nodes_[ii], self.nodes_[jj]
        null = f"alpha[{a}<-{b}] = 0" if len(pos) == 1 else f"alpha[{a}<-{b};*] = 0"
        ll0 = self._restricted_loglik(dict.fromkeys(pos, 0.0))
        ll1 = self.results_.log_likelihood
        warn_if_not_maximum(type(self).__name__, ll1, ll0, null)
        return LRTestResult(
            null=null,
            statistic=max(2.0 * (ll1 - ll0), 0.0),
            df=len(pos),
            boundary=self.link == "identity" and len(pos) == 1,
            ll_full=ll1,
            ll_restricted=ll0,
        )

    @single_blas_thread
    def profile_conf_int(
        self, params: Sequence[str] | None = None, alpha: float = 0.05
    ) -> pd.DataFrame:
        """Profile-likelihood intervals: where ``2 (ll_max - ll_profile)`` hits chi2(1).

        Each bound re-maximises the other parameters, so this costs a few dozen
        fits per parameter; pass ``params`` to limit it. A bound that reaches
        the edge of the parameter space (0 for a baseline and, under the
        identity link, an excitation; a decay stays positive) is that edge.
        """
        from scipy import special

        check_is_fitted(self)
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"The 'alpha' argument must be in (0, 1). Got {alpha!r}.")
        names = list(self.results_.params.index)
        chosen = names if params is None else list(params)
        unknown = [n for n in chosen if n not in names]
        if unknown:
            raise ValueError(
                f"Unknown parameter name(s) {unknown}; choose from {names}."
            )
        x = self.results_.params.to_numpy()
        crit = special.chdtri(1, alpha) / 2.0  # chi2(1).ppf(1 - alpha) / 2
        ll_hat = self.results_.log_likelihood
        se = self.results_.std_err
        lower, profiled = self._lower_limits(), self._profiled()
        rows = {}
        best: list[tuple[float, str]] = []  # every restricted fit's (ll, what)
        for name in chosen:
            p = names.index(name)
            if not profiled[p]:
                rows[name] = (np.nan, np.nan)
                continue
            fit_at = self._profile_fitter(p)

            def gap(v: float, p: int = p, fit_at: Any = fit_at) -> float:
                ll0 = fit_at(v)
                best.append((ll0, f"{names[p]} = {v:.4g}"))
                return float(ll_hat - ll0 - crit)

            est = x[p]
            step = se.iloc[p] if np.isfinite(se.iloc[p]) else max(abs(est), 0.1)
            rows[name] = profile_bounds(gap, float(est), float(step), lower[p])
        if best:
            warn_if_not_maximum(type(self).__name__, ll_hat, *max(best))
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["ci_lower", "ci_upper"]
        )

    @single_blas_thread
    def bootstrap(self, n_boot: int = 100) -> FitResult:
        """Parametric bootstrap: simulate from the fit, refit, store the draws.

        Returns a copy of ``results_`` whose ``conf_int(method="bootstrap")``
        gives percentile intervals, for instance of the decays or of effects
        near 0 where Wald intervals are poor. Each refit uses the fitted
        window, the same settings and one start.

        Examples
        --------
        >>> from titfortat.dynamics import HawkesSimulator, SumExpHawkes
        >>> ev = HawkesSimulator([0.4], [[0.4]], 1.0, end_time=800.0,
        ...                      rng=0).run_arrays()
        >>> m = SumExpHawkes(decays=(0.3, 3.0)).fit(ev, end_time=800.0)
        >>> r = m.bootstrap(n_boot=20)
        >>> r.conf_int(method="bootstrap").shape
        (3, 2)
        """
        check_is_fitted(self)
        day_stamps = getattr(self, "tie_breaking", "none") == "jitter"

        def draw(rng: np.random.Generator) -> list[np.ndarray] | None:
            sim = self.simulator(rng=rng).run_arrays()
            if day_stamps:
                # Reproduce the data-generating steps: day stamps, then jitter.
                sim = [np.floor(a) for a in sim]
            # A node without events cannot be refitted.
            return None if any(a.size == 0 for a in sim) else sim

        return parametric_bootstrap(
            self,
            n_boot,
            draw,
            end_time=self.end_time_,
            nodes=self.nodes_,
            **self._bootstrap_kwargs(),
        )


#: A restricted fit may beat the reported maximum by this much (log-likelihood
#: units, or this fraction of it on large data) before the fit is called a
#: local optimum: optimiser tolerance, far below the 1.92 that moves a 95%
#: profile bound.
LOCAL_OPTIMUM_TOL = 1e-3


def warn_if_not_maximum(
    name: str, ll_hat: float, ll_restricted: float, what: str
) -> None:
    """Warn when a restricted fit beats the reported maximum.

    A model restricted by a constraint cannot have a higher maximum than the
    unrestricted one, so a restricted fit that does has found an optimum the
    full fit missed: the reported estimates, intervals and tests are not those
    of the maximum likelihood. Issues a :class:`ConvergenceWarning`, which the
    effect tables read as "not estimable".

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_if_not_maximum("M", -100.0, -99.0, "alpha = 0")
    >>> "local optimum" in str(w[0].message)
    True
    """
    tol = max(LOCAL_OPTIMUM_TOL, 1e-7 * abs(ll_hat))
    if ll_restricted > ll_hat + tol:
        warnings.warn(
            f"{name}: the fit restricted to {what} reached log-likelihood "
            f"{ll_restricted:.6g}, {ll_restricted - ll_hat:.3g} above the reported "
            f"maximum {ll_hat:.6g}. The fit is a local optimum, not the maximum "
            "likelihood, so its estimates, intervals and tests are not valid; "
            "refit with more starts (n_starts) or a fixed decay.",
            ConvergenceWarning,
            stacklevel=3,
        )


def _report_bootstrap(
    n_boot: int, n_warned: int, n_skipped: int, stacklevel: int = 3
) -> None:
    """One warning for the whole bootstrap instead of one per refit."""
    if n_warned or n_skipped:
        warnings.warn(
            f"Of {n_boot} bootstrap refits, {n_warned} raised optimiser or Hessian "
            f"warnings and {n_skipped} were skipped (a node had no events); the "
            "percentile intervals use the remaining draws.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )


def profile_bounds(
    gap: Callable[[float], float],
    estimate: float,
    step: float,
    lower: float = -np.inf,
    *,
    max_steps: int = 30,
) -> tuple[float, float]:
    """Both roots of a profile-likelihood gap around the estimate.

    ``gap(v)`` is ``ll_max - ll_profile(v) - chi2_crit / 2``: negative at the
    estimate, positive beyond the interval. The search walks outwards in
    steps growing by half each time until the sign changes, then solves
    with Brent's method. If it reaches ``lower`` (a parameter bounded below,
    e.g. an excitation at 0) with the gap still negative, ``lower`` is the
    bound; after ``max_steps`` without a sign change the bound is NaN.

    Examples
    --------
    >>> lo, hi = profile_bounds(lambda v: 0.5 * v**2 - 1.92, 0.0, 0.5)
    >>> round(lo, 3), round(hi, 3)
    (-1.96, 1.96)
    """
    bounds = []
    for sgn in (-1.0, 1.0):
        v, h, found = estimate, step, np.nan
        for _ in range(max_steps):
            v_new = v + sgn * h
            if v_new <= lower:
                found = (
                    optimize.brentq(gap, lower, estimate, xtol=1e-6)
                    if gap(lower) > 0
                    else lower
                )
                break
            if gap(v_new) > 0:
                a, b = sorted((v, v_new))
                found = optimize.brentq(gap, a, b, xtol=1e-6)
                break
            v = v_new
            h *= 1.5
        bounds.append(float(found))
    return bounds[0], bounds[1]


def parametric_bootstrap(
    model: Any,
    n_boot: int,
    draw: Callable[[np.random.Generator], Any],
    **fit_kwargs: Any,
) -> FitResult:
    """Simulate from a fitted model, refit, and attach the draws to a copy of
    its ``results_`` (for ``conf_int(method="bootstrap")``).

    ``draw(rng)`` returns one simulated data set, or ``None`` when it cannot
    be refitted (a node without events), which is counted as skipped. Each
    refit is ``type(model)`` with the same parameters, one start and the
    shared generator, fitted with ``fit_kwargs``; refits that warn are
    counted, and one warning sums them up.
    """
    rng = as_generator(getattr(model, "rng", None))
    draws = []
    n_warned = n_skipped = 0
    for _ in range(n_boot):
        data = draw(rng)
        if data is None:
            n_skipped += 1
            continue
        params = model.get_params()
        one = {k: v for k, v in (("n_starts", 1), ("rng", rng)) if k in params}
        refit = type(model)(**{**params, **one})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            refit.fit(data, **fit_kwargs)
        n_warned += bool(caught)
        draws.append(refit._x)
    # Warn at the user's call of the model's bootstrap method.
    _report_bootstrap(n_boot, n_warned, n_skipped, stacklevel=4)
    results: FitResult = model.results_
    frame = pd.DataFrame(draws, columns=results.params.index)
    info = {
        **results.optimizer_info,
        "bootstrap": {"n_boot": n_boot, "warned": n_warned, "skipped": n_skipped},
    }
    return dataclasses.replace(results, bootstrap_draws=frame, optimizer_info=info)
