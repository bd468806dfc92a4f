"""Speed of the event study's placebo inference, beside a plain pandas loop.

Usage::

    python benchmarks/effects.py                  # 10,000 placebos, full run
    python benchmarks/effects.py --placebos 2000 --pandas-subset 200

Work (the issue's target): the bundled Iraq 2007-08 data, 68,573 geolocated
attacks and 2,446 airstrikes (``source_event_type == 'Airstrike'``), 10,000
placebo interventions, radius 10 km, window 7 days. Printed:

* ``EventStudy.fit`` end to end (counting around the 2,446 strikes and the
  10,000 placebos, the local-background pass over +-90 days, matching and
  2,000 randomisation draws), after a warm-up call that compiles the numba
  kernel (compile time printed separately);
* the same fit with the whole placebo pool (``n_placebos=None``), and the
  per-placebo counting it replaced, on the same points, with their ratio;
* the counting alone: the numba kernel vs a plain pandas loop (one boolean
  date mask and a vectorised haversine per intervention, then a
  ``value_counts`` of day offsets), for the +-7-day windows and for the
  +-90-day background windows. The pandas loop is timed on a random subset
  of the 12,446 points and extrapolated linearly (it is one independent
  iteration per point), which the output says; its counts are checked
  against the kernel's on that subset.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from titfortat.datasets import load_demo_store
from titfortat.effects import EventStudy
from titfortat.effects._kernels import EARTH_RADIUS_KM, window_counts


def pandas_window_counts(
    attacks: pd.DataFrame, points: pd.DataFrame, *, window: int, radius_km: float
) -> np.ndarray:
    """The same counts as the kernel, one pandas iteration per point."""
    out = np.zeros((len(points), 2 * window + 1))
    lat_r = np.radians(attacks["latitude"].to_numpy())
    lon_r = np.radians(attacks["longitude"].to_numpy())
    for i, p in enumerate(points.itertuples(index=False)):
        m = (attacks["day"] >= p.day - window) & (attacks["day"] <= p.day + window)
        sub = attacks.loc[m]
        la, lo = np.radians(p.latitude), np.radians(p.longitude)
        sl, so = lat_r[m.to_numpy()], lon_r[m.to_numpy()]
        h = (
            np.sin((sl - la) / 2) ** 2
            + np.cos(la) * np.cos(sl) * np.sin((so - lo) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))
        near = sub.loc[d <= radius_km]
        vc = (near["day"] - p.day).value_counts()
        out[i, (vc.index.to_numpy() + window).astype(int)] = vc.to_numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--placebos", type=int, default=10_000)
    ap.add_argument("--radius-km", type=float, default=10.0)
    ap.add_argument("--window-days", type=int, default=7)
    ap.add_argument("--pandas-subset", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    store = load_demo_store()
    ev = store.query(
        columns=[
            "date",
            "event_type",
            "source_event_type",
            "latitude",
            "longitude",
            "n_events",
        ]
    )
    store.close()
    strikes = ev[ev.source_event_type == "Airstrike"]
    attacks = ev[ev.event_type == "attack"]
    print(
        f"{len(attacks):,} attacks, {len(strikes):,} airstrikes, "
        f"{args.placebos:,} placebos, radius {args.radius_km:g} km, window "
        f"{args.window_days} days"
    )

    t0 = time.perf_counter()
    EventStudy(n_placebos=50, n_resamples=10, rng=0).fit(strikes.iloc[:50], attacks)
    print(f"warm-up (numba compile or cache load): {time.perf_counter() - t0:.2f} s")

    es = EventStudy(
        window_days=args.window_days,
        radius_km=args.radius_km,
        n_placebos=args.placebos,
        rng=0,
    )
    best = np.inf
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        es.fit(strikes, attacks)
        best = min(best, time.perf_counter() - t0)
    r = es.results_
    print(
        f"EventStudy.fit end to end (best of {args.repeats}): {best:.2f} s "
        f"[{r.n_treated:,} strikes with full windows, {r.n_placebos:,} "
        f"placebos, estimate {r.estimate:+.3f}, p = {r.p_value:.4f}, "
        f"half-pool shift {r.pool_shift:+.2f} SE]"
    )
    # The whole pool (every intervention place x date shift): the estimate
    # the sampled pools converge to, deterministic in the seed.
    es_all = EventStudy(
        window_days=args.window_days, radius_km=args.radius_km, n_placebos=None, rng=0
    )
    t0 = time.perf_counter()
    es_all.fit(strikes, attacks)
    r = es_all.results_
    lo, hi = r.conf_int().iloc[0]
    print(
        f"EventStudy.fit, whole pool: {time.perf_counter() - t0:.2f} s "
        f"[{r.n_placebos:,} placebos, estimate {r.estimate:+.3f} "
        f"({lo:+.2f}, {hi:+.2f}), p = {r.p_value:.4f}, "
        f"half-pool shift {r.pool_shift:+.2f} SE]"
    )
    t_fit = time.perf_counter() - t0
    # The counting this fit replaced: one +-W window and one +-span
    # background count per placebo (the per-placebo kernel calls used before
    # the counts were sliced from per-place day series), timed on the same
    # placebo points.
    rows, pday, origin = es_all._placebo_points
    tp = es_all._points(strikes, "treatment")
    op = es_all._points(attacks, "outcome")
    oday = ((op["date"] - origin) // np.timedelta64(1, "D")).astype(np.int64)
    o = np.argsort(oday, kind="stable")
    t0 = time.perf_counter()
    for window in (args.window_days, es_all.placebo_span_days):
        window_counts(
            oday[o],
            op["lat"][o],
            op["lon"][o],
            op["w"][o],
            pday,
            tp["lat"][rows],
            tp["lon"][rows],
            window=window,
            radius_km=args.radius_km,
        )
    t_old = time.perf_counter() - t0
    print(
        f"whole pool, per-placebo counting alone (the old path): {t_old:.2f} s; "
        f"ratio old counting / new whole fit = {t_old / t_fit:.1f}x"
    )

    # The counting alone, kernel vs pandas, on points of the same kind: the
    # strikes and 10,000 placebos drawn as the fit draws them.
    origin = attacks["date"].min()
    a = attacks.assign(day=(attacks["date"] - origin).dt.days.astype(np.int64))
    a = a.sort_values("day", kind="stable").reset_index(drop=True)
    g = np.random.default_rng(0)
    s = strikes.assign(day=(strikes["date"] - origin).dt.days.astype(np.int64))
    src = g.integers(0, len(s), args.placebos)
    shift = g.integers(2 * args.window_days + 1, 91, args.placebos)
    shift *= np.where(g.random(args.placebos) < 0.5, -1, 1)
    placebos = pd.DataFrame(
        {
            "day": s["day"].to_numpy()[src] + shift,
            "latitude": s["latitude"].to_numpy()[src],
            "longitude": s["longitude"].to_numpy()[src],
        }
    )
    points = pd.concat(
        [s[["day", "latitude", "longitude"]], placebos], ignore_index=True
    )
    n = len(points)
    for window, label in (
        (args.window_days, "+-7-day windows"),
        (90, "+-90-day background"),
    ):
        kw = {"window": window, "radius_km": args.radius_km}
        arrays = (
            a["day"].to_numpy(),
            a["latitude"].to_numpy(),
            a["longitude"].to_numpy(),
            a["n_events"].to_numpy(float),
        )
        pt = (
            points["day"].to_numpy(),
            points["latitude"].to_numpy(),
            points["longitude"].to_numpy(),
        )
        best_k = np.inf
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            kc = window_counts(*arrays, *pt, **kw)
            best_k = min(best_k, time.perf_counter() - t0)
        sub = g.choice(n, size=min(args.pandas_subset, n), replace=False)
        t0 = time.perf_counter()
        pc = pandas_window_counts(a, points.iloc[sub], **kw)
        t_sub = time.perf_counter() - t0
        assert np.array_equal(pc, kc[sub]), "pandas and kernel counts differ"
        t_pd = t_sub * n / len(sub)
        if len(sub) == n:
            how = f"{t_sub:.2f} s on all points"
        else:
            how = (
                f"{t_sub:.2f} s on {len(sub):,} points, extrapolated to "
                f"{t_pd:.1f} s for all"
            )
        print(
            f"counting, {label}, {n:,} points: numba {best_k:.3f} s; pandas "
            f"loop {how} ({t_pd / best_k:,.0f}x slower); counts identical on "
            "the points compared"
        )


if __name__ == "__main__":
    main()
