"""YAML with line numbers, and the problem list every scenario error uses.

The actor loader (:mod:`titfortat.actors._loader`) keeps its line-recording
loader private and records mappings only; scenario errors must point at the
line of the offending *value* (``probability: -0.3``), so this loader also
records the line of every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from titfortat.exceptions import Reason, SchemaError

__all__ = ["LINE", "Problems", "key_line", "read_yaml"]

LINE = "__line__"
_KEY_LINES = "__key_lines__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader recording the 1-based line of each mapping and of each key."""

    def construct_mapping(
        self, node: yaml.MappingNode, deep: bool = False
    ) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        mapping[_KEY_LINES] = {
            k.value: k.start_mark.line + 1
            for k, _ in node.value
            if isinstance(k, yaml.ScalarNode)
        }
        return mapping


# Dates stay text (a bad date is then reported with its line, not by PyYAML).
_LineLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Parse ``path``; a syntax error becomes a :class:`SchemaError` with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SchemaError(
            f"Cannot read the scenario file {str(path)!r}: {err.strerror}. "
            "Pass an existing YAML file or a bundled scenario name "
            "(e.g. 'case-2023-24').",
            reason=Reason.UNREADABLE_FILE,
        ) from err
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise SchemaError(
            f"{path}:{line}: the scenario is not valid YAML ({err}).",
            reason=Reason.MALFORMED_ROW,
        ) from err


def key_line(entry: Any, key: str) -> int | None:
    """Line of ``key`` inside mapping ``entry`` (else of the mapping itself)."""
    if not isinstance(entry, Mapping):
        return None
    lines = entry.get(_KEY_LINES) or {}
    return lines.get(key, entry.get(LINE))


def clean(entry: Any) -> Any:
    """The mapping without the line bookkeeping keys (recursively)."""
    if isinstance(entry, Mapping):
        return {k: clean(v) for k, v in entry.items() if k not in (LINE, _KEY_LINES)}
    if isinstance(entry, list):
        return [clean(v) for v in entry]
    return entry


@dataclass
class Problems:
    """Collects every problem of one file, then raises them together."""

    source: str
    items: list[tuple[int | None, Reason, str]]

    def add(self, line: int | None, reason: Reason, message: str) -> None:
        self.items.append((line, reason, message))

    def raise_if_any(self, what: str = "scenario") -> None:
        if not self.items:
            return
        shown = [
            f"  {self.source}:{line if line is not None else '?'}: {msg}"
            for line, _, msg in self.items[:8]
        ]
        if len(self.items) > 8:
            shown.append(
                f"  ... and {len(self.items) - 8} more (see err.failure_cases)"
            )
        frame = pd.DataFrame(
            {
                "file": [self.source] * len(self.items),
                "line": [i[0] for i in self.items],
                "reason": [i[1].value for i in self.items],
                "message": [i[2] for i in self.items],
            }
        )
        raise SchemaError(
            f"The {what} {self.source!r} is invalid ({len(self.items)} problem(s)):\n"
            + "\n".join(shown),
            reason=self.items[0][1],
            failure_cases=frame,
        )
