"""Lyall (2009) Chechnya shelling DiD against published and independent numbers.

Data: 318 villages (159 shelled, 159 matched controls), insurgent attacks in the
90 days before and after, as packaged in Imai's qss R package
(../shared/data/lyall-chechnya/SOURCE.txt; not shipped with titfortat).

Published: Lyall (2009, J. Conflict Resolution 53(3):331-362, abstract) reports
that shelled villages saw about a 24% reduction in insurgent attacks relative to
control villages. On these data that is the treated group's relative change
(-29.2%) minus the controls' (-4.7%): -24.5 percentage points.
Independent: the point estimate from group means, and the cluster-robust
standard error from statsmodels' OLS on the change, computed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from titfortat.effects import did


@pytest.fixture
def chechen(shared_data):
    return pd.read_csv(shared_data / "lyall-chechnya" / "chechen.csv")


def test_relative_reduction_matches_the_published_24_percent(chechen):
    m = chechen.groupby("fire")[["preattack", "postattack"]].mean()
    rel = m.postattack / m.preattack - 1
    assert 100 * (rel[1] - rel[0]) == pytest.approx(-24.5, abs=1.0)


def test_did_equals_group_means_and_statsmodels_cluster_se(chechen):
    import statsmodels.api as sm

    r = did(
        chechen,
        unit="village",
        treated="fire",
        pre="preattack",
        post="postattack",
        n_permutations=2000,
        rng=0,
    )
    ch = chechen.postattack - chechen.preattack
    assert r.estimate == pytest.approx(
        ch[chechen.fire == 1].mean() - ch[chechen.fire == 0].mean(), rel=1e-12
    )
    assert r.estimate == pytest.approx(-0.5157, abs=5e-5)
    x = np.column_stack([np.ones(len(ch)), chechen.fire.to_numpy(float)])
    groups = pd.factorize(chechen.village)[0]
    ref = sm.OLS(ch.to_numpy(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    assert r.clustered
    assert r.std_err == pytest.approx(float(ref.bse[1]), rel=1e-12)
    # One inference for interval and test (the robust t), so they agree, and
    # the cluster-respecting permutation agrees with them here.
    lo, hi = r.conf_int().iloc[0]
    assert hi < 0 and r.p_value < 0.05
    assert r.permutation_p_value < 0.05
    assert r.decision() == ("deterrence", "")


def test_cluster_permutation_keeps_units_together(chechen):
    # Units hand their treatment counts as blocks to units of the same size,
    # so the permutation null is centred at the design's composition term,
    # computed here from the size classes, and spreads like the clustered SE.
    r = did(
        chechen,
        unit="village",
        treated="fire",
        pre="preattack",
        post="postattack",
        n_permutations=4000,
        rng=1,
    )
    ch = (chechen.postattack - chechen.preattack).to_numpy(float)
    z = chechen.fire.to_numpy(int)
    size = chechen.groupby("village").village.transform("size").to_numpy()
    n1, n0 = z.sum(), (1 - z).sum()
    centre = 0.0
    for k in np.unique(size):
        rows = size == k
        p_k, s_k = z[rows].mean(), ch[rows].sum()
        centre += p_k * s_k / n1 - (1 - p_k) * s_k / n0
    mc_se = r.permutation_draws.std() / np.sqrt(r.permutation_draws.size)
    assert r.permutation_draws.mean() == pytest.approx(centre, abs=4 * mc_se)
    assert r.permutation_draws.std() == pytest.approx(r.std_err, rel=0.35)
