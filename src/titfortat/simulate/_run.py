"""Monte Carlo over runs, parameter draws and policies; local and Dask backends.

Reproducibility: run ``i`` uses the key of ``SeedSequence(seed).spawn(2)[0]
.spawn(runs)[i]``, built directly as ``SeedSequence(seed, spawn_key=(0, i))``
(the same object, without spawning all earlier children), and parameter
draw ``d`` uses ``spawn_key=(1, d)``. Runs are cut into chunks of a fixed
size whatever the number of workers, and chunk summaries are merged in chunk
order with integer sums where possible, so a seed gives bit-identical output
with 1 or 20 workers, on processes or on Dask.

Every policy of a run uses the same key and the same parameter draw (common
random numbers; see :mod:`titfortat.simulate._kernel` for how the per-event
draws stay aligned when a policy changes the history).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from titfortat._validation import as_generator
from titfortat.dynamics._branching import spectral_radius
from titfortat.dynamics.hawkes._loglik import LINK_CODES
from titfortat.exceptions import DataError
from titfortat.simulate._kernel import N_OUT, simulate_many
from titfortat.simulate._result import SimulationResult
from titfortat.simulate._scenario import Policy, Scenario, params_to_arrays

__all__ = ["CHUNK_RUNS", "check_stable", "run", "run_keys"]

#: Runs per chunk: fixed (not derived from the worker count) so that results
#: do not depend on how the work is split.
CHUNK_RUNS = 500
#: Points of the fan-chart grid (cumulative counts, exact histograms: each
#: costs one histogram per node per chunk, so kept modest).
GRID_POINTS = 25
#: Resolution of the quiescence histogram, days.
QUIET_RES = 0.5


def run_keys(seed: int, start: int, stop: int) -> np.ndarray:
    """Per-run 64-bit keys of runs ``start..stop-1`` for ``seed``.

    Examples
    --------
    >>> ss = np.random.SeedSequence(7).spawn(2)[0].spawn(3)
    >>> bool((run_keys(7, 0, 3) == [s.generate_state(1, np.uint64)[0]
    ...                              for s in ss]).all())
    True
    """
    return np.array(
        [
            np.random.SeedSequence(seed, spawn_key=(0, i)).generate_state(1, np.uint64)[
                0
            ]
            for i in range(start, stop)
        ],
        dtype=np.uint64,
    )


def check_stable(
    scenario: Scenario, adjacency: np.ndarray | None = None
) -> dict[str, float]:
    """Spectral radius of each policy's effective model; refuses explosive ones.

    Raises
    ------
    DataError
        If a policy's radius is >= 1, naming the radius and the entry whose
        change lowers it most (by the eigenvector sensitivity ``v_i u_j``).

    Examples
    --------
    >>> from titfortat.simulate import Scenario
    >>> sc = Scenario.from_dict({"name": "toy", "horizon_days": 30,
    ...     "model": {"nodes": ["attack", "strike"], "baseline": [0.5, 0.0],
    ...               "adjacency": [[0.2, 0.3], [0.0, 0.0]], "decay": 1.0},
    ...     "policies": {"none": {}, "tit": {"trigger": "attack",
    ...         "response": "strike", "probability": 0.5, "lag_days": [1, 2]}}})
    >>> # tit adds 0.5 to strike<-attack: l^2 - 0.2 l - 0.3 * 0.5 = 0 gives 0.5
    >>> {k: round(v, 3) for k, v in check_stable(sc).items()}
    {'none': 0.2, 'tit': 0.5}
    """
    radii = {}
    for pol in scenario.policies:
        a = scenario.effective_adjacency(pol, adjacency)
        rho = spectral_radius(a)
        radii[pol.name] = rho
        if rho >= 1.0:
            vals, right = np.linalg.eig(a)
            k = int(np.argmax(np.abs(vals)))
            vals_l, left = np.linalg.eig(a.T)
            kl = int(np.argmax(np.abs(vals_l)))
            sens = np.abs(np.outer(left[:, kl], right[:, k])) * (a > 0)
            i, j = np.unravel_index(int(np.argmax(sens)), a.shape)
            name = f"alpha[{scenario.nodes[i]}<-{scenario.nodes[j]}]"
            hint = (
                f"lower {name} = {a[i, j]:.3g}, the entry the radius is most "
                "sensitive to"
            )
            if pol.strikes_per_trigger > 0:
                rule = f"alpha[{pol.response}<-{pol.trigger}]"
                base = spectral_radius(
                    scenario.effective_adjacency(
                        Policy(name="base", suppress=pol.suppress), adjacency
                    )
                )
                hint = (
                    f"lower the policy's probability ({pol.probability:g}), "
                    f"fatal_probability ({pol.fatal_probability:g}) or strikes "
                    f"({pol.strikes}), which add {pol.strikes_per_trigger:.3g} to "
                    f"{rule} (without the rule the radius is {base:.3g}); or " + hint
                )
            line = scenario.lines.get(f"policy:{pol.name}")
            raise DataError(
                f"{scenario.source}:{line if line is not None else '?'}: policy "
                f"{pol.name!r} makes the model explosive: spectral radius of its "
                f"branching matrix is {rho:.3g} (must be < 1). To fix it, {hint}."
            )
    return radii


def _policy_plan(scenario: Scenario, pol: Policy) -> dict[str, Any]:
    nodes = scenario.nodes
    d = len(nodes)
    idx = {n: k for k, n in enumerate(nodes)}
    wins = list(scenario.windows) + list(pol.windows)
    w_start = np.array([w.start_day for w in wins], dtype=float)
    w_end = np.array([w.end_day for w in wins], dtype=float)
    w_base = np.ones((len(wins), d))
    w_int = np.ones((len(wins), d))
    for k, w in enumerate(wins):
        target = w_base if w.applies_to == "baseline" else w_int
        for n in w.nodes:
            target[k, idx[n]] = w.factor
    cap0 = np.ones(d)
    dmg = np.zeros(d)
    dmg_by = np.full(d, -1, dtype=np.int64)
    resupply = np.zeros(d)
    for c in scenario.capacity:
        i = idx[c.node]
        cap0[i] = c.initial
        dmg[i] = c.damage
        dmg_by[i] = -1 if c.damaged_by is None else idx[c.damaged_by]
        resupply[i] = c.resupply_per_day
    for n, r in pol.resupply_per_day.items():
        resupply[idx[n]] = r
    ex = sorted(
        (day, idx[n]) for n, day, count in scenario.initial_events for _ in range(count)
    )
    suppress = np.zeros(d, dtype=np.bool_)
    for n in pol.suppress:
        suppress[idx[n]] = True
    side = np.array([0 if n in scenario.state_nodes else 1 for n in nodes], np.int64)
    return {
        "side": side,
        "w_start": w_start,
        "w_end": w_end,
        "w_base": w_base,
        "w_int": w_int,
        "cap0": cap0,
        "dmg": dmg,
        "dmg_by": dmg_by,
        "resupply": resupply,
        "ex_time": np.array([e[0] for e in ex], dtype=float),
        "ex_node": np.array([e[1] for e in ex], dtype=np.int64),
        "trigger": -1 if pol.trigger is None else idx[pol.trigger],
        "response": 0 if pol.response is None else idx[pol.response],
        "p_fatal": float(pol.fatal_probability),
        "p_respond": float(pol.probability) if pol.trigger is not None else 0.0,
        "lag_lo": float(pol.lag_days[0]),
        "lag_hi": float(pol.lag_days[1]),
        "n_strikes": int(pol.strikes),
        "active_from": float(pol.start_day),
        "suppress": suppress,
        "link": LINK_CODES[scenario.link],
    }


def simulate_plan(
    plan: dict[str, Any],
    keys: np.ndarray,
    mu: np.ndarray,
    adj: np.ndarray,
    beta: np.ndarray,
    end_time: float,
    bin_edges: np.ndarray,
    quiet_days: float,
    max_events: int = 0,
    start_time: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the kernel for ``keys``; returns binned counts ``(R, B, D)`` and
    per-run scalars ``(R, 4)``."""
    r = keys.size
    d = mu.shape[1]
    # int32: a run's count in one bin is far below 2**31; sums are int64.
    counts = np.zeros((r, bin_edges.size - 1, d), dtype=np.int32)
    scal = np.zeros((r, N_OUT))
    simulate_many(
        keys,
        np.ascontiguousarray(mu, dtype=float),
        np.ascontiguousarray(adj, dtype=float),
        np.ascontiguousarray(beta, dtype=float),
        float(start_time),
        float(end_time),
        plan["side"],
        plan["w_start"],
        plan["w_end"],
        plan["w_base"],
        plan["w_int"],
        plan["cap0"],
        plan["dmg"],
        plan["dmg_by"],
        plan["resupply"],
        plan["ex_time"],
        plan["ex_node"],
        plan["trigger"],
        plan["response"],
        plan["p_fatal"],
        plan["p_respond"],
        plan["lag_lo"],
        plan["lag_hi"],
        plan["n_strikes"],
        plan["active_from"],
        plan["suppress"],
        bin_edges,
        float(quiet_days),
        int(max_events),
        int(plan["link"]),
        counts,
        scal,
    )
    return counts, scal


def _hist(values: np.ndarray, axis_len: int | None = None) -> np.ndarray:
    """Exact histogram of non-negative integers along the last axis."""
    v = np.asarray(values, dtype=np.int64)
    top = int(v.max()) + 1 if v.size else 1
    # int32: a histogram cell counts runs, < 2**31 for any feasible study.
    return np.bincount(
        v.ravel(), minlength=top if axis_len is None else axis_len
    ).astype(np.int32)


def _run_chunk(task: dict[str, Any]) -> dict[str, Any]:
    """Simulate runs ``task['start']..task['stop']-1`` under every policy and
    return mergeable integer summaries (picklable; runs on any worker)."""
    keys = run_keys(task["seed"], task["start"], task["stop"])
    edges = task["bin_edges"]
    grid = task["grid_idx"]
    k_thr, t_thr = task["count_threshold"]
    first_bins = int(np.searchsorted(edges[1:], t_thr, side="right"))
    out: dict[str, Any] = {"policies": []}
    first_tot = None
    for plan in task["plans"]:
        counts, scal = simulate_plan(
            plan,
            keys,
            task["mu"][task["draw_idx"]],
            task["adj"][task["draw_idx"]],
            task["beta"][task["draw_idx"]],
            task["end_time"],
            edges,
            task["quiet_days"],
            task["max_events"],
            task["start_time"],
        )
        tot = counts.sum(axis=1, dtype=np.int64)  # (R, D)
        net = tot[:, task["network"]].sum(axis=1)
        # Cumulative counts at the grid only: sums between grid points, then
        # a cumulative sum over the few grid points.
        seg = np.add.reduceat(counts, np.concatenate([[0], grid[:-1] + 1]), axis=1)
        cum = np.cumsum(seg, axis=1, dtype=np.int64)  # (R, G, D)
        early = counts[:, :first_bins, :].sum(axis=1, dtype=np.int64)
        early_net = early[:, task["network"]].sum(axis=1)
        q = scal[:, 2]
        rec = {
            "n": keys.size,
            "bin_sum": counts.sum(axis=0, dtype=np.int64),
            "bin_sq": np.einsum("rbd,rbd->bd", counts, counts, dtype=np.int64),
            "tot_sum": tot.sum(axis=0),
            "tot_sq": (tot * tot).sum(axis=0),
            "net_sum": int(net.sum()),
            "net_sq": int((net * net).sum()),
            "tot_hist": [_hist(tot[:, i]) for i in range(tot.shape[1])],
            "net_hist": _hist(net),
            "grid_hist": [
                [_hist(cum[:, g, i]) for i in range(cum.shape[2])]
                for g in range(cum.shape[1])
            ],
            "n_at_least_k": (early >= k_thr).sum(axis=0),
            "n_net_at_least_k": int((early_net >= k_thr).sum()),
            "n_cycle": int((scal[:, 1] > task["cycle_days"]).sum()),
            "cycle_sum": float(scal[:, 1].sum()),
            "quiet_hist": _hist(np.floor(q[~np.isnan(q)] / QUIET_RES).astype(np.int64)),
            "n_quiet_censored": int(np.isnan(q).sum()),
            "n_events": int(scal[:, 0].sum()),
            "n_truncated": int(scal[:, 3].sum()),
        }
        if first_tot is None:
            first_tot = (tot, net)
        d_tot = tot - first_tot[0]
        d_net = net - first_tot[1]
        rec["diff_sum"] = d_tot.sum(axis=0)
        rec["diff_sq"] = (d_tot * d_tot).sum(axis=0)
        rec["dnet_sum"] = int(d_net.sum())
        rec["dnet_sq"] = int((d_net * d_net).sum())
        out["policies"].append(rec)
    return out


def _add_hist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size < b.size:
        a, b = b, a
    out = a.copy()
    out[: b.size] += b
    return out


def _merge(acc: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if acc is None:
        return new
    for pa, pb in zip(acc["policies"], new["policies"], strict=True):
        for k, v in pb.items():
            if k in ("tot_hist",):
                pa[k] = [_add_hist(x, y) for x, y in zip(pa[k], v, strict=True)]
            elif k == "grid_hist":
                pa[k] = [
                    [_add_hist(x, y) for x, y in zip(ra, rb, strict=True)]
                    for ra, rb in zip(pa[k], v, strict=True)
                ]
            elif k in ("net_hist", "quiet_hist"):
                pa[k] = _add_hist(pa[k], v)
            else:
                pa[k] = pa[k] + v
    return acc


def _parameter_draws(
    scenario: Scenario, n_draws: int, seed: int, uncertainty: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Baseline, adjacency and decay per parameter draw (asymptotic normal or
    bootstrap rows of the saved fit); draws that leave the model's domain are
    clipped (negative) or redrawn (explosive under a policy) and counted."""
    d = len(scenario.nodes)
    info: dict[str, Any] = {
        "uncertainty": uncertainty,
        "n_draws": n_draws,
        "n_clipped": 0,
        "n_redrawn": 0,
    }
    mu = np.broadcast_to(scenario.baseline, (n_draws, d)).copy()
    adj = np.broadcast_to(scenario.adjacency, (n_draws, d, d)).copy()
    beta = np.full(n_draws, scenario.decay)
    if uncertainty == "none":
        return mu, adj, beta, info
    fit = scenario.fit
    if fit is None:
        raise DataError(
            f"uncertainty={uncertainty!r} needs a fitted model ('model: fitted: "
            f"result.json' in {scenario.source}); use uncertainty='none' for "
            "given parameters."
        )
    params = fit.params
    if uncertainty == "bootstrap":
        if fit.bootstrap_draws is None or len(fit.bootstrap_draws) == 0:
            raise DataError(
                "uncertainty='bootstrap' needs a FitResult with bootstrap_draws "
                "(run model.bootstrap(...) before saving); or use 'asymptotic'."
            )
        boot = fit.bootstrap_draws
    else:
        free = [
            n
            for n in params.index
            if np.isfinite(fit.cov_params.loc[n, n]) and fit.cov_params.loc[n, n] > 0
        ]
        cov = fit.cov_params.loc[free, free].to_numpy(dtype=float)
        if not np.all(np.isfinite(cov)):
            raise DataError(
                "The fit's covariance has NaN entries (Hessian not invertible): "
                "parameter uncertainty is not estimable. Use uncertainty='none' "
                "or 'bootstrap'."
            )
    for k in range(n_draws):
        g = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, k)))
        for attempt in range(101):
            p = params.copy()
            if uncertainty == "bootstrap":
                row = boot.iloc[int(g.integers(len(boot)))]
                p.loc[row.index] = row.to_numpy(dtype=float)
            else:
                p.loc[free] = g.multivariate_normal(params[free].to_numpy(), cov)
            # Negative values leave the model's domain only where the link
            # needs them non-negative: everything under identity, the
            # baseline under relu, the decay always.
            names = p.index.str
            may_be_negative = (
                names.startswith("alpha[") & (scenario.link != "identity")
            ) | (names.startswith("mu[") & (scenario.link == "softplus"))
            neg = (p.to_numpy() < 0) & ~np.asarray(may_be_negative)
            if neg.any():
                info["n_clipped"] += 1
                p[neg] = 0.0
            _, m, a, dec = params_to_arrays(p)
            try:
                check_stable(scenario, a)
            except DataError:
                info["n_redrawn"] += 1
                if attempt == 100:
                    raise DataError(
                        "100 successive parameter draws were explosive under a "
                        "policy: the fit's uncertainty reaches the unstable "
                        "region. Use uncertainty='none'."
                    ) from None
                continue
            mu[k], adj[k] = m, a
            beta[k] = scenario.decay if dec is None else dec
            break
    return mu, adj, beta, info


def _outside_notes(records: list[dict[str, Any]]) -> list[str]:
    """One note per published point outside its band, with the rates it
    implies against its neighbours (the published numbers only)."""
    import datetime as dt

    notes = []
    for k, r in enumerate(records):
        if r["inside_band"]:
            continue
        text = (
            f"published {r['date']} = {r['published']:g} lies outside the fitted "
            f"90% band [{r['fitted_lower']:g}, {r['fitted_upper']:g}] (weight "
            f"{r['weight']:g}: {r['weight_reason']})"
        )
        rates = []
        for other, word in ((k - 1, "since"), (k + 1, "until")):
            if 0 <= other < len(records):
                o = records[other]
                days = abs(
                    (
                        dt.date.fromisoformat(r["date"])
                        - dt.date.fromisoformat(o["date"])
                    ).days
                )
                if days:
                    rate = abs(r["published"] - o["published"]) / days
                    rates.append(
                        f"{rate:.1f} attacks/day {word} {o['published']:g} on "
                        f"{o['date']}"
                    )
        if rates:
            text += "; it implies " + " and ".join(rates)
        notes.append(text + ".")
    return notes


def _posterior_draws(
    scenario: Scenario, cal: Any, n_draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """One accepted ABC draw per parameter draw; draws explosive under a
    policy are redrawn and counted."""
    d = len(scenario.nodes)
    mu = np.empty((n_draws, d))
    adj = np.empty((n_draws, d, d))
    beta = np.empty(n_draws)
    info: dict[str, Any] = {
        "uncertainty": "abc-posterior",
        "n_draws": n_draws,
        "n_clipped": 0,
        "n_redrawn": 0,
    }
    k_acc = cal.mu.shape[0]
    for k in range(n_draws):
        g = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, k)))
        for _ in range(1000):
            i = int(g.integers(k_acc))
            try:
                check_stable(scenario, cal.adj[i])
            except DataError:
                info["n_redrawn"] += 1
                continue
            mu[k], adj[k], beta[k] = cal.mu[i], cal.adj[i], cal.beta[i]
            break
        else:
            raise DataError(
                "The calibrated posterior is explosive under a policy for nearly "
                "every draw; lower the policy's probability or strikes."
            )
    return mu, adj, beta, info


def run(
    scenario: Scenario,
    *,
    runs: int = 1000,
    rng: int | np.random.Generator | None = None,
    workers: int = 1,
    scheduler: str | Any | None = None,
    uncertainty: str = "none",
    runs_per_draw: int = 10,
    bin_days: float = 1.0,
    max_events: int = 1_000_000,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate every policy of ``scenario`` ``runs`` times.

    Parameters
    ----------
    scenario : Scenario
    runs : int, default 1000
        Runs per policy (the same runs for every policy).
    rng : int, numpy.random.Generator or None
        Seed; a generator or ``None`` draws one (recorded in the result).
    workers : int, default 1
        Local processes (``concurrent.futures.ProcessPoolExecutor``).
    scheduler : str or dask.distributed.Client, optional
        Address of a Dask scheduler (``tcp://host:8786``) or a client; the
        chunks then run on the Dask cluster.
    uncertainty : {"none", "asymptotic", "bootstrap"}, default "none"
        Parameter uncertainty of a fitted model: draws from the asymptotic
        normal (``cov_params``) or the bootstrap rows, ``runs_per_draw`` runs
        per draw.
    bin_days : float, default 1
        Width of the time bins of the count curves.
    max_events : int, default 1_000_000
        Per-run guard; truncated runs are counted in the result.
    progress : callable(done, total), optional

    A scenario with a ``calibration`` block is first calibrated to its
    published counts; its runs then draw their parameters from the accepted
    ABC draws (``uncertainty`` is not used), and the result carries the
    ``calibration`` records.

    Returns
    -------
    SimulationResult

    Raises
    ------
    DataError
        An explosive policy (spectral radius >= 1), with the parameter to change.

    Examples
    --------
    >>> from titfortat.simulate import Scenario
    >>> sc = Scenario.from_dict({"name": "toy", "horizon_days": 30,
    ...     "model": {"nodes": ["attack", "strike"], "baseline": [0.5, 0.0],
    ...               "adjacency": [[0.2, 0.1], [0.0, 0.0]], "decay": 1.0},
    ...     "policies": {"none": {}, "tit": {"trigger": "attack",
    ...         "response": "strike", "probability": 0.5, "lag_days": [1, 2]}}})
    >>> res = run(sc, runs=200, rng=1)
    >>> res.results()[["policy", "node"]].values.tolist()[:2]
    [['none', 'attack'], ['none', 'strike']]
    """
    if not isinstance(runs, int) or runs < 2:
        raise ValueError(f"runs must be an integer >= 2. Got {runs!r}.")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1. Got {workers!r}.")
    if uncertainty not in ("none", "asymptotic", "bootstrap"):
        raise ValueError(
            "uncertainty must be 'none', 'asymptotic' or 'bootstrap'. Got "
            f"{uncertainty!r}."
        )
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        seed = int(rng)
    else:
        seed = int(as_generator(rng).integers(2**63 - 1))
    extra: dict[str, Any] = {}
    if scenario.calibration is not None:
        # Calibrated scenario: parameters are the ABC posterior's draws.
        from titfortat.simulate._case import calibrate

        cal = calibrate(scenario, seed, progress=progress)
        scenario = dataclasses.replace(
            scenario,
            baseline=np.median(cal.mu, axis=0),
            adjacency=np.median(cal.adj, axis=0),
        )
        n_draws = math.ceil(runs / runs_per_draw)
        mu_d, adj_d, beta_d, draw_info = _posterior_draws(scenario, cal, n_draws, seed)
        extra = {
            "calibration": cal.records,
            "posterior": cal.posterior,
            "identification": cal.identification,
            "calibration_notes": _outside_notes(cal.records),
            "abc": {
                "n_prior": cal.n_prior,
                "n_accepted": cal.n_accepted,
                "method": "ABC rejection on cumulative counts",
            },
        }
    else:
        n_draws = 1 if uncertainty == "none" else math.ceil(runs / runs_per_draw)
        mu_d, adj_d, beta_d, draw_info = _parameter_draws(
            scenario, n_draws, seed, uncertainty
        )
    radii = check_stable(scenario)
    horizon = scenario.horizon_days
    nb = max(1, math.ceil(horizon / bin_days))
    edges = np.minimum(np.arange(nb + 1) * bin_days, horizon).astype(float)
    grid_idx = np.unique(
        np.linspace(0, nb - 1, min(GRID_POINTS, nb)).round().astype(np.int64)
    )
    plans = [_policy_plan(scenario, p) for p in scenario.policies]
    network = np.array(
        [k for k, n in enumerate(scenario.nodes) if n not in scenario.state_nodes],
        dtype=np.int64,
    )
    tasks = []
    for start in range(0, runs, CHUNK_RUNS):
        stop = min(runs, start + CHUNK_RUNS)
        di = (
            np.arange(start, stop) // runs_per_draw
            if n_draws > 1
            else np.zeros(stop - start, dtype=np.int64)
        )
        tasks.append(
            {
                "seed": seed,
                "start": start,
                "stop": stop,
                "plans": plans,
                # Only the draws this chunk uses travel with it (a 10^7-run
                # study on Dask must not ship every draw to every task).
                "mu": mu_d[di[0] : di[-1] + 1],
                "adj": adj_d[di[0] : di[-1] + 1],
                "beta": beta_d[di[0] : di[-1] + 1],
                "draw_idx": di - di[0],
                "end_time": horizon,
                "start_time": -scenario.history_days,
                "bin_edges": edges,
                "grid_idx": grid_idx,
                "quiet_days": scenario.quiet_days,
                "max_events": max_events,
                "count_threshold": scenario.count_threshold,
                "cycle_days": scenario.cycle_days,
                "network": network,
            }
        )
    acc = None
    done = 0
    for part in _execute(tasks, workers, scheduler):
        acc = _merge(acc, part)
        done += part["policies"][0]["n"]
        if progress is not None:
            progress(done, runs)
    assert acc is not None
    return SimulationResult.from_stats(
        scenario=scenario,
        stats=acc,
        n_sims=runs,
        rng_seed=seed,
        spectral_radius=radii,
        bin_edges=edges,
        grid_idx=grid_idx,
        draw_info=draw_info,
        quiet_res=QUIET_RES,
        extra=extra,
    )


def _execute(tasks: Sequence[dict[str, Any]], workers: int, scheduler: Any):  # type: ignore[no-untyped-def]
    """Yield chunk summaries in task order on the chosen backend."""
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError as err:  # pragma: no cover - depends on the install
            from titfortat.exceptions import OptionalDependencyError

            raise OptionalDependencyError(
                "--scheduler needs dask.distributed: pip install 'titfortat[dask]'."
            ) from err
        own = not isinstance(scheduler, Client)
        client = Client(scheduler) if own else scheduler
        try:
            futures = client.map(_run_chunk, tasks, pure=False)
            # Gather in task order: the merge order, hence the floating sums,
            # does not depend on which worker finishes first. Each future is
            # dropped once merged, so the cluster frees its result.
            for k in range(len(futures)):
                part = futures[k].result()
                futures[k] = None
                yield part
        finally:
            if own:
                client.close()
        return
    if workers == 1:
        for t in tasks:
            yield _run_chunk(t)
        return
    import multiprocessing as mp
    import sys
    import threading

    # fork shares the compiled kernel with the workers (spawn re-imports and
    # reloads it: seconds per worker); it is unsafe once other Python threads
    # exist (a Dask client, a GUI), so spawn is used then.
    method = (
        "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
    )
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=mp.get_context(method)
    ) as ex:
        yield from ex.map(_run_chunk, tasks)
