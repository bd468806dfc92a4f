"""Attribution on UCDP GED, Iraq and Syria: which group? (real data, many classes)

One-sided (type 3) and non-state (type 2) events name the perpetrator in
``side_a``; it is the label, and ``conflict_name`` (which repeats it) is
masked. Candidates of an event: groups with an event in the same country that
year or the year before, plus ``other_groups`` (groups with fewer than 30
training events). Temporal split: fit before ``--train-until`` (default
2017-01-01), test after. Features: place (spherical kernel density), country,
violence type, side_b (the target), binned deaths, weekday, recent activity
overall and in the event's 50-km map square. Recent activity counts the
labelled events of earlier days, test-period days included (an analyst
attributing today's event knows yesterday's perpetrators); the random forest
gets the same activity counts as features. The factors fitted on the training
period fade with the days since its end at a rate fitted on the validation
period (``horizon_decay``, kept when it earns its parameter; ``--no-horizon-
decay`` gives the model without it). ``--pooled`` scores ``other_groups`` as a
two-part mixture (own fit or a new group; not a gain, see
``BannerAttribution(pooled_classes=...)``). The second table leaves
``conflict_name`` in.

UCDP GED 21.1 (Sundberg & Melander 2013; Pettersson et al. 2021), CC BY 4.0,
as reduced by the juanr package (exact or near-exact locations only).

Usage::

    python benchmarks/attribution_ucdp.py [path/to/ucdp-ged-iraq-syria]
        [--train-until D ...] [--no-leak] [--pooled] [--no-horizon-decay]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _attribution_tables import print_rolling, run_cut
from titfortat.attribution.benchmarks import ucdp_task

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ucdp-ged-iraq-syria"
CATS = ("country", "violence_type", "target_type", "deaths", "day_of_week")


def run(
    folder: Path,
    train_until: str,
    *,
    mask_leaks: bool,
    pooled: bool = False,
    horizon_decay: bool = True,
):
    ev, allowed = ucdp_task(folder, mask_leaks=mask_leaks, train_until=train_until)
    cats = CATS if mask_leaks else (*CATS, "conflict_name")
    label = "leaking field masked" if mask_leaks else "LEAKING FIELD LEFT IN"
    return run_cut(
        ev,
        allowed,
        train_until,
        model_kwargs={
            "categorical": cats,
            "other_prior": 0.0,
            "pooled_classes": ("other_groups",) if pooled else (),
            "horizon_decay": horizon_decay,
        },
        data_label=f"UCDP GED 21.1, {label}",
        describe=lambda m: (
            f"bandwidth {m.bandwidth_km_} km; horizon decay "
            f"{m.decay_per_year_:.3f}/year"
            + (
                f"; other_groups new-group share {m.pool_mix_:g} (validation NLL "
                "by share: "
                + ", ".join(
                    f"{r:g}: {v:.1f}" for r, v in m.pool_table_.itertuples(index=False)
                )
                + ")"
                if pooled
                else ""
            )
        ),
    )


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
    parser.add_argument(
        "--no-leak", action="store_true", help="Skip the leaking-field run."
    )
    parser.add_argument(
        "--pooled",
        action="store_true",
        help="Score other_groups as a pooled class (own fit or a new group).",
    )
    parser.add_argument(
        "--no-horizon-decay",
        dest="horizon_decay",
        action="store_false",
        help="Do not fade the training-period factors with the forecast horizon "
        "(the model before the option).",
    )
    args = parser.parse_args()
    opts = {"pooled": args.pooled, "horizon_decay": args.horizon_decay}
    results = {
        c: run(args.folder, c, mask_leaks=True, **opts) for c in args.train_until
    }
    if not args.no_leak:
        run(args.folder, "2017-01-01", mask_leaks=False)
    print_rolling(results, "UCDP rolling origin, leaking field masked:")


if __name__ == "__main__":
    main()
