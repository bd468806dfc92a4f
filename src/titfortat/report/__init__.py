"""Plots and reports. matplotlib is imported lazily inside each function.

Install the plotting extra with ``pip install 'titfortat[plot]'``.
"""

from __future__ import annotations

from titfortat.report.actors import plot_network, save_network_plot
from titfortat.report.dynamics import (
    plot_branching_matrix,
    plot_impulse_response,
    plot_residual_qq,
)

__all__ = [
    "plot_branching_matrix",
    "plot_impulse_response",
    "plot_network",
    "plot_residual_qq",
    "save_network_plot",
]
