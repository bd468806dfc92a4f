"""`titfortat serve` in a real browser (Debian's chromium via pytest-playwright):
filters change the count and the chart, the CSV download holds the rows shown,
bad control values give a message in the page."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("shiny")
pytest.importorskip("pytest_playwright")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from titfortat.datasets import load_demo_store

    path = tmp_path_factory.mktemp("store") / "demo.duckdb"
    load_demo_store(path).close()
    return path


@pytest.fixture(scope="module")
def server(store_file: Path, tmp_path_factory: pytest.TempPathFactory):
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    cmd = [
        sys.executable,
        "-c",
        "from titfortat.cli import main; main()",
        "serve",
        "--store",
        str(store_file),
        "--port",
        str(port),
    ]
    env = {**os.environ, "COLUMNS": "200"}
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"titfortat serve exited: {log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"titfortat serve did not answer: {log.read_text()}")
                time.sleep(0.3)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _count(page) -> int:
    text = page.inner_text("#n_events")
    match = re.match(r"([\d,]+) events match", text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def test_serve_binds_loopback_and_says_so(server):
    _, log = server
    text = " ".join(log.read_text().split())
    assert "bound to 127.0.0.1" in text and "this machine only" in text
    assert "read-only" in text


def test_filter_updates_count_and_chart_download_and_bad_values(
    server, store_file, page, tmp_path
):
    from titfortat.events import EventStore

    url, _ = server
    with EventStore(store_file, read_only=True) as st:
        n_all, n_attacks = st.count(), st.count(event_type="attack")
    page.goto(url)
    page.wait_for_selector("#timeline img", timeout=30_000)
    assert _count(page) == n_all
    chart_before = page.get_attribute("#timeline img", "src")

    page.get_by_label("strike", exact=True).uncheck()
    page.wait_for_function(
        "n => !document.querySelector('#n_events').innerText.startsWith(n)",
        arg=f"{n_all:,}",
        timeout=30_000,
    )
    assert _count(page) == n_attacks
    page.wait_for_function(
        "src => { const i = document.querySelector('#timeline img');"
        " return i && i.getAttribute('src') !== src; }",
        arg=chart_before,
        timeout=30_000,
    )

    # Text typed into a filter is a bound parameter, never SQL: this matches
    # no actor, and the store still holds every event afterwards.
    page.fill("#actor", "x' OR 1=1; DROP TABLE events; --")
    page.wait_for_function(
        "() => document.querySelector('#n_events').innerText.startsWith('0 events')",
        timeout=30_000,
    )
    page.fill("#actor", "")
    page.wait_for_function(
        "n => document.querySelector('#n_events').innerText.startsWith(n)",
        arg=f"{n_attacks:,}",
        timeout=30_000,
    )

    page.get_by_role("tab", name="Events").click()
    page.wait_for_selector("#events_table table", timeout=30_000)
    with page.expect_download(timeout=30_000) as info:
        page.click("#download_events")
    csv = tmp_path / "events.csv"
    info.value.save_as(csv)
    frame = pd.read_csv(csv)
    assert len(frame) == n_attacks
    assert set(frame["event_type"]) == {"attack"}

    page.get_by_role("tab", name="Effect table").click()
    page.fill("#radius_km", "-5")
    page.click("#run_effects")
    page.get_by_text("Radius (km) must be a number from 0.1 to 500").first.wait_for(
        timeout=30_000
    )
    page.fill("#treatment", "colour=blue")
    page.fill("#radius_km", "10")
    page.click("#run_effects")
    page.get_by_text("Effect table:").first.wait_for(timeout=30_000)

    page.get_by_label("strike", exact=True).check()
    page.fill("#treatment", "event_type=strike")
    page.fill("#placebos", "300")
    page.click("#run_effects")
    page.wait_for_selector("#effects_table table", timeout=60_000)
    assert page.locator("#effects_table").get_by_text("before_after").count() >= 1

    page.get_by_role("tab", name="Policy scenario").click()
    page.select_option("#scenario", "example")
    page.fill("#runs", "1")
    page.click("#run_scenario")
    page.get_by_text("Runs per policy must be a whole number from 2").first.wait_for(
        timeout=30_000
    )
    page.fill("#runs", "100")
    page.click("#run_scenario")
    page.wait_for_selector("#fan_chart img", timeout=60_000)
    page.wait_for_selector("#comparison_table table", timeout=30_000)
    with page.expect_download(timeout=30_000) as info:
        page.click("#download_comparison")
    comparison = pd.read_csv(info.value.path())
    assert {"policy", "difference", "ci_lower", "ci_upper"} <= set(comparison)
    assert (comparison["ci_lower"] <= comparison["difference"]).all()

    with EventStore(store_file, read_only=True) as st:
        assert st.count() == n_all

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_serve_on_a_busy_port_is_one_line(store_file):
    from typer.testing import CliRunner

    from titfortat.cli import app

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = CliRunner().invoke(
            app, ["serve", "--store", str(store_file), "--port", str(port)]
        )
    assert res.exit_code == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in " ".join(res.stderr.split())
    assert "Traceback" not in res.output
