"""BinnedHawkes diagnostics: randomised PIT residuals and profile intervals."""

from __future__ import annotations

import numpy as np
import pytest

from titfortat.dynamics import BinnedHawkes, BinnedHawkesSimulator

MU = [0.8, 0.5]
ADJ = [[0.3, 0.0], [0.25, 0.2]]
BETA = 0.4


def _negbin_counts(seed: int, n_bins: int = 1500) -> np.ndarray:
    sim = BinnedHawkesSimulator(
        MU, ADJ, BETA, n_bins=n_bins, family="negbin", size=[1.5, 1.5], rng=seed
    )
    return sim.run_counts()


def test_pit_residuals_accept_the_true_family_and_reject_a_wrong_one() -> None:
    y = _negbin_counts(11)
    right = BinnedHawkes(family="negbin", n_starts=1, rng=0).fit(y)
    wrong = BinnedHawkes(family="poisson", n_starts=1, rng=0).fit(y)
    ks_right = right.residuals().ks_test()
    ks_wrong = wrong.residuals().ks_test()
    # Overdispersed counts (size 1.5) fitted as Poisson give too many
    # residuals near 0 and 1: the KS test must see it.
    assert (ks_wrong["p_value"] < 1e-4).all()
    assert (ks_right["p_value"] > 0.01).all()
    r = right.residuals(rng=5)
    u = r.residuals["0"]
    assert u.size == y.shape[0] - right.n_presample
    assert ((0.0 <= u) & (u <= 1.0)).all()
    assert r.distribution == "uniform"
    qq = r.qq("1")
    assert len(qq) == u.size


def test_pit_residuals_are_uniform_under_the_model_over_replicates() -> None:
    # Under a correctly specified model the KS p-values are themselves
    # roughly uniform: at the 5% level about 1 in 20 rejects.
    rejections = 0
    for seed in range(20):
        y = BinnedHawkesSimulator(
            MU, ADJ, BETA, n_bins=800, rng=100 + seed
        ).run_counts()
        m = BinnedHawkes(n_starts=1, rng=seed).fit(y)
        rejections += int((m.residuals().ks_test()["p_value"] < 0.05).sum())
    # 40 tests at 5%: Binomial(40, 0.05) exceeds 7 with probability < 0.5%.
    assert rejections <= 7


def test_profile_interval_contains_truth_and_is_close_to_wald_in_large_samples() -> (
    None
):
    y = BinnedHawkesSimulator(MU, ADJ, BETA, n_bins=4000, rng=3).run_counts()
    m = BinnedHawkes(n_starts=1, rng=0).fit(y)
    names = ["alpha[1<-0]", "alpha[0<-0]", "decay"]
    prof = m.profile_conf_int(names)
    wald = m.conf_int().loc[names]
    truth = {"alpha[1<-0]": 0.25, "alpha[0<-0]": 0.3, "decay": BETA}
    for name in names:
        lo, hi = prof.loc[name]
        assert lo < m.results_.params[name] < hi
        # The estimator is consistent, so with 4,000 days each interval should
        # contain its truth (jointly at least 1 - 3 * 0.05 = 85%).
        assert lo < truth[name] < hi, name
        width_w = wald.loc[name, "ci_upper"] - wald.loc[name, "ci_lower"]
        # With 4,000 bins the likelihood is close to quadratic.
        assert (hi - lo) == pytest.approx(width_w, rel=0.25)


def test_profile_interval_stops_at_zero_for_an_absent_excitation() -> None:
    y = BinnedHawkesSimulator(MU, ADJ, BETA, n_bins=1500, rng=8).run_counts()
    m = BinnedHawkes(n_starts=1, rng=0).fit(y)
    lo, hi = m.profile_conf_int(["alpha[0<-1]"]).loc["alpha[0<-1]"]
    # The true effect of node 1 on node 0 is 0, on the boundary: the profile
    # interval must start at the boundary and reach above 0.
    assert lo == 0.0
    assert hi > 0.0
    with pytest.raises(ValueError, match="Unknown parameter"):
        m.profile_conf_int(["alpha[x<-y]"])
