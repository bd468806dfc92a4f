"""Plots and reports. matplotlib is imported lazily inside each function.

Install the plotting extra with ``pip install 'titfortat[plot]'``.
:func:`build_report` writes the self-contained HTML report of a store;
:func:`build_demo_report` that of the bundled data.
"""

from __future__ import annotations

from titfortat.report.actors import plot_network, save_network_plot
from titfortat.report.dynamics import (
    plot_branching_matrix,
    plot_impulse_response,
    plot_residual_qq,
)
from titfortat.report.effects import plot_event_time_profile
from titfortat.report.figures import plot_effect_forest, plot_event_map, plot_timeline
from titfortat.report.html import (
    ReportConfig,
    ReportResult,
    build_demo_report,
    build_report,
)

__all__ = [
    "ReportConfig",
    "ReportResult",
    "build_demo_report",
    "build_report",
    "plot_branching_matrix",
    "plot_effect_forest",
    "plot_event_map",
    "plot_event_time_profile",
    "plot_impulse_response",
    "plot_network",
    "plot_residual_qq",
    "plot_timeline",
    "save_network_plot",
]
