"""Exact simulation of Hawkes processes with an exponential or a
sum-of-exponentials kernel: one simulator, whose ``run()`` gives the same
event frame for every continuous-time model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from titfortat._validation import as_generator
from titfortat.dynamics._branching import spectral_radius
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._sim_kernels import (
    cluster_from_background,
    constant_baseline,
    simulate_cluster,
    simulate_thinning,
)
from titfortat.dynamics.hawkes.kernels import Kernel, SumExpKernel

__all__ = ["HawkesSimulator"]


class HawkesSimulator:
    """Simulate a Hawkes process on ``[0, end_time]``.

    .. math::

        \\lambda_i(t) = \\phi\\Big(\\mu_i + \\sum_j \\sum_{t^j_k < t}
        \\sum_u \\alpha^u_{ij} \\beta_u e^{-\\beta_u (t - t^j_k)}\\Big)

    ``adjacency[i, j]`` (or ``adjacency[i, j, u]`` for a sum of exponentials
    with decays ``beta_u``) is the effect of node j on node i. With
    ``link="identity"`` the process is simulated by its cluster (branching)
    representation: background events are Poisson, and each event of node j
    has Poisson(``alpha[i, j]``) direct offspring of node i at Exp(beta)
    delays (Hawkes and Oakes 1974). With ``link="softplus"`` or ``"relu"``
    (where ``alpha < 0`` is inhibition; relu is ``max(1e-8, x)``) Ogata
    (1981) thinning is used. :meth:`ExpHawkes.simulator` and
    :meth:`SumExpHawkes.simulator` both return this class.

    Parameters
    ----------
    baseline : array-like of shape (D,) or (K, D), or callable
        mu; a 2-D baseline is constant on K pieces of the window: equal-length
        segments, or the pieces starting at ``baseline_times`` (identity link
        only). A callable maps an array of times to the (n, D) baseline
        rates (identity link only; needs ``baseline_max``); its background
        events are drawn exactly by thinning.
    adjacency : array-like of shape (D, D) or (D, D, U)
        alpha; non-negative for the identity link. Three dimensions for a
        sum of U exponentials (constant baseline, no ``max_events``).
    decay : float, sequence of U floats, or Kernel
        beta > 0, per day (one per component of a sum of exponentials), or a
        declared kernel (:mod:`titfortat.dynamics.hawkes.kernels`; identity
        link, 3-D adjacency), whose ``sample_lags`` draws the offspring lags.
    end_time : float
        Length of the window in days.
    link : {"identity", "softplus", "relu"}, default "identity"
    max_events : int, optional
        Stop after this many events (required with ``allow_explosive``).
    allow_explosive : bool, default False
        Simulate a linear process whose spectral radius is >= 1.
    rng : int, numpy.random.Generator or None
    nodes : sequence of str, optional
        Node names for the returned frame.
    baseline_times : array-like of shape (K,), optional
        Start of each baseline piece in days: increasing, the first 0, all
        before ``end_time``. Default: K equal-length segments.
    baseline_max : array-like of shape (D,), optional
        Upper bounds of a callable baseline on the window, per node.

    Raises
    ------
    ValueError
        Explosive parameters without ``allow_explosive=True``, or negative
        adjacency with the identity link.

    Examples
    --------
    >>> sim = HawkesSimulator([0.5, 0.2], [[0.3, 0.0], [0.4, 0.2]], 1.0,
    ...                       end_time=100.0, rng=1)
    >>> ev = sim.run()
    >>> list(ev.columns), bool(ev["time"].is_monotonic_increasing)
    (['time', 'node'], True)
    """

    def __init__(
        self,
        baseline: Sequence[float] | np.ndarray | Callable[[np.ndarray], np.ndarray],
        adjacency: Sequence[Sequence[float]] | np.ndarray,
        decay: float | Sequence[float] | np.ndarray | Kernel,
        *,
        end_time: float,
        link: Literal["identity", "softplus", "relu"] = "identity",
        max_events: int | None = None,
        allow_explosive: bool = False,
        rng: int | np.random.Generator | None = None,
        nodes: Sequence[str] | None = None,
        baseline_times: Sequence[float] | np.ndarray | None = None,
        baseline_max: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        self.baseline_fn: Callable[[np.ndarray], np.ndarray] | None = None
        if callable(baseline):
            if baseline_max is None or link != "identity" or max_events:
                raise ValueError(
                    "A callable baseline needs baseline_max (its per-node upper "
                    "bound on the window), link='identity' and no max_events."
                )
            self.baseline_fn = baseline
            baseline = np.asarray(baseline_max, dtype=float)
        # (D,) constant, or (K, D): constant on K pieces of the window.
        self.baseline = np.atleast_2d(np.asarray(baseline, dtype=float))
        self.adjacency = np.asarray(adjacency, dtype=float)
        # The kernel object draws the offspring lags; a float or a sequence
        # of floats is the (sum of) exponential(s).
        self.kernel = decay if isinstance(decay, Kernel) else SumExpKernel(decay)
        self.decays = self.kernel.params()
        self.decay = float(self.decays[0])
        self.end_time = float(end_time)
        self.link = link
        self.max_events = max_events
        self.allow_explosive = allow_explosive
        self.rng = rng
        d = self.baseline.shape[1]
        n_pieces = self.baseline.shape[0]
        self.nodes = [str(k) for k in range(d)] if nodes is None else list(nodes)
        if baseline_times is None:
            starts = np.arange(n_pieces) * (self.end_time / n_pieces)
        else:
            starts = np.asarray(baseline_times, dtype=float).ravel()
            if (
                starts.size != n_pieces
                or starts[0] != 0.0
                or np.any(np.diff(starts) <= 0)
                or starts[-1] >= self.end_time
            ):
                raise ValueError(
                    f"baseline_times must hold the {n_pieces} increasing start "
                    "times of the baseline pieces, the first 0 and all before "
                    f"end_time={self.end_time!r}. Got {starts.tolist()!r}."
                )
        self.baseline_knots = np.concatenate([starts, [self.end_time]])
        u = self.kernel.n_components
        if self.adjacency.shape not in {(d, d), (d, d, u)} or (
            self.adjacency.ndim == 2 and u > 1
        ):
            raise ValueError(
                f"adjacency must have shape ({d}, {d}), or ({d}, {d}, {u}) with "
                f"{u} decays, to match baseline. Got {self.adjacency.shape}."
            )
        if self.adjacency.ndim == 3 and (
            n_pieces > 1 or max_events or self.baseline_fn is not None
        ):
            raise ValueError(
                "A sum-of-exponentials kernel (3-D adjacency) is simulated with "
                "a constant baseline and no max_events."
            )
        if link not in LINK_CODES:
            raise ValueError(
                "The 'link' parameter of HawkesSimulator must be one of "
                f"{{'identity', 'softplus', 'relu'}}. Got {link!r} instead."
            )
        exponential = isinstance(self.kernel, SumExpKernel)
        if (
            self.adjacency.ndim == 2
            and not exponential
            or (not exponential and link != "identity")
        ):
            raise ValueError(
                "A declared kernel other than a sum of exponentials is simulated "
                "by the cluster method: 3-D adjacency and link='identity'."
            )
        if not np.all(self.decays > 0) or not self.end_time > 0:
            raise ValueError("decay and end_time must be positive.")
        if self.baseline.shape[0] > 1 and (link != "identity" or max_events):
            raise ValueError(
                "A piecewise-constant baseline is simulated by the cluster method, "
                "which needs link='identity' and no max_events."
            )
        if link != "softplus":
            if (link == "identity" and np.any(self.adjacency < 0)) or np.any(
                self.baseline < 0
            ):
                raise ValueError(
                    f"With link={link!r} the baseline must be non-negative "
                    "(and the adjacency too for 'identity'). Use link='relu' or "
                    "'softplus' for inhibition."
                )
            # A relu process is dominated by the linear one with max(A, 0)
            # (plus the 1e-8 floor), so that matrix decides stationarity.
            rho = spectral_radius(self.adjacency, "relu")
            if rho >= 1 and not allow_explosive:
                raise ValueError(
                    f"Spectral radius of the branching matrix is {rho:.3g} (must be "
                    "< 1 for a stationary process). Pass allow_explosive=True with "
                    "max_events to simulate anyway."
                )
            if rho >= 1 and max_events is None:
                raise ValueError("allow_explosive=True needs max_events.")

    def run_arrays(self) -> list[np.ndarray]:
        """Simulate and return one sorted array of times per node."""
        rng = as_generator(self.rng)
        d = self.baseline.shape[1]
        if self.adjacency.ndim == 3:
            return self._run_sumexp(rng)
        if self.baseline_fn is not None:
            times, marks = cluster_from_background(
                *self._thinned_background(rng),
                self.adjacency,
                self.decay,
                self.end_time,
                rng,
            )
        elif self.link == "identity" and self.max_events is None:
            # Cluster output is unsorted; sorting each node's array once is
            # cheaper than a global argsort followed by a split.
            times, marks = simulate_cluster(
                self.baseline,
                self.baseline_knots,
                self.adjacency,
                self.decay,
                self.end_time,
                rng,
            )
        else:
            times, marks, _ = simulate_thinning(
                self.baseline[0],
                np.ascontiguousarray(self.adjacency[:, :, None]),
                self.decays,
                self.end_time,
                int(self.max_events or 0),
                LINK_CODES[self.link],
                rng,
                *constant_baseline(self.baseline[0]),
            )
        return [np.sort(times[marks == k]) for k in range(d)]

    def _run_sumexp(self, rng: np.random.Generator) -> list[np.ndarray]:
        """Sum of exponentials: thinning under softplus and relu, otherwise
        the cluster representation in numpy generations (component u of a
        parent gives Poisson(alpha[i, j, u]) children at Exp(beta_u) lags)."""
        mu, adj, decays = self.baseline[0], self.adjacency, self.decays
        d, _, u = adj.shape
        if self.link != "identity":
            times, marks, _ = simulate_thinning(
                mu,
                np.ascontiguousarray(adj),
                decays,
                self.end_time,
                0,
                LINK_CODES[self.link],
                rng,
                *constant_baseline(mu),
            )
            return [times[marks == k] for k in range(d)]
        n0 = rng.poisson(mu * self.end_time)
        t_gen = rng.uniform(0.0, self.end_time, int(n0.sum()))
        m_gen = np.repeat(np.arange(d), n0)
        out_t, out_m = [t_gen], [m_gen]
        while t_gen.size:
            # kids[k, i, u]: offspring of node i through component u.
            kids = rng.poisson(adj[:, m_gen, :].transpose(1, 0, 2))
            cnt = kids.reshape(t_gen.size, d * u)
            parent = np.repeat(t_gen, cnt.sum(axis=1))
            lab = np.repeat(np.tile(np.arange(d * u), t_gen.size), cnt.ravel())
            node, comp = lab // u, lab % u
            child = parent + self.kernel.sample_lags(rng, comp)
            keep = child <= self.end_time
            t_gen, m_gen = child[keep], node[keep]
            out_t.append(t_gen)
            out_m.append(m_gen)
        times, marks = np.concatenate(out_t), np.concatenate(out_m)
        return [np.sort(times[marks == k]) for k in range(d)]

    def _thinned_background(
        self, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Background events of a callable baseline, by thinning a Poisson
        process at the bound ``baseline_max`` (exact when the bound holds)."""
        assert self.baseline_fn is not None
        bound = self.baseline[0]
        n = rng.poisson(bound.sum() * self.end_time)
        t = rng.uniform(0.0, self.end_time, n)
        node = rng.choice(bound.size, size=n, p=bound / bound.sum())
        rate = np.asarray(self.baseline_fn(t), dtype=float)[np.arange(n), node]
        if np.any(rate > bound[node] * (1 + 1e-9)) or np.any(rate < 0):
            raise ValueError(
                "The callable baseline left [0, baseline_max] on the window; "
                "pass a larger baseline_max."
            )
        keep = rng.random(n) * bound[node] < rate
        order = np.argsort(t[keep], kind="stable")
        return (
            np.ascontiguousarray(t[keep][order]),
            np.ascontiguousarray(node[keep][order].astype(np.int64)),
        )

    def run(self) -> pd.DataFrame:
        """Simulate and return an event frame with columns ``time`` and ``node``."""
        arrays = self.run_arrays()
        df = pd.DataFrame(
            {
                "time": np.concatenate(arrays),
                "node": np.concatenate(
                    [
                        np.full(a.size, n, dtype=object)
                        for n, a in zip(self.nodes, arrays, strict=True)
                    ]
                ),
            }
        )
        return df.sort_values("time", kind="stable").reset_index(drop=True)


class _PiecewiseBaselineSimulator(HawkesSimulator):
    """Ogata thinning under softplus or relu with a time-varying baseline.

    The baseline is ``c_i(t) = mu_i + gamma_i . x(t)`` with ``x`` a piecewise
    polynomial (``brk``, ``poly``; see ``_loglik_sumexp_nonlinear``) and
    ``cmax[m, i]`` an upper bound of ``c_i`` on piece m. Built by
    :meth:`ExpHawkes.simulator` for fits with covariates, a spline or
    baseline segments under a nonlinear link; the checks of
    :class:`HawkesSimulator` apply to ``mu`` and the adjacency.
    """

    def __init__(
        self,
        mu: np.ndarray,
        gamma: np.ndarray,
        brk: np.ndarray,
        poly: np.ndarray,
        cmax: np.ndarray,
        adjacency: np.ndarray,
        decay: float | Sequence[float] | np.ndarray | Kernel,
        *,
        end_time: float,
        link: Literal["softplus", "relu"],
        max_events: int | None = None,
        rng: int | np.random.Generator | None = None,
        nodes: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            # Thinning bounds the baseline by cmax, so the constructor's
            # checks (relu needs a non-negative baseline) see the bound.
            np.maximum(cmax.max(axis=0), 0.0),
            adjacency,
            decay,
            end_time=end_time,
            link=link,
            max_events=max_events,
            rng=rng,
            nodes=nodes,
        )
        self.mu = np.ascontiguousarray(mu, dtype=float)
        self.gamma = np.ascontiguousarray(gamma, dtype=float)
        self.brk = np.ascontiguousarray(brk, dtype=float)
        self.poly = np.ascontiguousarray(poly, dtype=float)
        self.cmax = np.ascontiguousarray(cmax, dtype=float)

    def run_arrays(self) -> list[np.ndarray]:
        """Simulate and return one sorted array of times per node."""
        times, marks, _ = simulate_thinning(
            self.mu,
            np.ascontiguousarray(self.adjacency[:, :, None]),
            np.array([self.decay]),
            self.end_time,
            int(self.max_events or 0),
            LINK_CODES[self.link],
            as_generator(self.rng),
            self.gamma,
            self.brk,
            self.poly,
            self.cmax,
        )
        return [times[marks == k] for k in range(self.mu.size)]
