"""The count-model design matrix against pandas' own shift and get_dummies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from titfortat.effects.counts import _design


@pytest.mark.parametrize("seasonality", ["none", "dow", "dow+month"])
@pytest.mark.parametrize("n_lags", [1, 7])
def test_design_matches_pandas_shift_and_dummies(seasonality, n_lags):
    rng = np.random.default_rng(3)
    idx = pd.date_range("2024-01-25", periods=90, freq="D")
    y = pd.DataFrame({"a": rng.poisson(2, 90), "b": rng.poisson(1, 90)}, index=idx)
    out, x = _design(
        y, "a", "b", n_lags, trend=True, seasonality=seasonality, transform_own=True
    )
    keep = idx[n_lags:]
    assert out.index.equals(keep) and x.index.equals(keep)
    np.testing.assert_array_equal(out, y["a"].iloc[n_lags:].astype(float))
    for lag in range(1, n_lags + 1):
        np.testing.assert_allclose(
            x[f"a_own[L{lag}]"], np.log1p(y["a"]).shift(lag).loc[keep]
        )
        np.testing.assert_array_equal(x[f"b[L{lag}]"], y["b"].shift(lag).loc[keep])
    expected = []
    if seasonality != "none":
        expected.append(pd.get_dummies(idx.day_of_week, prefix="dow", drop_first=True))
    if seasonality == "dow+month":
        expected.append(pd.get_dummies(idx.month, prefix="month", drop_first=True))
    dummies = [c for c in x.columns if c.startswith(("dow_", "month_"))]
    want = pd.concat(expected, axis=1) if expected else pd.DataFrame(index=idx)
    assert dummies == list(want.columns)
    np.testing.assert_array_equal(x[dummies], want.to_numpy(float)[n_lags:])
    assert list(x.columns[:2]) == ["const", "trend"]
