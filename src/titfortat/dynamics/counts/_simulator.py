"""BinnedHawkesSimulator: day counts drawn from a :class:`BinnedHawkes` model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from titfortat._validation import as_generator
from titfortat.dynamics._branching import spectral_radius


class BinnedHawkesSimulator:
    """Simulate day counts from a :class:`BinnedHawkes` model.

    ``size`` is the negative-binomial size ``theta`` per node (variance
    ``m + m^2 / theta``), i.e. ``1 / dispersion_`` of a fitted model.

    Like :class:`HawkesSimulator`, :meth:`run` returns a DataFrame that the
    model's ``fit`` takes back as it is: here day counts, one row per day
    (``day`` 0 to ``n_bins - 1``, empty days included) and one column per
    node. :meth:`run_counts` returns the bare array.

    Examples
    --------
    >>> sim = BinnedHawkesSimulator([0.5, 0.2], [[0.4, 0.0], [0.2, 0.1]], 0.2,
    ...                             n_bins=50, nodes=["a", "b"], rng=0)
    >>> y = sim.run()
    >>> y.shape, list(y.columns), y.index.name
    ((50, 2), ['a', 'b'], 'day')
    """

    def __init__(
        self,
        baseline: Sequence[float] | np.ndarray,
        adjacency: Sequence[Sequence[float]] | np.ndarray,
        decay: float,
        *,
        n_bins: int,
        family: Literal["poisson", "negbin"] = "poisson",
        size: Sequence[float] | np.ndarray | None = None,
        offset: np.ndarray | None = None,
        link: Literal["identity", "softplus"] = "identity",
        rng: int | np.random.Generator | None = None,
        nodes: Sequence[str] | None = None,
    ) -> None:
        self.link = link
        self.offset = None if offset is None else np.asarray(offset, dtype=float)
        # A 2-D baseline (K, D) is piecewise constant over K equal segments.
        self.baseline = np.atleast_2d(np.asarray(baseline, dtype=float))
        self.adjacency = np.asarray(adjacency, dtype=float)
        self.decay = float(decay)
        self.n_bins = int(n_bins)
        self.family = family
        self.size = None if size is None else np.asarray(size, dtype=float).ravel()
        self.rng = rng
        d = self.baseline.shape[1]
        self.nodes = [str(k) for k in range(d)] if nodes is None else list(nodes)
        if len(self.nodes) != d:
            raise ValueError(f"nodes has {len(self.nodes)} names for {d} nodes.")
        if family == "negbin" and self.size is None:
            raise ValueError("family='negbin' needs size (one per node).")
        rho = spectral_radius(self.adjacency, link)
        if rho >= 1:
            raise ValueError(
                f"Spectral radius of the branching matrix is {rho:.3g} (must be "
                "< 1 for a stationary process)."
            )

    def run(self) -> pd.DataFrame:
        """Simulate and return day counts: index ``day``, one column per node."""
        y = self.run_counts()
        return pd.DataFrame(
            y,
            index=pd.RangeIndex(self.n_bins, name="day"),
            columns=pd.Index(self.nodes, name="node"),
        )

    def run_counts(self) -> np.ndarray:
        """Simulate and return the counts as an array of shape ``(n_bins, D)``."""
        rng = as_generator(self.rng)
        k, d = self.baseline.shape
        seg = (np.arange(self.n_bins) * k) // self.n_bins
        rho = np.exp(-self.decay)
        y = np.zeros((self.n_bins, d), dtype=np.int64)
        e = np.zeros(d)
        for t in range(self.n_bins):
            if t > 0:
                e = (1.0 - rho) * y[t - 1] + rho * e
            m = self.baseline[seg[t]] + self.adjacency @ e
            if self.offset is not None:
                m = m + self.offset[t]
            m = (
                np.logaddexp(0.0, m)
                if self.link == "softplus"
                else np.maximum(m, 1e-12)
            )
            if self.family == "poisson":
                y[t] = rng.poisson(m)
            else:
                s = self.size
                assert s is not None
                y[t] = rng.negative_binomial(s, s / (s + m))
        return y
