"""UCDP Georeferenced Event Dataset (GED) CSV files.

Columns follow the GED codebook (Uppsala Conflict Data Program): ``id``,
``type_of_violence`` (1 state-based, 2 non-state, 3 one-sided), ``side_a``,
``side_b``, ``conflict_name``, ``country``, ``adm_1``, ``adm_2``,
``where_coordinates``, ``where_prec`` (1 exact .. 7 international waters),
``latitude``, ``longitude``, ``date_prec`` (1 exact day .. 5 year),
``date_start``, ``date_end``, ``best``, ``low``, ``high``.

Event types: one-sided violence by a government (``side_a`` starting with
"Government of") is ``strike``; other one-sided and non-state violence is
``attack``. State-based events are ``other``: GED does not say which side
initiated them and titfortat does not guess; select them with
``source_event_type == "state-based conflict"``.

UCDP rows are not shipped; tests use a fixture written in this layout.
"""

from __future__ import annotations

from titfortat.events.sources import _base as b

_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%g", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y"]


class UcdpReader(b.Reader):
    """Reader for UCDP GED CSV files (``format="ucdp"``)."""

    format = "ucdp"
    required_columns = (
        "id",
        "type_of_violence",
        "side_a",
        "side_b",
        "country",
        "latitude",
        "longitude",
        "date_start",
        "best",
    )

    def fields(self, cols: b.RawColumns, p: b.Params) -> dict[str, b.Field]:
        tov = cols.text("type_of_violence")
        side_a = cols.text("side_a")
        event_type = (
            f"CASE WHEN {tov} = '3' AND starts_with({side_a}, {p('Government of')}) "
            f"THEN 'strike' WHEN {tov} IN ('2', '3') THEN 'attack' "
            f"WHEN {tov} = '1' THEN 'other' END"
        )
        fields = {
            "source_event_id": b.Field(cols.text("id"), "id", "id"),
            "date": b.date(cols, "date_start", p, _DATE_FORMATS),
            "country": b.text(cols, "country"),
            "admin1": b.optional_text(cols, "adm_1"),
            "admin2": b.optional_text(cols, "adm_2"),
            "location": b.optional_text(cols, "where_coordinates"),
            "latitude": b.number(cols, "latitude", "latitude"),
            "longitude": b.number(cols, "longitude", "longitude"),
            "actor": b.text(cols, "side_a"),
            "actor2": b.text(cols, "side_b"),
            "event_type": b.event_type(event_type, "type_of_violence", tov),
            "source_event_type": b.Field(
                b.mapped(
                    p,
                    tov,
                    {
                        "1": "state-based conflict",
                        "2": "non-state conflict",
                        "3": "one-sided violence",
                    },
                    None,
                )
            ),
            "source_sub_event_type": b.optional_text(cols, "conflict_name"),
            "description": b.optional_text(cols, "source_headline"),
            "fatalities_best": b.number(cols, "best", "count"),
            "fatalities_low": b.optional_number(cols, "low", "count"),
            "fatalities_high": b.optional_number(cols, "high", "count"),
        }
        if "date_end" in cols:
            fields["date_end"] = b.date(cols, "date_end", p, _DATE_FORMATS)
        optional = {
            "date_precision": b.coded(
                cols,
                p,
                "date_prec",
                {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"},
                None,
                b.date_precision,
            ),
            "geo_precision": b.coded(
                cols,
                p,
                "where_prec",
                {
                    "1": "point",
                    "2": "near",
                    "3": "admin2",
                    "4": "admin1",
                    "5": "admin1",
                    "6": "country",
                    "7": "unknown",
                },
                "unknown",
                b.geo_precision,
            ),
        }
        fields.update({k: v for k, v in optional.items() if v is not None})
        return fields
