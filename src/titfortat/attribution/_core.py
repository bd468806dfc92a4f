"""The generative core: priors and per-candidate likelihood factors, fitted by EM.

Semi-supervised naive Bayes after Nigam, McCallum, Thrun & Mitchell (2000),
"Text classification from labeled and unlabeled documents using EM", Machine
Learning 39:103-134: labelled events (own-name claims) have fixed one-hot
weights, latent events (banner claims, unclaimed) carry their posterior
responsibilities times ``unlabeled_weight`` (their "EM-lambda").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import logsumexp

from titfortat.attribution._features import (
    CategoricalTable,
    SpatialDensity,
    choose_bandwidth,
    kernel_matrix,
    unit_vectors,
)

#: Name of the spatial factor in component tables and explanations.
PLACE = "place"
PRIOR = "prior"
ACTIVITY = "activity"
LOCAL = "local_activity"
_HISTORY = ("date", "latitude", "longitude")


def map_cells(frame: pd.DataFrame, cell_km: float) -> np.ndarray:
    """Integer id of the ``cell_km`` map square of each row; -1 without coordinates.

    Rows of ``cell_km / 111`` degrees of latitude, each cut into squares of
    ``cell_km`` along its own parallel (so cells keep their width in km).
    """
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    step = cell_km / 111.195
    row = np.floor(np.where(ok, lat, 0.0) / step)
    width = step / np.maximum(np.cos(np.radians((row + 0.5) * step)), 1e-3)
    col = np.floor((np.where(ok, lon, 0.0) + 180.0) / width)
    cell = (row + 10_000) * 100_000 + col
    return np.where(ok, cell, -1).astype(np.int64)


def derived_columns(events: pd.DataFrame) -> pd.DataFrame:
    """Add ``day_of_week`` (from ``date``) and ``hour`` (from ``timestamp``)."""
    out = events.copy()
    out["day_of_week"] = pd.to_datetime(out["date"]).dt.day_of_week.astype("string")
    ts = pd.to_datetime(out["timestamp"]) if "timestamp" in out else None
    if ts is None:
        out["hour"] = pd.Series(pd.NA, index=out.index, dtype="string")
    else:
        out["hour"] = ts.dt.hour.astype("Int64").astype("string")
    return out


def has_coordinates(events: pd.DataFrame) -> np.ndarray:
    lat = pd.to_numeric(events["latitude"], errors="coerce")
    lon = pd.to_numeric(events["longitude"], errors="coerce")
    return (lat.notna() & lon.notna()).to_numpy()


def _days(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return pd.to_datetime(dates).to_numpy().astype("datetime64[D]").astype(np.int64)


def activity_rates(
    dates: pd.Series,
    history_dates: pd.Series,
    history_weights: np.ndarray,
    scale_days: float,
    *,
    centered: bool = False,
) -> np.ndarray:
    r"""Exponentially weighted recent activity of each class, shape (n, K).

    .. math::

        A_k(t) = \sum_{j:\, d_j < d_t} w_{jk}\, e^{-(d_t - d_j)/s}

    over the history events ``j`` (days :math:`d_j`, class weights
    :math:`w_{jk}`: one-hot for own-name claims, EM responsibilities for latent
    events), ``s = scale_days``. An event never counts itself: its own day is
    left out. With ``centered`` the later days count too,
    :math:`e^{-|d_t - d_j|/s}` over :math:`d_j \ne d_t` (retrospective
    attribution). The sum of the weights of a constant daily rate ``r`` is
    about ``r s`` (``2 r s`` centered), so :math:`A` reads as a count.

    An exponentially weighted rate rather than a sliding-window count: the
    window's hard edge makes the count jump when one old claim drops out,
    and the exponential kernel is the Hawkes-process memory (a one-node
    Hawkes intensity without baseline is exactly this sum). Computed on a day
    grid with one first-order recursive filter (``scipy.signal.lfilter``),
    O((days + events) K).
    """
    from scipy.signal import lfilter

    day = _days(dates)
    hday = _days(history_dates)
    w = np.asarray(history_weights, dtype=float)
    k = w.shape[1]
    if len(day) == 0:
        return np.zeros((0, k))
    if len(hday) == 0:
        return np.zeros((len(day), k))
    lo = int(min(day.min(), hday.min()))
    hi = int(max(day.max(), hday.max()))
    grid = np.zeros((hi - lo + 1, k))
    np.add.at(grid, hday - lo, w)
    a = float(np.exp(-1.0 / scale_days))
    # y[n] = a y[n-1] + a c[n-1] = sum_{m<n} a^(n-m) c[m]
    fwd = lfilter([0.0, a], [1.0, -a], grid, axis=0)
    if centered:
        fwd = fwd + lfilter([0.0, a], [1.0, -a], grid[::-1], axis=0)[::-1]
    return fwd[day - lo]


def _as_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot rows for a label vector; a weight matrix passes through."""
    arr = np.asarray(labels)
    if arr.ndim == 2:
        return arr.astype(float)
    out = np.zeros((len(arr), n_classes))
    out[np.arange(len(arr)), arr.astype(int)] = 1.0
    return out


@dataclass
class Core:
    """Fitted priors and factors over K member classes (+ column K = other)."""

    n_classes: int
    categorical: tuple[str, ...]
    log_prior: np.ndarray  # (K,)
    spatial: SpatialDensity | None
    tables: dict[str, CategoricalTable]
    history: pd.DataFrame  # date, latitude, longitude of the history events
    history_weights: np.ndarray  # (n_hist, K): one-hot labels, responsibilities
    daily_rate: np.ndarray  # (K,) mean own-name claims per day in training
    activity_days: float
    bandwidth_table: pd.DataFrame | None = None
    activity_centered: bool = False
    #: rows of ``history`` that are own-name claims (the latent ones follow)
    n_labeled_history: int = 0
    #: cell size (km) of the local-activity factor; None: no such factor
    local_cell_km: float | None = None
    #: dates -> (n, K) intensities of a fitted point process; replaces the rate
    intensity: Callable[[pd.Series], np.ndarray] | None = None
    n_iter: int = 0
    converged: bool = True
    loglik_path: list[float] = field(default_factory=list)

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(
        cls,
        events: pd.DataFrame,
        labels: np.ndarray,
        mask: np.ndarray,
        *,
        categorical: tuple[str, ...],
        spatial: bool,
        bandwidth_km: float | None,
        bandwidth_grid: tuple[float, ...],
        smoothing: float,
        unlabeled_weight: float,
        activity_days: float,
        max_iter: int,
        tol: float,
        activity_centered: bool = False,
        latent_activity: bool = True,
        local_cell_km: float | None = None,
        memory_days: float | None = None,
        intensity: Callable[[pd.Series], np.ndarray] | None = None,
    ) -> Core:
        n, k = mask.shape
        lab = labels >= 0
        coords = has_coordinates(events) if spatial else np.zeros(n, dtype=bool)
        xyz = unit_vectors(
            events.loc[coords, "latitude"].to_numpy(float),
            events.loc[coords, "longitude"].to_numpy(float),
        )
        bw_table = None
        if spatial and coords.any():
            if bandwidth_km is None:
                sel = lab & coords
                bandwidth_km, bw_table = choose_bandwidth(
                    unit_vectors(
                        events.loc[sel, "latitude"].to_numpy(float),
                        events.loc[sel, "longitude"].to_numpy(float),
                    ),
                    labels[sel],
                    k,
                    bandwidth_grid,
                    smoothing,
                )
            kmat = kernel_matrix(xyz, xyz, bandwidth_km, exclude_self=True)
        else:
            kmat = sparse.csr_matrix((0, 0))
        dates = pd.to_datetime(events["date"])
        span = max((dates.max() - dates.min()).days + 1, 1)
        hist_dates = events.loc[lab, list(_HISTORY)].reset_index(drop=True)
        hist_labels = labels[lab]
        rate = np.bincount(hist_labels, minlength=k) / span
        hist_weights = _as_weights(hist_labels, k)
        weights = np.zeros((n, k))
        weights[np.flatnonzero(lab), labels[lab]] = 1.0
        # forgetting: an event's weight in the factors halves every
        # memory_days * ln 2 days before the last training day (drift)
        age = (dates.max() - dates).dt.days.to_numpy(float)
        age_w = np.ones(n) if memory_days is None else np.exp(-age / memory_days)
        core = cls(
            k,
            categorical,
            np.zeros(k),
            None,
            {},
            hist_dates,
            hist_weights,
            rate,
            activity_days,
            bw_table,
            activity_centered,
            local_cell_km=local_cell_km if spatial and coords.any() else None,
            intensity=intensity,
            n_labeled_history=int(lab.sum()),
        )
        unl = ~lab & mask.any(axis=1)
        prev = -np.inf
        core.converged = not unl.any() or unlabeled_weight == 0
        for it in range(max_iter + 1):
            core._m_step(
                events,
                weights * age_w[:, None],
                coords,
                xyz,
                spatial,
                bandwidth_km,
                smoothing,
            )
            if not unl.any() or unlabeled_weight == 0:
                break
            comps = core.components(events, coords_kmat=(coords, kmat), activity=False)
            logit = core.member_logits(comps, mask)
            norm = logsumexp(logit[unl], axis=1)
            ll = float(
                unlabeled_weight * norm.sum()
                + logit[np.flatnonzero(lab), labels[lab]].sum()
            )
            core.loglik_path.append(ll)
            weights[unl] = unlabeled_weight * np.exp(logit[unl] - norm[:, None])
            core.n_iter = it
            if abs(ll - prev) <= tol * max(abs(ll), 1.0):
                core.converged = True
                break
            prev = ll
        if latent_activity and unl.any():
            # EM-consistent activity: latent events count towards each faction's
            # recent activity with their posterior responsibilities (from the
            # factors other than activity, so there is no feedback loop)
            comps = core.components(events, coords_kmat=(coords, kmat), activity=False)
            logit = core.member_logits(comps, mask)[unl]
            resp = np.exp(logit - logsumexp(logit, axis=1)[:, None])
            core.history = pd.concat(
                [hist_dates, events.loc[unl, list(_HISTORY)]], ignore_index=True
            )
            core.history_weights = np.vstack([hist_weights, resp])
        return core

    def _m_step(
        self,
        events: pd.DataFrame,
        weights: np.ndarray,
        coords: np.ndarray,
        xyz: np.ndarray,
        spatial: bool,
        bandwidth_km: float | None,
        smoothing: float,
    ) -> None:
        tot = weights.sum(axis=0) + 1.0  # add-one on the base rates
        self.log_prior = np.log(tot / tot.sum())
        if spatial and coords.any() and bandwidth_km is not None:
            self.spatial = SpatialDensity.fit(
                xyz, weights[coords], bandwidth_km=bandwidth_km, smoothing=smoothing
            )
        self.tables = {
            c: CategoricalTable.fit(events[c], weights, smoothing=smoothing)
            for c in self.categorical
        }

    # ------------------------------------------------------------ scoring
    def components(
        self,
        events: pd.DataFrame,
        *,
        coords_kmat: tuple[np.ndarray, sparse.csr_matrix] | None = None,
        extra_history: tuple[pd.DataFrame, np.ndarray] | None = None,
        static: dict[str, np.ndarray] | None = None,
        activity: bool = True,
    ) -> dict[str, np.ndarray]:
        """Log-likelihood factors, each (n, K + 1); column K is "other".

        ``static``: the factors other than activity, already computed for the
        same events (reused when only the activity scale changes);
        ``activity=False`` leaves the activity factors out (EM's E-step does
        not use them).
        """
        k = self.n_classes
        if static is not None:
            out = {c: v for c, v in static.items() if c not in (ACTIVITY, LOCAL)}
        else:
            out = self._static(events, coords_kmat)
        if not activity:
            return out
        hist, hw = self.history, self.history_weights
        if extra_history is not None:
            hist = pd.concat(
                [hist, extra_history[0][list(_HISTORY)]], ignore_index=True
            )
            hw = np.vstack([hw, _as_weights(extra_history[1], k)])
        out[ACTIVITY] = self.activity(events["date"], hist, hw)
        if self.local_cell_km is not None and self.intensity is None:
            out[LOCAL] = self.local_activity(events, hist, hw)
        return out

    def _static(
        self,
        events: pd.DataFrame,
        coords_kmat: tuple[np.ndarray, sparse.csr_matrix] | None,
    ) -> dict[str, np.ndarray]:
        n, k = len(events), self.n_classes
        out: dict[str, np.ndarray] = {}
        if self.spatial is not None:
            place = np.zeros((n, k + 1))
            if coords_kmat is not None:
                coords, kmat = coords_kmat
            else:
                coords = has_coordinates(events)
                kmat = None
            if coords.any():
                xyz = unit_vectors(
                    events.loc[coords, "latitude"].to_numpy(float),
                    events.loc[coords, "longitude"].to_numpy(float),
                )
                dens, pooled = self.spatial.log_density(xyz, kmat=kmat)
                place[coords, :k] = dens
                place[coords, k] = pooled
            out[PLACE] = place
        for name, table in self.tables.items():
            ll, pooled = table.log_likelihood(events[name])
            out[name] = np.column_stack([ll, pooled])
        return out

    def activity(
        self, dates: pd.Series, hist: pd.DataFrame, hw: np.ndarray
    ) -> np.ndarray:
        """The log recent-activity factor, (n, K + 1); column K is "other".

        With a point-process ``intensity`` it is the log fitted intensity of
        each faction on the day; else the log exponentially weighted rate of
        the history ``hist`` with class weights ``hw`` (own-name claims one-hot,
        latent events by their responsibilities).
        """
        k = self.n_classes
        n = len(dates)
        act = np.zeros((n, k + 1))
        if self.intensity is not None:
            lam = np.asarray(self.intensity(dates), dtype=float)
            act[:, :k] = np.log(np.clip(lam, 1e-12, None))
            act[:, k] = np.log(np.clip(lam.mean(axis=1), 1e-12, None))
            return act
        counts = activity_rates(
            dates, hist["date"], hw, self.activity_days, centered=self.activity_centered
        )
        # the half count keeps a silent faction finite (a Jeffreys-style
        # pseudo-count); the factor's weight is calibrated with the others.
        # "other" gets the members' mean.
        act[:, :k] = np.log(counts + 0.5)
        act[:, k] = np.log(counts.mean(axis=1) + 0.5)
        return act

    def local_activity(
        self, events: pd.DataFrame, hist: pd.DataFrame, hw: np.ndarray
    ) -> np.ndarray:
        """Log recent activity of each class in the event's map cell, (n, K + 1).

        The activity factor asks who has been active lately anywhere; this one
        asks who has been active lately *here*, so it follows a group whose
        area shifts (territory won and lost), which the kernel density fitted
        on the whole training period cannot. Cells are ``local_cell_km``
        squares; events without coordinates get 0 (no information).
        """
        assert self.local_cell_km is not None
        k = self.n_classes
        out = np.zeros((len(events), k + 1))
        q_cell = map_cells(events, self.local_cell_km)
        h_cell = map_cells(hist, self.local_cell_km)
        counts = np.zeros((len(events), k))
        for cell in np.unique(q_cell[q_cell >= 0]):
            qi = np.flatnonzero(q_cell == cell)
            hi = np.flatnonzero(h_cell == cell)
            if len(hi):
                counts[qi] = activity_rates(
                    events["date"].iloc[qi],
                    hist["date"].iloc[hi],
                    hw[hi],
                    self.activity_days,
                    centered=self.activity_centered,
                )
        has = q_cell >= 0
        out[has, :k] = np.log(counts[has] + 0.5)
        out[has, k] = np.log(counts[has].mean(axis=1) + 0.5)
        return out

    def member_logits(
        self, comps: dict[str, np.ndarray], mask: np.ndarray
    ) -> np.ndarray:
        """Unweighted naive-Bayes logits over the K members (EM's E-step)."""
        total = np.tile(self.log_prior, (mask.shape[0], 1))
        for name, mat in comps.items():
            if name not in (ACTIVITY, LOCAL):
                total = total + mat[:, : self.n_classes]
        return np.where(mask, total, -np.inf)
