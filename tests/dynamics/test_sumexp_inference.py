"""SumExpHawkes: parametric bootstrap, and start screening on large data."""

from __future__ import annotations

import numpy as np
import pytest

from titfortat.dynamics import HawkesSimulator, SumExpHawkes


@pytest.mark.parametrize("learn", [False, True])
def test_bootstrap_spread_agrees_with_the_wald_errors(learn: bool) -> None:
    end = 4000.0
    adj = np.zeros((2, 2, 2))
    adj[..., 0] = [[0.2, 0.05], [0.2, 0.1]]
    adj[..., 1] = [[0.15, 0.05], [0.1, 0.1]]
    ev = HawkesSimulator(
        np.array([0.3, 0.2]), adj, np.array([0.3, 3.0]), end_time=end, rng=1
    ).run_arrays()
    m = SumExpHawkes(decays=(0.4, 3.0), learn_decays=learn, n_starts=1, rng=0)
    m.fit(ev, end_time=end)
    r = m.bootstrap(n_boot=60)
    draws = r.bootstrap_draws
    assert list(draws.columns) == list(m.results_.params.index)
    assert r.optimizer_info["bootstrap"]["n_boot"] == 60
    # Compare spreads where the estimate is well inside the parameter space
    # (the baselines and the larger effects); with 60 draws the bootstrap SD
    # has a relative error of about 9%, so 35% leaves room for the
    # difference between the bootstrap and the observed information.
    names = ["mu[0]", "mu[1]", "alpha[1<-0;0]"]
    sd = draws[names].std(ddof=1).to_numpy()
    se = m.results_.std_err[names].to_numpy()
    np.testing.assert_allclose(sd, se, rtol=0.35)
    ci = r.conf_int(method="bootstrap")
    est = m.results_.params
    inside = (ci["ci_lower"] <= est) & (est <= ci["ci_upper"])
    assert inside[names].all()
    if learn:
        # With about 4,000 events the decays' sampling distributions are
        # skewed and wider than the Wald errors say (bootstrap SD 0.068 and
        # 0.42 against SEs 0.042 and 0.31 here), which is what the bootstrap
        # is for; its intervals contain the true decays.
        for k, truth in enumerate((0.3, 3.0)):
            lo, hi = ci.loc[f"decay[{k}]"]
            assert lo < truth < hi


def test_starts_are_screened_on_a_stretch_of_large_data() -> None:
    adj = np.zeros((2, 2, 2))
    adj[..., 0] = [[0.2, 0.05], [0.2, 0.1]]
    adj[..., 1] = [[0.15, 0.05], [0.1, 0.1]]
    end = 50_000.0
    ev = HawkesSimulator(
        np.array([0.3, 0.2]), adj, np.array([0.3, 3.0]), end_time=end, rng=2
    ).run_arrays()
    n = sum(a.size for a in ev)
    assert n > 40_000
    three = SumExpHawkes(decays=(0.4, 3.0), learn_decays=True, n_starts=3, rng=0)
    three.fit(ev, end_time=end)
    info = three.results_.optimizer_info
    assert info["n_starts"] == 3
    # Screened on about a tenth of the events, then refined on all of them.
    assert 0.05 * n < info["starts_screened_on"] < 0.5 * n
    assert info["success"]
    one = SumExpHawkes(decays=(0.4, 3.0), learn_decays=True, n_starts=1, rng=0)
    one.fit(ev, end_time=end)
    # The screened fit finds the same maximum as a single full fit.
    assert three.results_.log_likelihood >= one.results_.log_likelihood - 1e-6
    np.testing.assert_allclose(three.decays_, one.decays_, rtol=1e-4)
    np.testing.assert_allclose(three.decays_, [0.3, 3.0], rtol=0.15)
