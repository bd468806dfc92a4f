"""Attribution on simulated banner data (label: simulated), against Bayes-optimal.

The simulator (titfortat.attribution.BannerAttackSimulator) draws attacks by
the bundled 2023-24 network's IRI member factions (KH halts on 2024-01-30),
60% claimed only under the banner. Fit before 2024-05-01. The model then sees
every event after the cut, as an analyst would (own-name claims feed the
recent-activity factors), and is scored on the banner-only claims, whose true
faction the simulator knows. For each seed: the model (no "other" candidate,
as the generator has none), the model with the default other_prior=0.02, the
baselines, and the Bayes-optimal posterior of the generating model.

Coverage of the 90% split-conformal sets varies from seed to seed for two
reasons: the n_cal calibration events (the coverage given them is
Beta-distributed with sd about sqrt(0.09 / n_cal)) and the n_test test events
(binomial sd sqrt(0.09 / n_test)). ``cov_sd`` combines both; ``lac_coverage``
is the coverage of the plain sets (which may be empty), whose expectation is
0.90 (up to 1 / (n_cal + 1)) when calibration and test events are
exchangeable. With 12,000 events a seed n_cal is about 480 and the 88-92%
band is +-3 sd of the mean coverage over five seeds (+-1.3 sd for one).

Usage::

    python benchmarks/attribution_simulated.py [--seeds 0 1 2 3 4] [--n 12000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from titfortat.attribution import BannerAttackSimulator, BannerAttribution
from titfortat.attribution.metrics import mass_sets, score_all

CUT = "2024-05-01"
LEVEL = 0.9


def one(seed: int, n: int) -> pd.DataFrame:
    sim = BannerAttackSimulator(n_events=n, rng=seed).run()
    ev = sim.events
    train = ev[ev["date"] < CUT]
    after = ev[ev["date"] >= CUT]
    banner = (after["actor_id"] == sim.banner_id).to_numpy()
    truth_all = sim.truth[after.index].where(banner)  # own-name claims: not scored
    truth = sim.truth[after.index][banner]
    rows = {}
    for name, other in (("model", 0.0), ("model_with_other", 0.02)):
        model = BannerAttribution(network=sim.network, other_prior=other)
        model.fit(train)
        res = model.evaluate(after, truth=truth_all, baselines=(other == 0.0))
        tab = res.table.rename(index={"model": name})
        lac = model.predict_sets(after, allow_empty=True).to_numpy()[banner]
        hit = lac[np.arange(len(truth)), list(map(model.classes_.index, truth))]
        tab.loc[name, "lac_coverage"] = hit.mean()
        tab.loc[name, "n_cal"] = model.n_calibration_
        tab.loc[name, "cov_sd"] = np.sqrt(
            LEVEL * (1 - LEVEL) * (1 / (model.n_calibration_ + 2) + 1 / len(truth))
        )
        tab.loc[name, "act_days"] = model.activity_days_
        rows.update(tab.to_dict(orient="index"))
    classes = list(sim.bayes_proba.columns)
    y = np.array([classes.index(t) for t in truth])
    bayes = sim.bayes_proba.loc[truth.index].to_numpy()
    rows["bayes_optimal"] = score_all(bayes, y, mass_sets(bayes, LEVEL))
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.insert(0, "seed", seed)
    out.insert(1, "n_test", len(truth))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n", type=int, default=12_000)
    args = parser.parse_args()
    full = pd.concat([one(s, args.n) for s in args.seeds])
    fmt = {"float_format": lambda v: f"{v:.3f}"}
    print(f"SIMULATED banner data, {args.n} events per seed, test after {CUT}")
    print(full.to_string(**fmt))
    print("\nmean over seeds:")
    print(
        full.drop(columns="seed").groupby(level=0, sort=False).mean().to_string(**fmt)
    )
    m = full.loc["model"].set_index("seed")
    b = full.loc["bayes_optimal"].set_index("seed")
    gap = b["top1"] - m["top1"]
    print("\nper seed (model without 'other'):")
    print(
        pd.DataFrame(
            {
                "model_top1": m["top1"],
                "bayes_top1": b["top1"],
                "gap": gap,
                "within_3pts": gap <= 0.03,
                "ece": m["ece"],
                "lac_coverage": m["lac_coverage"],
                "cov_sd": m["cov_sd"],
                "cov_z": (m["lac_coverage"] - LEVEL) / m["cov_sd"],
                "in_88_92": m["lac_coverage"].between(0.88, 0.92),
            }
        ).to_string(**fmt)
    )
    k = len(m)
    se_mean = float(np.sqrt((m["cov_sd"] ** 2).sum()) / k)
    print(
        f"\nmean top-1 gap {gap.mean():.3f}; mean LAC coverage "
        f"{m['lac_coverage'].mean():.3f} (sd of the mean {se_mean:.3f}; "
        f"88-92 is +-{0.02 / se_mean:.1f} sd of it)"
    )


if __name__ == "__main__":
    main()
