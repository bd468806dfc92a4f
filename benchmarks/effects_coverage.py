"""Coverage of the event study's 95% interval in the toy world, with known truth.

The effect table's verdicts are only as honest as its intervals. This study
simulates the strike-attack world of :func:`titfortat.effects.simulate_retaliation`
(strikes follow attack spikes, a rising trend) with no effect, deterrence and
escalation, fits :class:`titfortat.effects.EventStudy` on each data set, and
prints per world: the mean and spread of the error against the estimand of a
matched-placebo event study (``true_natural_course_effect``: attacks after a
strike minus attacks had that strike not happened, later strikes following
their natural course), the mean standard error of the randomisation null,
and the share of 95% intervals that contain the truth (target 0.95), for the
randomisation interval and, for comparison, for a normal interval with the
cluster-robust standard error of the matched differences. ``excess_coverage``
is the share covering ``true_event_study_effect`` instead (all attacks
caused or prevented by active strikes in the post-window minus the
pre-window), a different estimand when strikes follow attacks.

Usage::

    python benchmarks/effects_coverage.py [--seeds 20] [--placebos 10000|all]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from titfortat.effects import EventStudy, simulate_retaliation

WORLDS = {"no effect": 0.0, "deterrence": -0.7, "escalation": 0.7}


def one(effect: float, seed: int, pool: int | None) -> dict[str, float]:
    ev = simulate_retaliation(effect=effect, n_places=4, n_days=800, rng=100 + seed)
    tr, oc = ev[ev.event_type == "strike"], ev[ev.event_type == "attack"]
    es = EventStudy(n_placebos=pool, n_resamples=1000, rng=seed).fit(tr, oc)
    r = es.results_
    truth = float(ev.attrs["true_natural_course_effect"])
    excess = float(ev.attrs["true_event_study_effect"])
    lo, hi = r.conf_int().iloc[0]
    d_t, d_m = es._matched_differences(
        es.counts_, es.placebo_counts_, es._bg_p, es.matches_
    )
    e = d_t - d_m.mean(axis=1)
    ec = e - e.mean()
    cr_se = float(np.sqrt(np.sum(np.bincount(es._clusters, weights=ec) ** 2)) / e.size)
    return {
        "error": r.estimate - truth,
        "excess_covered": float(lo <= excess <= hi),
        "null_se": r.std_err,
        "covered": float(lo <= truth <= hi),
        "cr_covered": float(abs(r.estimate - truth) <= 1.96 * cr_se),
        "pool_shift": r.pool_shift,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--placebos", default="10000")
    args = ap.parse_args()
    pool = None if args.placebos == "all" else int(args.placebos)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    rows = []
    for name, effect in WORLDS.items():
        for seed in range(args.seeds):
            rows.append({"world": name, **one(effect, seed, pool)})
    df = pd.DataFrame(rows)
    table = df.groupby("world", sort=False).agg(
        mean_error=("error", "mean"),
        sd_error=("error", "std"),
        null_se=("null_se", "mean"),
        coverage=("covered", "mean"),
        cr_coverage=("cr_covered", "mean"),
        excess_coverage=("excess_covered", "mean"),
        mean_abs_pool_shift=("pool_shift", lambda s: float(np.mean(np.abs(s)))),
    )
    print(
        f"EventStudy in the toy world: {args.seeds} data sets per world, "
        f"placebo pool {args.placebos}, 800 days x 4 places "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))
    print(
        f"overall coverage of the 95% randomisation interval: "
        f"{df['covered'].mean():.3f} (target 0.95)"
    )


if __name__ == "__main__":
    main()
