"""Baselines scored beside the model: prior only, majority class, random forest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from titfortat.attribution._core import _as_weights, activity_rates, has_coordinates
from titfortat.exceptions import OptionalDependencyError

if TYPE_CHECKING:
    from titfortat.attribution.model import BannerAttribution

#: Probability floor mixed into the forest's votes before renormalising over the
#: allowed candidates: a forest gives exactly 0 to classes no tree voted for,
#: which would make its log-loss infinite for one surprising event.
_RF_FLOOR = 1e-3
#: Categories kept per column in the forest's one-hot design (the rest pooled).
_MAX_LEVELS = 50


def _restrict(p: np.ndarray, mask: np.ndarray) -> np.ndarray:
    p = np.where(mask, p, 0.0)
    s = p.sum(axis=1, keepdims=True)
    fallback = mask / mask.sum(axis=1, keepdims=True)
    return np.where(s > 0, p / np.where(s > 0, s, 1.0), fallback)


def _full_mask(model: BannerAttribution, mask: np.ndarray) -> np.ndarray:
    if model.other_prior > 0:
        return np.column_stack([mask, np.ones(len(mask), dtype=bool)])
    return mask


def design(
    model: BannerAttribution,
    ev: pd.DataFrame,
    history: tuple[pd.DataFrame, np.ndarray],
    levels: dict[str, list[str]] | None,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The forest's features: one-hot categoricals, coordinates, activity counts."""
    cols: dict[str, Any] = {}
    coords = has_coordinates(ev)
    cols["latitude"] = np.where(coords, pd.to_numeric(ev["latitude"]), -999.0)
    cols["longitude"] = np.where(coords, pd.to_numeric(ev["longitude"]), -999.0)
    new_levels = {} if levels is None else levels
    for c in model.categorical:
        vals = ev[c].astype("string")
        if levels is None:
            new_levels[c] = list(vals.value_counts().index[:_MAX_LEVELS])
        for lv in new_levels[c]:
            cols[f"{c}={lv}"] = (vals == lv).fillna(False).to_numpy(float)
    k = model.core_.n_classes
    # the same exponentially weighted rates of own-name claims as the model's
    # activity factor (without the latent events' responsibilities: the
    # forest is supervised)
    hist_w = _as_weights(history[1], k)
    counts = activity_rates(
        ev["date"],
        history[0]["date"],
        hist_w,
        model.activity_days_,
        centered=model.activity_window == "centered",
    )
    for j in range(k):
        cols[f"activity[{j}]"] = counts[:, j]
    if getattr(model, "local_activity_used_", False):
        # the model's local-activity factor, as counts (log(count + 0.5) back)
        local = np.exp(model.core_.local_activity(ev, history[0], hist_w)) - 0.5
        for j in range(k):
            cols[f"local_activity[{j}]"] = local[:, j]
    return pd.DataFrame(cols), new_levels


def baseline_probas(
    model: BannerAttribution,
    train_ev: pd.DataFrame,
    train_y: np.ndarray,
    train_mask: np.ndarray,
    test_ev: pd.DataFrame,
    test_mask: np.ndarray,
    *,
    rng: int = 0,
) -> dict[str, np.ndarray]:
    """Probabilities (test events x classes_) of each baseline."""
    k = model.core_.n_classes
    n_cols = len(model.classes_)
    lab = train_y >= 0
    full_test = _full_mask(model, test_mask)
    rates = np.bincount(train_y[lab], minlength=k) + 1.0
    prior = np.zeros(n_cols)
    prior[:k] = rates / rates.sum() * (1 - model.other_prior)
    if n_cols > k:
        prior[k] = model.other_prior
    out = {"prior_only": _restrict(np.tile(prior, (len(test_ev), 1)), full_test)}
    maj = np.zeros((len(test_ev), n_cols))
    ranked = np.where(full_test, prior[None, :], -1.0)
    maj[np.arange(len(test_ev)), ranked.argmax(axis=1)] = 1.0
    out["majority"] = maj
    try:
        from sklearn.ensemble import RandomForestClassifier
    except ImportError as err:  # pragma: no cover - sklearn is in the test extra
        raise OptionalDependencyError(
            "The random-forest baseline needs scikit-learn: pip install "
            "'titfortat[test]', or pass baselines=False."
        ) from err
    where = ["date", "latitude", "longitude"]
    hist_tr = (train_ev.loc[lab, where].reset_index(drop=True), train_y[lab])
    x_tr, levels = design(model, train_ev[lab].reset_index(drop=True), hist_tr, None)
    test_lab = model._labels(test_ev, model.classes_[:k])
    tl = test_lab >= 0
    hist_te = (
        pd.concat([hist_tr[0], test_ev.loc[tl, where]], ignore_index=True),
        np.concatenate([hist_tr[1], test_lab[tl]]),
    )
    x_te, _ = design(model, test_ev, hist_te, levels)
    forest = RandomForestClassifier(
        n_estimators=200, min_samples_leaf=2, n_jobs=1, random_state=rng
    )
    forest.fit(x_tr.to_numpy(), train_y[lab])
    votes = np.zeros((len(test_ev), n_cols))
    votes[:, forest.classes_] = forest.predict_proba(x_te.to_numpy())
    out["random_forest"] = _restrict(votes + _RF_FLOOR, full_test)
    return out
