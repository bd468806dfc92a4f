"""Simulated banner-claimed attacks, with their Bayes-optimal posterior.

Everything produced here is labelled ``simulated`` (the ``source`` column and
:attr:`BannerSimulation.label`): it is for tests, documentation and reports,
never evidence about the real factions whose ids it borrows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp, softmax

from titfortat._validation import Interval, as_generator, validate_params
from titfortat.attribution import _candidates as cand
from titfortat.attribution._features import EARTH_RADIUS_KM

if TYPE_CHECKING:
    from titfortat.actors import ActorNetwork

__all__ = ["BannerAttackSimulator", "BannerSimulation"]

#: Places the simulated factions attack from/at: (name, admin1, lat, lon). Real
#: locations of bases hosting US forces in 2023-24, used only as anchors.
SITES = (
    ("Ain al-Asad", "Anbar", 33.80, 42.44),
    ("Erbil air base", "Erbil", 36.24, 43.96),
    ("Harir", "Erbil", 36.54, 44.36),
    ("Baghdad Victory", "Baghdad", 33.26, 44.23),
    ("Al-Tanf", "Homs", 33.50, 38.66),
    ("Conoco field", "Deir ez-Zor", 35.40, 40.33),
    ("Green Village", "Deir ez-Zor", 35.10, 40.50),
    ("Al-Shaddadi", "Al-Hasakah", 36.06, 40.73),
    ("Rumalyn", "Al-Hasakah", 36.84, 41.96),
    ("Tower 22", "Mafraq", 33.32, 38.70),
)
WEAPONS = ("rocket", "one-way drone", "drone", "IED", "small arms", "mortar")
TARGETS = ("US base", "US convoy", "embassy", "Israel", "coalition logistics")


@dataclass(frozen=True)
class BannerSimulation:
    """Output of :class:`BannerAttackSimulator` (label: ``simulated``).

    Attributes
    ----------
    events : pandas.DataFrame
        Canonical events (``source = "simulated"``): own-name claims carry the
        faction in ``actor``/``actor_id``; banner claims the banner.
    truth : pandas.Series
        The true faction of every event (index aligned with ``events``).
    bayes_proba : pandas.DataFrame
        The posterior under the generating model: no classifier can do better.
    network : ActorNetwork
    banner_id : str
    params : dict
        The generating parameters.
    """

    events: pd.DataFrame
    truth: pd.Series
    bayes_proba: pd.DataFrame
    network: Any
    banner_id: str
    params: dict[str, Any] = field(repr=False)
    label: str = "simulated"


class BannerAttackSimulator:
    """Attacks by a banner's factions, some claimed only under the banner.

    Each faction attacks at a rate that varies smoothly in time (and is zero
    outside its tie dates, so a faction that halts stops), at its own mixture of
    sites (Gaussian spread in km), with its own weapon, target, weekday and hour
    distributions. A share ``banner_share`` of attacks is claimed under the
    banner only; the rest in the faction's own name.

    Parameters
    ----------
    network : ActorNetwork, optional
        Default: the bundled 2023-24 case network.
    banner : str, optional
        Default: the network's banner.
    start, end : str, default "2023-10-17", "2024-08-31"
    n_events : int, default 3000
    banner_share : float, default 0.6
    missing_coordinates : float, default 0.05
        Share of events without coordinates.
    hour_known : float, default 0.4
        Share of events with a time of day.
    rng : int, numpy.random.Generator or None

    Examples
    --------
    >>> sim = BannerAttackSimulator(n_events=200, rng=0).run()
    >>> sim.label, len(sim.events), sorted(sim.bayes_proba.columns)
    ('simulated', 200, ['haaa', 'kh', 'kss', 'nujaba'])
    >>> bool((sim.bayes_proba.loc[sim.events["date"] > "2024-01-30", "kh"] == 0).all())
    True
    """

    def __init__(
        self,
        *,
        network: ActorNetwork | None = None,
        banner: str | None = None,
        start: str = "2023-10-17",
        end: str = "2024-08-31",
        n_events: int = 3000,
        banner_share: float = 0.6,
        missing_coordinates: float = 0.05,
        hour_known: float = 0.4,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.network = network
        self.banner = banner
        self.start = start
        self.end = end
        self.n_events = n_events
        self.banner_share = banner_share
        self.missing_coordinates = missing_coordinates
        self.hour_known = hour_known
        self.rng = rng

    def run(self) -> BannerSimulation:
        """Draw the events and compute the Bayes-optimal posterior."""
        validate_params(
            {
                "n_events": [Interval(Integral, 1, None)],
                "banner_share": [Interval(Real, 0, 1, closed="both")],
                "missing_coordinates": [Interval(Real, 0, 1, closed="both")],
                "hour_known": [Interval(Real, 0, 1, closed="both")],
            },
            vars(self),
            type(self).__name__,
        )
        from titfortat.actors import ActorNetwork

        net = self.network if self.network is not None else ActorNetwork.load()
        gen = as_generator(self.rng)
        banner_id = cand.resolve_banner(net, self.banner)
        members = cand.member_ids(net, banner_id)
        k = len(members)
        days = pd.date_range(self.start, self.end, freq="D")
        active = cand.network_mask(net, banner_id, pd.Series(days)).to_numpy()
        t = np.arange(len(days))
        # smooth rate paths: base rate times 1 + 0.8 sin(2 pi t / period + phase)
        base = gen.gamma(3.0, 1.0, size=k)
        period = gen.uniform(60, 150, size=k)
        phase = gen.uniform(0, 2 * np.pi, size=k)
        rate = base * (1 + 0.8 * np.sin(2 * np.pi * t[:, None] / period + phase))
        rate = rate * active
        site_w = gen.dirichlet(np.full(len(SITES), 0.3), size=k)
        spread = gen.uniform(10, 40, size=(k, len(SITES)))
        weapon_p = gen.dirichlet(np.full(len(WEAPONS), 0.8), size=k)
        target_p = gen.dirichlet(np.full(len(TARGETS), 1.0), size=k)
        dow_p = gen.dirichlet(np.full(7, 6.0), size=k)
        hour_p = gen.dirichlet(np.full(24, 1.0), size=k)

        # weekday preference folded into the (day, faction) draw
        weight = rate * dow_p[:, days.day_of_week.to_numpy()].T
        flat = (weight / weight.sum()).ravel()
        cell = np.sort(gen.choice(flat.size, size=self.n_events, p=flat))
        day_i, who = np.divmod(cell, k)
        n = self.n_events
        site = _draw(gen, site_w[who])
        lat0 = np.array([SITES[s][2] for s in site])
        lon0 = np.array([SITES[s][3] for s in site])
        sd = spread[who, site]
        dx, dy = gen.normal(0, sd), gen.normal(0, sd)
        lat = lat0 + np.degrees(dy / EARTH_RADIUS_KM)
        lon = lon0 + np.degrees(dx / (EARTH_RADIUS_KM * np.cos(np.radians(lat0))))
        weapon = _draw(gen, weapon_p[who])
        target = _draw(gen, target_p[who])
        hour = _draw(gen, hour_p[who])
        has_xy = gen.random(n) >= self.missing_coordinates
        has_hour = gen.random(n) < self.hour_known
        banner_only = gen.random(n) < self.banner_share
        dates = days[day_i]
        dow = dates.day_of_week.to_numpy()

        # Bayes-optimal posterior under the generating model
        logp = np.log(np.where(rate[day_i] > 0, rate[day_i], 1.0))
        logp[rate[day_i] == 0] = -np.inf
        logp += np.log(dow_p[:, dow].T)
        adm = np.array([s[1] for s in SITES])
        site_adm = adm[site]
        lats = np.array([s[2] for s in SITES])
        lons = np.array([s[3] for s in SITES])
        for i in range(n):
            comp = np.log(site_w + 1e-300)  # (k, S)
            same_adm = adm == site_adm[i]
            comp = np.where(same_adm[None, :], comp, -np.inf)
            if has_xy[i]:
                ddy = np.radians(lat[i] - lats) * EARTH_RADIUS_KM
                ddx = (
                    np.radians(lon[i] - lons)
                    * EARTH_RADIUS_KM
                    * np.cos(np.radians(lats))
                )
                # density in (lat, lon): Gaussian in km times the Jacobian
                jac = np.log(EARTH_RADIUS_KM**2 * np.cos(np.radians(lats)))
                comp = comp + (
                    -0.5 * (ddx**2 + ddy**2) / spread**2
                    - np.log(2 * np.pi * spread**2)
                    + jac
                )
            logp[i] += logsumexp(comp, axis=1)
        logp += np.log(weapon_p[:, weapon].T) + np.log(target_p[:, target].T)
        logp += np.where(has_hour[:, None], np.log(hour_p[:, hour].T), 0.0)
        bayes = softmax(logp, axis=1)

        names = {m: net.actors[m].name for m in members}
        banner_name = net.actors[banner_id].name
        truth_ids = np.array(members)[who]
        ts = dates + pd.to_timedelta(hour, unit="h")
        ev = pd.DataFrame(
            {
                "event_id": [f"simulated:{i}" for i in range(n)],
                "source": "simulated",
                "source_event_id": [str(i) for i in range(n)],
                "date": dates.to_numpy().astype("datetime64[s]"),
                "date_precision": "day",
                "timestamp": np.where(has_hour, ts.to_numpy(), np.datetime64("NaT")),
                "country": np.where(
                    np.isin(site_adm, ["Anbar", "Erbil", "Baghdad"]),
                    "Iraq",
                    np.where(site_adm == "Mafraq", "Jordan", "Syria"),
                ),
                "admin1": site_adm,
                "latitude": np.where(has_xy, lat, np.nan),
                "longitude": np.where(has_xy, lon, np.nan),
                "geo_precision": np.where(has_xy, "point", "admin1"),
                "actor": np.where(
                    banner_only, banner_name, [names[m] for m in truth_ids]
                ),
                "actor_id": np.where(banner_only, banner_id, truth_ids),
                "banner": np.where(banner_only, banner_name, None),
                "banner_id": np.where(banner_only, banner_id, None),
                "claimed": True,
                "event_type": "attack",
                "weapon": np.array(WEAPONS)[weapon],
                "target_type": np.array(TARGETS)[target],
                "n_events": 1,
            }
        )
        ev["timestamp"] = pd.to_datetime(ev["timestamp"])
        for c in ("actor", "actor_id", "banner", "banner_id", "admin1", "weapon"):
            ev[c] = ev[c].astype("string")
        params = {
            "members": members,
            "base_rate": base,
            "period_days": period,
            "phase": phase,
            "site_weights": site_w,
            "spread_km": spread,
            "weapon_p": weapon_p,
            "target_p": target_p,
            "dow_p": dow_p,
            "hour_p": hour_p,
        }
        return BannerSimulation(
            events=ev,
            truth=pd.Series(truth_ids, index=ev.index, name="true_actor_id"),
            bayes_proba=pd.DataFrame(bayes, columns=members, index=ev.index),
            network=net,
            banner_id=banner_id,
            params=params,
        )


def _draw(gen: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (inverse CDF, vectorised)."""
    cdf = np.cumsum(probs, axis=1)
    u = gen.random(len(probs)) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(axis=1), probs.shape[1] - 1)
