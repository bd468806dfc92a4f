"""Fit health: ties refused, singular fits not 'converged', stability warned."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from titfortat.dynamics import BinnedHawkes, ExpHawkes
from titfortat.dynamics._optim import NEAR_UNIT_ROOT, fit_health
from titfortat.dynamics.hawkes._exp import MAX_TIED_SHARE
from titfortat.exceptions import DataError, StabilityWarning


def _day_stamped(seed: int = 0) -> list[np.ndarray]:
    g = np.random.default_rng(seed)
    # Two series of whole-day stamps, several events a day: mostly ties.
    return [
        np.sort(g.integers(0, 200, 600)).astype(float),
        np.sort(g.integers(0, 200, 400)).astype(float),
    ]


def test_exp_hawkes_refuses_day_stamped_data_and_names_the_fix():
    arrays = _day_stamped()
    with pytest.raises(DataError, match="share their time") as err:
        ExpHawkes(n_starts=1).fit(arrays, end_time=200.0)
    msg = str(err.value)
    assert "BinnedHawkes" in msg and "tie_breaking='jitter'" in msg
    assert f"at most {MAX_TIED_SHARE:.0%}" in msg
    # The two fixes it names both work on the same data.
    jittered = ExpHawkes(decay=1.0, n_starts=1, tie_breaking="jitter", rng=0).fit(
        arrays
    )
    assert jittered.converged_
    assert jittered.results_.log_likelihood < 0


def test_tie_threshold_is_the_stated_share():
    # 75 distinct times plus k repeats of some of them: k ties of 75 + k.
    base = np.arange(75, dtype=float) * 4.0
    for k, refused in ((25, False), (26, True)):
        times = np.sort(np.concatenate([base, base[:k]]))
        share = np.sum(np.diff(times) == 0) / times.size
        assert (share > MAX_TIED_SHARE) == refused
        model = ExpHawkes(decay=1.0, n_starts=1)
        if refused:
            with pytest.raises(DataError, match="26 of 101 events"):
                model.fit([times], end_time=400.0)
        else:
            with pytest.warns(UserWarning, match="25 events share their time"):
                model.fit([times], end_time=400.0)


def test_fit_health_rules():
    free = np.array([True, True, False])
    ok = {"success": True, "message": "ok"}
    good = np.diag([0.1, 0.2, np.nan])
    assert fit_health("M", dict(ok), good, free, radius=0.5)
    # A singular information matrix (every free SE NaN) is not converged,
    # even when the optimiser reported success.
    info = dict(ok)
    assert not fit_health("M", info, np.full((3, 3), np.nan), free, radius=0.5)
    assert info["health"] == ["the observed information is singular"]
    info = {"success": False, "message": "ABNORMAL"}
    assert not fit_health("M", info, good, free, radius=0.5)
    assert info["health"] == ["optimiser: ABNORMAL"]
    with pytest.warns(StabilityWarning, match="spectral radius"):
        fit_health("M", dict(ok), good, free, radius=1 - NEAR_UNIT_ROOT)


def test_binned_hawkes_warns_near_the_unit_root():
    from titfortat.dynamics import BinnedHawkesSimulator

    y = BinnedHawkesSimulator([0.05], [[0.99]], 0.5, n_bins=3000, rng=3).run_counts()
    model = BinnedHawkes(family="poisson", decay=0.5, n_starts=1)
    with pytest.warns(StabilityWarning, match="within 0.02 of 1"):
        model.fit(y)
    assert model.spectral_radius() >= 1 - NEAR_UNIT_ROOT


def test_fit_warnings_are_kept_on_the_model_and_still_issued():
    import pandas as pd

    from titfortat.exceptions import HessianWarning

    frame = pd.DataFrame(
        {
            "date": ["2007-01-01"] * 3 + ["2007-01-05", "2007-01-05"] + ["2007-03-01"],
            "type": ["IED", "IED", "SAF", "SAF", "IED", "IED"],
        }
    )
    model = BinnedHawkes(n_presample=0, decay=0.5, n_starts=1)
    with pytest.warns(HessianWarning, match="sit on their lower bound"):
        model.fit(frame)
    assert len(model.warnings_) >= 1
    assert model.warnings_[0].startswith("HessianWarning: ")
    assert "sit on their lower bound" in model.warnings_[0]
    # A clean fit keeps an empty list (refitting replaces it).
    from titfortat.dynamics import BinnedHawkesSimulator

    y = BinnedHawkesSimulator([0.8], [[0.3]], 0.5, n_bins=800, rng=1).run_counts()
    model.set_params(n_presample=5).fit(y)
    assert model.warnings_ == []


def test_stability_warning_above_one_says_explosive():
    from titfortat.dynamics import BinnedHawkesSimulator

    y = BinnedHawkesSimulator([0.05], [[0.99]], 0.5, n_bins=3000, rng=3).run_counts()
    model = BinnedHawkes(family="poisson", decay=0.5, n_starts=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(y)
    (w,) = [w for w in caught if issubclass(w.category, StabilityWarning)]
    radius = model.spectral_radius()
    want = "at or above 1" if radius >= 1 else "within 0.02 of 1"
    assert want in str(w.message)


def test_exp_hawkes_sees_a_restricted_fit_above_its_maximum():
    """ExpHawkes' LR test and profile warn, as BinnedHawkes' do, when the
    reported maximum lies below a restricted fit (a local optimum)."""
    import dataclasses

    from titfortat.dynamics import ExpHawkes, HawkesSimulator
    from titfortat.exceptions import ConvergenceWarning

    sim = HawkesSimulator(
        [0.5, 0.5], [[0.3, 0.0], [0.2, 0.2]], 1.0, end_time=400.0, rng=2
    )
    m = ExpHawkes(n_starts=1).fit(sim.run_arrays())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        honest = m.lr_test(0, 1)  # the honest fit: no warning
        m.profile_conf_int(["alpha[0<-1]"])
    below = honest.ll_restricted - 1.0
    m.results_ = dataclasses.replace(m.results_, log_likelihood=below)
    with pytest.warns(ConvergenceWarning, match="local optimum"):
        m.lr_test(0, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.profile_conf_int(["alpha[0<-1]"])
    assert sum("local optimum" in str(w.message) for w in caught) == 1
