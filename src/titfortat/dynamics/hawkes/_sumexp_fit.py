"""Fitting paths of the sum-of-exponentials kernel: the concave fixed-decay
fit (identity link), the starting decays, and the one identity-link fit with
learned decays (:func:`fit_learned`), which serves SumExpHawkes and, at
U = 1 with a piecewise-constant baseline, ExpHawkes.

Every parameter vector here is in the public layout ``[mu (K*D), alpha (D, D,
U) row-major, beta (U)]`` (K baseline segments, 1 for SumExpHawkes) unless
said otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize

from titfortat.dynamics._optim import newton_maximize
from titfortat.dynamics.hawkes._loglik_sumexp import (
    sumexp_loglik_grad_hess_seg,
    sumexp_loglik_grad_seg,
)
from titfortat.dynamics.hawkes._rows import (
    SUBSAMPLE_ABOVE,
    _segments,
    fit_identity_rows,
    subsample,
)
from titfortat.dynamics.hawkes.kernels import SumExpKernel

# Bounds of log b1 when decays are learned (as ExpHawkes), and the smallest
# gap between successive log-decays, which keeps them ordered b1 < ... < bU.
LOG_BETA_BOUNDS = (float(np.log(1e-6)), float(np.log(1e6)))
MIN_LOG_GAP = 1e-4
# Two starts "agree" when their log-likelihoods differ by less than this (a
# hundredth of a likelihood-ratio unit) and their decays by less than 1%.
_AGREE_LL = 1e-2
_AGREE_DECAY = 1e-2


def to_z(x: np.ndarray, u: int) -> np.ndarray:
    """``[.., b1..bU]`` to ``[.., log b1, log b2 - log b1, ...]``."""
    logb = np.log(x[-u:])
    return np.concatenate([x[:-u], [logb[0]], np.diff(logb)])


def from_z(z: np.ndarray, u: int) -> np.ndarray:
    return np.concatenate([z[:-u], np.exp(np.cumsum(z[-u:]))])


def chain_z(g: np.ndarray, x: np.ndarray, u: int) -> np.ndarray:
    """Gradient in z from the gradient in x: d b_c / d z_l = b_c for c >= l."""
    gz = g.copy()
    gz[-u:] = np.cumsum((g[-u:] * x[-u:])[::-1])[::-1]
    return gz


def decay_bounds(u: int) -> list[tuple[float | None, float | None]]:
    return [LOG_BETA_BOUNDS] + [(MIN_LOG_GAP, None)] * (u - 1)


def _order_components(x: np.ndarray, d: int, u: int) -> np.ndarray:
    """Permute the components so the decays increase (they are exchangeable)."""
    k = x.size - u
    n_mu = k - d * d * u
    order = np.argsort(x[k:])
    alpha = x[n_mu:k].reshape(d, d, u)[:, :, order]
    return np.concatenate([x[:n_mu], alpha.ravel(), x[k:][order]])


def fit_joint_identity(
    x0: np.ndarray,
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    u: int,
    held: np.ndarray | None,
    max_iter: int,
    tol: float,
    mu_idx: np.ndarray | None = None,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Joint MLE in ``[mu, alpha, decays]``; ``held`` (over ``[mu, alpha]``,
    NaN where free) gives the values of parameters held fixed, ``mu_idx``
    the baseline entry of each event (``segment * D + node``; None: a
    constant baseline).

    First a projected, damped Newton method with the analytic Hessian (a
    handful of iterations from the fixed-decay warm start; the components are
    reordered afterwards if two decays swapped). With one decay it works on
    ``log b``, which suits a decay known only up to a factor at the start
    (ExpHawkes starts at the event rate): measured at D = 10, N = 1e5,
    7 + 3 iterations (sub-window, then all events) instead of 9 + 4 on
    ``b``. With several it works on ``b``: on the log scale Newton from a
    log-spaced grid of starts settled on a local mode (one component at
    decay 1650, test_learned_decays_multistart) that the fallback avoids.

    One compiled pass gives the log-likelihood, gradient and Hessian, and
    costs about what a Hessian alone costs, so every point evaluated carries
    the Hessian Newton needs at its next iteration. If Newton fails, or
    leaves two decays closer than the minimum gap, L-BFGS-B on ``z = [mu,
    alpha, log b1, log b2 - log b1, ...]``, which keeps the decays ordered,
    takes over.
    """
    k = x0.size - u
    n = max(times.size, 1)
    free = np.ones(x0.size, dtype=bool)
    xs = x0.copy()
    fixed = np.zeros(k, dtype=bool) if held is None else ~np.isnan(held)
    free[:k][fixed] = False
    if held is not None:
        xs[:k][fixed] = held[fixed]
    lo_t = 1e-10
    mi = marks if mu_idx is None else mu_idx

    log_b = u == 1

    def to_x(y: np.ndarray) -> np.ndarray:
        return np.concatenate([y[:k], np.exp(y[k:])]) if log_b else y

    def to_y(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x[:k], np.log(x[k:])]) if log_b else x

    # The Hessian of the last point evaluated is kept for Newton's next step
    # (almost always that point).
    cache: dict[str, np.ndarray] = {}

    def fun(y: np.ndarray) -> tuple[float, np.ndarray]:
        x = to_x(y)
        ll, g, h = sumexp_loglik_grad_hess_seg(x, times, marks, mi, end_time, d, u)
        if log_b:
            # Chain rule: d/dy = b d/db, d2/dy2 = b b' d2/db2 + diag(dll/dy).
            b = x[k:]
            g[k:] *= b
            h[k:, :] *= b[:, None]
            h[:, k:] *= b[None, :]
            h[k:, k:] += np.diag(g[k:])
        cache["y"], cache["h"] = y.copy(), h
        return float(ll), g

    def hess(y: np.ndarray, g: np.ndarray) -> np.ndarray:
        if "y" not in cache or not np.array_equal(cache["y"], y):
            fun(y)
        return cache["h"]

    nb: list[tuple[float | None, float | None]] = [(lo_t, None)] * k
    for p in np.flatnonzero(fixed):
        nb[p] = (float(xs[p]), float(xs[p]))
    lo_b, hi_b = LOG_BETA_BOUNDS if log_b else np.exp(LOG_BETA_BOUNDS)
    nb += [(float(lo_b), float(hi_b))] * u
    out = newton_maximize(
        fun, hess, to_y(xs), nb, free=free, scale=float(n), max_iter=50
    )
    if out is not None:
        y, ll, info = out
        x = _order_components(to_x(y), d, u)
        if np.all(np.diff(np.log(x[k:])) >= MIN_LOG_GAP):
            method = "projected Newton with the analytic Hessian"
            return x, float(ll), {**info, "method": method}

    def obj(z: np.ndarray) -> tuple[float, np.ndarray]:
        x = from_z(z, u)
        ll, g = sumexp_loglik_grad_seg(x, times, marks, mi, end_time, d, u)
        if not np.isfinite(ll):
            return np.inf, np.zeros(z.size)
        return -ll / n, -chain_z(g, x, u) / n

    z0 = to_z(xs, u)
    bounds = nb[:k] + decay_bounds(u)
    z0 = np.clip(
        z0,
        [b[0] if b[0] is not None else -np.inf for b in bounds],
        [b[1] if b[1] is not None else np.inf for b in bounds],
    )
    res = optimize.minimize(
        obj,
        z0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-10},
    )
    x, ll = from_z(res.x, u), float(-res.fun * n)
    info = {
        "message": f"L-BFGS-B (Newton failed from the start): {res.message}",
        "n_iter": int(res.nit),
        "success": bool(res.success),
        "method": "L-BFGS-B",
    }
    # L-BFGS-B stalls on the ill-conditioned decay directions; Newton from
    # its end point usually finishes the job.
    out = newton_maximize(
        fun, hess, to_y(x), nb, free=free, scale=float(n), max_iter=20
    )
    if out is not None and out[1] >= ll:
        xn = _order_components(to_x(out[0]), d, u)
        if np.all(np.diff(np.log(xn[k:])) >= MIN_LOG_GAP):
            x, ll = xn, float(out[1])
            info["message"] += "; Newton polish: " + str(out[2]["message"])
            info["success"] = info["success"] or bool(out[2]["success"])
    return x, ll, info


def decay_starts(
    decays: np.ndarray, n_starts: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """The user's (sorted) decays, then ``n_starts - 1`` log-spaced grids.

    The likelihood in the decays is multimodal (a component can settle on a
    time scale the data do not favour), so further starts spread U decays
    evenly in log scale around a centre drawn near the user's geometric mean
    (sd 1 in log units), over at least a factor 9 or the user's own spread,
    itself scaled by a log-normal factor; all draws come from ``rng``.
    """
    first = np.sort(np.asarray(decays, dtype=float))
    logb = np.log(first)
    u = logb.size
    out = [first]
    half = max(0.5 * (logb[-1] - logb[0]), float(np.log(3.0)))
    lo, hi = LOG_BETA_BOUNDS
    for _ in range(n_starts - 1):
        centre = logb.mean() + rng.normal(0.0, 1.0)
        h = half * float(np.exp(rng.normal(0.0, 0.5)))
        grid = np.linspace(centre - h, centre + h, u) if u > 1 else np.array([centre])
        out.append(np.exp(np.clip(grid, lo + 1.0, hi - 1.0)))
    return out


def summarise_starts(
    runs: list[tuple[np.ndarray, float, dict[str, Any]]], u: int
) -> tuple[int, dict[str, Any]]:
    """Index of the best run and the multi-start entries of optimizer_info."""
    lls = np.array([r[1] for r in runs])
    best = int(np.nanargmax(np.where(np.isfinite(lls), lls, -np.inf)))
    b_best = runs[best][0][-u:]
    conv = [bool(r[2]["success"]) for r in runs]
    agree = [
        c
        and abs(r[1] - lls[best]) < _AGREE_LL
        and bool(np.all(np.abs(r[0][-u:] / b_best - 1.0) < _AGREE_DECAY))
        for r, c in zip(runs, conv, strict=True)
    ]
    return best, {
        "n_starts": len(runs),
        "n_converged": int(sum(conv)),
        "n_agree": int(sum(agree)),
        "starts_agree": bool(all(a for a, c in zip(agree, conv, strict=True) if c)),
        "start_log_likelihoods": [float(v) for v in lls],
        "start_decays": [[float(b) for b in r[0][-u:]] for r in runs],
    }


def _warm(
    x0: np.ndarray,
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    u: int,
    held: np.ndarray | None,
    max_iter: int,
    tol: float,
    n_seg: int,
) -> np.ndarray:
    """The start ``x0`` with ``(mu, alpha)`` fitted at its decays (concave,
    :func:`~titfortat.dynamics.hawkes._rows.fit_identity_rows`); NaN
    ``(mu, alpha)`` start from the row fit's default."""
    k = x0.size - u
    start, free = None, None
    if not np.isnan(x0[:k]).all():
        start = np.maximum(x0[:k], 1e-10)
        if held is not None:
            free = np.isnan(held)
            start[~free] = held[~free]
    xp, _, _, _ = fit_identity_rows(
        SumExpKernel(x0[k:]),
        times,
        marks,
        end_time,
        d,
        max_iter,
        tol,
        n_seg=n_seg,
        start=start,
        free=free,
        information=False,
    )
    return np.concatenate([xp, x0[k:]])


def fit_learned(
    starts: list[np.ndarray],
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    u: int,
    held: np.ndarray | None,
    max_iter: int,
    tol: float,
    *,
    n_seg: int = 1,
    warm: bool = True,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Multi-start identity-link fit with learned decays: the one path of
    ExpHawkes (U = 1, ``n_seg`` baseline segments) and SumExpHawkes.

    Every start ``[mu (K*D), alpha, beta]`` is first refined with its decays
    fixed (the concave row fit, cheap), then fitted jointly by
    :func:`fit_joint_identity`; ``held`` is as there. ``warm=False`` (starts
    already near a maximum, as in the restricted refits of LR tests and
    profiles) fits them jointly on all events at once. Otherwise, above
    ``SUBSAMPLE_ABOVE`` events and with a constant baseline (a sub-window
    would miss the later segments), every start is fitted on the first
    stretch of the window (a tenth of the events), whose estimates are close
    to the full-data ones, and only the best of them is refined on all
    events, where Newton then needs two or three iterations instead of five
    to seven. The starts are compared on the same stretch, so the screening
    picks the mode the full likelihood would pick unless two modes are
    within sampling noise of each other; optimizer_info reports the
    screening (``starts_screened_on``).
    """

    def one(
        x0: np.ndarray, ts: np.ndarray, ms: np.ndarray, t_end: float, rows: bool
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        if rows:
            x0 = _warm(x0, ts, ms, t_end, d, u, held, max_iter, tol, n_seg)
        mu_idx = None if n_seg == 1 else _segments(ts, t_end, n_seg) * d + ms
        return fit_joint_identity(
            x0, ts, ms, t_end, d, u, held, max_iter, tol, mu_idx=mu_idx
        )

    if warm and n_seg == 1 and times.size > SUBSAMPLE_ABOVE:
        ts, ms, t_sub = subsample(times, marks)
        sub_runs = [one(x0, ts, ms, t_sub, True) for x0 in starts]
        best, summary = summarise_starts(sub_runs, u)
        x0 = sub_runs[best][0].copy()
        x0[: x0.size - u] = np.maximum(x0[: x0.size - u], 1e-6)
        if held is not None:
            fixed = ~np.isnan(held)
            x0[: x0.size - u][fixed] = held[fixed]
        x, ll, info = one(x0, times, marks, end_time, False)
        return x, ll, {**info, **summary, "starts_screened_on": int(ts.size)}
    runs = [one(x0, times, marks, end_time, warm) for x0 in starts]
    best, summary = summarise_starts(runs, u)
    x, ll, info = runs[best]
    return x, ll, {**info, **summary}
