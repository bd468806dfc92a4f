"""GDELT 1.0 and 2.0 event exports: tab-separated, no header.

GDELT ships its event files without a header, so the layout is recognised by
the number of fields on the first line: 57 (GDELT 1.0 historical backfiles),
58 (GDELT 1.0 daily files, with ``SOURCEURL``) or 61 (GDELT 2.0, which adds
an ``ADM2Code`` to each of the three geography blocks). Zipped daily files
(``20240202.export.CSV.zip``) are read directly; pass a glob for many days.

Mapping: ``date`` from ``SQLDATE``; place from the ``ActionGeo_*`` block
(country is the last part of ``ActionGeo_FullName``; GDELT's country codes are
FIPS 10-4, kept in ``admin1``'s prefix); ``actor``/``actor2`` from
``Actor1Name``/``Actor2Name``. CAMEO root codes give the event type: 14
(protest) is ``protest``; 18, 19 and 20 (assault, fight, mass violence) are
``strike`` when Actor1's type is a state body (``MIL``, ``GOV``, ``COP``,
``SPY``) and ``attack`` otherwise; everything else is ``other``. The root code
and full CAMEO code are kept in ``source_event_type`` and
``source_sub_event_type``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from titfortat.events.sources import _base as b
from titfortat.exceptions import Reason, SchemaError

_ACTOR = [
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
]
_EVENT = [
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
]


def _geo(prefix: str, adm2: bool) -> list[str]:
    parts = ["Type", "FullName", "CountryCode", "ADM1Code"]
    parts += ["ADM2Code"] if adm2 else []
    parts += ["Lat", "Long", "FeatureID"]
    return [f"{prefix}_{p}" for p in parts]


def gdelt_columns(version: int, with_url: bool = True) -> list[str]:
    """Column names of a GDELT event file, version 1 or 2.

    Examples
    --------
    >>> [len(gdelt_columns(1)), len(gdelt_columns(1, with_url=False))]
    [58, 57]
    >>> len(gdelt_columns(2))
    61
    """
    adm2 = version == 2
    cols = ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
    cols += [f"Actor1{c}" for c in _ACTOR] + [f"Actor2{c}" for c in _ACTOR]
    cols += _EVENT
    for prefix in ("Actor1Geo", "Actor2Geo", "ActionGeo"):
        cols += _geo(prefix, adm2)
    cols += ["DATEADDED"]
    if with_url or version == 2:
        cols += ["SOURCEURL"]
    return cols


_LAYOUTS = {57: (1, False), 58: (1, True), 61: (2, True)}


def count_fields(path: Path, encoding: str) -> int:
    """Number of tab-separated fields on the first line of ``path``."""
    # Read up to the first line end, however long the line (a 64 KiB head cut
    # a long first row and miscounted its fields).
    tabs = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
            if ends:
                return tabs + chunk[: min(ends)].count(b"\t") + 1
            tabs += chunk.count(b"\t")
    return tabs + 1


class GdeltReader(b.Reader):
    """Reader for GDELT 1.0 / 2.0 event exports (``format="gdelt"``)."""

    format = "gdelt"
    default_csv_options: ClassVar[dict[str, Any]] = {
        "delim": "\t",
        "quote": "",
        "escape": "",
        "header": False,
    }

    def plan(
        self, con: Any, path: Path, p: b.Params, rejects: str, workdir: Path
    ) -> b.ReadPlan:
        from titfortat.events import _files

        _files.check_readable(path)
        ready = _files.unpack(path, workdir)
        n = count_fields(ready, self.encoding)
        if n not in _LAYOUTS:
            raise SchemaError(
                f"{path}: line 1 has {n} tab-separated fields. Expected 57 or 58 "
                "(GDELT 1.0 events) or 61 (GDELT 2.0 events). Is this a GDELT event "
                "export (not a mentions or GKG file)?",
                reason=Reason.MISSING_COLUMN,
                path=str(path),
            )
        version, url = _LAYOUTS[n]
        self.version = version
        return _files.csv_plan(
            con, ready, self, p, rejects, workdir, names=gdelt_columns(version, url)
        )

    def fields(self, cols: b.RawColumns, p: b.Params) -> dict[str, b.Field]:
        root = cols.text("EventRootCode")
        t1 = cols.text("Actor1Type1Code")
        state = ", ".join(p(c) for c in ("MIL", "GOV", "COP", "SPY"))
        event_type = (
            f"CASE WHEN {root} = '14' THEN 'protest' "
            f"WHEN {root} IN ('18', '19', '20') THEN "
            f"CASE WHEN {t1} IN ({state}) THEN 'strike' ELSE 'attack' END "
            "ELSE 'other' END"
        )
        full = cols.text("ActionGeo_FullName")
        gt = cols.text("ActionGeo_Type")
        fields = {
            "source_event_id": b.Field(
                cols.text("GLOBALEVENTID"), "id", "GLOBALEVENTID"
            ),
            "date": b.date(cols, "SQLDATE", p, ["%Y%m%d"]),
            "country": b.Field(f"trim(list_last(string_split({full}, ',')))"),
            "admin1": b.text(cols, "ActionGeo_ADM1Code"),
            "location": b.Field(full, "text", "ActionGeo_FullName"),
            "latitude": b.number(cols, "ActionGeo_Lat", "latitude"),
            "longitude": b.number(cols, "ActionGeo_Long", "longitude"),
            "geo_precision": b.geo_precision(
                b.mapped(
                    p,
                    gt,
                    {
                        "1": "country",
                        "2": "admin1",
                        "3": "point",
                        "4": "point",
                        "5": "admin1",
                    },
                    "unknown",
                ),
                "ActionGeo_Type",
                gt,
            ),
            "actor": b.text(cols, "Actor1Name"),
            "actor2": b.text(cols, "Actor2Name"),
            "event_type": b.event_type(event_type, "EventRootCode", root),
            "source_event_type": b.Field(root),
            "source_sub_event_type": b.text(cols, "EventCode"),
        }
        if "SOURCEURL" in cols:
            fields["description"] = b.text(cols, "SOURCEURL")
        if "ActionGeo_ADM2Code" in cols:
            fields["admin2"] = b.text(cols, "ActionGeo_ADM2Code")
        return fields
