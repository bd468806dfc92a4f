"""Resolution precision and recall on a labelled list of public spellings.

The list (data/resolution_labels.csv) was written from public sources before
the resolver existed and must not be edited to suit it. Reproduce the figures:

    python -m pytest tests/actors/test_precision.py -q -s
"""

from __future__ import annotations

import csv
from pathlib import Path

from titfortat.actors import ActorNetwork

LABELS = Path(__file__).parent / "data" / "resolution_labels.csv"


def _measure() -> dict[str, float]:
    with LABELS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    resolver = ActorNetwork.load().resolver()
    tp = fp = fn = 0
    for row in rows:
        truth = None if row["truth"] == "none" else row["truth"]
        got = resolver.resolve(row["raw"]).actor_id
        if got is not None:
            tp += got == truth
            fp += got != truth
        if truth is not None and got != truth:
            fn += 1
    return {
        "n": len(rows),
        "n_positive": sum(r["truth"] != "none" for r in rows),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp),
        "recall": tp / (tp + fn),
    }


def test_labelled_list_is_large_enough() -> None:
    with LABELS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 100
    assert len({r["raw"] for r in rows}) == len(rows)
    assert all(r["source"].strip() for r in rows)
    assert sum(r["truth"] == "none" for r in rows) >= 25
    known = set(ActorNetwork.load().actors) | {"none"}
    assert {r["truth"] for r in rows} <= known


def test_precision_and_recall() -> None:
    m = _measure()
    print(
        f"\nresolution on {m['n']} labelled spellings ({m['n_positive']} with an "
        f"actor): precision {m['precision']:.3f}, recall {m['recall']:.3f} "
        f"(tp={m['tp']}, fp={m['fp']}, fn={m['fn']})"
    )
    assert m["precision"] >= 0.95  # a wrong match is worse than none
    assert m["recall"] >= 0.80  # regression floor, not a target
