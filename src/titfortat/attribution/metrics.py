"""Scores of probabilistic attributions and the evaluation result.

Every score takes a probability matrix (events x candidates, rows summing to
1, zero outside each event's candidate set) and the index of the true
candidate. Written with numpy because the candidate sets differ per event,
which scikit-learn's metrics (one fixed label set) do not express.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from titfortat.exceptions import DataQualityWarning

__all__ = [
    "AttributionEvaluation",
    "conformal_threshold",
    "UnscorableLabelWarning",
    "brier_score",
    "expected_calibration_error",
    "log_loss",
    "macro_f1",
    "paired_comparison",
    "reliability_table",
    "score_all",
    "topk_accuracy",
]

METRICS = (
    "top1",
    "top3",
    "macro_f1",
    "log_loss",
    "brier",
    "ece",
    "set_coverage",
    "mean_set_size",
)


def conformal_threshold(p_true: np.ndarray, level: float) -> float:
    """Split-conformal probability threshold from calibration events.

    The nonconformity score is ``1 - p(true)`` (Sadinle, Lei & Wasserman 2019,
    "LAC"); the threshold is one minus its ``ceil((n + 1) level) / n``
    empirical quantile (the ``ceil((n+1) level)``-th smallest score; Vovk et
    al. 2005; Angelopoulos & Bates 2023, "Conformal prediction: a gentle
    introduction", eq. 1). For a new event exchangeable with the ``n``
    calibration events, the set ``{k: p_k >= threshold}`` covers the truth
    with probability in ``[level, level + 1 / (n + 1))``. With
    ``ceil((n + 1) level) > n`` the threshold is 0 (every candidate).

    Examples
    --------
    >>> p_true = np.linspace(0.05, 0.95, 19)
    >>> round(conformal_threshold(p_true, 0.9), 6)  # 18th smallest of 1 - p_true
    0.1
    """
    scores = np.sort(1.0 - np.asarray(p_true, dtype=float))
    n = len(scores)
    rank = int(np.ceil((n + 1) * level))
    if n == 0 or rank > n:
        return 0.0
    return float(1.0 - scores[rank - 1])


class UnscorableLabelWarning(DataQualityWarning):
    """Test events whose true faction is not a candidate on the event's day.

    The network gives a faction no probability outside its tie dates (KH after
    its halt), so such an event gets probability zero on its truth under every
    forecaster: its top-1 is 0 and its log-loss the clipping floor. The count
    is in :attr:`AttributionEvaluation.n_outside_ties`; check the tie dates or
    the labels.
    """


#: Probabilities are clipped here before the log, as scikit-learn did up to 1.5.
_EPS = 1e-15


def topk_accuracy(proba: np.ndarray, truth: np.ndarray, k: int = 1) -> float:
    """Share of events whose true candidate is among the k most probable.

    Examples
    --------
    >>> topk_accuracy(np.array([[0.7, 0.3], [0.6, 0.4]]), np.array([0, 1]))
    0.5
    """
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    return float(np.mean((order == truth[:, None]).any(axis=1)))


def log_loss(proba: np.ndarray, truth: np.ndarray) -> float:
    """Mean negative log probability of the true candidate."""
    p = proba[np.arange(len(truth)), truth]
    return float(-np.mean(np.log(np.clip(p, _EPS, 1.0))))


def brier_score(proba: np.ndarray, truth: np.ndarray) -> float:
    """Multi-class Brier score: mean over events of sum_k (p_k - y_k)^2 (0..2)."""
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(truth)), truth] = 1.0
    return float(np.mean(((proba - onehot) ** 2).sum(axis=1)))


def reliability_table(
    proba: np.ndarray, truth: np.ndarray, n_bins: int = 10
) -> pd.DataFrame:
    """Top-1 confidence against accuracy in equal-width bins.

    Columns ``bin_lower, bin_upper, n, mean_confidence, accuracy``: the data of
    a reliability diagram (Guo, Pleiss, Sun & Weinberger 2017, ICML).
    """
    conf = proba.max(axis=1)
    hit = proba.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        sel = idx == b
        rows.append(
            {
                "bin_lower": edges[b],
                "bin_upper": edges[b + 1],
                "n": int(sel.sum()),
                "mean_confidence": float(conf[sel].mean()) if sel.any() else np.nan,
                "accuracy": float(hit[sel].mean()) if sel.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def expected_calibration_error(
    proba: np.ndarray, truth: np.ndarray, n_bins: int = 10
) -> float:
    """ECE: bin-size weighted mean |accuracy - confidence| over 10 bins.

    Examples
    --------
    >>> round(expected_calibration_error(np.array([[0.9, 0.1]] * 10),
    ...                                  np.array([0] * 9 + [1])), 3)
    0.0
    """
    tab = reliability_table(proba, truth, n_bins)
    tab = tab[tab["n"] > 0]
    gap = (tab["accuracy"] - tab["mean_confidence"]).abs()
    return float((gap * tab["n"]).sum() / tab["n"].sum())


def macro_f1(pred: np.ndarray, truth: np.ndarray) -> float:
    """Unweighted mean F1 over the classes present in truth or prediction."""
    scores = []
    for c in np.union1d(pred, truth):
        tp = np.sum((pred == c) & (truth == c))
        fp = np.sum((pred == c) & (truth != c))
        fn = np.sum((pred != c) & (truth == c))
        denom = 2 * tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))


def mass_sets(proba: np.ndarray, level: float) -> np.ndarray:
    """Smallest sets holding at least ``level`` of the probability (boolean)."""
    order = np.argsort(-proba, axis=1, kind="stable")
    sorted_p = np.take_along_axis(proba, order, axis=1)
    before = np.cumsum(sorted_p, axis=1) - sorted_p
    keep_sorted = before < level - 1e-12
    out = np.zeros_like(proba, dtype=bool)
    np.put_along_axis(out, order, keep_sorted, axis=1)
    return out


def score_all(
    proba: np.ndarray, truth: np.ndarray, sets: np.ndarray
) -> dict[str, float]:
    """Every metric of :data:`METRICS` for one forecaster."""
    return {
        "top1": topk_accuracy(proba, truth, 1),
        "top3": topk_accuracy(proba, truth, 3),
        "macro_f1": macro_f1(proba.argmax(axis=1), truth),
        "log_loss": log_loss(proba, truth),
        "brier": brier_score(proba, truth),
        "ece": expected_calibration_error(proba, truth),
        "set_coverage": float(sets[np.arange(len(truth)), truth].mean()),
        "mean_set_size": float(sets.sum(axis=1).mean()),
    }


def event_losses(proba: np.ndarray, truth: np.ndarray) -> dict[str, np.ndarray]:
    """Per-event log-loss and Brier score (their means are :func:`log_loss`
    and :func:`brier_score`)."""
    n = np.arange(len(truth))
    onehot = np.zeros_like(proba)
    onehot[n, truth] = 1.0
    return {
        "log_loss": -np.log(np.clip(proba[n, truth], _EPS, 1.0)),
        "brier": ((proba - onehot) ** 2).sum(axis=1),
    }


#: Fewer independent clusters (test weeks) than this and the cluster-robust
#: standard error of a score difference is not trusted: the comparison is
#: "not estimable" rather than a verdict read from a handful of weeks.
MIN_CLUSTERS = 10


def paired_comparison(
    losses: dict[str, dict[str, np.ndarray]],
    clusters: np.ndarray,
    level: float = 0.95,
) -> pd.DataFrame:
    """Model minus each baseline, per score, with cluster-robust intervals.

    The difference of two forecasters' mean scores on the same events is the
    mean of the per-event differences (a paired comparison, as in Diebold and
    Mariano 1995). Events close in time share conditions, so the standard
    error is cluster-robust with ``clusters`` (e.g. the test event's week):
    ``sqrt(sum_c (sum_{i in c} (d_i - dbar))^2) / n``. A negative difference
    means the model scores better (both scores are losses).

    Returns one row per baseline with ``{score}_diff``, ``{score}_lower``,
    ``{score}_upper`` and ``{score}_verdict`` for ``log_loss`` and ``brier``:
    ``model better`` or ``model worse`` when the interval excludes 0, ``no
    detectable difference`` otherwise, and ``not estimable`` (no interval)
    with fewer than :data:`MIN_CLUSTERS` clusters.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = {"model": {"brier": rng.uniform(0, 0.2, 400), "log_loss": np.ones(400)},
    ...      "coin": {"brier": rng.uniform(0.4, 0.6, 400), "log_loss": np.ones(400)}}
    >>> t = paired_comparison(d, np.arange(400) // 7)
    >>> t.loc["coin", "brier_verdict"], t.loc["coin", "log_loss_verdict"]
    ('model better', 'no detectable difference')
    """
    from scipy import special

    q = float(special.ndtri(0.5 + level / 2))
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    n_clusters = int(codes.max()) + 1 if codes.size else 0
    rows: dict[str, dict[str, Any]] = {}
    for name, other in losses.items():
        if name == "model":
            continue
        row: dict[str, Any] = {}
        for score in ("log_loss", "brier"):
            d = losses["model"][score] - other[score]
            mean = float(d.mean())
            sums = np.bincount(codes, weights=d - mean, minlength=n_clusters)
            se = float(np.sqrt(np.sum(sums**2)) / d.size)
            lo, hi = mean - q * se, mean + q * se
            if n_clusters < MIN_CLUSTERS:
                verdict = f"not estimable ({n_clusters} test weeks)"
                lo = hi = float("nan")  # no interval from a handful of weeks
            elif hi < 0:
                verdict = "model better"
            elif lo > 0:
                verdict = "model worse"
            else:
                verdict = "no detectable difference"
            row |= {
                f"{score}_diff": mean,
                f"{score}_lower": lo,
                f"{score}_upper": hi,
                f"{score}_verdict": verdict,
            }
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.attrs["level"] = level
    out.attrs["n_clusters"] = n_clusters
    return out


@dataclass(frozen=True)
class AttributionEvaluation:
    """Evaluation of an attribution model beside its baselines on one test set.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per forecaster (``model`` first, then the baselines), columns
        :data:`METRICS`.
    n_train, n_test : int
        Labelled events used to fit, and test events scored.
    level : float
        Set level (the model's sets are split-conformal; the baselines' are the
        smallest sets holding ``level`` of their probability).
    notes : tuple of str
        What was excluded or assumed, counted.
    n_outside_ties : int
        Scored test events whose true candidate was not allowed on their day
        (probability zero on the truth; :class:`UnscorableLabelWarning`).
    comparison : pandas.DataFrame or None
        The model minus each baseline in log-loss and Brier score, with 95%
        intervals clustered by test week and a verdict per score (see
        :func:`paired_comparison`); None without baselines.
    """

    table: pd.DataFrame
    n_train: int
    n_test: int
    level: float
    proba: np.ndarray = field(repr=False)
    truth: np.ndarray = field(repr=False)
    classes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    data_label: str = ""
    n_outside_ties: int = 0
    comparison: pd.DataFrame | None = field(default=None, repr=False)

    def reliability(self, n_bins: int = 10) -> pd.DataFrame:
        """Reliability-diagram data of the model (see :func:`reliability_table`)."""
        return reliability_table(self.proba, self.truth, n_bins)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON object: the model's metrics, ``n_*`` and ``baselines``."""
        rows = self.table.to_dict(orient="index")
        model = rows.pop("model")
        return {
            "model": "BannerAttribution",
            "data": self.data_label,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_outside_ties": self.n_outside_ties,
            "level": self.level,
            **{k: _num(model[k]) for k in METRICS},
            "baselines": {
                name: {k: _num(v[k]) for k in METRICS} for name, v in rows.items()
            },
            "comparison": (
                {}
                if self.comparison is None
                else {
                    name: {
                        k: v if k.endswith("verdict") else _num(v) for k, v in r.items()
                    }
                    for name, r in self.comparison.to_dict(orient="index").items()
                }
            ),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self) -> str:
        on = f" on {self.data_label}" if self.data_label else ""
        head = (
            f"Attribution evaluation{on}"
            f": {self.n_train:,} labelled training events, {self.n_test:,} test "
            f"events, {len(self.classes)} candidates; sets at level {self.level:g}"
        )
        # abs(v) < 5e-4 prints as 0.000, not -0.000
        body = self.table.to_string(
            float_format=lambda v: f"{v if abs(v) >= 5e-4 else 0.0:.3f}"
        )
        lines = [head, body]
        if self.comparison is not None and len(self.comparison):
            c = self.comparison
            lines.append(
                f"model minus baseline ({c.attrs.get('level', 0.95):.0%} intervals "
                f"clustered by test week, {c.attrs.get('n_clusters', 0)} weeks; "
                "negative = the model scores better):"
            )
            for name, r in c.iterrows():
                lines.append(
                    f"  {name:<14} log-loss {r.log_loss_diff:+.3f} "
                    f"[{r.log_loss_lower:+.3f}, {r.log_loss_upper:+.3f}] "
                    f"{r.log_loss_verdict}; Brier {r.brier_diff:+.3f} "
                    f"[{r.brier_lower:+.3f}, {r.brier_upper:+.3f}] {r.brier_verdict}"
                )
        return "\n".join([*lines, *self.notes])


def _num(v: Any) -> float | None:
    v = float(v)
    return None if np.isnan(v) else v
