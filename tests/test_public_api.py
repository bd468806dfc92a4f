"""The public surface is deliberate: changes here are API changes."""

from __future__ import annotations

import titfortat
import titfortat.events


def test_top_level_all():
    assert sorted(titfortat.__all__) == sorted(
        [
            "__version__",
            "EventStore",
            "IngestReport",
            "ParquetEvents",
            "validate_events",
            "ActorNetwork",
            "Resolver",
            "Resolution",
            "apply_resolution",
            "exceptions",
        ]
    )
    for name in titfortat.__all__:
        assert hasattr(titfortat, name), name


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
