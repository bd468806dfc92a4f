"""Discrete-time (binned) self-exciting count models."""

from __future__ import annotations

from titfortat.dynamics.counts._binned import BinnedHawkes, BinnedHawkesSimulator

__all__ = ["BinnedHawkes", "BinnedHawkesSimulator"]
