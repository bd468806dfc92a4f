"""Print the recovery figures of the test scenarios (same seeds as tests/dynamics).

Usage::

    python benchmarks/hawkes_recovery.py
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from titfortat.dynamics import (
    BinnedHawkes,
    BinnedHawkesSimulator,
    ExpHawkes,
    HawkesSimulator,
    SumExpHawkes,
)
from titfortat.dynamics.hawkes._exog import SplineBasis, as_covariates


def line(name, result, truth, mask=None):
    est = result.params.to_numpy()
    se = result.std_err.to_numpy()
    keep = np.ones(truth.size, bool) if mask is None else mask
    rel = np.abs(est - truth)[keep] / np.abs(truth[keep])
    ci = result.conf_int(0.05).to_numpy()
    inside = ((ci[:, 0] <= truth) & (truth <= ci[:, 1]))[keep]
    cov = result.cov_params.to_numpy()[np.ix_(keep, keep)]
    diff = (est - truth)[keep]
    chi = diff @ np.linalg.solve(cov, diff)
    p = stats.chi2.sf(chi, keep.sum())
    print(
        f"{name:34s} k={keep.sum():3d} max rel err {rel.max():.3f} "
        f"median {np.median(rel):.3f}; {inside.sum()}/{keep.sum()} truths in own "
        f"95% CI; joint Wald p={p:.2f}; median SE/|truth| "
        f"{np.median(se[keep] / np.abs(truth[keep])):.3f}"
    )


def main() -> None:
    mu2, a2, b2 = np.array([0.5, 0.3]), np.array([[0.3, 0.2], [0.4, 0.1]]), 1.5
    arr = HawkesSimulator(mu2, a2, b2, end_time=30000.0, rng=11).run_arrays()
    m = ExpHawkes(rng=0).fit(arr)
    line("ExpHawkes D=2 linear", m.results_, np.concatenate([mu2, a2.ravel(), [b2]]))

    rng = np.random.default_rng(5)
    d = 10
    mu = rng.uniform(0.05, 0.15, d)
    adj = rng.uniform(0.0, 0.1, (d, d)) * (rng.random((d, d)) < 0.5)
    adj[np.diag_indices(d)] = 0.3
    arr = HawkesSimulator(mu, adj, 1.0, end_time=20000.0, rng=6).run_arrays()
    m = ExpHawkes(n_starts=1, rng=0).fit(arr)
    truth = np.concatenate([mu, adj.ravel(), [1.0]])
    line("ExpHawkes D=10 linear (nonzero)", m.results_, truth, truth != 0)
    print(
        f"{'':34s} relative Frobenius error of A "
        f"{np.linalg.norm(m.adjacency_ - adj) / np.linalg.norm(adj):.3f}, "
        f"{m.n_events_:,} events"
    )

    adj_s = np.array([[0.3, -0.8], [0.6, 0.2]])
    arr = HawkesSimulator(
        mu2, adj_s, 1.0, end_time=5000.0, link="softplus", rng=2
    ).run_arrays()
    m = ExpHawkes(link="softplus", rng=0).fit(arr)
    line(
        "ExpHawkes D=2 softplus inhibitory",
        m.results_,
        np.concatenate([mu2, adj_s.ravel(), [1.0]]),
    )

    mu_b, a_b = np.array([0.6, 1.0]), np.array([[0.3, 0.1], [0.4, 0.2]])
    for fam, size in [("poisson", None), ("negbin", np.array([3.0, 5.0]))]:
        y = BinnedHawkesSimulator(
            mu_b, a_b, 0.2, n_bins=20000, family=fam, size=size, rng=7
        ).run_counts()
        m = BinnedHawkes(family=fam, rng=0).fit(y)
        truth = np.concatenate(
            [mu_b, a_b.ravel(), [0.2]] + ([size] if size is not None else [])
        )
        line(f"BinnedHawkes {fam}", m.results_, truth)

    mu_i = np.array([0.8, 0.3])
    adj_i = np.array([[0.3, -0.6], [0.5, 0.2]])
    y = BinnedHawkesSimulator(
        mu_i, adj_i, 0.3, n_bins=20000, link="softplus", rng=5
    ).run_counts()
    m = BinnedHawkes(link="softplus", rng=0).fit(y)
    line(
        "BinnedHawkes softplus inhibitory",
        m.results_,
        np.concatenate([mu_i, adj_i.ravel(), [0.3]]),
    )

    decays = np.array([0.2, 3.0])
    adj3 = np.array([[[0.15, 0.15], [0.0, 0.2]], [[0.25, 0.1], [0.1, 0.05]]])
    mu3 = np.array([0.3, 0.2])
    arr = HawkesSimulator(mu3, adj3, decays, end_time=40000.0, rng=3).run_arrays()
    m = SumExpHawkes(decays=decays).fit(arr)
    truth = np.concatenate([mu3, adj3.ravel()])
    line("SumExpHawkes U=2 (nonzero)", m.results_, truth, truth != 0)

    # Same scenarios and seeds as tests/dynamics/test_sumexp_nonlinear.py:
    # node 1 inhibits node 0 through both components.
    adj_n = np.array([[[0.2, 0.2], [-0.4, -0.3]], [[0.3, 0.2], [0.1, 0.1]]])
    mu_n, dec_n = np.array([0.5, 0.3]), np.array([0.3, 3.0])
    for link, end in [("softplus", 5000.0), ("relu", 6000.0)]:
        arr = HawkesSimulator(
            mu_n, adj_n, dec_n, end_time=end, link=link, rng=5
        ).run_arrays()
        m = SumExpHawkes(decays=dec_n, link=link, n_starts=2, rng=0).fit(
            arr, end_time=end
        )
        line(
            f"SumExpHawkes U=2 {link} inhibitory",
            m.results_,
            np.concatenate([mu_n, adj_n.ravel()]),
        )
        tot, true_tot = m.adjacency_.sum(axis=2), adj_n.sum(axis=2)
        print(
            f"{'':34s} total effects rel. error max "
            f"{np.max(np.abs(tot - true_tot) / np.abs(true_tot)):.3f}, "
            f"{m.n_events_:,} events"
        )
    for link, end, n_starts in [("relu", 6000.0, 2), ("softplus", 5000.0, 1)]:
        arr = HawkesSimulator(
            mu_n, adj_n, dec_n, end_time=end, link=link, rng=7
        ).run_arrays()
        m = SumExpHawkes(
            decays=[1.0, 5.0], link=link, learn_decays=True, n_starts=n_starts, rng=0
        ).fit(arr, end_time=end)
        line(
            f"SumExpHawkes {link} learned decays",
            m.results_,
            np.concatenate([mu_n, adj_n.ravel(), dec_n]),
        )

    arr = HawkesSimulator(
        mu2, adj_s, 1.0, end_time=5000.0, link="relu", rng=2
    ).run_arrays()
    m = ExpHawkes(link="relu", rng=0).fit(arr)
    line(
        "ExpHawkes D=2 relu inhibitory",
        m.results_,
        np.concatenate([mu2, adj_s.ravel(), [1.0]]),
    )

    # Same scenario and seed as tests/dynamics/test_exp_exog.py.
    exog = {"truce": [(3000, 6000), (12000, 13000)], "sanction": [(5000, 15000)]}
    gamma = np.array([[-0.3, 0.2], [-0.2, 0.0]])
    cov = as_covariates(exog)
    used = cov.knots < 20000.0
    base = mu2[None, :] + cov.values[used] @ gamma.T
    arr = HawkesSimulator(
        base, a2, b2, end_time=20000.0, rng=3, baseline_times=cov.knots[used]
    ).run_arrays()
    m = ExpHawkes(rng=0).fit(arr, end_time=20000.0, exog=exog)
    truth = np.concatenate([mu2, a2.ravel(), gamma.ravel(), [b2]])
    line("ExpHawkes D=2 exog (nonzero)", m.results_, truth, truth != 0)

    # Same scenario and seed as tests/dynamics/test_exp_spline.py.
    coef = np.array([[0.3, 0.6, 0.9, 0.4, 0.2, 0.5], [0.3, 0.3, 0.1, 0.2, 0.5, 0.4]])
    basis = SplineBasis(6, 20000.0)
    mu_s, g_s = coef[:, 0], coef[:, 1:] - coef[:, :1]
    arr = HawkesSimulator(
        lambda t: mu_s[None, :] + basis.at(t) @ g_s.T,
        a2,
        b2,
        end_time=20000.0,
        baseline_max=coef.max(1),
        rng=0,
    ).run_arrays()
    m = ExpHawkes(baseline_spline_df=6, rng=0).fit(arr, end_time=20000.0)
    truth = np.concatenate([mu_s, a2.ravel(), g_s.ravel(), [b2]])
    line("ExpHawkes D=2 spline df=6 (nonzero)", m.results_, truth, truth != 0)


if __name__ == "__main__":
    main()
