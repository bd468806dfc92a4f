"""BannerAttribution: calibrated P(perpetrator | event) for banner-claimed attacks."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from titfortat._validation import BaseEstimator, Interval, Options, check_is_fitted
from titfortat.attribution import _candidates as cand
from titfortat.attribution._core import (
    ACTIVITY,
    LOCAL,
    PRIOR,
    Core,
    derived_columns,
    has_coordinates,
)
from titfortat.attribution.metrics import (
    AttributionEvaluation,
    UnscorableLabelWarning,
    conformal_threshold,
    event_losses,
    mass_sets,
    paired_comparison,
    score_all,
)
from titfortat.exceptions import DataError, DataQualityWarning

if TYPE_CHECKING:
    from titfortat.actors import ActorNetwork

__all__ = ["BannerAttribution"]

_NEEDED = ("event_id", "date", "latitude", "longitude", "timestamp")
#: Time scales (days) of the recent-activity factor tried on the validation period.
ACTIVITY_GRID = (3.0, 7.0, 14.0, 30.0, 60.0)
#: New-actor shares of the pooled classes tried on the validation period.
POOL_GRID = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)


class BannerAttribution(BaseEstimator):
    r"""Who did it: probabilities over a banner's member factions for each event.

    .. math::

        P(k \mid x, t) \propto \pi_k^{w_0}\, a_k(t)^{w_a}\,
        f_k(\mathrm{place})^{w_1} \prod_{c} P(x_c \mid k)^{w_c}
        \quad\text{for } k \in C(t) \cup \{\text{other}\}

    :math:`C(t)` are the factions with a ``claims_under`` (else ``member_of``)
    tie into the banner valid on day :math:`t`; all others get exactly zero.
    :math:`\pi` are base rates → ``log_prior_``; :math:`f_k` a kernel density on
    the sphere (bandwidth ``bandwidth_km_`` chosen on the validation period);
    :math:`P(x_c\mid k)` Dirichlet-smoothed tables of the categorical columns;
    :math:`a_k(t)` the faction's recent activity: an exponentially weighted
    count of its earlier events (own-name claims, and latent events by their
    responsibilities; log, plus one half), or its fitted Hawkes intensity
    when ``intensity`` is given. Own-name claims are labels;
    banner-claimed and unclaimed events are latent and enter the fit by EM
    (Nigam et al. 2000). The weights :math:`w` → ``weights_`` are fitted on a
    later validation period (feature weighting of naive Bayes, Zaidi, Cerquides,
    Carman & Webb 2013, JMLR 14:1947-1988; with ``calibration="temperature"`` one
    shared :math:`1/T`, Guo et al. 2017). Split-conformal sets (Vovk et al. 2005;
    the "LAC" score of Sadinle, Lei & Wasserman 2019, JASA 114:223-234) use the
    other half of that period → ``conformal_threshold_``.

    Parameters
    ----------
    network : ActorNetwork, optional
        Dated ties giving the candidates; without it, pass ``allowed`` to
        :meth:`fit` (or every labelled actor is a candidate everywhere).
    banner : str, optional
        The banner (id, name or alias); default the network's only banner.
    categorical : tuple of str
        Default ``("admin1", "admin2", "weapon", "target_type", "day_of_week",
        "hour")``.
        Event columns used as categorical factors (``day_of_week`` and ``hour``
        are derived from ``date`` and ``timestamp``). Missing values are skipped.
    spatial : bool, default True
        Use the coordinates (events without them are scored from the rest).
    bandwidth_km : float, optional
        Kernel bandwidth; default: chosen from ``bandwidth_grid``.
    bandwidth_grid : tuple of float
        Candidate bandwidths in km.
    smoothing : float, default 2.0
        Dirichlet pseudo-count towards the pooled distribution.
    unlabeled_weight : float in [0, 1], default 0.2
        Weight of latent events in EM (0: supervised only), Nigam et al.'s
        "EM-lambda". With full weight the redundant factors (place and admin
        unit) let EM reinforce its own overconfident guesses: on simulated data
        (seed 1, 3,000 events, test after 2024-05-01) top-1 was 0.892 at 0.0,
        0.898 at 0.2 and 0.886 at 1.0 (Bayes-optimal 0.920).
    other_prior : float in [0, 1), default 0.02
        Prior probability of the explicit "other" candidate (an actor outside
        the banner, scored by the pooled factors); 0 drops it.
    activity_days : float, optional
        Time scale :math:`s` of the recent-activity factor: each earlier event
        counts :math:`e^{-\Delta/s}` after :math:`\Delta` days; default: chosen
        from ``ACTIVITY_GRID`` (3-60 days) by the calibrated validation
        likelihood → ``activity_days_``.
    activity_window : {"trailing", "centered"}, default "trailing"
        Count events before the event's day (what a real-time analyst knows),
        or before and after it, the event's day left out (retrospective
        attribution, when later claims are known).
    latent_activity : bool or "auto", default "auto"
        Count banner-claimed and unclaimed events towards each faction's
        activity with their posterior responsibilities (from the other factors,
        so there is no feedback), not only own-name claims. With 60% of claims
        under the banner this more than doubles the data behind the rate.
        ``"auto"``: only if that predicts the validation period better
        → ``latent_activity_``.
    local_cell_km : float or None, default 50.0
        Size of the map squares of a local-activity factor (recent activity in
        the event's square); kept only if it improves the validation
        likelihood by more than one unit (AIC) → ``local_activity_used_``.
        None: no such factor.
    memory_days : float, "auto" or None, default None
        Forgetting time of the fitted factors: a training event's weight is
        :math:`e^{-\mathrm{age}/m}`, its age counted back from the last training
        day, so places, targets and base rates follow a drift. Not chosen
        automatically: on IBC, choosing it by the validation likelihood picked
        365 days at every cut and worsened the test log-loss (0.45 to 0.56 at
        the 2006 cut).
    intensity : fitted Hawkes model or pandas.DataFrame, optional
        Replace the activity factor by the log of each faction's fitted
        conditional intensity on the event's day: a fitted
        ``titfortat.dynamics.ExpHawkes``/``SumExpHawkes`` whose nodes are the
        candidate ids (read through its public ``predict_intensity``), or a
        frame of intensities indexed by date with one column per candidate.
        The model's intensity conditions only on the events it was fitted on.
    intensity_origin : date, optional
        Calendar day of a fitted Hawkes model's time 0; default the model's
        ``time_origin_``, recorded when it was fitted on dated events (needed
        only for a model fitted on float times).
    pooled_classes : tuple of str, default ()
        Labelled candidates that pool many actors (UCDP's ``other_groups``:
        every group with few training events). Their membership turns over
        (after the training period the pool is mostly groups not seen in it),
        so each is scored as a two-part mixture: with probability
        :math:`1-\rho` an event of an actor like those pooled in training (the
        class's own factors), with probability :math:`\rho` of a new actor,
        whose profile is only known through the population (the pooled
        factors of all classes, as for ``"other"``). This is the predictive of
        a new group under a hierarchical (Dirichlet-process) prior whose groups
        draw their profiles from the population (Teh, Jordan, Beal & Blei 2006,
        JASA 101:1566-1581). The mixture is over the whole event (all factors
        together), not factor by factor. Not a gain on UCDP's ``other_groups``
        (``benchmarks/attribution_ucdp.py --pooled --no-horizon-decay``):
        :math:`\rho` chosen 1, 0.3, 0.03, 0 at the 2015-18 cuts, test
        log-loss 0.377, 0.346, 0.400, 0.447 against 0.341, 0.331, 0.408, 0.447
        without it, so the benchmark leaves it off.
    pool_mix : float in [0, 1], optional
        The new-actor share :math:`\rho`; default: chosen from ``POOL_GRID``
        (0-1) by the calibrated likelihood of the validation period's weight
        half, like the activity scale → ``pool_mix_``. Ignored without
        ``pooled_classes``.
    horizon_decay : bool, default True
        Let the factors fitted on the training period (prior, place, the
        categorical tables) fade with the forecast horizon :math:`h`, the
        days since the last training day: their weights are multiplied by
        :math:`e^{-\gamma h / 365.25}`, while the activity factors, computed
        from the events up to the day before, keep theirs. Groups change their
        areas, targets and weapons, so a profile fitted years ago says less
        than one fitted last month. :math:`\gamma` (per year) is fitted with
        the weights on the validation period, whose events lie 0 to
        ``validation_fraction`` of the labelled events after the fit it
        scores (:math:`\gamma = 0` is the model without decay), and kept
        only if it improves that likelihood by more than 1 (AIC, as the
        local-activity factor) → ``decay_per_year_``. Only with
        ``calibration="weights"``.
    calibration : {"weights", "temperature", "none"}, default "weights"
    level : float in (0, 1), default 0.9
        Level of the prediction sets.
    validation_fraction : float in (0, 1), default 0.3
        Latest share of the labelled events held out for calibration.
    max_iter : int, default 100
        EM iterations.
    tol : float, default 1e-5
        Relative change of the EM objective that counts as converged.
    label_column : str, default "actor_id"
        Column holding the own-name claimant (a label when it is a candidate).
        Events whose ``actor_uncertain`` is true (GTD's ``guncertain1``) are
        latent, not labels.

    Attributes
    ----------
    classes_ : list of str
        Candidate ids (members, then ``"other"`` if ``other_prior > 0``).
    log_prior_ : numpy.ndarray
    weights_ : pandas.Series
        Calibrated weight of each factor (``prior``, ``place``, ..., ``activity``,
        ``local_activity``).
    activity_days_ : float
    decay_per_year_ : float
        Fitted horizon decay of the training-period factors (0 when off).
    train_end_ : pandas.Timestamp
        Last training day (horizon 0).
    pool_mix_ : float
        New-actor share of the pooled classes (0 without any).
    latent_activity_, local_activity_used_ : bool
    bandwidth_km_ : float or None
    conformal_threshold_ : float
        A candidate enters the conformal set if its probability is at least this.
    n_iter_, converged_ : int, bool
        EM iterations and whether the objective settled.
    n_labeled_, n_latent_, n_without_coordinates_ : int

    Raises
    ------
    DataError
        No labelled event; a banner that resolves to nothing or has no members;
        an event on a day with no valid candidate.

    Examples
    --------
    >>> from titfortat.attribution import BannerAttackSimulator
    >>> sim = BannerAttackSimulator(n_events=600, rng=1).run()
    >>> model = BannerAttribution(network=sim.network, bandwidth_km=30.0)
    >>> model = model.fit(sim.events[sim.events["date"] < "2024-04-01"])
    >>> proba = model.predict_proba(sim.events.tail(3))
    >>> bool(np.allclose(proba.sum(axis=1), 1.0))
    True
    """

    _parameter_constraints = {
        "spatial": ["boolean"],
        "bandwidth_km": [Interval(Real, 0, None, closed="neither"), None],
        "smoothing": [Interval(Real, 0, None, closed="neither")],
        "unlabeled_weight": [Interval(Real, 0, 1, closed="both")],
        "other_prior": [Interval(Real, 0, 1, closed="left")],
        "activity_days": [Interval(Real, 0, None, closed="neither"), None],
        "latent_activity": ["boolean", Options({"auto"})],
        "local_cell_km": [Interval(Real, 0, None, closed="neither"), None],
        "memory_days": [Interval(Real, 0, None, closed="neither"), None],
        "pool_mix": [Interval(Real, 0, 1, closed="both"), None],
        "horizon_decay": ["boolean"],
        "activity_window": [Options({"trailing", "centered"})],
        "calibration": [Options({"weights", "temperature", "none"})],
        "level": [Interval(Real, 0, 1, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "max_iter": [Interval(Integral, 0, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        network: ActorNetwork | None = None,
        banner: str | None = None,
        categorical: tuple[str, ...] = (
            "admin1",
            "admin2",
            "weapon",
            "target_type",
            "day_of_week",
            "hour",
        ),
        spatial: bool = True,
        bandwidth_km: float | None = None,
        bandwidth_grid: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 100.0, 200.0),
        smoothing: float = 2.0,
        unlabeled_weight: float = 0.2,
        other_prior: float = 0.02,
        activity_days: float | None = None,
        activity_window: str = "trailing",
        latent_activity: bool | str = "auto",
        local_cell_km: float | None = 50.0,
        memory_days: float | None = None,
        intensity: Any = None,
        intensity_origin: str | None = None,
        pooled_classes: tuple[str, ...] = (),
        pool_mix: float | None = None,
        horizon_decay: bool = True,
        calibration: str = "weights",
        level: float = 0.9,
        validation_fraction: float = 0.3,
        max_iter: int = 100,
        tol: float = 1e-5,
        label_column: str = "actor_id",
    ) -> None:
        self.network = network
        self.banner = banner
        self.categorical = categorical
        self.spatial = spatial
        self.bandwidth_km = bandwidth_km
        self.bandwidth_grid = bandwidth_grid
        self.smoothing = smoothing
        self.unlabeled_weight = unlabeled_weight
        self.other_prior = other_prior
        self.activity_days = activity_days
        self.activity_window = activity_window
        self.latent_activity = latent_activity
        self.local_cell_km = local_cell_km
        self.memory_days = memory_days
        self.intensity = intensity
        self.intensity_origin = intensity_origin
        self.pooled_classes = pooled_classes
        self.pool_mix = pool_mix
        self.horizon_decay = horizon_decay
        self.calibration = calibration
        self.level = level
        self.validation_fraction = validation_fraction
        self.max_iter = max_iter
        self.tol = tol
        self.label_column = label_column

    # ------------------------------------------------------------ helpers
    def _prepare(self, events: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(events, pd.DataFrame):
            raise TypeError(
                f"events must be a pandas DataFrame of canonical events. Got "
                f"{type(events).__name__}."
            )
        missing = [c for c in ("date",) if c not in events.columns]
        if missing:
            raise DataError(
                f"The events lack the column(s) {missing}. Expected canonical "
                "event columns (titfortat.events.schema); got "
                f"{list(events.columns)[:10]}."
            )
        ev = events.reset_index(drop=True).copy()
        for c in (*_NEEDED, self.label_column, *self.categorical):
            if c not in ev.columns and c not in ("day_of_week", "hour"):
                ev[c] = pd.NA
        if ev["event_id"].isna().all():
            ev["event_id"] = [f"event:{i}" for i in range(len(ev))]
        ev["date"] = pd.to_datetime(ev["date"])
        return derived_columns(ev)

    def _mask(
        self, ev: pd.DataFrame, classes: list[str], allowed: pd.DataFrame | None
    ) -> np.ndarray:
        if allowed is not None:
            frame = allowed.reset_index(drop=True)
            if len(frame) != len(ev):
                raise DataError(
                    f"allowed has {len(frame)} rows but events has {len(ev)}. "
                    "Expected one boolean row per event."
                )
            mask = frame.reindex(columns=classes, fill_value=False).to_numpy(
                dtype=bool, copy=True
            )
        elif self.network is not None:
            frame = cand.network_mask(
                self.network, self.banner_id_, ev["date"], list(ev["event_id"])
            )
            mask = frame.reindex(columns=classes, fill_value=False).to_numpy(
                dtype=bool, copy=True
            )
        else:
            mask = np.ones((len(ev), len(classes)), dtype=bool)
        empty = ~mask.any(axis=1)
        if empty.any():
            ids = list(ev.loc[empty, "event_id"].head(5))
            raise DataError(
                f"{int(empty.sum())} event(s) have no valid candidate; first {ids}. "
                "Expected at least one allowed candidate per event; fix 'allowed' "
                "or drop those events."
            )
        return mask

    def _labels(self, ev: pd.DataFrame, classes: list[str]) -> np.ndarray:
        lab = pd.Index(classes).get_indexer(ev[self.label_column].astype("string"))
        lab = np.asarray(lab)
        if "actor_uncertain" in ev.columns:
            # a suspected perpetrator (GTD guncertain1 = 1) is no label
            lab[ev["actor_uncertain"].fillna(False).to_numpy(dtype=bool)] = -1
        return lab

    def _fit_core(self, ev: pd.DataFrame, y: np.ndarray, mask: np.ndarray) -> Core:
        return Core.fit(
            ev,
            y,
            mask,
            categorical=tuple(self.categorical),
            spatial=self.spatial,
            bandwidth_km=(
                self.bandwidth_km
                if self.bandwidth_km is not None
                else vars(self).get("bandwidth_km_")
            ),
            bandwidth_grid=tuple(self.bandwidth_grid),
            smoothing=self.smoothing,
            unlabeled_weight=self.unlabeled_weight,
            activity_days=vars(self).get("activity_days_") or 30.0,
            max_iter=self.max_iter,
            tol=self.tol,
            activity_centered=self.activity_window == "centered",
            latent_activity=vars(self).get("latent_activity_", True),
            local_cell_km=self.local_cell_km,
            memory_days=self.memory_days,
            intensity=vars(self).get("intensity_"),
        )

    def _stack(
        self,
        core: Core,
        comps: dict[str, np.ndarray],
        mask: np.ndarray,
        rho: float | None = None,
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Factor names, the factor cube (F, n, C') and the log-mask (n, C').

        C' is ``len(classes_)`` plus, with a new-actor share ``rho`` > 0
        (default ``pool_mix_``), one "new actor" column per pooled class: the
        pooled factors (column K), the pooled class's prior and activity, and
        ``log rho`` in the log-mask (``log(1 - rho)`` on the class's own
        column). :meth:`_proba` adds each such column back to its class.
        """
        n, k = mask.shape
        rho = vars(self).get("pool_mix_", 0.0) if rho is None else rho
        pooled = list(vars(self).get("pooled_", ()))
        prior = np.append(core.log_prior, 0.0)
        # "other" takes other_prior; the members share 1 - other_prior
        if self.other_prior > 0:
            prior[:k] += np.log1p(-self.other_prior)
            prior[k] = np.log(self.other_prior)
        names = [PRIOR, *comps]
        cube = np.stack([np.tile(prior, (n, 1)), *comps.values()])
        logmask = np.where(mask, 0.0, -np.inf)
        new = None
        if pooled and rho > 0:
            new = cube[:, :, pooled].copy()
            # a new group's profile: the mean of the profiles of the named
            # groups that are candidates for the event (each group counts
            # once, whatever its size); the pooled column K without any
            named = mask.copy()
            named[:, pooled] = False
            n_named = named.sum(axis=1)
            for f, name in enumerate(names):
                if name not in (PRIOR, ACTIVITY, LOCAL):
                    per = np.where(named, cube[f][:, :k], -np.inf)
                    mean = logsumexp(per, axis=1) - np.log(np.maximum(n_named, 1))
                    new[f] = np.where(n_named > 0, mean, cube[f][:, k])[:, None]
            new_mask = logmask[:, pooled] + np.log(rho)
            logmask[:, pooled] += np.log1p(-rho) if rho < 1 else -np.inf
        if self.other_prior > 0:
            logmask = np.column_stack([logmask, np.zeros(n)])
        else:
            cube = cube[:, :, :k]
        if new is not None:
            cube = np.concatenate([cube, new], axis=2)
            logmask = np.column_stack([logmask, new_mask])
        return names, cube, logmask

    def _fold(self, arr: np.ndarray) -> np.ndarray:
        """Add the "new actor" columns (see :meth:`_stack`) to their classes."""
        c = len(self.classes_)
        if arr.shape[1] == c:
            return arr
        out = arr[:, :c].copy()
        pooled = list(self.pooled_)
        out[:, pooled] += arr[:, c:]
        return out

    def _proba(
        self, w: np.ndarray, cube: np.ndarray, logmask: np.ndarray
    ) -> np.ndarray:
        z = np.tensordot(w, cube, axes=1) + logmask
        return self._fold(softmax(z, axis=1))

    @staticmethod
    def _decay(
        names: list[str], cube: np.ndarray, horizon: np.ndarray, gamma: float
    ) -> np.ndarray:
        """The cube with the training-period factors faded by the horizon."""
        if gamma <= 0:
            return cube
        fade = np.exp(-gamma * np.asarray(horizon, dtype=float) / 365.25)
        out = cube.copy()
        for f, name in enumerate(names):
            if name not in (ACTIVITY, LOCAL):
                out[f] *= fade[:, None]
        return out

    def _fit_decay(
        self,
        names: list[str],
        w0: np.ndarray,
        cube: np.ndarray,
        logmask: np.ndarray,
        y: np.ndarray,
        horizon: np.ndarray,
    ) -> tuple[np.ndarray, float]:
        """Factor weights and horizon decay (per year) by maximum likelihood.

        Weights fixed at 0 by an earlier selection (a dropped local-activity
        factor) stay 0.
        """
        n_f = cube.shape[0]
        static = np.array([n not in (ACTIVITY, LOCAL) for n in names])
        hy = np.asarray(horizon, dtype=float) / 365.25
        same = self._same_class(cube, y)

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, gamma = theta[:n_f], theta[n_f]
            fade = np.exp(-gamma * hy)
            eff = np.where(static[:, None, None], cube * fade[None, :, None], cube)
            z = np.tensordot(w, eff, axes=1) + logmask
            lse = logsumexp(z, axis=1)
            p = np.exp(z - lse[:, None])
            zy = np.where(same, z, -np.inf)
            lse_y = logsumexp(zy, axis=1)
            q = np.exp(zy - lse_y[:, None])
            grad = np.empty(n_f + 1)
            grad[:n_f] = -(
                (eff * q[None]).sum(axis=2) - (eff * p[None]).sum(axis=2)
            ).sum(axis=1)
            # d z / d gamma = -h * sum over the faded factors of w_f eff_f
            dz = -hy[:, None] * np.tensordot(w * static, eff, axes=1)
            grad[n_f] = -((dz * q).sum() - (dz * p).sum())
            return float(-(lse_y - lse).sum()), grad

        bounds = [(0.0, 0.0) if v == 0 else (0.0, 5.0) for v in w0] + [(0.0, 5.0)]
        res = minimize(
            nll,
            x0=np.append(w0, 0.0),
            jac=True,
            bounds=bounds,
            method="L-BFGS-B",
        )
        return np.asarray(res.x[:n_f]), float(res.x[n_f])

    def _same_class(self, cube: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(n, C') True where a cube column belongs to the event's class."""
        group = np.arange(cube.shape[2])
        c = len(self.classes_)
        group[c:] = np.asarray(self.pooled_, dtype=int)[: cube.shape[2] - c]
        return group[None, :] == np.asarray(y)[:, None]

    def _fit_weights(
        self, cube: np.ndarray, logmask: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        n_f = cube.shape[0]
        ones = np.ones(n_f)
        if self.calibration == "none" or len(y) == 0:
            return ones
        # columns that count for each event's class (a pooled class has two)
        same = self._same_class(cube, y)

        def nll(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = np.tensordot(w, cube, axes=1) + logmask
            lse = logsumexp(z, axis=1)
            p = np.exp(z - lse[:, None])
            zy = np.where(same, z, -np.inf)
            lse_y = logsumexp(zy, axis=1)
            q = np.exp(zy - lse_y[:, None])
            val = -(lse_y - lse).sum()
            # d/dw_f of -log p_y = -(sum_{s in y} q_s cube_f[s] - sum_k p_k cube_f[k])
            grad = -((cube * q[None]).sum(axis=2) - (cube * p[None]).sum(axis=2)).sum(
                axis=1
            )
            return float(val), grad

        if self.calibration == "temperature":
            res = minimize(
                lambda t: (nll(t[0] * ones)[0], np.array([nll(t[0] * ones)[1].sum()])),
                x0=np.array([1.0]),
                jac=True,
                bounds=[(1e-3, 10.0)],
                method="L-BFGS-B",
            )
            return float(res.x[0]) * ones
        res = minimize(
            nll, x0=ones, jac=True, bounds=[(0.0, 5.0)] * n_f, method="L-BFGS-B"
        )
        return np.asarray(res.x)

    def _nll(
        self, w: np.ndarray, cube: np.ndarray, logmask: np.ndarray, y: np.ndarray
    ) -> float:
        p = self._proba(w, cube, logmask)[np.arange(len(y)), y]
        return float(-np.log(np.clip(p, 1e-300, 1)).sum())

    def _select_local(
        self,
        names: list[str],
        w: np.ndarray,
        cube: np.ndarray,
        logmask: np.ndarray,
        y: np.ndarray,
    ) -> np.ndarray:
        """Keep the local-activity factor only if it earns its weight (AIC).

        Where groups hold fixed areas (the simulator) the factor repeats the
        place density with more noise; where areas shift over time (UCDP's
        Syria) it carries what the density cannot. One extra weight must
        improve the weight half's log-likelihood by more than 1 (AIC).
        """
        j = names.index(LOCAL)
        rest = [i for i in range(len(names)) if i != j]
        w0 = self._fit_weights(cube[rest], logmask, y)
        if self._nll(w0, cube[rest], logmask, y) <= self._nll(w, cube, logmask, y) + 1:
            w = np.insert(w0, j, 0.0)
        self.local_activity_used_ = bool(w[j] > 0)
        return w

    def _validation_bandwidth(
        self,
        core: Core,
        ev_val: pd.DataFrame,
        y_val: np.ndarray,
        mask_val: np.ndarray,
        rows: np.ndarray,
    ) -> float:
        """Bandwidth whose place factor best predicts later events.

        Leave-one-out likelihood over the training events prefers very small
        bandwidths when events repeat at the same town coordinates within one
        campaign (the reason random splits flatter accuracy); scoring on the
        later validation period asks what generalises forward in time. The
        score is the log posterior of the true candidate from prior and place
        alone, on the validation half that also fits the weights.
        """
        from titfortat.attribution._features import SpatialDensity, unit_vectors

        assert core.spatial is not None
        sub = ev_val.iloc[rows]
        coords = has_coordinates(sub)
        if coords.sum() < 10:
            return core.spatial.bandwidth_km
        xyz = unit_vectors(
            sub.loc[coords, "latitude"].to_numpy(float),
            sub.loc[coords, "longitude"].to_numpy(float),
        )
        yv = y_val[rows][coords]
        mv = mask_val[rows][coords]
        scores = []
        for h in self.bandwidth_grid:
            dens = SpatialDensity(
                h,
                self.smoothing,
                core.spatial.base,
                core.spatial.weights,
                core.spatial.floor,
            )
            logf, _ = dens.log_density(xyz)
            z = np.where(mv, core.log_prior + logf, -np.inf)
            z = z - logsumexp(z, axis=1, keepdims=True)
            scores.append(float(z[np.arange(len(yv)), yv].sum()))
        table = core.bandwidth_table
        if table is not None and len(table) == len(scores):
            table = table.assign(validation_score=scores)
            self.bandwidth_table_ = table
        return float(self.bandwidth_grid[int(np.argmax(scores))])

    def _history(
        self,
        core: Core,
        ev_lab: pd.DataFrame,
        y_lab: np.ndarray,
        ev_latent: pd.DataFrame,
        mask_latent: np.ndarray,
        static: dict[str, np.ndarray] | None = None,
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Activity history added at scoring time: the batch's own-name claims,
        and (``latent_activity``) its latent events by their responsibilities
        under the factors other than activity, as in the fit."""
        k = core.n_classes
        cols = ["date", "latitude", "longitude"]
        dates = ev_lab[cols].reset_index(drop=True)
        weights = np.zeros((len(y_lab), k))
        weights[np.arange(len(y_lab)), y_lab] = 1.0
        if self.latent_activity_ and len(ev_latent) and core.intensity is None:
            ev_latent = ev_latent.reset_index(drop=True)
            comps = static or core.components(ev_latent, activity=False)
            logit = core.member_logits(comps, mask_latent)
            ok = np.isfinite(logit).any(axis=1)
            resp = np.exp(logit[ok] - logsumexp(logit[ok], axis=1)[:, None])
            dates = pd.concat([dates, ev_latent.loc[ok, cols]], ignore_index=True)
            weights = np.vstack([weights, resp])
        return dates, weights

    def _validation_activity(
        self,
        core: Core,
        ev_val: pd.DataFrame,
        hist: tuple[pd.DataFrame, np.ndarray],
        mask_val: np.ndarray,
        y_val: np.ndarray,
        rows: np.ndarray,
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Activity time scale, and whether latent events count, by validation.

        Each candidate (``ACTIVITY_GRID`` scales x latent events in or out,
        for the settings left to choose) is scored by the log-likelihood of
        the true candidates on the weight half of the later validation period,
        with the factor weights refitted: chosen by predictive likelihood on a
        later period, not in-sample. Latent events help when they are the same
        factions' attacks (banner claims, simulated data) and can hurt when the
        unlabelled pool holds other perpetrators too (IBC's incidents with
        neither flag). Returns the validation history to use.
        """
        sub, ys, ms = ev_val.iloc[rows], y_val[rows], mask_val[rows]
        static = core.components(sub, activity=False)
        n_lab, n_vl = core.n_labeled_history, self._n_val_lab
        full = (core.history, core.history_weights)
        own = (hist[0].iloc[:n_vl], hist[1][:n_vl])
        scales = ACTIVITY_GRID if self.activity_days is None else (self.activity_days,)
        uses = (
            (True, False)
            if self.latent_activity == "auto"
            else (self.latent_activity_,)
        )
        best, best_nll = (uses[0], scales[-1]), np.inf
        for use in uses:
            core.history = full[0] if use else full[0].iloc[:n_lab]
            core.history_weights = full[1] if use else full[1][:n_lab]
            for days in scales:
                core.activity_days = days
                comps = core.components(
                    sub, extra_history=hist if use else own, static=static
                )
                _, cube, logmask = self._stack(core, comps, ms)
                w = self._fit_weights(cube, logmask, ys)
                nll = self._nll(w, cube, logmask, ys)
                if nll < best_nll:
                    best, best_nll = (use, days), nll
        self.latent_activity_, self.activity_days_ = best
        core.history = full[0] if best[0] else full[0].iloc[:n_lab]
        core.history_weights = full[1] if best[0] else full[1][:n_lab]
        return hist if best[0] else own

    def _validation_pool(
        self,
        core: Core,
        ev_val: pd.DataFrame,
        hist: tuple[pd.DataFrame, np.ndarray],
        mask_val: np.ndarray,
        y_val: np.ndarray,
        rows: np.ndarray,
    ) -> None:
        """New-actor share of the pooled classes, by validation.

        Each share in ``POOL_GRID`` (or the given ``pool_mix``) is scored like
        the activity scale: log-likelihood of the true candidates on the
        weight half of the later validation period, factor weights refitted.
        Sets ``pool_mix_``.
        """
        if not self.pooled_:
            self.pool_mix_ = 0.0
            return
        grid = POOL_GRID if self.pool_mix is None else (float(self.pool_mix),)
        sub, ys, ms = ev_val.iloc[rows], y_val[rows], mask_val[rows]
        comps = core.components(sub, extra_history=hist)
        scores = []
        for rho in grid:
            _, cube, logmask = self._stack(core, comps, ms, rho=rho)
            w = self._fit_weights(cube, logmask, ys)
            scores.append(self._nll(w, cube, logmask, ys))
        self.pool_table_ = pd.DataFrame({"pool_mix": grid, "validation_nll": scores})
        self.pool_mix_ = float(grid[int(np.argmin(scores))])

    # ------------------------------------------------------------ fit
    def fit(self, events: pd.DataFrame, *, allowed: pd.DataFrame | None = None) -> Self:
        """Fit on events: own-name claims are labels, the rest latent.

        Parameters
        ----------
        events : pandas.DataFrame
            Canonical events (``date``; ``actor_id`` as label; ``latitude``,
            ``longitude`` and the categorical columns where known).
        allowed : pandas.DataFrame of bool, optional
            Events x candidates: who may have acted (overrides the network).

        Returns
        -------
        self
        """
        self._validate_params()
        for name in [n for n in vars(self) if n.endswith("_")]:
            delattr(self, name)
        ev = self._prepare(events)
        if allowed is not None:
            classes = [str(c) for c in allowed.columns]
        elif self.network is not None:
            self.banner_id_ = cand.resolve_banner(self.network, self.banner)
            classes = cand.member_ids(self.network, self.banner_id_)
        else:
            labs = ev[self.label_column].dropna().astype(str)
            classes = sorted(labs.unique())
        mask = self._mask(ev, classes, allowed)
        y = self._labels(ev, classes)
        lab = y >= 0
        if self.intensity is not None:
            from titfortat.attribution._intensity import intensity_function

            self.intensity_ = intensity_function(
                self.intensity, classes, self.intensity_origin
            )
            self.intensity_(ev["date"])  # covers every event's day, or DataError
        if not lab.any():
            raise DataError(
                f"No event has a label: no {self.label_column!r} value is one of the "
                f"candidates {classes}. Expected some events claimed in a faction's "
                "own name. Resolve actor names first (`titfortat actors apply`) or "
                "check the banner."
            )
        bad = lab & ~mask[np.arange(len(y)), np.where(lab, y, 0)]
        if bad.any():
            ids = list(ev.loc[bad, "event_id"].head(5))
            warnings.warn(
                f"{int(bad.sum())} own-name claim(s) fall outside their faction's tie "
                f"dates (first {ids}); they are kept as labels for the factors but "
                "their faction gets no probability on those days.",
                DataQualityWarning,
                stacklevel=2,
            )
            mask[bad, y[bad]] = True
        self.classes_ = classes + ([cand.OTHER] if self.other_prior > 0 else [])
        unknown = [c for c in self.pooled_classes if c not in classes]
        if unknown:
            raise DataError(
                f"pooled_classes {unknown} are not candidates; the candidates are "
                f"{classes[:10]}. Expected names of labelled candidates that pool "
                "many actors (e.g. 'other_groups'), or ()."
            )
        self.pooled_ = tuple(classes.index(c) for c in self.pooled_classes)
        self.n_labeled_ = int(lab.sum())
        self.n_latent_ = int((~lab).sum())
        self.n_without_coordinates_ = int((~has_coordinates(ev)).sum())
        if self.n_labeled_ < 10:
            raise DataError(
                f"Only {self.n_labeled_} labelled event(s); at least 10 own-name "
                "claims are needed to fit and calibrate. Add labelled events."
            )
        # temporal validation split: the latest labelled events
        lab_dates = ev.loc[lab, "date"].sort_values()
        cut = lab_dates.iloc[int(len(lab_dates) * (1 - self.validation_fraction))]
        early = (ev["date"] < cut).to_numpy()
        val = (~early) & lab
        if (early & lab).sum() < 5 or val.sum() < 10:
            raise DataError(
                f"The temporal validation split before {cut.date()} leaves "
                f"{int((early & lab).sum())} labelled events to fit and "
                f"{int(val.sum())} to calibrate; need at least 5 and 10. Add "
                "labelled events or change validation_fraction."
            )
        ev_a = ev[early].reset_index(drop=True)
        self.latent_activity_ = self.latent_activity is not False
        core_a = self._fit_core(ev_a, y[early], mask[early])
        ev_val = ev[val].reset_index(drop=True)
        # interleave in time: half fits the weights, half calibrates the sets
        order = np.argsort(ev_val["date"].to_numpy(), kind="stable")
        half_w, half_c = order[0::2], order[1::2]
        self.bandwidth_table_ = core_a.bandwidth_table
        if self.bandwidth_km is None and core_a.spatial is not None:
            best = self._validation_bandwidth(core_a, ev_val, y[val], mask[val], half_w)
            if best != core_a.spatial.bandwidth_km:
                self.bandwidth_km_ = best
                core_a = self._fit_core(ev_a, y[early], mask[early])
        self.bandwidth_km_ = (
            self.bandwidth_km
            if self.bandwidth_km is not None
            else (None if core_a.spatial is None else core_a.spatial.bandwidth_km)
        )
        # activity may use the earlier labels of the validation period itself,
        # and its latent events by their responsibilities (as at prediction)
        late_latent = ~early & ~lab
        self._n_val_lab = int(val.sum())
        hist = self._history(
            core_a, ev[val], y[val], ev[late_latent], mask[late_latent]
        )
        if self.intensity is None:
            hist = self._validation_activity(
                core_a, ev_val, hist, mask[val], y[val], half_w
            )
        else:
            self.activity_days_ = self.activity_days or 30.0
        core_a.activity_days = self.activity_days_
        self._validation_pool(core_a, ev_val, hist, mask[val], y[val], half_w)
        comps = core_a.components(ev_val, extra_history=hist)
        names, cube, logmask = self._stack(core_a, comps, mask[val])
        # interleave in time: half fits the weights, half calibrates the sets
        order = np.argsort(ev_val["date"].to_numpy(), kind="stable")
        half_w, half_c = order[0::2], order[1::2]
        yv = y[val]
        w = self._fit_weights(cube[:, half_w], logmask[half_w], yv[half_w])
        if LOCAL in names:
            w = self._select_local(
                names, w, cube[:, half_w], logmask[half_w], yv[half_w]
            )
        self.decay_per_year_ = 0.0
        if self.horizon_decay and self.calibration == "weights":
            horizon = (ev_val["date"] - ev_a["date"].max()).dt.days.to_numpy()
            cw, lw, yw = cube[:, half_w], logmask[half_w], yv[half_w]
            w_d, gamma = self._fit_decay(names, w, cw, lw, yw, horizon[half_w])
            # one more parameter: kept only if it earns it (AIC), as the
            # local-activity factor; short validation periods identify the
            # rate poorly, and a spurious rate fades good factors in the test
            faded = self._decay(names, cw, horizon[half_w], gamma)
            if self._nll(w_d, faded, lw, yw) + 1 < self._nll(w, cw, lw, yw):
                w, self.decay_per_year_ = w_d, gamma
                cube = self._decay(names, cube, horizon, gamma)
        p_cal = self._proba(w, cube[:, half_c], logmask[half_c])
        self.conformal_threshold_ = conformal_threshold(
            p_cal[np.arange(len(half_c)), yv[half_c]], self.level
        )
        self.n_calibration_ = len(half_c)
        self.weights_ = pd.Series(w, index=names, name="weight")
        core = self._fit_core(ev, y, mask)
        self.core_ = core
        self.log_prior_ = core.log_prior
        self.n_iter_ = core.n_iter
        self.converged_ = core.converged
        if not core.converged:
            warnings.warn(
                f"EM stopped after {self.max_iter} iterations without its objective "
                "settling; raise max_iter.",
                DataQualityWarning,
                stacklevel=2,
            )
        self._train = (ev, y, mask)
        self.train_end_ = ev["date"].max()
        return self

    # ------------------------------------------------------------ predict
    def _score(
        self, events: pd.DataFrame, allowed: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, list[str], np.ndarray, np.ndarray]:
        check_is_fitted(self, "core_")
        ev = self._prepare(events)
        members = self.classes_[: self.core_.n_classes]
        mask = self._mask(ev, members, allowed)
        y = self._labels(ev, members)
        lab = y >= 0
        static = self.core_.components(ev, activity=False)
        hist = self._history(
            self.core_,
            ev[lab],
            y[lab],
            ev[~lab],
            mask[~lab],
            static={c: v[~lab] for c, v in static.items()},
        )
        comps = self.core_.components(ev, extra_history=hist, static=static)
        names, cube, logmask = self._stack(self.core_, comps, mask)
        horizon = (ev["date"] - self.train_end_).dt.days.clip(lower=0).to_numpy()
        cube = self._decay(names, cube, horizon, self.decay_per_year_)
        return ev, names, cube, logmask

    def predict_proba(
        self, events: pd.DataFrame, *, allowed: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Probability of each candidate per event (zero outside its candidates).

        Returns
        -------
        pandas.DataFrame
            Index ``event_id``, one column per entry of ``classes_``;
            ``attrs["n_without_coordinates"]`` counts events scored without place.
        """
        ev, _, cube, logmask = self._score(events, allowed)
        p = self._proba(self.weights_.to_numpy(), cube, logmask)
        out = pd.DataFrame(p, columns=self.classes_, index=pd.Index(ev["event_id"]))
        out.attrs["n_without_coordinates"] = int((~has_coordinates(ev)).sum())
        return out

    def predict_sets(
        self,
        events: pd.DataFrame,
        *,
        method: str = "conformal",
        allow_empty: bool = False,
        allowed: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Prediction sets (boolean, events x candidates).

        ``method="conformal"``: every candidate with probability at least
        ``conformal_threshold_`` (plus the most probable one), which covers the
        truth with probability >= ``level`` for exchangeable events;
        ``method="mass"``: the smallest set holding ``level`` of the probability.
        With ``allow_empty=True`` the conformal sets are the plain LAC sets of
        Sadinle et al. (2019), empty when no candidate reaches the threshold:
        their coverage is ``level`` up to sampling error. The default adds the
        most probable candidate, so coverage is at least ``level`` and at least
        the top-1 accuracy.
        """
        proba = self.predict_proba(events, allowed=allowed)
        p = proba.to_numpy()
        if method == "conformal":
            sets = p >= self.conformal_threshold_ - 1e-12
            if not allow_empty:
                sets[np.arange(len(p)), p.argmax(axis=1)] = True
            sets &= p > 0
        elif method == "mass":
            sets = mass_sets(p, self.level)
        else:
            raise ValueError(
                "The 'method' parameter of predict_sets must be 'conformal' or "
                f"'mass'. Got {method!r} instead."
            )
        return pd.DataFrame(sets, index=proba.index, columns=proba.columns)

    def explain(
        self, events: pd.DataFrame, *, allowed: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Which factors moved each event towards its top candidate.

        Returns one row per event and factor: the weighted log-likelihood ratio
        of the top candidate against the runner-up (positive = favours the top).
        """
        ev, names, cube, logmask = self._score(events, allowed)
        w = self.weights_.to_numpy()
        p = self._proba(w, cube, logmask)
        order = np.argsort(-p, axis=1, kind="stable")
        top, second = order[:, 0], order[:, 1] if p.shape[1] > 1 else order[:, 0]
        rows = np.arange(len(p))
        contrib = w[:, None] * (cube[:, rows, top] - cube[:, rows, second])
        frame = pd.DataFrame(contrib.T, columns=names)
        frame.insert(0, "event_id", ev["event_id"].to_numpy())
        frame.insert(1, "top", [self.classes_[i] for i in top])
        frame.insert(2, "runner_up", [self.classes_[i] for i in second])
        long = frame.melt(
            id_vars=["event_id", "top", "runner_up"],
            var_name="factor",
            value_name="llr",
        )
        return long.sort_values(
            ["event_id", "llr"], ascending=[True, False], kind="stable"
        ).reset_index(drop=True)

    def score(self, events: pd.DataFrame) -> float:
        """Mean log probability of the own-name claimant over labelled events."""
        proba = self.predict_proba(events).to_numpy()
        y = self._labels(self._prepare(events), self.classes_)
        lab = y >= 0
        return float(np.mean(np.log(np.clip(proba[lab, y[lab]], 1e-15, 1))))

    # ------------------------------------------------------------ evaluate
    def evaluate(
        self,
        events: pd.DataFrame,
        *,
        truth: pd.Series | None = None,
        allowed: pd.DataFrame | None = None,
        baselines: bool = True,
        rng: int = 0,
        data_label: str = "",
    ) -> AttributionEvaluation:
        """Score the model and its baselines on test events with known truth.

        Parameters
        ----------
        events : pandas.DataFrame
            Test events (after the training period).
        truth : pandas.Series, optional
            True candidate per event (e.g. a simulator's); default the label
            column. Events whose truth is not a candidate are not scored.
        allowed : pandas.DataFrame of bool, optional
            As in :meth:`fit`.
        baselines : bool, default True
            Add ``prior_only``, ``majority`` and ``random_forest`` rows (the
            forest needs scikit-learn).
        rng : int, default 0
            Seed of the random forest.

        Returns
        -------
        AttributionEvaluation
        """
        ev, _, cube, logmask = self._score(events, allowed)
        w = self.weights_.to_numpy()
        p = self._proba(w, cube, logmask)
        tv = (
            truth.reset_index(drop=True) if truth is not None else ev[self.label_column]
        )
        y = pd.Index(self.classes_).get_indexer(tv.astype("string"))
        keep = y >= 0
        n_skip = int((~keep).sum())
        p, y = p[keep], y[keep]
        if len(y) == 0:
            raise DataError(
                "No test event has a known true candidate; pass truth= or events "
                "with own-name claims."
            )
        avail = self._fold(np.isfinite(logmask).astype(float)) > 0
        outside = ~avail[keep][np.arange(len(y)), y]
        n_outside = int(outside.sum())
        if n_outside:
            ids = list(ev.loc[keep, "event_id"].to_numpy()[outside][:5])
            warnings.warn(
                f"{n_outside} of {len(y)} test event(s) have a true faction that is "
                f"not a candidate on their day (first {ids}): the network's tie "
                "dates exclude it, so every forecaster gives the truth probability "
                "0 and these events score top-1 0. Check the tie dates or the "
                "labels.",
                UnscorableLabelWarning,
                stacklevel=2,
            )
        sets = p >= self.conformal_threshold_ - 1e-12
        sets[np.arange(len(p)), p.argmax(axis=1)] = True
        sets &= p > 0
        rows = {"model": score_all(p, y, sets)}
        losses = {"model": event_losses(p, y)}
        if baselines:
            from titfortat.attribution._baselines import baseline_probas

            train_ev, train_y, train_mask = self._train
            members = self.classes_[: self.core_.n_classes]
            test_mask = self._mask(ev, members, allowed)
            for name, bp in baseline_probas(
                self, train_ev, train_y, train_mask, ev, test_mask, rng=rng
            ).items():
                bp = bp[keep]
                rows[name] = score_all(bp, y, mass_sets(bp, self.level))
                losses[name] = event_losses(bp, y)
        table = pd.DataFrame.from_dict(rows, orient="index")
        notes = [
            f"model sets: split-conformal at level {self.level:g} "
            f"({self.n_calibration_} calibration events); baseline sets: smallest "
            f"sets holding {self.level:g} of their probability",
            f"{int((~has_coordinates(ev[keep])).sum())} test event(s) without "
            "coordinates were scored from their other factors",
        ]
        if n_skip:
            notes.append(f"{n_skip} event(s) without a known true candidate skipped")
        if n_outside:
            notes.append(
                f"{n_outside} test event(s) have a true faction outside its tie "
                "dates on that day (probability 0 under every forecaster)"
            )
        # Model minus baselines, clustered by the test event's week (events
        # close in time share conditions).
        weeks = (
            pd.to_datetime(ev.loc[keep, "date"]).dt.to_period("W").astype(str)
            if "date" in ev
            else pd.Series(np.arange(len(y)))
        )
        comparison = (
            paired_comparison(losses, weeks.to_numpy()) if len(losses) > 1 else None
        )
        return AttributionEvaluation(
            comparison=comparison,
            table=table,
            n_train=int((self._train[1] >= 0).sum()),
            n_test=int(len(y)),
            level=self.level,
            proba=p,
            truth=y,
            classes=tuple(self.classes_),
            notes=tuple(notes),
            data_label=data_label,
            n_outside_ties=n_outside,
        )

    def _fit_status(self) -> str:
        if "core_" not in vars(self):
            return "not fitted"
        return (
            f"fitted: {len(self.classes_)} candidates, {self.n_labeled_:,} labelled, "
            f"{self.n_latent_:,} latent events"
        )
