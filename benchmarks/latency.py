"""Interactive latency: small queries as a user types them, and the cold start.

Builds a store of under 1,000 events (a fixed random sample of the bundled
Iraq 2007-08 airstrikes and insurgent attacks), then times, each in a fresh
process as a user runs them, in the default environment (no thread pinning):

* ``import titfortat.cli`` alone (the floor every command pays), and the
  libraries ``effect`` and ``hawkes`` need, imported alone (their floor);
* ``titfortat effect`` and ``titfortat hawkes`` on that store, once to warm the
  numba cache and then best of ``--repeat`` (goal: under 2 s warm);
* where the time of one warm ``effect`` goes (imports, store, event study,
  count models, Hawkes row), in-process with cProfile's cumulative times;
* the demo's effect-table step on the whole bundled data, warm (goal: under
  10 s);
* the cold start: the first Hawkes fit in a fresh process with an empty numba
  cache, and again with the cache that run left.

Each figure is printed with the load average of the moment (the machine is
shared) and, for the commands, the CPU time of the best run (user + system,
all threads): on a loaded machine the wall time is several times the CPU time.

Usage::

    python benchmarks/latency.py [--repeat 3] [--events 900]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: What ``effect`` and ``hawkes`` must import before they compute anything:
#: the CLI (typer, rich), the store (duckdb, pandas), the compiled kernels
#: (numba), the optimiser, scipy.stats (KS residual checks, count laws), and
#: for ``effect`` statsmodels' GLM and OLS (count models, Granger).
_BASE = "typer, rich.console, duckdb, pandas, numba, scipy.optimize, scipy.stats"
FLOORS = {
    "hawkes": _BASE,
    "effect": _BASE + ", statsmodels.genmod.generalized_linear_model",
}
NUMBA_FIRST_CALL = (
    "import numpy as np;"
    "from titfortat.dynamics.counts._kernels import lag_states;"
    "lag_states(np.zeros((3, 1)), 0.5)"
)
TREATMENT = "source_event_type=Airstrike"
OUTCOME = "event_type=attack"


def build_store(folder: Path, n_events: int) -> Path:
    """A store of ``n_events`` events sampled (seed 0) from the bundled data."""
    from titfortat import EventStore
    from titfortat.datasets import iraq_paths

    files = iraq_paths("2007")
    rng = np.random.default_rng(0)
    air = pd.read_csv(files["airstrikes"])
    ins = pd.read_csv(files["insurgencies"])
    n_air = n_events // 6
    air = air.iloc[np.sort(rng.choice(len(air), n_air, replace=False))]
    ins = ins.iloc[np.sort(rng.choice(len(ins), n_events - n_air, replace=False))]
    store_path = folder / "small.duckdb"
    with EventStore(store_path) as store:
        for frame, name, mapping in (
            (air, "air.csv.gz", "geocausal-airstrikes"),
            (ins, "ins.csv.gz", "geocausal-insurgencies"),
        ):
            path = folder / name
            with gzip.open(path, "wt") as fh:
                frame.to_csv(fh, index=False)
            store.ingest(path, format="table", mapping=mapping)
        n = store.count()
    print(f"store: {store_path.name}, {n} events ({n_air} airstrikes)")
    return store_path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` in a child process."""
    c0 = _children_cpu()
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return elapsed, _children_cpu() - c0


def best(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Best wall time of ``repeat`` warm runs, with that run's CPU time."""
    timed(cmd, env)  # warm the numba cache and the OS file cache
    return min(timed(cmd, env) for _ in range(repeat))


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def profile_call(store: Path, what: str) -> None:
    """Where one warm in-process ``effect_table`` or ``hawkes_table`` call
    spends its CPU time."""
    from titfortat import EventStore
    from titfortat.effects import effect_table, hawkes_table

    def call(st: EventStore) -> None:
        if what == "effect_table":
            effect_table(st, treatment=TREATMENT, outcome=OUTCOME, rng=0)
        else:
            hawkes_table(st, {"air": TREATMENT, "attack": OUTCOME})

    with EventStore(store, read_only=True) as st:
        call(st)  # warm
        # CPU time, not wall: the machine is shared.
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        call(st)
        prof.disable()
    stats = pstats.Stats(prof)
    total = max(v[3] for k, v in stats.stats.items() if k[2] == what)
    print(f"  in-process {what}, warm: {total:.2f} s CPU ({load()}); top cumulative:")
    rows = sorted(
        (
            (v[3], f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[2]}")
            for k, v in stats.stats.items()
            if "titfortat" in k[0] and k[2] not in (what, "wrapper", "<lambda>")
        ),
        reverse=True,
    )
    for cum, name in rows[:8]:
        print(f"    {cum:6.2f} s  {name}")


def demo_effect_step(repeat: int) -> tuple[float, float]:
    from titfortat.datasets import load_demo_store
    from titfortat.effects import effect_table

    store = load_demo_store()
    try:
        kwargs = dict(treatment=TREATMENT, outcome=OUTCOME, radius_km=10.0)
        effect_table(store, window_days=7, rng=0, **kwargs)  # warm
        out = []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            effect_table(store, window_days=7, rng=0, **kwargs)
            out.append((time.perf_counter() - t0, time.process_time() - c0))
    finally:
        store.close()
    return min(out)


def first_fit(cache_dir: str) -> float:
    code = (
        "import time; t0 = time.perf_counter();"
        "from titfortat.dynamics import ExpHawkes, HawkesSimulator;"
        "a = HawkesSimulator([0.5], [[0.3]], 1.0, end_time=200.0, rng=0).run_arrays();"
        "ExpHawkes(n_starts=1).fit(a); print(time.perf_counter() - t0)"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--events", type=int, default=900)
    args = ap.parse_args()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    exe = [sys.executable, "-m", "titfortat.cli"]
    if subprocess.run(exe + ["--help"], capture_output=True).returncode != 0:
        exe = ["titfortat"]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp), args.events)
        t_import, _ = best(
            [sys.executable, "-c", "import titfortat.cli"], env, args.repeat
        )
        t_effect = best(
            exe
            + ["effect", "--store", str(store), "--treatment", TREATMENT]
            + ["--outcome", OUTCOME, "--format", "json"],
            env,
            args.repeat,
        )
        t_hawkes = best(
            exe
            + ["hawkes", "--store", str(store), "--format", "json"]
            + [f"air={TREATMENT}", f"attack={OUTCOME}"],
            env,
            args.repeat,
        )
        print(f"  import titfortat.cli: {t_import:.2f} s")
        # The libraries each command cannot run without, imported alone in a
        # fresh interpreter: the floor no change inside titfortat can lower.
        for name, mods in FLOORS.items():
            wall, _ = best([sys.executable, "-c", f"import {mods}"], env, args.repeat)
            print(f"  library import floor of {name}: {wall:.2f} s ({mods})")
        # numba's first call of a cached kernel in a process initialises its
        # LLVM target (no compiling): paid once by every command that fits.
        wall, _ = best([sys.executable, "-c", NUMBA_FIRST_CALL], env, args.repeat)
        print(f"  numba import + first call of one cached kernel: {wall:.2f} s")
        for name, (wall, cpu) in (("effect", t_effect), ("hawkes", t_hawkes)):
            print(
                f"  titfortat {name} (warm): {wall:.2f} s ({cpu:.2f} s CPU; "
                f"{load()}), {2.0 / wall:.2f}x the 2 s goal"
            )
        profile_call(store, "effect_table")
        profile_call(store, "hawkes_table")
    t_demo, c_demo = demo_effect_step(args.repeat)
    print(
        f"  demo effect-table step (warm, whole bundled data): {t_demo:.2f} s "
        f"({c_demo:.2f} s CPU; {load()}), {10.0 / t_demo:.2f}x the 10 s goal"
    )
    with tempfile.TemporaryDirectory() as cache:
        cold = first_fit(cache)
        warm = first_fit(cache)
    print(
        f"  first Hawkes fit in a fresh process: empty numba cache {cold:.2f} s, "
        f"with the cache {warm:.2f} s ({load()})"
    )


if __name__ == "__main__":
    main()
