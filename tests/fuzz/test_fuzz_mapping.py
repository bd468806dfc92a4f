"""Random mapping files (issue 13, item 9).

Random structures in the place of every part of a YAML mapping, and random
YAML text, must either load or raise a SchemaError with a message; a mapping
that loads must then ingest a file holding its columns without any other
exception, and with ``read == inserted + duplicates + quarantined``.
"""

from __future__ import annotations

import csv
import io

import yaml
from hypothesis import given
from hypothesis import strategies as st

from titfortat.events import EventStore
from titfortat.events.schema import READER_COLUMNS
from titfortat.events.sources.table import _spec_columns, load_mapping
from titfortat.exceptions import SchemaError, TitForTatError

from ._support import fuzz_settings

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2024-01-31", "2024-13-01", "%Y-%m-%d", "stata_week", "x"]),
)
_any = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=8,
)
_colname = st.sampled_from(["a", "b", "c", "d", "when", "kind"])
_spec = st.one_of(
    _colname,
    _any,
    st.fixed_dictionaries(
        {},
        optional={
            "column": st.one_of(_colname, _any),
            "constant": _scalar,
            "map": st.one_of(
                st.dictionaries(
                    _scalar.filter(
                        lambda v: v is not None and not isinstance(v, float)
                    ),
                    _scalar,
                    max_size=3,
                ),
                _any,
            ),
            "default": _scalar,
            "cases": st.one_of(
                st.lists(
                    st.fixed_dictionaries(
                        {"column": _colname, "equals": _scalar, "value": _scalar}
                    ),
                    max_size=2,
                ),
                _any,
            ),
            "columns": st.one_of(st.lists(_colname, max_size=3), _any),
            "join": st.one_of(st.just("; "), _any),
            "format": st.one_of(st.sampled_from(["%Y-%m-%d", "stata_week"]), _any),
        },
    ),
)
_names = st.sampled_from(
    [c for c in READER_COLUMNS if c != "source"] + ["bogus", "source"]
)
_base = st.fixed_dictionaries(
    {
        "source": st.one_of(st.just("fuzz"), _any),
        "columns": st.one_of(
            st.dictionaries(_names, _spec, max_size=6).map(
                lambda d: {"date": {"column": "when"}, **d}
            ),
            _any,
        ),
    },
    optional={
        "delimiter": st.one_of(st.just(","), _any),
        "header": st.one_of(st.just(True), _any),
        "quote": st.one_of(st.just('"'), _any),
        "encoding": st.one_of(st.just("utf-8"), _any),
        "format": st.one_of(st.just("csv"), _any),
    },
)
# Specs from the documented grammar with random values: most such mappings
# load, so the ingest behind them is exercised too.
_valid_spec = st.one_of(
    _colname,
    st.builds(lambda c: {"column": c}, _colname),
    st.builds(
        lambda c, m, d: {"column": c, "map": m, "default": d},
        _colname,
        st.dictionaries(
            st.text(max_size=5),
            st.sampled_from(["attack", "strike", "protest", "other", "x", "7"]),
            max_size=3,
        ),
        st.sampled_from([None, "other", "attack", "nonsense"]),
    ),
    st.builds(lambda v: {"constant": v}, _scalar),
    st.builds(
        lambda cs, d: {"cases": cs, "default": d},
        st.lists(
            st.fixed_dictionaries(
                {"column": _colname, "equals": _scalar, "value": _scalar}
            ),
            min_size=1,
            max_size=2,
        ),
        _scalar,
    ),
    st.builds(
        lambda cs, j: {"columns": cs, "join": j},
        st.lists(_colname, min_size=1, max_size=3),
        st.text(max_size=3),
    ),
)
_valid_mapping = st.builds(
    lambda cols, fmt: {
        "source": "fuzz",
        "columns": {"date": {"column": "when", "format": fmt}, **cols},
    },
    st.dictionaries(
        _names.filter(lambda n: n not in {"date", "source", "bogus"}),
        _valid_spec,
        max_size=6,
    ),
    st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "stata_week"]),
)
# Unknown top-level keys too.
_mapping = st.tuples(_base, st.dictionaries(st.text(max_size=8), _any, max_size=2)).map(
    lambda t: {**t[1], **t[0]}
)
SETTINGS = fuzz_settings(150)


@SETTINGS
@given(
    mapping=st.one_of(_mapping, _valid_mapping),
    values=st.lists(st.text(max_size=10), min_size=7, max_size=7),
)
def test_fuzz_mapping_dict_loads_or_says_why(tmp_path, mapping, values, tried):
    tried["mappings"] += 1
    try:
        loaded = load_mapping(mapping)
    except SchemaError as err:
        assert str(err).strip()
        tried["mappings rejected"] += 1
        return
    except BaseException:
        tried["failures"] += 1
        raise
    tried["mappings loaded"] += 1
    needed = ["when"]
    for spec in loaded.data["columns"].values():
        needed.extend(_spec_columns(spec))
    header = list(dict.fromkeys([*needed, "a", "b", "c", "d", "kind"]))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for v in ("2024-01-31", "2024-02-30", "", "x"):
        writer.writerow(
            [v if h == "when" else values[i % 7] for i, h in enumerate(header)]
        )
    path = tmp_path / "t.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    try:
        with EventStore(":memory:", threads=1) as store:
            report = store.ingest(path, format="table", mapping=mapping)
    except TitForTatError as err:
        assert str(err).strip()
        tried["ingests refused"] += 1
        return
    except BaseException:
        tried["failures"] += 1
        raise
    tried["rows"] += report.read
    assert report.read == report.inserted + report.duplicates + report.quarantined


@SETTINGS
@given(text=st.one_of(st.text(max_size=200), _mapping.map(lambda m: yaml.safe_dump(m))))
def test_fuzz_mapping_yaml_text(tmp_path, text, tried):
    tried["mapping files"] += 1
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_mapping(path)
    except SchemaError as err:
        assert str(err).strip() and len(str(err)) < 2000
    except BaseException:
        tried["failures"] += 1
        raise
