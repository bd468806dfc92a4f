"""Scenario files: every problem listed with file and line."""

from __future__ import annotations

import textwrap

import pytest

from titfortat.exceptions import SchemaError
from titfortat.simulate import Scenario, bundled_scenarios

GOOD = """\
name: t
horizon_days: 30
model:
  nodes: [attack, strike]
  baseline: [0.5, 0.05]
  adjacency: [[0.3, 0.2], [0.1, 0.0]]
  decay: 1.0
policies:
  none: {}
  tit: {trigger: attack, response: strike, probability: 0.3, lag_days: [1, 3]}
"""


def _write(tmp_path, text):
    p = tmp_path / "s.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_good_file_loads(tmp_path):
    sc = Scenario.load(_write(tmp_path, GOOD))
    assert sc.nodes == ("attack", "strike")
    assert sc.policy("tit").lag_days == (1.0, 3.0)
    assert sc.state_nodes == ("strike",)


@pytest.mark.parametrize(
    ("old", "new", "line", "match"),
    [
        ("trigger: attack", "trigger: atack", 10, r"trigger 'atack' is not a node"),
        ("probability: 0.3", "probability: -0.3", 10, r"'probability' .* \[0, 1\]"),
        ("lag_days: [1, 3]", "lag_days: [3, 1]", 10, r"'lag_days' must be increasing"),
        ("horizon_days: 30", "horizon_days: 0", 2, r"'horizon_days' must be > 0"),
    ],
)
def test_each_bad_input_names_file_and_line(tmp_path, old, new, line, match):
    p = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(SchemaError, match=match) as info:
        Scenario.load(p)
    assert f"{p}:{line}:" in str(info.value)
    assert len(info.value.failure_cases) == 1


def test_all_problems_listed_at_once(tmp_path):
    text = (
        GOOD.replace("probability: 0.3", "probability: 2").replace(
            "baseline: [0.5, 0.05]", "baseline: [0.5]"
        )
        + "  extra: {trigger: nobody, response: strike, lag_days: [1, 2]}\n"
    )
    with pytest.raises(SchemaError) as info:
        Scenario.load(_write(tmp_path, text))
    lines = sorted(info.value.failure_cases["line"].tolist())
    assert lines == [5, 10, 11]


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(SchemaError, match="Cannot read the scenario file"):
        Scenario.load(tmp_path / "nope.yaml")
    # PyYAML reports where it gave up (line 4) and where the list began (line 2).
    with pytest.raises(
        SchemaError, match=r"(?s)s.yaml:4: the scenario is not valid.*line 2"
    ):
        Scenario.load(_write(tmp_path, "name: t\nmodel: [\n  x: 1\n"))


def test_bundled_scenarios_validate():
    for name in bundled_scenarios():
        assert Scenario.load(name).policies
