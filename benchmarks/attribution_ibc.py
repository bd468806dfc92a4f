"""Attribution on Iraq Body Count incidents: coalition or insurgent? (real data)

Labels: incidents with exactly one of ESOC's ``coalition``/``insurgent`` flags
(4,768); the other 16,332 incidents are the latent pool used by EM. Temporal
split: fit before ``--train-until`` (default 2007-01-01), test on the labelled
incidents from then on. Features: governorate, district, weapon (actor words
removed), binned deaths, weekday, recent activity; IBC has no coordinates.
The training-period factors may fade with the days since its end
(``horizon_decay``, kept only when it earns its parameter on the validation
period; ``--no-horizon-decay`` to leave it out).
The second table leaves the leaking fields in (``Cause_of_Death`` with its
"[US Forces]" tags and the raw weapon text such as "US gunfire").

The IBC data are not redistributable; this script reads them in place.

Usage::

    python benchmarks/attribution_ibc.py [path/to/esoc-ibc-iraq] [--train-until D]
        [--no-leak] [--no-horizon-decay]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _attribution_tables import print_rolling, run_cut
from titfortat.attribution.benchmarks import ibc_task

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "esoc-ibc-iraq"
CATS = ("admin1", "admin2", "weapon", "deaths", "day_of_week")


def run(
    folder: Path, train_until: str, *, mask_leaks: bool, horizon_decay: bool = True
):
    ev, allowed = ibc_task(folder, mask_leaks=mask_leaks)
    cats = CATS if mask_leaks else (*CATS, "cause_of_death")
    label = "leaking fields masked" if mask_leaks else "LEAKING FIELDS LEFT IN"
    return run_cut(
        ev,
        allowed,
        train_until,
        model_kwargs={
            "categorical": cats,
            "spatial": False,
            "other_prior": 0.0,
            "horizon_decay": horizon_decay,
        },
        data_label=f"ESOC/IBC, {label}",
        describe=lambda m: (
            f"latent events in training: {m.n_latent_:,}; EM iterations "
            f"{m.n_iter_} (converged: {m.converged_}); horizon decay "
            f"{m.decay_per_year_:.3f}/year"
        ),
    )


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
    parser.add_argument(
        "--no-horizon-decay",
        dest="horizon_decay",
        action="store_false",
        help="Do not fade the training-period factors with the forecast horizon "
        "(the model before the option).",
    )
    parser.add_argument(
        "--no-leak", action="store_true", help="Skip the leaking-fields run."
    )
    args = parser.parse_args()
    results = {
        c: run(args.folder, c, mask_leaks=True, horizon_decay=args.horizon_decay)
        for c in args.train_until
    }
    if not args.no_leak:
        run(args.folder, "2007-01-01", mask_leaks=False)
    print_rolling(results, "IBC rolling origin, leaking fields masked:")


if __name__ == "__main__":
    main()
