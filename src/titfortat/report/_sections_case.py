"""Report sections that need attribution and the policy simulator.

Each section first checks that the capability exists in this build
(``titfortat.attribution``, ``titfortat.simulate``); where it does not, the
section says "not available in this build" and shows no numbers. The
published 2023-24 counts are bundled data and are always shown.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import pandas as pd

from titfortat.report._html import (
    MethodRow,
    Section,
    join_names,
    new_figure,
    unavailable,
)

__all__ = ["attribution_section", "outlook_section", "published_counts"]


def _capability(module: str, *names: str) -> Any | None:
    """The module if it exports every name in ``names``, else ``None``."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return mod if all(hasattr(mod, n) for n in names) else None


def attribution_section(*, n_events: int = 1200, rng: int = 0) -> Section:
    """Who did it: attribution of banner claims to member factions."""
    s = Section.titled("attribution")
    s.paragraphs.append(
        "An attack claimed under the umbrella banner (Islamic Resistance in "
        "Iraq) hides which member faction carried it out. This section "
        "evaluates a model that gives each faction a probability, checks that "
        "its probabilities are calibrated (reliability diagram), and shows the "
        "posteriors of the most recent banner claims."
    )
    mod = _capability(
        "titfortat.attribution", "BannerAttribution", "BannerAttackSimulator"
    )
    if mod is None:
        return unavailable(
            s,
            "the attribution of banner claims",
            "titfortat.attribution.BannerAttribution",
        )
    _fill_attribution(s, mod, n_events=n_events, rng=rng)
    return s


def _wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return float(lo), float(hi)


def _fill_attribution(s: Section, mod: Any, *, n_events: int, rng: int) -> None:
    """Fit, evaluate and show BannerAttribution on simulated banner attacks."""
    sim = mod.BannerAttackSimulator(n_events=n_events, rng=rng).run()
    ev = sim.events
    cut = ev["date"].quantile(0.7)
    train, test = ev[ev["date"] < cut], ev[ev["date"] >= cut]
    model = mod.BannerAttribution(network=sim.network).fit(train)
    s.data_spans.append(
        ("SIMULATED banner attacks", ev["date"].min(), ev["date"].max())
    )
    # The baselines include a random forest, which needs scikit-learn (an
    # optional dependency); without it the model is evaluated alone.
    has_sklearn = importlib.util.find_spec("sklearn") is not None
    evaluation = model.evaluate(
        test,
        truth=sim.truth.loc[test.index],
        baselines=has_sklearn,
        data_label="simulated banner attacks",
    )
    if not has_sklearn:
        s.caveats.append(
            "Baselines (base rates, majority, random forest) not shown: they "
            "need scikit-learn (pip install scikit-learn)."
        )
    s.paragraphs.append(
        "SIMULATED DATA. No real event data with the true author of banner "
        "claims is bundled, so this section runs the model on attacks drawn by "
        f"titfortat's banner-attack simulator ({n_events:,} events, seed {rng}; "
        "source 'simulated'), whose true authors and Bayes-optimal posterior "
        "are known. It shows how well the method can work, not who did any "
        f"real attack. Trained on the {evaluation.n_train:,} own-name claims "
        f"before {cut.date()}, tested on {evaluation.n_test:,} later events."
    )
    table = evaluation.table.copy()
    top1 = float(table.loc["model", "top1"])
    k = round(top1 * evaluation.n_test)
    lo, hi = _wilson(k, evaluation.n_test)
    bayes = sim.bayes_proba.loc[test.index]
    truth = sim.truth.loc[test.index].astype(str)
    known = truth.isin(bayes.columns)
    bayes_top1 = float(
        (bayes.loc[known].idxmax(axis=1).astype(str) == truth[known]).mean()
    )
    s.paragraphs.append(
        f"Top-1 accuracy {top1:.1%} (95% Wilson CI [{lo:.1%}, {hi:.1%}], "
        f"{evaluation.n_test:,} test events) against {bayes_top1:.1%} for the "
        "Bayes-optimal posterior of the simulator (no method can beat it) and "
        f"{float(table.loc['prior_only', 'top1']):.1%} for the base rates alone."
        if "prior_only" in table.index
        else f"Top-1 accuracy {top1:.1%} (95% Wilson CI [{lo:.1%}, {hi:.1%}])."
    )
    s.summary.append(
        f"On SIMULATED banner claims the attribution model names the right "
        f"faction {top1:.0%} of the time (95% CI [{lo:.0%}, {hi:.0%}]; "
        f"Bayes-optimal {bayes_top1:.0%})."
    )
    s.add_table(
        table.rename_axis("forecaster"),
        f"Evaluation on {evaluation.n_test:,} simulated test events (sets at "
        f"level {evaluation.level:g}); lower log loss, Brier and ECE are better",
        index=True,
    )
    if evaluation.comparison is not None:
        c = evaluation.comparison
        s.add_table(
            c.rename_axis("baseline"),
            "Model minus each baseline (negative: the model scores better), 95% "
            f"intervals clustered by test week ({c.attrs.get('n_clusters', 0)} "
            "weeks), with a verdict per score",
            index=True,
        )
    cov = float(table.loc["model", "set_coverage"])
    c_lo, c_hi = _wilson(round(cov * evaluation.n_test), evaluation.n_test)
    s.methods.append(
        MethodRow(
            s.title,
            "top-1 accuracy (simulated)",
            f"{top1:.3f}",
            "BannerAttribution on a later test period; Wilson interval",
            f"95% CI [{lo:.3f}, {hi:.3f}]",
        )
    )
    s.methods.append(
        MethodRow(
            s.title,
            f"coverage of the {evaluation.level:g} conformal sets (simulated)",
            f"{cov:.3f}",
            "split-conformal (LAC) sets; Wilson interval",
            f"95% CI [{c_lo:.3f}, {c_hi:.3f}]",
        )
    )
    rel = evaluation.reliability(10)
    figure, ax = new_figure(5.2, 4.6)
    _plot_reliability(rel, ax)
    s.add_figure(
        figure,
        "Reliability diagram of the attribution model",
        "Reliability diagram (simulated test events): accuracy of the top "
        "faction against the model's confidence, with 95% Wilson intervals; "
        "on the diagonal the probabilities mean what they say.",
    )
    banner = test[test["banner_id"].astype("string") == str(sim.banner_id)]
    recent = banner.sort_values("date").tail(8)
    if len(recent):
        proba = model.predict_proba(recent)
        sets = model.predict_sets(recent)
        figure, ax = new_figure(8, 0.42 * len(recent) + 1.4)
        _plot_posteriors(proba, recent, ax)
        s.add_figure(
            figure,
            "Posterior probabilities of the most recent banner claims",
            f"Posteriors of the {len(recent)} most recent banner-claimed "
            "(simulated) attacks: the probability of each candidate faction.",
        )
        rows = pd.DataFrame(
            {
                "date": recent["date"].dt.date.astype(str).to_numpy(),
                "place": recent["admin1"].astype(str).to_numpy(),
                "weapon": recent["weapon"].astype(str).to_numpy(),
                "most likely": proba.idxmax(axis=1).to_numpy(),
                "probability": proba.max(axis=1).to_numpy(),
                f"{evaluation.level:.0%} set": [
                    ", ".join(c for c in sets.columns if row[c])
                    for _, row in sets.iterrows()
                ],
                "true (simulated)": sim.truth.loc[recent.index].astype(str).to_numpy(),
            }
        )
        s.add_table(rows, "Most recent banner claims (simulated)")
    s.caveats.extend(evaluation.notes)
    s.caveats.append(
        "All attribution numbers here are on simulated data (labelled "
        "'simulated'); on your own store run `titfortat attribute --store S`."
    )


def _plot_reliability(rel: pd.DataFrame, ax: Any) -> None:
    import numpy as np

    shown = rel[rel["n"] > 0]
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--", label="perfect calibration")
    bounds = np.array(
        [
            _wilson(round(a * n), int(n))
            for a, n in zip(shown["accuracy"], shown["n"], strict=True)
        ]
    )
    acc = shown["accuracy"].to_numpy(float)
    ax.errorbar(
        shown["mean_confidence"],
        acc,
        yerr=np.vstack([acc - bounds[:, 0], bounds[:, 1] - acc]),
        fmt="o",
        color="0.15",
        capsize=3,
        label="model (95% Wilson interval)",
    )
    for x, y, n in zip(shown["mean_confidence"], acc, shown["n"], strict=True):
        ax.annotate(
            f"n={int(n)}",
            (x, y),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize="x-small",
        )
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence in the top faction")
    ax.set_ylabel("share correct")
    ax.set_title("Reliability (simulated data)")
    ax.legend(loc="upper left", fontsize="small", frameon=False)


def _plot_posteriors(proba: pd.DataFrame, events: pd.DataFrame, ax: Any) -> None:
    import numpy as np

    labels = [
        f"{d.date()} {a}" for d, a in zip(events["date"], events["admin1"], strict=True)
    ]
    left = np.zeros(len(proba))
    hatches = ["", "//", "..", "xx", "\\\\", "++", "oo"]
    for k, col in enumerate(proba.columns):
        vals = proba[col].to_numpy(float)
        ax.barh(
            range(len(proba)),
            vals,
            left=left,
            color=f"C{k}",
            hatch=hatches[k % len(hatches)],
            edgecolor="white",
            label=str(col),
        )
        left += vals
    ax.set_yticks(range(len(proba)))
    ax.set_yticklabels(labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("posterior probability")
    ax.set_title("Who did it? Most recent banner claims (simulated)")
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False
    )


def published_counts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bundled published 2023-24 counts and US strike dates, with sources."""
    from titfortat.datasets import bundled_path

    counts = pd.read_csv(
        bundled_path("us_militia_pentagon_cumulative_counts.csv"),
        parse_dates=["as_of_date"],
    )
    strikes = pd.read_csv(
        bundled_path("us_militia_strikes_key_dates.csv"), parse_dates=["date"]
    )
    return counts, strikes


def outlook_section(*, runs: int = 200, rng: int = 0) -> Section:
    """What happens next: policy fan charts, comparison, the 2023-24 case."""
    s = Section.titled("outlook")
    counts, strikes = published_counts()
    s.data_spans.append(
        (
            "published 2023-24 counts",
            min(counts["as_of_date"].min(), strikes["date"].min()),
            counts["as_of_date"].max(),
        )
    )
    s.paragraphs.append(
        "The 2023-24 case: published cumulative counts of militia attacks on US "
        "forces in Iraq and Syria since 17 October 2023 (Pentagon, AP, Reuters "
        "and others; one source per row), with the dates of US strikes. These "
        "are the calibration targets of the policy simulator."
    )
    figure, ax = new_figure(8, 3.6)
    known = counts.dropna(subset=["cumulative_attacks"])
    ax.plot(
        known["as_of_date"],
        known["cumulative_attacks"],
        "o-",
        color="0.2",
        label="published cumulative attacks",
    )
    for i, day in enumerate(strikes["date"]):
        ax.axvline(
            day, color="#4c72b0", lw=0.9, ls="--", label="US strike" if i == 0 else None
        )
    ax.set_ylabel("attacks since 2023-10-17")
    ax.set_xlabel("date")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    ax.set_title("Attacks on US forces (published counts) and US strikes")
    s.add_figure(
        figure,
        "Published cumulative counts of attacks with US strike dates",
        "Published counts (points; figures disagree between outlets, see the "
        "notes) and US strike dates (dashed).",
    )
    s.add_table(
        counts[["as_of_date", "cumulative_attacks", "iraq", "syria", "source_url"]],
        "Published cumulative counts and their sources",
    )
    s.add_table(
        strikes[["date", "country", "description", "confidence"]],
        "US strikes, October 2023 - February 2024",
    )
    s.caveats.append(
        "Published counts are not an event-level data set: outlets give "
        "different figures for the same day (see each row's note), and the "
        "counts stop being updated in 2024."
    )
    mod = _capability("titfortat.simulate", "Scenario", "run", "bundled_scenarios")
    if mod is None:
        unavailable(
            s,
            "policy fan charts, the comparison table and the fit to these counts",
            "the policy simulator (titfortat.simulate.Scenario and run)",
        )
        return s
    _fill_outlook(s, mod, runs=runs, rng=rng)
    return s


def _fill_outlook(s: Section, mod: Any, *, runs: int, rng: int) -> None:
    """Simulate the bundled 2023-24 scenario under each policy and show it."""
    from titfortat.report.simulate import plot_calibration, plot_fan_chart

    scenario = mod.Scenario.load(mod.bundled_scenarios()["case-2023-24"])
    result = mod.run(scenario, runs=runs, rng=rng)
    d = result.to_dict()
    sc = d["scenario"]
    policies = result.policy_names
    if sc.get("start_date"):
        start = pd.Timestamp(sc["start_date"])
        s.data_spans.append(
            (
                "SIMULATED policy horizon",
                start,
                start + pd.Timedelta(days=float(sc["horizon_days"])),
            )
        )
    s.paragraphs.append(
        f"The bundled scenario {sc['name']!r}: a two-node Hawkes model (attacks "
        "on US forces, US strikes) whose background rate and cross effects are "
        "calibrated to the published counts above (ABC rejection), simulated "
        f"{result.n_sims:,} times from {sc.get('start_date')} over "
        f"{sc['horizon_days']:g} days under each response policy "
        f"({join_names(policies)}), all on the same random runs (seed "
        f"{result.rng_seed}). Policy differences are paired: the same runs, so "
        "their Monte Carlo error is small."
    )
    if d.get("calibration"):
        figure, ax = new_figure(7.5, 3.8)
        plot_calibration(d, ax=ax)
        ax.set_title("The 2023-24 case: published counts and the fitted model")
        s.add_figure(
            figure,
            "Fitted cumulative attacks against the published counts",
            "Calibration: fitted median and 90% band of cumulative attacks against "
            "the published counts (hollow: weak source).",
        )
        cal = pd.DataFrame(d["calibration"])
        keep = [
            c
            for c in (
                "date",
                "published",
                "fitted_median",
                "fitted_lower",
                "fitted_upper",
                "inside_band",
                "weight",
            )
            if c in cal
        ]
        s.add_table(cal[keep], "Published vs fitted cumulative counts (90% band)")
    for node in sc["nodes"]:
        figure, ax = new_figure(7.5, 4.0)
        plot_fan_chart(d, node, ax=ax)
        s.add_figure(
            figure,
            f"Fan chart of cumulative {node} events under each policy",
            f"Fan chart: cumulative {node} events after {sc.get('start_date')}, "
            "mean (line) and 90% band of the runs (shaded) for each policy.",
        )
    comparison = result.comparison()
    if len(comparison):
        cmp_ = comparison.copy()
        cmp_["ci_lower"] = cmp_["difference"] - 1.96 * cmp_["paired_se"]
        cmp_["ci_upper"] = cmp_["difference"] + 1.96 * cmp_["paired_se"]
        cols = [
            "policy",
            "versus",
            "node",
            "difference",
            "ci_lower",
            "ci_upper",
            "paired_se",
            "unpaired_se",
        ]
        s.add_table(
            cmp_[cols],
            f"Policy comparison: difference in mean events over the horizon "
            f"against {policies[0]!r}, with the 95% Monte Carlo interval",
        )
        attack = cmp_[cmp_["node"] == sc["nodes"][0]]
        if len(attack):
            lines = "; ".join(
                f"{r.policy}: {r.difference:+.0f} ({r.ci_lower:+.0f} to "
                f"{r.ci_upper:+.0f})"
                for r in attack.itertuples(index=False)
            )
            s.summary.append(
                f"2023-24 case over {sc['horizon_days']:g} days, {sc['nodes'][0]} "
                f"events against {policies[0]!r} (95% MC intervals): {lines}."
            )
        for row in cmp_.itertuples(index=False):
            s.methods.append(
                MethodRow(
                    s.title,
                    f"{row.policy} - {row.versus}: {row.node} events",
                    f"{row.difference:.4g}",
                    "paired Monte Carlo difference of the calibrated scenario; "
                    "normal interval from the paired MC SE",
                    f"95% CI [{row.ci_lower:.4g}, {row.ci_upper:.4g}]",
                )
            )
    s.add_table(result.results(), "Counts over the horizon per policy and node")
    s.add_table(
        result.policies(),
        "Per policy: spectral radius, tit-for-tat cycles, time to quiescence",
    )
    s.caveats.extend(d.get("notes", []))
    s.caveats.extend(d.get("calibration_notes", []))
    if d.get("identification"):
        s.caveats.append(f"identification: {d['identification']}")
    s.caveats.append(
        "Monte Carlo intervals measure simulation error only; the model's own "
        "uncertainty (posterior draws of the calibration) is inside the runs, "
        "and the capacity and resupply rates are assumptions, not estimates."
    )
