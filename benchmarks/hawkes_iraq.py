"""Real-data fit: BinnedHawkes on the Iraq 2007-08 data (Papadogeorgou et al. 2022).

Nodes: airstrike (rows of airstrikes.csv with type "Airstrike"; shows of force
are left out), IED, SAF and other (insurgencies.csv), as daily counts from
2007-02-23 to 2008-07-05. Prints the negative-binomial and Poisson fits, every
cross effect with its 95% Wald interval and LR test, the share of triggered
events and the implied mean lag.

Usage::

    python benchmarks/hawkes_iraq.py [path/to/geocausal-iraq-2007]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from titfortat.dynamics import BinnedHawkes

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "geocausal-iraq-2007"


def load(folder: Path) -> pd.DataFrame:
    air = pd.read_csv(folder / "airstrikes.csv")
    air = air[air["type"] == "Airstrike"].assign(node="airstrike")
    ins = pd.read_csv(folder / "insurgencies.csv").assign(node=lambda f: f["type"])
    return pd.concat([air, ins])[["date", "node"]]


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    events = load(folder)
    nodes = ["airstrike", "IED", "SAF", "other"]
    print(events.groupby("node").size().loc[nodes].to_string())
    fits = {}
    for family, k in [("poisson", 1), ("negbin", 1), ("negbin", 4), ("negbin", 16)]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = BinnedHawkes(
                family=family, baseline_segments=k, n_starts=4, rng=0
            ).fit(events, nodes=nodes, node_col="node")
        for w in caught:
            print(f"[{family}, {k}] warning: {w.message}")
        fits[(family, k)] = model
        r = model.results_
        print(
            f"{family:8s} baseline_segments={k:2d}: ll {r.log_likelihood:.1f} "
            f"AIC {r.aic:.1f} BIC {r.bic:.1f} decay {model.decay_:.3f} "
            f"spectral radius {model.spectral_radius():.3f} "
            f"share triggered {model.share_triggered().estimate['total']:.3f}"
        )
    by_bic = min(fits, key=lambda key: fits[key].results_.bic)
    by_aic = min(fits, key=lambda key: fits[key].results_.aic)
    for label, key in [("lowest BIC", by_bic), ("lowest AIC", by_aic)]:
        report(
            fits[key], f"{label}: family={key[0]}, baseline_segments={key[1]}", nodes
        )
    deterrence(events, nodes)


def deterrence(events: pd.DataFrame, nodes: list[str]) -> None:
    """Softplus link, where a negative alpha (deterrence) is estimable."""
    model = BinnedHawkes(
        family="negbin",
        link="softplus",
        baseline_segments=16,
        n_starts=4,
        max_iter=5000,
        rng=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(events, nodes=nodes, node_col="node")
    for w in caught:
        print(f"[softplus] warning: {w.message}")
    r = model.results_
    print(
        f"\n=== softplus link, negbin, baseline_segments=16: ll "
        f"{r.log_likelihood:.1f} AIC {r.aic:.1f} BIC {r.bic:.1f} decay "
        f"{model.decay_:.3f} ==="
    )
    table = r.summary().table
    rows = []
    for i in nodes:
        for j in nodes:
            if i != j and "airstrike" in (i, j):
                name = f"alpha[{i}<-{j}]"
                lr = model.lr_test(i, j)
                t = table.loc[name]
                rows.append((name, t.estimate, t.ci_lower, t.ci_upper, lr.p_value))
    out = pd.DataFrame(
        rows, columns=["effect", "estimate", "ci_lower", "ci_upper", "LR p_value"]
    ).set_index("effect")
    print("Airstrike effects (negative = deterrence), 95% Wald CI, LR chi2(1):")
    print(out.to_string(float_format=lambda x: f"{x:.4g}"))


def report(nb: BinnedHawkes, title: str, nodes: list[str]) -> None:
    """Print the fit, cross effects with LR tests, shares and impulse responses
    (the latter for and on ``nodes[0]``)."""
    print(f"\n=== {title} ===")
    print(nb.summary())
    lag = 1.0 / (1.0 - np.exp(-nb.decay_))
    ci = nb.results_.conf_int().loc["decay"]
    lag_ci = sorted(1.0 / (1.0 - np.exp(-ci.to_numpy())))
    print(
        f"decay {nb.decay_:.4f}/day: mean lag {lag:.1f} days "
        f"(95% CI {lag_ci[0]:.1f}-{lag_ci[1]:.1f})"
    )
    print(f"spectral radius {nb.spectral_radius():.3f}")
    print("\nRandomised PIT residuals, KS test against Uniform(0, 1) per node:")
    print(nb.residuals(rng=0).ks_test().to_string(float_format=lambda x: f"{x:.3g}"))
    names = [f"alpha[{i}<-{nodes[0]}]" for i in nodes[1:]] + ["decay"]
    prof = nb.profile_conf_int(names)
    print(f"\nProfile-likelihood 95% intervals (effects of {nodes[0]}, decay):")
    print(
        prof.join(nb.results_.conf_int().add_prefix("wald_"), how="left").to_string(
            float_format=lambda x: f"{x:.4g}"
        )
    )
    print("\nCross effects alpha[i<-j], 95% Wald CI, LR test of alpha = 0:")
    table = nb.results_.summary().table
    rows = []
    for i in nodes:
        for j in nodes:
            if i == j:
                continue
            name = f"alpha[{i}<-{j}]"
            lr = nb.lr_test(i, j)
            r = table.loc[name]
            rows.append(
                (name, r.estimate, r.ci_lower, r.ci_upper, lr.statistic, lr.p_value)
            )
    out = pd.DataFrame(
        rows, columns=["effect", "estimate", "ci_lower", "ci_upper", "LR", "p_value"]
    ).set_index("effect")
    print(out.to_string(float_format=lambda x: f"{x:.4g}"))
    print("\nShare of events triggered (delta-method CI):")
    print(
        nb.share_triggered()
        .summary_frame()
        .to_string(float_format=lambda x: f"{x:.3f}")
    )
    print("\nImpulse response over 42 days (extra events of i after one event of j):")
    ir = nb.impulse_response(42).summary_frame()
    print(
        ir.loc[
            [f"{i}<-{nodes[0]}" for i in nodes[1:]]
            + [f"{nodes[0]}<-{j}" for j in nodes[1:]]
        ].to_string(float_format=lambda x: f"{x:.4f}")
    )


if __name__ == "__main__":
    main()
