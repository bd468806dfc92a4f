"""One API across the Hawkes models (issue 15, item 4): the same names for
the same things on ExpHawkes, SumExpHawkes, KernelHawkes and BinnedHawkes.

A name a model lacks is a strict xfail with the reason, so adding it makes
this suite say so (remove the entry then)."""

from __future__ import annotations

import functools
import warnings

import pytest

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
    SumExpHawkes,
)
from titfortat.dynamics._branching import spectral_radius

METHODS = [
    "fit",
    "score",
    "simulator",
    "summary",
    "conf_int",
    "lr_test",
    "bootstrap",
    "profile_conf_int",
    "spectral_radius",
    "branching_ratio",
    "branching_matrix",
    "share_triggered",
    "impulse_response",
    "predict_intensity",
    "residuals",
]
# Learned attributes every Hawkes model has; ``decays_`` is the array of
# decays for any number of kernels (``decay_`` stays on one-kernel models).
ATTRIBUTES = [
    "baseline_",
    "adjacency_",
    "decays_",
    "nodes_",
    "end_time_",
    "n_iter_",
    "converged_",
    "warnings_",
    "results_",
]
MISSING: dict[tuple[str, str], str] = {}


def _cls(name):
    from titfortat.dynamics.hawkes import KernelHawkes

    return {
        "BinnedHawkes": BinnedHawkes,
        "ExpHawkes": ExpHawkes,
        "SumExpHawkes": SumExpHawkes,
        "KernelHawkes": KernelHawkes,
    }[name]


@functools.cache
def _fitted(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence on tiny toy data
        if name == "BinnedHawkes":
            y = BinnedHawkesSimulator(
                [0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 0.3, n_bins=200, rng=0
            ).run_counts()
            return BinnedHawkes(n_starts=1, rng=0).fit(y)
        x = HawkesSimulator(
            [0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 1.0, end_time=150.0, rng=0
        ).run_arrays()
        if name == "ExpHawkes":
            return ExpHawkes(n_starts=1, rng=0).fit(x)
        if name == "KernelHawkes":
            return _cls(name)(max_iter=200).fit(x)
        return SumExpHawkes(decays=(0.5, 3.0)).fit(x)


MODELS = ["BinnedHawkes", "ExpHawkes", "SumExpHawkes", "KernelHawkes"]


def _mark(model, name):
    reason = MISSING.get((model, name))
    return pytest.param(
        model,
        name,
        marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [],
        id=f"{model}-{name}",
    )


@pytest.mark.parametrize(
    ("model", "name"), [_mark(m, n) for m in MODELS for n in METHODS]
)
def test_same_methods(model, name):
    assert callable(getattr(_cls(model), name, None))


@pytest.mark.parametrize(
    ("model", "name"), [_mark(m, n) for m in MODELS for n in ATTRIBUTES]
)
def test_same_learned_attributes(model, name):
    assert hasattr(_fitted(model), name)


@pytest.mark.parametrize("model", MODELS)
def test_shared_values_agree(model):
    m = _fitted(model)
    if hasattr(m, "decays_"):
        assert m.decays_.ndim == 1 and (m.decays_ > 0).all()
    ci = m.conf_int()
    assert list(ci.columns) == ["ci_lower", "ci_upper"]
    assert list(ci.index) == list(m.results_.params.index)
    assert m.end_time_ == m.results_.end_time
    if hasattr(m, "branching_ratio"):
        # The same quantity on every model: the spectral radius of the
        # (summed) branching matrix.
        assert m.branching_ratio().estimate.iloc[0] == pytest.approx(
            spectral_radius(m.adjacency_, getattr(m, "link", "identity"))
        )


@pytest.mark.parametrize("model", ["ExpHawkes", "SumExpHawkes", "BinnedHawkes"])
def test_branching_ratio_is_the_spectral_radius_under_softplus(model):
    # With an inhibiting effect the two used to disagree on the continuous
    # models (0.59 against 0.31): branching_ratio took the raw matrix,
    # spectral_radius its positive parts. One module now gives both.
    adj = [[0.3, -0.8], [0.4, 0.2]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence on tiny toy data
        if model == "BinnedHawkes":
            y = BinnedHawkesSimulator(
                [0.6, 0.5], adj, 0.5, n_bins=1500, link="softplus", rng=0
            ).run()
            m = BinnedHawkes(link="softplus", n_starts=1, rng=0).fit(y)
        else:
            x = HawkesSimulator(
                [0.6, 0.5], adj, 1.0, end_time=1500.0, link="softplus", rng=0
            ).run_arrays()
            m = (
                ExpHawkes(link="softplus", n_starts=1, rng=0)
                if model == "ExpHawkes"
                else SumExpHawkes(decays=(1.0,), link="softplus")
            ).fit(x, end_time=1500.0)
    assert m.adjacency_.min() < 0  # the inhibition is estimated
    ratio = m.branching_ratio()
    assert ratio.estimate.iloc[0] == pytest.approx(m.spectral_radius())
    assert ratio.estimate.iloc[0] == pytest.approx(
        spectral_radius(m.adjacency_, "softplus")
    )


@pytest.mark.parametrize("model", ["ExpHawkes", "SumExpHawkes", "KernelHawkes"])
def test_score_reads_events_against_the_fitted_nodes(model):
    # A held-out frame may order the nodes differently or miss one; an event
    # of a node the model lacks is refused (it used to be scored under
    # another node's parameters, or silently left out).
    import numpy as np
    import pandas as pd

    from titfortat.exceptions import DataError

    m = _fitted(model)
    a, b = m.nodes_
    x = HawkesSimulator(
        [0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 1.0, end_time=100.0, rng=5
    ).run_arrays()
    frame = pd.DataFrame(
        {"time": np.concatenate(x), "node": [b] * x[0].size + [a] * x[1].size}
    )
    swapped = m.score([x[1], x[0]], end_time=100.0)
    assert m.score(frame, end_time=100.0) == pytest.approx(swapped)
    only_b = frame[frame["node"] == b]
    assert m.score(only_b, end_time=100.0) == pytest.approx(
        m.score([np.array([]), x[0]], end_time=100.0)
    )
    with pytest.raises(DataError, match=r"not fitted on: \['z'\]"):
        m.score(frame.replace({"node": {a: "z"}}), end_time=100.0)
    # The node column is named as in fit (it raised a TypeError).
    other = frame.rename(columns={"node": "kind"})
    assert m.score(other, end_time=100.0, node_col="kind") == pytest.approx(swapped)
    with pytest.raises(DataError, match="event arrays but 2 node names"):
        m.score(x[:1], end_time=100.0)


def test_binned_score_reads_counts_against_the_fitted_nodes():
    import numpy as np
    import pandas as pd

    from titfortat.exceptions import DataError

    m = _fitted("BinnedHawkes")
    y = m.simulator(rng=4).run()
    full = m.score(y)
    assert m.score(y[y.columns[::-1]]) == pytest.approx(full)  # column order
    with pytest.raises(DataError, match="not nodes of the model"):
        m.score(y.assign(extra=0))
    with pytest.raises(DataError, match="columns but the model has 2 nodes"):
        m.score(y.to_numpy()[:, :1])
    # An event frame missing a node scores that node's zero counts.
    days = np.repeat(np.arange(len(y)), y.iloc[:, 1].to_numpy()).astype(float)
    events = {"time": days, "node": [str(y.columns[1])] * days.size}
    zero_first = np.column_stack([np.zeros(len(y), dtype=int), y.iloc[:, 1]])
    assert m.score(pd.DataFrame(events)) == pytest.approx(
        m.score(zero_first[: int(days.max()) + 1])
    )
    renamed = pd.DataFrame(events).rename(columns={"node": "kind"})
    assert m.score(renamed, node_col="kind") == pytest.approx(
        m.score(pd.DataFrame(events))
    )


@pytest.mark.parametrize("model", MODELS)
def test_one_inference_module_refuses_bad_profile_arguments(model):
    # lr_test / profile_conf_int / bootstrap come from one module for all
    # four models, so its argument checks hold for each.
    m = _fitted(model)
    with pytest.raises(ValueError, match="Unknown parameter name"):
        m.profile_conf_int(["no-such-parameter"])
    with pytest.raises(ValueError, match="must be in"):
        m.profile_conf_int(alpha=1.5)
    with pytest.raises(ValueError, match="Unknown node"):
        m.lr_test("no-such-node", 0)


@pytest.mark.parametrize("model", MODELS)
def test_simulators_return_a_frame_their_model_fits(model):
    # One simulator contract (issue 15, item 2): ``run()`` returns a
    # DataFrame on every model, and the model's ``fit`` takes it back with
    # the fitted node names.
    import numpy as np
    import pandas as pd

    m = _fitted(model)
    sim = m.simulator(rng=3)
    frame = sim.run()
    assert isinstance(frame, pd.DataFrame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence on tiny toy data
        refit = _cls(model)(**m.get_params()).fit(frame)
    assert refit.nodes_ == [str(n) for n in m.nodes_]
    if model == "BinnedHawkes":
        # Day counts, empty days included: the bare array is the same draw.
        assert frame.index.name == "day" and len(frame) == m.n_bins_
        np.testing.assert_array_equal(frame.to_numpy(), m.simulator(rng=3).run_counts())


@pytest.mark.parametrize("model", ["ExpHawkes", "SumExpHawkes", "KernelHawkes"])
def test_continuous_models_record_the_calendar_origin(model):
    # Fitted on dated events, a model knows the calendar day of its time 0
    # (attribution reads it); fitted on float times it has none.
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    days = np.sort(rng.uniform(0, 300, 400))
    dates = pd.Timestamp("2024-01-03 15:00") + pd.to_timedelta(days, unit="D")
    nodes = np.where(np.arange(400) % 3, "a", "b")
    cls = _cls(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = cls().fit(pd.DataFrame({"date": dates, "node": nodes}))
        floats = cls().fit(pd.DataFrame({"time": days, "node": nodes}))
    assert fitted.time_origin_ == pd.Timestamp("2024-01-03")
    assert floats.time_origin_ is None
