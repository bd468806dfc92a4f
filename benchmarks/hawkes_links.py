"""One log-likelihood + gradient evaluation per link, N = 1e5 events.

Identity is O(N D); softplus and relu are O(N D^2) because every node's
compensator changes after every event; relu's compensator is closed-form
while softplus needs Gauss-Legendre quadrature on each gap.

Usage::

    python benchmarks/hawkes_links.py
"""

from __future__ import annotations

import time

import numpy as np

from titfortat.dynamics import HawkesSimulator
from titfortat.dynamics._events import merge_events
from titfortat.dynamics.hawkes._loglik import exp_loglik_grad
from titfortat.dynamics.hawkes._loglik_sumexp_nonlinear import (
    sumexp_nonlinear_loglik_grad,
)


def _nonlinear(code):
    # ExpHawkes' softplus (1) and relu (2) pass: the sum-of-exponentials
    # kernel at U = 1, whose layout [mu, alpha (D, D, 1), beta] is [mu, A, beta].
    def kern(times, marks, end, mu, adj, beta, with_grad):
        x = np.concatenate([mu, adj.ravel(), [beta]])
        return sumexp_nonlinear_loglik_grad(
            x, times, marks, end, mu.size, 1, code, with_grad
        )

    return kern


def main(n_events: float = 1e5, repeats: int = 5) -> None:
    for d in (2, 10):
        mu = np.full(d, 1.0 / d)
        adj = np.full((d, d), 0.5 / d)
        end = n_events / (mu.sum() / 0.5)  # stationary rate sum(mu) / (1 - 0.5)
        arrays = HawkesSimulator(mu, adj, 1.0, end_time=end, rng=1).run_arrays()
        times, marks = merge_events(arrays)
        inhib = adj.copy()
        inhib[0, 1] = -0.3
        out = []
        for name, kern, a in [
            ("identity", exp_loglik_grad, adj),
            ("softplus", _nonlinear(1), inhib),
            ("relu", _nonlinear(2), inhib),
        ]:
            kern(times, marks, end, mu, a, 1.0, True)  # compile / load cache
            t0 = time.perf_counter()
            for _ in range(repeats):
                kern(times, marks, end, mu, a, 1.0, True)
            out.append(f"{name} {(time.perf_counter() - t0) / repeats * 1e3:.1f} ms")
        print(f"D={d}, N={times.size:,}: " + ", ".join(out))


if __name__ == "__main__":
    main()
