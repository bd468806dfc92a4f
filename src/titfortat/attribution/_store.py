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


def write_posteriors(
    store: Any,
    frame: pd.DataFrame,
    *,
    model_repr: str,
    banner_id: str | None = None,
) -> int:
    """Replace the posteriors of these events in ``store``; returns rows written.

    Uses the store's public DuckDB connection in one transaction; the table
    ``attribution_posteriors`` is created on first use.
    """
    import datetime as dt

    con = store.connection
    data = frame.copy()
    data["banner_id"] = banner_id
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


def attribute_store(
    store: Any,
    *,
    network: Any = None,
    banner: str | None = None,
    train_until: str | None = None,
    level: float = 0.9,
    include_unclaimed: bool = False,
    write: bool = True,
) -> tuple[Any, pd.DataFrame, BannerAttribution]:
    """Fit on a store's banner events, evaluate, and attribute the latent ones.

    Reads every event claimed by the banner's members or the banner itself
    (``actor_id``/``banner_id``), fits :class:`BannerAttribution` on those
    before ``train_until`` (default: the date that leaves the last 30% of the
    own-name claims for testing), evaluates on the own-name claims from that
    date on, and returns ``(evaluation, posteriors, model)``; the posteriors of
    the banner-claimed events are written to the table
    ``attribution_posteriors`` when ``write``. With ``include_unclaimed``,
    attacks without a resolved actor (``actor_id`` null, ``event_type``
    attack) between the first and last day of the members' ties are latent
    events too.
    """
    from titfortat.actors import ActorNetwork
    from titfortat.attribution import _candidates as cand
    from titfortat.attribution.model import BannerAttribution
    from titfortat.exceptions import DataError

    net = network if isinstance(network, ActorNetwork) else ActorNetwork.load(network)
    banner_id = cand.resolve_banner(net, banner)
    members = cand.member_ids(net, banner_id)
    ids = [*members, banner_id]
    ph = ", ".join(f"${i}" for i in range(1, len(ids) + 1))
    events = store.connection.execute(
        f"SELECT * FROM events WHERE actor_id IN ({ph}) OR banner_id = ${len(ids)} "
        "ORDER BY date, event_id",
        ids,
    ).fetchdf()
    if include_unclaimed:
        ties = [
            t
            for t in net.ties(None, types=["member_of", "claims_under"])
            if t.target == banner_id
        ]
        # the span of the members' ties; an open end leaves that side open
        sql = "SELECT * FROM events WHERE actor_id IS NULL AND event_type = 'attack'"
        params: list[Any] = []
        if all(t.start is not None for t in ties):
            params.append(min(t.start for t in ties if t.start is not None))
            sql += f" AND date >= ${len(params)}"
        if all(t.end is not None for t in ties):
            params.append(max(t.end for t in ties if t.end is not None))
            sql += f" AND date <= ${len(params)}"
        extra = store.connection.execute(sql, params).fetchdf()
        if not extra.empty:
            ok = cand.network_mask(
                net, banner_id, pd.to_datetime(extra["date"]), strict=False
            ).any(axis=1)
            extra = extra[ok.to_numpy()]
        if not extra.empty:
            events = pd.concat([events, extra], ignore_index=True)
            events = events.sort_values(["date", "event_id"], kind="stable")
            events = events.reset_index(drop=True)
    if events.empty:
        raise DataError(
            f"The store {getattr(store, 'path', store)!r} holds no event claimed by "
            f"{banner_id!r} or its members {members}. Ingest events and resolve "
            "their actor names first (`titfortat actors apply`)."
        )
    own = events["actor_id"].isin(members) & ~events["actor_uncertain"].fillna(
        False
    ).astype(bool)
    if not own.any():
        raise DataError(
            f"No event in the store is claimed in a member's own name ({members}); "
            "the model needs such labels. Ingest own-name claims or resolve actor "
            "names (`titfortat actors apply`)."
        )
    dates = pd.to_datetime(events["date"])
    if train_until is None:
        cut = dates[own].sort_values().iloc[int(own.sum() * 0.7)]
    else:
        cut = pd.Timestamp(train_until)
    train = events[dates < cut]
    test = events[(dates >= cut) & own]
    model = BannerAttribution(network=net, banner=banner_id, level=level)
    model.fit(train)
    label = f"{getattr(store, 'path', 'store')} (train before {cut.date()})"
    evaluation = model.evaluate(test, data_label=label) if len(test) else None
    latent = events[~own]
    post = posteriors_frame(model, latent)
    if write:
        write_posteriors(store, post, model_repr=repr(model), banner_id=banner_id)
    return evaluation, post, model
