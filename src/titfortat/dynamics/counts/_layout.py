"""What one :class:`BinnedHawkes` fit is: :class:`BinnedLayout`, a small frozen
object holding the parameter layout, the linear predictor and the compiled
log-likelihood. The estimator builds one in ``fit`` from its settings and the
covariates, and its diagnostics and inference read it (``_spec``) instead of
sharing private state through a mixin chain, as ExpHawkes holds an ExpSpec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from titfortat.dynamics.counts._kernels import binned_loglik_grad, lag_states


@dataclass(frozen=True)
class BinnedLayout:
    """Layout ``[mu (K x D), A (D x D), beta, size (negbin: D), gamma (D x p)]``.

    Parameters
    ----------
    d : int
        Number of nodes.
    segments, family, link, n_presample
        The estimator's settings.
    exog : ndarray of shape (n_bins, p), optional
        Covariates of the fitted bins.
    exog_names : tuple of str
        Their names (``gamma[node,name]``).

    Examples
    --------
    >>> lay = BinnedLayout(2, 1, "negbin", "identity", 14)
    >>> lay.names(["s", "a"])[-3:], lay.n_params
    (['decay', 'size[s]', 'size[a]'], 9)
    """

    d: int
    segments: int
    family: str
    link: str
    n_presample: int
    exog: np.ndarray | None = None
    exog_names: tuple[str, ...] = ()
    # Baseline segment of every bin, per number of bins: an optimiser calls
    # loglik thousands of times, and rebuilding it was a third of a call.
    _seg: dict[int, np.ndarray] = field(default_factory=dict, compare=False)

    @property
    def n_exog(self) -> int:
        return 0 if self.exog is None else int(self.exog.shape[1])

    @cached_property
    def blocks(self) -> dict[str, slice]:
        """Where each block sits in the parameter vector."""
        d = self.d
        n = {
            "mu": self.segments * d,
            "alpha": d * d,
            "decay": 1,
            "size": d if self.family == "negbin" else 0,
            "gamma": d * self.n_exog,
        }
        ends = np.cumsum(list(n.values()))
        return {k: slice(int(e - n[k]), int(e)) for k, e in zip(n, ends, strict=True)}

    @property
    def n_params(self) -> int:
        return self.blocks["gamma"].stop

    def split(self, x: np.ndarray) -> tuple[Any, ...]:
        """``(mu (K, D), A (D, D), beta, size or None, gamma (D, p))``."""
        b, d = self.blocks, self.d
        size = x[b["size"]] if self.family == "negbin" else None
        return (
            x[b["mu"]].reshape(self.segments, d),
            x[b["alpha"]].reshape(d, d),
            float(x[b["decay"]][0]),
            size,
            x[b["gamma"]].reshape(d, self.n_exog),
        )

    def segment_of_bins(self, n_bins: int) -> np.ndarray:
        """Baseline segment of every bin: K equal-length pieces of the window."""
        seg = self._seg.get(n_bins)
        if seg is None:
            seg = self._seg[n_bins] = (np.arange(n_bins) * self.segments) // n_bins
        return seg

    def names(self, nodes: list[str]) -> list[str]:
        k = self.segments
        mus = (
            [f"mu[{n}]" for n in nodes]
            if k == 1
            else [f"mu[{n},{s}]" for s in range(k) for n in nodes]
        )
        names = mus + [f"alpha[{a}<-{b}]" for a in nodes for b in nodes] + ["decay"]
        if self.family == "negbin":
            names += [f"size[{n}]" for n in nodes]
        return names + [f"gamma[{n},{c}]" for n in nodes for c in self.exog_names]

    def predictor(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        """Linear predictor (before the link) of every bin, the lag states
        ``E`` and ``dE/drho`` (see :func:`lag_states`)."""
        mu, a, beta, _, gamma = self.split(x)
        e, de = lag_states(y.astype(float), float(np.exp(-beta)))
        eta = mu[self.segment_of_bins(y.shape[0])] + e @ a.T
        if self.exog is not None:
            eta = eta + self.exog @ gamma.T
        return eta, e, de

    def loglik(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Log-likelihood and gradient in natural parameters (compiled pass,
        :func:`~titfortat.dynamics.counts._kernels.binned_loglik_grad`)."""
        b, d, negbin = self.blocks, self.d, self.family == "negbin"
        n = y.shape[0]
        ll, g_mu, g_a, g_beta, g_size, g_gamma = binned_loglik_grad(
            np.ascontiguousarray(y, dtype=float),
            self.segment_of_bins(n),
            x[b["mu"]].reshape(self.segments, d),
            x[b["alpha"]].reshape(d, d),
            float(x[b["decay"].start]),
            x[b["size"]] if negbin else np.ones(d),
            np.zeros((n, 0)) if self.exog is None else self.exog,
            x[b["gamma"]].reshape(d, self.n_exog),
            self.n_presample,
            negbin,
            self.link == "softplus",
        )
        if not np.isfinite(ll):
            return -np.inf, np.zeros(x.size)
        g_size = g_size if negbin else np.zeros(0)
        return ll, np.concatenate(
            [g_mu.ravel(), g_a.ravel(), [g_beta], g_size, g_gamma.ravel()]
        )
