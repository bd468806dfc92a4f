"""Profile-likelihood and parametric-bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
)


def test_profile_bounds_sit_at_the_chi2_cutoff():
    arrays = HawkesSimulator(
        [0.5, 0.3], [[0.3, 0.2], [0.4, 0.1]], 1.5, end_time=3000.0, rng=5
    ).run_arrays()
    model = ExpHawkes(n_starts=1, rng=0).fit(arrays)
    name = "alpha[1<-0]"
    prof = model.profile_conf_int([name], alpha=0.05)
    lo, hi = prof.loc[name]
    # The truth (0.4) lies inside, and the interval is no wider than three
    # Wald widths (a search that ran off would not be).
    assert lo < 0.4 < hi
    wald = model.results_.conf_int().loc[name]
    assert hi - lo < 3 * (wald["ci_upper"] - wald["ci_lower"])
    # At each bound the constrained maximum is chi2(1, 0.95) / 2 below the MLE.
    d, p = 2, 2 + 1 * 2 + 0
    for bound in (lo, hi):
        x0 = model._x.copy()
        x0[p] = bound
        free = model._free.copy()
        free[p] = False
        _, ll0, _ = model._spec.optimize(
            model._times, model._marks, model.end_time_, d, [x0], free
        )
        drop = 2 * (model.results_.log_likelihood - ll0)
        assert drop == pytest.approx(stats.chi2.ppf(0.95, 1), abs=0.02)
    # With thousands of events the profile and Wald intervals nearly agree.
    wald = model.results_.conf_int(0.05).loc[name]
    assert abs(lo - wald["ci_lower"]) < 0.2 * (hi - lo)
    assert abs(hi - wald["ci_upper"]) < 0.2 * (hi - lo)


def test_bootstrap_intervals():
    y = BinnedHawkesSimulator(
        [0.6, 0.4], [[0.3, 0.0], [0.3, 0.2]], 0.3, n_bins=1500, rng=1
    ).run_counts()
    model = BinnedHawkes(n_starts=1, rng=3).fit(y)
    boot = model.bootstrap(n_boot=40)
    assert boot.bootstrap_draws.shape == (40, model.results_.params.size)
    ci = boot.conf_int(0.1, method="bootstrap")
    est = model.results_.params
    inside = (ci["ci_lower"] <= est) & (est <= ci["ci_upper"])
    # The estimate lies inside its own 90% percentile interval for the
    # well-identified parameters (baselines and the nonzero alphas).
    assert inside[["mu[0]", "mu[1]", "alpha[0<-0]", "alpha[1<-0]"]].all(), ci
    # Bootstrap spread is close to the Wald standard error.
    sd = boot.bootstrap_draws["alpha[1<-0]"].std()
    assert sd == pytest.approx(model.results_.std_err["alpha[1<-0]"], rel=0.5)


def test_exp_bootstrap_runs_and_is_seeded():
    arrays = HawkesSimulator([0.5], [[0.3]], 1.0, end_time=500.0, rng=2).run_arrays()
    a = ExpHawkes(decay=1.0, n_starts=1, rng=7).fit(arrays).bootstrap(n_boot=5)
    b = ExpHawkes(decay=1.0, n_starts=1, rng=7).fit(arrays).bootstrap(n_boot=5)
    np.testing.assert_array_equal(a.bootstrap_draws, b.bootstrap_draws)
    # Five refits spread like the Wald error (a bootstrap that reused one
    # sample, or did not refit, would give 0 or a wild spread).
    sd = a.bootstrap_draws["alpha[0<-0]"].std()
    se = ExpHawkes(decay=1.0, n_starts=1, rng=7).fit(arrays).results_.std_err
    assert 0.25 * se["alpha[0<-0]"] < sd < 2.5 * se["alpha[0<-0]"]
