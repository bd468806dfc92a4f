"""What happens next: policy scenarios simulated on an exponential Hawkes model.

A :class:`Scenario` (YAML, validated with file and line for every problem)
holds a model (parameters or a saved fit), the factions' capacities,
exogenous windows (a truce, a halt) and the policies to compare. :func:`run`
simulates every policy on the same runs (common random numbers), locally or
on a Dask cluster, and returns a :class:`SimulationResult`. The linear
(identity-link) model runs on its cluster representation with per-event
keyed random numbers, so a policy perturbs only the events it causes and
tit-for-tat chains are traced through the genealogy; softplus and relu links
(inhibition, e.g. deterrent strikes) run by Ogata thinning with the same
policy logic.

Direction convention, as in :mod:`titfortat.dynamics`: ``adjacency[i][j]``
is the effect of one node-``j`` event on the later rate of node ``i``.
"""

from __future__ import annotations

from titfortat.simulate._mean import analytic_mean_counts
from titfortat.simulate._result import SimulationResult
from titfortat.simulate._run import check_stable, run
from titfortat.simulate._scenario import (
    Capacity,
    Policy,
    Scenario,
    Window,
    bundled_scenarios,
)

__all__ = [
    "Capacity",
    "Policy",
    "Scenario",
    "SimulationResult",
    "Window",
    "analytic_mean_counts",
    "bundled_scenarios",
    "check_stable",
    "run",
]
