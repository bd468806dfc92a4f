"""YAML mappings: every mistake is reported with the file and line."""

from __future__ import annotations

import pytest

from titfortat.events import EventStore
from titfortat.events.sources.table import load_mapping
from titfortat.exceptions import Reason, SchemaError


def write(tmp_path, text):
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (
            "source: x\ncolumns:\n  date: d\n  colour: c\n",
            4,
            "'colour' is not a canonical",
        ),
        (
            "source: x\ncolumns:\n  date: {column: d, fmt: x}\n",
            3,
            r"unknown key\(s\) \['fmt'\]",
        ),
        (
            "source: x\nformat: xlsx\ncolumns:\n  date: d\n",
            2,
            "format must be csv, tsv",
        ),
        ("source: x\ncolumns:\n  actor: a\n", 2, "which column is the 'date'"),
        ("columns:\n  date: d\n", None, "'source' must be a non-empty name"),
        ("source: x\ncolumns: [a, b]\n", 2, "'columns' must map"),
        ("source: x\nextra: 1\ncolumns:\n  date: d\n", 2, "unknown key 'extra'"),
        ("source: x\ncolumns:\n  date: [d\n", None, "not valid YAML"),
    ],
)
def test_mapping_errors_name_file_and_line(tmp_path, text, line, match):
    path = write(tmp_path, text)
    with pytest.raises(SchemaError, match=match) as err:
        load_mapping(path)
    assert err.value.reason is Reason.BAD_MAPPING
    assert str(path) in str(err.value)
    if line is not None:
        assert f"line {line}:" in str(err.value)


def test_mapped_column_missing_from_the_file(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("when,what\n2024-01-01,x\n")
    mapping = write(tmp_path, "source: x\ncolumns:\n  date: day\n")
    with (
        EventStore(":memory:") as st,
        pytest.raises(SchemaError, match=r"required column\(s\) \['day'\] missing"),
    ):
        st.ingest(data, format="table", mapping=mapping)


def test_value_forms(tmp_path):
    data = tmp_path / "d.tsv"
    data.write_text(
        "when\tkind\tgroup\tally\tdead\tflag\n"
        "03/02/2024\tAS\tKH\tNujaba\t2\tyes\n"
        "04/02/2024\tXX\tIRI\t\t0\tno\n"
    )
    mapping = {
        "source": "mine",
        "format": "tsv",
        "columns": {
            "date": {"column": "when", "format": "%d/%m/%Y"},
            "event_type": {
                "column": "kind",
                "map": {"AS": "strike"},
                "default": "attack",
            },
            "actor": {
                "cases": [
                    {"column": "group", "equals": "KH", "value": "Kataib Hezbollah"}
                ],
                "default": "other",
            },
            "assoc_actors": {"columns": ["group", "ally"], "join": " + "},
            "fatalities_best": "dead",
            "claimed": "flag",
            "country": {"constant": "Iraq"},
            "n_events": {"constant": 2},
        },
    }
    with EventStore(":memory:") as st:
        assert st.ingest(data, format="table", mapping=mapping).inserted == 2
        ev = st.query()
    assert ev["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-03", "2024-02-04"]
    assert ev["event_type"].tolist() == ["strike", "attack"]
    assert ev["actor"].tolist() == ["Kataib Hezbollah", "other"]
    assert ev["assoc_actors"].tolist() == ["KH + Nujaba", "IRI"]
    assert ev["claimed"].tolist() == [True, False]
    assert ev["n_events"].tolist() == [2, 2] and ev["country"].eq("Iraq").all()


def test_parquet_table(tmp_path):
    import pandas as pd

    pd.DataFrame(
        {
            "day": pd.to_datetime(["2024-01-01", "2024-01-02"]).date,
            "lat": [33.1, 95.0],
            "lon": [44.0, 44.0],
        }
    ).to_parquet(tmp_path / "p.parquet")
    mapping = {
        "source": "pq",
        "columns": {"date": "day", "latitude": "lat", "longitude": "lon"},
    }
    with EventStore(":memory:") as st:
        rep = st.ingest(tmp_path / "p.parquet", format="table", mapping=mapping)
        assert (rep.inserted, rep.quarantined) == (1, 1)
        assert st.quarantine()["reason"].tolist() == ["out_of_range"]


def test_unknown_bundled_mapping():
    with pytest.raises(SchemaError, match="neither a file nor a bundled mapping"):
        load_mapping("no-such-mapping")
