"""Bias of jittered continuous-time fits on day-resolution data.

A continuous-time exponential Hawkes process (one node, mu = 0.5, alpha = 0.5)
is simulated, its times are floored to days, and three fits are compared:
``ExpHawkes`` on the exact times (reference), ``ExpHawkes`` on
``jitter_times`` of the day stamps, and ``BinnedHawkes`` on the day counts
(whose ``alpha`` is also the expected number of direct offspring). Printed:
the mean estimate over replicates with its Monte Carlo standard error.

Second table: data simulated from the day-count model itself
(``BinnedHawkesSimulator``, no same-day offspring), where ``BinnedHawkes`` is
the true model and the jittered continuous fit is the approximation.

Usage::

    python benchmarks/hawkes_jitter.py [n_reps]
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
    jitter_times,
)

MU, ALPHA, END = 0.5, 0.5, 20000.0


def one(beta: float, seed: int) -> np.ndarray:
    arrays = HawkesSimulator([MU], [[ALPHA]], beta, end_time=END, rng=seed).run_arrays()
    days = [np.floor(a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = ExpHawkes(n_starts=1).fit(arrays, end_time=END)
        jit = ExpHawkes(n_starts=1).fit(jitter_times(days, rng=seed), end_time=END)
        binned = BinnedHawkes(rng=seed).fit(days)  # 3 starts: see the notes
    return np.array(
        [
            exact.adjacency_[0, 0],
            exact.decay_,
            jit.adjacency_[0, 0],
            jit.decay_,
            jit.baseline_[0],
            binned.adjacency_[0, 0],
        ]
    )


def one_binned(beta: float, seed: int) -> np.ndarray:
    y = BinnedHawkesSimulator(
        [MU], [[ALPHA]], beta, n_bins=int(END), rng=seed
    ).run_counts()
    days = [np.repeat(np.arange(y.shape[0]), y[:, 0]).astype(float)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binned = BinnedHawkes(rng=seed).fit(y)
        jit = ExpHawkes(n_starts=1, tie_breaking="jitter", rng=seed).fit(days)
    return np.array(
        [binned.adjacency_[0, 0], binned.decay_, jit.adjacency_[0, 0], jit.decay_]
    )


def main(n_reps: int = 20) -> None:
    print(f"truth mu={MU} alpha={ALPHA}; T={END:g} days; {n_reps} replicates")
    cols = [
        "alpha exact",
        "decay exact",
        "alpha jitter",
        "decay jitter",
        "mu jitter",
        "alpha binned",
    ]
    for beta in (0.2, 0.5, 1.0, 2.0, 5.0):
        res = np.array([one(beta, s) for s in range(n_reps)])
        m, se = res.mean(0), res.std(0, ddof=1) / np.sqrt(n_reps)
        cells = "  ".join(
            f"{c} {v:.3f}±{s:.3f}" for c, v, s in zip(cols, m, se, strict=True)
        )
        print(f"decay={beta} (mean delay {1 / beta:.2g} d): {cells}")
    print("data from BinnedHawkesSimulator (no same-day offspring):")
    cols = ["alpha binned", "decay binned", "alpha jitter", "decay jitter"]
    for beta in (0.2, 0.5, 1.0, 2.0):
        res = np.array([one_binned(beta, s) for s in range(n_reps)])
        m, se = res.mean(0), res.std(0, ddof=1) / np.sqrt(n_reps)
        cells = "  ".join(
            f"{c} {v:.3f}±{s:.3f}" for c, v, s in zip(cols, m, se, strict=True)
        )
        lag = 1 / (1 - np.exp(-beta))
        print(f"decay={beta} (mean lag {lag:.2f} d): {cells}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
