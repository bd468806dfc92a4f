"""Generate tests/reference/data/demo_headline.json (run from the repository root).

    python tests/reference/make_demo_headline.py

Two kinds of numbers are stored, and the JSON says which is which:

* ``independent``: recomputed here without titfortat's estimators, from the
  demo store's event rows (bundled geocausal data, Papadogeorgou et al. 2022):
  the naive before/after mean (attacks within 10 km, 7 days after minus 7
  days before each airstrike, counted with scikit-learn's haversine BallTree)
  and the Poisson count autoregression's lag sum (statsmodels GLM on a design
  built here by hand). The tests hold the package to these.
* ``pinned``: the package's own event-study and Hawkes numbers at the commit
  named in the file (``generated_at_commit``). They are regression pins, not
  independent truths: a change to them must be explained in the commit that
  regenerates this file. The event study uses the whole placebo pool, so its
  estimate does not depend on the seed.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "data" / "demo_headline.json"
EARTH_RADIUS_KM = 6371.0088
RADIUS_KM, WINDOW = 10.0, 7
N_LAGS = 7


def _naive_before_after(strikes: pd.DataFrame, attacks: pd.DataFrame) -> dict:
    from sklearn.neighbors import BallTree

    origin = min(strikes.date.min(), attacks.date.min())
    aday = ((attacks.date - origin).dt.days).to_numpy()
    sday = ((strikes.date - origin).dt.days).to_numpy()
    first, last = aday.min(), aday.max()
    keep = (sday - WINDOW >= first) & (sday + WINDOW <= last)
    tree = BallTree(
        np.radians(attacks[["latitude", "longitude"]].to_numpy()), metric="haversine"
    )
    pts = np.radians(strikes.loc[keep, ["latitude", "longitude"]].to_numpy())
    near = tree.query_radius(pts, r=RADIUS_KM / EARTH_RADIUS_KM)
    w = attacks.n_events.to_numpy(float)
    change = []
    for idx, day in zip(near, sday[keep], strict=True):
        rel = aday[idx] - day
        post = w[idx][(rel >= 1) & (rel <= WINDOW)].sum()
        pre = w[idx][(rel <= -1) & (rel >= -WINDOW)].sum()
        change.append(post - pre)
    change = np.asarray(change)
    return {
        "n_treated": int(change.size),
        "estimate": float(change.mean()),
        "std_err": float(change.std(ddof=1) / np.sqrt(change.size)),
    }


def _poisson_lag_sum(strikes: pd.DataFrame, attacks: pd.DataFrame) -> dict:
    import statsmodels.api as sm

    days = pd.date_range(
        min(strikes.date.min(), attacks.date.min()),
        max(strikes.date.max(), attacks.date.max()),
        freq="D",
    )
    x = strikes.groupby("date").n_events.sum().reindex(days, fill_value=0)
    y = attacks.groupby("date").n_events.sum().reindex(days, fill_value=0)
    t = np.arange(len(days), dtype=float)
    cols = {"const": np.ones(len(days)), "trend": (t - t.mean()) / len(days)}
    for lag in range(1, N_LAGS + 1):
        cols[f"own{lag}"] = np.log1p(y.shift(lag).to_numpy(float))
    for lag in range(1, N_LAGS + 1):
        cols[f"x{lag}"] = x.shift(lag).to_numpy(float)
    for d in range(1, 7):
        cols[f"dow{d}"] = (days.day_of_week == d).astype(float)
    design = pd.DataFrame(cols, index=days).iloc[N_LAGS:]
    res = sm.GLM(
        y.iloc[N_LAGS:].astype(float), design, family=sm.families.Poisson()
    ).fit(cov_type="HC0")
    names = [f"x{lag}" for lag in range(1, N_LAGS + 1)]
    wv = design.columns.isin(names).astype(float)
    cov = np.asarray(res.cov_params())
    return {
        "estimate": float(wv @ res.params.to_numpy()),
        "std_err": float(np.sqrt(wv @ cov @ wv)),
    }


def main() -> None:
    from titfortat.datasets import load_demo_store
    from titfortat.effects import effect_table

    st = load_demo_store()
    frame = st.query()
    strikes = frame[frame.source_event_type == "Airstrike"]
    attacks = frame[frame.event_type == "attack"]
    independent = {
        "before_after": _naive_before_after(strikes, attacks),
        "count_ar_poisson attack<-Airstrike": _poisson_lag_sum(strikes, attacks),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kept on the table's warnings_
        table = effect_table(
            st,
            treatment="source_event_type=Airstrike",
            outcome="event_type=attack",
            radius_km=RADIUS_KM,
            window_days=WINDOW,
            rng=0,
        )
    st.close()
    pinned = {
        f"{r.estimator} {r.direction}": {
            "estimate": r.estimate,
            "ci_lower": r.ci_lower,
            "ci_upper": r.ci_upper,
            "p_value": r.p_value,
            "verdict": r.verdict,
        }
        for r in table.table.itertuples(index=False)
        if r.estimator in ("event_study", "hawkes")
    }
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    OUT.write_text(
        json.dumps(
            {
                "question": "source_event_type=Airstrike -> event_type=attack, "
                "10 km, 7 days, whole placebo pool, rng=0",
                "independent": independent,
                "pinned": pinned,
                "generated_at_commit": commit,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
