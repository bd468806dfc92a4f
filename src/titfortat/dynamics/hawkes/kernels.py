"""Declared Hawkes kernels: what a kernel is, in one place.

A kernel of the family is a sum of ``C`` components, each a density on
``t > 0`` (so ``alpha[i<-j;c]`` is an expected offspring count under the
identity link):

.. math::

    \\phi_{ij}(t) = \\sum_{c=1}^{C} \\alpha^{c}_{ij}\\, g_c(t; \\theta)

A kernel declares its parameters ``theta`` (``param_names``,
``params``, ``bounds``), ``kernel(t)`` (the densities ``g_c``) and
``integral(t)`` (their integrals from 0). From these two the base class
derives, by direct summation over earlier events within the kernel's
``horizon``, the design of the concave fixed-parameter fit
(:meth:`Kernel.design`), the excitation at any time
(:meth:`Kernel.excitation_at`), the compensator at the events
(:meth:`Kernel.compensator_at`) and offspring lags for the cluster simulator
(:meth:`Kernel.sample_lags`, by inverting ``integral``). A kernel with a
Markov state recursion overrides them with compiled code: the exponential
kernels here use Ozaki's (1979) recursion, O(N D C) instead of O(N^2).

:class:`KernelHawkes` fits any declared kernel; ``tests/dynamics/
test_custom_kernel.py`` declares a toy kernel in a few lines and gets the
fit, standard errors, LR test, residuals and simulation for free.

References
----------
Ozaki (1979), Ann. Inst. Statist. Math. 31; Hawkes and Oakes (1974), J.
Appl. Prob. 11; Laub, Taimre and Pollett (2015), arXiv:1507.02822.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._states import exp_states, intensity_at

__all__ = ["LINKS", "ExpKernel", "Kernel", "Link", "SumExpKernel"]


@dataclass(frozen=True)
class Link:
    """A link ``phi`` of the linear predictor and the sign constraints it
    needs: identity keeps ``mu > 0`` and ``alpha >= 0``; relu keeps
    ``mu > 0`` (its floor is 1e-8 per day); softplus leaves both free."""

    name: str
    code: int  # the compiled kernels' switch
    mu_positive: bool
    alpha_positive: bool

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.name == "softplus":
            return np.logaddexp(0.0, x)
        if self.name == "relu":
            return np.maximum(x, 1e-8)
        return x


LINKS = {
    name: Link(name, LINK_CODES[name], name != "softplus", name == "identity")
    for name in ("identity", "softplus", "relu")
}


class Kernel:
    """Base class of a declared kernel; subclasses set ``param_names`` and
    ``bounds`` and implement ``params``, ``kernel`` and ``integral``."""

    #: names of the kernel parameters theta, e.g. ``("decay",)``
    param_names: tuple[str, ...] = ()
    #: (lower, upper) of each parameter
    bounds: tuple[tuple[float, float], ...] = ()

    @property
    def n_components(self) -> int:
        return int(self.kernel(np.array([1.0])).shape[0])

    def params(self) -> np.ndarray:
        """Current values of theta."""
        raise NotImplementedError

    def kernel(self, t: np.ndarray) -> np.ndarray:
        """``g_c(t)``, shape (C, len(t)); each integrates to one."""
        raise NotImplementedError

    def integral(self, t: np.ndarray) -> np.ndarray:
        """``int_0^t g_c(s) ds``, shape (C, len(t))."""
        raise NotImplementedError

    def horizon(self, tol: float = 1e-12) -> float:
        """Lag beyond which every component has mass below ``tol`` left."""
        h = 1.0
        while np.any(self.integral(np.array([h]))[:, 0] < 1.0 - tol) and h < 1e9:
            h *= 2.0
        return h

    # ---------------------------------------------------------- derived pieces
    def _pairs(self, times: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, ...]:
        """(query index, event index) of every event strictly before a query
        time and within the horizon; and how many earlier events lie beyond."""
        h = self.horizon()
        hi = np.searchsorted(times, at, side="left")
        lo = np.searchsorted(times, at - h, side="left")
        cnt = hi - lo
        q = np.repeat(np.arange(at.size), cnt)
        k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        return q, np.repeat(lo, cnt) + k, lo

    def excitation_at(
        self, times: np.ndarray, marks: np.ndarray, at: np.ndarray, d: int
    ) -> np.ndarray:
        """``R[g, j * C + c] = sum_{t_k < at[g], k in j} g_c(at[g] - t_k)``."""
        c = self.n_components
        q, k, _ = self._pairs(times, at)
        out = np.zeros((at.size, d * c))
        vals = self.kernel(at[q] - times[k])  # (C, pairs)
        for comp in range(c):
            np.add.at(out, (q, marks[k] * c + comp), vals[comp])
        return out

    def compensator_at(
        self, times: np.ndarray, marks: np.ndarray, at: np.ndarray, d: int
    ) -> np.ndarray:
        """``sum_{t_k < at[g], k in j} int_0^{at[g] - t_k} g_c``, (G, D C)."""
        c = self.n_components
        q, k, lo = self._pairs(times, at)
        out = np.zeros((at.size, d * c))
        vals = self.integral(at[q] - times[k])
        for comp in range(c):
            np.add.at(out, (q, marks[k] * c + comp), vals[comp])
        # Events older than the horizon contribute their whole mass.
        before = np.zeros((times.size + 1, d))
        before[1:][np.arange(times.size), marks] = 1.0
        old = np.cumsum(before, axis=0)[lo]  # (G, D)
        return out + np.repeat(old, c, axis=1)

    def design(
        self, times: np.ndarray, marks: np.ndarray, end_time: float, d: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Excitation at every event (N, D C) and compensator terms (D C,)."""
        r = self.excitation_at(times, marks, times, d)
        comp = self.compensator_at(times, marks, np.array([end_time]), d)[0]
        # compensator_at counts events strictly before end_time; an event at
        # end_time contributes nothing (its integral over a zero lag is 0).
        return r, comp

    def sample_lags(self, rng: np.random.Generator, comp: np.ndarray) -> np.ndarray:
        """Offspring lags of the components ``comp`` (inverse of
        ``integral`` by bisection, to 1e-10 relative)."""
        target = rng.random(comp.size)
        lo = np.zeros(comp.size)
        hi = np.full(comp.size, self.horizon())
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            below = self.integral(mid)[comp, np.arange(comp.size)] < target
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)


class SumExpKernel(Kernel):
    """``g_u(t) = beta_u exp(-beta_u t)``, u = 1..U: the kernel of
    :class:`~titfortat.dynamics.SumExpHawkes` (and, with U = 1, of
    :class:`~titfortat.dynamics.ExpHawkes`). Compiled Ozaki recursion.

    Examples
    --------
    >>> k = SumExpKernel([0.5, 5.0])
    >>> k.integral(np.array([0.0, 1.0])).round(3).tolist()
    [[0.0, 0.393], [0.0, 0.993]]
    """

    def __init__(self, decays: Sequence[float] | np.ndarray) -> None:
        self.decays = np.atleast_1d(np.asarray(decays, dtype=float)).ravel()
        u = self.decays.size
        self.param_names = tuple(f"decay[{c}]" for c in range(u))
        self.bounds = ((1e-6, 1e6),) * u

    @property
    def n_components(self) -> int:
        return int(self.decays.size)

    def params(self) -> np.ndarray:
        return self.decays.copy()

    def kernel(self, t: np.ndarray) -> np.ndarray:
        b = self.decays[:, None]
        return np.asarray(b * np.exp(-b * np.asarray(t)[None, :]))

    def integral(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(-np.expm1(-self.decays[:, None] * np.asarray(t)[None, :]))

    def horizon(self, tol: float = 1e-12) -> float:
        return float(-math.log(tol) / self.decays.min())

    def design(
        self, times: np.ndarray, marks: np.ndarray, end_time: float, d: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rs, cs = [], []
        for b in self.decays:
            r, c = exp_states(times, marks, end_time, d, float(b))
            rs.append(r)
            cs.append(c)
        u = self.decays.size
        r_all = np.stack(rs, axis=2).reshape(times.size, d * u)  # column j*U + u
        return r_all, np.stack(cs, axis=1).reshape(d * u)

    def excitation_at(
        self, times: np.ndarray, marks: np.ndarray, at: np.ndarray, d: int
    ) -> np.ndarray:
        order = np.argsort(at, kind="stable")
        eye, zero = np.eye(d), np.zeros(d)
        out = np.empty((at.size, d, self.decays.size))
        for c, b in enumerate(self.decays):
            out[order, :, c] = intensity_at(
                times, marks, zero, eye, float(b), np.ascontiguousarray(at[order]), 0
            )
        return out.reshape(at.size, -1)

    def compensator_at(
        self, times: np.ndarray, marks: np.ndarray, at: np.ndarray, d: int
    ) -> np.ndarray:
        if at is not times:
            return super().compensator_at(times, marks, at, d)
        # At the events themselves: sum_k 1 - exp(-b (t - t_k)) over earlier
        # events of j is their count minus S0 = R / b, from the design pass.
        r, _ = self.design(times, marks, float(times[-1]) if times.size else 0.0, d)
        before = [np.searchsorted(times[marks == j], times, "left") for j in range(d)]
        counts = np.repeat(np.stack(before, axis=1), self.decays.size, axis=1)
        out: np.ndarray = counts - r / np.tile(self.decays, d)
        return out

    def impulse_response(self, adjacency: np.ndarray, horizon: float) -> np.ndarray:
        """Expected extra events of node i within ``horizon`` days after one
        event of node j, all generations, for ``adjacency[i, j, u]``.

        The excitation components ``z_u`` obey the linear system ``z_u' =
        -beta_u z_u + beta_u A_u sum_v z_v`` with ``z_u(0) = beta_u A_u e_j``,
        so the count is ``S K^{-1} (expm(K H) - I) z(0)`` with ``S`` the sum
        over components; for U = 1, ``A (A - I)^{-1} (expm(beta (A - I) H) -
        I)``.
        """
        from scipy import linalg

        d, _, u = adjacency.shape
        big_k = np.zeros((d * u, d * u))
        z0 = np.zeros((d * u, d))
        for c, b in enumerate(self.decays):
            sl = slice(c * d, (c + 1) * d)
            big_k[sl, sl] -= b * np.eye(d)
            for v in range(u):
                big_k[sl, v * d : (v + 1) * d] += b * adjacency[:, :, c]
            z0[sl] = b * adjacency[:, :, c]
        grow = linalg.expm(big_k * float(horizon)) - np.eye(d * u)
        out: np.ndarray = np.tile(np.eye(d), (1, u)) @ np.linalg.solve(big_k, grow @ z0)
        return out

    def sample_lags(self, rng: np.random.Generator, comp: np.ndarray) -> np.ndarray:
        return np.asarray(rng.exponential(1.0 / self.decays[comp]))


class ExpKernel(SumExpKernel):
    """``g(t) = beta exp(-beta t)``: the U = 1 case of :class:`SumExpKernel`.

    Examples
    --------
    >>> ExpKernel(2.0).kernel(np.array([0.0, 1.0])).round(4).tolist()
    [[2.0, 0.2707]]
    """

    param_names = ("decay",)

    def __init__(self, decay: float) -> None:
        super().__init__([decay])
        self.param_names = ("decay",)

    @property
    def decay(self) -> float:
        return float(self.decays[0])
