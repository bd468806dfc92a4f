"""Issue 13: YAML files are size- and alias-limited before our code walks them."""

from __future__ import annotations

import re

import pytest

from titfortat._yaml import MAX_BYTES, load_yaml, short_repr
from titfortat.actors import ActorNetwork
from titfortat.events.sources.table import load_mapping
from titfortat.exceptions import Reason, SchemaError

# Nine levels of ten aliases: 10**9 leaves for code that follows the aliases.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
RECURSIVE = "source: x\ncolumns: &c\n  date: d\n  notes: *c\n"


def _mapping(tmp_path, text):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_billion_laughs_in_a_mapping_is_refused(tmp_path):
    path = _mapping(tmp_path, "source: x\ncolumns:\n  date: d\n" + BOMB)
    with pytest.raises(SchemaError, match="expands to more than 100,000 nodes") as e:
        load_mapping(path)
    assert e.value.reason is Reason.BAD_MAPPING
    assert re.search(r"m\.yaml, line \d+", str(e.value))


def test_billion_laughs_in_a_network_is_refused(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("id: n\n" + BOMB, encoding="utf-8")
    with pytest.raises(SchemaError, match="expands to more than"):
        ActorNetwork.load(path)


def test_recursive_alias_is_refused(tmp_path):
    with pytest.raises(SchemaError, match="recursive alias") as e:
        load_mapping(_mapping(tmp_path, RECURSIVE))
    assert "line 4" in str(e.value)
    net = tmp_path / "net.yaml"
    net.write_text("id: n\nactors: &a\n  - *a\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="recursive alias"):
        ActorNetwork.load(net)


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = _mapping(tmp_path, "source: x\n# " + "y" * MAX_BYTES + "\n")
    with pytest.raises(SchemaError, match="at most"):
        load_mapping(path)


def test_ordinary_aliases_and_merge_keys_still_load():
    data = load_yaml(
        "<text>",
        text="d: &d {column: date, format: '%Y-%m-%d'}\ne: {<<: *d, format: x}\n",
    )
    assert data["e"] == {"column": "date", "format": "x"}


@pytest.mark.parametrize(
    "spec, line, words",
    [
        ("  actor: {column: 123}", 4, "'column' must be a column name"),
        ("  actor: 123", 4, "must be a column name or a mapping; got 123"),
        ("  event_type: {column: t, map: [a, b]}", 4, "'map' must be a mapping"),
        ("  event_type: {cases: abc}", 4, "'cases' must be a list"),
        ("  event_type: {cases: [1, 2]}", 4, "'cases' must be a list"),
        ("  n_events: {constant: abc}", 4, "a whole number in [0, 2147483647]"),
        ("  n_events: {constant: 1e10}", 4, "'constant' must be"),
        ("  latitude: {constant: 95}", 4, "a number in [-90, 90]"),
        ("  date_end: {constant: 2024-13-01}", 4, "an ISO date"),
        ("  actor: {columns: notes}", 4, "'columns' must be a list"),
        ("  actor: {column: n, join: [1]}", 4, "'join' must be"),
    ],
)
def test_wrong_types_in_a_mapping_name_file_and_line(tmp_path, spec, line, words):
    text = f"source: x\ncolumns:\n  date: d\n{spec}\n"
    with pytest.raises(SchemaError) as e:
        load_mapping(_mapping(tmp_path, text))
    msg = str(e.value)
    assert e.value.reason is Reason.BAD_MAPPING
    assert f"m.yaml, line {line}" in msg
    assert words in msg


@pytest.mark.parametrize(
    "top, words",
    [
        ("delimiter: ';;'", "'delimiter' must be one character"),
        ("header: maybe", "'header' must be true or false"),
        ("encoding: [utf-8]", "'encoding' must be"),
    ],
)
def test_wrong_top_level_types(tmp_path, top, words):
    text = f"source: x\n{top}\ncolumns:\n  date: d\n"
    with pytest.raises(SchemaError, match=re.escape(words)) as e:
        load_mapping(_mapping(tmp_path, text))
    assert "line 2" in str(e.value)


def test_messages_quote_a_short_prefix_of_user_structures(tmp_path):
    huge = "[" + ", ".join(f"v{i}" for i in range(5000)) + "]"
    text = f"source: x\ncolumns:\n  date: d\n  actor: {{column: {huge}}}\n"
    with pytest.raises(SchemaError) as e:
        load_mapping(_mapping(tmp_path, text))
    assert len(str(e.value)) < 400
    assert "v4999" not in str(e.value)
    loop: list = []
    loop.append(loop)
    assert len(short_repr(loop)) <= 60
