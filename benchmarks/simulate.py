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

    python benchmarks/simulate.py [--runs 10000] [--tick-runs 1000]
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
    ap.add_argument("--tick-runs", type=int, default=1_000)
    args = ap.parse_args()
    mu, adj = model()
    sc = scenario(mu, adj)
    print(
        f"model: D={D}, horizon {HORIZON:g} days, spectral radius without the "
        f"policy 0.50, with it {max(check_stable(sc).values()):.2f}"
    )

    # Warm up numba (compilation is not part of the figure).
    run(sc, runs=20, rng=0)

    t0 = time.perf_counter()
    res = run(sc, runs=args.runs, rng=1, workers=1)
    t1 = time.perf_counter() - t0
    n_ev = int(res.policies()["n_events"].sum())
    print(
        f"titfortat run(), 1 worker : {args.runs / t1:10,.0f} runs/s  "
        f"{n_ev / t1:12,.0f} events/s  ({n_ev / args.runs:.0f} events/run)"
    )

    # The kernel alone (chunks of 500 runs as run() uses, one count bin),
    # interleaved with tick (50 runs per chunk) so that both see the same
    # load from other jobs on the shared machine.
    try:
        from tick.hawkes import SimuHawkesExpKernels
    except ImportError:
        SimuHawkesExpKernels = None
        print("tick not installed (pip install 'titfortat[bench]'): no baseline")
    plan = _policy_plan(sc, sc.policies[0])
    edges = np.array([0.0, HORIZON])
    n_k = n_t = runs_t = 0
    tk = tt = 0.0
    tick_every = max(1, args.runs // max(args.tick_runs, 1))
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
        if SimuHawkesExpKernels is None:
            continue
        t0 = time.perf_counter()
        for _ in range(r // tick_every):
            runs_t += 1
            simu = SimuHawkesExpKernels(
                adjacency=adj,
                decays=np.full((D, D), DECAY),
                baseline=mu,
                end_time=HORIZON,
                verbose=False,
                seed=runs_t,
            )
            simu.simulate()
            n_t += sum(len(t) for t in simu.timestamps)
        tt += time.perf_counter() - t0
    print(
        f"titfortat kernel alone    : {args.runs / tk:10,.0f} runs/s  "
        f"{n_k / tk:12,.0f} events/s"
    )
    if SimuHawkesExpKernels is not None:
        tick_rate = n_t / tt
        print(
            f"tick SimuHawkesExpKernels : {runs_t / tt:10,.0f} runs/s  "
            f"{tick_rate:12,.0f} events/s  ({n_t / runs_t:.0f} "
            "events/run, no policy)"
        )
        print(
            f"ratio per event, titfortat run() / tick: {n_ev / t1 / tick_rate:.1f}x"
            f"  (kernel alone, interleaved with tick: {n_k / tk / tick_rate:.1f}x;"
            " goal >= 10x)"
        )

    t0 = time.perf_counter()
    res2 = run(sc, runs=args.runs, rng=1, workers=2)
    t2 = time.perf_counter() - t0
    same = res2.to_dict() == res.to_dict()
    load = os.getloadavg()[0]
    print(
        f"titfortat run(), 2 workers: {args.runs / t2:10,.0f} runs/s  speed-up "
        f"{t1 / t2:.2f}x over 1 worker (identical output: {same}); load "
        f"average {load:.1f} on {os.cpu_count()} cores shared with other jobs"
    )


if __name__ == "__main__":
    main()
