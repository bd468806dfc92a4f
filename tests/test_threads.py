"""Fits run with one BLAS thread whatever the caller's setting (issue 14)."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from titfortat.dynamics import (
    BinnedHawkes,
    ExpHawkes,
    HawkesSimulator,
    SumExpHawkes,
    _optim,
)


def _blas_threads() -> set[int]:
    return {
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    }


@pytest.mark.parametrize(
    "model",
    [
        ExpHawkes(decay=1.0, n_starts=1),
        ExpHawkes(n_starts=1),
        SumExpHawkes(decays=[0.5, 2.0]),
        BinnedHawkes(decay=1.0),
    ],
    ids=["exp-fixed", "exp-learned", "sumexp", "binned"],
)
def test_fit_runs_single_threaded_and_restores(model, monkeypatch):
    arrays = HawkesSimulator(
        [0.5, 0.3], [[0.2, 0.1], [0.1, 0.2]], 1.0, end_time=400.0, rng=3
    ).run_arrays()
    seen: list[set[int]] = []
    original = _optim.covariance

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(_optim, "covariance", spy)
    for mod in (
        "titfortat.dynamics.hawkes._exp",
        "titfortat.dynamics.hawkes._exp_family",
        "titfortat.dynamics.hawkes._sumexp",
        "titfortat.dynamics.counts._binned",
    ):
        module = __import__(mod, fromlist=["_"])
        if hasattr(module, "covariance"):
            monkeypatch.setattr(module, "covariance", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        if isinstance(model, BinnedHawkes):
            model.fit(arrays)  # binned by day
        else:
            model.fit(arrays, end_time=400.0)
        after = _blas_threads()
    assert seen, "the fit never computed its covariance"
    assert all(s == {1} for s in seen), seen
    assert after == before
