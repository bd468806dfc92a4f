"""One contender of the Hawkes speed table, timed in its own interpreter.

Called by ``benchmarks/hawkes.py`` (not meant to be run by hand)::

    python benchmarks/_hawkes_contender.py CONTENDER DATA.npz REPEAT

Loads the events from ``DATA.npz`` (``t0 ... t{D-1}``, ``end_time``,
``decay``), runs the contender's fit once to compile or warm it, then
``REPEAT`` more times, and prints one JSON line: the best wall time and the
decay it found (for learned-decay fits).
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np


def _load(path: str) -> tuple[list[np.ndarray], float, float]:
    z = np.load(path)
    d = sum(1 for k in z.files if k.startswith("t"))
    arrays = [np.ascontiguousarray(z[f"t{i}"]) for i in range(d)]
    return arrays, float(z["end_time"]), float(z["decay"])


def tick_lbfgsb(
    arrays: list[np.ndarray], end_time: float, decay: float, d: int
) -> np.ndarray:
    """tick's fastest route to the fixed-decay MLE: its C++ loss and gradient
    driven by scipy's L-BFGS-B with positivity bounds (its HawkesExpKern
    learner fails on these data, see hawkes.py). Also used by hawkes.py."""
    from scipy import optimize
    from tick.hawkes import ModelHawkesExpKernLogLik

    model = ModelHawkesExpKernLogLik(decay)
    model.fit([np.ascontiguousarray(a) for a in arrays], end_time)
    res = optimize.minimize(
        lambda c: (model.loss(c), model.grad(c)),
        np.full(d + d * d, 0.1),
        jac=True,
        method="L-BFGS-B",
        bounds=[(1e-10, None)] * (d + d * d),
        options={"maxiter": 1000, "ftol": 1e-10},
    )
    return np.asarray(res.x)


def main() -> None:
    contender, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warnings.simplefilter("ignore")
    arrays, end, decay = _load(path)
    d = len(arrays)

    if contender.startswith("titfortat"):
        from titfortat.dynamics import ExpHawkes

        kind = contender.split("-", 1)[1]
        if kind == "fixed":  # full fit: MLE and standard errors

            def run() -> float:
                ExpHawkes(decay=decay, n_starts=1).fit(arrays, end_time=end)
                return float("nan")

        else:  # learned decay, the package default of three starts

            def run() -> float:
                return float(ExpHawkes().fit(arrays, end_time=end).decay_)

    elif contender == "tick":

        def run() -> float:
            tick_lbfgsb(arrays, end, decay, d)
            return float("nan")

    elif contender == "intensify":
        import intensify

        def run() -> float:
            # Starts from decay 0.5 against a true 1.0, as in issue 14.
            model = intensify.MultivariateHawkes(
                n_dims=d,
                mu=np.full(d, 0.1),
                kernel=intensify.ExponentialKernel(alpha=0.1, beta=0.5),
            )
            res = model.fit(arrays, T=end)
            kernels = res.params["kernel_matrix"]
            # intensify learns one decay per pair; the self-excitation decays
            # are the identified ones (off-diagonal alphas are small).
            return float(np.mean([kernels[i][i].beta for i in range(d)]))

    else:
        raise SystemExit(f"unknown contender {contender!r}")

    found = run()  # compile / warm up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = run()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"seconds": best, "decay": found}))


if __name__ == "__main__":
    main()
