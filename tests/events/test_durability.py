"""A kill mid-ingest leaves the store as it was; big files stream."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from titfortat.datasets.synthetic import write_synthetic_acled
from titfortat.events import EventStore

CHILD = textwrap.dedent("""
    import sys, time
    from titfortat.events import EventStore
    store_path, data, stop_at = sys.argv[1], sys.argv[2], sys.argv[3]

    def progress(stage, path, i, n):
        if stage == stop_at:
            print("REACHED", stage, flush=True)
            time.sleep(120)

    with EventStore(store_path) as st:
        st.ingest(data, format="acled", progress=progress)
    print("FINISHED", flush=True)
""")


def snapshot(path):
    with EventStore(path, read_only=True) as st:
        return (
            st.count(),
            st.fingerprint(),
            len(st.quarantine()),
            st.ingests()["n_inserted"].tolist(),
        )


@pytest.mark.parametrize("stop_at", ["staged", "inserted"])
def test_sigkill_mid_ingest_leaves_store_unchanged(tmp_path, fixtures, stop_at):
    store_path = tmp_path / "s.duckdb"
    with EventStore(store_path) as st:
        st.ingest(fixtures / "acled.csv", format="acled")
    before = snapshot(store_path)
    data = write_synthetic_acled(tmp_path / "big.csv", 50_000)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store_path), str(data), stop_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        line = child.stdout.readline()
        if not line.startswith("REACHED"):
            child.kill()
            pytest.fail(f"child did not reach {stop_at!r}: {child.stderr.read()}")
        # The child is inside the transaction: rows are staged (or inserted)
        # but not committed. Kill it without any chance to clean up.
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(store_path) == before
    # And the store still works.
    with EventStore(store_path) as st:
        assert st.ingest(fixtures / "acled_old.csv", format="acled").inserted == 2


def test_sigkill_at_a_random_moment_is_all_or_nothing(tmp_path, fixtures):
    """Killed at an arbitrary moment, an ingest is either absent or complete.

    The kill usually lands mid-ingest; if the child got as far as committing
    (it can still be running, closing the store), the whole file is there.
    Never a part of it.
    """
    store_path = tmp_path / "s.duckdb"
    with EventStore(store_path) as st:
        st.ingest(fixtures / "acled.csv", format="acled")
    before = snapshot(store_path)
    n = 400_000
    data = write_synthetic_acled(tmp_path / "big.csv", n)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store_path), str(data), "never"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as child:
        time.sleep(1.5)  # imports take ~0.5 s; the ingest takes ~2 s more
        child.kill()
        child.wait(timeout=30)
    after = snapshot(store_path)
    assert after[0] in {before[0], before[0] + n}
    if after[0] == before[0]:
        assert after == before
    else:
        assert after[3] == [*before[3], n]


def test_file_larger_than_the_memory_limit_streams(tmp_path):
    """A file ~4x DuckDB's memory limit ingests; peak RSS grows by far less.

    Runs in a subprocess so its peak resident memory is its own.
    """
    data = write_synthetic_acled(tmp_path / "big.csv", 800_000, notes_chars=300)
    size_mb = data.stat().st_size / 1e6
    script = textwrap.dedent("""
        import resource, sys
        from titfortat.events import EventStore
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with EventStore(sys.argv[1], memory_limit="128MB", threads=1) as st:
            rep = st.ingest(sys.argv[2], format="acled")
            n = st.count()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(rep.inserted, n, base, peak)
    """)
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "s.duckdb"), str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    inserted, n, base, peak = out.stdout.split()
    assert int(inserted) == int(n) == 800_000
    assert size_mb > 3 * 128
    # Loading the file whole would need more than its size on top of the
    # interpreter; streaming needs the memory limit plus buffers.
    assert float(peak) - float(base) < size_mb / 2, (peak, base, size_mb)


def test_source_rows_follow_the_file_in_a_large_parallel_read(tmp_path):
    """Row numbers stay in file order when DuckDB reads a file in parallel."""
    n = 300_000
    data = write_synthetic_acled(tmp_path / "big.csv", n, notes_chars=40)
    with EventStore(tmp_path / "s.duckdb") as st:
        st.ingest(data, format="acled")
        frame = st.query(columns=["source_event_id", "source_row"], as_="arrow")
    ids = frame.column("source_event_id").to_pylist()
    rows = frame.column("source_row").to_pylist()
    # Synthetic ids are SYN<row>: the id names the row it was written on.
    assert all(int(i[3:]) == r for i, r in zip(ids, rows, strict=True))
    assert sorted(rows) == list(range(1, n + 1))
