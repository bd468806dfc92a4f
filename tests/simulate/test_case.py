"""The bundled 2023-24 case: calibration to the published counts."""

from __future__ import annotations

import dataclasses

import pytest

from titfortat.simulate import Scenario, run


@pytest.fixture(scope="module")
def case():
    sc = Scenario.load("case-2023-24")
    # A smaller ABC run for CI (6,000 prior draws, 120 kept; the bundled
    # scenario uses 20,000 and 200): the same checks hold for both.
    cal = {**sc.calibration, "n_prior": 6000, "accept_fraction": 0.02}
    return run(dataclasses.replace(sc, calibration=cal), runs=300, rng=1).to_dict()


def test_calibration_records(case):
    cal = case["calibration"]
    assert len(cal) == 8  # every published point with a count
    for r in cal:
        assert {
            "date",
            "published",
            "fitted_median",
            "fitted_lower",
            "fitted_upper",
        } <= set(r)
        assert r["fitted_lower"] <= r["fitted_median"] <= r["fitted_upper"]
    # The Pentagon-sourced points (weight 1) lie inside the 90% band.
    strong = [r for r in cal if r["weight"] == 1.0]
    assert len(strong) == 4
    assert all(r["inside_band"] for r in strong), strong
    # Every point outside its band is explained in a note.
    outside = [r["date"] for r in cal if not r["inside_band"]]
    assert len(case["calibration_notes"]) == len(outside)
    for date, note in zip(outside, case["calibration_notes"], strict=True):
        assert date in note


def test_case_states_what_counts_identify(case):
    text = case["identification"]
    assert "cannot tell spontaneous attacks from attacks triggered" in text
    assert "Not identified" in text


def test_case_policies_run_from_2_february(case):
    assert case["scenario"]["start_date"] == "2024-02-02"
    pols = {p["policy"] for p in case["policies"]}
    assert {"none", "proportionate", "massive"} <= pols
    none = [
        r for r in case["results"] if r["policy"] == "none" and r["node"] == "strike"
    ][0]
    # Without a response rule the only strikes are the 2 Feb ones (7 sites).
    assert none["mean_count"] == 7.0 and none["mc_se"] == 0.0


@pytest.mark.slow
def test_bundled_calibration_at_full_size():
    """The bundled settings (20,000 prior draws, 200 kept): the four
    Pentagon-sourced points inside the 90% band."""
    d = run(Scenario.load("case-2023-24"), runs=500, rng=1).to_dict()
    strong = [r for r in d["calibration"] if r["weight"] == 1.0]
    assert all(r["inside_band"] for r in strong), strong
