"""The effect forest plot draws no number for a row the table refuses to give."""

import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from titfortat.report.figures import plot_effect_forest  # noqa: E402


class _Table:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.table = frame
        self.header = {"alpha": 0.05}


def _row(**kw):
    base = dict(
        estimator="hawkes",
        direction="strike->attack",
        estimate=0.4,
        ci_lower=0.1,
        ci_upper=0.7,
        p_value=0.01,
        verdict="escalation",
        reason="",
        n_warnings=0,
    )
    base.update(kw)
    return base


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_not_estimable_row_has_no_point_and_shows_its_reason():
    frame = pd.DataFrame(
        [
            _row(),
            _row(
                verdict="not_estimable",
                reason="spectral radius 0.985 near 1",
                n_warnings=2,
            ),
        ]
    )
    axes = plot_effect_forest(_Table(frame))
    assert len(axes[0].lines) > 1  # zero line plus the point/interval
    # only the zero line: no point, no interval
    assert len(axes[1].lines) == 1
    texts = " ".join(_texts(axes[1]))
    assert "not estimable: spectral radius 0.985 near 1" in texts
    assert "2 warnings" in texts
    assert "p =" not in texts
    assert "warning" not in " ".join(_texts(axes[0]))
