"""Who did it? Calibrated attribution of banner-claimed and unclaimed attacks.

:class:`BannerAttribution` gives, for each event claimed under an umbrella
banner (or not claimed at all), a probability for each member faction that
the actor network allows on that day, plus an explicit ``other``; prediction
sets with a coverage guarantee; and per-event explanations.
:class:`BannerAttackSimulator` draws banner data with a known Bayes-optimal
posterior (labelled ``simulated``). :func:`write_posteriors` stores the
posteriors in an event store.

Examples
--------
>>> from titfortat.attribution import BannerAttackSimulator, BannerAttribution
>>> sim = BannerAttackSimulator(n_events=500, rng=0).run()
>>> sim.label
'simulated'
"""

from __future__ import annotations

from titfortat.attribution._candidates import OTHER, banners, network_mask
from titfortat.attribution._store import (
    attribute_store,
    posteriors_frame,
    write_posteriors,
)
from titfortat.attribution.metrics import AttributionEvaluation, UnscorableLabelWarning
from titfortat.attribution.model import BannerAttribution
from titfortat.attribution.simulate import BannerAttackSimulator, BannerSimulation

__all__ = [
    "OTHER",
    "AttributionEvaluation",
    "BannerAttackSimulator",
    "BannerAttribution",
    "BannerSimulation",
    "UnscorableLabelWarning",
    "attribute_store",
    "banners",
    "network_mask",
    "posteriors_frame",
    "write_posteriors",
]
