"""A seed gives bit-identical JSON with 1 or 2 processes and on Dask."""

from __future__ import annotations

import json

import numpy as np
import pytest

from titfortat.simulate import Scenario, run
from titfortat.simulate._run import CHUNK_RUNS, run_keys


@pytest.fixture(scope="module")
def scenario():
    return Scenario.from_dict(
        {
            "name": "t",
            "horizon_days": 30,
            "model": {
                "nodes": ["a", "strike"],
                "baseline": [0.5, 0.05],
                "adjacency": [[0.3, 0.2], [0.1, 0.0]],
                "decay": 1.0,
            },
            "policies": {
                "none": {},
                "tit": {
                    "trigger": "a",
                    "response": "strike",
                    "probability": 0.4,
                    "lag_days": [1, 3],
                    "strikes": 2,
                },
            },
        }
    )


RUNS = 2 * CHUNK_RUNS + 37  # three chunks, the last one short


@pytest.fixture(scope="module")
def serial(scenario):
    return json.dumps(run(scenario, runs=RUNS, rng=42).to_dict())


def test_run_keys_are_seedsequence_spawn():
    kids = np.random.SeedSequence(9).spawn(2)[0].spawn(5)
    want = [k.generate_state(1, np.uint64)[0] for k in kids]
    assert run_keys(9, 0, 5).tolist() == [int(w) for w in want]
    assert run_keys(9, 3, 5).tolist() == [int(w) for w in want[3:]]


def test_two_processes_give_identical_json(scenario, serial):
    assert json.dumps(run(scenario, runs=RUNS, rng=42, workers=2).to_dict()) == serial


def test_another_seed_differs(scenario, serial):
    assert json.dumps(run(scenario, runs=RUNS, rng=43).to_dict()) != serial


def test_dask_local_cluster_gives_identical_json(scenario, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        out = run(scenario, runs=RUNS, rng=42, scheduler=cluster.scheduler_address)
    assert json.dumps(out.to_dict()) == serial
