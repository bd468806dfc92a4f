"""Real-data attribution tasks: readers that turn two public files into tasks.

Neither file ships with titfortat (Iraq Body Count data are for
non-commercial use; UCDP GED is CC BY 4.0 but large): pass the path of your
copy. Each reader returns the events in canonical columns, the label in
``actor_id`` (missing = latent), and the boolean frame of allowed candidates.

``mask_leaks=True`` (the default) removes the fields that name the
perpetrator, so the evaluation measures attribution, not reading:

* IBC: ``Cause_of_Death`` is dropped (it carries "[US Forces]",
  "[Anti-coalition agents]"), and actor words are removed from ``weapons``
  ("US gunfire" becomes "gunfire"; "Iraqi army gunfire" becomes "gunfire").
* UCDP: ``conflict_name`` is dropped (it is "<side_a> - <side_b>").
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ibc_task", "ucdp_task"]

#: Words in IBC weapon descriptions that name who fired.
_ACTOR_WORDS = re.compile(
    r"\b(u\.?s\.?|uk|british|american|iraqi|coalition|polish|danish|italian|"
    r"army|police|policemen|national guard|marines?|soldiers?|troops?|forces?|"
    r"military|insurgents?|gunmen|militants?)\b",
    flags=re.IGNORECASE,
)
_DEATH_BINS = [-1, 1, 2, 5, 10, 20, np.inf]
_DEATH_LABELS = ["1", "2", "3-5", "6-10", "11-20", ">20"]


def _clean_weapon(text: str | float) -> str | float:
    if not isinstance(text, str):
        return text
    out = _ACTOR_WORDS.sub(" ", text.lower())
    out = re.sub(r"[\s,]+", " ", out).strip(" -")
    return out or np.nan


def ibc_task(
    path: str | Path, *, mask_leaks: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Iraq Body Count incidents (ESOC coding): coalition or insurgent?

    Labels are incidents with exactly one of the ``coalition``/``insurgent``
    flags (4,768 in the ESOC file); the other incidents are latent.

    Parameters
    ----------
    path : path
        ``Civilian-Casualty-Data.lf.csv`` (or the folder holding it).
    mask_leaks : bool, default True
        Remove the fields that name the perpetrator (see the module notes).

    Returns
    -------
    events : pandas.DataFrame
        Canonical columns plus ``deaths`` (binned maximum) and, with
        ``mask_leaks=False``, ``cause_of_death``.
    allowed : pandas.DataFrame of bool
        Both candidates on every event.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "Civilian-Casualty-Data.lf.csv"
    raw = pd.read_csv(path)
    co, ins = raw["coalition"] == 1, raw["insurgent"] == 1
    label = np.where(co & ~ins, "coalition", np.where(ins & ~co, "insurgent", None))
    weapons = raw["weapons"].replace("-", np.nan)
    ev = pd.DataFrame(
        {
            "event_id": "ibc:" + raw["col1"].astype(str),
            "source": "esoc-ibc",
            "source_event_id": raw["Code"].astype(str),
            "date": pd.to_datetime(raw["Start"], format="%d-%b-%y"),
            "admin1": raw["governorate"],
            "admin2": raw["district"],
            "weapon": weapons.map(_clean_weapon) if mask_leaks else weapons,
            "deaths": pd.cut(raw["Max"], _DEATH_BINS, labels=_DEATH_LABELS).astype(
                "string"
            ),
            "actor_id": pd.Series(label, dtype="string"),
            "latitude": np.nan,
            "longitude": np.nan,
        }
    )
    if not mask_leaks:
        ev["cause_of_death"] = raw["Cause_of_Death"]
    ev = ev.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)
    allowed = pd.DataFrame(True, index=ev.index, columns=["coalition", "insurgent"])
    return ev, allowed


def ucdp_task(
    path: str | Path,
    *,
    mask_leaks: bool = True,
    min_events: int = 30,
    train_until: str = "2017-01-01",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """UCDP GED one-sided and non-state events in Iraq and Syria: which side_a?

    ``side_a`` is the label. Perpetrators with fewer than ``min_events`` events
    before ``train_until`` are pooled as ``other_groups``. A perpetrator is a
    candidate for an event if it has an event in the same country in the same or
    the previous year (the "groups active in the country that year" of the
    task; ``other_groups`` is always a candidate). That activity list is built
    from all years, test years included: it plays the part the actor network's
    dated ties play for a banner, and is an assumption of this benchmark.

    Parameters
    ----------
    path : path
        ``ged_iraq_syria.csv`` (or its folder).
    mask_leaks : bool, default True
        Drop ``conflict_name`` (it names side_a).
    min_events : int, default 30
    train_until : str, default "2017-01-01"

    Returns
    -------
    events, allowed : pandas.DataFrame
    """
    path = Path(path)
    if path.is_dir():
        path = path / "ged_iraq_syria.csv"
    raw = pd.read_csv(path)
    raw = raw[raw["type_of_violence_code"].isin([2, 3])].copy()
    raw["date"] = pd.to_datetime(raw["date_start"])
    train = raw["date"] < pd.Timestamp(train_until)
    counts = raw.loc[train, "side_a"].value_counts()
    keep = set(counts[counts >= min_events].index)
    label = raw["side_a"].where(raw["side_a"].isin(keep), "other_groups")
    ev = pd.DataFrame(
        {
            "event_id": "ucdp:" + raw["id"].astype(str),
            "source": "ucdp",
            "source_event_id": raw["id"].astype(str),
            "date": raw["date"],
            "country": raw["country"],
            "latitude": raw["latitude"],
            "longitude": raw["longitude"],
            "target_type": raw["side_b"],
            "violence_type": raw["type_of_violence"],
            "deaths": pd.cut(
                raw["best_death"],
                [-1, 0, *_DEATH_BINS[1:]],
                labels=["0", *_DEATH_LABELS],
            ).astype("string"),
            "actor_id": label.astype("string"),
        }
    )
    if not mask_leaks:
        ev["conflict_name"] = raw["conflict_name"]
    ev = ev.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)
    year = ev["date"].dt.year
    seen = set(zip(ev["actor_id"], ev["country"], year, strict=True))
    classes = sorted(set(ev["actor_id"]))
    allowed = pd.DataFrame(
        {
            c: [
                c == "other_groups" or (c, k, y) in seen or (c, k, y - 1) in seen
                for k, y in zip(ev["country"], year, strict=True)
            ]
            for c in classes
        },
        index=ev.index,
    )
    return ev, allowed
