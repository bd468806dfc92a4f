"""Fitted-model diagnostics of :class:`BinnedHawkes` (a mixin).

Kept apart from the estimator so each module stays readable; everything here
reads fitted state only and never refits.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import signal, stats

from titfortat._validation import as_generator, check_is_fitted
from titfortat.dynamics._branching import spectral_radius
from titfortat.dynamics._optim import delta_method
from titfortat.results import DerivedResult, FitResult, ResidualResult


def _lag_weights(beta: float, n: int) -> np.ndarray:
    """Geometric lag weights w_l = (1 - e^-beta) e^{-beta (l-1)}, l = 1..n."""
    rho = float(np.exp(-beta))
    out: np.ndarray = (1.0 - rho) * rho ** np.arange(n)
    return out


class _BinnedDiagnostics:
    """Diagnostics and derived summaries shared by :class:`BinnedHawkes`."""

    # Set by BinnedHawkes.__init__ / fit.
    link: Literal["identity", "softplus"]
    baseline_segments: int
    n_presample: int
    rng: Any
    nodes_: list[str]
    adjacency_: np.ndarray
    exog_coef_: np.ndarray
    size_: np.ndarray | None
    results_: FitResult
    _x: np.ndarray
    _y: np.ndarray
    _exog: np.ndarray | None

    def _split(self, x: np.ndarray, d: int) -> tuple[Any, ...]:
        raise NotImplementedError

    def _segments(self, n_bins: int) -> np.ndarray:
        raise NotImplementedError

    def _n_exog(self) -> int:
        raise NotImplementedError

    # ------------------------------------------------------------ diagnostics
    def spectral_radius(self) -> float:
        """Spectral radius of the branching matrix (< 1: stationary).

        Under softplus the value for ``max(A, 0)`` bounds the excitation.
        """
        check_is_fitted(self)
        return spectral_radius(self.adjacency_, self.link)

    def _check_additive(self) -> None:
        """Branching summaries need background and triggered counts to add."""
        check_is_fitted(self)
        if self.link != "identity":
            raise ValueError(
                "This summary needs link='identity': under softplus background and "
                "triggered counts are not additive. Simulate the fitted model."
            )

    def share_triggered(
        self, method: Literal["auto", "stationary", "empirical"] = "auto"
    ) -> DerivedResult:
        """Share of events triggered by earlier events, per node and in total.

        ``"stationary"``: ``1 - mu_i / m_i`` with mean rates
        ``m = (I - A)^{-1} mu`` (constant baseline only). ``"empirical"``:
        expected share of the observed events attributed to triggering,
        ``sum_d y_i(d) (m_i(d) - mu_i(d)) / m_i(d) / sum_d y_i(d)``
        (stochastic declustering, Lewis et al. 2012). ``"auto"`` uses the
        stationary form for one baseline segment, otherwise empirical.
        Delta-method standard errors.
        """
        self._check_additive()
        d = len(self.nodes_)
        constant = self.baseline_segments == 1 and self._exog is None
        if method == "auto":
            method = "stationary" if constant else "empirical"
        if method == "stationary" and not constant:
            raise ValueError(
                "share_triggered(method='stationary') needs baseline_segments=1 "
                "and no exog; use method='empirical'."
            )
        yf = self._y.astype(float)
        seg = self._segments(yf.shape[0])[self.n_presample :]
        yo = yf[self.n_presample :]
        xe = self._exog
        n_ex = self._n_exog()

        def fn(x: np.ndarray) -> np.ndarray:
            off = 0.0
            if xe is not None:
                gam = x[x.size - d * n_ex :].reshape(d, n_ex)
                off = (xe @ gam.T)[self.n_presample :]
            mu, a, beta, _, _ = self._split(x, d)
            if method == "stationary":
                m = np.linalg.solve(np.eye(d) - a, mu[0])
                return np.concatenate([1.0 - mu[0] / m, [1.0 - mu[0].sum() / m.sum()]])
            rho = np.exp(-beta)
            e = signal.lfilter([0.0, 1.0 - rho], [1.0, -rho], yf, axis=0)
            trig_part = e[self.n_presample :] @ a.T
            m = mu[seg] + trig_part + off
            trig = (yo * trig_part / m).sum(axis=0)
            return np.concatenate([trig / yo.sum(axis=0), [trig.sum() / yo.sum()]])

        v, se = delta_method(fn, self._x, self.results_.cov_params.to_numpy())
        idx = [*self.nodes_, "total"]
        return DerivedResult("share_triggered", pd.Series(v, idx), pd.Series(se, idx))

    def impulse_response(self, horizon_days: int) -> DerivedResult:
        """Expected extra events of node i over days 1..H after one node-j event
        on day 0 (all generations); entries named ``i<-j``."""
        self._check_additive()
        d = len(self.nodes_)
        h = int(horizon_days)

        def fn(x: np.ndarray) -> np.ndarray:
            _, a, beta, _, _ = self._split(x, d)
            w = _lag_weights(beta, h)
            resp = np.zeros((h + 1, d, d))
            resp[0] = np.eye(d)
            for t in range(1, h + 1):
                past = np.tensordot(w[:t][::-1], resp[:t], axes=(0, 0))
                resp[t] = a @ past
            out: np.ndarray = resp[1:].sum(axis=0).ravel()
            return out

        v, se = delta_method(fn, self._x, self.results_.cov_params.to_numpy())
        idx = [f"{a}<-{b}" for a in self.nodes_ for b in self.nodes_]
        return DerivedResult("impulse_response", pd.Series(v, idx), pd.Series(se, idx))

    def _fitted_mean(self) -> np.ndarray:
        """Conditional mean of every fitted bin and node, after the link."""
        d = len(self.nodes_)
        mu, a, beta, _, _ = self._split(self._x, d)
        rho = np.exp(-beta)
        yf = self._y.astype(float)
        e = signal.lfilter([0.0, 1.0 - rho], [1.0, -rho], yf, axis=0)
        m = (mu[self._segments(yf.shape[0])] + e @ a.T + self._offset())[
            self.n_presample :
        ]
        if self.link == "softplus":
            m = np.logaddexp(0.0, m)
        out: np.ndarray = m
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

    def _offset(self) -> np.ndarray | float:
        """Covariate part of the mean per bin, ``X gamma^T`` (0 without exog)."""
        if self._exog is None:
            return 0.0
        return np.asarray(self._exog @ self.exog_coef_.T)
