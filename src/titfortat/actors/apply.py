"""Write resolved actor ids into an event store, next to the raw names.

The store keeps the raw names (``actor``, ``actor2``, ``banner``) untouched and
gains ids in ``actor_id``, ``actor2_id`` and ``banner_id``. Only two store
methods are used, described by :class:`SupportsActorIds`, so any object with
them works (the DuckDB :class:`~titfortat.events.store.EventStore`, or a fake in
tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from titfortat.actors.network import ActorNetwork
from titfortat.actors.resolve import Resolution, Resolver

__all__ = ["ResolutionReport", "SupportsActorIds", "apply_resolution"]


@runtime_checkable
class SupportsActorIds(Protocol):
    """What :func:`apply_resolution` needs from a store."""

    def distinct_actor_names(self) -> list[str]:
        """Every distinct raw name in the actor, actor2 and banner columns."""
        ...

    def set_actor_ids(self, mapping: dict[str, str | None]) -> int:
        """Set the id columns from raw name -> id; return the rows updated."""
        ...


@dataclass(frozen=True)
class ResolutionReport:
    """Coverage of a resolution run.

    Parameters
    ----------
    network_id : str
        The network used.
    resolutions : tuple of Resolution
        One per distinct raw name, in the order the store gave them.
    n_events : int
        Events carrying at least one raw name in ``actor``, ``actor2`` or
        ``banner``.
    n_events_resolved : int
        Of those, events with at least one actor id.
    unit : {"events", "name slots"}, default="events"
        What ``n_events`` counts. Stores that cannot be queried report name
        slots (one per filled actor/actor2/banner cell) instead of events.

    Attributes
    ----------
    n_names, n_resolved : int
        Distinct raw names, and how many got an id.
    share_names : float
        ``n_resolved / n_names`` (NaN if no names).
    share_events : float
        ``n_events_resolved / n_events`` (NaN if no events).
    ambiguous, unresolved : list of str
        Raw names left without an id, by cause.

    Examples
    --------
    >>> from titfortat.actors import Resolution
    >>> rep = ResolutionReport("toy", (Resolution("KH", "kh", "KH", 100.0, "exact"),
    ...     Resolution("?", None, None, 0.0, "unresolved")), 10, 7)
    >>> rep.share_names, rep.share_events, rep.unresolved
    (0.5, 0.7, ['?'])
    """

    network_id: str
    resolutions: tuple[Resolution, ...]
    n_events: int
    n_events_resolved: int
    unit: str = "events"
    mapping: Mapping[str, str | None] = field(default_factory=dict, repr=False)

    @property
    def n_names(self) -> int:
        """Number of distinct raw names."""
        return len(self.resolutions)

    @property
    def n_resolved(self) -> int:
        """Number of raw names that got an actor id."""
        return sum(r.is_resolved for r in self.resolutions)

    @property
    def share_names(self) -> float:
        """Share of distinct raw names resolved."""
        return self.n_resolved / self.n_names if self.n_names else float("nan")

    @property
    def share_events(self) -> float:
        """Share of events with at least one raw name resolved."""
        return self.n_events_resolved / self.n_events if self.n_events else float("nan")

    @property
    def ambiguous(self) -> list[str]:
        """Raw names that matched several actors."""
        return [r.raw for r in self.resolutions if r.method == "ambiguous"]

    @property
    def unresolved(self) -> list[str]:
        """Raw names that matched no actor (including overrides to null)."""
        return [
            r.raw
            for r in self.resolutions
            if not r.is_resolved and r.method != "ambiguous"
        ]

    def to_frame(self) -> pd.DataFrame:
        """One row per raw name: ``raw, actor_id, name, score, method, candidates``."""
        return pd.DataFrame(
            [r.to_dict() for r in self.resolutions],
            columns=["raw", "actor_id", "name", "score", "method", "candidates"],
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary with every resolution."""
        return {
            "network_id": self.network_id,
            "n_names": self.n_names,
            "n_resolved": self.n_resolved,
            "share_names": self.share_names,
            "n_events": self.n_events,
            "n_events_resolved": self.n_events_resolved,
            "unit": self.unit,
            "share_events": self.share_events,
            "ambiguous": self.ambiguous,
            "unresolved": self.unresolved,
            "resolutions": [r.to_dict() for r in self.resolutions],
        }

    def __str__(self) -> str:
        lines = [
            f"Actor resolution against network {self.network_id!r}",
            f"  names:  {self.n_resolved}/{self.n_names} resolved "
            f"({self.share_names:.1%})",
            f"  {self.unit}: {self.n_events_resolved}/{self.n_events} with a "
            f"resolved actor ({self.share_events:.1%})",
        ]
        if self.ambiguous:
            lines.append(f"  ambiguous ({len(self.ambiguous)}): {self.ambiguous[:5]}")
        if self.unresolved:
            lines.append(
                f"  unresolved ({len(self.unresolved)}): {self.unresolved[:5]}"
            )
        return "\n".join(lines)


def apply_resolution(
    store: SupportsActorIds,
    network: ActorNetwork | str | Path | None = None,
    overrides: Mapping[str, str | None] | str | Path | None = None,
    **resolver_kw: Any,
) -> ResolutionReport:
    """Resolve every raw actor name in a store and write the ids back.

    Raw names are kept; ids go to the store's id columns. Ids left from an
    earlier run are cleared first, so the store always reflects this network
    and these overrides. Ambiguous and unresolved names get ``None`` and are
    listed in the report: nothing is guessed.

    Parameters
    ----------
    store : SupportsActorIds
        An event store (anything with ``distinct_actor_names`` and
        ``set_actor_ids``).
    network : ActorNetwork, path, bundled name or None, default=None
        The network; ``None`` = the bundled 2023-24 case network.
    overrides : mapping or path, optional
        User overrides, which win over every other stage; see
        :class:`~titfortat.actors.Resolver`.
    **resolver_kw
        ``threshold``, ``margin``, ``min_fuzzy_length`` for the Resolver.

    Returns
    -------
    ResolutionReport

    Raises
    ------
    TypeError
        If ``store`` lacks the two methods.

    Examples
    --------
    >>> class ToyStore:
    ...     def __init__(self):
    ...         self.rows = [("Kataeb Hezbollah",), ("Islamic Resistance in Iraq",),
    ...                      ("Unknown",), ("Kataib Hezbollah",)]
    ...     def distinct_actor_names(self):
    ...         return sorted({n for row in self.rows for n in row})
    ...     def set_actor_ids(self, mapping):
    ...         return sum(any(n in mapping for n in row) for row in self.rows)
    >>> report = apply_resolution(ToyStore())
    >>> report.n_resolved, report.unresolved, report.n_events
    (3, ['Unknown'], 4)
    """
    if not isinstance(store, SupportsActorIds):
        raise TypeError(
            "The 'store' parameter of apply_resolution must provide "
            "distinct_actor_names() and set_actor_ids(mapping). Got "
            f"{type(store).__name__} instead. Pass a titfortat EventStore."
        )
    if not isinstance(network, ActorNetwork):
        network = ActorNetwork.load(network)
    resolver = (
        network.resolver()
        if overrides is None and not resolver_kw
        else Resolver(network, overrides=overrides, **resolver_kw)
    )
    names = [str(n) for n in store.distinct_actor_names() if n is not None]
    resolutions = tuple(resolver.resolve(n) for n in names)
    mapping = {r.raw: r.actor_id for r in resolutions}
    # Clear every name first so ids from an earlier run never survive, then
    # write the resolved ones. The two return values count name slots (an
    # event can carry a name in actor, actor2 and banner).
    n_slots = store.set_actor_ids(dict.fromkeys(names)) if names else 0
    resolved: dict[str, str | None] = {
        k: v for k, v in mapping.items() if v is not None
    }
    n_slots_resolved = store.set_actor_ids(resolved) if resolved else 0
    counts = _event_counts(store)
    if counts is None:
        n_events, n_events_resolved, unit = n_slots, n_slots_resolved, "name slots"
    else:
        n_events, n_events_resolved = counts
        unit = "events"
    return ResolutionReport(
        network_id=network.id,
        resolutions=resolutions,
        n_events=int(n_events),
        n_events_resolved=int(n_events_resolved),
        unit=unit,
        mapping=mapping,
    )


_RAW = ["actor", "actor2", "banner"]
_IDS = ["actor_id", "actor2_id", "banner_id"]


def _event_counts(store: Any) -> tuple[int, int] | None:
    """Events with any raw name, and with any id, if the store can be queried."""
    query = getattr(store, "query", None)
    if not callable(query):
        return None
    frame = query(columns=[*_RAW, *_IDS])
    has_name = frame[_RAW].notna().any(axis=1) & (
        frame[_RAW].fillna("").astype(str).ne("").any(axis=1)
    )
    has_id = frame[_IDS].notna().any(axis=1)
    return int(has_name.sum()), int((has_name & has_id).sum())
