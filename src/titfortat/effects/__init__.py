"""Did retaliation deter or escalate? Event studies, DiD, count models, Granger.

Sign convention, used by every estimator and the effect table: a positive
estimate means the cause (treatment) *raises* the later rate of the outcome
(``escalation``), a negative one that it lowers it (``deterrence``); rows
whose test is not significant at ``alpha`` are ``no_detectable_effect``.

Examples
--------
>>> from titfortat.effects import effect_table, simulate_retaliation
>>> ev = simulate_retaliation(effect=0.7, n_days=300, n_places=4, rng=0)
>>> t = effect_table(ev, treatment="event_type=strike",
...                  outcome="event_type=attack", n_placebos=1000, hawkes=False)
>>> sorted(set(t.table.estimator))[:3]
['before_after', 'count_ar_negbin', 'count_ar_poisson']
"""

from __future__ import annotations

from titfortat.effects._common import (
    VERDICTS,
    daily_counts,
    daily_pair,
    parse_filter,
    verdict,
)
from titfortat.effects._toy import simulate_retaliation
from titfortat.effects.counts import CountAutoregression, GrangerResult, granger
from titfortat.effects.did import DiDResult, did
from titfortat.effects.event_study import EventStudy, EventStudyResult, EventTimeProfile
from titfortat.effects.hawkes_table import HawkesTable, hawkes_table
from titfortat.effects.table import COLUMNS, EffectTable, effect_table

__all__ = [
    "COLUMNS",
    "VERDICTS",
    "CountAutoregression",
    "DiDResult",
    "EffectTable",
    "EventStudy",
    "EventStudyResult",
    "EventTimeProfile",
    "GrangerResult",
    "HawkesTable",
    "daily_counts",
    "daily_pair",
    "did",
    "effect_table",
    "granger",
    "hawkes_table",
    "parse_filter",
    "simulate_retaliation",
    "verdict",
]
