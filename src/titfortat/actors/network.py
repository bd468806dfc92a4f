"""The actor network: who is who, who sponsors whom, who claims under which banner.

An :class:`ActorNetwork` holds actors and sourced, dated ties read from a YAML
file (see :mod:`titfortat.actors._loader` for the format). Ties point from
``source`` to ``target`` and read "source <type> target" (``kh member_of iri``,
``irgc_qf arms kh``).

Every metric computed here (degree, betweenness) is a property of the *sourced
ties in the file*, not of the real organisations: a tie nobody has documented
publicly is absent, and the metrics inherit that blind spot.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx  # type: ignore[import-untyped, unused-ignore]
import pandas as pd

from titfortat.actors._loader import (
    NetworkSpec,
    parse_date,
    read_network_file,
    validate_network_data,
)
from titfortat.actors._model import (
    CONFIDENCE_LEVELS,
    MEMBERSHIP_TYPES,
    SPONSORSHIP_TYPES,
    Actor,
    Reference,
    Tie,
)
from titfortat.exceptions import DataError

if TYPE_CHECKING:  # pragma: no cover
    from titfortat.actors.resolve import Resolution, Resolver

__all__ = [
    "DEFAULT_NETWORK",
    "ActorNetwork",
    "available_networks",
    "bundled_network_path",
]

#: Name of the bundled network used when no path is given.
DEFAULT_NETWORK = "iran_axis_2023_24"

TIE_COLUMNS = [
    "actor_id",
    "name",
    "kind",
    "tie_type",
    "other_id",
    "start",
    "end",
    "confidence",
    "citation",
    "notes",
]

DateLike = dt.date | str | None


def available_networks() -> list[str]:
    """Return the names of the bundled networks.

    Examples
    --------
    >>> available_networks()
    ['iran_axis_2023_24', 'iraq_2006_08']
    """
    folder = resources.files("titfortat.actors") / "networks"
    names = [p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")]
    # The case network first, then alphabetical.
    return sorted(names, key=lambda n: (n != DEFAULT_NETWORK, n))


def bundled_network_path(name: str = DEFAULT_NETWORK) -> Path:
    """Return the path of a bundled network file.

    Parameters
    ----------
    name : str, default="iran_axis_2023_24"
        One of :func:`available_networks`.

    Raises
    ------
    ValueError
        If no bundled network has that name.

    Examples
    --------
    >>> bundled_network_path("iraq_2006_08").name
    'iraq_2006_08.yaml'
    """
    names = available_networks()
    if name not in names:
        raise ValueError(
            f"The 'name' parameter of bundled_network_path must be one of {names}. "
            f"Got {name!r} instead. Pass a file path to ActorNetwork.load for "
            "your own network."
        )
    return Path(str(resources.files("titfortat.actors") / "networks" / f"{name}.yaml"))


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> NetworkSpec:
    return read_network_file(path)


def _as_date(value: DateLike, name: str = "at") -> dt.date | None:
    try:
        return parse_date(value, name=name)
    except ValueError as err:
        raise ValueError(str(err)) from err


class ActorNetwork:
    """Actors and their sourced, dated ties.

    Build one with :meth:`load` (a YAML file, or a bundled network) or
    :meth:`from_dict`; the constructor takes an already validated spec.

    Parameters
    ----------
    spec : NetworkSpec
        Validated content, as returned by the loader.

    Attributes
    ----------
    id : str
        Network identifier from the file.
    title, description : str
        Human-readable description from the file.
    actors : dict of str to Actor
        Actors by id, in file order.
    references : dict of str to Reference
        Cited sources by key.
    source : str
        The file the network was read from.

    See Also
    --------
    titfortat.actors.Resolver : name resolution against this network.

    Examples
    --------
    >>> net = ActorNetwork.load()
    >>> net
    ActorNetwork('iran_axis_2023_24': ... actors, ... ties)
    >>> net.members("Islamic Resistance in Iraq", at="2024-01-28")["actor_id"].tolist()
    ['haaa', 'haaa', 'kh', 'kh', 'kss', 'kss', 'nujaba', 'nujaba']
    >>> net.resolve("Kataeb Hezbollah").actor_id
    'kh'
    """

    def __init__(self, spec: NetworkSpec) -> None:
        self._spec = spec
        self.id = spec.id
        self.title = spec.title
        self.description = spec.description
        self.source = spec.source
        self.actors: dict[str, Actor] = {a.id: a for a in spec.actors}
        self.references: dict[str, Reference] = {r.key: r for r in spec.references}
        self._ties = spec.ties
        self._resolver: Resolver | None = None

    # -- construction ------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> ActorNetwork:
        """Load a network file; ``None`` loads the bundled 2023-24 case network.

        Parameters
        ----------
        path : str, pathlib.Path or None, default=None
            A YAML network file, or the name of a bundled network
            (see :func:`available_networks`), or ``None``.

        Returns
        -------
        ActorNetwork

        Raises
        ------
        SchemaError
            If the file is unreadable or invalid; every problem is listed
            with its file and line.

        Examples
        --------
        >>> ActorNetwork.load("iraq_2006_08").id
        'iraq_2006_08'
        """
        if path is None:
            path = bundled_network_path()
        elif isinstance(path, str) and path in available_networks():
            path = bundled_network_path(path)
        path = Path(path)
        mtime = path.stat().st_mtime if path.exists() else 0.0
        return cls(_load_cached(str(path.resolve()), mtime))

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = "<dict>"
    ) -> ActorNetwork:
        """Build a network from a mapping with the file's layout.

        Examples
        --------
        >>> net = ActorNetwork.from_dict({
        ...     "references": {"r": {"title": "A public report"}},
        ...     "actors": [{"id": "a", "name": "A", "kind": "faction"},
        ...                {"id": "b", "name": "B", "kind": "umbrella"}],
        ...     "ties": [{"source": "a", "target": "b", "type": "member_of",
        ...               "citation": ["r"]}]})
        >>> net.members("b")["actor_id"].tolist()
        ['a']
        """
        return cls(validate_network_data(data, source=source))

    def __repr__(self) -> str:
        return (
            f"ActorNetwork({self.id!r}: {len(self.actors)} actors, "
            f"{len(self._ties)} ties)"
        )

    # -- lookup ------------------------------------------------------------
    def actor(self, name_or_id: str) -> Actor:
        """Return an actor by id, name or any resolvable alias.

        Raises
        ------
        DataError
            If the name resolves to no actor, or to several.

        Examples
        --------
        >>> ActorNetwork.load().actor("Hashd al-Shaabi").id
        'pmf'
        """
        if name_or_id in self.actors:
            return self.actors[name_or_id]
        res = self.resolve(name_or_id)
        if res.actor_id is None:
            detail = (
                f"it is ambiguous between {list(res.candidates)}"
                if res.method == "ambiguous"
                else "no id, name or alias matches it"
            )
            raise DataError(
                f"Actor {name_or_id!r} is not in the network {self.id!r}: {detail}. "
                f"Expected an id such as {list(self.actors)[:6]} or a known alias. "
                "Run `titfortat actors show` to list them."
            )
        return self.actors[res.actor_id]

    def resolver(self, **kwargs: Any) -> Resolver:
        """Return a :class:`~titfortat.actors.Resolver` for this network.

        Keyword arguments (``overrides``, ``threshold``, ...) go to the
        Resolver.
        """
        from titfortat.actors.resolve import Resolver

        if not kwargs:
            if self._resolver is None:
                self._resolver = Resolver(self)
            return self._resolver
        return Resolver(self, **kwargs)

    def resolve(self, raw: str) -> Resolution:
        """Resolve one raw name with the default resolver settings."""
        return self.resolver().resolve(raw)

    # -- ties ----------------------------------------------------------------
    def ties(
        self,
        at: DateLike = None,
        *,
        types: Iterable[str] | None = None,
        min_confidence: str = "low",
    ) -> list[Tie]:
        """Return the ties that hold on a day.

        Parameters
        ----------
        at : date, ISO string or None, default=None
            Day; ``None`` returns every tie regardless of dates.
        types : iterable of str, optional
            Keep only these tie types.
        min_confidence : {"low", "medium", "high"}, default="low"
            Keep only ties at least this well supported.

        Returns
        -------
        list of Tie

        Examples
        --------
        >>> net = ActorNetwork.load()
        >>> [t.source for t in net.ties("2024-02-15", types=["claims_under"])]
        ['nujaba', 'kss', 'haaa']
        """
        day = _as_date(at)
        if min_confidence not in CONFIDENCE_LEVELS:
            raise ValueError(
                "The 'min_confidence' parameter of ActorNetwork.ties must be one of "
                f"{CONFIDENCE_LEVELS}. Got {min_confidence!r} instead."
            )
        floor = CONFIDENCE_LEVELS.index(min_confidence)
        wanted = set(types) if types is not None else None
        return [
            t
            for t in self._ties
            if t.is_active(day)
            and (wanted is None or t.type in wanted)
            and CONFIDENCE_LEVELS.index(t.confidence) >= floor
        ]

    def _tie_frame(self, rows: list[tuple[str, Tie, str]]) -> pd.DataFrame:
        records = []
        for actor_id, tie, other in rows:
            actor = self.actors[actor_id]
            records.append(
                {
                    "actor_id": actor_id,
                    "name": actor.name,
                    "kind": actor.kind,
                    "tie_type": tie.type,
                    "other_id": other,
                    "start": tie.start.isoformat() if tie.start else None,
                    "end": tie.end.isoformat() if tie.end else None,
                    "confidence": tie.confidence,
                    "citation": tie.citation_text(),
                    "notes": tie.notes,
                }
            )
        frame = pd.DataFrame(records, columns=TIE_COLUMNS)
        return frame.sort_values(["actor_id", "tie_type"], kind="stable").reset_index(
            drop=True
        )

    def members(
        self, name_or_id: str, at: DateLike = None, *, recursive: bool = False
    ) -> pd.DataFrame:
        """Return the members of an umbrella, apparatus or actor on a day.

        A member is the source of a ``member_of``, ``claims_under`` or
        ``part_of`` tie into the actor. There is one row per tie, so each
        row carries its own dates, confidence and citation.

        Parameters
        ----------
        name_or_id : str
            The umbrella (id, name or alias).
        at : date, ISO string or None, default=None
            Day; ``None`` ignores tie dates.
        recursive : bool, default=False
            Also list members of members (``other_id`` then names the actor
            they are a member of).

        Returns
        -------
        pandas.DataFrame
            Columns ``actor_id, name, kind, tie_type, other_id, start, end,
            confidence, citation, notes``.

        Examples
        --------
        >>> net = ActorNetwork.load()
        >>> net.members("PMF", at="2024-01-28")["actor_id"].tolist()
        ['kh', 'kss', 'nujaba']
        """
        target = self.actor(name_or_id).id
        ties = self.ties(at, types=MEMBERSHIP_TYPES)
        rows: list[tuple[str, Tie, str]] = []
        frontier, seen = [target], {target}
        while frontier:
            current = frontier.pop()
            for tie in ties:
                if tie.target == current:
                    rows.append((tie.source, tie, current))
                    if recursive and tie.source not in seen:
                        seen.add(tie.source)
                        frontier.append(tie.source)
        return self._tie_frame(rows)

    def sponsors_of(
        self, name_or_id: str, at: DateLike = None, *, via_umbrella: bool = False
    ) -> pd.DataFrame:
        """Return who funds, arms, trains or directs an actor on a day.

        Parameters
        ----------
        name_or_id : str
            The sponsored actor (id, name or alias).
        at : date, ISO string or None, default=None
            Day; ``None`` ignores tie dates.
        via_umbrella : bool, default=False
            Also list sponsors of the umbrellas the actor is a member of
            (``other_id`` then names the umbrella).

        Returns
        -------
        pandas.DataFrame
            Same columns as :meth:`members`; ``actor_id`` is the sponsor.

        Examples
        --------
        >>> net = ActorNetwork.load()
        >>> sorted(set(net.sponsors_of("Kataib Hezbollah")["actor_id"]))
        ['irgc_qf']
        """
        target = self.actor(name_or_id).id
        targets = {target}
        if via_umbrella:
            targets |= {
                t.target
                for t in self.ties(at, types=MEMBERSHIP_TYPES)
                if t.source == target
            }
        rows = [
            (t.source, t, t.target)
            for t in self.ties(at, types=SPONSORSHIP_TYPES)
            if t.target in targets
        ]
        return self._tie_frame(rows)

    def subgraph(
        self,
        actor_ids: Iterable[str] | None = None,
        *,
        at: DateLike = None,
        kinds: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        min_confidence: str = "low",
    ) -> ActorNetwork:
        """Return a network restricted to some actors and ties.

        Parameters
        ----------
        actor_ids : iterable of str, optional
            Keep these actors (ids, names or aliases); default all.
        at, types, min_confidence
            Tie filters, as in :meth:`ties`.
        kinds : iterable of str, optional
            Keep only actors of these kinds.

        Returns
        -------
        ActorNetwork
            Ties are kept when both ends are kept.

        Examples
        --------
        >>> net = ActorNetwork.load().subgraph(kinds=["faction", "umbrella"])
        >>> sorted({a.kind for a in net.actors.values()})
        ['faction', 'umbrella']
        """
        keep = (
            {self.actor(a).id for a in actor_ids}
            if actor_ids is not None
            else set(self.actors)
        )
        if kinds is not None:
            wanted = set(kinds)
            keep = {a for a in keep if self.actors[a].kind in wanted}
        ties = tuple(
            t
            for t in self.ties(at, types=types, min_confidence=min_confidence)
            if t.source in keep and t.target in keep
        )
        used = {r.key for t in ties for r in t.citation}
        spec = NetworkSpec(
            id=self.id,
            title=self.title,
            description=self.description,
            actors=tuple(a for a in self.actors.values() if a.id in keep),
            ties=ties,
            references=tuple(r for r in self.references.values() if r.key in used),
            source=self.source,
        )
        return ActorNetwork(spec)

    # -- export ------------------------------------------------------------
    def to_networkx(self, at: DateLike = None) -> nx.MultiDiGraph:
        """Return the network as a :class:`networkx.MultiDiGraph`.

        Nodes carry ``name, kind, country``; edges (source -> target) carry
        ``type, start, end, confidence, citation``. Empty values are ``""`` so
        the graph can be written to GraphML.

        Examples
        --------
        >>> g = ActorNetwork.load().to_networkx(at="2024-01-28")
        >>> g.nodes["kh"]["kind"]
        'faction'
        """
        graph = nx.MultiDiGraph(name=self.id)
        for actor in self.actors.values():
            graph.add_node(
                actor.id,
                name=actor.name,
                kind=actor.kind,
                country=actor.country or "",
            )
        for tie in self.ties(at):
            graph.add_edge(
                tie.source,
                tie.target,
                key=tie.type,
                type=tie.type,
                start=tie.start.isoformat() if tie.start else "",
                end=tie.end.isoformat() if tie.end else "",
                confidence=tie.confidence,
                citation=tie.citation_text(),
            )
        return graph

    def to_dict(self, at: DateLike = None) -> dict[str, Any]:
        """Return a JSON-ready dictionary with the file's layout.

        Examples
        --------
        >>> sorted(ActorNetwork.load().to_dict())
        ['actors', 'network', 'references', 'ties']
        """
        ties = self.ties(at)
        used = {r.key for t in ties for r in t.citation}
        return {
            "network": {
                "id": self.id,
                "title": self.title,
                "description": self.description,
            },
            "references": {
                k: {"title": r.title, "url": r.url}
                for k, r in self.references.items()
                if k in used
            },
            "actors": [a.to_dict() for a in self.actors.values()],
            "ties": [t.to_dict() for t in ties],
        }

    def to_json(self, path: str | Path | None = None, *, at: DateLike = None) -> str:
        """Return the network as JSON, and write it to ``path`` if given.

        Examples
        --------
        >>> '"kh"' in ActorNetwork.load().to_json()
        True
        """
        text = json.dumps(self.to_dict(at), ensure_ascii=False, indent=2)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def write_graphml(self, path: str | Path, *, at: DateLike = None) -> Path:
        """Write the network (ties on day ``at``, or all) to a GraphML file.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "net.graphml"
        >>> ActorNetwork.load().write_graphml(out).exists()
        True
        """
        path = Path(path)
        nx.write_graphml(self.to_networkx(at), path)
        return path

    def actors_frame(self) -> pd.DataFrame:
        """Return one row per actor: ``id, name, kind, country, n_aliases``.

        Examples
        --------
        >>> ActorNetwork.load("iraq_2006_08").actors_frame()["id"].tolist()
        ['united_states', 'us_led_coalition', 'coalition_air', 'iraqi_insurgents']
        """
        return pd.DataFrame(
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "kind": a.kind,
                    "country": a.country,
                    "n_aliases": len(a.aliases),
                }
                for a in self.actors.values()
            ],
            columns=["id", "name", "kind", "country", "n_aliases"],
        )

    def ties_frame(self, at: DateLike = None) -> pd.DataFrame:
        """Return one row per tie: ``source, type, target, start, end,
        confidence, citation``."""
        return pd.DataFrame(
            [
                {
                    "source": t.source,
                    "type": t.type,
                    "target": t.target,
                    "start": t.start.isoformat() if t.start else None,
                    "end": t.end.isoformat() if t.end else None,
                    "confidence": t.confidence,
                    "citation": ", ".join(r.key for r in t.citation),
                }
                for t in self.ties(at)
            ],
            columns=[
                "source",
                "type",
                "target",
                "start",
                "end",
                "confidence",
                "citation",
            ],
        )

    # -- metrics -------------------------------------------------------------
    def _simple_graph(self, at: DateLike, types: Iterable[str] | None) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(self.actors)
        for tie in self.ties(at, types=types):
            graph.add_edge(tie.source, tie.target)
        return graph

    def degree(
        self, at: DateLike = None, *, types: Iterable[str] | None = None
    ) -> pd.Series:
        """Number of distinct actors each actor has a sourced tie with.

        A property of the documented ties only: undocumented ties are absent.

        Examples
        --------
        >>> int(ActorNetwork.load().degree(at="2024-01-28")["iri"])
        7
        """
        graph = self._simple_graph(at, types)
        return pd.Series(dict(graph.degree()), name="degree").sort_values(
            ascending=False, kind="stable"
        )

    def betweenness(
        self,
        at: DateLike = None,
        *,
        types: Iterable[str] | None = None,
        normalized: bool = True,
    ) -> pd.Series:
        """Betweenness centrality on the undirected graph of sourced ties.

        Tie direction and type are ignored; only whether a documented tie
        exists matters. Read it as "how often this actor sits on shortest
        paths between other actors *in the public record*", not as a measure
        of real brokerage.

        Examples
        --------
        >>> b = ActorNetwork.load().betweenness(at="2024-01-28")
        >>> float(b.max()) <= 1.0
        True
        """
        graph = self._simple_graph(at, types)
        values = nx.betweenness_centrality(graph, normalized=normalized)
        return pd.Series(values, name="betweenness").sort_values(
            ascending=False, kind="stable"
        )
