"""Continuous-time Hawkes models: one family (see :mod:`titfortat.dynamics`)."""

from __future__ import annotations

from titfortat.dynamics.hawkes._exp import ExpHawkes
from titfortat.dynamics.hawkes._kernel_hawkes import KernelHawkes
from titfortat.dynamics.hawkes._simulate import HawkesSimulator
from titfortat.dynamics.hawkes._sumexp import SumExpHawkes

__all__ = ["ExpHawkes", "HawkesSimulator", "KernelHawkes", "SumExpHawkes"]
