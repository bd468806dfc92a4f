"""The public surface is deliberate: changes here are API changes."""

from __future__ import annotations

import subprocess
import sys

import titfortat
import titfortat.events

EXPECTED = [
    "ActorNetwork",
    "BinnedHawkes",
    "BinnedHawkesSimulator",
    "EventStore",
    "ExpHawkes",
    "FitResult",
    "HawkesSimulator",
    "IngestReport",
    "ParquetEvents",
    "Resolution",
    "Resolver",
    "SumExpHawkes",
    "Summary",
    "__version__",
    "apply_resolution",
    "exceptions",
    "validate_events",
    "EffectTable",
    "EventStudy",
    "did",
    "effect_table",
]


def test_top_level_all():
    assert sorted(titfortat.__all__) == sorted(EXPECTED)
    for name in titfortat.__all__:
        assert getattr(titfortat, name) is not None, name
    assert titfortat.ExpHawkes.__module__.startswith("titfortat.dynamics")


def test_importing_the_cli_does_not_load_the_models():
    code = (
        "import sys, titfortat.cli; "
        "print(any(m.startswith(('numba', 'titfortat.dynamics')) "
        "for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_events_all():
    assert {
        "EventStore",
        "IngestReport",
        "FileReport",
        "ParquetEvents",
        "validate_events",
        "get_reader",
        "FORMATS",
        "EVENT_TYPES",
        "column_names",
    } <= set(titfortat.events.__all__)
    assert titfortat.events.FORMATS == ("acled", "ucdp", "gtd", "gdelt", "table")
