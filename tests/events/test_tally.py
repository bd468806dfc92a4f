"""EventQueries.tally: grouped counts in DuckDB equal pandas' on the same rows."""

import pandas as pd
import pytest

from titfortat.datasets import load_demo_store
from titfortat.exceptions import DataError


@pytest.fixture(scope="module")
def store():
    return load_demo_store()


def test_tally_equals_pandas_groupby(store):
    by = ["event_type", "source_event_type"]
    got = store.tally(by, since="2007-06-01", until="2007-12-31")
    rows = store.query(columns=[*by, "date"], since="2007-06-01", until="2007-12-31")
    want = (
        rows.groupby(by, dropna=False)["date"]
        .agg(rows="size", first="min", last="max")
        .reset_index()
        .sort_values(by, ignore_index=True)
    )
    assert got["rows"].sum() == len(rows)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want, check_dtype=False, check_names=False
    )


def test_tally_rejects_unknown_column_by_name(store):
    with pytest.raises(DataError, match="colour"):
        store.tally(["event_type", "colour"])
