"""BinnedHawkes against statsmodels: with the decay fixed, each node's day
counts are a GLM with identity link on the exponentially smoothed past counts,
so statsmodels must find the same maximum (Poisson and negative binomial)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import signal

from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator

sm = pytest.importorskip("statsmodels.api")
sm_exceptions = pytest.importorskip("statsmodels.tools.sm_exceptions")

BETA = 0.4
N_PRE = 14


def _design(y: np.ndarray) -> np.ndarray:
    rho = np.exp(-BETA)
    e = signal.lfilter([0.0, 1.0 - rho], [1.0, -rho], y.astype(float), axis=0)
    return sm.add_constant(e[N_PRE:], has_constant="add")


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_fixed_decay_fit_equals_statsmodels_glm(family: str) -> None:
    kw = {"family": family, "size": [2.0, 2.0]} if family == "negbin" else {}
    y = BinnedHawkesSimulator(
        [0.8, 0.6], [[0.3, 0.1], [0.25, 0.2]], BETA, n_bins=2500, rng=3, **kw
    ).run_counts()
    m = BinnedHawkes(decay=BETA, family=family, n_presample=N_PRE, n_starts=1).fit(y)
    x = _design(y)
    for i in range(2):
        if family == "poisson":
            fam = sm.families.Poisson(link=sm.families.links.Identity())
        else:
            # The size is learned jointly; at its estimate the other
            # parameters maximise the NB2 GLM likelihood with alpha = 1/size.
            fam = sm.families.NegativeBinomial(
                alpha=1.0 / m.size_[i], link=sm.families.links.Identity()
            )
        with warnings.catch_warnings():
            # statsmodels warns that an identity link can leave the positive
            # domain; every fitted mean here is positive (checked below).
            warnings.simplefilter("ignore", sm_exceptions.DomainWarning)
            glm = sm.GLM(y[N_PRE:, i], x, family=fam).fit(
                method="newton", start_params=np.r_[0.5, 0.1, 0.1], tol=1e-12
            )
        assert (glm.fittedvalues > 0).all()
        ours = np.r_[m.baseline_[i], m.adjacency_[i]]
        np.testing.assert_allclose(ours, glm.params, rtol=5e-5, atol=1e-7)
        if family == "poisson":
            # Observed information on both sides (Newton's Hessian).
            names = [f"mu[{i}]", f"alpha[{i}<-0]", f"alpha[{i}<-1]"]
            se = m.results_.std_err[names].to_numpy()
            np.testing.assert_allclose(se, glm.bse, rtol=1e-5)
