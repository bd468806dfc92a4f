"""Global Terrorism Database exports (CSV or XLSX).

Columns follow the GTD codebook (START, University of Maryland): ``eventid``,
``iyear``/``imonth``/``iday`` (0 means unknown), ``country_txt``,
``provstate``, ``city``, ``latitude``, ``longitude``, ``specificity``,
``summary``, ``attacktype1``, ``targtype1``, ``target1``, ``gname``,
``gname2``, ``gname3``, ``guncertain1``, ``claimed``, ``weaptype1``,
``nkill``. Where an export has the ``*_txt`` label columns they are used; where
it has only codes, the codebook labels below are.

An unknown month (``imonth = 0``) gives the 1st of January with precision
``year``; an unknown day gives the 1st of the month with precision ``month``.
Impossible dates (``2015-02-30``) are quarantined, never moved.

``banner`` is ``gname`` when ``claimed = 1`` (GTD credits the claim to the
group); ``actor_uncertain`` is ``guncertain1 = 1`` (the attribution is
suspected, not confirmed). Every GTD row is ``attack``.

GTD's terms forbid redistributing its rows: titfortat ships none, and its tests
use a fixture written in this layout. Full GTD exports are usually Latin-1 or
Windows-1252 encoded: pass ``encoding="cp1252"``.
"""

from __future__ import annotations

from titfortat.events.sources import _base as b

ATTACK_TYPES = {
    "1": "Assassination",
    "2": "Armed Assault",
    "3": "Bombing/Explosion",
    "4": "Hijacking",
    "5": "Hostage Taking (Barricade Incident)",
    "6": "Hostage Taking (Kidnapping)",
    "7": "Facility/Infrastructure Attack",
    "8": "Unarmed Assault",
    "9": "Unknown",
}
WEAPON_TYPES = {
    "1": "Biological",
    "2": "Chemical",
    "3": "Radiological",
    "4": "Nuclear",
    "5": "Firearms",
    "6": "Explosives",
    "7": "Fake Weapons",
    "8": "Incendiary",
    "9": "Melee",
    "10": "Vehicle",
    "11": "Sabotage Equipment",
    "12": "Other",
    "13": "Unknown",
}
TARGET_TYPES = {
    "1": "Business",
    "2": "Government (General)",
    "3": "Police",
    "4": "Military",
    "5": "Abortion Related",
    "6": "Airports & Aircraft",
    "7": "Government (Diplomatic)",
    "8": "Educational Institution",
    "9": "Food or Water Supply",
    "10": "Journalists & Media",
    "11": "Maritime",
    "12": "NGO",
    "13": "Other",
    "14": "Private Citizens & Property",
    "15": "Religious Figures/Institutions",
    "16": "Telecommunication",
    "17": "Terrorists/Non-State Militia",
    "18": "Tourists",
    "19": "Transportation",
    "20": "Unknown",
    "21": "Utilities",
    "22": "Violent Political Party",
}


class GtdReader(b.Reader):
    """Reader for Global Terrorism Database CSV/XLSX exports (``format="gtd"``)."""

    format = "gtd"
    required_columns = ("eventid", "iyear", "imonth", "iday", "gname")

    def _label(
        self, cols: b.RawColumns, p: b.Params, code: str, labels: dict[str, str]
    ) -> str:
        if f"{code}_txt" in cols:
            return cols.text(f"{code}_txt")
        if code in cols:
            # Codes may arrive as "3" or "3.0" (Excel); normalise before lookup.
            raw = f"CAST(TRY_CAST({cols.text(code)} AS DOUBLE) AS BIGINT)::VARCHAR"
            return b.mapped(p, raw, labels, None)
        return "NULL::VARCHAR"

    def fields(self, cols: b.RawColumns, p: b.Params) -> dict[str, b.Field]:
        y, m, d = (
            f"TRY_CAST(TRY_CAST({cols.text(c)} AS DOUBLE) AS INTEGER)"
            for c in ("iyear", "imonth", "iday")
        )
        raw_date = (
            f"concat_ws('-', {cols.text('iyear')}, {cols.text('imonth')}, "
            f"{cols.text('iday')})"
        )
        iso = (
            f"CASE WHEN {m} = 0 THEN printf('%04d-01-01', {y}) "
            f"WHEN {d} = 0 THEN printf('%04d-%02d-01', {y}, {m}) "
            f"ELSE printf('%04d-%02d-%02d', {y}, {m}, {d}) END"
        )
        date_sql = f"try_strptime({iso}, {p('%Y-%m-%d')})::DATE"
        precision = (
            f"CASE WHEN {m} = 0 THEN 'year' WHEN {d} = 0 THEN 'month' ELSE 'day' END"
        )
        claimed = (
            f"CASE {cols.text('claimed')} WHEN '1' THEN true WHEN '0' THEN false END"
            if "claimed" in cols
            else "NULL::BOOLEAN"
        )
        gname = cols.text("gname")
        fields = {
            "source_event_id": b.Field(cols.text("eventid"), "id", "eventid"),
            "date": b.Field(
                date_sql,
                "date",
                "iyear/imonth/iday",
                raw_date,
                expected="a real date (month and day may be 0 = unknown)",
            ),
            "date_precision": b.date_precision(precision),
            "country": b.optional_text(cols, "country_txt"),
            "admin1": b.optional_text(cols, "provstate"),
            "location": b.optional_text(cols, "city"),
            "latitude": b.optional_number(cols, "latitude", "latitude"),
            "longitude": b.optional_number(cols, "longitude", "longitude"),
            "actor": b.text(cols, "gname"),
            "actor2": b.optional_text(cols, "target1"),
            "claimed": b.Field(claimed),
            "banner": b.Field(f"CASE WHEN {claimed} THEN {gname} END"),
            "event_type": b.event_type("'attack'"),
            "source_event_type": b.Field(
                self._label(cols, p, "attacktype1", ATTACK_TYPES)
            ),
            "weapon": b.Field(self._label(cols, p, "weaptype1", WEAPON_TYPES)),
            "target_type": b.Field(self._label(cols, p, "targtype1", TARGET_TYPES)),
            "description": b.optional_text(cols, "summary"),
            "fatalities_best": b.optional_number(cols, "nkill", "count"),
        }
        if "guncertain1" in cols:
            fields["actor_uncertain"] = b.Field(
                f"TRY_CAST(TRY_CAST({cols.text('guncertain1')} AS DOUBLE) AS INTEGER)"
                " = 1"
            )
        fields["assoc_actors"] = b.joined(cols, ["gname2", "gname3"])
        geo = b.coded(
            cols,
            p,
            "specificity",
            {"1": "point", "2": "near", "3": "admin2", "4": "admin1", "5": "unknown"},
            "unknown",
            b.geo_precision,
        )
        if geo is not None:
            fields["geo_precision"] = geo
        return fields
