"""Result objects shared by every model.

``results`` sits at the bottom of the layering: it imports nothing else from
titfortat.
"""

from __future__ import annotations

from titfortat.results._derived import DerivedResult, LRTestResult, ResidualResult
from titfortat.results._fit import FitResult, Summary

__all__ = ["DerivedResult", "FitResult", "LRTestResult", "ResidualResult", "Summary"]
