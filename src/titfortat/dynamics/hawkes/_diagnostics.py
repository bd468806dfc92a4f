"""Diagnostics of a fitted Hawkes model, written once for every kernel.

Each function takes the fitted pieces (the kernel object, ``mu`` (D,),
``adjacency`` (D, D, C), the link) rather than an estimator, so ExpHawkes,
SumExpHawkes and :class:`KernelHawkes` share them: the fitted intensity,
time-rescaling residuals (Brown, Barbieri, Ventura, Kass and Frank 2002),
the branching matrix and ratio with delta-method errors, and the impulse
response of an exponential-family kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import linalg

from titfortat.dynamics.hawkes.kernels import LINKS, Kernel
from titfortat.results import DerivedResult, ResidualResult


def intensity(
    kernel: Kernel,
    mu: np.ndarray,
    adjacency: np.ndarray,
    link: str,
    times: np.ndarray,
    marks: np.ndarray,
    grid: np.ndarray,
    nodes: list[str],
) -> pd.DataFrame:
    """``phi(mu_i + sum_{j,c} alpha[i,j,c] R_{j,c}(t))`` at ``grid`` (left limits)."""
    d = mu.size
    g = np.asarray(grid, dtype=float)
    r = kernel.excitation_at(times, marks, g, d)
    lam = LINKS[link](mu[None, :] + r @ adjacency.reshape(d, -1).T)
    return pd.DataFrame(lam, index=g, columns=nodes)


def identity_residuals(
    kernel: Kernel,
    mu: np.ndarray,
    adjacency: np.ndarray,
    times: np.ndarray,
    marks: np.ndarray,
    nodes: list[str],
) -> ResidualResult:
    """Compensator increments between successive events of each node."""
    d = mu.size
    src = kernel.compensator_at(times, marks, times, d)
    cum = mu[marks] * times + np.einsum(
        "nk,nk->n", src, adjacency.reshape(d, -1)[marks]
    )
    return residuals_from_cumulative(cum, marks, nodes)


def residuals_from_cumulative(
    cum: np.ndarray, marks: np.ndarray, nodes: list[str]
) -> ResidualResult:
    out = {}
    for k, name in enumerate(nodes):
        out[name] = np.diff(np.concatenate([[0.0], cum[marks == k]]))
    return ResidualResult(out)


def impulse_response_sumexp(
    adjacency: np.ndarray, decays: np.ndarray, horizon_days: float
) -> np.ndarray:
    """Expected extra events of node i within the horizon after one event
    of node j, all generations, for ``adjacency[i, j, u]`` and ``decays[u]``.

    The excitation components ``z_u`` obey the linear system ``z_u' =
    -beta_u z_u + beta_u A_u sum_v z_v`` with ``z_u(0) = beta_u A_u e_j``,
    so the count is ``S K^{-1} (expm(K H) - I) z(0)`` with ``S`` the sum over
    components. For U = 1 it is ExpHawkes' ``A (A - I)^{-1} (expm(beta (A - I)
    H) - I)``.
    """
    d, _, u = adjacency.shape
    big_k = np.zeros((d * u, d * u))
    z0 = np.zeros((d * u, d))
    for c, b in enumerate(decays):
        sl = slice(c * d, (c + 1) * d)
        big_k[sl, sl] -= b * np.eye(d)
        for v in range(u):
            big_k[sl, v * d : (v + 1) * d] += b * adjacency[:, :, c]
        z0[sl] = b * adjacency[:, :, c]
    grow = linalg.expm(big_k * float(horizon_days)) - np.eye(d * u)
    s = np.tile(np.eye(d), (1, u))
    out: np.ndarray = s @ np.linalg.solve(big_k, grow @ z0)
    return out


def impulse_response(
    x: np.ndarray,
    cov: np.ndarray,
    unpack: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    horizon_days: float,
    nodes: list[str],
    delta_method: Callable[..., tuple[np.ndarray, np.ndarray]],
) -> DerivedResult:
    """:func:`impulse_response_sumexp` with delta-method errors;
    ``unpack(x)`` gives ``(adjacency (D, D, U), decays (U,))``."""

    def fn(v: np.ndarray) -> np.ndarray:
        a, b = unpack(v)
        return impulse_response_sumexp(a, b, horizon_days).ravel()

    v, se = delta_method(fn, x, cov)
    idx = [f"{a}<-{b}" for a in nodes for b in nodes]
    return DerivedResult("impulse_response", pd.Series(v, idx), pd.Series(se, idx))


__all__ = [
    "identity_residuals",
    "impulse_response",
    "intensity",
]
