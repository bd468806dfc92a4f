"""The estimator contract, run over every titfortat estimator."""

from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pytest

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
    SumExpHawkes,
)
from titfortat.exceptions import NotFittedError
from titfortat.results import FitResult

COLUMNS = ["estimate", "std_err", "ci_lower", "ci_upper", "z", "p_value"]


def _hawkes_data():
    return HawkesSimulator(
        [0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 1.0, end_time=300.0, rng=0
    ).run_arrays()


def _daily_hawkes_data():
    # Day-stamped times (many ties), for the jittered continuous-time fit.
    import numpy as np

    return [np.floor(t) for t in _hawkes_data()]


def _binned_data():
    return BinnedHawkesSimulator(
        [0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 0.3, n_bins=400, rng=0
    ).run()


CASES = [
    (ExpHawkes, {"n_starts": 1, "rng": 0}, _hawkes_data),
    (ExpHawkes, {"n_starts": 1, "link": "softplus", "decay": 1.0}, _hawkes_data),
    (BinnedHawkes, {"n_starts": 1, "rng": 0}, _binned_data),
    (BinnedHawkes, {"n_starts": 1, "family": "negbin", "rng": 0}, _binned_data),
    (SumExpHawkes, {"decays": (0.5, 3.0), "max_iter": 200}, _hawkes_data),
    (ExpHawkes, {"n_starts": 1, "link": "relu", "decay": 1.0}, _hawkes_data),
    (
        ExpHawkes,
        {"n_starts": 1, "tie_breaking": "jitter", "rng": 0},
        _daily_hawkes_data,
    ),
    (
        ExpHawkes,
        {"n_starts": 1, "link": "softplus", "decay": 1.0, "baseline_spline_df": 4},
        _hawkes_data,
    ),
    (
        ExpHawkes,
        {"n_starts": 1, "link": "relu", "decay": 1.0, "baseline_segments": 2},
        _hawkes_data,
    ),
    (SumExpHawkes, {"decays": (0.5, 3.0), "link": "softplus", "rng": 0}, _hawkes_data),
    (
        SumExpHawkes,
        {"decays": (0.5, 3.0), "learn_decays": True, "n_starts": 2, "rng": 0},
        _hawkes_data,
    ),
]
IDS = [
    "exp",
    "exp-softplus",
    "binned",
    "binned-negbin",
    "sumexp",
    "exp-relu",
    "exp-jitter",
    "exp-softplus-spline",
    "exp-relu-segments",
    "sumexp-softplus",
    "sumexp-learned",
]


@pytest.mark.parametrize(("cls", "params", "data"), CASES, ids=IDS)
def test_contract(cls, params, data):
    est = cls(**params)
    assert all(est.get_params()[k] is v for k, v in params.items())
    assert "not fitted" in repr(est)
    for attr in ("baseline_", "adjacency_", "results_"):
        with pytest.raises(NotFittedError):
            getattr(est, attr)
    with pytest.raises(NotFittedError):
        est.summary()
    x = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence on tiny toy data is not the point
        assert est.fit(x) is est
    assert "fitted: 2 nodes" in repr(est)
    assert est.adjacency_.shape[:2] == (2, 2)
    assert list(est.summary().table.columns) == COLUMNS
    first = est.results_.params.copy()
    # clone via get_params, refit: same answer (deterministic with fixed rng).
    other = cls(**est.get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other.fit(x)
    np.testing.assert_allclose(other.results_.params, first, rtol=1e-6)
    assert np.isfinite(est.score(x))
    as_json = json.loads(json.dumps(est.results_.to_dict()))
    np.testing.assert_allclose(FitResult.from_dict(as_json).params, first)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.results_.params, first)
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(random_state=1)
    assert est.set_params(max_iter=77) is est and est.max_iter == 77


@pytest.mark.parametrize("cls", [ExpHawkes, BinnedHawkes, SumExpHawkes])
def test_bad_parameters_fail_in_fit(cls):
    data = _binned_data() if cls is BinnedHawkes else _hawkes_data()
    est = cls(max_iter=0)  # __init__ does not validate
    with pytest.raises(ValueError, match="'max_iter' parameter of .* must be an int"):
        est.fit(data)
    with pytest.raises(ValueError, match="'rng' parameter"):
        cls(rng="seed").fit(data)


def test_sklearn_clone_when_available():
    base = pytest.importorskip("sklearn.base")
    est = ExpHawkes(decay=0.5, link="softplus")
    c = base.clone(est)
    assert c.get_params() == est.get_params() and c is not est
