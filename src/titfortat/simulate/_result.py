"""``SimulationResult``: per-policy counts, probabilities and paired comparisons."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SimulationResult", "hist_quantile"]


def hist_quantile(hist: np.ndarray, q: float) -> float:
    """Quantile ``q`` of the integers whose counts are ``hist`` (the smallest
    value with CDF >= q, as ``numpy.quantile(..., method="inverted_cdf")``).

    Examples
    --------
    >>> hist_quantile(np.array([1, 2, 1]), 0.5)
    1.0
    """
    c = np.cumsum(hist)
    if c[-1] == 0:
        return float("nan")
    return float(np.searchsorted(c, q * c[-1] - 1e-9 * c[-1], side="left"))


def _se(s: float, sq: float, n: int) -> tuple[float, float]:
    mean = s / n
    var = max(sq / n - mean * mean, 0.0) * n / (n - 1)
    return mean, math.sqrt(var / n)


@dataclasses.dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo result of one scenario: every policy on the same runs.

    Attributes
    ----------
    scenario : dict
        The scenario as simulated (:meth:`Scenario.to_dict`).
    n_sims : int
        Runs per policy. ``rng_seed`` reproduces them exactly.
    rng_seed : int
    spectral_radius : dict
        Radius of each policy's effective branching matrix (an upper bound
        when capacities or windows lower the rates).
    stats : dict
        Mergeable sums and exact histograms behind every table.
    notes : list of str
        What was assumed, clipped or truncated.

    Methods give DataFrames: :meth:`results` (counts over the horizon per
    policy and node with MC standard errors and quantiles), :meth:`policies`
    (probabilities, quiescence), :meth:`comparison` (paired differences
    against the first policy beside the unpaired standard error),
    :meth:`curves` (fan-chart data).

    Examples
    --------
    >>> from titfortat.simulate import Scenario, run
    >>> sc = Scenario.from_dict({"name": "toy", "horizon_days": 30,
    ...     "model": {"nodes": ["attack", "strike"], "baseline": [0.5, 0.0],
    ...               "adjacency": [[0.2, 0.3], [0.0, 0.0]], "decay": 1.0},
    ...     "policies": {"none": {}, "tit": {"trigger": "attack",
    ...         "response": "strike", "probability": 0.5, "lag_days": [1, 2]}}})
    >>> res = run(sc, runs=300, rng=0)
    >>> list(res.comparison().columns)
    ['policy', 'versus', 'node', 'difference', 'paired_se', 'unpaired_se', 'se_ratio']
    >>> sorted(res.to_dict())[:4]
    ['comparison', 'curves', 'n_sims', 'notes']
    """

    scenario: dict[str, Any]
    n_sims: int
    rng_seed: int
    spectral_radius: dict[str, float]
    stats: dict[str, Any]
    bin_edges: np.ndarray
    grid_idx: np.ndarray
    draw_info: dict[str, Any]
    quiet_res: float
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_stats(
        cls, *, scenario: Any, stats: dict[str, Any], **kw: Any
    ) -> SimulationResult:
        notes = []
        for pol, st in zip(scenario.policies, stats["policies"], strict=True):
            if st["n_truncated"]:
                notes.append(
                    f"policy {pol.name!r}: {st['n_truncated']} run(s) stopped at "
                    "max_events; their counts are lower bounds."
                )
        if scenario.link != "identity":
            notes.append(
                f"link {scenario.link!r}: simulated by thinning, which has no "
                "genealogy, so P(cycle) and chain lengths are not defined (NaN); "
                "spectral radii use the positive parts of the adjacency (an "
                "upper bound of the excitation)."
            )
        di = kw["draw_info"]
        if di.get("n_clipped") or di.get("n_redrawn"):
            notes.append(
                f"parameter draws: {di['n_clipped']} clipped at 0, "
                f"{di['n_redrawn']} explosive draws redrawn (of {di['n_draws']})."
            )
        return cls(scenario=scenario.to_dict(), stats=stats, notes=tuple(notes), **kw)

    # ----------------------------------------------------------- tables
    @property
    def policy_names(self) -> list[str]:
        return [p["name"] for p in self.scenario["policies"]]

    @property
    def nodes(self) -> list[str]:
        return list(self.scenario["nodes"])

    def results(self) -> pd.DataFrame:
        """Counts over the horizon: ``policy, node, mean_count, mc_se, q05,
        q50, q95, p_at_least_k`` (``k`` events of the node within the first
        ``days`` of the count threshold) and ``p_at_least_k_se``."""
        n = self.n_sims
        rows = []
        for pname, st in zip(self.policy_names, self.stats["policies"], strict=True):
            for i, node in enumerate(self.nodes):
                m, se = _se(float(st["tot_sum"][i]), float(st["tot_sq"][i]), n)
                p = float(st["n_at_least_k"][i]) / n
                rows.append(self._row(pname, node, m, se, st["tot_hist"][i], p, n))
            m, se = _se(float(st["net_sum"]), float(st["net_sq"]), n)
            p = st["n_net_at_least_k"] / n
            rows.append(self._row(pname, "network", m, se, st["net_hist"], p, n))
        out = pd.DataFrame(rows)
        k, days = self.scenario.get("count_threshold", (10, 30))
        out.attrs["count_threshold"] = {"k": k, "days": days}
        return out

    @staticmethod
    def _row(
        policy: str, node: str, m: float, se: float, hist: np.ndarray, p: float, n: int
    ) -> dict[str, Any]:
        return {
            "policy": policy,
            "node": node,
            "mean_count": m,
            "mc_se": se,
            "q05": hist_quantile(hist, 0.05),
            "q50": hist_quantile(hist, 0.50),
            "q95": hist_quantile(hist, 0.95),
            "p_at_least_k": p,
            "p_at_least_k_se": math.sqrt(p * (1 - p) / n),
        }

    def policies(self) -> pd.DataFrame:
        """Per policy: spectral radius, P(tit-for-tat chain longer than
        ``cycle_days``), mean longest chain, median days to quiescence (no
        event for ``quiet_days``; runs that never go quiet are censored and
        counted), events simulated and truncated runs."""
        n = self.n_sims
        rows = []
        for pname, st in zip(self.policy_names, self.stats["policies"], strict=True):
            pc = st["n_cycle"] / n
            qh = st["quiet_hist"]
            n_q = int(qh.sum())
            # The median over all runs, censored ones counted as beyond the
            # horizon: defined while fewer than half are censored.
            med = (
                hist_quantile(np.append(qh, st["n_quiet_censored"]), 0.5)
                * self.quiet_res
                if n_q >= n / 2
                else float("nan")
            )
            if self.scenario.get("link", "identity") != "identity":
                # No genealogy under a nonlinear link: chains are undefined.
                pc = float("nan")
            rows.append(
                {
                    "policy": pname,
                    "spectral_radius": self.spectral_radius[pname],
                    "p_cycle": pc,
                    "p_cycle_se": math.sqrt(pc * (1 - pc) / n),
                    "mean_longest_chain_days": st["cycle_sum"] / n
                    if pc == pc
                    else float("nan"),
                    "median_days_to_quiescence": med,
                    "share_never_quiet": st["n_quiet_censored"] / n,
                    "n_events": st["n_events"],
                    "n_truncated": st["n_truncated"],
                }
            )
        return pd.DataFrame(rows)

    def comparison(self) -> pd.DataFrame:
        """Difference of each policy's mean count from the first policy's,
        on the same runs (paired), with its MC error beside the error the
        same number of independent runs would give (unpaired).

        Pairing removes the variance the two policies share (background
        events, the parameter draw). Where a policy's own cascades dominate
        the variance of its counts, as for strikes whose effect is barely
        identified (the 2023-24 case), ``se_ratio`` is near 1: there is
        little shared variance to remove.
        """
        n = self.n_sims
        base = self.stats["policies"][0]
        rows = []
        names = self.policy_names
        for pname, st in zip(names[1:], self.stats["policies"][1:], strict=True):
            for i, node in enumerate([*self.nodes, "network"]):
                if node == "network":
                    ds, dq = float(st["dnet_sum"]), float(st["dnet_sq"])
                    _, se_a = _se(float(st["net_sum"]), float(st["net_sq"]), n)
                    _, se_b = _se(float(base["net_sum"]), float(base["net_sq"]), n)
                else:
                    ds, dq = float(st["diff_sum"][i]), float(st["diff_sq"][i])
                    _, se_a = _se(float(st["tot_sum"][i]), float(st["tot_sq"][i]), n)
                    _, se_b = _se(
                        float(base["tot_sum"][i]), float(base["tot_sq"][i]), n
                    )
                diff, se_paired = _se(ds, dq, n)
                se_unpaired = math.sqrt(se_a**2 + se_b**2)
                rows.append(
                    {
                        "policy": pname,
                        "versus": names[0],
                        "node": node,
                        "difference": diff,
                        "paired_se": se_paired,
                        "unpaired_se": se_unpaired,
                        "se_ratio": se_paired / se_unpaired
                        if se_unpaired > 0
                        else float("nan"),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "policy",
                "versus",
                "node",
                "difference",
                "paired_se",
                "unpaired_se",
                "se_ratio",
            ],
        )

    def curves(self) -> pd.DataFrame:
        """Fan-chart data: per policy, node and bin, the mean count in the bin
        with its MC error, and quantiles of the cumulative count at the grid
        points (NaN between them)."""
        n = self.n_sims
        rows = []
        ends = self.bin_edges[1:]
        for pname, st in zip(self.policy_names, self.stats["policies"], strict=True):
            gq = {int(g): st["grid_hist"][k] for k, g in enumerate(self.grid_idx)}
            cum = np.cumsum(st["bin_sum"], axis=0) / n
            for b, day in enumerate(ends):
                for i, node in enumerate(self.nodes):
                    m, se = _se(
                        float(st["bin_sum"][b, i]), float(st["bin_sq"][b, i]), n
                    )
                    h = gq.get(b)
                    rows.append(
                        {
                            "policy": pname,
                            "node": node,
                            "day": float(day),
                            "mean": m,
                            "mc_se": se,
                            "mean_cumulative": float(cum[b, i]),
                            "q05": hist_quantile(h[i], 0.05) if h else float("nan"),
                            "q50": hist_quantile(h[i], 0.5) if h else float("nan"),
                            "q95": hist_quantile(h[i], 0.95) if h else float("nan"),
                        }
                    )
        return pd.DataFrame(rows)

    def quantiles(self, q: float | list[float]) -> pd.DataFrame:
        """Quantiles of the horizon counts per policy and node (exact)."""
        qs = [q] if isinstance(q, float | int) else list(q)
        rows = []
        for pname, st in zip(self.policy_names, self.stats["policies"], strict=True):
            for i, node in enumerate(self.nodes):
                rows.append(
                    {
                        "policy": pname,
                        "node": node,
                        **{f"q{v:g}": hist_quantile(st["tot_hist"][i], v) for v in qs},
                    }
                )
        return pd.DataFrame(rows)

    def interval(self, alpha: float = 0.1) -> pd.DataFrame:
        """Central ``1 - alpha`` interval of the horizon counts."""
        t = self.quantiles([alpha / 2, 1 - alpha / 2])
        t.columns = ["policy", "node", "lower", "upper"]
        return t

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready output (the ``--format json`` object)."""

        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {
                    k: (
                        None
                        if isinstance(v, float) and math.isnan(v)
                        else (v.item() if hasattr(v, "item") else v)
                    )
                    for k, v in r.items()
                }
                for r in df.to_dict(orient="records")
            ]

        curves = self.curves()
        curves = curves[curves["q50"].notna()]
        return {
            "scenario": self.scenario,
            "n_sims": self.n_sims,
            "rng_seed": self.rng_seed,
            "parameter_draws": self.draw_info,
            "results": recs(self.results()),
            "policies": recs(self.policies()),
            "comparison": recs(self.comparison()),
            "curves": recs(curves),
            "notes": list(self.notes),
            **self.extra,
        }

    def __str__(self) -> str:
        res = self.results()
        cmp_ = self.comparison()
        lines = [
            f"Scenario {self.scenario['name']!r}: {self.n_sims:,} runs per policy "
            f"(seed {self.rng_seed}), horizon {self.scenario['horizon_days']:g} days",
            res.round(3).to_string(index=False),
            "",
            self.policies().round(3).to_string(index=False),
        ]
        if len(cmp_):
            lines += ["", cmp_.round(3).to_string(index=False)]
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"note: {n}" for n in self.extra.get("calibration_notes", [])]
        if "identification" in self.extra:
            lines.append(f"identification: {self.extra['identification']}")
        return "\n".join(lines)
