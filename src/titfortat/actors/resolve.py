"""Resolve raw actor names from event data to actor ids of a network.

Stages, first match wins:

1. ``override``: the user's override file (raw name, or its normalised form,
   mapped to an id or to ``null`` = "leave unresolved").
2. ``exact``: the raw string equals an actor id, name or alias.
3. ``normalized``: equal after :func:`normalize_name`. A trailing
   parenthetical such as ``(KH)`` or ``(2021-)`` is also tried without it.
4. ``fuzzy``: the best :func:`rapidfuzz.fuzz.token_sort_ratio` between
   normalised forms reaches ``threshold`` and beats the best *other* actor by
   at least ``margin`` points.

When two actors tie at any stage the name is reported as ``ambiguous`` with the
candidates; when nothing qualifies it is ``unresolved``. Nothing is guessed
silently: a wrong match is worse than none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml
from rapidfuzz import fuzz, process

from titfortat._yaml import load_yaml
from titfortat.exceptions import Reason, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from titfortat.actors.network import ActorNetwork

__all__ = [
    "Resolution",
    "Resolver",
    "load_overrides",
    "normalize_name",
]

Method = Literal["override", "exact", "normalized", "fuzzy", "ambiguous", "unresolved"]

# Apostrophes, ayn/hamza letters and accents used in transliterations; deleted so
# that Kata'ib, Kata’ib and Kataʾib all become "kataib".
_APOSTROPHES = re.compile("['’‘ʼʻʿʾ`´′]")
# Arabic script: tatweel and the letter forms that vary between writers.
_ARABIC_MAP = str.maketrans({"ـ": "", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ۀ": "ه"})
_NON_WORD = re.compile(r"[\W_]+")
_HEZBOLLAH = re.compile(r"^h[ie][zs]b[aoiu]ll+a?h?$")
# Transliteration variants met in Western sources; each maps to one spelling.
# English translations of Arabic words map to the Arabic word, so that
# "Hezbollah Brigades" and "Kataib Hezbollah" normalise alike.
_TOKEN_MAP = {
    **dict.fromkeys(
        ["kataib", "kataeb", "katayib", "kataaib", "brigades", "battalions"],
        "kataib",
    ),
    **dict.fromkeys(
        ["sayyid", "sayyed", "seyyed", "sayed", "seyed", "sayid", "seyyid"], "sayyid"
    ),
    **dict.fromkeys(["shuhada", "shuhadaa", "shohada", "shuhadah"], "shuhada"),
    **dict.fromkeys(["nujaba", "nujabaa", "nujabah"], "nujaba"),
    **dict.fromkeys(["harakat", "harakah", "haraka", "movement"], "harakat"),
    **dict.fromkeys(["awfiya", "awfiyaa", "awfia", "awfiyah", "aufiya"], "awfiya"),
    **dict.fromkeys(
        ["muqawama", "muqawamah", "moqawama", "muqawima", "resistance"], "muqawama"
    ),
    **dict.fromkeys(
        ["islamiya", "islamiyah", "islamiyya", "islamiyyah", "islamic"], "islamiya"
    ),
    **dict.fromkeys(["mobilization", "mobilisation"], "mobilization"),
    **dict.fromkeys(["quds", "qods"], "quds"),
    **dict.fromkeys(["houthi", "huthi", "houthis", "huthis"], "huthi"),
    **dict.fromkeys(["shaabi", "shabi", "shaabi"], "shabi"),
    "guards": "guard",
    "iraqi": "iraq",
    "iranian": "iran",
    "lebanese": "lebanon",
    "fil": "fi",
}
_SPLIT = {"ansarallah": "ansar allah", "ansarullah": "ansar allah"}
# Articles, prepositions and conjunctions that sources drop or add freely.
_STOPWORDS = frozenset({"the", "of", "in", "fi", "and", "al", "el", "ul", "il", "في"})


def normalize_name(raw: str) -> str:
    """Return the comparison form of an actor name.

    Case, accents, apostrophes, punctuation, the Arabic article (al-/el- and
    ``ال``), Arabic letter variants, common transliteration variants
    (Kataib/Kata'ib/Kataeb, Hezbollah/Hizballah/Hizbollah, ...) and English
    translations of key words (Brigades = Kataib, Movement = Harakat) are
    folded, single letters are joined (U.S. = US) and tokens are sorted, so
    word order does not matter.

    Parameters
    ----------
    raw : str
        A name as it appears in a data set.

    Returns
    -------
    str
        Space-separated, sorted tokens; empty if nothing is left.

    Examples
    --------
    >>> normalize_name("Kata'ib Hizballah") == normalize_name("Kataeb Hezbollah")
    True
    >>> normalize_name("Hezbollah Brigades") == normalize_name("Kataib Hezbollah")
    True
    >>> normalize_name("U.S. forces")
    'forces us'
    """
    text = unicodedata.normalize("NFKC", raw).translate(_ARABIC_MAP).casefold()
    text = _APOSTROPHES.sub("", text)
    # NFKD then dropping combining marks removes Latin accents and Arabic
    # harakat and hamza/madda signs in one pass.
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    text = _NON_WORD.sub(" ", text)
    tokens: list[str] = []
    for token in text.split():
        token = _SPLIT.get(token, token)
        for part in token.split():
            if len(part) >= 5 and part.startswith("ال"):
                part = part[2:]
            if _HEZBOLLAH.match(part):
                part = "hizballah"
            tokens.append(_TOKEN_MAP.get(part, part))
    tokens = _join_letters(tokens)
    tokens = [t for t in tokens if t not in _STOPWORDS]
    return " ".join(sorted(tokens))


def _join_letters(tokens: list[str]) -> list[str]:
    """Join runs of single Latin letters: ``u s`` -> ``us``."""
    out: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1 and token.isascii() and token.isalpha():
            run += token
            continue
        if run:
            out.append(run)
            run = ""
        out.append(token)
    if run:
        out.append(run)
    return out


_PAREN = re.compile(r"^(?P<main>.*?)\s*\((?P<inner>[^()]*)\)\s*$")


@dataclass(frozen=True)
class Resolution:
    """How one raw name was resolved.

    Parameters
    ----------
    raw : str
        The name as given.
    actor_id, name : str or None
        The resolved actor, or ``None`` if ambiguous or unresolved.
    score : float
        100 for override/exact/normalised matches, else the best fuzzy score
        found (0-100), also when it fell short and the name stayed unresolved.
    method : str
        One of ``override, exact, normalized, fuzzy, ambiguous, unresolved``.
    candidates : tuple of str, default=()
        Competing actor ids for ambiguous names (best first).

    Examples
    --------
    >>> Resolution("KH", "kh", "Kataib Hezbollah", 100.0, "exact").is_resolved
    True
    """

    raw: str
    actor_id: str | None
    name: str | None
    score: float
    method: Method
    candidates: tuple[str, ...] = field(default=())

    @property
    def is_resolved(self) -> bool:
        """Whether an actor id was assigned."""
        return self.actor_id is not None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {
            "raw": self.raw,
            "actor_id": self.actor_id,
            "name": self.name,
            "score": round(float(self.score), 1),
            "method": self.method,
            "candidates": list(self.candidates),
        }


def load_overrides(path: str | Path) -> dict[str, str | None]:
    """Read a resolution override file.

    YAML (a mapping ``raw name: actor_id``, ``null`` to force "unresolved") or
    CSV with columns ``raw, actor_id`` (empty ``actor_id`` = unresolved).

    Parameters
    ----------
    path : str or pathlib.Path
        The file; ``.csv`` is read as CSV, anything else as YAML.

    Returns
    -------
    dict
        Raw name to actor id or ``None``.

    Raises
    ------
    SchemaError
        With ``reason=BAD_MAPPING`` if the file has the wrong shape.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "overrides.yaml"
    >>> _ = f.write_text("Hezbollah Brigades: kh\\nIslamic Resistance: null\\n")
    >>> load_overrides(f)
    {'Hezbollah Brigades': 'kh', 'Islamic Resistance': None}
    """
    path = Path(path)
    fix = (
        "Write a YAML mapping 'raw name: actor_id' (null to leave unresolved) or "
        "a CSV with columns raw, actor_id."
    )
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            if not {"raw", "actor_id"} <= set(frame.columns):
                raise SchemaError(
                    f"The override file {str(path)!r} must have columns raw and "
                    f"actor_id. Got {list(frame.columns)}. {fix}",
                    reason=Reason.BAD_MAPPING,
                )
            return {
                str(r): (str(a).strip() or None)
                for r, a in zip(frame["raw"], frame["actor_id"], strict=True)
            }
        data = load_yaml(path, reason=Reason.BAD_MAPPING, kind="override file")
    except (OSError, yaml.YAMLError, pd.errors.ParserError) as err:
        raise SchemaError(
            f"Cannot read the override file {str(path)!r}: {err}. {fix}",
            reason=Reason.BAD_MAPPING,
        ) from err
    if not isinstance(data, Mapping) or not all(
        v is None or isinstance(v, str) for v in data.values()
    ):
        raise SchemaError(
            f"The override file {str(path)!r} must be a mapping of names to actor "
            f"ids. Got {type(data).__name__}. {fix}",
            reason=Reason.BAD_MAPPING,
        )
    return {str(k): v for k, v in data.items()}


class Resolver:
    """Resolve raw names to the actors of one network.

    Parameters
    ----------
    network : ActorNetwork
        The network whose ids, names and aliases are matched.
    overrides : mapping or path, optional
        Raw name to actor id (or ``None`` = leave unresolved); wins over every
        other stage. A path is read with :func:`load_overrides`.
    threshold : float, default=88.0
        Minimum fuzzy score, 0-100, of :func:`rapidfuzz.fuzz.token_sort_ratio`
        on normalised names.
    margin : float, default=5.0
        The best fuzzy actor must beat the best other actor by this many
        points, else the name is ``ambiguous``.
    min_fuzzy_length : int, default=6
        Normalised names shorter than this (acronyms such as KH, IRI) are
        never fuzzy-matched: one changed letter makes another acronym.

    Raises
    ------
    SchemaError
        With ``reason=UNKNOWN_ACTOR`` if an override names an id that is not
        in the network.

    Examples
    --------
    >>> from titfortat.actors import ActorNetwork
    >>> resolver = Resolver(ActorNetwork.load())
    >>> resolver.resolve("Kata'ib Hizballah").actor_id
    'kh'
    >>> resolver.resolve("KATAIB HIZBULLAH").method
    'normalized'
    >>> resolver.resolve("Asa'ib Ahl al-Haq").method
    'unresolved'
    """

    def __init__(
        self,
        network: ActorNetwork,
        *,
        overrides: Mapping[str, str | None] | str | Path | None = None,
        threshold: float = 88.0,
        margin: float = 5.0,
        min_fuzzy_length: int = 6,
    ) -> None:
        self.network = network
        self.threshold = threshold
        self.margin = margin
        self.min_fuzzy_length = min_fuzzy_length
        if isinstance(overrides, str | Path):
            overrides = load_overrides(overrides)
        self.overrides: dict[str, str | None] = dict(overrides or {})
        actors = network.actors
        bad = sorted(
            {v for v in self.overrides.values() if v is not None and v not in actors}
        )
        if bad:
            raise SchemaError(
                f"Override(s) map names to actor id(s) {bad[:5]} that are not in "
                f"the network {network.id!r}. Expected one of {sorted(actors)[:10]}"
                "... Fix the ids or add the actors to the network file.",
                reason=Reason.UNKNOWN_ACTOR,
            )
        self._override_norm = {normalize_name(k): v for k, v in self.overrides.items()}
        self._exact: dict[str, str] = {}
        self._norm: dict[str, set[str]] = {}
        for actor in actors.values():
            for alias in actor.all_names():
                self._exact.setdefault(alias, actor.id)
                key = normalize_name(alias)
                if key:
                    self._norm.setdefault(key, set()).add(actor.id)
        self._fuzzy_keys = [k for k in self._norm if len(k) >= min_fuzzy_length]

    def __repr__(self) -> str:
        return (
            f"Resolver(network={self.network.id!r}, threshold={self.threshold}, "
            f"n_overrides={len(self.overrides)})"
        )

    def resolve(self, raw: str) -> Resolution:
        """Resolve one raw name.

        Parameters
        ----------
        raw : str
            The name as it appears in the data.

        Returns
        -------
        Resolution
        """
        text = str(raw).strip()
        norm = normalize_name(text)
        if text in self.overrides or norm in self._override_norm:
            aid = self.overrides.get(text, self._override_norm.get(norm))
            return self._make(raw, aid, 100.0 if aid else 0.0, "override")
        if text in self._exact:
            return self._make(raw, self._exact[text], 100.0, "exact")
        variants = [norm]
        match = _PAREN.match(text)
        if match and match.group("main"):
            variants.append(normalize_name(match.group("main")))
        for key in variants:
            found = self._norm.get(key)
            if found:
                if len(found) > 1:
                    return self._ambiguous(raw, sorted(found))
                aid = next(iter(found))
                if match and key != norm:
                    inner = self._norm.get(normalize_name(match.group("inner")), set())
                    if inner and aid not in inner:
                        return self._ambiguous(raw, [aid, *sorted(inner)])
                return self._make(raw, aid, 100.0, "normalized")
        return self._fuzzy(raw, variants)

    def resolve_many(self, raws: Iterable[str]) -> list[Resolution]:
        """Resolve several names; see :meth:`resolve`."""
        return [self.resolve(r) for r in raws]

    def to_frame(self, raws: Iterable[str]) -> pd.DataFrame:
        """Resolve names and return one row per name.

        Columns: ``raw, actor_id, name, score, method, candidates``.
        """
        rows = [r.to_dict() for r in self.resolve_many(raws)]
        return pd.DataFrame(
            rows,
            columns=["raw", "actor_id", "name", "score", "method", "candidates"],
        )

    # -- internals ---------------------------------------------------------
    def _make(
        self, raw: str, aid: str | None, score: float, method: Method
    ) -> Resolution:
        name = self.network.actors[aid].name if aid else None
        return Resolution(str(raw), aid, name, score, method)

    def _ambiguous(
        self, raw: str, candidates: list[str], score: float = 100.0
    ) -> Resolution:
        return Resolution(str(raw), None, None, score, "ambiguous", tuple(candidates))

    def _fuzzy(self, raw: str, variants: list[str]) -> Resolution:
        best: dict[str, float] = {}
        for key in variants:
            if len(key) < self.min_fuzzy_length:
                continue
            for choice, score, _ in process.extract(
                key,
                self._fuzzy_keys,
                scorer=fuzz.token_sort_ratio,
                limit=10,
            ):
                for aid in self._norm[choice]:
                    best[aid] = max(best.get(aid, 0.0), float(score))
        if not best:
            return Resolution(str(raw), None, None, 0.0, "unresolved")
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        top_id, top = ranked[0]
        if top < self.threshold:
            return Resolution(str(raw), None, None, top, "unresolved")
        if len(ranked) > 1 and top - ranked[1][1] < self.margin:
            close = [aid for aid, s in ranked if top - s < self.margin]
            return self._ambiguous(raw, close, top)
        return self._make(raw, top_id, top, "fuzzy")
