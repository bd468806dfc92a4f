"""Fitted-model diagnostics of :class:`BinnedHawkes` (a mixin).

Kept apart from the estimator so each module stays readable; everything here
reads fitted state only and never refits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from titfortat._validation import as_generator, check_is_fitted
from titfortat.dynamics._branching import BranchingSummaries
from titfortat.dynamics.counts._kernels import lag_weights
from titfortat.dynamics.counts._layout import BinnedLayout
from titfortat.results import FitResult, ResidualResult


class _BinnedDiagnostics(BranchingSummaries):
    """Diagnostics and derived summaries shared by :class:`BinnedHawkes`."""

    # Set by BinnedHawkes.__init__ / fit.
    link: Literal["identity", "softplus"]
    baseline_segments: int
    n_presample: int
    rng: Any
    nodes_: list[str]
    adjacency_: np.ndarray
    size_: np.ndarray | None
    results_: FitResult
    _x: np.ndarray
    _y: np.ndarray
    _spec: BinnedLayout

    # ------------------------------------------------------------ diagnostics
    def _adjacency_of(self, x: np.ndarray) -> np.ndarray:
        """Hook of :class:`BranchingSummaries`: the adjacency at ``x``."""
        out: np.ndarray = self._spec.split(x)[1]
        return out

    def predict_intensity(
        self, grid: Sequence[float] | np.ndarray | None = None
    ) -> pd.DataFrame:
        """Fitted intensity (expected events per day) of each node at ``grid``.

        The binned analogue of the continuous models' ``predict_intensity``:
        at time ``t`` (days since the first bin) it is the conditional mean
        ``m_i(floor(t))`` of that day's count given the fitted counts before
        it. ``grid=None`` gives every fitted bin (presample bins included).

        Examples
        --------
        >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
        >>> y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=300, rng=1).run()
        >>> m = BinnedHawkes(n_starts=1, decay=0.3).fit(y)
        >>> m.predict_intensity([0.5, 10.0]).shape
        (2, 1)
        """
        check_is_fitted(self)
        eta = self._spec.predictor(self._x, self._y)[0]
        m = np.logaddexp(0.0, eta) if self.link == "softplus" else eta
        if grid is None:
            return pd.DataFrame(m, columns=self.nodes_)
        g = np.asarray(grid, dtype=float).ravel()
        bad = g[~((g >= 0) & (g < m.shape[0]))]
        if bad.size:
            raise ValueError(
                f"predict_intensity needs times in [0, {m.shape[0]}) days, the "
                f"fitted bins. Got {bad[:5].tolist()}; a binned model has no "
                "intensity outside its data (simulate beyond it instead)."
            )
        return pd.DataFrame(m[g.astype(np.int64)], index=g, columns=self.nodes_)

    def _varying_baseline(self) -> bool:
        return self.baseline_segments > 1 or self._spec.exog is not None

    def _baseline_of(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = self._spec.split(x)[0][0]
        return out

    def _triggered(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sum_d y_i(d) (m_i(d) - mu_i(d)) / m_i(d)`` and ``sum_d y_i(d)``."""
        s = slice(self.n_presample, None)
        yo = self._y[s].astype(float)
        a = self._spec.split(x)[1]
        eta, e, _ = self._spec.predictor(x, self._y)
        return (yo * (e[s] @ a.T) / eta[s]).sum(axis=0), yo.sum(axis=0)

    def _impulse(self, x: np.ndarray, horizon: float) -> np.ndarray:
        """Over days 1..H after one node-j event on day 0."""
        d, h = len(self.nodes_), int(horizon)
        _, a, beta, _, _ = self._spec.split(x)
        w = lag_weights(beta, h)
        resp = np.zeros((h + 1, d, d))
        resp[0] = np.eye(d)
        for t in range(1, h + 1):
            past = np.tensordot(w[:t][::-1], resp[:t], axes=(0, 0))
            resp[t] = a @ past
        out: np.ndarray = resp[1:].sum(axis=0)
        return out

    def _fitted_mean(self) -> np.ndarray:
        """Conditional mean of every fitted bin and node, after the link."""
        m = self._spec.predictor(self._x, self._y)[0][self.n_presample :]
        out: np.ndarray = np.logaddexp(0.0, m) if self.link == "softplus" else m
        return out

    def pearson_residuals(self) -> pd.DataFrame:
        """Pearson residuals ``(y - m) / sd`` per bin and node (fitted bins)."""
        check_is_fitted(self)
        m = self._fitted_mean()
        size = self.size_
        var = m if size is None else m + m**2 / size
        r = (self._y[self.n_presample :].astype(float) - m) / np.sqrt(var)
        return pd.DataFrame(r, columns=self.nodes_)

    def residuals(self, rng: int | np.random.Generator | None = None) -> ResidualResult:
        """Randomised PIT residuals of the fitted bins, with a KS test.

        The count analogue of time-rescaling residuals: for every fitted bin
        and node, ``u ~ Uniform(F(y - 1), F(y))`` where ``F`` is the fitted
        predictive CDF of the day count (Poisson or negative binomial given
        the past). Under a correct model the ``u`` are i.i.d. Uniform(0, 1)
        (Dunn and Smyth 1996; Czado, Gneiting and Held 2009), so
        ``residuals().ks_test()`` tests the fit and ``qq(node)`` gives the
        data of a QQ plot (see :func:`titfortat.report.plot_residual_qq`).
        The parameters are estimated from the same bins, so the KS p-value is
        conservative (it rejects a correct model less often than its level,
        as the Lilliefors correction shows for the normal case).

        Parameters
        ----------
        rng : int, numpy.random.Generator or None
            Seeds the randomisation (default: the estimator's ``rng``).

        Returns
        -------
        titfortat.results.ResidualResult
            ``distribution="uniform"``; one array per node.

        Examples
        --------
        >>> from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator
        >>> y = BinnedHawkesSimulator([0.8], [[0.4]], 0.3, n_bins=600, rng=1).run()
        >>> m = BinnedHawkes(n_starts=1).fit(y)
        >>> bool(m.residuals(rng=0).ks_test()["p_value"].iloc[0] > 0.01)
        True
        """
        from scipy import stats  # on use: importing it costs ~0.6 s (issue 14)

        check_is_fitted(self)
        gen = as_generator(self.rng if rng is None else rng)
        m = self._fitted_mean()
        y = self._y[self.n_presample :]
        if self.size_ is None:
            law = stats.poisson(m)
        else:
            size = self.size_
            law = stats.nbinom(size, size / (size + m))
        hi = law.cdf(y)
        lo = np.where(y > 0, law.cdf(y - 1), 0.0)
        u = lo + gen.uniform(size=y.shape) * (hi - lo)
        return ResidualResult(
            {name: u[:, k] for k, name in enumerate(self.nodes_)},
            distribution="uniform",
        )
