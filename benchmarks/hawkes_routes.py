"""Issue 15's fitting routes against an earlier commit: the same fits, each in
its own interpreter, the base commit's source and the working tree's
alternated round by round, in the default environment (no thread pinning).

Cases (D = 10 and N ~ 1e5 unless named otherwise):

* ``exp-fixed``: ExpHawkes, decay fixed (the concave row fit, with SEs);
* ``exp-learned-1`` / ``exp-learned-3``: ExpHawkes, decay learned, 1 or 3
  starts (the one learned-decay path, ``_sumexp_fit.fit_learned``);
* ``exp-seg3-learned-3``: the same with 3 baseline segments;
* ``sumexp-u2-learned-1``: SumExpHawkes, two learned decays;
* ``softplus-fixed-d5`` / ``relu-fixed-d5``: ExpHawkes, D = 5, N ~ 15,000,
  nonlinear link, decay fixed (now each target row on its own).

Each worker fits once to load or compile, then times ``--repeat`` fits and
prints the best; the table gives the median over rounds of each version and
the ratio new / old (below 1: faster now).

Usage::

    python benchmarks/hawkes_routes.py                 # base 568f9f8, 3 rounds
    python benchmarks/hawkes_routes.py --base 568f9f8 --rounds 5 --cases exp-fixed
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings

import numpy as np

CASES = {
    "exp-fixed": ("exp", 10, {"decay": 1.0}),
    "exp-learned-1": ("exp", 10, {"n_starts": 1}),
    "exp-learned-3": ("exp", 10, {"n_starts": 3, "rng": 0}),
    "exp-seg3-learned-3": (
        "exp",
        10,
        {"n_starts": 3, "rng": 0, "baseline_segments": 3},
    ),
    "sumexp-u2-learned-1": (
        "sumexp",
        10,
        {"decays": [0.3, 3.0], "learn_decays": True, "n_starts": 1},
    ),
    "softplus-fixed-d5": ("nonlinear", 5, {"link": "softplus", "decay": 1.0, "rng": 0}),
    "relu-fixed-d5": ("nonlinear", 5, {"link": "relu", "decay": 1.0, "rng": 0}),
}


def _data(kind: str, d: int, path: str) -> None:
    from titfortat.dynamics import HawkesSimulator

    if kind == "nonlinear":  # inhibition and excitation, 15,000 events
        rng = np.random.default_rng(1)
        adj = rng.uniform(-0.3, 0.3, (d, d))
        np.fill_diagonal(adj, 0.2)
        sim = HawkesSimulator(
            np.full(d, 0.4), adj, 1.0, end_time=2000.0, link="softplus", rng=3
        )
        end = 2000.0
    else:  # as benchmarks/hawkes.py
        rng = np.random.default_rng(d)
        mu = np.full(d, 0.5)
        adj = rng.uniform(0.0, 0.6 / d, (d, d)) + np.eye(d) * 0.2
        end = 1e5 / np.linalg.solve(np.eye(d) - adj, mu).sum()
        sim = HawkesSimulator(mu, adj, 1.0, end_time=end, rng=2)
    arrays = sim.run_arrays()
    np.savez(path, end_time=end, **{f"t{i}": a for i, a in enumerate(arrays)})


def _worker(case: str, path: str, repeat: int) -> None:
    from titfortat.dynamics import ExpHawkes, SumExpHawkes

    warnings.simplefilter("ignore")
    z = np.load(path)
    arrays = [z[f"t{i}"] for i in range(sum(k.startswith("t") for k in z.files))]
    kind, _, kwargs = CASES[case]
    cls = SumExpHawkes if kind == "sumexp" else ExpHawkes
    end = float(z["end_time"])
    model = cls(**kwargs).fit(arrays, end_time=end)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        model = cls(**kwargs).fit(arrays, end_time=end)
        best = min(best, time.perf_counter() - t0)
    ll = model.results_.log_likelihood
    print(json.dumps({"seconds": best, "ll": ll}))


def _source(base: str, root: str, into: str) -> str:
    """The base commit's ``src`` folder, unpacked under ``into``."""
    tar = os.path.join(into, "src.tar")
    subprocess.run(["git", "archive", "-o", tar, base, "src"], cwd=root, check=True)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return os.path.join(into, "src")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="568f9f8", help="commit to compare with")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=2, help="timed fits per worker")
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument(
        "--worker", nargs=2, metavar=("CASE", "DATA"), help=argparse.SUPPRESS
    )
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker[0], args.worker[1], args.repeat)
        return
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    print(f"base {args.base} against the working tree; load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        versions = {
            "old": _source(args.base, root, tmp),
            "new": os.path.join(root, "src"),
        }
        for case in args.cases:
            kind, d, _ = CASES[case]
            data = os.path.join(tmp, f"{kind}{d}.npz")
            if not os.path.exists(data):
                _data(kind, d, data)
            res: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
            for r in range(args.rounds):
                order = ("old", "new") if r % 2 == 0 else ("new", "old")
                for v in order:
                    out = subprocess.run(
                        [sys.executable, __file__, "--repeat", str(args.repeat),
                         "--worker", case, data],
                        env={**env, "PYTHONPATH": versions[v]},
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    res[v].append(json.loads(out.stdout.strip().splitlines()[-1]))
            t_old = float(np.median([x["seconds"] for x in res["old"]]))
            t_new = float(np.median([x["seconds"] for x in res["new"]]))
            dll = res["new"][0]["ll"] - res["old"][0]["ll"]
            print(
                f"  {case:<22} old {t_old:7.3f} s  new {t_new:7.3f} s  "
                f"ratio new/old {t_new / t_old:5.2f}  (ll new - old {dll:+.1e})"
            )


if __name__ == "__main__":
    main()
