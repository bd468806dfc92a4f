"""Attribution on simulated banner data (label: simulated), against Bayes-optimal.

The simulator (titfortat.attribution.BannerAttackSimulator) draws attacks by
the bundled 2023-24 network's IRI member factions (KH halts on 2024-01-30),
60% claimed only under the banner. Fit before 2024-05-01; test on the
banner-only claims after it, whose true faction the simulator knows. For each
seed: the model (no "other" candidate, as the generator has none), the model
with the default other_prior=0.02, the baselines, and the Bayes-optimal
posterior of the generating model. LAC coverage = split-conformal sets that may
be empty (level 0.9).

Usage::

    python benchmarks/attribution_simulated.py [--seeds 0 1 2 3 4] [--n 6000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from titfortat.attribution import BannerAttackSimulator, BannerAttribution
from titfortat.attribution.metrics import mass_sets, score_all

CUT = "2024-05-01"


def one(seed: int, n: int) -> pd.DataFrame:
    sim = BannerAttackSimulator(n_events=n, rng=seed).run()
    ev = sim.events
    train = ev[ev["date"] < CUT]
    test = ev[(ev["date"] >= CUT) & (ev["actor_id"] == sim.banner_id)]
    truth = sim.truth[test.index]
    rows = {}
    for name, other in (("model", 0.0), ("model_with_other", 0.02)):
        model = BannerAttribution(network=sim.network, other_prior=other)
        model.fit(train)
        res = model.evaluate(test, truth=truth, baselines=(other == 0.0))
        tab = res.table.rename(index={"model": name})
        lac = model.predict_sets(test, allow_empty=True)
        hit = lac.to_numpy()[np.arange(len(test)), lac.columns.get_indexer(truth)]
        tab.loc[name, "lac_coverage"] = hit.mean()
        rows.update(tab.to_dict(orient="index"))
    classes = list(sim.bayes_proba.columns)
    y = np.array([classes.index(t) for t in truth])
    bayes = sim.bayes_proba.loc[test.index].to_numpy()
    rows["bayes_optimal"] = score_all(bayes, y, mass_sets(bayes, 0.9))
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.insert(0, "seed", seed)
    out.insert(1, "n_test", len(test))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n", type=int, default=6000)
    args = parser.parse_args()
    tabs = [one(s, args.n) for s in args.seeds]
    full = pd.concat(tabs)
    fmt = {"float_format": lambda v: f"{v:.3f}"}
    print(f"SIMULATED banner data, {args.n} events per seed, test after {CUT}")
    print(full.to_string(**fmt))
    print("\nmean over seeds:")
    print(
        full.drop(columns="seed").groupby(level=0, sort=False).mean().to_string(**fmt)
    )
    gap = full.loc["bayes_optimal", "top1"].to_numpy() - full.loc["model", "top1"]
    print(f"\ntop-1 gap to Bayes-optimal per seed: {np.round(gap.to_numpy(), 3)}")


if __name__ == "__main__":
    main()
