"""Attribution on Iraq Body Count incidents: coalition or insurgent? (real data)

Labels: incidents with exactly one of ESOC's ``coalition``/``insurgent`` flags
(4,768); the other 16,332 incidents are the latent pool used by EM. Temporal
split: fit before ``--train-until`` (default 2007-01-01), test on the labelled
incidents from then on. Features: governorate, district, weapon (actor words
removed), binned deaths, weekday, recent activity; IBC has no coordinates.
The second table leaves the leaking fields in (``Cause_of_Death`` with its
"[US Forces]" tags and the raw weapon text such as "US gunfire").

The IBC data are not redistributable; this script reads them in place.

Usage::

    python benchmarks/attribution_ibc.py [path/to/esoc-ibc-iraq] [--train-until D]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from titfortat.attribution import BannerAttribution
from titfortat.attribution.benchmarks import ibc_task

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "esoc-ibc-iraq"
CATS = ("admin1", "admin2", "weapon", "deaths", "day_of_week")


def run(folder: Path, train_until: str, *, mask_leaks: bool) -> dict:
    ev, allowed = ibc_task(folder, mask_leaks=mask_leaks)
    cats = CATS if mask_leaks else (*CATS, "cause_of_death")
    train = (ev["date"] < train_until).to_numpy()
    t0 = time.perf_counter()
    model = BannerAttribution(categorical=cats, spatial=False, other_prior=0.0)
    model.fit(ev[train], allowed=allowed[train])
    label = "leaking fields masked" if mask_leaks else "LEAKING FIELDS LEFT IN"
    res = model.evaluate(
        ev[~train], allowed=allowed[~train], data_label=f"ESOC/IBC, {label}"
    )
    print(res)
    print(
        f"latent events in training: {model.n_latent_:,}; EM iterations "
        f"{model.n_iter_} (converged: {model.converged_}); factor weights: "
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
        default=["2006-01-01", "2007-01-01", "2008-01-01"],
        help="One or more cut dates (rolling origin); the leak comparison "
        "runs at 2007-01-01.",
    )
    args = parser.parse_args()
    rows = [run(args.folder, cut, mask_leaks=True) for cut in args.train_until]
    run(args.folder, "2007-01-01", mask_leaks=False)
    import pandas as pd

    print("rolling origin, leaking fields masked:")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
