"""The geometric lag recursion of :class:`BinnedHawkes`, compiled once.

``E[t] = (1 - rho) y[t-1] + rho E[t-1]`` is a first-order IIR filter.
``scipy.signal.lfilter`` computes it, but importing ``scipy.signal`` costs about
0.2 s, more than the filter itself on any realistic window; a numba loop gives
the same numbers (tests/dynamics/test_binned.py checks it against ``lfilter``)
and the derivative in the same pass.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def lag_states(y: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Lag states ``E`` and their derivative ``dE/drho`` of counts ``y`` (n, D).

    ``E[0] = 0``; ``E[t] = (1 - rho) y[t-1] + rho E[t-1]`` is the weighted sum
    of past counts with weights ``w_l = (1 - rho) rho^(l-1)``, and
    ``dE[t] = E[t-1] - y[t-1] + rho dE[t-1]``.
    """
    n, d = y.shape
    e = np.zeros((n, d))
    de = np.zeros((n, d))
    for t in range(1, n):
        for j in range(d):
            e[t, j] = (1.0 - rho) * y[t - 1, j] + rho * e[t - 1, j]
            de[t, j] = e[t - 1, j] - y[t - 1, j] + rho * de[t - 1, j]
    return e, de


def lag_weights(beta: float, n: int) -> np.ndarray:
    """Geometric lag weights ``w_l = (1 - e^-beta) e^{-beta (l-1)}``, l = 1..n."""
    rho = float(np.exp(-beta))
    out: np.ndarray = (1.0 - rho) * rho ** np.arange(n)
    return out
