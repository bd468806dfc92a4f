"""Actor networks: sponsors, umbrella banners and factions, and name resolution.

``actors`` owns the names that label every matrix downstream. Load a network
with :meth:`ActorNetwork.load` (``None`` = the bundled 2023-24 case), query it
by date (:meth:`~ActorNetwork.members`, :meth:`~ActorNetwork.sponsors_of`,
:meth:`~ActorNetwork.ties`), and map the raw names of event data to its actor
ids with :class:`Resolver` or :func:`apply_resolution`.

Ties read "source <type> target" (``kh member_of iri``, ``irgc_qf arms kh``).

Examples
--------
>>> from titfortat.actors import ActorNetwork, resolve
>>> resolve("Kata'ib Hizballah").actor_id
'kh'
>>> ActorNetwork.load().sponsors_of("kh")["tie_type"].tolist()
['arms', 'funds', 'trains']
"""

from __future__ import annotations

from pathlib import Path

from titfortat.actors._model import (
    ACTOR_KINDS,
    CONFIDENCE_LEVELS,
    TIE_TYPES,
    Actor,
    Reference,
    Tie,
)
from titfortat.actors.apply import ResolutionReport, SupportsActorIds, apply_resolution
from titfortat.actors.network import (
    DEFAULT_NETWORK,
    ActorNetwork,
    available_networks,
    bundled_network_path,
)
from titfortat.actors.resolve import (
    Resolution,
    Resolver,
    load_overrides,
    normalize_name,
)

__all__ = [
    "ACTOR_KINDS",
    "CONFIDENCE_LEVELS",
    "DEFAULT_NETWORK",
    "TIE_TYPES",
    "Actor",
    "ActorNetwork",
    "Reference",
    "Resolution",
    "ResolutionReport",
    "Resolver",
    "SupportsActorIds",
    "Tie",
    "apply_resolution",
    "available_networks",
    "bundled_network_path",
    "load_overrides",
    "normalize_name",
    "resolve",
]


def resolve(
    raw_name: str,
    *,
    network: ActorNetwork | str | Path | None = None,
    overrides: dict[str, str | None] | str | Path | None = None,
) -> Resolution:
    """Resolve one raw name against a network (default: the bundled case).

    Parameters
    ----------
    raw_name : str
        The name as it appears in the data.
    network : ActorNetwork, path, bundled name or None, default=None
        The network; ``None`` loads the bundled 2023-24 case network.
    overrides : mapping or path, optional
        User overrides; see :class:`Resolver`.

    Returns
    -------
    Resolution

    Examples
    --------
    >>> resolve("Hashd al-Shaabi").actor_id
    'pmf'
    >>> resolve("US-led coalition", network="iraq_2006_08").actor_id
    'us_led_coalition'
    """
    if not isinstance(network, ActorNetwork):
        network = ActorNetwork.load(network)
    if overrides is None:
        return network.resolve(raw_name)
    return Resolver(network, overrides=overrides).resolve(raw_name)
