"""Plots of actor networks.

matplotlib is optional (``pip install 'titfortat[plot]'``) and imported only
inside these functions. Figures are built with :class:`matplotlib.figure.Figure`
rather than ``pyplot``, so no GUI backend is touched and nothing is shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import networkx as nx  # type: ignore[import-untyped, unused-ignore]

from titfortat.actors import ACTOR_KINDS, TIE_TYPES, ActorNetwork
from titfortat.exceptions import OptionalDependencyError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_network", "save_network_plot"]

# One marker shape per actor kind and one line style per tie type, so a
# black-and-white print still separates them; colours only reinforce.
KIND_MARKERS = {
    "state": "s",
    "sponsor": "D",
    "umbrella": "h",
    "faction": "o",
    "state_apparatus": "p",
    "armed_force": "^",
    "other": "v",
}
KIND_COLORS = {
    "state": "#4c72b0",
    "sponsor": "#c44e52",
    "umbrella": "#8172b3",
    "faction": "#dd8452",
    "state_apparatus": "#937860",
    "armed_force": "#55a868",
    "other": "#8c8c8c",
}
TIE_STYLES = {
    "funds": ("-", "#2ca02c"),
    "arms": ("-", "#d62728"),
    "trains": ("--", "#ff7f0e"),
    "directs": ("-.", "#9467bd"),
    "member_of": ("-", "#1f77b4"),
    "claims_under": (":", "#1f77b4"),
    "part_of": ("--", "#7f7f7f"),
    "allied_with": (":", "#17becf"),
    "opposes": ("-.", "#000000"),
}
CONFIDENCE_WIDTHS = {"low": 0.8, "medium": 1.6, "high": 2.6}


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise OptionalDependencyError(
            "Plotting an actor network needs matplotlib, which is not installed. "
            "Install the plot extra: pip install 'titfortat[plot]'."
        ) from err


def plot_network(
    network: ActorNetwork,
    *,
    at: dt.date | str | None = None,
    ax: Axes | None = None,
    layout: str = "kamada_kawai",
    rng: int = 0,
    with_labels: bool = True,
) -> Axes:
    """Draw an actor network: kinds as marker shapes, tie types as line styles.

    Line width shows the tie's confidence (thin = low, thick = high). Arrows
    point from source to target ("source <type> target").

    Parameters
    ----------
    network : ActorNetwork
        The network to draw.
    at : date, ISO string or None, default=None
        Draw only the ties that hold on this day; ``None`` draws all ties.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.
    layout : {"kamada_kawai", "spring"}, default="kamada_kawai"
        Node placement; both are deterministic for a given network and seed.
    rng : int, default=0
        Seed of the spring layout.
    with_labels : bool, default=True
        Write actor names next to the nodes.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    OptionalDependencyError
        If matplotlib is not installed.

    Examples
    --------
    >>> ax = plot_network(ActorNetwork.load(), at="2024-01-28")
    >>> ax.get_title()
    'iran_axis_2023_24: ties on 2024-01-28'
    """
    _require_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if ax is None:
        ax = Figure(figsize=(11, 8), layout="constrained").subplots()
    graph = network.to_networkx(at)
    simple = nx.Graph(graph)
    if layout == "kamada_kawai":
        pos = nx.kamada_kawai_layout(simple)
    elif layout == "spring":
        pos = nx.spring_layout(simple, seed=rng, k=1.6 / max(len(simple), 1) ** 0.5)
    else:
        raise ValueError(
            "The 'layout' parameter of plot_network must be 'kamada_kawai' or "
            f"'spring'. Got {layout!r} instead."
        )

    used_kinds = [
        k for k in ACTOR_KINDS if any(d["kind"] == k for _, d in graph.nodes(data=True))
    ]
    for kind in used_kinds:
        nodes = [n for n, d in graph.nodes(data=True) if d["kind"] == kind]
        nx.draw_networkx_nodes(
            graph,
            pos,
            nodelist=nodes,
            node_shape=KIND_MARKERS[kind],
            node_color=KIND_COLORS[kind],
            node_size=520,
            edgecolors="black",
            linewidths=0.8,
            ax=ax,
        )
    ties = network.ties(at)
    used_types = [t for t in TIE_TYPES if any(tie.type == t for tie in ties)]
    for i, ttype in enumerate(TIE_TYPES):
        group = [tie for tie in ties if tie.type == ttype]
        if not group:
            continue
        style, color = TIE_STYLES[ttype]
        # Several tie types can join the same pair; a per-type curvature keeps
        # them apart instead of drawing them on top of each other.
        rad = 0.06 * (i - len(TIE_TYPES) // 2)
        nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=[(t.source, t.target) for t in group],
            style=style,
            edge_color=color,
            width=[CONFIDENCE_WIDTHS[t.confidence] for t in group],
            arrows=True,
            arrowsize=12,
            node_size=520,
            connectionstyle=f"arc3,rad={rad:.2f}",
            ax=ax,
        )
    if with_labels:
        labels = {n: d["name"] for n, d in graph.nodes(data=True)}
        nx.draw_networkx_labels(
            graph,
            {n: (x, y - 0.07) for n, (x, y) in pos.items()},
            labels=labels,
            font_size=8,
            ax=ax,
        )
    handles: list[Any] = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=KIND_MARKERS[k],
            markerfacecolor=KIND_COLORS[k],
            markeredgecolor="black",
            markersize=9,
            label=k.replace("_", " "),
        )
        for k in used_kinds
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle=cast(Any, TIE_STYLES[t][0]),
            color=TIE_STYLES[t][1],
            linewidth=1.8,
            label=t.replace("_", " "),
        )
        for t in used_types
    ]
    handles += [
        Line2D([], [], color="black", linewidth=w, label=f"confidence: {c}")
        for c, w in CONFIDENCE_WIDTHS.items()
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(1.0, 1.0),
    )
    when = (
        f"ties on {dt.date.fromisoformat(str(at))}" if at is not None else ("all ties")
    )
    ax.set_title(f"{network.id}: {when}")
    ax.margins(0.12)
    ax.set_axis_off()
    return ax


def save_network_plot(
    network: ActorNetwork,
    path: str | Path,
    *,
    at: dt.date | str | None = None,
    dpi: int = 150,
    rng: int = 0,
) -> Path:
    """Draw a network with :func:`plot_network` and save it to an image file.

    Parameters
    ----------
    network : ActorNetwork
        The network to draw.
    path : str or pathlib.Path
        Output file; the format follows the suffix (``.png``, ``.svg``,
        ``.pdf``).
    at : date, ISO string or None, default=None
        Draw only the ties that hold on this day.
    dpi : int, default=150
        Resolution of raster output.
    rng : int, default=0
        Seed of the layout.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "iraq.png"
    >>> save_network_plot(ActorNetwork.load("iraq_2006_08"), out).exists()
    True
    """
    _require_matplotlib()
    from matplotlib.figure import Figure

    path = Path(path)
    figure = Figure(figsize=(11, 8), layout="constrained")
    plot_network(network, at=at, ax=figure.subplots(), rng=rng)
    figure.savefig(path, dpi=dpi)
    return path
