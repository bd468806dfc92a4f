"""Plots and reports. matplotlib is imported lazily inside each function.

Install the plotting extra with ``pip install 'titfortat[plot]'``.
"""

from __future__ import annotations

from titfortat.report.actors import plot_network, save_network_plot

__all__ = ["plot_network", "save_network_plot"]
