"""The generative core: priors and per-candidate likelihood factors, fitted by EM.

Semi-supervised naive Bayes after Nigam, McCallum, Thrun & Mitchell (2000),
"Text classification from labeled and unlabeled documents using EM", Machine
Learning 39:103-134: labelled events (own-name claims) have fixed one-hot
weights, latent events (banner claims, unclaimed) carry their posterior
responsibilities times ``unlabeled_weight`` (their "EM-lambda").
"""

from __future__ import annotations

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


def activity_counts(
    dates: pd.Series,
    history_dates: pd.Series,
    history_labels: np.ndarray,
    n_classes: int,
    window_days: int,
    *,
    centered: bool = False,
) -> np.ndarray:
    """Own-name claims of each class in the ``window_days`` before each date.

    Counts events strictly before the day (an event never counts itself).
    With ``centered``, the window is the ``window_days // 2`` days before and
    after the day, the day itself left out.
    """
    day = pd.to_datetime(dates).to_numpy().astype("datetime64[D]").astype(np.int64)
    hday = (
        pd.to_datetime(history_dates)
        .to_numpy()
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    out = np.zeros((len(day), n_classes))
    for k in range(n_classes):
        hk = np.sort(hday[history_labels == k])
        if centered:
            half = window_days // 2
            out[:, k] = (
                np.searchsorted(hk, day, side="left")
                - np.searchsorted(hk, day - half, side="left")
                + np.searchsorted(hk, day + half, side="right")
                - np.searchsorted(hk, day, side="right")
            )
        else:
            out[:, k] = np.searchsorted(hk, day, side="left") - np.searchsorted(
                hk, day - window_days, side="left"
            )
    return out


@dataclass
class Core:
    """Fitted priors and factors over K member classes (+ column K = other)."""

    n_classes: int
    categorical: tuple[str, ...]
    log_prior: np.ndarray  # (K,)
    spatial: SpatialDensity | None
    tables: dict[str, CategoricalTable]
    history_dates: pd.Series
    history_labels: np.ndarray
    daily_rate: np.ndarray  # (K,) mean own-name claims per day in training
    activity_days: int
    bandwidth_table: pd.DataFrame | None = None
    activity_centered: bool = False
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
        activity_days: int,
        max_iter: int,
        tol: float,
        activity_centered: bool = False,
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
        hist_dates = events.loc[lab, "date"].reset_index(drop=True)
        hist_labels = labels[lab]
        rate = np.bincount(hist_labels, minlength=k) / span
        weights = np.zeros((n, k))
        weights[np.flatnonzero(lab), labels[lab]] = 1.0
        core = cls(
            k,
            categorical,
            np.zeros(k),
            None,
            {},
            hist_dates,
            hist_labels,
            rate,
            activity_days,
            bw_table,
            activity_centered,
        )
        unl = ~lab & mask.any(axis=1)
        prev = -np.inf
        core.converged = not unl.any() or unlabeled_weight == 0
        for it in range(max_iter + 1):
            core._m_step(events, weights, coords, xyz, spatial, bandwidth_km, smoothing)
            if not unl.any() or unlabeled_weight == 0:
                break
            comps = core.components(events, coords_kmat=(coords, kmat))
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
        extra_history: tuple[pd.Series, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Log-likelihood factors, each (n, K + 1); column K is "other"."""
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
        hd, hl = self.history_dates, self.history_labels
        if extra_history is not None:
            hd = pd.concat([hd, extra_history[0]], ignore_index=True)
            hl = np.concatenate([hl, extra_history[1]])
        counts = activity_counts(
            events["date"],
            hd,
            hl,
            k,
            self.activity_days,
            centered=self.activity_centered,
        )
        # log recent own-name claims; the "other" column gets the members' mean.
        # The half count keeps a silent faction finite (a Jeffreys-style
        # pseudo-count), its weight is calibrated with the others.
        act = np.zeros((n, k + 1))
        act[:, :k] = np.log(counts + 0.5)
        act[:, k] = np.log(counts.mean(axis=1) + 0.5)
        out[ACTIVITY] = act
        return out

    def member_logits(
        self, comps: dict[str, np.ndarray], mask: np.ndarray
    ) -> np.ndarray:
        """Unweighted naive-Bayes logits over the K members (EM's E-step)."""
        total = np.tile(self.log_prior, (mask.shape[0], 1))
        for name, mat in comps.items():
            if name != ACTIVITY:
                total = total + mat[:, : self.n_classes]
        return np.where(mask, total, -np.inf)
