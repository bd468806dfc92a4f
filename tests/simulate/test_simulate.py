"""Policy simulator: analytic mean, common random numbers, policy mechanics."""

from __future__ import annotations

import numpy as np
import pytest

from titfortat.exceptions import DataError
from titfortat.simulate import Scenario, analytic_mean_counts, run

NODES = ["a", "b", "strike"]
MU = [0.4, 0.2, 0.05]
ADJ = [[0.3, 0.1, 0.2], [0.2, 0.2, 0.0], [0.1, 0.05, 0.0]]


def _scenario(horizon=60.0, policies=None, **extra):
    return Scenario.from_dict(
        {
            "name": "t",
            "horizon_days": horizon,
            "model": {"nodes": NODES, "baseline": MU, "adjacency": ADJ, "decay": 0.8},
            "policies": policies or {"none": {}},
            **extra,
        }
    )


@pytest.mark.parametrize("horizon", [20.0, 120.0])
def test_policy_none_matches_analytic_mean(horizon):
    """E N(T) from m'(t) = decay (mu - (I - A) m(t)); within 3 MC SEs."""
    res = run(_scenario(horizon), runs=4000, rng=11)
    tab = res.results().set_index("node").loc[NODES]
    expected = analytic_mean_counts(MU, ADJ, 0.8, [horizon])[0]
    z = (tab["mean_count"].to_numpy() - expected) / tab["mc_se"].to_numpy()
    print(
        f"T={horizon}: simulated {tab['mean_count'].round(3).tolist()} "
        f"analytic {expected.round(3).tolist()} z {z.round(2).tolist()}"
    )
    assert np.all(np.abs(z) < 3), z
    # The per-day curve too: cumulative mean at the horizon equals the total.
    cur = res.curves()
    last = cur[cur["day"] == horizon].set_index("node").loc[NODES]
    np.testing.assert_allclose(last["mean_cumulative"], tab["mean_count"])
    # The fan-chart quantiles at the last grid point are those of the totals.
    np.testing.assert_array_equal(
        last[["q05", "q50", "q95"]], tab[["q05", "q50", "q95"]]
    )


def test_paired_differences_beat_unpaired():
    pol = {
        "none": {},
        "tit": {
            "trigger": "a",
            "response": "strike",
            "probability": 0.4,
            "lag_days": [1, 3],
            "strikes": 1,
        },
    }
    res = run(_scenario(90.0, pol), runs=2000, rng=3)
    cmp_ = res.comparison().set_index("node")
    print(cmp_[["difference", "paired_se", "unpaired_se", "se_ratio"]])
    for node in ("a", "b", "network"):
        assert cmp_.loc[node, "paired_se"] < 0.6 * cmp_.loc[node, "unpaired_se"]
    # The response rule adds strikes: the difference is clearly positive.
    assert cmp_.loc["strike", "difference"] > 5 * cmp_.loc["strike", "paired_se"]


def test_a_policy_perturbs_only_descendants():
    """Strikes that excite nobody leave every other event unchanged (exact
    coupling), and probability 0 reproduces the policy 'none' run by run."""
    sc = Scenario.from_dict(
        {
            "name": "t",
            "horizon_days": 60,
            "model": {
                "nodes": ["a", "strike"],
                "baseline": [0.5, 0.1],
                "adjacency": [[0.4, 0.0], [0.2, 0.0]],
                "decay": 1.0,
            },
            "policies": {
                "none": {},
                "zero": {
                    "trigger": "a",
                    "response": "strike",
                    "probability": 0.0,
                    "lag_days": [1, 2],
                },
                "tit": {
                    "trigger": "a",
                    "response": "strike",
                    "probability": 0.7,
                    "lag_days": [1, 2],
                    "strikes": 2,
                },
            },
        }
    )
    cmp_ = run(sc, runs=600, rng=5).comparison().set_index(["policy", "node"])
    assert cmp_.loc[("zero", "a"), "paired_se"] == 0.0
    assert cmp_.loc[("zero", "strike"), "difference"] == 0.0
    assert cmp_.loc[("tit", "a"), "difference"] == 0.0
    assert cmp_.loc[("tit", "a"), "paired_se"] == 0.0
    assert cmp_.loc[("tit", "strike"), "difference"] > 0


def test_response_rule_adds_expected_strikes():
    """Without feedback on the trigger, policy strikes per trigger event are
    fatal_probability * probability * strikes (lags inside the horizon)."""
    sc = Scenario.from_dict(
        {
            "name": "t",
            "horizon_days": 200,
            "model": {
                "nodes": ["a", "strike"],
                "baseline": [1.0, 0.0],
                "adjacency": [[0.0, 0.0], [0.0, 0.0]],
                "decay": 1.0,
            },
            "policies": {
                "none": {},
                "tit": {
                    "trigger": "a",
                    "response": "strike",
                    "probability": 0.5,
                    "fatal_probability": 0.4,
                    "lag_days": [0, 1],
                    "strikes": 3,
                },
            },
        }
    )
    res = run(sc, runs=400, rng=2).results().set_index(["policy", "node"])
    attacks = res.loc[("tit", "a"), "mean_count"]
    strikes = res.loc[("tit", "strike")]
    expected = 0.6 * (attacks - 0.5)  # events after day 199 respond too late
    assert abs(strikes["mean_count"] - expected) < 3 * strikes["mc_se"] + 0.5


def test_capacity_damage_and_resupply():
    model = {
        "nodes": ["a", "strike"],
        "baseline": [1.0, 0.0],
        "adjacency": [[0.0, 0.0], [0.0, 0.0]],
        "decay": 1.0,
    }
    base = {
        "name": "t",
        "horizon_days": 50,
        "model": model,
        "initial_events": [{"node": "strike", "day": 0, "count": 1}],
        "capacity": {"a": {"damage": 1.0, "damaged_by": "strike"}},
    }
    res = (
        run(
            Scenario.from_dict(
                {
                    **base,
                    "policies": {
                        "none": {},
                        "resupply": {"resupply_per_day": {"a": 0.1}},
                    },
                }
            ),
            runs=400,
            rng=1,
        )
        .results()
        .set_index(["policy", "node"])
    )
    # All capacity removed at day 0 and never restored: no attacks at all.
    assert res.loc[("none", "a"), "mean_count"] == 0.0
    # Resupply at 0.1/day: E N = int_0^50 (1 - e^{-0.1 t}) dt = 50 - 10 (1 - e^-5).
    expected = 50 - 10 * (1 - np.exp(-5))
    got = res.loc[("resupply", "a")]
    assert abs(got["mean_count"] - expected) < 3 * got["mc_se"]


def test_truce_window_and_halt():
    sc = _scenario(
        40.0,
        {
            "none": {},
            "halt": {
                "windows": [
                    {
                        "name": "halt",
                        "start_day": 0,
                        "end_day": 40,
                        "nodes": ["a", "b"],
                        "applies_to": "baseline",
                    }
                ]
            },
        },
        windows=[
            {
                "name": "truce",
                "start_day": 10,
                "end_day": 20,
                "nodes": ["a", "b", "strike"],
                "factor": 0.0,
            }
        ],
    )
    res = run(sc, runs=300, rng=4)
    cur = res.curves()
    inside = cur[(cur["day"] > 10) & (cur["day"] <= 20)]
    assert (inside["mean"] == 0).all()
    tab = res.results().set_index(["policy", "node"])
    # Under the halt, a and b only follow strikes (baseline 0.05/day).
    assert (
        tab.loc[("halt", "a"), "mean_count"]
        < 0.2 * tab.loc[("none", "a"), "mean_count"]
    )


def test_explosive_policy_is_refused_with_radius_and_parameter():
    sc = _scenario(
        30.0,
        {
            "none": {},
            "massive": {
                "trigger": "a",
                "response": "strike",
                "probability": 1.0,
                "lag_days": [1, 2],
                "strikes": 9,
            },
        },
    )
    with pytest.raises(DataError, match=r"spectral radius .* is 1\.\d+ .*strikes"):
        run(sc, runs=10, rng=0)


def test_result_to_dict_has_the_contract_keys():
    res = run(
        _scenario(
            10.0,
            {
                "none": {},
                "tit": {
                    "trigger": "a",
                    "response": "strike",
                    "probability": 0.3,
                    "lag_days": [1, 2],
                },
            },
        ),
        runs=50,
        rng=0,
    )
    d = res.to_dict()
    assert {"policy", "node", "mean_count", "mc_se", "q05", "q50", "q95"} <= set(
        d["results"][0]
    )
    assert d["comparison"][0]["versus"] == "none"
    assert d["rng_seed"] == 0 and d["n_sims"] == 50


def test_fitted_model_with_asymptotic_parameter_draws(tmp_path):
    """A saved ExpHawkes fit drives the scenario; drawing its parameters from
    the asymptotic normal widens the run-to-run spread of the counts."""
    import json

    from titfortat.dynamics import ExpHawkes, HawkesSimulator

    ev = HawkesSimulator(
        [0.5, 0.1],
        [[0.3, 0.2], [0.2, 0.0]],
        1.0,
        end_time=2000.0,
        rng=1,
        nodes=["attack", "strike"],
    ).run()
    fit = ExpHawkes(decay=1.0).fit(ev, end_time=2000.0).results_
    (tmp_path / "fit.json").write_text(json.dumps(fit.to_dict()), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "name: f\nhorizon_days: 1000\nmodel: {fitted: fit.json, decay: 1.0}\n"
        "policies: {none: {}}\n",
        encoding="utf-8",
    )
    sc = Scenario.load(tmp_path / "s.yaml")
    assert sc.nodes == ("attack", "strike")
    np.testing.assert_allclose(sc.baseline, fit.params[["mu[attack]", "mu[strike]"]])
    fixed = run(sc, runs=400, rng=3).results().set_index("node")
    drawn_res = run(sc, runs=400, rng=3, uncertainty="asymptotic")
    drawn = drawn_res.results().set_index("node")
    assert drawn_res.draw_info["n_draws"] == 40
    assert drawn.loc["attack", "mc_se"] > 1.15 * fixed.loc["attack", "mc_se"]
    with pytest.raises(DataError, match="bootstrap_draws"):
        run(sc, runs=10, rng=0, uncertainty="bootstrap")


def _nonlinear(link, adj, policies, horizon=60.0, mu=None):
    return Scenario.from_dict(
        {
            "name": "nl",
            "horizon_days": horizon,
            "model": {
                "nodes": ["a", "strike"],
                "baseline": mu or [0.6, 0.1],
                "adjacency": adj,
                "decay": 1.0,
                "link": link,
            },
            "policies": policies,
        }
    )


def test_relu_thinning_kernel_matches_analytic_mean():
    """With a positive baseline and adjacency, relu is the linear model: the
    thinning kernel (policy logic included) must give the analytic mean."""
    adj = [[0.3, 0.2], [0.2, 0.1]]
    res = run(_nonlinear("relu", adj, {"none": {}}), runs=3000, rng=8)
    tab = res.results().set_index("node").loc[["a", "strike"]]
    expected = analytic_mean_counts([0.6, 0.1], adj, 1.0, [60.0])[0]
    z = (tab["mean_count"].to_numpy() - expected) / tab["mc_se"].to_numpy()
    assert np.all(np.abs(z) < 3), z
    assert np.isnan(res.policies()["p_cycle"]).all()


def test_softplus_matches_dynamics_simulator_and_inhibition_deters():
    from titfortat.dynamics import HawkesSimulator

    adj = [[0.3, -0.8], [0.3, 0.0]]
    pol = {
        "none": {},
        "tit": {
            "trigger": "a",
            "response": "strike",
            "probability": 0.5,
            "lag_days": [0.5, 1.5],
            "strikes": 2,
        },
    }
    res = run(_nonlinear("softplus", adj, pol, mu=[-0.2, -1.0]), runs=1500, rng=2)
    tab = res.results().set_index(["policy", "node"])
    # An independent implementation (dynamics' Ogata thinning), same model.
    ref = np.array(
        [
            HawkesSimulator(
                [-0.2, -1.0], adj, 1.0, end_time=60.0, link="softplus", rng=s
            )
            .run_arrays()[0]
            .size
            for s in range(600)
        ]
    )
    got = tab.loc[("none", "a")]
    se = np.hypot(got["mc_se"], ref.std(ddof=1) / np.sqrt(ref.size))
    assert abs(got["mean_count"] - ref.mean()) < 3 * se
    # Strikes inhibit attacks (alpha[a<-strike] < 0): the response lowers them.
    cmp_ = res.comparison().set_index("node")
    assert cmp_.loc["a", "difference"] < -3 * cmp_.loc["a", "paired_se"]


def test_capacity_that_is_never_damaged_changes_nothing():
    """Every draw is keyed to its event: a capacity that only a silent node
    could damage leaves every run exactly as without it."""
    nodes = ["a", "b", "strike", "silent"]
    model = {
        "nodes": nodes,
        "baseline": [0.4, 0.2, 0.05, 0.0],
        "adjacency": [
            [0.3, 0.1, 0.2, 0.0],
            [0.2, 0.2, 0.0, 0.0],
            [0.1, 0.05, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
        "decay": 0.8,
    }
    pol = {
        "none": {},
        "tit": {
            "trigger": "a",
            "response": "strike",
            "probability": 0.4,
            "lag_days": [1, 3],
        },
    }
    base = {
        "name": "t",
        "horizon_days": 60,
        "model": model,
        "policies": pol,
        "windows": [
            {"name": "w", "start_day": 10, "end_day": 15, "nodes": ["b"], "factor": 0.5}
        ],
    }
    stack = run(Scenario.from_dict(base), runs=300, rng=9)
    heap = run(
        Scenario.from_dict(
            {**base, "capacity": {"a": {"damage": 0.5, "damaged_by": "silent"}}}
        ),
        runs=300,
        rng=9,
    )
    for name in ("results", "policies", "comparison", "curves"):
        a, b = getattr(stack, name)(), getattr(heap, name)()
        assert a.equals(b), name


@pytest.mark.parametrize("link", ["identity", "relu"])
def test_a_run_that_fills_the_heap_is_rerun_identically(link):
    """2,500 strikes per attack, lags up to 10 days: tens of thousands of
    pending strikes overflow the kernel's first heap, so runs are rerun with a
    larger one. Each run alone (fresh heap) must equal the batch (heap grown
    by earlier runs), and every response must be pushed whole."""
    from titfortat.simulate._run import _policy_plan, run_keys, simulate_plan

    sc = _nonlinear(
        link,
        [[0.0, 0.0], [0.0, 0.0]],
        {
            "tit": {
                "trigger": "a",
                "response": "strike",
                "probability": 1.0,
                "lag_days": [0, 10],
                "strikes": 2500,
            }
        },
        horizon=30.0,
        mu=[2.0, 0.0],
    )
    plan = _policy_plan(sc, sc.policies[0])
    keys = run_keys(5, 0, 4)
    edges = np.arange(0.0, 31.0)

    def sim(k):
        r = k.size
        mu = np.tile([2.0, 0.0], (r, 1))
        return simulate_plan(
            plan, k, mu, np.zeros((r, 2, 2)), np.ones(r), 30.0, edges, 14.0
        )

    counts, scal = sim(keys)
    for r in range(keys.size):
        c1, s1 = sim(keys[r : r + 1])
        assert np.array_equal(c1[0], counts[r])
        assert np.array_equal(s1[0], scal[r], equal_nan=True)
    strikes = counts[:, :, 1].sum(axis=1)
    assert np.all(strikes % 2500 == 0) and strikes.min() >= 10 * 2500, strikes
