"""Conflict events: the canonical schema, source readers and the DuckDB store.

Examples
--------
>>> from titfortat.events import EventStore, EVENT_TYPES
>>> EVENT_TYPES
('attack', 'strike', 'protest', 'other')
"""

from __future__ import annotations

from titfortat.events.query import EventQueries, ParquetEvents
from titfortat.events.schema import (
    COLUMNS,
    DATE_PRECISIONS,
    EVENT_TYPES,
    GEO_PRECISIONS,
    SCHEMA_VERSION,
    column_names,
    validate_events,
)
from titfortat.events.sources import FORMATS, get_reader
from titfortat.events.store import EventStore, FileReport, IngestReport

__all__ = [
    "COLUMNS",
    "DATE_PRECISIONS",
    "EVENT_TYPES",
    "EventQueries",
    "FORMATS",
    "GEO_PRECISIONS",
    "SCHEMA_VERSION",
    "EventStore",
    "FileReport",
    "IngestReport",
    "ParquetEvents",
    "column_names",
    "get_reader",
    "validate_events",
]
