"""The concave row-separable fit: identity link, fixed kernel parameters.

One fitting path for every kernel of the family. With the kernel's
parameters (the decays) fixed, the excitation of event n by source j through
component c, ``R[n, (j, c)]``, and the compensator coefficients ``C[(j, c)]``
are computed once by the kernel (:meth:`Kernel.design`); the log-likelihood
is then a sum over target nodes i of

    sum_{n in i} log(theta_i . X_n) - c . theta_i,   X_n = (segment(n), R_n)

so each row is a small concave problem solved on its own (the approach that
makes tick's fixed-decay fit fast; Bacry, Bompaire, Gaiffas and Muzy 2017).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize

from titfortat.dynamics.hawkes._loglik import row_loglik_grad

# Above this many events a learned-decay fit is warm-started from a fit to the
# first stretch of the window (about a tenth of the events); below it the
# full fit is already cheap. The one constant for every kernel.
SUBSAMPLE_ABOVE = 40_000


def subsample(
    times: np.ndarray, marks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """The first stretch of the window used for the multi-resolution warm
    start: about a tenth of the events, at least ``SUBSAMPLE_ABOVE / 2``.
    Its estimates are close to the full-data ones (measured at D = 10,
    N = 1e6: 14 instead of 42 joint iterations for ExpHawkes)."""
    n_sub = max(times.size // 10, SUBSAMPLE_ABOVE // 2)
    t_sub = float(times[n_sub])
    keep = times < t_sub
    return times[keep], marks[keep], t_sub


def fit_rows(
    r: np.ndarray,
    comp: np.ndarray,
    marks: np.ndarray,
    seg: np.ndarray,
    seg_len: np.ndarray,
    theta0: np.ndarray,
    free: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    gtol: float = 1e-8,
    information: bool = False,
) -> tuple[np.ndarray, float, dict[str, Any], list[np.ndarray]]:
    """Maximise each target row ``theta_i = (mu_i per segment, exc_i)``.

    ``r`` is (N, K) (the kernel's design), ``comp`` (K,), ``seg`` the
    baseline segment of each event and ``seg_len`` the segment lengths;
    ``theta0`` and ``free`` are (D, S + K). Returns the fitted rows, the
    log-likelihood, optimiser information and, with ``information=True``,
    each row's analytic observed information ``X' diag(1 / lambda^2) X``.
    """
    d = theta0.shape[0]
    n_seg = seg_len.size
    c = np.concatenate([seg_len, comp])
    theta = theta0.copy()
    ll_total, msgs, nits, ok, blocks = 0.0, set(), 0, True, []
    for i in range(d):
        rows = marks == i
        ri = np.ascontiguousarray(r[rows])
        si = np.ascontiguousarray(seg[rows])
        fr = free[i]
        th = theta[i].copy()
        n_i = max(ri.shape[0], 1)

        def obj(
            z: np.ndarray,
            ri: np.ndarray = ri,
            si: np.ndarray = si,
            fr: np.ndarray = fr,
            th: np.ndarray = th,
            n_i: int = n_i,
        ) -> tuple[float, np.ndarray]:
            full = th.copy()
            full[fr] = z
            ll, g = row_loglik_grad(ri, si, n_seg, c, full)
            if not np.isfinite(ll):
                return np.inf, np.zeros(z.size)
            return -ll / n_i, -g[fr] / n_i

        res = optimize.minimize(
            obj,
            th[fr],
            jac=True,
            method="L-BFGS-B",
            bounds=[(1e-10, None)] * int(fr.sum()),
            options={"maxiter": max_iter, "ftol": tol, "gtol": gtol, "maxcor": 20},
        )
        th[fr] = res.x
        theta[i] = th
        ll_total += -res.fun * n_i
        msgs.add(str(res.message))
        nits = max(nits, int(res.nit))
        ok = ok and bool(res.success)
        if information:
            xi = np.hstack([np.eye(n_seg)[si], ri])
            xi = xi / (xi @ th)[:, None]
            blocks.append(xi.T @ xi)
    info = {
        "message": "; ".join(sorted(msgs)),
        "n_iter": nits,
        "n_starts": 1,
        "success": ok,
        "start_log_likelihoods": [ll_total],
        "method": "separable rows (concave, one start)",
    }
    return theta, float(ll_total), info, blocks


def restricted_loglik(
    kernel: Any,
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    x: np.ndarray,
    ll: float,
    held: dict[int, float],
    max_iter: int,
    tol: float,
) -> float:
    """Maximum log-likelihood with the entries ``held`` (position -> value) of
    the fitted ``x = [mu (D), alpha (D, D, C)]`` (log-likelihood ``ll``)
    fixed and the rest refitted.

    Each parameter belongs to one target row ``(mu_i, alpha[i])`` and only
    that row's terms depend on it, so only the rows holding a parameter are
    refitted, and ``ll`` falls by their loss.
    """
    dc = d * kernel.n_components
    by_row: dict[int, dict[int, float]] = {}
    for p, v in held.items():
        i = p if p < d else (p - d) // dc
        idx = [i, *range(d + i * dc, d + (i + 1) * dc)]
        by_row.setdefault(i, {})[idx.index(p)] = v
    if not by_row:
        return ll
    r_all, c_all = kernel.design(times, marks, end_time, d)
    seg = np.zeros(times.size, dtype=np.int64)
    for i, row_held in by_row.items():
        row = x[[i, *range(d + i * dc, d + (i + 1) * dc)]]
        free = np.ones(row.size, dtype=bool)
        free[list(row_held)] = False
        start = np.maximum(row, 1e-6)
        start[list(row_held)] = list(row_held.values())
        _, ll_row0, _, _ = fit_rows(
            r_all,
            c_all,
            np.where(marks == i, 0, -1),
            seg,
            np.array([end_time]),
            start[None, :],
            free[None, :],
            max_iter=max_iter,
            tol=tol,
            gtol=1e-9,
        )
        rows = marks == i
        ll_row, _ = row_loglik_grad(
            np.ascontiguousarray(r_all[rows]),
            seg[rows],
            1,
            np.concatenate([[end_time], c_all]),
            row,
        )
        ll -= float(ll_row - ll_row0)
    return ll


def _segments(times: np.ndarray, end_time: float, n_seg: int) -> np.ndarray:
    """Baseline segment of each time: K equal-length pieces of [0, end_time]."""
    seg = np.floor(times * (n_seg / end_time)).astype(np.int64)
    return np.ascontiguousarray(np.clip(seg, 0, n_seg - 1))


def fit_identity_rows(
    kernel: Any,
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    max_iter: int,
    tol: float,
    *,
    n_seg: int = 1,
    start: np.ndarray | None = None,
    free: np.ndarray | None = None,
    gtol: float = 1e-9,
    information: bool = True,
) -> tuple[np.ndarray, float, dict[str, Any], np.ndarray]:
    """:func:`fit_rows` for any declared kernel, in the public layout
    ``[mu (K*D) segment-major, alpha (D, D, C) row-major]``.

    The baseline is constant over each of ``n_seg`` equal segments.
    ``start`` (that layout) replaces the default start and ``free`` (a mask
    over it) holds the other entries at their start. Returns the fitted
    parameters, the log-likelihood, optimiser information and, with
    ``information=True``, the analytic observed information in that layout
    (block-diagonal by target node), else an empty array.
    """
    r, comp = kernel.design(times, marks, end_time, d)
    k = r.shape[1]
    n_mu = n_seg * d
    # Row i of the separable problem: (mu_i per segment, alpha[i]).
    pos = np.array(
        [
            np.concatenate([i + d * np.arange(n_seg), n_mu + i * k + np.arange(k)])
            for i in range(d)
        ]
    )
    if start is None:
        counts = np.bincount(marks, minlength=d)
        rate = 0.5 * np.maximum(counts, 1)[:, None] / end_time
        theta0 = np.hstack([np.repeat(rate, n_seg, axis=1), np.full((d, k), 0.3 / k)])
    else:
        theta0 = start[pos]
    theta, ll, info, blocks = fit_rows(
        r,
        comp,
        marks,
        _segments(times, end_time, n_seg),
        np.full(n_seg, end_time / n_seg),
        theta0,
        np.ones_like(theta0, dtype=bool) if free is None else free[pos],
        max_iter=max_iter,
        tol=tol,
        gtol=gtol,
        information=information,
    )
    x = np.empty(n_mu + d * k)
    x[pos] = theta
    if not information:
        return x, ll, info, np.empty((0, 0))
    full = np.zeros((x.size, x.size))
    for i, blk in enumerate(blocks):
        full[np.ix_(pos[i], pos[i])] = blk
    return x, ll, info, full
