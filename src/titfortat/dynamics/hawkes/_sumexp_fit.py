"""Fitting paths of SumExpHawkes: the concave fixed-decay fit (identity
link), the joint fit with learned decays, and the starting decays.

Every parameter vector here is in the public layout ``[mu (D), alpha (D, D,
U) row-major, beta (U)]`` unless said otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize

from titfortat.dynamics._optim import observed_information
from titfortat.dynamics.hawkes._loglik import exp_states
from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_loglik_grad

# Bounds of log b1 when decays are learned (as ExpHawkes), and the smallest
# gap between successive log-decays, which keeps them ordered b1 < ... < bU.
LOG_BETA_BOUNDS = (float(np.log(1e-6)), float(np.log(1e6)))
MIN_LOG_GAP = 1e-4
# Two starts "agree" when their log-likelihoods differ by less than this (a
# hundredth of a likelihood-ratio unit) and their decays by less than 1%.
_AGREE_LL = 1e-2
_AGREE_DECAY = 1e-2


def design(
    times: np.ndarray, marks: np.ndarray, end_time: float, d: int, betas: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Excitations per event, columns ordered (j, u), and compensator terms."""
    rs, cs = [], []
    for b in betas:
        r, c = exp_states(times, marks, end_time, d, float(b))
        rs.append(r)
        cs.append(c)
    u = betas.size
    r_all = np.stack(rs, axis=2).reshape(times.size, d * u)  # column j * U + u
    c_all = np.stack(cs, axis=1).reshape(d * u)
    return r_all, c_all


def fit_fixed_identity(
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    betas: np.ndarray,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, float, dict[str, Any], np.ndarray]:
    """Concave MLE with fixed decays, one small problem per target node.

    Returns ``[mu, alpha]`` (public layout), the log-likelihood, optimiser
    information and the analytic observed information in that layout.
    """
    u = betas.size
    r_all, c_all = design(times, marks, end_time, d, betas)
    k_row = 1 + d * u
    x = np.zeros(d * k_row)
    info_blocks = []
    ll_total, ok, msgs, nit = 0.0, True, set(), 0
    c = np.concatenate([[end_time], c_all])
    for i in range(d):
        rows = marks == i
        xi = np.hstack([np.ones((int(rows.sum()), 1)), r_all[rows]])
        n_i = max(xi.shape[0], 1)

        def obj(th: np.ndarray, xi: np.ndarray = xi, n_i: int = n_i) -> Any:
            lam = xi @ th
            if np.any(lam <= 0):
                return np.inf, np.zeros(th.size)
            g = xi.T @ (1.0 / lam) - c
            return -(np.log(lam).sum() - c @ th) / n_i, -g / n_i

        th0 = np.concatenate([[0.5 * n_i / end_time], np.full(d * u, 0.3 / (d * u))])
        res = optimize.minimize(
            obj,
            th0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(1e-10, None)] * k_row,
            options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-9},
        )
        th = res.x
        lam = xi @ th
        # Observed information of row i: X' diag(1 / lambda^2) X (analytic).
        info_blocks.append((xi / lam[:, None]).T @ (xi / lam[:, None]))
        x[i * k_row : (i + 1) * k_row] = th
        ll_total += -res.fun * n_i
        ok = ok and bool(res.success)
        msgs.add(str(res.message))
        nit = max(nit, int(res.nit))
    info = {"message": "; ".join(sorted(msgs)), "n_iter": nit, "success": ok}
    full = np.zeros((x.size, x.size))
    for i, blk in enumerate(info_blocks):
        sl = slice(i * k_row, (i + 1) * k_row)
        full[sl, sl] = blk
    # Reorder to the public layout [mu, alpha(i, j, u)].
    perm = [i * k_row for i in range(d)] + [
        i * k_row + 1 + j for i in range(d) for j in range(d * u)
    ]
    return x[perm], float(ll_total), info, full[np.ix_(perm, perm)]


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


def fit_joint_identity(
    x0: np.ndarray,
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    u: int,
    zero: np.ndarray | None,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Joint MLE in ``[mu, alpha, decays]``; ``zero`` masks alphas held at 0.

    Optimised over ``z = [mu, alpha, log b1, log b2 - log b1, ...]`` so the
    decays stay ordered, then polished by Newton steps.
    """
    k = x0.size - u
    n = max(times.size, 1)

    def obj(z: np.ndarray) -> tuple[float, np.ndarray]:
        x = from_z(z, u)
        ll, g = sumexp_loglik_grad(x, times, marks, end_time, d, u)
        if not np.isfinite(ll):
            return np.inf, np.zeros(z.size)
        return -ll / n, -chain_z(g, x, u) / n

    z0 = to_z(x0, u)
    bounds: list[tuple[float | None, float | None]] = [(1e-10, None)] * k
    if zero is not None:
        z0[d:k][zero] = 0.0
        for p in np.flatnonzero(zero):
            bounds[d + p] = (0.0, 0.0)
    bounds += decay_bounds(u)
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
    x, ll, polished = _newton_polish(x, ll, times, marks, end_time, d, u, zero)
    info = {
        "message": str(res.message) + ("; Newton polish converged" if polished else ""),
        "n_iter": int(res.nit),
        "success": bool(res.success) or polished,
    }
    return x, ll, info


def _newton_polish(
    x: np.ndarray,
    ll: float,
    times: np.ndarray,
    marks: np.ndarray,
    end_time: float,
    d: int,
    u: int,
    zero: np.ndarray | None,
) -> tuple[np.ndarray, float, bool]:
    """A few Newton steps with the differenced analytic Hessian.

    L-BFGS-B stalls on the ill-conditioned decay directions; Newton on the
    parameters away from their bounds finishes the job. Steps are halved
    until the log-likelihood rises and the decays stay ordered.
    """
    k = x.size - u

    def grad(v: np.ndarray) -> np.ndarray:
        return sumexp_loglik_grad(v, times, marks, end_time, d, u)[1]

    move = x > 1e-8
    if zero is not None:
        move[d:k] &= ~zero
    for _ in range(8):
        info_mat = observed_information(grad, x, move, np.zeros(x.size))
        g = grad(x)[move]
        try:
            step = np.linalg.solve(info_mat, g)
        except np.linalg.LinAlgError:
            return x, ll, False
        if not np.all(np.isfinite(step)):
            return x, ll, False
        # Newton decrement: the predicted log-likelihood gain.
        if 0.5 * g @ step < 1e-7:
            return x, ll, True
        t = 1.0
        while t > 1e-4:
            xn = x.copy()
            xn[move] += t * step
            b = xn[k:]
            if np.all(xn[:k] >= 0) and np.all(np.diff(np.log(b)) > 0):
                lln = sumexp_loglik_grad(xn, times, marks, end_time, d, u)[0]
                if lln > ll:
                    x, ll = xn, float(lln)
                    break
            t *= 0.5
        else:
            return x, ll, False
    return x, ll, False


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
