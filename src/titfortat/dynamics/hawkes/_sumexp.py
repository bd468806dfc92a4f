"""SumExpHawkes: linear Hawkes process with a sum-of-exponentials kernel."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import optimize

from titfortat._validation import (
    BaseEstimator,
    Interval,
    as_generator,
    check_is_fitted,
)
from titfortat.dynamics._events import EventInput, merge_events, to_event_arrays
from titfortat.dynamics._optim import (
    covariance,
    delta_method,
    observed_information,
    report_convergence,
)
from titfortat.dynamics.hawkes._loglik import exp_states
from titfortat.dynamics.hawkes._loglik_sumexp import sumexp_loglik_grad
from titfortat.results import DerivedResult, FitResult, LRTestResult

__all__ = ["SumExpHawkes"]

# Bounds of log b1 when decays are learned (as ExpHawkes), and the smallest
# gap between successive log-decays, which keeps them ordered b1 < ... < bU.
_LOG_BETA_BOUNDS = (float(np.log(1e-6)), float(np.log(1e6)))
_MIN_LOG_GAP = 1e-4


class SumExpHawkes(BaseEstimator):
    """Linear multivariate Hawkes process with a sum-of-exponentials kernel.

    .. math::

        \\lambda_i(t) = \\mu_i + \\sum_{j} \\sum_{t^j_k < t} \\sum_{u=1}^{U}
        \\alpha^{u}_{ij}\\, \\beta_u e^{-\\beta_u (t - t^j_k)}

    Symbols and attributes: :math:`\\mu` → ``baseline_``;
    :math:`\\alpha^u_{ij}` → ``adjacency_[i, j, u]`` (**row i excited by column
    j**, parameter ``alpha[i<-j;u]``); the decays :math:`\\beta_u` →
    ``decays_``, fixed by the user as in tick's ``HawkesSumExpKern``, or
    learned jointly with ``learn_decays=True``. Each component integrates to
    one, so ``adjacency_.sum(axis=2)`` is the branching matrix. With fixed
    decays the log-likelihood is concave and separates by target node, so the
    fit is exact and fast.

    Learned decays (identity link). Unlike ``ExpHawkes(decay=None)``, a
    sum of exponentials needs starting decays (the likelihood in the decays is
    multimodal), so the API is ``decays`` plus a flag:
    ``SumExpHawkes(decays=(b1, ..., bU), learn_decays=True)`` starts from the
    given decays (sorted), first fits the concave fixed-decay problem there,
    then maximises the likelihood in all parameters jointly with L-BFGS-B and
    the analytic gradient (O(N D U) per evaluation, numba). The components
    are exchangeable, so for identifiability the decays are kept ordered,
    ``b1 < b2 < ... < bU``: the optimiser works on ``log b1`` and the
    increments ``log b_u - log b_{u-1} >= 1e-4``, so ``alpha[...;u]`` always
    belongs to the u-th slowest component. The results then include
    ``decay[0]``, ..., ``decay[U-1]`` (``decays_``), with standard errors from
    the observed information, computed by differencing the analytic gradient
    (a numerical Hessian). If two components merge (an increment at its
    bound) the decays are not identified; use fewer components.

    Parameters
    ----------
    decays : sequence of float, default (0.1, 1.0, 10.0)
        Decays beta_u > 0, per day (fast and slow reactions): fixed, or the
        starting values when ``learn_decays=True``.
    learn_decays : bool, default False
        Learn the decays jointly with the other parameters (see above).
    max_iter : int, default 1000
    tol : float, default 1e-12

    Attributes
    ----------
    baseline_ : ndarray of shape (D,)
    adjacency_ : ndarray of shape (D, D, U)
    decays_ : ndarray of shape (U,)
    nodes_ : list of str
    n_events_ : int
    end_time_ : float
    converged_ : bool
    results_ : FitResult

    Examples
    --------
    >>> from titfortat.dynamics import HawkesSimulator
    >>> sim = HawkesSimulator([0.5], [[0.4]], 1.0, end_time=500.0, rng=0)
    >>> arrays = sim.run_arrays()
    >>> m = SumExpHawkes(decays=[0.2, 2.0]).fit(arrays, nodes=["attack"])
    >>> list(m.results_.params.index)
    ['mu[attack]', 'alpha[attack<-attack;0]', 'alpha[attack<-attack;1]']
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "learn_decays": ["boolean"],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        decays: Sequence[float] = (0.1, 1.0, 10.0),
        learn_decays: bool = False,
        max_iter: int = 1000,
        tol: float = 1e-12,
    ) -> None:
        self.decays = decays
        self.learn_decays = learn_decays
        self.max_iter = max_iter
        self.tol = tol

    def _check_decays(self) -> np.ndarray:
        b = np.asarray(self.decays, dtype=float).ravel()
        if b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
            raise ValueError(
                "The 'decays' parameter of SumExpHawkes must be a non-empty sequence "
                f"of positive floats. Got {self.decays!r} instead."
            )
        if self.learn_decays:
            b = np.sort(b)
            if np.any(np.diff(np.log(b)) < _MIN_LOG_GAP):
                raise ValueError(
                    "The 'decays' parameter of SumExpHawkes must hold distinct "
                    "starting values when learn_decays=True (the components are "
                    f"otherwise exchangeable). Got {self.decays!r} instead."
                )
        return b

    def _design(
        self,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        betas: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Excitations per event, columns ordered (j, u), and compensator terms."""
        rs, cs = [], []
        for b in betas:
            r, c = exp_states(times, marks, end_time, d, float(b))
            rs.append(r)
            cs.append(c)
        u = betas.size
        # column j * U + u
        r_all = np.stack(rs, axis=2).reshape(times.size, d * u)
        c_all = np.stack(cs, axis=1).reshape(d * u)
        return r_all, c_all

    def fit(
        self,
        events: EventInput,
        *,
        end_time: float | None = None,
        nodes: Sequence[str] | None = None,
        node_col: str | None = None,
        strict: bool = False,
    ) -> Self:
        """Fit by exact maximum likelihood (concave, one start suffices).

        Parameters
        ----------
        events, end_time, nodes, node_col, strict
            As for :meth:`ExpHawkes.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        betas = self._check_decays()
        arrays, names, big_t = to_event_arrays(
            events, end_time=end_time, nodes=nodes, node_col=node_col
        )
        d, u = len(arrays), betas.size
        times, marks = merge_events(arrays)
        r_all, c_all = self._design(times, marks, big_t, d, betas)
        k_row = 1 + d * u
        x = np.zeros(d * k_row)
        info_blocks = []
        ll_total, ok, msgs, nit = 0.0, True, set(), 0
        c = np.concatenate([[big_t], c_all])
        for i in range(d):
            rows = marks == i
            xi = np.hstack([np.ones((int(rows.sum()), 1)), r_all[rows]])
            n_i = max(xi.shape[0], 1)

            def obj(th: np.ndarray, xi: np.ndarray = xi, n_i: int = n_i) -> Any:
                lam = xi @ th
                if np.any(lam <= 0):
                    return np.inf, np.zeros(th.size)
                g = xi.T @ (1.0 / lam) - c
                return -(np.log(lam).sum() - c @ th) / n_i, -g / n_i

            th0 = np.concatenate([[0.5 * n_i / big_t], np.full(d * u, 0.3 / (d * u))])
            res = optimize.minimize(
                obj,
                th0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(1e-10, None)] * k_row,
                options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-9},
            )
            th = res.x
            lam = xi @ th
            # Observed information of row i: X' diag(1 / lambda^2) X (analytic).
            info_blocks.append((xi / lam[:, None]).T @ (xi / lam[:, None]))
            x[i * k_row : (i + 1) * k_row] = th
            ll_total += -res.fun * n_i
            ok = ok and bool(res.success)
            msgs.add(str(res.message))
            nit = max(nit, int(res.nit))
        info = {"message": "; ".join(sorted(msgs)), "n_iter": nit, "success": ok}
        report_convergence(info, strict=strict, name=type(self).__name__)
        full = np.zeros((x.size, x.size))
        for i, blk in enumerate(info_blocks):
            sl = slice(i * k_row, (i + 1) * k_row)
            full[sl, sl] = blk
        # Reorder to the public layout [mu, alpha(i, j, u)].
        perm = [i * k_row for i in range(d)] + [
            i * k_row + 1 + j for i in range(d) for j in range(d * u)
        ]
        xp = x[perm]
        pnames = [f"mu[{n}]" for n in names] + [
            f"alpha[{a}<-{b};{k}]" for a in names for b in names for k in range(u)
        ]
        if self.learn_decays:
            xj, ll_total, info = self._fit_joint(
                np.concatenate([xp, betas]), times, marks, big_t, d, u, None
            )
            report_convergence(info, strict=strict, name=type(self).__name__)
            ok = bool(info["success"])
            xp, betas = xj[:-u], xj[-u:]
            pnames += [f"decay[{k}]" for k in range(u)]

            def grad(v: np.ndarray) -> np.ndarray:
                return sumexp_loglik_grad(v, times, marks, big_t, d, u)[1]

            free = np.ones(xj.size, dtype=bool)
            lower = np.zeros(xj.size)
            cov = covariance(
                observed_information(grad, xj, free, lower),
                free,
                strict=strict,
                at_bound=xj <= 1e-8,
                names=pnames,
            )
            xp = xj
        else:
            cov = covariance(
                full[np.ix_(perm, perm)], np.ones(xp.size, bool), strict=strict
            )
        self._x, self._d, self._u = xp, d, u
        self._times, self._marks = times, marks
        self.nodes_ = names
        self.decays_ = betas.copy()
        self.baseline_ = xp[:d].copy()
        self.adjacency_ = xp[d : d + d * d * u].reshape(d, d, u).copy()
        self.n_events_ = int(times.size)
        self.end_time_ = big_t
        self.converged_ = ok
        self.results_ = FitResult.from_estimates(
            params=pd.Series(xp, index=pnames),
            cov_params=cov,
            log_likelihood=ll_total,
            n_obs=int(times.size),
            n_events=int(times.size),
            n_nodes=d,
            end_time=big_t,
            model_repr=self._repr_params(),
            converged=ok,
            optimizer_info=info,
        )
        return self

    def _fit_joint(
        self,
        x0: np.ndarray,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        u: int,
        zero: np.ndarray | None,
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Joint MLE in ``[mu, alpha, decays]``; ``zero`` masks alphas held at 0.

        Optimised over ``z = [mu, alpha, log b1, log b2 - log b1, ...]`` so the
        decays stay ordered (see the class docstring).
        """
        k = x0.size - u
        n = max(times.size, 1)

        def to_x(z: np.ndarray) -> np.ndarray:
            return np.concatenate([z[:k], np.exp(np.cumsum(z[k:]))])

        def obj(z: np.ndarray) -> tuple[float, np.ndarray]:
            x = to_x(z)
            ll, g = sumexp_loglik_grad(x, times, marks, end_time, d, u)
            if not np.isfinite(ll):
                return np.inf, np.zeros(z.size)
            gz = g.copy()
            # d/dz_l of b_c = b_c for c >= l: reverse cumulative sum.
            gz[k:] = np.cumsum((g[k:] * x[k:])[::-1])[::-1]
            return -ll / n, -gz / n

        logb = np.log(x0[k:])
        z0 = np.concatenate([x0[:k], [logb[0]], np.diff(logb)])
        bounds: list[tuple[float | None, float | None]] = [(1e-10, None)] * k
        if zero is not None:
            z0[d:k][zero] = 0.0
            for p in np.flatnonzero(zero):
                bounds[d + p] = (0.0, 0.0)
        bounds += [_LOG_BETA_BOUNDS] + [(_MIN_LOG_GAP, None)] * (u - 1)
        z0 = np.clip(
            z0,
            [b[0] if b[0] is not None else -np.inf for b in bounds],
            [b[1] if b[1] is not None else np.inf for b in bounds],
        )
        res = optimize.minimize(
            obj,
            z0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-10},
        )
        x, ll = to_x(res.x), float(-res.fun * n)
        x, ll, polished = self._newton_polish(x, ll, times, marks, end_time, d, u, zero)
        info = {
            "message": str(res.message)
            + ("; Newton polish converged" if polished else ""),
            "n_iter": int(res.nit),
            "success": bool(res.success) or polished,
        }
        return x, ll, info

    def _newton_polish(
        self,
        x: np.ndarray,
        ll: float,
        times: np.ndarray,
        marks: np.ndarray,
        end_time: float,
        d: int,
        u: int,
        zero: np.ndarray | None,
    ) -> tuple[np.ndarray, float, bool]:
        """A few Newton steps with the differenced analytic Hessian.

        L-BFGS-B stalls on the ill-conditioned decay directions; Newton on the
        parameters away from their bounds finishes the job. Steps are halved
        until the log-likelihood rises and the decays stay ordered.
        """
        k = x.size - u

        def grad(v: np.ndarray) -> np.ndarray:
            return sumexp_loglik_grad(v, times, marks, end_time, d, u)[1]

        move = x > 1e-8
        if zero is not None:
            move[d:k] &= ~zero
        for _ in range(8):
            info_mat = observed_information(grad, x, move, np.zeros(x.size))
            g = grad(x)[move]
            try:
                step = np.linalg.solve(info_mat, g)
            except np.linalg.LinAlgError:
                return x, ll, False
            if not np.all(np.isfinite(step)):
                return x, ll, False
            # Newton decrement: the predicted log-likelihood gain.
            if 0.5 * g @ step < 1e-7:
                return x, ll, True
            t = 1.0
            while t > 1e-4:
                xn = x.copy()
                xn[move] += t * step
                b = xn[k:]
                if np.all(xn[:k] >= 0) and np.all(np.diff(np.log(b)) > 0):
                    lln = sumexp_loglik_grad(xn, times, marks, end_time, d, u)[0]
                    if lln > ll:
                        x, ll = xn, float(lln)
                        break
                t *= 0.5
            else:
                return x, ll, False
        return x, ll, False

    def _fit_status(self) -> str:
        if "results_" not in vars(self):
            return "not fitted"
        return f"fitted: {len(self.nodes_)} nodes, {self.n_events_:,} events"

    def summary(self, alpha: float = 0.05) -> Any:
        """Parameter table; see :meth:`titfortat.results.FitResult.summary`."""
        check_is_fitted(self)
        return self.results_.summary(alpha)

    def conf_int(self, alpha: float = 0.05, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals (Wald)."""
        check_is_fitted(self)
        return self.results_.conf_int(alpha, method=method)  # type: ignore[arg-type]

    def score(
        self, events: EventInput, *, end_time: float | None = None, y: Any = None
    ) -> float:
        """Log-likelihood of ``events`` under the fitted parameters."""
        check_is_fitted(self)
        arrays, _, big_t = to_event_arrays(events, end_time=end_time)
        times, marks = merge_events(arrays)
        d, u = self._d, self._u
        r_all, c_all = self._design(times, marks, big_t, d, self.decays_)
        a = self.adjacency_.reshape(d, d * u)
        lam = self.baseline_[marks] + np.einsum("nk,nk->n", r_all, a[marks])
        if np.any(lam <= 0):
            return -np.inf
        return float(
            np.log(lam).sum() - self.baseline_.sum() * big_t - a.sum(0) @ c_all
        )

    def branching_matrix(self) -> DerivedResult:
        """``adjacency_.sum(axis=2)`` (``[i, j]`` named ``i<-j``), delta-method SEs."""
        check_is_fitted(self)
        d, u = self._d, self._u

        def fn(x: np.ndarray) -> np.ndarray:
            out: np.ndarray = x[d : d + d * d * u].reshape(d, d, u).sum(axis=2).ravel()
            return out

        v, se = delta_method(fn, self._x, self.results_.cov_params.to_numpy())
        idx = [f"{a}<-{b}" for a in self.nodes_ for b in self.nodes_]
        return DerivedResult("branching_matrix", pd.Series(v, idx), pd.Series(se, idx))

    def spectral_radius(self) -> float:
        """Spectral radius of the branching matrix (< 1: stationary)."""
        check_is_fitted(self)
        return float(np.max(np.abs(np.linalg.eigvals(self.adjacency_.sum(axis=2)))))

    def lr_test(self, i: int | str, j: int | str) -> LRTestResult:
        """LR test that node j has no effect on node i (all U components zero).

        The restriction puts U parameters on their boundary; the p-value uses
        the conservative ``chi2(U)`` reference (not a chi-bar mixture) for U > 1.
        """
        check_is_fitted(self)
        d, u = self._d, self._u
        ii = self.nodes_.index(i) if isinstance(i, str) else int(i)
        jj = self.nodes_.index(j) if isinstance(j, str) else int(j)
        null = f"alpha[{self.nodes_[ii]}<-{self.nodes_[jj]};*] = 0"
        ll1 = self.results_.log_likelihood
        if self.learn_decays:
            # Restricted fit re-learns the decays too (a true LR statistic).
            zero = np.zeros((d, d, u), dtype=bool)
            zero[ii, jj, :] = True
            _, ll0, _ = self._fit_joint(
                self._x, self._times, self._marks, self.end_time_, d, u, zero.ravel()
            )
            stat = max(2.0 * (ll1 - ll0), 0.0)
            return LRTestResult(
                null=null,
                statistic=stat,
                df=u,
                boundary=u == 1,
                ll_full=ll1,
                ll_restricted=ll1 - stat / 2.0,
            )
        r_all, c_all = self._design(
            self._times, self._marks, self.end_time_, d, self.decays_
        )
        rows = self._marks == ii
        keep = np.ones(1 + d * u, dtype=bool)
        keep[1 + jj * u : 1 + (jj + 1) * u] = False
        xi = np.hstack([np.ones((int(rows.sum()), 1)), r_all[rows]])[:, keep]
        c = np.concatenate([[self.end_time_], c_all])[keep]

        def obj(th: np.ndarray) -> Any:
            lam = xi @ th
            if np.any(lam <= 0):
                return np.inf, np.zeros(th.size)
            return -(np.log(lam).sum() - c @ th), -(xi.T @ (1.0 / lam) - c)

        full_row = np.concatenate(
            [[self.baseline_[ii]], self.adjacency_[ii].reshape(d * u)]
        )
        res = optimize.minimize(
            obj,
            np.maximum(full_row[keep], 1e-6),
            jac=True,
            method="L-BFGS-B",
            bounds=[(1e-10, None)] * int(keep.sum()),
            options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-9},
        )
        xi_full = np.hstack([np.ones((int(rows.sum()), 1)), r_all[rows]])
        c_full = np.concatenate([[self.end_time_], c_all])
        ll_row_full = np.log(xi_full @ full_row).sum() - c_full @ full_row
        stat = max(2.0 * (ll_row_full + res.fun), 0.0)
        return LRTestResult(
            null=null,
            statistic=stat,
            df=u,
            boundary=u == 1,
            ll_full=ll1,
            ll_restricted=ll1 - stat / 2.0,
        )

    def simulator(
        self,
        *,
        end_time: float | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> _SumExpSimulator:
        """A simulator of the fitted model (cluster representation)."""
        check_is_fitted(self)
        return _SumExpSimulator(
            self.baseline_,
            self.adjacency_,
            self.decays_,
            end_time=self.end_time_ if end_time is None else end_time,
            rng=rng,
        )


class _SumExpSimulator:
    """Cluster simulation for a sum-of-exponentials kernel (numpy generations)."""

    def __init__(
        self,
        baseline: np.ndarray,
        adjacency: np.ndarray,
        decays: np.ndarray,
        *,
        end_time: float,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.baseline = np.asarray(baseline, float)
        self.adjacency = np.asarray(adjacency, float)
        self.decays = np.asarray(decays, float)
        self.end_time = float(end_time)
        self.rng = rng
        rho = np.max(np.abs(np.linalg.eigvals(self.adjacency.sum(axis=2))))
        if rho >= 1:
            raise ValueError(
                f"Spectral radius of the branching matrix is {rho:.3g} (must be < 1 "
                "for a stationary process)."
            )

    def run_arrays(self) -> list[np.ndarray]:
        """Simulate; one sorted array of times per node."""
        rng = as_generator(self.rng)
        d, _, u = self.adjacency.shape
        n0 = rng.poisson(self.baseline * self.end_time)
        t_gen = rng.uniform(0.0, self.end_time, int(n0.sum()))
        m_gen = np.repeat(np.arange(d), n0)
        out_t, out_m = [t_gen], [m_gen]
        flat = self.adjacency
        while t_gen.size:
            # kids[k, i, u]: offspring of node i through component u.
            kids = rng.poisson(flat[:, m_gen, :].transpose(1, 0, 2))
            cnt = kids.reshape(t_gen.size, d * u)
            parent = np.repeat(t_gen, cnt.sum(axis=1))
            lab = np.repeat(np.tile(np.arange(d * u), t_gen.size), cnt.ravel())
            node, comp = lab // u, lab % u
            child = parent + rng.exponential(1.0 / self.decays[comp])
            keep = child <= self.end_time
            t_gen, m_gen = child[keep], node[keep]
            out_t.append(t_gen)
            out_m.append(m_gen)
        times = np.concatenate(out_t)
        marks = np.concatenate(out_m)
        return [np.sort(times[marks == k]) for k in range(d)]
