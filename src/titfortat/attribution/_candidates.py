"""Who may have done it on a given day: candidates from the network's dated ties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from titfortat.exceptions import DataError

if TYPE_CHECKING:
    from titfortat.actors import ActorNetwork

#: Id of the explicit "someone outside the banner" candidate.
OTHER = "other"
_MEMBER_TYPES = ("member_of", "claims_under")


def banners(network: ActorNetwork) -> list[str]:
    """Actors that are the target of a ``claims_under`` or ``member_of`` tie
    from a faction (umbrella banners)."""
    found = []
    for tie in network.ties(None, types=_MEMBER_TYPES):
        src = network.actors.get(tie.source)
        if src is not None and src.kind == "faction" and tie.target not in found:
            found.append(tie.target)
    return found


def resolve_banner(network: ActorNetwork, banner: str | None) -> str:
    """The banner's actor id; one clear error if it cannot be found.

    Examples
    --------
    >>> from titfortat.actors import ActorNetwork
    >>> resolve_banner(ActorNetwork.load(), "Islamic Resistance in Iraq")
    'iri'
    """
    found = banners(network)
    if not found:
        raise DataError(
            f"The network {network.id!r} has no banner: no faction has a "
            "'member_of' or 'claims_under' tie into another actor. Expected an "
            "umbrella with member factions; add such ties to the network file "
            "(see actors/networks/iran_axis_2023_24.yaml) or pass another --network."
        )
    if banner is None:
        claim_targets = {
            t.target for t in network.ties(None, types=["claims_under"])
        } & set(found)
        if len(claim_targets) == 1:
            return claim_targets.pop()
        if len(found) == 1:
            return found[0]
        raise DataError(
            f"The network {network.id!r} has several banners {found}; pass one "
            "with banner=... (--banner)."
        )
    if banner in network.actors:
        actor_id = banner
    else:
        res = network.resolve(banner)
        if res.actor_id is None:
            raise DataError(
                f"The banner {banner!r} resolves to no actor of the network "
                f"{network.id!r}. Expected one of its banners {found} (id, name or "
                "alias). Check the spelling or run `titfortat actors show`."
            )
        actor_id = res.actor_id
    if actor_id not in found:
        raise DataError(
            f"The banner {banner!r} is the actor {actor_id!r}, which has no member "
            f"factions in the network {network.id!r}. Expected one of {found}."
        )
    return actor_id


def member_ids(network: ActorNetwork, banner_id: str) -> list[str]:
    """Every faction that is ever a member of (or claims under) the banner."""
    out: list[str] = []
    for tie in network.ties(None, types=_MEMBER_TYPES):
        if tie.target == banner_id and tie.source not in out:
            out.append(tie.source)
    return sorted(out)


def network_mask(
    network: ActorNetwork,
    banner_id: str,
    dates: pd.Series,
    event_ids: Sequence[str] | None = None,
    *,
    strict: bool = True,
) -> pd.DataFrame:
    """Boolean frame (events x members): who may have acted on each date.

    A faction with any ``claims_under`` tie into the banner is a candidate only
    on days one of those ties holds (so Kataib Hezbollah drops out after its
    30 January 2024 halt although its ``member_of`` tie is open-ended); a
    faction with only ``member_of`` ties is a candidate while one holds.
    With ``strict`` (the default) an event with no candidate is an error.
    """
    members = member_ids(network, banner_id)
    ties = [t for t in network.ties(None, types=_MEMBER_TYPES) if t.target == banner_id]
    days = pd.to_datetime(dates).dt.date.to_numpy()
    mask = np.zeros((len(days), len(members)), dtype=bool)
    uniq = pd.unique(days)
    for j, m in enumerate(members):
        own = [t for t in ties if t.source == m]
        claims = [t for t in own if t.type == "claims_under"]
        use = claims or own
        active = {d: any(t.is_active(d) for t in use) for d in uniq}
        mask[:, j] = [active[d] for d in days]
    frame = pd.DataFrame(mask, columns=members, index=dates.index)
    empty = ~frame.any(axis=1)
    if empty.any() and strict:
        bad = frame.index[empty.to_numpy()]
        ids = (
            list(event_ids[i] for i in np.flatnonzero(empty.to_numpy())[:5])
            if (event_ids is not None)
            else list(bad[:5])
        )
        first = sorted(set(days[empty.to_numpy()]))
        raise DataError(
            f"{int(empty.sum())} event(s) fall on days when no member of "
            f"{banner_id!r} has a valid 'member_of'/'claims_under' tie in the "
            f"network {network.id!r}; first: {ids} on {[str(d) for d in first[:5]]}. "
            "Expected every event inside some member's tie dates. Restrict the "
            "events to those dates (since=/until=) or add the tie dates to the "
            "network file."
        )
    return frame
