"""ACLED CSV exports (Armed Conflict Location & Event Data).

Columns follow ACLED's export codebook: ``event_id_cnty``, ``event_date``
(``2024-02-02`` in current exports, ``02 February 2024`` in older ones),
``time_precision`` (1 day, 2 week, 3 month), ``event_type``,
``sub_event_type``, ``actor1``, ``assoc_actor_1``, ``inter1`` (a code in older
exports, ``State forces`` etc. in newer), ``actor2``, ``assoc_actor_2``,
``country``, ``admin1``, ``admin2``, ``location``, ``latitude``, ``longitude``,
``geo_precision`` (1 exact, 2 near, 3 provincial), ``notes``, ``fatalities``.

Event types: Protests and Riots become ``protest``; Battles,
Explosions/Remote violence and Violence against civilians become ``strike``
when ``inter1`` says the first actor is a state force and ``attack``
otherwise; Strategic developments become ``other``. ACLED's ``timestamp`` is
the upload time, not the event's, so it is not used.

ACLED's terms forbid redistributing its rows: titfortat ships none, and its
tests use a fixture written in this layout.
"""

from __future__ import annotations

from titfortat.events.sources import _base as b


class AcledReader(b.Reader):
    """Reader for ACLED CSV exports (``format="acled"``)."""

    format = "acled"
    required_columns = (
        "event_id_cnty",
        "event_date",
        "event_type",
        "actor1",
        "country",
        "latitude",
        "longitude",
        "fatalities",
    )

    def fields(self, cols: b.RawColumns, p: b.Params) -> dict[str, b.Field]:
        et = cols.text("event_type")
        inter1 = cols.text("inter1") if "inter1" in cols else "NULL"
        is_state = (
            f"(lower({inter1}) IN ({p('1')}, {p('state forces')}) "
            f"OR starts_with(lower({cols.text('actor1')}), "
            f"{p('military forces of')}))"
        )
        violent = ", ".join(
            p(v)
            for v in (
                "Battles",
                "Explosions/Remote violence",
                "Violence against civilians",
            )
        )
        event_type = (
            f"CASE WHEN {et} IN ({p('Protests')}, {p('Riots')}) THEN 'protest' "
            f"WHEN {et} IN ({violent}) THEN CASE WHEN {is_state} THEN 'strike' "
            "ELSE 'attack' END ELSE 'other' END"
        )
        fields = {
            "source_event_id": b.Field(
                cols.text("event_id_cnty"), "id", "event_id_cnty"
            ),
            "date": b.date(cols, "event_date", p, ["%Y-%m-%d", "%d %B %Y"]),
            "country": b.text(cols, "country"),
            "admin1": b.optional_text(cols, "admin1"),
            "admin2": b.optional_text(cols, "admin2"),
            "location": b.optional_text(cols, "location"),
            "latitude": b.number(cols, "latitude", "latitude"),
            "longitude": b.number(cols, "longitude", "longitude"),
            "actor": b.text(cols, "actor1"),
            "actor2": b.optional_text(cols, "actor2"),
            "event_type": b.event_type(event_type, "event_type", et),
            "source_event_type": b.text(cols, "event_type"),
            "source_sub_event_type": b.optional_text(cols, "sub_event_type"),
            "description": b.optional_text(cols, "notes"),
            "fatalities_best": b.number(cols, "fatalities", "count"),
        }
        fields["assoc_actors"] = b.joined(cols, ["assoc_actor_1", "assoc_actor_2"])
        optional = {
            "date_precision": b.coded(
                cols,
                p,
                "time_precision",
                {"1": "day", "2": "week", "3": "month"},
                None,
                b.date_precision,
            ),
            "geo_precision": b.coded(
                cols,
                p,
                "geo_precision",
                {"1": "point", "2": "near", "3": "admin1"},
                "unknown",
                b.geo_precision,
            ),
        }
        fields.update({k: v for k, v in optional.items() if v is not None})
        if "civilian_targeting" in cols:
            ct = cols.text("civilian_targeting")
            fields["target_type"] = b.Field(
                f"CASE WHEN {ct} IS NOT NULL THEN 'civilians' END"
            )
        return fields
