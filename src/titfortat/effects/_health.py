"""Fit health for the effect tables: run a step, keep its warnings, name its problems.

A table row is a finding only when its fit is healthy. :func:`attempt` runs one
estimator with every warning recorded (none dropped) and turns the library's own
errors into a reason instead of losing the whole table; :func:`validity_problems`
says which of the recorded warnings bear on validity, so the row becomes
``not_estimable`` (see :func:`titfortat.effects.decide`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from titfortat.exceptions import (
    ConvergenceWarning,
    StabilityWarning,
    TitForTatError,
)

__all__ = [
    "Attempt",
    "attempt",
    "hawkes_fit_problems",
    "near_unit_root",
    "too_few",
    "validity_problems",
]

T = TypeVar("T")

#: Spectral radius at or above ``1 - NEAR_UNIT_ROOT`` makes a Hawkes fit
#: unhealthy: near the stationarity boundary the branching matrix and the
#: baseline trade off (a README fit had radius 0.974 and baseline 1e-10 with
#: interval [-1.69, 1.69]) and the Wald curvature is not to be trusted.
NEAR_UNIT_ROOT = 0.02


def _validity_classes() -> tuple[type[Warning], ...]:
    # statsmodels' own convergence and separation warnings bear on validity as
    # much as ours; imported here so this module loads without statsmodels.
    from statsmodels.tools import sm_exceptions as sme

    return (
        ConvergenceWarning,
        StabilityWarning,
        sme.ConvergenceWarning,
        sme.PerfectSeparationWarning,
    )


class Attempt:
    """Outcome of one :func:`attempt`: a value or an error, and the warnings."""

    def __init__(
        self, value: Any, error: str | None, caught: Sequence[warnings.WarningMessage]
    ) -> None:
        self.value = value
        self.error = error
        self.caught = list(caught)

    @property
    def messages(self) -> list[str]:
        """Every warning as ``Category: message``, in order, duplicates kept once."""
        out = [f"{w.category.__name__}: {w.message}" for w in self.caught]
        return list(dict.fromkeys(out))

    @property
    def problems(self) -> list[str]:
        """The error (if any) and the warnings that bear on validity."""
        out = [self.error] if self.error else []
        return out + validity_problems(self.caught)


def attempt(fn: Callable[[], T]) -> Attempt:
    """Run ``fn`` recording every warning; a titfortat error becomes a reason.

    Only the library's own errors (:class:`~titfortat.exceptions.TitForTatError`:
    too few events, no convergence under ``strict``) and a singular linear
    system (``numpy.linalg.LinAlgError``) are caught: they mean "this row is not
    estimable", not "stop the table". Anything else is a bug and propagates.

    Examples
    --------
    >>> import warnings
    >>> from titfortat.exceptions import ConvergenceWarning, DataError
    >>> def bad():
    ...     raise DataError("only 3 events")
    >>> attempt(bad).problems
    ['DataError: only 3 events']
    >>> def noisy():
    ...     warnings.warn("stopped early", ConvergenceWarning, stacklevel=2)
    ...     return 1
    >>> a = attempt(noisy)
    >>> a.value, a.problems
    (1, ['ConvergenceWarning: stopped early'])
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn()
        except (TitForTatError, np.linalg.LinAlgError) as err:
            return Attempt(None, f"{type(err).__name__}: {err}", caught)
    return Attempt(value, None, caught)


def validity_problems(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """Messages of the warnings that make a fit unhealthy (convergence,
    separation, stability), deduplicated."""
    classes = _validity_classes()
    out = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, classes)
    ]
    return list(dict.fromkeys(out))


def near_unit_root(radius: float) -> str | None:
    """A problem statement when a spectral radius is within
    :data:`NEAR_UNIT_ROOT` of 1 (or beyond), else None.

    Examples
    --------
    >>> near_unit_root(0.87) is None, near_unit_root(0.985)
    (True, 'spectral radius 0.985 is within 0.02 of 1 (near-explosive fit)')
    """
    if not np.isfinite(radius):
        return "spectral radius is not finite"
    if radius >= 1.0:
        return f"spectral radius {radius:.3g} is at or above 1 (explosive fit)"
    if radius >= 1.0 - NEAR_UNIT_ROOT:
        return (
            f"spectral radius {radius:.3g} is within {NEAR_UNIT_ROOT:g} of 1 "
            "(near-explosive fit)"
        )
    return None


def too_few(estimator: str, counts: dict[str, float], minimum: int) -> str | None:
    """A problem statement when a series has fewer events than ``minimum``."""
    low = {k: v for k, v in counts.items() if v < minimum}
    if not low:
        return None
    got = ", ".join(f"{k}: {v:g}" for k, v in low.items())
    return (
        f"too few events for {estimator} (need at least {minimum} of each "
        f"series; got {got})"
    )


def hawkes_fit_problems(model: Any) -> list[str]:
    """Health of a fitted :class:`~titfortat.dynamics.BinnedHawkes`: convergence,
    a finite covariance, a plausible log-likelihood, the decay off its search
    bounds and a spectral radius away from 1."""
    r = model.results_
    out: list[str] = []
    if not r.converged:
        out.append("the optimiser did not converge")
    if not np.isfinite(r.log_likelihood) or r.log_likelihood > 0:
        # Counts have probabilities <= 1, so a log-likelihood above 0 is a
        # numerical failure, not a good fit.
        out.append(f"implausible log-likelihood {r.log_likelihood:.4g} for counts")
    decay = float(model.decay_)
    # BinnedHawkes searches the decay in [1e-4, 50] per day: an estimate on
    # either end is where the search stopped, not a maximum.
    if model.decay is None and (decay <= 1.0001e-4 or decay >= 49.99):
        out.append(f"the decay {decay:.3g}/day sits on its search bound")
    problem = near_unit_root(float(model.spectral_radius()))
    if problem:
        out.append(problem)
    return out
