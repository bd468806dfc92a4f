"""Synthetic files in real export layouts, for tests and benchmarks.

The rows are generated (deterministic hashes of the row number and a seed),
never copied from the data sets whose layout they imitate.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

__all__ = ["write_synthetic_acled"]

_ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)


def write_synthetic_acled(
    path: str | Path, n_rows: int, *, seed: int = 0, notes_chars: int = 120
) -> Path:
    """Write ``n_rows`` synthetic events in ACLED's CSV export layout.

    Parameters
    ----------
    path : str or Path
        Output CSV file.
    n_rows : int
        Number of data rows.
    seed : int, default 0
        Changes every generated value.
    notes_chars : int, default 120
        Length of the free-text ``notes`` column (real exports average a few
        hundred characters).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_synthetic_acled(pathlib.Path(tempfile.mkdtemp()) / "a.csv", 3)
    >>> len(p.read_text().splitlines())
    4
    """
    path = Path(path)
    con = duckdb.connect()
    # h(k) is a reproducible pseudo-random integer per row and purpose k.
    h = "CAST(hash(i, {k}, $seed) % 1000003 AS BIGINT)"
    select = f"""
      SELECT
        'SYN' || i AS event_id_cnty,
        strftime(DATE '2016-01-01' + CAST({h.format(k=1)} % 3000 AS INTEGER),
                 '%Y-%m-%d') AS event_date,
        '2020' AS year,
        CAST(1 + ({h.format(k=2)} % 10 = 0)::INT AS VARCHAR) AS time_precision,
        'Political violence' AS disorder_type,
        list_element(['Battles', 'Explosions/Remote violence',
                      'Violence against civilians', 'Protests', 'Riots',
                      'Strategic developments'], 1 + {h.format(k=3)} % 6) AS event_type,
        'Armed clash' AS sub_event_type,
        list_element(['Military Forces of Iraq (2022-)', 'Islamic State (Iraq)',
                      'Kataib Hezbollah', 'Islamic Resistance in Iraq',
                      'Unidentified Armed Group (Iraq)'], 1 + {h.format(k=4)} % 5)
          AS actor1,
        '' AS assoc_actor_1,
        list_element(['State forces', 'Rebel group', 'Political militia'],
                     1 + {h.format(k=5)} % 3) AS inter1,
        'Civilians (Iraq)' AS actor2, '' AS assoc_actor_2, 'Civilians' AS inter2,
        'Political militia-Civilians' AS interaction, '' AS civilian_targeting,
        '368' AS iso, 'Middle East' AS region, 'Iraq' AS country,
        'Governorate ' || ({h.format(k=6)} % 18) AS admin1,
        'District ' || ({h.format(k=7)} % 100) AS admin2, '' AS admin3,
        'Place ' || ({h.format(k=8)} % 5000) AS location,
        CAST(round(29.0 + ({h.format(k=9)} % 800000) / 100000.0, 4) AS VARCHAR)
          AS latitude,
        CAST(round(39.0 + ({h.format(k=10)} % 900000) / 100000.0, 4) AS VARCHAR)
          AS longitude,
        CAST(1 + {h.format(k=11)} % 3 AS VARCHAR) AS geo_precision,
        'Synthetic' AS source, 'National' AS source_scale,
        left(repeat('Synthetic event text, not ACLED data. ', 1 + $notes // 38),
             $notes) AS notes,
        CAST({h.format(k=12)} % 5 AS VARCHAR) AS fatalities, '' AS tags,
        CAST(1600000000 + i AS VARCHAR) AS timestamp
      FROM range(1, $n + 1) t(i)
    """
    con.execute(
        f"COPY ({select}) TO $path (FORMAT csv, HEADER true)",
        {"seed": seed, "n": int(n_rows), "notes": int(notes_chars), "path": str(path)},
    )
    con.close()
    return path
