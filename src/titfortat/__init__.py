"""titfortat: measure state-versus-network conflict from public event data.

titfortat describes and measures; it never recommends targets.

Examples
--------
>>> import titfortat
>>> with titfortat.EventStore(":memory:") as store:
...     store.count()
0
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from titfortat import exceptions
from titfortat.actors import ActorNetwork, Resolution, Resolver, apply_resolution
from titfortat.events import EventStore, IngestReport, ParquetEvents, validate_events

try:
    __version__ = version("titfortat")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "ActorNetwork",
    "EventStore",
    "IngestReport",
    "ParquetEvents",
    "Resolution",
    "Resolver",
    "__version__",
    "apply_resolution",
    "exceptions",
    "validate_events",
]
