"""FitResult and Summary: columns, levels, serialisation, derived results."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from titfortat.results import DerivedResult, FitResult, LRTestResult, ResidualResult


@pytest.fixture
def result():
    params = pd.Series([1.0, 0.4, -0.2], index=["mu[a]", "alpha[a<-b]", "alpha[b<-a]"])
    cov = np.diag([0.04, 0.01, 0.0025])
    return FitResult.from_estimates(
        params=params,
        cov_params=cov,
        log_likelihood=-100.0,
        n_obs=50,
        n_events=50,
        n_nodes=2,
        end_time=10.0,
        model_repr="ExpHawkes()",
    )


def test_information_criteria(result):
    assert result.aic == pytest.approx(2 * 3 + 200)
    assert result.bic == pytest.approx(3 * np.log(50) + 200)


def test_summary_table_columns_and_values(result):
    s = result.summary(alpha=0.1)
    assert list(s.table.columns) == [
        "estimate",
        "std_err",
        "ci_lower",
        "ci_upper",
        "z",
        "p_value",
    ]
    assert s.table.attrs["alpha"] == 0.1
    assert s.header["CI level"].startswith("90%")
    q = stats.norm.ppf(0.95)
    assert s.table.loc["alpha[a<-b]", "ci_upper"] == pytest.approx(0.4 + q * 0.1)
    assert s.table.loc["alpha[b<-a]", "z"] == pytest.approx(-4.0)
    assert s.table.loc["mu[a]", "p_value"] == pytest.approx(2 * stats.norm.sf(5.0))
    text = str(s)
    assert "alpha[a<-b]" in text and "log-likelihood" in text
    assert "| alpha[a<-b] |" in s.to_markdown()
    assert "alpha[a<-b]" in s.to_latex() and "tabular" in s.to_latex()
    assert "<table>" in s._repr_html_() and "log-likelihood" in s._repr_html_()


def test_conf_int_level_is_per_call(result):
    wide = result.conf_int(0.01)
    narrow = result.conf_int(0.2)
    assert (wide["ci_upper"] > narrow["ci_upper"]).all()
    with pytest.raises(ValueError, match="'alpha' argument"):
        result.conf_int(1.5)
    with pytest.raises(ValueError, match="needs bootstrap draws"):
        result.conf_int(method="bootstrap")
    with pytest.raises(ValueError, match="profile_conf_int"):
        result.conf_int(method="profile")


def test_bootstrap_percentiles(result):
    draws = pd.DataFrame(
        np.random.default_rng(0).normal(size=(2000, 3)), columns=result.params.index
    )
    boot = dataclasses.replace(result, bootstrap_draws=draws)
    ci = boot.conf_int(0.05, method="bootstrap")
    assert ci.loc["mu[a]", "ci_lower"] == pytest.approx(-1.96, abs=0.15)


def test_round_trip_through_json(result):
    text = json.dumps(result.to_dict())
    back = FitResult.from_dict(json.loads(text))
    pd.testing.assert_series_equal(back.params, result.params)
    pd.testing.assert_frame_equal(back.cov_params, result.cov_params)
    assert back.aic == result.aic and back.version == result.version


def test_frozen(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.aic = 1.0


def test_nan_standard_errors_propagate():
    r = FitResult.from_estimates(
        params=pd.Series([1.0], index=["decay"]),
        cov_params=[[np.nan]],
        log_likelihood=-1.0,
        n_obs=5,
        n_events=5,
        n_nodes=1,
        end_time=1.0,
        model_repr="M()",
    )
    assert np.isnan(r.summary().table.loc["decay", "ci_lower"])


def _toy(cov, converged=True, k_params=None, info=None):
    return FitResult.from_estimates(
        params=pd.Series([1.0, 0.5], index=["mu[a]", "decay"]),
        cov_params=cov,
        log_likelihood=-1.0,
        n_obs=50,
        n_events=50,
        n_nodes=1,
        end_time=10.0,
        model_repr="M()",
        k_params=k_params,
        converged=converged,
        optimizer_info=info,
    )


def test_summary_says_not_estimable_and_shows_no_inference():
    # A fit that did not converge: estimates shown, no interval, z or p.
    r = _toy([[0.01, 0.0], [0.0, 0.04]], converged=False, info={"health": ["H"]})
    s = r.summary()
    assert s.header["estimable"] == "NO: the fit did not converge (H)"
    assert s.table[["std_err", "ci_lower", "z", "p_value"]].isna().all().all()
    assert s.table["estimate"].tolist() == [1.0, 0.5]
    assert "estimable:            NO" in str(s)
    # Converged, but a free parameter's standard error is NaN.
    r = _toy([[0.01, 0.0], [0.0, np.nan]])
    assert r.not_estimable == "1 of 2 standard errors could not be computed"
    assert r.summary().table["p_value"].isna().all()
    # A parameter held fixed (NaN by construction) does not count.
    r = _toy([[0.01, 0.0], [0.0, np.nan]], k_params=1)
    assert r.not_estimable is None and r.summary().header["estimable"] == "yes"
    assert r.summary().table.loc["mu[a]", "z"] == pytest.approx(10.0)


def test_lr_and_derived_results():
    lr = LRTestResult(
        "x = 0", 2.706, 1, boundary=True, ll_full=0.0, ll_restricted=-1.353
    )
    assert lr.p_value == pytest.approx(0.05, abs=1e-3)
    assert "chi-bar" in str(lr)
    assert LRTestResult("x", 0.0, 1, True, 0.0, 0.0).p_value == 1.0
    d = DerivedResult("s", pd.Series([0.5], ["a"]), pd.Series([0.1], ["a"]))
    f = d.summary_frame(0.05)
    assert f.loc["a", "ci_lower"] == pytest.approx(0.5 - 1.959964 * 0.1)
    r = ResidualResult({"a": np.linspace(0.01, 5, 100) ** 3})
    assert r.ks_test().loc["a", "p_value"] < 1e-3
    qq = r.qq("a")
    assert list(qq.columns) == [
        "theoretical",
        "empirical",
        "band_lower",
        "band_upper",
    ]
    assert qq["empirical"].is_monotonic_increasing
    assert (qq["band_lower"] <= qq["theoretical"]).all()
    assert (qq["theoretical"] <= qq["band_upper"]).all()


def test_uniform_residuals_band_covers_a_correct_model() -> None:
    rng = np.random.default_rng(4)
    inside = 0
    for _ in range(200):
        r = ResidualResult({"a": rng.uniform(size=150)}, distribution="uniform")
        qq = r.qq("a")
        e = qq["empirical"]
        inside += bool(((qq["band_lower"] <= e) & (e <= qq["band_upper"])).all())
    # The KS band is simultaneous at 95%: 200 draws give 190 +- 3.1 inside.
    assert 180 <= inside <= 199
    bad = ResidualResult({"a": rng.uniform(size=500) ** 2}, distribution="uniform")
    assert bad.ks_test().loc["a", "p_value"] < 1e-6
    with pytest.raises(ValueError, match="'expon' or 'uniform'"):
        ResidualResult({"a": np.ones(3)}, distribution="normal")


def test_estimates_on_a_bound_are_named_not_counted_as_not_estimable():
    # The model left one estimate on its bound out of the inversion so the
    # others got standard errors (optimizer_info["no_se_at_bound"]): the
    # other rows keep their inference and the header names the one left out.
    r = _toy([[0.01, 0.0], [0.0, np.nan]], info={"no_se_at_bound": ["decay"]})
    assert r.not_estimable is None
    s = r.summary()
    assert s.header["estimable"] == (
        "yes, but 1 estimate on a bound without a Wald interval (decay): "
        "test with lr_test"
    )
    assert s.table.loc["mu[a]", "ci_lower"] == pytest.approx(1.0 - 1.96 * 0.1, 1e-3)
    assert np.isnan(s.table.loc["decay", "p_value"])
    # A NaN standard error that is not on that list still makes it not
    # estimable, and blanks every row.
    r = _toy([[np.nan, 0.0], [0.0, np.nan]], info={"no_se_at_bound": ["decay"]})
    assert r.not_estimable == "1 of 2 standard errors could not be computed"
    assert r.summary().table["ci_lower"].isna().all()


def test_covariance_records_the_estimates_it_holds_on_their_bound():
    from titfortat.dynamics._optim import covariance
    from titfortat.exceptions import HessianWarning

    info = np.array([[4.0, 0.0], [0.0, 0.0]])  # singular in the second
    record: dict = {}
    with pytest.warns(HessianWarning, match="sit on their lower bound"):
        cov = covariance(
            info,
            np.ones(2, bool),
            strict=False,
            at_bound=np.array([False, True]),
            names=["mu[a]", "alpha[a<-a]"],
            record=record,
        )
    assert record == {"no_se_at_bound": ["alpha[a<-a]"]}
    assert cov[0, 0] == pytest.approx(0.25) and np.isnan(cov[1, 1])
