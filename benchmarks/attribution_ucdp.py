"""Attribution on UCDP GED, Iraq and Syria: which group? (real data, many classes)

One-sided (type 3) and non-state (type 2) events name the perpetrator in
``side_a``; it is the label, and ``conflict_name`` (which repeats it) is
masked. Candidates of an event: groups with an event in the same country that
year or the year before, plus ``other_groups`` (groups with fewer than 30
training events). Temporal split: fit before ``--train-until`` (default
2017-01-01), test after. Features: place (spherical kernel density), country,
violence type, side_b (the target), binned deaths, weekday, recent activity.
The second table leaves ``conflict_name`` in.

UCDP GED 21.1 (Sundberg & Melander 2013; Pettersson et al. 2021), CC BY 4.0,
as reduced by the juanr package (exact or near-exact locations only).

Usage::

    python benchmarks/attribution_ucdp.py [path/to/ucdp-ged-iraq-syria]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from titfortat.attribution import BannerAttribution
from titfortat.attribution.benchmarks import ucdp_task

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ucdp-ged-iraq-syria"
CATS = ("country", "violence_type", "target_type", "deaths", "day_of_week")


def run(folder: Path, train_until: str, *, mask_leaks: bool) -> dict:
    ev, allowed = ucdp_task(folder, mask_leaks=mask_leaks, train_until=train_until)
    cats = CATS if mask_leaks else (*CATS, "conflict_name")
    train = (ev["date"] < train_until).to_numpy()
    t0 = time.perf_counter()
    model = BannerAttribution(categorical=cats, other_prior=0.0)
    model.fit(ev[train], allowed=allowed[train])
    label = "leaking field masked" if mask_leaks else "LEAKING FIELD LEFT IN"
    res = model.evaluate(
        ev[~train], allowed=allowed[~train], data_label=f"UCDP GED 21.1, {label}"
    )
    print(res)
    print(
        f"bandwidth {model.bandwidth_km_} km; factor weights: "
        + ", ".join(f"{k}={v:.2f}" for k, v in model.weights_.items())
        + f"; {time.perf_counter() - t0:.1f} s"
    )
    print()
    tab = res.table
    return {
        "train_until": train_until,
        "n_test": res.n_test,
        "model_log_loss": tab.loc["model", "log_loss"],
        "best_baseline_log_loss": tab["log_loss"].iloc[1:].min(),
        "model_brier": tab.loc["model", "brier"],
        "best_baseline_brier": tab["brier"].iloc[1:].min(),
        "model_wins_both": bool(
            (tab.loc["model", "log_loss"] < tab["log_loss"].iloc[1:]).all()
            and (tab.loc["model", "brier"] < tab["brier"].iloc[1:]).all()
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DATA)
    parser.add_argument(
        "--train-until",
        nargs="+",
        default=["2015-01-01", "2016-01-01", "2017-01-01", "2018-01-01"],
        help="One or more cut dates (rolling origin); the leak comparison "
        "runs at 2017-01-01.",
    )
    args = parser.parse_args()
    rows = [run(args.folder, cut, mask_leaks=True) for cut in args.train_until]
    run(args.folder, "2017-01-01", mask_leaks=False)
    import pandas as pd

    print("rolling origin, leaking fields masked:")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
