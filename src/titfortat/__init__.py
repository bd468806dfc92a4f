"""titfortat: measure state-versus-network conflict from public event data.

titfortat describes and measures; it never recommends targets.

Public names are imported on first use (PEP 562), so ``titfortat ingest`` does
not pay for compiling the numerical models it does not need.

Examples
--------
>>> import titfortat
>>> with titfortat.EventStore(":memory:") as store:
...     store.count()
0
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("titfortat")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

_LAZY = {
    "EventStore": "titfortat.events",
    "IngestReport": "titfortat.events",
    "ParquetEvents": "titfortat.events",
    "validate_events": "titfortat.events",
    "ActorNetwork": "titfortat.actors",
    "Resolution": "titfortat.actors",
    "Resolver": "titfortat.actors",
    "apply_resolution": "titfortat.actors",
    "ExpHawkes": "titfortat.dynamics",
    "SumExpHawkes": "titfortat.dynamics",
    "BinnedHawkes": "titfortat.dynamics",
    "HawkesSimulator": "titfortat.dynamics",
    "BinnedHawkesSimulator": "titfortat.dynamics",
    "EffectTable": "titfortat.effects",
    "EventStudy": "titfortat.effects",
    "did": "titfortat.effects",
    "effect_table": "titfortat.effects",
    "FitResult": "titfortat.results",
    "Summary": "titfortat.results",
}

__all__ = [
    "ActorNetwork",
    "BinnedHawkes",
    "BinnedHawkesSimulator",
    "EffectTable",
    "EventStore",
    "EventStudy",
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
    "did",
    "effect_table",
    "exceptions",
    "validate_events",
]

if TYPE_CHECKING:  # pragma: no cover
    from titfortat import exceptions
    from titfortat.actors import ActorNetwork, Resolution, Resolver, apply_resolution
    from titfortat.dynamics import (
        BinnedHawkes,
        BinnedHawkesSimulator,
        ExpHawkes,
        HawkesSimulator,
        SumExpHawkes,
    )
    from titfortat.effects import EffectTable, EventStudy, did, effect_table
    from titfortat.events import (
        EventStore,
        IngestReport,
        ParquetEvents,
        validate_events,
    )
    from titfortat.results import FitResult, Summary


def __getattr__(name: str) -> Any:
    if name == "exceptions":
        return importlib.import_module("titfortat.exceptions")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'titfortat' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
