"""Action-reaction engine: multivariate Hawkes models.

Direction convention, used everywhere: ``adjacency_[i, j]`` and the parameter
``alpha[i<-j]`` are the effect of one event of node ``j`` on the later rate of
node ``i``.

Estimators accept a list of 1-D arrays of event times in days (one per node),
a dict of them, a frame with ``time``/``node`` columns, or an event-store frame
with a ``date`` column and a node column.

Day-resolution data: :class:`BinnedHawkes` models the day counts exactly;
:func:`jitter_times` (or ``ExpHawkes(tie_breaking="jitter")``) spreads
same-day events within their day for a continuous-time fit, an explicit
choice whose bias is documented there.
"""

from __future__ import annotations

from titfortat.dynamics._jitter import jitter_times
from titfortat.dynamics.counts import BinnedHawkes, BinnedHawkesSimulator
from titfortat.dynamics.hawkes import ExpHawkes, HawkesSimulator, SumExpHawkes

__all__ = [
    "BinnedHawkes",
    "BinnedHawkesSimulator",
    "ExpHawkes",
    "HawkesSimulator",
    "SumExpHawkes",
    "jitter_times",
]
