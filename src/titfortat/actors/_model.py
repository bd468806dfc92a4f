"""Value objects of an actor network: actors, ties and the references they cite.

Direction convention, used everywhere in :mod:`titfortat.actors`: a tie points
from ``source`` to ``target`` and reads "source <type> target", e.g.
``kh member_of iri`` or ``irgc_qf arms kh``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ACTOR_KINDS",
    "CONFIDENCE_LEVELS",
    "MEMBERSHIP_TYPES",
    "SPONSORSHIP_TYPES",
    "TIE_TYPES",
    "Actor",
    "Reference",
    "Tie",
]

#: Kinds an actor may have (closed set).
ACTOR_KINDS: tuple[str, ...] = (
    "state",
    "sponsor",
    "umbrella",
    "faction",
    "state_apparatus",
    "armed_force",
    "other",
)

#: Tie types, read "source <type> target" (closed set).
TIE_TYPES: tuple[str, ...] = (
    "funds",
    "arms",
    "trains",
    "directs",
    "member_of",
    "claims_under",
    "part_of",
    "allied_with",
    "opposes",
)

#: Tie types that make the source a member of the target (used by ``members``).
MEMBERSHIP_TYPES: tuple[str, ...] = ("member_of", "claims_under", "part_of")

#: Tie types that make the source a sponsor of the target (used by ``sponsors_of``).
SPONSORSHIP_TYPES: tuple[str, ...] = ("funds", "arms", "trains", "directs")

#: Confidence levels, lowest first.
CONFIDENCE_LEVELS: tuple[str, ...] = ("low", "medium", "high")


@dataclass(frozen=True)
class Reference:
    """A public source cited by one or more ties.

    Parameters
    ----------
    key : str
        Short key used by ties in the ``citation`` field.
    title : str
        Author, title, outlet and date, as one would cite it.
    url : str or None, default=None
        Address of the source, given only where it is known to exist.

    Examples
    --------
    >>> Reference("harmouch2024", "Harmouch & Jahanbani, The Conversation, 2024").key
    'harmouch2024'
    """

    key: str
    title: str
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"key": self.key, "title": self.title, "url": self.url}

    def __str__(self) -> str:
        return f"{self.title} <{self.url}>" if self.url else self.title


@dataclass(frozen=True)
class Actor:
    """One node of an actor network.

    Parameters
    ----------
    id : str
        Stable identifier; this is what labels every matrix downstream.
    name : str
        Display name.
    kind : str
        One of :data:`ACTOR_KINDS`.
    country : str or None, default=None
        Country of origin or base, free text (ISO 3166 alpha-2 preferred).
    aliases : tuple of str, default=()
        Other spellings, transliterations and scripts of the name.
    notes : str, default=""
        Free text, e.g. what is contested about this actor.

    Examples
    --------
    >>> Actor("kh", "Kataib Hezbollah", "faction", aliases=("KH",)).all_names()
    ('kh', 'Kataib Hezbollah', 'KH')
    """

    id: str
    name: str
    kind: str
    country: str | None = None
    aliases: tuple[str, ...] = ()
    notes: str = ""

    def all_names(self) -> tuple[str, ...]:
        """Return the id, the name and every alias, in that order."""
        return (self.id, self.name, *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "aliases": list(self.aliases),
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Tie:
    """One sourced, dated, directed tie: "``source`` <``type``> ``target``".

    Parameters
    ----------
    source, target : str
        Actor ids.
    type : str
        One of :data:`TIE_TYPES`.
    start, end : datetime.date or None, default=None
        First and last day the tie is documented to hold, both inclusive;
        ``None`` leaves that side open.
    confidence : str, default="medium"
        One of :data:`CONFIDENCE_LEVELS`: how well public sources support it.
    citation : tuple of Reference, default=()
        The public sources for the tie, the primary one first.
    notes : str, default=""
        Free text, e.g. how sources disagree.

    Examples
    --------
    >>> import datetime as dt
    >>> tie = Tie("kh", "iri", "claims_under", end=dt.date(2024, 1, 30))
    >>> tie.is_active(dt.date(2024, 1, 28)), tie.is_active(dt.date(2024, 2, 2))
    (True, False)
    """

    source: str
    target: str
    type: str
    start: dt.date | None = None
    end: dt.date | None = None
    confidence: str = "medium"
    citation: tuple[Reference, ...] = field(default=())
    notes: str = ""

    def is_active(self, at: dt.date | None) -> bool:
        """Return whether the tie holds on day ``at`` (``None``: always true)."""
        if at is None:
            return True
        if self.start is not None and at < self.start:
            return False
        return not (self.end is not None and at > self.end)

    def citation_text(self) -> str:
        """Return the citations as one line, sources separated by ``"; "``."""
        return "; ".join(str(ref) for ref in self.citation)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary (dates as ISO strings)."""
        return {
            "source": self.source,
            "target": self.target,
            "type": self.type,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "confidence": self.confidence,
            "citation": [ref.key for ref in self.citation],
            "notes": self.notes,
        }
