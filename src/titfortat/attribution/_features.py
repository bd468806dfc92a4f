"""Per-candidate likelihood factors: a spherical kernel density and smoothed tables.

Both are fitted from *weighted* events (a labelled event has weight 1 on its
faction; a latent one carries its EM responsibilities), so the same code serves
the supervised start and every M-step of the semi-supervised fit.

The kernel density is written by hand on purpose: scikit-learn's
``KernelDensity`` fits one tree per class and cannot take a responsibility
matrix, nor leave an event out of its own density (which EM and the bandwidth
cross-validation both need). Here one scipy ``cKDTree`` over 3-d unit vectors
gives the sparse kernel matrix once; every class density is then one sparse
product with the weight matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
#: Kernels are cut at this many bandwidths (the Gaussian left there is 3e-4).
_CUTOFF = 4.0


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, shape (n, 3), from degrees."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack(
        [np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]
    )


def kernel_matrix(
    query: np.ndarray, base: np.ndarray, bandwidth_km: float, *, exclude_self: bool
) -> sparse.csr_matrix:
    """Sparse Gaussian kernel K[i, j] between unit vectors (per km^2).

    The great-circle distance d comes from the chord c = 2 sin(d / 2); the
    kernel is the tangent-plane Gaussian exp(-d^2 / 2h^2) / (2 pi h^2), the
    small-bandwidth limit of the von Mises-Fisher kernel on the sphere
    (Hall, Watson & Cabrera 1987, Biometrika 74:751-762).
    """
    h = bandwidth_km / EARTH_RADIUS_KM
    radius = 2.0 * np.sin(min(_CUTOFF * h, np.pi) / 2.0)
    tq, tb = cKDTree(query), cKDTree(base)
    mat = tq.sparse_distance_matrix(tb, radius, output_type="coo_matrix")
    chord = np.clip(mat.data, 0.0, 2.0)
    d = 2.0 * np.arcsin(chord / 2.0)
    vals = np.exp(-0.5 * (d / h) ** 2) / (2.0 * np.pi * bandwidth_km**2)
    out = sparse.coo_matrix((vals, (mat.row, mat.col)), shape=mat.shape).tocsr()
    if exclude_self:
        out.setdiag(0.0)
        out.eliminate_zeros()
    return out


@dataclass
class SpatialDensity:
    """Per-class kernel densities shrunk towards the pooled density.

    ``f_k(x) = (sum_j K(x, x_j) r_jk + a g(x)) / (sum_j r_jk + a)`` with the
    pooled density ``g`` floored by a uniform density over the data's area, so
    no class density is ever zero.
    """

    bandwidth_km: float
    smoothing: float
    base: np.ndarray  # (m, 3) unit vectors of the events with coordinates
    weights: np.ndarray  # (m, K) class weights of those events
    floor: float  # uniform density over the data's area, per km^2

    @classmethod
    def fit(
        cls,
        xyz: np.ndarray,
        weights: np.ndarray,
        *,
        bandwidth_km: float,
        smoothing: float,
    ) -> SpatialDensity:
        area = _hull_area_km2(xyz)
        return cls(bandwidth_km, smoothing, xyz, weights, 1.0 / area)

    def log_density(
        self, xyz: np.ndarray, *, kmat: sparse.csr_matrix | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(log f_k(x) for each class, log g(x)), shapes (n, K) and (n,)."""
        if kmat is None:
            kmat = kernel_matrix(xyz, self.base, self.bandwidth_km, exclude_self=False)
        m = max(len(self.base), 1)
        pooled = (np.asarray(kmat.sum(axis=1)).ravel() + self.floor) / (m + 1.0)
        num = np.asarray(kmat @ self.weights) + self.smoothing * pooled[:, None]
        den = self.weights.sum(axis=0) + self.smoothing
        return np.log(num / den), np.log(pooled)


def _hull_area_km2(xyz: np.ndarray) -> float:
    """Area of the events' lat/lon bounding box (at least 100 km^2)."""
    if len(xyz) == 0:
        return 1e4
    lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1, 1)))
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    dlat = np.radians(np.ptp(lat) + 0.5)
    dlon = np.radians(np.ptp(lon) + 0.5)
    area = EARTH_RADIUS_KM**2 * dlat * dlon * np.cos(np.radians(np.mean(lat)))
    return float(max(area, 100.0))


def choose_bandwidth(
    xyz: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    grid_km: tuple[float, ...],
    smoothing: float,
) -> tuple[float, pd.DataFrame]:
    """Bandwidth maximising the leave-one-out log-likelihood of labelled points.

    Each labelled event is scored under its own class density built from all
    other labelled events (likelihood cross-validation, Silverman 1986, 3.4.4).
    """
    onehot = np.zeros((len(labels), n_classes))
    onehot[np.arange(len(labels)), labels] = 1.0
    rows = []
    for h in grid_km:
        kmat = kernel_matrix(xyz, xyz, h, exclude_self=True)
        dens = SpatialDensity.fit(xyz, onehot, bandwidth_km=h, smoothing=smoothing)
        # leave-one-out: the event's own weight leaves its class's denominator
        m = len(xyz)
        pooled = (np.asarray(kmat.sum(axis=1)).ravel() + dens.floor) / m
        num = np.asarray(kmat @ onehot)[np.arange(m), labels] + smoothing * pooled
        den = onehot.sum(axis=0)[labels] - 1.0 + smoothing
        rows.append({"bandwidth_km": h, "loo_loglik": float(np.log(num / den).sum())})
    table = pd.DataFrame(rows)
    best = float(table.loc[table["loo_loglik"].idxmax(), "bandwidth_km"])
    return best, table


@dataclass
class CategoricalTable:
    """P(value | class) with hierarchical Dirichlet smoothing.

    ``P(v | k) = (N_vk + a p0(v)) / (N_k + a)`` where ``p0`` is the pooled
    distribution with add-one smoothing and one slot for values never seen in
    training (MacKay & Peto 1995, "A hierarchical Dirichlet language model").
    """

    categories: pd.Index
    log_table: np.ndarray  # (V + 1, K); last row = unseen value
    log_pooled: np.ndarray  # (V + 1,)

    @classmethod
    def fit(
        cls, values: pd.Series, weights: np.ndarray, *, smoothing: float
    ) -> CategoricalTable:
        known = values.notna().to_numpy()
        cats = pd.Index(pd.unique(values[known].astype(str)))
        codes = cats.get_indexer(values[known].astype(str))
        n_v = len(cats) + 1
        counts = np.zeros((n_v, weights.shape[1]))
        np.add.at(counts, codes, weights[known])
        total_v = np.bincount(codes, minlength=n_v).astype(float)
        p0 = (total_v + 1.0) / (total_v.sum() + n_v)
        table = (counts + smoothing * p0[:, None]) / (counts.sum(axis=0) + smoothing)
        return cls(cats, np.log(table), np.log(p0))

    def codes(self, values: pd.Series) -> np.ndarray:
        """Row index per value; -1 for missing, the last row for unseen."""
        out = self.categories.get_indexer(values.astype("string").fillna("\0"))
        out[out < 0] = len(self.categories)
        out[values.isna().to_numpy()] = -1
        return out

    def log_likelihood(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(log P(v | k), log p0(v)); rows of missing values are 0."""
        codes = self.codes(values)
        known = codes >= 0
        ll = np.zeros((len(values), self.log_table.shape[1]))
        pooled = np.zeros(len(values))
        ll[known] = self.log_table[codes[known]]
        pooled[known] = self.log_pooled[codes[known]]
        return ll, pooled
