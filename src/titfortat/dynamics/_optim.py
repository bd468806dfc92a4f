"""Shared maximum-likelihood machinery: multi-start L-BFGS-B, observed
information from the analytic gradient, and delta-method errors."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import optimize

from titfortat.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    HessianWarning,
    StabilityWarning,
)

LogLikGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


def maximize(
    fun: LogLikGrad,
    starts: list[np.ndarray],
    bounds: list[tuple[float | None, float | None]],
    *,
    free: np.ndarray,
    scale: float,
    max_iter: int,
    tol: float,
    x_scale: np.ndarray | None = None,
    lin_ineq: tuple[np.ndarray, float] | None = None,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Maximise ``fun`` over the ``free`` coordinates from several starts.

    ``lin_ineq = (C, lb)`` adds the linear constraints ``C @ x >= lb`` (e.g. a
    baseline that must stay positive on every piece of the window); SLSQP is
    then used instead of L-BFGS-B. The feasible set is convex and the starts
    feasible, so every line search stays inside it, where an objective
    returning -inf outside would stall a bound-only method.

    The objective is divided by ``scale`` (the number of events) so that the
    optimiser's tolerances mean the same thing for every sample size.
    ``x_scale`` (e.g. square roots of the Hessian diagonal) preconditions the
    problem: the optimiser works on ``x * x_scale``, which cuts L-BFGS-B
    iterations when parameters live on very different scales.
    Returns the best point, its log-likelihood and optimiser information.
    """
    free = np.asarray(free, dtype=bool)
    sc = np.ones(free.size) if x_scale is None else np.asarray(x_scale, dtype=float)
    fb = [
        (None if lo is None else lo * c, None if hi is None else hi * c)
        for (lo, hi), c, f in zip(bounds, sc, free, strict=True)
        if f
    ]
    sf = sc[free]
    best: tuple[np.ndarray, float, Any] | None = None
    runs = []
    for x0 in starts:
        base = np.array(x0, dtype=float)

        def obj(z: np.ndarray, base: np.ndarray = base) -> tuple[float, np.ndarray]:
            x = base.copy()
            x[free] = z / sf
            ll, g = fun(x)
            if not np.isfinite(ll):
                return np.inf, np.zeros(z.size)
            return -ll / scale, -g[free] / sf / scale

        if lin_ineq is None:
            res = optimize.minimize(
                obj,
                base[free] * sf,
                jac=True,
                method="L-BFGS-B",
                bounds=fb,
                options={
                    "maxiter": max_iter,
                    "ftol": tol,
                    "gtol": 1e-7,
                    "maxcor": 20,
                },
            )
        else:
            c_mat, lb = lin_ineq
            c_free = c_mat[:, free] / sf  # in the optimiser's variables
            c_off = c_mat[:, ~free] @ base[~free] - lb
            res = optimize.minimize(
                obj,
                base[free] * sf,
                jac=True,
                method="SLSQP",
                bounds=fb,
                constraints=[
                    {
                        "type": "ineq",
                        "fun": lambda z, c=c_free, o=c_off: c @ z + o,
                        "jac": lambda z, c=c_free: c,
                    }
                ],
                options={"maxiter": max_iter, "ftol": tol},
            )
        x = base.copy()
        x[free] = res.x / sf
        ll = -res.fun * scale
        runs.append({"ll": float(ll), "success": bool(res.success), "nit": res.nit})
        if np.isfinite(ll) and (best is None or ll > best[1]):
            best = (x, ll, res)
    if best is None:
        raise ConvergenceError(
            "Every start gave a non-finite log-likelihood; check the data for "
            "degenerate nodes or pass a fixed decay."
        )
    x, ll, res = best
    info = {
        "message": str(res.message),
        "n_iter": int(res.nit),
        "n_starts": len(starts),
        "success": bool(res.success),
        "start_log_likelihoods": [r["ll"] for r in runs],
    }
    return x, float(ll), info


def newton_maximize(
    fun: LogLikGrad,
    hess: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x0: np.ndarray,
    bounds: list[tuple[float | None, float | None]],
    *,
    free: np.ndarray,
    scale: float,
    max_iter: int,
) -> tuple[np.ndarray, float, dict[str, Any]] | None:
    """Projected, damped Newton ascent with the analytic Hessian; ``None``
    when it cannot make progress (the caller then falls back to L-BFGS-B).

    Coordinates on a bound whose gradient points out of the box are held
    there (Bertsekas' projected Newton); the others take the Newton step,
    damped Levenberg-Marquardt style (``-H + tau I``) while the Hessian is
    not negative definite or a step fails, and clipped to the box. One
    gradient and one Hessian pass per iteration (the Hessian costs about two
    gradient passes at D = 10), and a handful of iterations from a warm
    start, against dozens of gradient passes for L-BFGS-B. It
    stops when the Newton decrement, the predicted gain in log-likelihood,
    is below ``1e-11`` per event: tighter than L-BFGS-B's ``ftol``.
    """
    free = np.asarray(free, dtype=bool)
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    x = np.clip(np.array(x0, dtype=float), lo, hi)
    ll, g = fun(x)
    if not np.isfinite(ll):
        return None
    tau = 0.0
    for it in range(max_iter):
        h = hess(x, g)
        if not np.all(np.isfinite(h)):
            return None
        act = free & (((x <= lo) & (g < 0)) | ((x >= hi) & (g > 0)))
        f = free & ~act
        if not f.any():
            break
        neg_h = -h[np.ix_(f, f)]
        gf = g[f]
        # Damping relative to the curvature scale, so tau is unit-free.
        diag = np.maximum(np.abs(np.diag(neg_h)), 1e-300)
        while True:
            try:
                chol = np.linalg.cholesky(neg_h + tau * np.diag(diag))
                break
            except np.linalg.LinAlgError:
                tau = max(4.0 * tau, 1e-4)
                if tau > 1e8:
                    return None
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, gf))
        decrement = float(gf @ step)
        if tau == 0.0 and decrement < 1e-11 * scale:
            return x, float(ll), _newton_info(it, True, "Newton decrement")
        accepted = False
        for _ in range(40):
            xt = x.copy()
            xt[f] = np.clip(x[f] + step, lo[f], hi[f])
            llt, gt = fun(xt)
            if np.isfinite(llt) and llt - ll >= 1e-4 * float(gf @ (xt[f] - x[f])):
                accepted = True
                break
            tau = max(4.0 * tau, 1e-4)
            step = np.linalg.solve(neg_h + tau * np.diag(diag), gf)
        if not accepted:
            return None
        gain = llt - ll
        undamped = tau == 0.0
        x, ll, g = xt, llt, gt
        tau = 0.0 if tau < 1e-3 else tau / 8.0
        if gain < 1e-13 * scale and undamped:
            return x, float(ll), _newton_info(it + 1, True, "no further gain")
        # Near the maximum the Hessian hardly changes between steps, so the
        # decrement with the last factor saves the final Hessian pass.
        act = free & (((x <= lo) & (g < 0)) | ((x >= hi) & (g > 0)))
        if undamped and np.array_equal(free & ~act, f):
            gf = g[f]
            decrement = float(gf @ np.linalg.solve(chol.T, np.linalg.solve(chol, gf)))
            if decrement < 1e-11 * scale:
                return x, float(ll), _newton_info(it + 1, True, "Newton decrement")
    return None


def _newton_info(n_iter: int, success: bool, message: str) -> dict[str, Any]:
    return {
        "message": f"projected Newton: {message}",
        "n_iter": n_iter,
        "n_starts": 1,
        "success": success,
        "start_log_likelihoods": [],
        "method": "projected Newton with analytic Hessian",
    }


def observed_information(
    grad: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    free: np.ndarray,
    lower: np.ndarray,
    rows: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Negative Hessian of the log-likelihood over the ``free`` coordinates,
    by differencing its gradient.

    Central differences with a relative step; a coordinate closer than one
    step to its lower bound is differenced forwards so the intensity stays
    valid (parameters estimated on the boundary, e.g. ``alpha = 0``, still get
    a curvature, but their Wald interval is only indicative).

    ``rows`` declares a log-likelihood that is a sum of terms, one per target
    node, each depending on its row's parameters (``rows[i]``) and the
    parameters of no row (the decays) only. The q-th parameter of every row
    is then perturbed at once, since no row's gradient sees another row's
    parameters: ``2 (max row length + shared)`` gradient passes instead of
    ``2 k`` (for ``D = 10``: 24 instead of 222). A shared parameter's column
    is differenced alone and fills both triangles.
    """
    n = x.size
    free = np.asarray(free, dtype=bool)
    everything = np.arange(n)
    groups: list[tuple[np.ndarray, list[np.ndarray]]] = []
    if rows is None:
        groups = [(np.array([p]), [everything]) for p in np.flatnonzero(free)]
    else:
        rows = [r[free[r]] for r in rows]
        in_row = np.zeros(n, dtype=bool)
        for r in rows:
            in_row[r] = True
        width = max((r.size for r in rows), default=0)
        groups = [
            (
                np.array([r[q] for r in rows if q < r.size]),
                [r for r in rows if q < r.size],
            )
            for q in range(width)
        ]
        groups += [
            (np.array([p]), [everything]) for p in np.flatnonzero(free & ~in_row)
        ]
    h_mat = np.zeros((n, n))
    g0 = grad(x)
    for params, targets in groups:
        h = 1e-5 * np.maximum(np.abs(x[params]), 1e-2)
        fwd = np.isfinite(lower[params]) & (x[params] - h < lower[params])
        xp = x.copy()
        xp[params] += h
        gp = grad(xp)
        gm = g0
        if not fwd.all():
            xm = x.copy()
            xm[params[~fwd]] -= h[~fwd]
            gm = grad(xm)
        for p, hp, f, tgt in zip(params, h, fwd, targets, strict=True):
            if f:
                h_mat[tgt, p] = (gp[tgt] - g0[tgt]) / hp
            else:
                h_mat[tgt, p] = (gp[tgt] - gm[tgt]) / (2 * hp)
            if rows is not None and tgt is everything:
                h_mat[p, in_row] = h_mat[in_row, p]
    idx = np.flatnonzero(free)
    h_free = h_mat[np.ix_(idx, idx)]
    return -0.5 * (h_free + h_free.T)


def _try_inverse(info: np.ndarray) -> np.ndarray | None:
    if info.size == 0 or not np.all(np.isfinite(info)):
        return None
    try:
        eig = np.linalg.eigvalsh(info)
    except np.linalg.LinAlgError:
        return None
    if not eig.min() > 1e-10 * max(eig.max(), 1e-300):
        return None
    return np.asarray(np.linalg.inv(info))


def covariance(
    info: np.ndarray,
    free: np.ndarray,
    *,
    strict: bool,
    stacklevel: int = 3,
    at_bound: np.ndarray | None = None,
    names: list[str] | None = None,
    record: dict[str, Any] | None = None,
) -> np.ndarray:
    """Invert the observed information; NaN plus a warning when impossible.

    ``info`` covers the ``free`` parameters. If it is not positive definite
    and some estimates sit on their bound (``at_bound``), the inversion is
    retried with those held fixed, as is usual for constrained MLE: at an
    active bound the unconstrained curvature may point out of the parameter
    space. Those parameters then get NaN standard errors, with a warning that
    names them; use the LR test for them. Their names are also recorded in
    ``record["no_se_at_bound"]`` (the fit's ``optimizer_info``), so the result
    tells them from standard errors that could not be computed.
    """
    n = free.size
    cov = np.full((n, n), np.nan)
    idx = np.flatnonzero(free)
    inv = _try_inverse(info)
    if inv is not None:
        cov[np.ix_(idx, idx)] = inv
        return cov
    if at_bound is not None and at_bound[idx].any():
        keep = ~at_bound[idx]
        inv = _try_inverse(info[np.ix_(keep, keep)])
        if inv is not None:
            kept = idx[keep]
            cov[np.ix_(kept, kept)] = inv
            dropped = idx[~keep]
            labels = [names[i] if names else str(i) for i in dropped]
            if record is not None:
                record["no_se_at_bound"] = labels
            warnings.warn(
                f"{len(dropped)} estimates sit on their lower bound (or, for a "
                "negative-binomial size, at the Poisson limit) and make the "
                f"observed information singular: {labels[:5]}"
                f"{' ...' if len(labels) > 5 else ''}. Their standard errors are "
                "NaN; test them with lr_test instead of Wald intervals.",
                HessianWarning,
                stacklevel=stacklevel,
            )
            return cov
    msg = (
        "The observed information matrix is not positive definite, so "
        "standard errors are NaN. This happens when a parameter is not "
        "identified (e.g. a decay with almost no excitation) or sits on a "
        "bound; fix the decay or drop the parameter."
    )
    if strict:
        raise ConvergenceError(msg)
    warnings.warn(msg, HessianWarning, stacklevel=stacklevel)
    return cov


#: A fitted Hawkes process whose spectral radius is at least ``1 - 0.02`` is
#: near the stationarity boundary: baseline and branching trade off there (a
#: fit with radius 0.974 had baseline 1e-10 and interval [-1.69, 1.69]), so a
#: :class:`~titfortat.exceptions.StabilityWarning` is issued and the effect
#: tables call such a fit not estimable.
NEAR_UNIT_ROOT = 0.02


def fit_health(
    name: str,
    info: dict[str, Any],
    cov: np.ndarray,
    free: np.ndarray,
    *,
    radius: float,
    stacklevel: int = 3,
) -> bool:
    """The ``converged_`` flag of a Hawkes fit, and its stability warning.

    A fit counts as converged only when the optimiser succeeded *and* the
    observed information of the free parameters could be inverted (at least
    on the parameters off their bounds): an optimiser that stops on a flat or
    singular surface has not found a maximum it can report. The reason is
    stored in ``info["health"]``. A spectral radius within
    :data:`NEAR_UNIT_ROOT` of 1 issues a ``StabilityWarning``.
    """
    ok = bool(info["success"])
    reasons = [] if ok else [f"optimiser: {info.get('message', 'failed')}"]
    diag = np.diag(cov)[np.asarray(free, dtype=bool)]
    if diag.size and not np.isfinite(diag).any():
        ok = False
        reasons.append("the observed information is singular")
    info["health"] = reasons
    if not np.isfinite(radius) or radius >= 1.0 - NEAR_UNIT_ROOT:
        where = (
            f"within {NEAR_UNIT_ROOT} of 1 (the stationarity boundary)"
            if radius < 1.0
            else "at or above 1 (beyond the stationarity boundary: explosive)"
        )
        warnings.warn(
            f"{name}: the spectral radius of the fitted branching matrix is "
            f"{radius:.4g}, {where}. Baseline and excitation trade off there and the "
            "intervals cannot be trusted; add baseline segments for a trend, "
            "or aggregate the nodes.",
            StabilityWarning,
            stacklevel=stacklevel,
        )
    return ok


def keep_warnings(fit: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a ``fit`` so every warning it raises is kept on ``warnings_``.

    The warnings are recorded while ``fit`` runs and then re-issued unchanged
    (same category, message, file and line), so filters, ``pytest.warns`` and
    ``-W error`` see them as before; ``self.warnings_`` keeps them as
    ``"Category: message"`` strings, none dropped, for tables and reports.
    """

    @functools.wraps(fit)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = fit(self, *args, **kwargs)
            finally:
                self.warnings_ = [f"{w.category.__name__}: {w.message}" for w in caught]
        for w in caught:
            warnings.warn_explicit(
                w.message, w.category, w.filename, w.lineno, source=w.source
            )
        return out

    return wrapper


def report_convergence(info: dict[str, Any], *, strict: bool, name: str) -> None:
    """Warn (or raise with ``strict=True``) when the best run did not converge."""
    if info["success"]:
        return
    msg = (
        f"{name} did not converge: {info['message']} after {info['n_iter']} "
        "iterations. Increase max_iter or n_starts, or fix the decay."
    )
    if strict:
        raise ConvergenceError(msg)
    warnings.warn(msg, ConvergenceWarning, stacklevel=4)


def delta_method(
    fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, cov: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Value and delta-method standard errors of ``fn`` at ``x``.

    Parameters held fixed (NaN rows of ``cov``) are treated as known.
    """
    val = np.asarray(fn(x), dtype=float)
    free = np.isfinite(np.diag(cov))
    jac = np.zeros((val.size, x.size))
    for p in np.flatnonzero(free):
        h = 1e-6 * max(abs(x[p]), 1e-2)
        xp = x.copy()
        xm = x.copy()
        xp[p] += h
        xm[p] -= h
        jac[:, p] = (np.ravel(fn(xp)) - np.ravel(fn(xm))) / (2 * h)
    c = np.where(np.isfinite(cov), cov, 0.0)
    var = np.einsum("ij,jk,ik->i", jac, c, jac)
    se = np.sqrt(np.clip(var, 0.0, None))
    if not np.all(np.isfinite(np.diag(cov))[free]) or not free.any():
        se[:] = np.nan
    return val.ravel(), se
