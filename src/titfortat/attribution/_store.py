"""Posteriors as a long table, and their place in the event store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from titfortat.attribution.model import BannerAttribution

#: Table written into the event store, one row per event and candidate.
TABLE = "attribution_posteriors"
_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
  event_id VARCHAR, source_event_id VARCHAR, date DATE, candidate VARCHAR,
  candidate_name VARCHAR, probability DOUBLE, in_set BOOLEAN, set_size INTEGER,
  answer VARCHAR, has_coordinates BOOLEAN, banner_id VARCHAR, model VARCHAR,
  created_at TIMESTAMP)"""


def posteriors_frame(model: BannerAttribution, events: pd.DataFrame) -> pd.DataFrame:
    """One row per event and candidate with its probability and set membership.

    Columns ``event_id, source_event_id, date, candidate, candidate_name,
    probability, in_set, set_size, answer, has_coordinates``. ``answer`` is the
    faction when the conformal set holds one candidate, ``set`` when it holds
    several but not every candidate of the day, and ``banner`` (abstain: only
    the banner-level claim is supported) when it holds them all.
    """
    from titfortat.attribution._core import has_coordinates

    ev = events.reset_index(drop=True)
    proba = model.predict_proba(ev)
    sets = model.predict_sets(ev)
    p = proba.to_numpy()
    n_possible = (p > 0).sum(axis=1)
    size = sets.to_numpy().sum(axis=1)
    answer = [
        proba.columns[row.argmax()] if s == 1 else ("banner" if s >= m else "set")
        for row, s, m in zip(p, size, n_possible, strict=True)
    ]
    names = _names(model)
    wide = pd.DataFrame(
        {
            "event_id": ev["event_id"].astype(str),
            "source_event_id": (
                ev["source_event_id"].astype("string")
                if "source_event_id" in ev
                else pd.Series(pd.NA, index=ev.index, dtype="string")
            ),
            "date": pd.to_datetime(ev["date"]).dt.date,
            "set_size": size,
            "answer": answer,
            "has_coordinates": has_coordinates(ev),
        }
    )
    long = []
    for j, c in enumerate(proba.columns):
        part = wide.copy()
        part["candidate"] = c
        part["candidate_name"] = names.get(c, c)
        part["probability"] = p[:, j]
        part["in_set"] = sets.to_numpy()[:, j]
        part["_j"] = j
        long.append(part)
    out = pd.concat(long, ignore_index=True)
    out["_i"] = list(range(len(ev))) * len(proba.columns)
    out = out.sort_values(["_i", "_j"], kind="stable").drop(columns=["_i", "_j"])
    cols = [
        "event_id",
        "source_event_id",
        "date",
        "candidate",
        "candidate_name",
        "probability",
        "in_set",
        "set_size",
        "answer",
        "has_coordinates",
    ]
    return out[cols].reset_index(drop=True)


def _names(model: BannerAttribution) -> dict[str, str]:
    net = model.network
    out = {"other": "other / unknown (outside the banner)"}
    if net is not None:
        out.update({a: net.actors[a].name for a in model.classes_ if a in net.actors})
    return out


def write_posteriors(store: Any, frame: pd.DataFrame, *, model_repr: str) -> int:
    """Replace the posteriors of these events in ``store``; returns rows written.

    Uses the store's public DuckDB connection in one transaction; the table
    ``attribution_posteriors`` is created on first use.
    """
    import datetime as dt

    con = store.connection
    data = frame.copy()
    data["banner_id"] = None
    data["model"] = model_repr
    data["created_at"] = dt.datetime.now()
    con.begin()
    try:
        con.execute(_DDL)
        con.register("_post", data)
        con.execute(
            f"DELETE FROM {TABLE} WHERE event_id IN (SELECT event_id FROM _post)"
        )
        con.execute(
            f"""INSERT INTO {TABLE} SELECT event_id, source_event_id, date,
            candidate, candidate_name, probability, in_set, set_size, answer,
            has_coordinates, banner_id, model, created_at FROM _post"""
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("_post")
    return len(data)
