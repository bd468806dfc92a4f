"""Did retaliation deter or escalate? Event studies, DiD, count models, Granger.

Sign convention, used by every estimator and the effect table: a positive
estimate means the cause (treatment) *raises* the later rate of the outcome
(``escalation``), a negative one that it lowers it (``deterrence``). A verdict
is given only when the interval shown excludes 0 and the test shown rejects at
the same level (:func:`decide`); otherwise ``no_detectable_effect``, or
``inconclusive`` when the two disagree, and ``not_estimable`` when the fit is
not healthy, each with its reason.

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

import importlib
from typing import TYPE_CHECKING, Any

from titfortat.effects._common import (
    MIN_EVENTS,
    VERDICTS,
    Decision,
    daily_counts,
    daily_pair,
    decide,
    parse_filter,
    verdict,
)

# ``did`` and ``hawkes_table`` are imported here, not on first use: each is
# both a submodule and a function of that name, and importing the submodule
# later would bind the package attribute to the module. Both are light (the
# Hawkes model is imported inside ``hawkes_table``).
from titfortat.effects.did import DiDResult, did
from titfortat.effects.hawkes_table import HawkesTable, hawkes_table

# The rest is imported on first use (PEP 562): the count models need
# scipy.optimize and statsmodels, the event study numba and a KD-tree, and
# ``titfortat hawkes`` needs none of them (issue 14).
_LAZY = {
    "CountAutoregression": "counts",
    "GrangerResult": "counts",
    "granger": "counts",
    "EventStudy": "event_study",
    "EventStudyResult": "event_study",
    "EventTimeProfile": "event_study",
    "SweepResult": "sweep",
    "effect_sweep": "sweep",
    "COLUMNS": "table",
    "EffectTable": "table",
    "effect_table": "table",
    "simulate_retaliation": "_toy",
}

if TYPE_CHECKING:  # pragma: no cover
    from titfortat.effects._toy import simulate_retaliation
    from titfortat.effects.counts import CountAutoregression, GrangerResult, granger
    from titfortat.effects.event_study import (
        EventStudy,
        EventStudyResult,
        EventTimeProfile,
    )
    from titfortat.effects.sweep import SweepResult, effect_sweep
    from titfortat.effects.table import COLUMNS, EffectTable, effect_table

__all__ = [
    "COLUMNS",
    "MIN_EVENTS",
    "VERDICTS",
    "CountAutoregression",
    "Decision",
    "DiDResult",
    "EffectTable",
    "EventStudy",
    "EventStudyResult",
    "EventTimeProfile",
    "GrangerResult",
    "HawkesTable",
    "SweepResult",
    "daily_counts",
    "daily_pair",
    "decide",
    "did",
    "effect_sweep",
    "effect_table",
    "granger",
    "hawkes_table",
    "parse_filter",
    "simulate_retaliation",
    "verdict",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"titfortat.effects.{_LAZY[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'titfortat.effects' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
