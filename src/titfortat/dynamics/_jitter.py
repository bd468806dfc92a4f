"""Explicit tie-breaking for continuous-time fits on day-resolution data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np

from titfortat._validation import as_generator
from titfortat.exceptions import DataError

__all__ = ["jitter_times"]

# Times within this many days of a bin start count as "on the grid"; float
# days since an origin computed from dates are exact multiples, and this
# tolerance only absorbs arithmetic on them.
_GRID_TOL = 1e-9


def _jitter_one(
    t: np.ndarray, rng: np.random.Generator, scale: float, name: str
) -> np.ndarray:
    t = np.asarray(t, dtype=float).ravel()
    start = np.floor(t / scale + _GRID_TOL) * scale
    off = np.abs(t - start)
    if t.size and off.max() > _GRID_TOL * max(scale, 1.0):
        bad = t[off > _GRID_TOL * max(scale, 1.0)]
        raise DataError(
            f"jitter_times spreads events over their whole time bin, so every "
            f"time must sit on the bin grid (multiples of scale={scale!r} days). "
            f"Node {name!r} has {bad.size} times off the grid, first "
            f"{bad[:5].tolist()}. Jitter only day-stamped data, or pass the bin "
            "width as scale."
        )
    out: np.ndarray = np.sort(start + scale * rng.random(t.size))
    return out


@overload
def jitter_times(
    events: Mapping[str, Any],
    *,
    rng: int | np.random.Generator | None = ...,
    scale: float = ...,
) -> dict[str, np.ndarray]: ...


@overload
def jitter_times(
    events: np.ndarray,
    *,
    rng: int | np.random.Generator | None = ...,
    scale: float = ...,
) -> np.ndarray: ...


@overload
def jitter_times(
    events: Sequence[Any],
    *,
    rng: int | np.random.Generator | None = ...,
    scale: float = ...,
) -> list[np.ndarray]: ...


def jitter_times(
    events: Mapping[str, Any] | Sequence[Any] | np.ndarray,
    *,
    rng: int | np.random.Generator | None = None,
    scale: float = 1.0,
) -> dict[str, np.ndarray] | list[np.ndarray] | np.ndarray:
    """Spread bin-stamped event times uniformly within their bin.

    An event recorded at the start ``b`` of its bin (a day, ``scale=1``) is
    moved to ``b + scale * U`` with ``U ~ Uniform(0, 1)`` drawn independently
    per event, so events that shared a date get distinct times and a
    continuous-time model such as :class:`~titfortat.dynamics.ExpHawkes` can
    order them. This is an explicit, lossy choice, never made silently.

    Parameters
    ----------
    events : 1-D array, list of 1-D arrays or dict of them
        Event times in days, each a multiple of ``scale`` (as produced from
        a ``date`` column).
    rng : int, numpy.random.Generator or None
        Seeds the uniform draws; the same seed gives the same jittered times.
    scale : float, default 1.0
        Bin width in days.

    Returns
    -------
    Same container as ``events``, each array sorted. Times stay inside their
    bin, so a window ending at the end of the last bin still contains them.

    Raises
    ------
    DataError
        A time that is not a multiple of ``scale`` (already continuous data).
    ValueError
        A non-positive ``scale``.

    Notes
    -----
    **Bias.** Jittering invents the within-day order, which the data do not
    contain: parent and offspring on the same day are put in the wrong order
    half the time, and every delay is blurred by the difference of two
    uniforms (variance ``scale**2 / 6``). The fitted exponential kernel is
    therefore too wide: ``decay`` is biased **down**. The branching ratio
    ``alpha`` is nearly unbiased (slightly up, the excess taken from ``mu``),
    because same-day pairs still count as excitation in one of the two orders.
    The bias vanishes as the mean delay ``1/beta`` grows against ``scale``.
    Measured with ``python benchmarks/hawkes_jitter.py`` (one node,
    ``mu = alpha = 0.5``, 20,000 days, 20 replicates, mean ± MC error):

    ==========  ============  =============  ==================
    true decay  jitter decay  jitter alpha   BinnedHawkes alpha
    ==========  ============  =============  ==================
    0.2         0.207 ± .004  0.496 ± .004   0.469 ± .004
    0.5         0.479 ± .005  0.501 ± .002   0.437 ± .003
    1.0         0.886 ± .004  0.507 ± .001   0.389 ± .002
    2.0         1.489 ± .008  0.511 ± .001   0.308 ± .002
    5.0         2.513 ± .010  0.508 ± .001   0.176 ± .002
    ==========  ============  =============  ==================

    (exact-time fits on the same data: decay within 2% of the truth, alpha
    within 0.006). :class:`~titfortat.dynamics.BinnedHawkes` needs no jitter
    and is exact for the day counts, but it cannot see offspring on their
    parent's day, so its ``alpha`` is biased down when delays are short;
    prefer it when the question is about lags of days or more.

    Conversely, on data from the day-count model itself (no offspring on
    the parent's day, ``BinnedHawkesSimulator``), ``BinnedHawkes`` is
    unbiased and the jittered fit **overstates** ``alpha``: 0.508, 0.524,
    0.535 and 0.541 (± .005) for a true 0.5 at day-model decays 0.2, 0.5, 1
    and 2, its exponential kernel standing in for the geometric lags.

    Examples
    --------
    >>> jitter_times([np.array([0.0, 0.0, 3.0])], rng=0)[0].round(3)
    array([0.27 , 0.637, 3.041])
    """
    if not scale > 0:
        raise ValueError(f"scale must be a positive bin width in days. Got {scale!r}.")
    gen = as_generator(rng)
    if isinstance(events, Mapping):
        return {
            str(k): _jitter_one(v, gen, float(scale), str(k)) for k, v in events.items()
        }
    if isinstance(events, np.ndarray) and events.ndim == 1:
        return _jitter_one(events, gen, float(scale), "0")
    return [_jitter_one(a, gen, float(scale), str(k)) for k, a in enumerate(events)]
