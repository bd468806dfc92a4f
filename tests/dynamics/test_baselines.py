"""The declared baselines: mu(t) and its integral agree, names and
validation, for every kind (constant, segments, step covariates, spline)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from titfortat.dynamics.hawkes.baselines import Baseline

END = 100.0
KINDS = {
    "constant": (1, 0, None),
    "segments": (4, 0, None),
    "steps": (1, 0, {"truce": [(20.0, 35.0)], "surge": [(30.0, 60.0)]}),
    "spline": (1, 5, None),
    "steps+spline": (1, 6, {"truce": [(20.0, 35.0)]}),
}


def _params(base: Baseline, d: int, rng: np.random.Generator):
    mu = rng.uniform(0.5, 1.0, base.segments * d)
    return mu, rng.uniform(-0.3, 0.3, (d, base.n_terms))


@pytest.mark.parametrize("kind", list(KINDS))
def test_integral_is_the_integral_of_the_rate(kind):
    segments, df, exog = KINDS[kind]
    base = Baseline.build(segments, df, exog, END)
    assert base.varying == (kind != "constant")
    mu, gamma = _params(base, 2, np.random.default_rng(0))
    t = np.array([0.0, 7.5, 25.0, 33.3, 80.0, 100.0])
    for node in (0, 1):
        nodes = np.full(t.size, node)
        got = base.integral(mu, gamma, t, nodes)

        def rate(s: float, node: int = node) -> float:
            return float(base.at(mu, gamma, np.array([s]), np.array([node]))[0])

        # Quadrature with every break point of the baseline as a point.
        brk = [20.0, 25.0, 30.0, 35.0, 50.0, 60.0, 75.0]
        want = [
            integrate.quad(rate, 0.0, b, points=[p for p in brk if p < b] or None,
                           limit=200, epsabs=1e-11)[0] if b > 0 else 0.0
            for b in t
        ]  # fmt: skip
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)


def test_names_and_validation():
    base = Baseline.build(3, 0, None, END)
    assert base.names(["a", "b"]) == (
        ["mu[a,0]", "mu[b,0]", "mu[a,1]", "mu[b,1]", "mu[a,2]", "mu[b,2]"],
        [],
    )
    steps = Baseline.build(1, 0, {"truce": [(1.0, 2.0)]}, END)
    assert steps.names(["a"]) == (["mu[a]"], ["gamma[a,truce]"])
    with pytest.raises(ValueError, match="at least 4"):
        Baseline.build(1, 3, None, END)
    with pytest.raises(ValueError, match="baseline_segments=1"):
        Baseline.build(2, 0, {"truce": [(1.0, 2.0)]}, END)
