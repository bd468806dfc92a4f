"""Shared driver of the real-data attribution benchmarks (IBC, UCDP).

Each benchmark fits :class:`BannerAttribution` before a cut date, evaluates it
beside its baselines on the labelled events after it, prints the evaluation,
and finally one rolling-origin table: log-loss and Brier score of every
forecaster at every cut, whether the model beats all baselines on both, and the
model's difference from the random forest with its 95% interval clustered by
test week.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from titfortat.attribution import AttributionEvaluation, BannerAttribution


def run_cut(
    ev: pd.DataFrame,
    allowed: pd.DataFrame,
    train_until: str,
    *,
    model_kwargs: dict[str, Any],
    data_label: str,
    describe: Callable[[BannerAttribution], str] = lambda m: "",
) -> AttributionEvaluation:
    """Fit before ``train_until``, evaluate after it, print both."""
    train = (ev["date"] < train_until).to_numpy()
    t0 = time.perf_counter()
    model = BannerAttribution(**model_kwargs)
    model.fit(ev[train], allowed=allowed[train])
    res = model.evaluate(ev[~train], allowed=allowed[~train], data_label=data_label)
    print(f"--- train before {train_until}")
    print(res)
    extra = describe(model)
    print(
        (f"{extra}; " if extra else "")
        + f"activity scale {model.activity_days_:g} d; factor weights: "
        + ", ".join(f"{k}={v:.2f}" for k, v in model.weights_.items())
        + f"; {time.perf_counter() - t0:.1f} s\n"
    )
    return res


def rolling_table(results: dict[str, AttributionEvaluation]) -> pd.DataFrame:
    """One row per cut: n_test, log-loss and Brier of each forecaster, verdict."""
    rows = []
    for cut, res in results.items():
        tab = res.table
        row: dict[str, Any] = {"train_until": cut, "n_test": res.n_test}
        for name in tab.index:
            row[f"{name}:log_loss"] = tab.loc[name, "log_loss"]
        for name in tab.index:
            row[f"{name}:brier"] = tab.loc[name, "brier"]
        base = tab.iloc[1:]
        row["model_beats_all"] = bool(
            (tab.loc["model", "log_loss"] < base["log_loss"]).all()
            and (tab.loc["model", "brier"] < base["brier"]).all()
        )
        # Is the difference from the strongest baseline more than noise?
        # (95% interval clustered by test week; see paired_comparison.)
        if res.comparison is not None and "random_forest" in res.comparison.index:
            c = res.comparison.loc["random_forest"]
            for score in ("log_loss", "brier"):
                row[f"vs_forest:{score}"] = (
                    f"{c[f'{score}_diff']:+.3f} [{c[f'{score}_lower']:+.3f}, "
                    f"{c[f'{score}_upper']:+.3f}]"
                )
        rows.append(row)
    return pd.DataFrame(rows)


def print_rolling(results: dict[str, AttributionEvaluation], title: str) -> None:
    table = rolling_table(results).set_index("train_until").T
    print(title)
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
