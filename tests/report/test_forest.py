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


def test_dynamics_section_of_a_not_estimable_fit_shows_reasons_not_numbers():
    # 9 strikes: the Hawkes rows are not estimable, so the report section
    # shows the reason and the withheld table, and no figure derived from the
    # fitted parameters (branching matrix, impulse responses, shares).
    from titfortat.effects import simulate_retaliation
    from titfortat.report._sections_models import dynamics_section

    ev = simulate_retaliation(effect=0.7, n_days=60, n_places=2, rng=0)
    s, ht = dynamics_section(
        ev, {"s": "event_type=strike", "a": "event_type=attack"}, baseline_segments=1
    )
    assert ht.header["problems"]
    assert any("not estimable on this store: too few events" in x for x in s.summary)
    assert not s.figures and not s.methods
    shown = s.tables[0].frame
    assert (shown[["estimate", "ci_lower", "ci_upper", "p_value"]] == "-").all().all()
