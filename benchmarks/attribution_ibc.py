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


def run(folder: Path, train_until: str, *, mask_leaks: bool) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DATA)
    parser.add_argument("--train-until", default="2007-01-01")
    args = parser.parse_args()
    run(args.folder, args.train_until, mask_leaks=True)
    run(args.folder, args.train_until, mask_leaks=False)


if __name__ == "__main__":
    main()
