"""Report sections that need attribution and the policy simulator.

Each section first checks that the capability exists in this build
(``titfortat.attribution``, ``titfortat.simulate``); where it does not, the
section says "not available in this build" and shows no numbers. The
published 2023-24 counts are bundled data and are always shown.
"""

from __future__ import annotations

import importlib
from typing import Any

import pandas as pd

from titfortat.report._html import Section, new_figure, unavailable

__all__ = ["attribution_section", "outlook_section", "published_counts"]


def _capability(module: str, *names: str) -> Any | None:
    """The module if it exports every name in ``names``, else ``None``."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return mod if all(hasattr(mod, n) for n in names) else None


def attribution_section(*, rng: int = 0) -> Section:
    """Who did it: attribution of banner claims to member factions."""
    s = Section("attribution", "Who did it: attacks claimed under the banner")
    s.paragraphs.append(
        "An attack claimed under the umbrella banner (Islamic Resistance in "
        "Iraq) hides which member faction carried it out. This section "
        "evaluates a model that gives each faction a probability, checks that "
        "its probabilities are calibrated (reliability diagram), and shows the "
        "posteriors of the most recent banner claims."
    )
    mod = _capability("titfortat.attribution", "BannerAttribution")
    if mod is None:
        return unavailable(
            s,
            "the attribution of banner claims",
            "titfortat.attribution.BannerAttribution",
        )
    return unavailable(
        s,
        "the attribution section of the report",
        "an attribution API this report version can read",
    )


def published_counts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bundled published 2023-24 counts and US strike dates, with sources."""
    from titfortat.datasets import bundled_path

    counts = pd.read_csv(
        bundled_path("us_militia_pentagon_cumulative_counts.csv"),
        parse_dates=["as_of_date"],
    )
    strikes = pd.read_csv(
        bundled_path("us_militia_strikes_key_dates.csv"), parse_dates=["date"]
    )
    return counts, strikes


def outlook_section(*, rng: int = 0) -> Section:
    """What happens next: policy fan charts, comparison, the 2023-24 case."""
    s = Section("outlook", "What happens next under each response policy")
    counts, strikes = published_counts()
    s.paragraphs.append(
        "The 2023-24 case: published cumulative counts of militia attacks on US "
        "forces in Iraq and Syria since 17 October 2023 (Pentagon, AP, Reuters "
        "and others; one source per row), with the dates of US strikes. These "
        "are the calibration targets of the policy simulator."
    )
    figure, ax = new_figure(8, 3.6)
    known = counts.dropna(subset=["cumulative_attacks"])
    ax.plot(
        known["as_of_date"],
        known["cumulative_attacks"],
        "o-",
        color="0.2",
        label="published cumulative attacks",
    )
    for i, day in enumerate(strikes["date"]):
        ax.axvline(
            day, color="#4c72b0", lw=0.9, ls="--", label="US strike" if i == 0 else None
        )
    ax.set_ylabel("attacks since 2023-10-17")
    ax.set_xlabel("date")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    ax.set_title("Attacks on US forces (published counts) and US strikes")
    s.add_figure(
        figure,
        "Published cumulative counts of attacks with US strike dates",
        "Published counts (points; figures disagree between outlets, see the "
        "notes) and US strike dates (dashed).",
    )
    s.add_table(
        counts[["as_of_date", "cumulative_attacks", "iraq", "syria", "source_url"]],
        "Published cumulative counts and their sources",
    )
    s.add_table(
        strikes[["date", "country", "description", "confidence"]],
        "US strikes, October 2023 - February 2024",
    )
    s.caveats.append(
        "Published counts are not an event-level data set: outlets give "
        "different figures for the same day (see each row's note), and the "
        "counts stop being updated in 2024."
    )
    mod = _capability("titfortat.simulate", "Scenario", "run")
    if mod is None:
        unavailable(
            s,
            "policy fan charts, the comparison table and the fit to these counts",
            "the policy simulator (titfortat.simulate.Scenario and run)",
        )
        s.is_available = False
    return s
