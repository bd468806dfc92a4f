"""The demo report opened in a real browser: every section, every figure
loaded, nothing requested from the network."""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_playwright")


def test_demo_report_in_chromium(demo_run, page, tmp_path):
    assert demo_run.exit_code == 0, demo_run.stdout + demo_run.stderr
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(demo_run.report.as_uri())
    titles = page.locator("h2").all_inner_texts()
    assert len(titles) == 8
    for start in (
        "The data",
        "Where",
        "Who is in the network",
        "Did retaliation",
        "Action and reaction",
        "Who did it",
        "What happens next",
        "Methods and caveats",
    ):
        assert any(t.startswith(start) for t in titles), start
    images = page.locator("section img")
    assert images.count() >= 15
    for section in page.locator("section").all():
        assert section.locator("img").count() >= 1, section.get_attribute("id")
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert all(w and w > 100 for w in widths), widths
    external = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert external == []
    page.screenshot(path=str(tmp_path / "report.png"))
