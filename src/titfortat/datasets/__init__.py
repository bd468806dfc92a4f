"""Bundled data sets, their licences and citations, and loaders for them.

================================  ====================================================
name                              what
================================  ====================================================
``geocausal_airstrikes``          US airstrikes and shows of force in Iraq, 2007-02-23
                                  to 2008-07-05 (3,938 events)
``geocausal_insurgencies``        insurgent attacks (IED, SAF, other), same period
                                  (68,573 events)
``geocausal_airstrikes_2006``     2006-01-01 to 2006-09-24 (2,101 events)
``geocausal_insurgencies_2006``   same period (37,701 events)
``centcom_oir_strikes``           coalition strikes on ISIL by location-day from
                                  CENTCOM releases, 2014-12 to 2016-10 (5,531 rows,
                                  12,241 strikes)
``us_militia_*``                  published 2023-24 counts of attacks on US forces and
                                  dates of US strikes (facts with their sources)
================================  ====================================================

The geocausal data are MIT-licensed package data of the R package geocausal;
cite Papadogeorgou, Imai, Lyall & Li (2022), "Causal inference with
spatio-temporal data: estimating the effects of airstrikes on insurgent
violence in Iraq", JRSS-B 84(5):1969-1999, doi:10.1111/rssb.12548. The CENTCOM
rows are an MIT-licensed scrape (K. Schaul) of US government press releases.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["CITATIONS", "bundled_path", "iraq_paths", "load_demo_store"]

CITATIONS = {
    "geocausal": (
        "Papadogeorgou, G., Imai, K., Lyall, J. and Li, F. (2022). Causal inference "
        "with spatio-temporal data: estimating the effects of airstrikes on "
        "insurgent violence in Iraq. JRSS-B 84(5):1969-1999. doi:10.1111/rssb.12548. "
        "Data: geocausal R package (MIT)."
    ),
    "centcom": (
        "US CENTCOM / CJTF-OIR press releases, 2014-2016, scraped by K. Schaul, "
        "uscentcom-isil-airstrikes-scraper (MIT)."
    ),
    "us_militia_2023_24": (
        "titfortat compilation of published counts (Pentagon, AP, Reuters and "
        "others); the source of each figure is on its row."
    ),
}

_DATA = resources.files("titfortat.datasets") / "data"


def bundled_path(name: str) -> Path:
    """Path of a bundled data file, e.g. ``"geocausal_airstrikes.csv.gz"``."""
    path = Path(str(_DATA / name))
    if not path.exists():
        available = sorted(p.name for p in Path(str(_DATA)).iterdir())
        raise FileNotFoundError(f"No bundled data file {name!r}; have {available}.")
    return path


def iraq_paths(period: str = "2007") -> dict[str, Path]:
    """Bundled geocausal Iraq files for ``period`` ``"2007"`` (2007-08) or ``"2006"``.

    Examples
    --------
    >>> sorted(iraq_paths())
    ['airstrikes', 'insurgencies']
    """
    suffix = {"2007": "", "2006": "_2006"}[period]
    return {
        "airstrikes": bundled_path(f"geocausal_airstrikes{suffix}.csv.gz"),
        "insurgencies": bundled_path(f"geocausal_insurgencies{suffix}.csv.gz"),
    }


def load_demo_store(path: str | Path = ":memory:", *, period: str = "2007"):  # type: ignore[no-untyped-def]
    """An :class:`~titfortat.events.EventStore` holding the bundled Iraq data.

    Examples
    --------
    >>> store = load_demo_store()
    >>> store.count(event_type="attack")
    68573
    >>> store.close()
    """
    from titfortat.events import EventStore

    store = EventStore(path)
    files = iraq_paths(period)
    store.ingest(files["airstrikes"], format="table", mapping="geocausal-airstrikes")
    store.ingest(
        files["insurgencies"], format="table", mapping="geocausal-insurgencies"
    )
    return store
