"""Read and validate the actor-network YAML format.

The file is parsed with :class:`yaml.SafeLoader` (no arbitrary objects) and
every problem is collected before anything is raised, so one run of
``titfortat actors validate`` lists them all. Each problem names the file and
the line of the offending entry.

File layout::

    network: {id: ..., title: ..., description: ...}
    references:
      harmouch2024: {title: "...", url: "..."}   # url optional
    actors:
      - {id: kh, name: Kataib Hezbollah, kind: faction, country: IQ,
         aliases: [...], notes: "..."}
    ties:
      - {source: kh, target: iri, type: member_of, start: 2023-10-18, end: null,
         confidence: medium, citation: [harmouch2024], notes: "..."}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from titfortat._yaml import SafeLoader, load_yaml, short_repr
from titfortat.actors._model import (
    ACTOR_KINDS,
    CONFIDENCE_LEVELS,
    TIE_TYPES,
    Actor,
    Reference,
    Tie,
)
from titfortat.exceptions import Reason, SchemaError

__all__ = ["NetworkSpec", "parse_date", "read_network_file", "validate_network_data"]

_LINE = "__line__"
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_ACTOR_KEYS = {"id", "name", "kind", "country", "aliases", "notes"}
_TIE_KEYS = {
    "source",
    "target",
    "type",
    "start",
    "end",
    "confidence",
    "citation",
    "notes",
}


class _LineLoader(SafeLoader):
    """SafeLoader that records the 1-based line of every mapping."""

    def construct_mapping(
        self, node: yaml.MappingNode, deep: bool = False
    ) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


# Keep dates as text so that parse_date reports a bad one with file and line,
# instead of PyYAML raising a bare ValueError for e.g. 2024-13-01.
_LineLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class NetworkSpec:
    """Validated content of one network file."""

    id: str
    title: str
    description: str
    actors: tuple[Actor, ...]
    ties: tuple[Tie, ...]
    references: tuple[Reference, ...]
    source: str


@dataclass(frozen=True)
class _Problem:
    line: int | None
    reason: Reason
    message: str


def parse_date(value: Any, *, name: str = "date") -> dt.date | None:
    """Parse an ISO date (``YYYY-MM-DD``) or ``None``.

    Parameters
    ----------
    value : str, datetime.date or None
        The value to parse.
    name : str, default="date"
        What the value is, for the error message.

    Returns
    -------
    datetime.date or None

    Raises
    ------
    ValueError
        If ``value`` is not an ISO date.

    Examples
    --------
    >>> parse_date("2024-01-28")
    datetime.date(2024, 1, 28)
    >>> parse_date(None) is None
    True
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as err:
        raise ValueError(
            f"The {short_repr(name)} must be an ISO date like 2024-01-28. "
            f"Got {short_repr(value)} "
            "instead. Fix the date or leave it empty for an open end."
        ) from err


def read_network_file(path: str | Path) -> NetworkSpec:
    """Read, parse and validate one network YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file.

    Returns
    -------
    NetworkSpec

    Raises
    ------
    SchemaError
        With ``reason`` ``UNREADABLE_FILE`` if the file cannot be read or
        parsed, otherwise with the reason of the first problem found; every
        problem is listed in ``failure_cases`` (columns ``file, line, reason,
        message``).
    """
    path = Path(path)
    # Size and alias budgets before any of our code walks the data (issue 13:
    # a billion-laughs file ran to a MemoryError in the line-map walk).
    data = load_yaml(path, loader=_LineLoader, kind="actor-network file")
    return validate_network_data(data, source=str(path))


def validate_network_data(data: Any, *, source: str = "<dict>") -> NetworkSpec:
    """Validate an already-parsed network mapping.

    Parameters
    ----------
    data : Mapping
        Parsed YAML (or an equivalent dict built in code).
    source : str, default="<dict>"
        Name used in messages in place of a file name.

    Returns
    -------
    NetworkSpec

    Raises
    ------
    SchemaError
        If anything is wrong; see :func:`read_network_file`.

    Examples
    --------
    >>> spec = validate_network_data({
    ...     "network": {"id": "toy"},
    ...     "references": {"r1": {"title": "A public report, 2024"}},
    ...     "actors": [{"id": "a", "name": "A", "kind": "faction"},
    ...                {"id": "u", "name": "U", "kind": "umbrella"}],
    ...     "ties": [{"source": "a", "target": "u", "type": "member_of",
    ...               "confidence": "low", "citation": ["r1"]}]})
    >>> len(spec.actors), len(spec.ties)
    (2, 1)
    """
    problems: list[_Problem] = []
    if not isinstance(data, Mapping):
        _raise(
            source,
            [
                _Problem(
                    None,
                    Reason.UNREADABLE_FILE,
                    "the file must hold a mapping with keys network, references, "
                    f"actors and ties; got {type(data).__name__}",
                )
            ],
        )
    meta = data.get("network") or {}
    references = _read_references(data.get("references") or {}, problems)
    actors = _read_actors(data.get("actors"), problems)
    known = {a.id for a in actors}
    ties = _read_ties(data.get("ties") or [], known, references, problems)
    _check_aliases(data.get("actors") or [], actors, problems)
    _check_cycles(ties, data.get("ties") or [], problems)
    if problems:
        _raise(source, problems)
    return NetworkSpec(
        id=str(meta.get("id") or Path(source).stem),
        title=str(meta.get("title") or ""),
        description=str(meta.get("description") or "").strip(),
        actors=tuple(actors),
        ties=tuple(ties),
        references=tuple(references.values()),
        source=source,
    )


def _raise(source: str, problems: list[_Problem]) -> None:
    lines = [
        f"  {source}:{p.line if p.line is not None else '?'}: {p.message}"
        for p in problems[:5]
    ]
    more = len(problems) - 5
    if more > 0:
        lines.append(f"  ... and {more} more (see err.failure_cases)")
    frame = pd.DataFrame(
        {
            "file": [source] * len(problems),
            "line": [p.line for p in problems],
            "reason": [p.reason.value for p in problems],
            "message": [p.message for p in problems],
        }
    )
    raise SchemaError(
        f"The actor network {source!r} is invalid ({len(problems)} problem(s)):\n"
        + "\n".join(lines),
        reason=problems[0].reason,
        failure_cases=frame,
    )


def _line(entry: Any) -> int | None:
    return entry.get(_LINE) if isinstance(entry, Mapping) else None


def _read_references(raw: Any, problems: list[_Problem]) -> dict[str, Reference]:
    refs: dict[str, Reference] = {}
    if not isinstance(raw, Mapping):
        problems.append(
            _Problem(
                _line(raw),
                Reason.UNKNOWN_VALUE,
                "'references' must map keys to {title, url}; "
                f"got {type(raw).__name__}",
            )
        )
        return refs
    for key, value in raw.items():
        if key == _LINE:
            continue
        if isinstance(value, str):
            refs[str(key)] = Reference(str(key), value)
        elif isinstance(value, Mapping) and value.get("title"):
            url = value.get("url")
            refs[str(key)] = Reference(str(key), str(value["title"]), url or None)
        else:
            problems.append(
                _Problem(
                    _line(value) or _line(raw),
                    Reason.MISSING_VALUE,
                    f"reference {short_repr(key)} needs a 'title' "
                    "(and optionally a 'url'); "
                    f"got {short_repr(value)}",
                )
            )
    return refs


def _read_actors(raw: Any, problems: list[_Problem]) -> list[Actor]:
    actors: list[Actor] = []
    if not isinstance(raw, list) or not raw:
        problems.append(
            _Problem(
                None,
                Reason.MISSING_VALUE,
                "'actors' must be a non-empty list of {id, name, kind, ...}; "
                f"got {short_repr(raw)}",
            )
        )
        return actors
    seen: dict[str, int | None] = {}
    for entry in raw:
        line = _line(entry)
        if not isinstance(entry, Mapping):
            problems.append(
                _Problem(
                    line,
                    Reason.MISSING_VALUE,
                    f"actor must be a mapping; got {short_repr(entry)}",
                )
            )
            continue
        unknown = sorted(set(entry) - _ACTOR_KEYS - {_LINE})
        if unknown:
            problems.append(
                _Problem(
                    line,
                    Reason.UNKNOWN_VALUE,
                    f"actor has unknown field(s) {unknown}; expected some of "
                    f"{sorted(_ACTOR_KEYS)}. Fix the spelling or move it to notes",
                )
            )
        aid = entry.get("id")
        if not isinstance(aid, str) or not _ID_PATTERN.match(aid):
            problems.append(
                _Problem(
                    line,
                    Reason.MISSING_VALUE,
                    "actor 'id' must be lower-case letters, digits and '_' "
                    f"starting with a letter (e.g. 'kh'); got {short_repr(aid)}",
                )
            )
            continue
        if aid in seen:
            problems.append(
                _Problem(
                    line,
                    Reason.DUPLICATE_ID_IN_FILE,
                    f"actor id {short_repr(aid)} is defined twice (first at line "
                    f"{seen[aid]}); give each actor one entry and merge the aliases",
                )
            )
            continue
        seen[aid] = line
        kind = entry.get("kind")
        if kind not in ACTOR_KINDS:
            problems.append(
                _Problem(
                    line,
                    Reason.UNKNOWN_VALUE,
                    f"actor {short_repr(aid)} has kind {short_repr(kind)}; "
                    "expected one of "
                    f"{', '.join(ACTOR_KINDS)}",
                )
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(
                _Problem(
                    line,
                    Reason.MISSING_VALUE,
                    f"actor {short_repr(aid)} needs a non-empty 'name'; "
                    f"got {short_repr(name)}",
                )
            )
            name = aid
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) for a in aliases
        ):
            problems.append(
                _Problem(
                    line,
                    Reason.UNKNOWN_VALUE,
                    f"actor {short_repr(aid)}: 'aliases' must be a list of strings; "
                    f"got {short_repr(aliases)}",
                )
            )
            aliases = []
        country = entry.get("country")
        actors.append(
            Actor(
                id=aid,
                name=name.strip(),
                kind=str(kind),
                country=str(country) if country else None,
                aliases=tuple(a.strip() for a in aliases if a.strip()),
                notes=str(entry.get("notes") or "").strip(),
            )
        )
    return actors


def _read_ties(
    raw: Any,
    known: set[str],
    refs: dict[str, Reference],
    problems: list[_Problem],
) -> list[Tie]:
    ties: list[Tie] = []
    if not isinstance(raw, list):
        problems.append(
            _Problem(
                None,
                Reason.UNKNOWN_VALUE,
                f"'ties' must be a list; got {type(raw).__name__}",
            )
        )
        return ties
    for entry in raw:
        line = _line(entry)
        if not isinstance(entry, Mapping):
            problems.append(
                _Problem(
                    line,
                    Reason.MISSING_VALUE,
                    f"tie must be a mapping; got {short_repr(entry)}",
                )
            )
            continue
        ok = True
        unknown = sorted(set(entry) - _TIE_KEYS - {_LINE})
        if unknown:
            ok = False
            problems.append(
                _Problem(
                    line,
                    Reason.UNKNOWN_VALUE,
                    f"tie has unknown field(s) {unknown}; expected some of "
                    f"{sorted(_TIE_KEYS)}",
                )
            )
        for end_name in ("source", "target"):
            aid = entry.get(end_name)
            if aid not in known:
                ok = False
                problems.append(
                    _Problem(
                        line,
                        Reason.UNKNOWN_ACTOR,
                        f"tie {end_name} {short_repr(aid)} is not an actor id "
                        "in this file; "
                        "expected one of the ids under 'actors'. Add the actor or "
                        "fix the id",
                    )
                )
        ttype = entry.get("type")
        if ttype not in TIE_TYPES:
            ok = False
            problems.append(
                _Problem(
                    line,
                    Reason.UNKNOWN_VALUE,
                    f"tie type {short_repr(ttype)} is not allowed; expected one of "
                    f"{', '.join(TIE_TYPES)}",
                )
            )
        confidence = entry.get("confidence", "medium")
        if confidence not in CONFIDENCE_LEVELS:
            ok = False
            problems.append(
                _Problem(
                    line,
                    Reason.UNKNOWN_VALUE,
                    f"tie confidence {short_repr(confidence)} is not allowed; expected "
                    "low, medium or high",
                )
            )
        try:
            start = parse_date(entry.get("start"), name="start")
            end = parse_date(entry.get("end"), name="end")
        except ValueError as err:
            problems.append(_Problem(line, Reason.INVALID_DATE, str(err)))
            continue
        if start is not None and end is not None and end < start:
            ok = False
            problems.append(
                _Problem(
                    line,
                    Reason.END_BEFORE_START,
                    f"tie {entry.get('source')} {ttype} {entry.get('target')} ends "
                    f"on {end} before it starts on {start}; expected end >= start. "
                    "Swap the dates or fix the typo",
                )
            )
        keys = entry.get("citation")
        if isinstance(keys, str):
            keys = [keys]
        if not keys or not isinstance(keys, list):
            ok = False
            problems.append(
                _Problem(
                    line,
                    Reason.MISSING_VALUE,
                    f"tie {entry.get('source')} {ttype} {entry.get('target')} has "
                    "no citation; expected a list of keys under 'references'. "
                    "Every tie must cite a public source",
                )
            )
            keys = []
        missing = [k for k in keys if k not in refs]
        if missing:
            ok = False
            problems.append(
                _Problem(
                    line,
                    Reason.MISSING_VALUE,
                    f"tie cites unknown reference key(s) {missing}; expected "
                    f"keys defined under 'references'",
                )
            )
        if ok:
            ties.append(
                Tie(
                    source=str(entry["source"]),
                    target=str(entry["target"]),
                    type=str(ttype),
                    start=start,
                    end=end,
                    confidence=str(confidence),
                    citation=tuple(refs[k] for k in keys),
                    notes=str(entry.get("notes") or "").strip(),
                )
            )
    return ties


def _check_aliases(
    raw: list[Any], actors: list[Actor], problems: list[_Problem]
) -> None:
    """Flag any name or alias (case-insensitive) claimed by two actors."""
    lines = {e.get("id"): _line(e) for e in raw if isinstance(e, Mapping)}
    owner: dict[str, str] = {}
    for actor in actors:
        for alias in dict.fromkeys(n.casefold() for n in actor.all_names()):
            other = owner.setdefault(alias, actor.id)
            if other != actor.id:
                problems.append(
                    _Problem(
                        lines.get(actor.id),
                        Reason.DUPLICATE_ALIAS,
                        f"alias {short_repr(alias)} of actor {actor.id!r} is "
                        "already claimed "
                        f"by actor {other!r} (line {lines.get(other)}); an alias "
                        "must name one actor. Remove it from one of them, or add "
                        "it to a resolution override file if it is truly ambiguous",
                    )
                )


def _check_cycles(ties: list[Tie], raw: list[Any], problems: list[_Problem]) -> None:
    """Flag member_of cycles (A member_of B member_of ... A), ignoring dates."""
    graph: dict[str, set[str]] = {}
    for tie in ties:
        if tie.type == "member_of":
            graph.setdefault(tie.source, set()).add(tie.target)
    lines = {
        (e.get("source"), e.get("target")): _line(e)
        for e in raw
        if isinstance(e, Mapping) and e.get("type") == "member_of"
    }
    reported: set[frozenset[str]] = set()
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    cycle = [*path, start]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        problems.append(
                            _Problem(
                                lines.get((path[-1], start)),
                                Reason.MEMBERSHIP_CYCLE,
                                "member_of ties form a cycle "
                                f"{' -> '.join(cycle)}; membership must be a "
                                "hierarchy. Use allied_with for mutual ties",
                            )
                        )
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
