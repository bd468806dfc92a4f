"""The sum-of-exponentials nonlinear kernel at U = 1 against the retired
exponential one (issue 15): one log-likelihood + gradient evaluation, softplus
and relu, interleaved A/B calls (the machine is shared, so old and new alternate
in ABBA order every round and the medians are compared). Then the same kernel
at U = 2 against its own version at ``BASELINE`` (SumExpHawkes must not pay
for the U = 1 path). Last, the identity link's one Hessian (issue 15): the
fused log-likelihood + gradient + Hessian pass of the sum-of-exponentials
kernel at U = 1 against the retired Hessian-only ``exp_hessian_seg``, and at
U = 2 against its version at ``IDENTITY_BASELINE``.

The baselines, ``nonlinear_loglik_grad`` and ``sumexp_nonlinear_loglik_grad``,
are read from the commit that still had the first (``BASELINE``, via ``git
show``) into temporary modules, so the comparison stays reproducible.

Usage::

    python benchmarks/hawkes_u1.py                # D = 10, N ~ 30,000, 40 rounds
    python benchmarks/hawkes_u1.py --dims 2 10 --rounds 60
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from functools import partial

import numpy as np

from titfortat.dynamics import HawkesSimulator
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_loglik_grad_hess_seg
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    NO_CUM,
    sumexp_nonlinear_loglik_grad,
)

BASELINE = "1975ba1"  # last commit with _loglik.nonlinear_loglik_grad
IDENTITY_BASELINE = "2b10480"  # last commit with _loglik.exp_hessian_seg
_PATH = "src/titfortat/dynamics/hawkes/_loglik.py"


def _old_module(path: str, name: str, commit: str = BASELINE):
    root = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    ).stdout.strip()
    src = subprocess.run(
        ["git", "show", f"{commit}:src/titfortat/dynamics/hawkes/{path}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    ).stdout
    file = os.path.join(tempfile.mkdtemp(prefix="hawkes_u1_"), f"{name}.py")
    with open(file, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location(name, file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _ab(run_old, run_new, rounds: int) -> tuple[float, float, float, float]:
    """Medians (ms) of interleaved calls and the relative differences."""
    (l0, g0), (l1, g1) = run_old(), run_new()  # compile / load cache
    dll = abs(l1 - l0) / abs(l0)
    dg = float(np.max(np.abs(g1 - g0) / np.maximum(np.abs(g0), 1.0)))
    return *_medians(run_old, run_new, rounds), dll, dg


def _medians(run_old, run_new, rounds: int) -> tuple[float, float]:
    """Medians (ms) of calls alternated in ABBA order."""
    t_old, t_new = [], []
    for r in range(rounds):
        pair = (run_old, run_new) if r % 2 == 0 else (run_new, run_old)
        for f in pair:
            t0 = time.perf_counter()
            f()
            (t_old if f is run_old else t_new).append(time.perf_counter() - t0)
    return float(np.median(t_old)) * 1e3, float(np.median(t_new)) * 1e3


def main(dims: list[int], n_events: float, rounds: int) -> None:
    old = _old_module("_loglik.py", "_old_loglik").nonlinear_loglik_grad
    old_sumexp = _old_module(
        "_loglik_sumexp_nonlinear.py", "_old_sumexp"
    ).sumexp_nonlinear_loglik_grad
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    for d in dims:
        mu = np.full(d, 1.0 / d)
        adj = np.full((d, d), 0.5 / d)
        end = n_events / (mu.sum() / 0.5)  # stationary rate sum(mu) / (1 - 0.5)
        arrays = HawkesSimulator(mu, adj, 1.0, end_time=end, rng=1).run_arrays()
        times, marks = merge_events(arrays)
        inhib = adj.copy()
        inhib[0, 1] = -0.3  # node 0's predictor crosses the relu floor
        x = np.concatenate([mu, inhib.ravel(), [1.0]])
        # U = 2: a fast inhibition and a slow excitation on every pair.
        x2 = np.concatenate(
            [mu, np.stack([inhib, 0.3 * adj], axis=-1).ravel(), [1.0, 0.2]]
        )
        for name, code in (("softplus", 1), ("relu", 2)):
            args1 = (x, times, marks, end, d, 1, code, True)
            mo, mn, dll, dg = _ab(
                partial(old, times, marks, end, mu, inhib, 1.0, True, code),
                # The package's call: all ten arguments (see NO_CUM).
                partial(sumexp_nonlinear_loglik_grad, *args1, -1, NO_CUM),
                rounds,
            )
            print(
                f"D={d} N={times.size:,} {name} U=1: exp kernel {mo:.2f} ms, "
                f"sumexp kernel {mn:.2f} ms, ratio {mn / mo:.3f} "
                f"(rel diff ll {dll:.1e}, grad {dg:.1e})"
            )
            args = (x2, times, marks, end, d, 2, code, True)
            mo, mn, dll, dg = _ab(
                partial(old_sumexp, *args),
                partial(sumexp_nonlinear_loglik_grad, *args, -1, NO_CUM),
                max(rounds // 4, 3),
            )
            print(
                f"D={d} N={times.size:,} {name} U=2: at {BASELINE} {mo:.2f} ms, "
                f"now {mn:.2f} ms, ratio {mn / mo:.3f} "
                f"(rel diff ll {dll:.1e}, grad {dg:.1e})"
            )
        identity(d, times, marks, end, x, x2, rounds)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


def identity(d, times, marks, end, x, x2, rounds: int) -> None:
    """The fused identity-link pass against the retired Hessian-only pass
    (U = 1) and against itself at ``IDENTITY_BASELINE`` (U = 2)."""
    old1 = _old_module("_loglik.py", "_old_id1", IDENTITY_BASELINE).exp_hessian_seg
    old2 = _old_module(
        "_loglik_sumexp.py", "_old_id2", IDENTITY_BASELINE
    ).sumexp_loglik_grad_hess
    x = np.abs(x)  # the identity link needs non-negative excitation
    x2 = np.abs(x2)
    adj = x[d:-1].reshape(d, d)
    cases = (
        (
            "U=1: exp_hessian_seg (Hessian only)",
            partial(old1, times, marks, marks, end, x[:d], adj, x[-1]),
            partial(sumexp_loglik_grad_hess_seg, x, times, marks, marks, end, d, 1),
        ),
        (
            f"U=2: at {IDENTITY_BASELINE}",
            partial(old2, x2, times, marks, end, d, 2),
            partial(sumexp_loglik_grad_hess_seg, x2, times, marks, marks, end, d, 2),
        ),
    )
    for label, run_old, run_new in cases:
        h0 = run_old()
        h0 = h0 if isinstance(h0, np.ndarray) else h0[2]
        h1 = run_new()[2]
        dh = float(np.max(np.abs(h1 - h0)) / np.max(np.abs(h0)))
        mo, mn = _medians(run_old, run_new, rounds)
        print(
            f"D={d} N={times.size:,} identity {label} {mo:.2f} ms, fused ll + "
            f"gradient + Hessian {mn:.2f} ms, ratio {mn / mo:.3f} (rel diff "
            f"Hessian {dh:.1e})"
        )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dims", type=int, nargs="+", default=[10])
    p.add_argument("--n-events", type=float, default=3e4)
    p.add_argument("--rounds", type=int, default=40)
    a = p.parse_args()
    main(a.dims, a.n_events, a.rounds)
