"""Small results for derived quantities, tests and diagnostics."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["DerivedResult", "LRTestResult", "ResidualResult"]


@dataclasses.dataclass(frozen=True)
class DerivedResult:
    """A quantity derived from fitted parameters, with delta-method errors.

    Parameters
    ----------
    name : str
        What was derived, e.g. ``"share_triggered"``.
    estimate : pandas.Series
        Point estimates.
    std_err : pandas.Series
        Delta-method standard errors (NaN when unavailable).

    Examples
    --------
    >>> import pandas as pd
    >>> r = DerivedResult("x", pd.Series([1.0], index=["a"]),
    ...                   pd.Series([0.5], index=["a"]))
    >>> r.summary_frame(0.05).round(3)
       estimate  std_err  ci_lower  ci_upper
    a       1.0      0.5      0.02      1.98
    """

    name: str
    estimate: pd.Series
    std_err: pd.Series

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Return ``estimate, std_err, ci_lower, ci_upper`` at level ``1 - alpha``."""
        q = special.ndtri(1.0 - alpha / 2.0)  # norm.ppf
        est = self.estimate.astype(float)
        se = self.std_err.astype(float)
        out = pd.DataFrame(
            {
                "estimate": est,
                "std_err": se,
                "ci_lower": est - q * se,
                "ci_upper": est + q * se,
            }
        )
        out.attrs["alpha"] = alpha
        return out


@dataclasses.dataclass(frozen=True)
class LRTestResult:
    """Likelihood-ratio test of a restriction.

    ``p_value`` uses the chi-bar-squared mixture ``0.5 chi2(0) + 0.5 chi2(1)``
    when the restricted parameter lies on the boundary of the parameter space
    (an excitation ``alpha >= 0`` tested at 0, Self and Liang 1987), and the
    plain ``chi2(df)`` otherwise.

    Examples
    --------
    >>> r = LRTestResult("alpha[a<-b] = 0", statistic=3.84, df=1,
    ...                  boundary=False, ll_full=-1.0, ll_restricted=-2.92)
    >>> round(r.p_value, 3)
    0.05
    """

    null: str
    statistic: float
    df: int
    boundary: bool
    ll_full: float
    ll_restricted: float

    @property
    def p_value(self) -> float:
        """The p-value of the test."""
        stat = max(float(self.statistic), 0.0)
        p = float(special.chdtrc(self.df, stat))  # chi2.sf
        if self.boundary:
            p = 0.5 * p if stat > 0 else 1.0
        return p

    def __str__(self) -> str:
        kind = "chi-bar-squared" if self.boundary else f"chi2({self.df})"
        return (
            f"LR test of {self.null}: statistic {self.statistic:.4f}, "
            f"p-value {self.p_value:.4g} ({kind})"
        )


@dataclasses.dataclass(frozen=True)
class ResidualResult:
    """Model residuals that are i.i.d. from a known law under a correct model,
    and their Kolmogorov-Smirnov test.

    Two kinds share this result:

    - ``distribution="expon"``: time-rescaling residuals of a point process,
      the compensator increments between successive events of a node, which
      are i.i.d. Exp(1) under a correctly specified model (Brown et al. 2002).
    - ``distribution="uniform"``: randomised probability-integral-transform
      residuals of a count model, ``u ~ Uniform(F(y - 1), F(y))`` with ``F``
      the fitted predictive CDF of the count, which are i.i.d. Uniform(0, 1)
      under a correct model (Dunn and Smyth 1996; Czado, Gneiting and Held
      2009).

    Examples
    --------
    >>> import numpy as np
    >>> r = ResidualResult({"a": np.random.default_rng(0).exponential(size=500)})
    >>> bool(r.ks_test().loc["a", "p_value"] > 0.01)
    True
    """

    residuals: dict[str, np.ndarray]
    distribution: str = "expon"

    def __post_init__(self) -> None:
        if self.distribution not in ("expon", "uniform"):
            raise ValueError(
                "The 'distribution' of a ResidualResult must be 'expon' or "
                f"'uniform'. Got {self.distribution!r}."
            )

    def ks_test(self) -> pd.DataFrame:
        """KS test of each node's residuals against the reference law."""
        from scipy import stats  # on use: importing it costs ~0.6 s (issue 14)

        rows: dict[str, dict[str, Any]] = {}
        for name, r in self.residuals.items():
            if r.size == 0:
                rows[name] = {"n": 0, "statistic": np.nan, "p_value": np.nan}
                continue
            res = stats.kstest(r, self.distribution)
            rows[name] = {
                "n": int(r.size),
                "statistic": float(res.statistic),
                "p_value": float(res.pvalue),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def qq(self, node: str) -> pd.DataFrame:
        """Data for a QQ plot: theoretical versus empirical quantiles.

        Also gives a 95% simultaneous band from the KS critical value
        (``band_lower``, ``band_upper``, on the quantile scale): a correct
        model stays inside it everywhere with probability 0.95.
        """
        from scipy import stats

        r = np.sort(self.residuals[node])
        n = r.size
        p = (np.arange(1, n + 1) - 0.5) / n
        law = stats.expon if self.distribution == "expon" else stats.uniform
        # |F(x_(i)) - (i - 1/2)/n| <= crit - 1/(2n) for every i is exactly
        # the KS acceptance region D_n <= crit.
        eps = stats.kstwo.ppf(0.95, n) - 0.5 / n if n else np.nan
        return pd.DataFrame(
            {
                "theoretical": law.ppf(p),
                "empirical": r,
                "band_lower": law.ppf(np.clip(p - eps, 0.0, 1.0)),
                "band_upper": law.ppf(np.clip(p + eps, 0.0, 1.0)),
            }
        )
