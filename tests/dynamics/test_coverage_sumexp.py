"""Slow coverage study: SumExpHawkes with learned decays, 95% Wald intervals
over 200 simulated data sets.

Run with ``OMP_NUM_THREADS=1 python -m pytest tests/dynamics/test_coverage_sumexp.py
-m slow -s`` (about 7 minutes on one core; the identity-link study alone
about 25 s).
"""

from __future__ import annotations

import numpy as np
import pytest

from titfortat.dynamics import HawkesSimulator, SumExpHawkes

MU = np.array([0.3, 0.2])
DECAYS = np.array([0.2, 3.0])
# adjacency[i, j, u]: every entry non-zero, so every parameter is interior.
ADJ = np.array(
    [
        [[0.15, 0.15], [0.1, 0.2]],
        [[0.25, 0.1], [0.1, 0.05]],
    ]
)
N_SETS = 200


@pytest.mark.slow
def test_wald_coverage_sumexp_learned_decays():
    truth = np.concatenate([MU, ADJ.ravel(), DECAYS])
    rng = np.random.default_rng(2025)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    n_events = np.zeros(N_SETS)
    for s in range(N_SETS):
        arrays = HawkesSimulator(
            MU, ADJ, DECAYS, end_time=20000.0, rng=rng
        ).run_arrays()
        n_events[s] = sum(a.size for a in arrays)
        # Start away from the truth; three starts (the default), as a user would.
        model = SumExpHawkes(decays=(0.5, 5.0), learn_decays=True, rng=rng)
        model.fit(arrays, end_time=20000.0)
        assert model.converged_
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    per_param = hits.mean(axis=0)
    overall = hits.mean()
    print(
        f"\nSumExpHawkes (D=2, U=2, learned decays, ~{n_events.mean():,.0f} events) "
        f"Wald 95% coverage over {N_SETS} sets: {overall:.4f}"
    )
    print(
        "per parameter:",
        {
            k: float(v)
            for k, v in zip(
                model.results_.params.index, per_param.round(3), strict=True
            )
        },
    )
    assert 0.93 <= overall <= 0.97
    # Each parameter's coverage has Monte Carlo SE ~1.5%: allow 3 SE.
    assert np.all(per_param >= 0.90)


# Inhibitory cross effect (node 1 on node 0), as in test_sumexp_nonlinear.py.
MU_N = np.array([0.5, 0.3])
DECAYS_N = np.array([0.3, 3.0])
ADJ_N = np.array(
    [
        [[0.2, 0.2], [-0.4, -0.3]],
        [[0.3, 0.2], [0.1, 0.1]],
    ]
)


@pytest.mark.slow
@pytest.mark.parametrize("link", ["softplus", "relu"])
def test_wald_coverage_sumexp_nonlinear(link):
    """Fixed decays; SEs from differences of the analytic gradient."""
    truth = np.concatenate([MU_N, ADJ_N.ravel()])
    rng = np.random.default_rng(99)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    n_events = np.zeros(N_SETS)
    for s in range(N_SETS):
        arrays = HawkesSimulator(
            MU_N, ADJ_N, DECAYS_N, end_time=3000.0, link=link, rng=rng
        ).run_arrays()
        n_events[s] = sum(a.size for a in arrays)
        model = SumExpHawkes(decays=DECAYS_N, link=link, n_starts=1, rng=rng)
        model.fit(arrays, end_time=3000.0)
        assert model.converged_
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    per_param = hits.mean(axis=0)
    overall = hits.mean()
    print(
        f"\nSumExpHawkes {link} (D=2, U=2, fixed decays, ~{n_events.mean():,.0f} "
        f"events) Wald 95% coverage over {N_SETS} sets: {overall:.4f}"
    )
    print(
        "per parameter:",
        {
            k: float(v)
            for k, v in zip(
                model.results_.params.index, per_param.round(3), strict=True
            )
        },
    )
    assert 0.93 <= overall <= 0.97
    assert np.all(per_param >= 0.90)


@pytest.mark.slow
@pytest.mark.parametrize(("link", "end"), [("softplus", 10000.0), ("relu", 15000.0)])
def test_wald_coverage_sumexp_nonlinear_learned_decays(link, end):
    """Learned decays under a nonlinear link (one start).

    Measured on a shorter window (5,800 events) softplus' slow decay
    undercovers (0.87, overall 0.934), a finite-sample skew of the decay
    estimate; at 19,400 events it has settled (0.9492). Relu sits at the low
    end of the band at every length measured: 0.936 (2,600 events), 0.943
    (7,000), 0.936 (13,200; this test), against 0.951 with the decays fixed.
    """
    truth = np.concatenate([MU_N, ADJ_N.ravel(), DECAYS_N])
    rng = np.random.default_rng(99)
    hits = np.zeros((N_SETS, truth.size), dtype=bool)
    n_events = np.zeros(N_SETS)
    for s in range(N_SETS):
        arrays = HawkesSimulator(
            MU_N, ADJ_N, DECAYS_N, end_time=end, link=link, rng=rng
        ).run_arrays()
        n_events[s] = sum(a.size for a in arrays)
        model = SumExpHawkes(
            decays=(1.0, 5.0), link=link, learn_decays=True, n_starts=1, rng=rng
        )
        model.fit(arrays, end_time=end)
        assert model.converged_
        ci = model.results_.conf_int(0.05)
        hits[s] = (ci["ci_lower"] <= truth) & (truth <= ci["ci_upper"])
    per_param = hits.mean(axis=0)
    overall = hits.mean()
    print(
        f"\nSumExpHawkes {link} (D=2, U=2, learned decays, ~{n_events.mean():,.0f} "
        f"events) Wald 95% coverage over {N_SETS} sets: {overall:.4f}"
    )
    print(
        "per parameter:",
        {
            k: float(v)
            for k, v in zip(
                model.results_.params.index, per_param.round(3), strict=True
            )
        },
    )
    assert 0.93 <= overall <= 0.97
    assert np.all(per_param >= 0.90)
