"""Numba kernels: outcome counts in space-time windows around intervention points.

Outcome events are sorted by day once; each intervention then scans only the
outcome events of its ``2 W + 1`` days (two binary searches), so the work is
``n_interventions x events per window`` haversine evaluations, not
``n_interventions x n_events``. On the Iraq 2007-08 data that is about 2,000
candidates per intervention.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["window_counts"]

#: Mean Earth radius in km (IUGG), the convention of the haversine formula.
EARTH_RADIUS_KM = 6371.0088


@numba.njit(cache=True, parallel=True)
def _window_counts(
    out_day: np.ndarray,
    out_lat: np.ndarray,
    out_lon: np.ndarray,
    out_cos: np.ndarray,
    out_unit: np.ndarray,
    out_w: np.ndarray,
    int_day: np.ndarray,
    int_lat: np.ndarray,
    int_lon: np.ndarray,
    int_unit: np.ndarray,
    window: int,
    radius_km: float,
    use_radius: bool,
    use_unit: bool,
) -> np.ndarray:
    n = int_day.size
    width = 2 * window + 1
    res = np.zeros((n, width))
    # haversine: d <= r  <=>  hav(d / R) <= hav(r / R), compared without asin.
    h_max = np.sin(0.5 * radius_km / EARTH_RADIUS_KM) ** 2
    # The latitude difference alone bounds the distance: reject on it before
    # any trigonometry (most candidates in a day window are far away).
    dlat_max = radius_km / EARTH_RADIUS_KM
    for i in numba.prange(n):
        t0 = int_day[i]
        lo = np.searchsorted(out_day, t0 - window, side="left")
        hi = np.searchsorted(out_day, t0 + window, side="right")
        la = int_lat[i]
        lo_ = int_lon[i]
        cos_la = np.cos(la)
        for k in range(lo, hi):
            if use_unit and out_unit[k] != int_unit[i]:
                continue
            if use_radius:
                dl = out_lat[k] - la
                if dl > dlat_max or dl < -dlat_max:
                    continue
                s1 = np.sin(0.5 * dl)
                s2 = np.sin(0.5 * (out_lon[k] - lo_))
                h = s1 * s1 + cos_la * out_cos[k] * s2 * s2
                if h > h_max:
                    continue
            res[i, out_day[k] - t0 + window] += out_w[k]
    return res


def window_counts(
    out_day: np.ndarray,
    out_lat: np.ndarray,
    out_lon: np.ndarray,
    out_w: np.ndarray,
    int_day: np.ndarray,
    int_lat: np.ndarray,
    int_lon: np.ndarray,
    *,
    window: int,
    radius_km: float | None,
    out_unit: np.ndarray | None = None,
    int_unit: np.ndarray | None = None,
) -> np.ndarray:
    """Outcome counts at event times ``-window..window`` days around each point.

    ``out_day`` must be sorted ascending (integer days). Returns an array of
    shape ``(n_points, 2 * window + 1)``; column ``window`` is day 0.
    """
    use_unit = out_unit is not None and int_unit is not None
    ou = np.zeros(1, np.int64) if out_unit is None else out_unit.astype(np.int64)
    iu = np.zeros(1, np.int64) if int_unit is None else int_unit.astype(np.int64)
    if not use_unit:
        ou = np.zeros(out_day.size, np.int64)
        iu = np.zeros(int_day.size, np.int64)
    # Coordinates in radians and outcome cosines computed once, not per pair.
    olat = np.radians(np.asarray(out_lat, dtype=np.float64))
    return _window_counts(
        out_day.astype(np.int64),
        olat,
        np.radians(np.asarray(out_lon, dtype=np.float64)),
        np.cos(olat),
        ou,
        out_w.astype(np.float64),
        int_day.astype(np.int64),
        np.radians(np.asarray(int_lat, dtype=np.float64)),
        np.radians(np.asarray(int_lon, dtype=np.float64)),
        iu,
        int(window),
        float(radius_km if radius_km is not None else 0.0),
        radius_km is not None,
        use_unit,
    )
