"""Difference-in-differences for treated and control units (Lyall 2009)."""

from __future__ import annotations

import dataclasses
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import special

from titfortat._threads import single_blas_thread
from titfortat._validation import as_generator
from titfortat.effects._common import Decision, ci_frame, decide
from titfortat.exceptions import DataError

__all__ = ["DiDResult", "did"]


@dataclasses.dataclass(frozen=True)
class DiDResult:
    """Difference-in-differences estimate with robust and permutation inference.

    Attributes
    ----------
    estimate : float
        Mean change (post - pre) of treated units minus that of controls
        (positive: the treatment raised the outcome, ``escalation``).
    std_err : float
        HC2 heteroskedasticity-robust standard error (statsmodels OLS of the
        change on the treatment indicator), clustered by unit when a unit id
        occurs on more than one row.
    p_value : float
        Two-sided Wald p-value with the robust error (t with n - 2 df).
    permutation_p_value : float
        Two-sided p-value from ``n_permutations`` random reassignments of the
        treatment labels: ``(1 + #|T_b| >= |T|) / (B + 1)``. When the error
        is clustered, whole units' label sequences are permuted among units
        with the same number of rows, so the permutation respects the
        clusters as the standard error does. A check on the robust t test,
        not the basis of the verdict.
    permutation_draws : ndarray
    means : DataFrame
        Pre, post and change by group.
    n_treated, n_control : int
        Rows (episodes) in each group.
    clustered : bool
        Whether the standard error is clustered by unit.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"z": [1, 1, 1, 0, 0, 0], "pre": [3, 2, 4, 3, 2, 4],
    ...                   "post": [1, 1, 2, 3, 2, 4]})
    >>> r = did(d, treated="z", pre="pre", post="post", n_permutations=100, rng=0)
    >>> list(r.summary_frame().columns)[:4]
    ['estimate', 'std_err', 'ci_lower', 'ci_upper']
    """

    estimate: float
    std_err: float
    p_value: float
    permutation_p_value: float
    permutation_draws: np.ndarray
    means: pd.DataFrame
    n_treated: int
    n_control: int
    clustered: bool = False

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Robust t interval at level ``1 - alpha``: one row ``did``, columns
        ``ci_lower, ci_upper``."""
        q = float(
            special.stdtrit(self.n_treated + self.n_control - 2, 1 - alpha / 2)
        )  # t.ppf
        e, s = self.estimate, self.std_err
        return ci_frame("did", e - q * s, e + q * s)

    def decision(self, alpha: float = 0.05) -> Decision:
        """Verdict and reason by :func:`~titfortat.effects.decide`.

        Interval and test are one inference, the robust (or cluster-robust)
        t; a finding also needs the permutation test to reject, otherwise the
        verdict is ``inconclusive`` and says which test did not.
        """
        lo, hi = self.conf_int(alpha).iloc[0]
        problems = []
        if not self.std_err > 0:
            problems.append(f"the robust standard error is {self.std_err:.3g}")
        d = decide(self.estimate, lo, hi, self.p_value, alpha, problems=problems)
        if d.verdict in ("deterrence", "escalation") and not (
            self.permutation_p_value < alpha
        ):
            return Decision(
                "inconclusive",
                f"the robust t test rejects (p = {self.p_value:.3g}) but the "
                f"permutation test does not (p = {self.permutation_p_value:.3g})",
            )
        return d

    def verdict(self, alpha: float = 0.05) -> str:
        """The verdict of :meth:`decision`."""
        return self.decision(alpha).verdict

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """``estimate, std_err, ci_lower, ci_upper, p_value, permutation_p_value``."""
        lo, hi = self.conf_int(alpha).iloc[0]
        out = pd.DataFrame(
            {
                "estimate": [self.estimate],
                "std_err": [self.std_err],
                "ci_lower": [lo],
                "ci_upper": [hi],
                "p_value": [self.p_value],
                "permutation_p_value": [self.permutation_p_value],
            },
            index=["did"],
        )
        out.attrs["alpha"] = alpha
        return out

    def __str__(self) -> str:
        lo, hi = self.conf_int().iloc[0]
        return (
            f"DiD estimate {self.estimate:+.4f} (robust SE {self.std_err:.4f}, "
            f"95% CI {lo:+.4f}..{hi:+.4f}, p = {self.p_value:.4g}; permutation "
            f"p = {self.permutation_p_value:.4g}, {self.permutation_draws.size:,} "
            f"draws); {self.n_treated} treated, {self.n_control} control units"
        )


def _cluster_permutations(
    z: np.ndarray,
    change: np.ndarray,
    groups: np.ndarray,
    n_draws: int,
    g: np.random.Generator,
) -> np.ndarray:
    """DiD statistics under a cluster-respecting relabelling.

    Each unit hands its multiset of labels (how many of its episodes were
    treated) to another unit with as many rows, where the labels are spread
    at random over that unit's rows. Units, the clusters of the standard
    error, thus keep their treatment counts as blocks; rows within a unit are
    exchangeable. The draws are centred not at 0 but at the composition term
    ``sum_k p_k S_k / n1 - sum_k (1 - p_k) S_k / n0`` (``p_k`` the treated
    share and ``S_k`` the summed change of the rows of units with k rows):
    on Lyall's data -0.15, because units seen once differ from units seen
    many times. That is the null the observed statistic is compared with.
    """
    n1 = int(z.sum())
    n0 = z.size - n1
    total = float(change.sum())
    treated_sum = np.zeros(n_draws)
    sizes = np.bincount(groups)
    for k in np.unique(sizes):
        units = np.flatnonzero(sizes == k)
        rows = np.stack([np.flatnonzero(groups == u) for u in units])  # (n_k, k)
        labels, values = z[rows], change[rows]
        chunk = max(1, 2_000_000 // max(rows.size, 1))
        for s in range(0, n_draws, chunk):
            m = min(chunk, n_draws - s)
            perm = np.argsort(g.random((m, units.size)), axis=1)
            within = np.argsort(g.random((m, units.size, int(k))), axis=2)
            moved = np.take_along_axis(labels[perm], within, axis=2)
            treated_sum[s : s + m] += np.einsum("bij,ij->b", moved, values)
    return treated_sum / n1 - (total - treated_sum) / n0


@single_blas_thread
def did(
    data: pd.DataFrame,
    *,
    treated: str,
    pre: str,
    post: str,
    unit: str | None = None,
    n_permutations: int = 10_000,
    rng: int | np.random.Generator | None = None,
) -> DiDResult:
    """Difference-in-differences from one row per unit (outcome before and after).

    Parameters
    ----------
    data : DataFrame
        One row per unit.
    treated : str
        Column of 0/1 (or boolean) treatment indicators.
    pre, post : str
        Outcome columns before and after the treatment date.
    unit : str, optional
        Unit id column. Rows are episodes; a unit on several rows (treated
        twice) makes the standard error cluster-robust by unit.
    n_permutations : int, default 10000
    rng : int, numpy.random.Generator or None

    Returns
    -------
    DiDResult

    Raises
    ------
    DataError
        Missing columns, missing values, a non-binary treatment or fewer than
        two units in a group.

    References
    ----------
    Lyall (2009), "Does indiscriminate violence incite insurgent attacks?",
    J. Conflict Resolution 53(3):331-362.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"v": list("abcdef"), "fire": [1, 1, 1, 0, 0, 0],
    ...                   "pre": [3, 2, 4, 3, 2, 4], "post": [1, 1, 2, 3, 2, 4]})
    >>> r = did(d, unit="v", treated="fire", pre="pre", post="post",
    ...         n_permutations=200, rng=0)
    >>> round(r.estimate, 3)
    -1.667
    """
    from statsmodels.regression.linear_model import OLS

    cols = [c for c in (unit, treated, pre, post) if c is not None]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(
            f"Column(s) {missing} are not in the data. Expected {cols}. Got "
            f"{list(data.columns)}."
        )
    if not isinstance(n_permutations, Integral) or n_permutations < 1:
        raise ValueError(f"n_permutations must be an int >= 1. Got {n_permutations!r}.")
    d = data[cols]
    bad = d[[treated, pre, post]].isna().any(axis=1)
    if bad.any():
        ids = (d.loc[bad, unit] if unit else d.index[bad]).tolist()[:5]
        raise DataError(
            f"{int(bad.sum())} unit(s) have missing {treated!r}, {pre!r} or "
            f"{post!r}, e.g. {ids}. Expected complete rows; drop them with "
            f"data.dropna(subset=[{treated!r}, {pre!r}, {post!r}])."
        )
    z = d[treated]
    if not z.isin([0, 1, True, False]).all():
        raise DataError(
            f"{treated!r} must hold 0/1 treatment indicators. Got values "
            f"{sorted(map(str, pd.unique(z)))[:5]}."
        )
    z = z.astype(int).to_numpy()
    n1, n0 = int(z.sum()), int(z.size - z.sum())
    if n1 < 2 or n0 < 2:
        raise DataError(
            f"DiD needs at least 2 treated and 2 control units. Got {n1} treated "
            f"and {n0} control."
        )
    change = (d[post].astype(float) - d[pre].astype(float)).to_numpy()
    x = np.column_stack([np.ones(z.size), z.astype(float)])
    clustered = unit is not None and bool(d[unit].duplicated().any())
    if clustered:
        # A unit on several rows (a village shelled twice) gives episodes that
        # share the unit's shocks: cluster the errors by unit.
        groups = pd.factorize(d[unit])[0]
        res = OLS(change, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        res = OLS(change, x).fit(cov_type="HC2")
    est = float(res.params[1])
    se = float(res.bse[1])
    p = float(2 * special.stdtr(z.size - 2, -abs(est / se))) if se > 0 else np.nan
    g = as_generator(rng)
    perm = np.empty(int(n_permutations))
    if clustered:
        perm = _cluster_permutations(z, change, groups, perm.size, g)
    else:
        for s in range(0, perm.size, 1000):
            m = min(1000, perm.size - s)
            zz = np.array([g.permutation(z) for _ in range(m)])
            perm[s : s + m] = zz @ change / n1 - (1 - zz) @ change / n0
    p_perm = float((1 + np.sum(np.abs(perm) >= abs(est) - 1e-12)) / (perm.size + 1))
    grp = pd.Series(np.where(z == 1, "treated", "control"), name="group")
    means = (
        pd.DataFrame(
            {
                "pre": d[pre].astype(float).to_numpy(),
                "post": d[post].astype(float).to_numpy(),
                "change": change,
            }
        )
        .groupby(grp.to_numpy())
        .mean()
    )
    return DiDResult(
        estimate=est,
        std_err=se,
        p_value=p,
        permutation_p_value=p_perm,
        permutation_draws=perm,
        means=means,
        n_treated=n1,
        n_control=n0,
        clustered=clustered,
    )
