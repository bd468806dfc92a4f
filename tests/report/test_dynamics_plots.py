"""Diagnostic plots of fitted Hawkes models (titfortat.report.dynamics)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from titfortat.dynamics import ExpHawkes, HawkesSimulator  # noqa: E402
from titfortat.report import (  # noqa: E402
    plot_branching_matrix,
    plot_impulse_response,
    plot_residual_qq,
)


@pytest.fixture(scope="module")
def fitted() -> ExpHawkes:
    sim = HawkesSimulator(
        [0.4, 0.3], [[0.3, 0.0], [0.4, 0.2]], 1.0, end_time=2000.0, rng=0
    )
    return ExpHawkes(decay=1.0).fit(
        sim.run_arrays(), end_time=2000.0, nodes=["strike", "attack"]
    )


def test_qq_plot_draws_one_panel_per_node_with_its_ks_p_value(fitted, tmp_path):
    res = fitted.residuals()
    axes = plot_residual_qq(res)
    assert len(axes) == 2
    p = res.ks_test().loc["attack", "p_value"]
    assert axes[1].get_title() == f"attack: KS p = {p:.3g}"
    assert axes[0].get_xlabel() == "Exp(1) quantile"
    # The empirical points of a correct model: every one inside the band is
    # the KS acceptance itself, so the drawn band must agree with the test.
    qq = res.qq("strike")
    inside = (qq.band_lower <= qq.empirical) & (qq.empirical <= qq.band_upper)
    crit = stats.kstwo.ppf(0.95, len(qq))
    assert bool(inside.all()) == bool(res.ks_test().loc["strike", "statistic"] <= crit)
    out = tmp_path / "qq.png"
    axes[0].figure.savefig(out)
    assert out.stat().st_size > 5_000
    with pytest.raises(ValueError, match="1 axes for 2 nodes"):
        plot_residual_qq(res, axes=[axes[0]])


def test_impulse_response_plot_has_a_row_per_pair(fitted):
    ir = fitted.impulse_response(30)
    ax = plot_impulse_response(ir)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(ir.estimate.index)


def test_branching_matrix_is_centred_at_zero_and_labels_cells(fitted):
    ax = plot_branching_matrix(fitted)
    image = ax.get_images()[0]
    lo, hi = image.get_clim()
    assert lo == pytest.approx(-hi)
    assert hi == pytest.approx(np.abs(fitted.adjacency_).max())
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4
    assert texts[2].startswith(f"{fitted.adjacency_[1, 0]:.2f}\n(")
