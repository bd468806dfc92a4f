"""Report sections on the data: sources and counts, the map, the network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from titfortat.report._html import MethodRow, Section, join_names, new_figure
from titfortat.report.figures import plot_event_map, plot_timeline

__all__ = ["SOURCE_NOTES", "data_section", "map_section", "network_section"]

#: Citation and licence of the sources titfortat reads, by the ``source``
#: name the readers store (a prefix match: ``geocausal-iraq`` is geocausal).
#: Sources not listed are reported as "not recorded".
SOURCE_NOTES: dict[str, tuple[str, str]] = {
    "geocausal": (
        "Papadogeorgou, G., Imai, K., Lyall, J. and Li, F. (2022). Causal "
        "inference with spatio-temporal data: estimating the effects of "
        "airstrikes on insurgent violence in Iraq. JRSS-B 84(5):1969-1999. "
        "doi:10.1111/rssb.12548. Data: geocausal R package.",
        "MIT",
    ),
    "centcom": (
        "US CENTCOM / CJTF-OIR press releases, 2014-2016, scraped by K. Schaul "
        "(uscentcom-isil-airstrikes-scraper).",
        "MIT (scrape); US government releases",
    ),
    "acled": (
        "Raleigh, C., Linke, A., Hegre, H. and Karlsen, J. (2010). Introducing "
        "ACLED. Journal of Peace Research 47(5):651-660; data from acleddata.com.",
        "ACLED terms of use (attribution; no redistribution of rows)",
    ),
    "ucdp": (
        "Sundberg, R. and Melander, E. (2013). Introducing the UCDP "
        "Georeferenced Event Dataset. Journal of Peace Research 50(4):523-532.",
        "CC BY 4.0",
    ),
    "gtd": (
        "START (National Consortium for the Study of Terrorism and Responses "
        "to Terrorism). Global Terrorism Database.",
        "GTD terms of use (no redistribution)",
    ),
    "gdelt": (
        "Leetaru, K. and Schrodt, P. (2013). GDELT: Global Data on Events, "
        "Location and Tone, 1979-2012. ISA Annual Convention.",
        "GDELT terms (open; cite)",
    ),
    "us-militia": (
        "titfortat compilation of published counts (Pentagon, AP, Reuters and "
        "others); the source of each figure is on its row.",
        "facts with attribution URLs",
    ),
}


def source_note(source: str) -> tuple[str, str]:
    """(citation, licence) of a stored ``source`` name."""
    key = source.lower()
    for prefix, note in SOURCE_NOTES.items():
        if key.startswith(prefix):
            return note
    return (
        "not recorded: the store does not say where these rows come from; "
        "cite the provider yourself",
        "unknown: check the provider's terms",
    )


def data_section(store: Any, *, freq: str = "week") -> Section:
    """What is in the store: sources, citations, counts, quarantine, timeline."""
    s = Section.titled("data")
    ingests = store.ingests()
    n_total = store.count()
    if n_total == 0:
        s.paragraphs.append("The store holds no events.")
        return s
    # Summarised inside DuckDB: a large store is never loaded whole here.
    by_type = store.tally(["source", "event_type", "source_event_type"])
    first, last = by_type["first"].min().date(), by_type["last"].max().date()
    s.paragraphs.append(
        f"The store holds {n_total:,} events from {first} to {last}, read in "
        f"{len(ingests):,} ingest(s) from {ingests['source_file'].nunique():,} "
        "file(s). Each row below is one file as it was ingested; read = inserted "
        "+ duplicates + quarantined."
    )
    files = pd.DataFrame(
        {
            "file": [Path(str(p)).name for p in ingests["source_file"]],
            "source": ingests["source"],
            "format": ingests["format"],
            "read": ingests["n_read"],
            "inserted": ingests["n_inserted"],
            "duplicates": ingests["n_duplicates"],
            "quarantined": ingests["n_quarantined"],
        }
    )
    s.add_table(files, "Files ingested")
    for src, part in by_type.groupby("source"):
        s.data_spans.append(
            (f"{src} (event store)", part["first"].min(), part["last"].max())
        )
    sources = sorted(by_type["source"].dropna().unique())
    notes = [(src, *source_note(src)) for src in sources]
    s.add_table(
        pd.DataFrame(notes, columns=["source", "citation", "licence"]),
        "Sources, their citations and licences",
    )
    by_type = by_type.drop(columns=["first", "last"]).rename(columns={"rows": "events"})
    s.add_table(by_type, "Events by source, canonical type and the source's own type")
    quarantine = store.quarantine()
    n_quarantined = len(quarantine)
    s.summary.append(
        f"{n_total:,} events from {first} to {last}; {n_quarantined:,} row(s) "
        "set aside in quarantine."
    )
    if quarantine.empty:
        s.paragraphs.append("No row was quarantined.")
    else:
        summary = (
            quarantine.assign(file=[Path(str(p)).name for p in quarantine.source_file])
            .groupby(["file", "column_name", "reason"], dropna=False)
            .size()
            .rename("rows")
            .reset_index()
        )
        s.add_table(summary, "Quarantined rows by file, column and reason")
        s.caveats.append(
            f"{len(quarantine):,} row(s) were quarantined (not analysed); "
            "`titfortat quarantine` lists each with its raw row."
        )
    counts = store.counts(freq=freq, by="event_type")
    figure, ax = new_figure(9, 3.2)
    plot_timeline(counts, ax=ax, freq=freq)
    ax.set_title(f"Events per {freq} by canonical type")
    s.add_figure(
        figure,
        f"Line chart of events per {freq} by type, {first} to {last}",
        f"Timeline: events per {freq}, by canonical event type "
        f"({join_names([str(c) for c in counts.columns])}).",
    )
    s.methods.append(
        MethodRow(
            s.title,
            "event counts",
            f"{n_total:,}",
            "exact counts from the store",
            "none (a count, not an estimate)",
        )
    )
    return s


def map_section(store: Any, *, max_points: int = 40_000) -> Section:
    """A static map of the events, drawn from their coordinates."""
    s = Section.titled("map")
    frame = store.query(columns=["latitude", "longitude", "event_type"])
    figure, ax = new_figure(7.5, 6.5)
    plot_event_map(frame, ax=ax, max_points=max_points)
    n_missing = int((frame["latitude"].isna() | frame["longitude"].isna()).sum())
    s.paragraphs.append(
        "Each point is an event at its recorded coordinates, on a latitude/"
        "longitude grid (graticule). There is no base map: no tile server or "
        "coastline file is used, so the file opens offline; the aspect ratio "
        "keeps distances true at the mean latitude."
    )
    if n_missing:
        s.caveats.append(
            f"{n_missing:,} event(s) have no coordinates and are not on the map."
        )
    if len(frame) > max_points:
        s.caveats.append(
            f"The map draws a uniform random sample of {max_points:,} of "
            f"{len(frame):,} events (seed 0) to keep the file light."
        )
    s.add_figure(
        figure,
        "Scatter map of events by type on a longitude/latitude grid",
        "Events by canonical type (strikes as triangles on top).",
    )
    return s


def network_section(network: Any, *, at: str | dt.date | None = None) -> Section:
    """The actor network: sponsor, banner, factions, dated and sourced ties."""
    from titfortat.report.actors import plot_network

    s = Section.titled("network")
    title = getattr(network, "title", None) or network.id
    s.paragraphs.append(
        f"Network {network.id!r} ({title}): {len(network.actors)} actors and "
        f"{len(network.ties())} ties, each tie with its dates, confidence and "
        "public source. Marker shape gives the actor's kind, line style the tie "
        "type, line width the confidence."
    )
    kinds = network.actors_frame()
    for kind, label in (("sponsor", "sponsor"), ("umbrella", "umbrella banner")):
        names = kinds.loc[kinds["kind"] == kind, "name"].tolist()
        if names:
            s.paragraphs.append(f"{label.capitalize()}: {join_names(names)}.")
    figure, ax = new_figure(10, 7.2)
    plot_network(network, at=at, ax=ax)
    when = f" on {at}" if at is not None else ""
    s.add_figure(
        figure,
        f"Network diagram of {network.id}{when}",
        f"Actors and the ties that hold{when or ' at any time'}.",
    )
    ties = network.ties_frame(at)
    names = dict(zip(kinds["id"], kinds["name"], strict=True))
    shown = pd.DataFrame(
        {
            "source": ties["source"].map(names).fillna(ties["source"]),
            "tie": ties["type"].str.replace("_", " "),
            "target": ties["target"].map(names).fillna(ties["target"]),
            "from": ties["start"],
            "until": ties["end"],
            "confidence": ties["confidence"],
            "sources": ties["citation"],
        }
    )
    s.add_table(shown, f"Ties{when} with dates and sources (blank date: open)")
    refs = pd.DataFrame(
        [
            {"key": r.key, "reference": r.title, "url": r.url or ""}
            for r in network.references.values()
        ]
    )
    if not refs.empty:
        s.add_table(refs, "References cited by the ties")
    s.caveats.append(
        "Ties are as published in the cited sources, with the confidence the "
        "network file gives them; a tie absent here may exist unreported."
    )
    return s
