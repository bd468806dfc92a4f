"""The effects package loads its heavy estimators on first use (issue 14)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import titfortat.effects as effects


def test_hawkes_table_does_not_load_count_models_or_event_study():
    code = (
        "import sys\n"
        "from titfortat.effects import hawkes_table, did\n"
        "heavy = ['titfortat.effects.counts', 'titfortat.effects.event_study',\n"
        "         'titfortat.effects.table', 'statsmodels']\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "import titfortat.effects.did, titfortat.effects.hawkes_table\n"
        "from titfortat.effects import did, hawkes_table\n"
        "print(callable(did), callable(hawkes_table))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split("\n")[:2] == ["[]", "True True"], out.stdout


@pytest.mark.parametrize("name", effects.__all__)
def test_every_public_name_resolves(name):
    assert getattr(effects, name) is not None
    assert name in dir(effects)


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        effects.nope  # noqa: B018
