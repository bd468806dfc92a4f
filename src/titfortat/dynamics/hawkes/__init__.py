"""Continuous-time Hawkes models."""

from __future__ import annotations

from titfortat.dynamics.hawkes._exp import ExpHawkes
from titfortat.dynamics.hawkes._simulate import HawkesSimulator
from titfortat.dynamics.hawkes._sumexp import SumExpHawkes

__all__ = ["ExpHawkes", "HawkesSimulator", "SumExpHawkes"]
