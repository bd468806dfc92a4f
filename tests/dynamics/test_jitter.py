"""Explicit jitter for day-resolution data: helper, estimator option, bias."""

from __future__ import annotations

import _hawkes_reference as ref
import numpy as np
import pytest

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
    jitter_times,
)
from titfortat.exceptions import DataError

DAYS = [np.array([0.0, 0.0, 0.0, 2.0, 5.0, 5.0]), np.array([1.0, 2.0, 2.0, 7.0])]


def test_jitter_times_stays_in_its_day_and_is_seeded():
    out = jitter_times(DAYS, rng=3)
    again = jitter_times(DAYS, rng=3)
    other = jitter_times(DAYS, rng=4)
    for o, a, b, d in zip(out, again, other, DAYS, strict=True):
        np.testing.assert_array_equal(o, a)
        assert not np.array_equal(o, b)
        np.testing.assert_array_equal(np.floor(o), d)  # same day, sorted input
        assert np.all(np.diff(o) > 0)  # ties broken
    both = np.concatenate(out)
    assert np.unique(both).size == both.size
    # Containers are preserved: dict and a single array.
    as_dict = jitter_times({"a": DAYS[0]}, rng=0)
    assert list(as_dict) == ["a"] and as_dict["a"].shape == (6,)
    single = jitter_times(DAYS[0], rng=0)
    assert isinstance(single, np.ndarray) and single.shape == (6,)
    # Weekly bins: spread over [7k, 7k + 7).
    weeks = jitter_times([np.array([0.0, 7.0, 7.0])], rng=1, scale=7.0)[0]
    np.testing.assert_array_equal(np.floor(weeks / 7.0), [0.0, 1.0, 1.0])
    assert weeks.max() - 7.0 > 0.0 and np.ptp(weeks[1:]) > 0


def test_jitter_times_rejects_continuous_times_and_bad_scale():
    with pytest.raises(DataError, match="Node '1' has 1 times off the grid"):
        jitter_times([np.array([1.0]), np.array([0.0, 2.5])])
    with pytest.raises(ValueError, match="scale must be a positive bin width"):
        jitter_times(DAYS, scale=0.0)


def test_exp_hawkes_jitter_option():
    # No DataQualityWarning (filterwarnings=error would fail the test).
    model = ExpHawkes(decay=1.0, tie_breaking="jitter", rng=5).fit(DAYS)
    assert model.end_time_ == 8.0  # end of the last day, not the last stamp
    assert np.all(np.diff(model._times) > 0)
    # Same seed, same jittered data: the option equals the helper.
    manual = ExpHawkes(decay=1.0, rng=5).fit(jitter_times(DAYS, rng=5), end_time=8.0)
    np.testing.assert_allclose(model.results_.params, manual.results_.params)
    # An int rng reproduces the jitter in score.
    assert model.score(DAYS) == pytest.approx(model.results_.log_likelihood)
    with pytest.raises(DataError, match="must cover the whole last day"):
        ExpHawkes(decay=1.0, tie_breaking="jitter", rng=5).fit(DAYS, end_time=7.5)
    with pytest.raises(ValueError, match="'tie_breaking' parameter of ExpHawkes"):
        ExpHawkes(tie_breaking="drop").fit(DAYS)


def _day_data(beta, seed, end=20000.0):
    arrays = HawkesSimulator([0.5], [[0.5]], beta, end_time=end, rng=seed).run_arrays()
    return arrays, [np.floor(a) for a in arrays]


def test_jitter_bias_slow_kernel_is_negligible():
    # Mean delay 5 days: jittering within the day barely moves the events
    # relative to the kernel, and the truth lies in the joint 95% region.
    _, days = _day_data(0.2, seed=0)
    model = ExpHawkes(n_starts=1, tie_breaking="jitter", rng=0).fit(days)
    ref.assert_in_confidence_region(model.results_, np.array([0.5, 0.5, 0.2]))


def test_jitter_bias_fast_kernel_direction():
    # Mean delay half a day. Measured (benchmarks/hawkes_jitter.py): the
    # jittered fit keeps alpha (the branching ratio) but widens the kernel, so
    # the decay is biased DOWN; BinnedHawkes cannot see same-day offspring, so
    # its alpha is biased DOWN instead. The exact-time fit is the control.
    arrays, days = _day_data(2.0, seed=1)
    exact = ExpHawkes(n_starts=1).fit(arrays, end_time=20000.0)
    ref.assert_in_confidence_region(exact.results_, np.array([0.5, 0.5, 2.0]))
    jit = ExpHawkes(n_starts=1, tie_breaking="jitter", rng=1).fit(
        days, end_time=20000.0
    )
    ci = jit.results_.conf_int(0.05)
    assert ci.loc["decay", "ci_upper"] < 2.0, ci  # decay biased down
    assert jit.decay_ < 0.85 * 2.0
    assert ci.loc["alpha[0<-0]", "ci_lower"] < 0.5 < ci.loc["alpha[0<-0]", "ci_upper"]
    # The binned decay is not identified when nearly all offspring fall on the
    # same or the next day (its MLE runs off to infinity), so it is fixed.
    binned = BinnedHawkes(n_starts=1, decay=2.0).fit(days)
    cib = binned.results_.conf_int(0.05)
    assert cib.loc["alpha[0<-0]", "ci_upper"] < 0.5, cib  # alpha biased down


def test_bootstrap_of_a_jittered_fit_redoes_the_day_stamps():
    _, days = _day_data(0.5, seed=2, end=600.0)
    model = ExpHawkes(n_starts=1, tie_breaking="jitter", rng=0).fit(days)
    draws = model.bootstrap(n_boot=5).bootstrap_draws
    assert draws.shape == (5, 3)
    # Each refit jittered day-stamped simulations (off-grid times would have
    # raised), and the draws vary around the estimate.
    sd = draws["decay"].std()
    se = model.results_.std_err["decay"]
    assert 0.2 * se < sd < 3.0 * se
    est = model.results_.params["alpha[0<-0]"]
    assert abs(draws["alpha[0<-0]"].mean() - est) < 0.2


def test_jitter_on_day_count_data_overstates_alpha():
    # Data from the day-count model itself (no offspring on the parent's
    # day). BinnedHawkes is exact here; the jittered continuous fit reads
    # next-day offspring as excitation at sub-day to two-day delays and
    # overstates alpha (measured +3% to +8%, benchmarks/hawkes_jitter.py).
    y = BinnedHawkesSimulator([0.5], [[0.5]], 2.0, n_bins=20000, rng=4).run_counts()
    binned = BinnedHawkes(rng=0).fit(y)
    ref.assert_in_confidence_region(binned.results_, np.array([0.5, 0.5, 2.0]))
    days = [np.repeat(np.arange(y.shape[0]), y[:, 0]).astype(float)]
    jit = ExpHawkes(n_starts=1, tie_breaking="jitter", rng=4).fit(days)
    assert jit.adjacency_[0, 0] > binned.adjacency_[0, 0]
    assert jit.results_.conf_int(0.05).loc["alpha[0<-0]", "ci_lower"] > 0.5
