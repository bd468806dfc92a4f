"""One safe YAML loader for every file titfortat reads (mapping, network, scenario).

PyYAML's ``SafeLoader`` builds no arbitrary objects, but it still lets a small
file expand into an enormous structure through anchors and aliases (the
"billion laughs": nine levels of ten aliases are 10**9 nodes for code that
walks them) and lets an alias point into its own anchor (a recursive
structure that overflows the stack of any walker). Both are refused here
before our code sees the data:

* the file may hold at most :data:`MAX_BYTES` bytes;
* the composed document may hold at most :data:`MAX_NODES` nodes *counting
  every alias as a copy of what it names* (so a merge key ``<<: *defaults``
  is fine, a bomb is not);
* an alias may not name an anchor that is still open (a recursive alias).

Dates are not converted (``2024-01-31`` stays a string), so that a bad date
is reported by the code that reads it, with its file and line.

Each refusal is a :class:`~titfortat.exceptions.SchemaError` with the file
and line, raised within milliseconds.

Use :func:`load_yaml` for a file or text, or :class:`SafeLoader` as the base of
a loader that adds its own constructors (the actor-network loader records the
line of every mapping that way). :func:`short_repr` quotes user values in
messages without echoing a whole structure.

Examples
--------
>>> load_yaml("<text>", text="a: 1\\nb: [x, y]\\n")
{'a': 1, 'b': ['x', 'y']}
>>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
...     f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\\n"
...     for p, c in zip("abcdefgh", "bcdefghi"))
>>> load_yaml("bomb.yaml", text=bomb)
Traceback (most recent call last):
...
titfortat.exceptions.SchemaError: bomb.yaml, line ...: the YAML expands to more...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from titfortat.exceptions import Reason, SchemaError

__all__ = ["MAX_BYTES", "MAX_NODES", "SafeLoader", "load_yaml", "short_repr"]

#: Largest YAML file read, in bytes. The bundled networks are ~40 kB; a
#: mapping is a few hundred bytes.
MAX_BYTES = 4 << 20
#: Largest number of nodes after alias expansion. A 4 MiB file of plain
#: scalars has fewer; only aliases can push a document past it.
MAX_NODES = 100_000


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with an alias-expansion budget and no recursion.

    Parameters
    ----------
    stream : str
        The YAML text.
    source : str
        The file name used in messages.
    max_nodes : int
        Budget of nodes after alias expansion.
    """

    def __init__(
        self,
        stream: str,
        *,
        source: str = "<yaml>",
        max_nodes: int = MAX_NODES,
        reason: Reason = Reason.UNREADABLE_FILE,
    ) -> None:
        super().__init__(stream)
        self._reason = reason
        self._source = source
        self._max_nodes = max_nodes
        self._n_nodes = 0
        self._open: set[str] = set()
        self._sizes: dict[str, int] = {}

    def _refuse(self, mark: Any, what: str) -> SchemaError:
        line = mark.line + 1 if mark is not None else None
        where = f"{self._source}, line {line}" if line else self._source
        return SchemaError(f"{where}: {what}", reason=self._reason, path=self._source)

    def _charge(self, n: int, mark: Any) -> None:
        self._n_nodes += n
        if self._n_nodes > self._max_nodes:
            raise self._refuse(
                mark,
                f"the YAML expands to more than {self._max_nodes:,} nodes once "
                "its aliases (*name) are followed. A mapping or network file is "
                "far smaller; expand the aliases by hand or remove them.",
            )

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            anchor = event.anchor
            if anchor in self._open:
                raise self._refuse(
                    event.start_mark,
                    f"the alias *{short_repr(anchor, 40)} refers to the structure "
                    "that contains it (a recursive alias). Remove the alias.",
                )
            self._charge(self._sizes.get(anchor, 1), event.start_mark)
            return super().compose_node(parent, index)
        anchor = None
        if isinstance(event, ScalarEvent | CollectionStartEvent):
            anchor = event.anchor
        before = self._n_nodes
        self._charge(1, event.start_mark)
        if anchor is not None:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor is not None:
            self._open.discard(anchor)
            self._sizes[anchor] = self._n_nodes - before
        return node


# Dates stay text: PyYAML turns "2024-13-01" into a bare ValueError with no
# line, where the code that reads the date can name the file and line.
SafeLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(
    source: str | Path,
    *,
    text: str | None = None,
    loader: type[SafeLoader] = SafeLoader,
    max_bytes: int = MAX_BYTES,
    max_nodes: int = MAX_NODES,
    with_node: bool = False,
    reason: Reason = Reason.UNREADABLE_FILE,
    kind: str = "YAML file",
) -> Any:
    """Parse one YAML document safely (see the module docstring).

    Parameters
    ----------
    source : str or Path
        The file to read, or (with ``text``) the name shown in messages.
    text : str, optional
        The YAML text, when it is already in memory.
    loader : subclass of SafeLoader
        For extra constructors.
    max_bytes, max_nodes : int
        The size and alias-expansion budgets.
    reason : Reason
        The ``reason`` of the errors raised (a mapping file says
        ``BAD_MAPPING``).
    kind : str
        What the file is, for messages ("actor-network file").
    with_node : bool, default False
        Return ``(data, node)``: the composed node tree gives the line of
        every key, for messages.

    Raises
    ------
    SchemaError
        ``reason`` ``UNREADABLE_FILE``: unreadable, too large, not YAML, an
        alias bomb or a recursive alias; the message names file and line.
    """
    name = str(source)
    if text is None:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise SchemaError(
                    f"{name}: the file has {size:,} bytes; YAML files read by "
                    f"titfortat may have at most {max_bytes:,}. Is it the right "
                    "file?",
                    reason=reason,
                    path=name,
                )
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise SchemaError(
                f"Cannot read the {kind} {name!r}: expected a readable UTF-8 YAML "
                "file, got "
                f"{type(err).__name__}: {err}. Check the path and the encoding.",
                reason=reason,
                path=name,
            ) from err
    if len(text.encode("utf-8", errors="replace")) > max_bytes:
        raise SchemaError(
            f"{name}: the YAML text is larger than {max_bytes:,} bytes.",
            reason=reason,
            path=name,
        )
    ldr = None
    try:
        # The reader checks the characters as it is built: inside the try.
        ldr = loader(text, source=name, max_nodes=max_nodes, reason=reason)
        node = ldr.get_single_node()
        data = ldr.construct_document(node) if node is not None else None
        return (data, node) if with_node else data
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise SchemaError(
            f"{name}{line}: not valid YAML ({problem}). Fix the syntax there.",
            reason=reason,
            path=name,
        ) from None
    except RecursionError:
        raise SchemaError(
            f"{name}: the YAML nests too deeply to read. Flatten it.",
            reason=reason,
            path=name,
        ) from None
    finally:
        if ldr is not None:
            ldr.dispose()


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages.

    A user's structure may be huge (or, from another loader, recursive): a
    message shows its type and a prefix, never the whole of it.

    Examples
    --------
    >>> short_repr(["a", "b"])
    "['a', 'b']"
    >>> short_repr("x" * 100, 10)
    "'xxxxxx… (str of 100)"
    """
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
    else:
        # reprlib stops at a fixed depth and width, so a recursive or huge
        # structure costs nothing to show.
        import reprlib

        r = reprlib.Repr()
        r.maxlevel, r.maxlist, r.maxdict, r.maxstring = 2, 4, 4, limit
        text = r.repr(value)
    if len(text) <= limit:
        return text
    kind = type(value).__name__
    size = f"{kind} of {len(value)}" if hasattr(value, "__len__") else kind
    return f"{text[: max(limit - 3, 1)]}… ({size})"
