"""report.actors: the network plot (Agg backend)."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from titfortat.actors import ActorNetwork
from titfortat.exceptions import OptionalDependencyError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_plot_returns_axes_with_legend(case: ActorNetwork) -> None:
    from matplotlib.axes import Axes

    from titfortat.report.actors import plot_network

    ax = plot_network(case, at="2024-01-28")
    assert isinstance(ax, Axes)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"faction", "umbrella", "sponsor", "member of", "opposes"} <= set(labels)
    assert ax.get_title() == "iran_axis_2023_24: ties on 2024-01-28"


def test_plot_on_given_axes_and_spring_layout() -> None:
    from matplotlib.figure import Figure

    from titfortat.report.actors import plot_network

    ax = Figure().subplots()
    out = plot_network(ActorNetwork.load("iraq_2006_08"), ax=ax, layout="spring")
    assert out is ax
    with pytest.raises(ValueError, match="'layout' parameter"):
        plot_network(ActorNetwork.load("iraq_2006_08"), ax=ax, layout="circle")


def test_missing_matplotlib_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from titfortat.report import actors as report_actors

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(
        OptionalDependencyError, match=r"pip install 'titfortat\[plot\]'"
    ):
        report_actors.plot_network(ActorNetwork.load("iraq_2006_08"))
