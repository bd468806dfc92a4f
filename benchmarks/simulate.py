"""Speed of the policy simulator beside tick's SimuHawkesExpKernels.

10,000 runs of a 10-node linear exponential Hawkes model over 365 days with a
response policy active (node 0 triggers strikes of node 9: probability 0.3,
lag 1-3 days, one strike), through :func:`titfortat.simulate.run` (kernel,
per-run SeedSequence keys, mergeable summaries: everything a user pays for),
and the kernel alone. tick 0.8 simulates the same model *without* the policy
(it has none), one realisation at a time, as tick users do. The comparison is
per simulated event; the goal is >= 10x tick. Then the speed-up from 1 to 2
local worker processes (spawn start-up included).

Default environment (no thread pinning). The machine has 2 cores shared with
other engineers' jobs: the 1 -> 2 worker speed-up is bounded by what the
others leave free, and is printed with the load average.

    python benchmarks/simulate.py [--runs 10000] [--tick-runs 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from titfortat.simulate import Scenario, check_stable, run
from titfortat.simulate._run import _policy_plan, run_keys, simulate_plan

D = 10
HORIZON = 365.0
DECAY = 1.0


def model() -> tuple[np.ndarray, np.ndarray]:
    g = np.random.default_rng(0)
    mu = g.uniform(0.05, 0.3, D)
    adj = g.uniform(0.0, 1.0, (D, D)) * (g.random((D, D)) < 0.4)
    adj *= 0.5 / np.max(np.abs(np.linalg.eigvals(adj)))  # spectral radius 0.5
    return mu, adj


def scenario(mu: np.ndarray, adj: np.ndarray) -> Scenario:
    nodes = [f"n{k}" for k in range(D - 1)] + ["strike"]
    return Scenario.from_dict(
        {
            "name": "bench",
            "horizon_days": HORIZON,
            "model": {
                "nodes": nodes,
                "baseline": mu.tolist(),
                "adjacency": adj.tolist(),
                "decay": DECAY,
            },
            "policies": {
                "respond": {
                    "trigger": "n0",
                    "response": "strike",
                    "probability": 0.3,
                    "lag_days": [1, 3],
                    "strikes": 1,
                }
            },
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--tick-runs", type=int, default=200, help="per round")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; best is shown")
    args = ap.parse_args()
    mu, adj = model()
    sc = scenario(mu, adj)
    print(
        f"model: D={D}, horizon {HORIZON:g} days, spectral radius without the "
        f"policy 0.50, with it {max(check_stable(sc).values()):.2f}"
    )

    # Warm up numba (compilation is not part of the figure).
    run(sc, runs=20, rng=0)
    try:
        from tick.hawkes import SimuHawkesExpKernels
    except ImportError:
        SimuHawkesExpKernels = None
        print("tick not installed (pip install 'titfortat[bench]'): no baseline")
    plan = _policy_plan(sc, sc.policies[0])
    edges = np.array([0.0, HORIZON])

    def kernel_rate() -> float:
        """The kernel alone: chunks of 500 runs as run() uses, one count bin."""
        n_k, tk = 0, 0.0
        for start in range(0, args.runs, 500):
            keys = run_keys(1, start, min(args.runs, start + 500))
            r = keys.size
            t0 = time.perf_counter()
            _, scal = simulate_plan(
                plan,
                keys,
                np.tile(mu, (r, 1)),
                np.tile(adj, (r, 1, 1)),
                np.full(r, DECAY),
                HORIZON,
                edges,
                14.0,
                0,
            )
            tk += time.perf_counter() - t0
            n_k += int(scal[:, 0].sum())
        return n_k / tk

    def tick_rate(first_seed: int) -> float:
        """tick, one realisation at a time, as tick users do."""
        n_t, tt = 0, 0.0
        for s in range(args.tick_runs):
            t0 = time.perf_counter()
            simu = SimuHawkesExpKernels(
                adjacency=adj,
                decays=np.full((D, D), DECAY),
                baseline=mu,
                end_time=HORIZON,
                verbose=False,
                seed=first_seed + s,
            )
            simu.simulate()
            tt += time.perf_counter() - t0
            n_t += sum(len(t) for t in simu.timestamps)
        return n_t / tt

    # Rounds of run(), the kernel alone and tick, one after the other, so
    # that each round's three figures see the same load from other jobs on
    # the shared machine; the best round of each is reported, and the ratio
    # of the round's run() to the round's tick.
    rates: dict[str, list[float]] = {"run": [], "kernel": [], "tick": []}
    for rnd in range(args.repeat):
        t0 = time.perf_counter()
        res = run(sc, runs=args.runs, rng=1, workers=1)
        t1 = time.perf_counter() - t0
        n_ev = int(res.policies()["n_events"].sum())
        rates["run"].append(n_ev / t1)
        rates["kernel"].append(kernel_rate())
        if SimuHawkesExpKernels is not None:
            rates["tick"].append(tick_rate(1 + rnd * args.tick_runs))
    load = os.getloadavg()
    print(
        f"best of {args.repeat} rounds; load average (1, 5, 15 min) "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"titfortat run(), 1 worker : {max(rates['run']) / 1e6:6.2f} M events/s"
        f"  ({n_ev / args.runs / len(sc.policies):.0f} events/run/policy;"
        f" {args.runs:,} runs x the scenario's policies)"
    )
    print(f"titfortat kernel alone    : {max(rates['kernel']) / 1e6:6.2f} M events/s")
    if SimuHawkesExpKernels is not None:
        print(
            f"tick SimuHawkesExpKernels : {max(rates['tick']) / 1e6:6.2f} M events/s"
            "  (no policy)"
        )
        per_round = [a / b for a, b in zip(rates["run"], rates["tick"], strict=True)]
        kern = [a / b for a, b in zip(rates["kernel"], rates["tick"], strict=True)]
        print(
            "ratio per event, titfortat run() / tick: "
            f"{max(rates['run']) / max(rates['tick']):.1f}x best/best, rounds "
            f"{min(per_round):.1f}-{max(per_round):.1f}x; kernel alone "
            f"{max(rates['kernel']) / max(rates['tick']):.1f}x (rounds "
            f"{min(kern):.1f}-{max(kern):.1f}x); goal >= 10x"
        )

    t0 = time.perf_counter()
    res2 = run(sc, runs=args.runs, rng=1, workers=2)
    t2 = time.perf_counter() - t0
    same = res2.to_dict() == res.to_dict()
    load = os.getloadavg()[0]
    print(
        f"titfortat run(), 2 workers: {args.runs / t2:10,.0f} runs/s  speed-up "
        f"{n_ev / max(rates['run']) / t2:.2f}x over the best 1-worker round "
        f"(identical output: {same}); load "
        f"average {load:.1f} on {os.cpu_count()} cores shared with other jobs"
    )


if __name__ == "__main__":
    main()
