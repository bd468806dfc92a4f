"""Simulation of a sum-of-exponentials Hawkes process: cluster construction
for the identity link, Ogata thinning for softplus and relu."""

from __future__ import annotations

import numpy as np

from titfortat._validation import as_generator
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    sumexp_simulate_thinning,
)


class _SumExpSimulator:
    """Simulate ``adjacency[i, j, u]`` / ``decays[u]`` Hawkes data.

    The identity link uses the cluster (branching) representation in numpy
    generations; softplus and relu use Ogata thinning with the bound of
    :func:`sumexp_simulate_thinning`. For the identity link and relu the
    process is dominated by the linear one with ``max(adjacency, 0)``, whose
    branching matrix must have spectral radius below 1.
    """

    def __init__(
        self,
        baseline: np.ndarray,
        adjacency: np.ndarray,
        decays: np.ndarray,
        *,
        end_time: float,
        link: str = "identity",
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.baseline = np.asarray(baseline, float)
        self.adjacency = np.asarray(adjacency, float)
        self.decays = np.asarray(decays, float)
        self.end_time = float(end_time)
        self.link = link
        self.rng = rng
        if link not in LINK_CODES:
            raise ValueError(
                "The 'link' parameter of the SumExpHawkes simulator must be one of "
                f"{{'identity', 'softplus', 'relu'}}. Got {link!r} instead."
            )
        if link == "identity" and np.any(self.adjacency < 0):
            raise ValueError(
                "With link='identity' the adjacency must be non-negative. Use "
                "link='relu' or 'softplus' for inhibition."
            )
        if link != "softplus":
            pos = np.maximum(self.adjacency, 0.0).sum(axis=2)
            rho = np.max(np.abs(np.linalg.eigvals(pos)))
            if rho >= 1:
                raise ValueError(
                    f"Spectral radius of the branching matrix is {rho:.3g} (must be "
                    "< 1 for a stationary process)."
                )

    def run_arrays(self) -> list[np.ndarray]:
        """Simulate; one sorted array of times per node."""
        rng = as_generator(self.rng)
        d, _, u = self.adjacency.shape
        if self.link != "identity":
            times, marks, _ = sumexp_simulate_thinning(
                self.baseline,
                np.ascontiguousarray(self.adjacency),
                self.decays,
                self.end_time,
                0,
                LINK_CODES[self.link],
                rng,
            )
            return [times[marks == k] for k in range(d)]
        n0 = rng.poisson(self.baseline * self.end_time)
        t_gen = rng.uniform(0.0, self.end_time, int(n0.sum()))
        m_gen = np.repeat(np.arange(d), n0)
        out_t, out_m = [t_gen], [m_gen]
        flat = self.adjacency
        while t_gen.size:
            # kids[k, i, u]: offspring of node i through component u.
            kids = rng.poisson(flat[:, m_gen, :].transpose(1, 0, 2))
            cnt = kids.reshape(t_gen.size, d * u)
            parent = np.repeat(t_gen, cnt.sum(axis=1))
            lab = np.repeat(np.tile(np.arange(d * u), t_gen.size), cnt.ravel())
            node, comp = lab // u, lab % u
            child = parent + rng.exponential(1.0 / self.decays[comp])
            keep = child <= self.end_time
            t_gen, m_gen = child[keep], node[keep]
            out_t.append(t_gen)
            out_m.append(m_gen)
        times = np.concatenate(out_t)
        marks = np.concatenate(out_m)
        return [np.sort(times[marks == k]) for k in range(d)]
