"""The HTML report: every section, figures embedded, nothing fetched, numbers
as the library computed them, user text escaped."""

from __future__ import annotations

import base64
import html.parser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from titfortat.cli import app

SECTIONS = {
    "data": "The data",
    "map": "Where: a map",
    "network": "Who is in the network",
    "deterrence": "Did retaliation deter",
    "dynamics": "Action and reaction",
    "attribution": "Who did it",
    "outlook": "What happens next",
    "methods": "Methods and caveats",
}


class _Parser(html.parser.HTMLParser):
    """Collects h2 titles per section, img sources and any external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.current: str | None = None
        self.in_h2 = False
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.current = a["id"]
            self.sections[self.current] = {"h2": "", "img": [], "text": ""}
        elif tag == "h2":
            self.in_h2 = True
        elif tag == "img":
            self.sections[self.current]["img"].append(a["src"])
        elif tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            val = a.get(key)
            if val and not val.startswith(("data:", "#")):
                self.external.append(val)

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False

    def handle_data(self, data):
        if self.current is None:
            return
        if self.in_h2:
            self.sections[self.current]["h2"] += data
        self.sections[self.current]["text"] += data


@pytest.fixture(scope="module")
def parsed(demo_run) -> _Parser:
    assert demo_run.exit_code == 0, demo_run.stdout + demo_run.stderr
    p = _Parser()
    p.feed(demo_run.report.read_text(encoding="utf-8"))
    return p


def test_demo_prints_the_data_the_effect_table_and_the_report(demo_run):
    out = " ".join(demo_run.stdout.split())  # rich wraps at 80 columns here
    assert demo_run.exit_code == 0, out + demo_run.stderr
    assert "68,573" in out and "3,938" in out
    assert "100% of names, 100% of events" in out
    for estimator in ("before_after", "event_study", "count_ar_negbin", "granger"):
        assert estimator in out, estimator
    assert "Papadogeorgou" in out
    assert "index.html" in out
    assert "8 sections" in out


def test_every_section_is_an_h2_in_the_case_order(parsed):
    assert list(parsed.sections) == list(SECTIONS)
    for key, title in SECTIONS.items():
        assert parsed.sections[key]["h2"].startswith(title), key


def test_summary_at_the_top_links_to_the_sections(demo_run):
    html = demo_run.report.read_text(encoding="utf-8")
    top = html[: html.index('<section id="data"')]
    assert "In short" in top
    for key in ("data", "deterrence", "dynamics", "attribution", "outlook"):
        assert f'href="#{key}"' in top[top.index("In short") :], key
    assert "SIMULATED" in top


def test_self_contained_no_script_no_external_reference(parsed):
    assert parsed.scripts == 0
    assert parsed.external == []


def test_figures_are_embedded_pngs(parsed):
    n = 0
    for key, sec in parsed.sections.items():
        for src in sec["img"]:
            assert src.startswith("data:image/png;base64,"), key
            png = base64.b64decode(src.split(",", 1)[1])
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            n += 1
    assert n >= 15


def test_every_section_has_a_figure_and_none_is_missing(parsed):
    for key, sec in parsed.sections.items():
        assert sec["img"], key
        assert "Not available in this build" not in sec["text"], key


def test_simulated_data_is_labelled_as_such(parsed):
    assert "SIMULATED DATA" in parsed.sections["attribution"]["text"]
    assert "(simulated)" in parsed.sections["attribution"]["text"]
    # the model against each baseline, with clustered intervals and verdicts
    assert "Model minus each baseline" in parsed.sections["attribution"]["text"]
    assert "simulated" in parsed.sections["outlook"]["text"]
    # the published 2023-24 counts are bundled data: always drawn
    assert parsed.sections["outlook"]["img"]


@pytest.fixture(scope="module")
def demo_effects():
    """The demo's effect table, computed again by the library (same seed)."""
    from titfortat.datasets import load_demo_store
    from titfortat.effects import effect_table
    from titfortat.report.html import DEMO_CONFIG as C

    with load_demo_store() as st:
        return effect_table(
            st,
            treatment=C.treatment,
            outcome=C.outcome,
            radius_km=C.radius_km,
            window_days=C.window_days,
            n_placebos=300,
            hawkes=False,
            rng=C.rng,
        )


def test_effect_table_numbers_are_the_library_s(demo_effects, parsed):
    """Each estimator's interval in the report is the EffectTable's own."""
    from titfortat.report._html import format_value

    table = demo_effects.table
    text = parsed.sections["deterrence"]["text"]
    for row in table.itertuples():
        for v in (row.estimate, row.ci_lower, row.ci_upper):
            assert format_value(v) in text, (row.estimator, v)
    # the naive trap sentence quotes the before/after and event-study estimates
    naive = table[table.estimator == "before_after"].iloc[0]
    local = table[table.estimator == "event_study"].iloc[0]
    trap = text[text.index("The naive trap") :]
    assert f"{naive.estimate:+.3g}" in trap and f"{local.estimate:+.3g}" in trap


def test_methods_list_every_effect_row_with_its_interval(demo_effects, parsed):
    text = parsed.sections["methods"]["text"]
    for row in demo_effects.table.itertuples():
        assert f"{row.estimator} ({row.direction})" in text
    assert "Papadogeorgou" in text and "MIT" in text


def test_user_text_is_escaped():
    from titfortat.report._html import Section
    from titfortat.report.html import _render

    s = Section("data", "t <b>")
    s.paragraphs.append("<script>alert(1)</script>")
    s.add_table(pd.DataFrame({"actor": ["<img src=x onerror=alert(1)>"]}), "c")
    out = _render([s], title="<i>", subtitle="")
    assert "<script>alert" not in out and "<img src=x" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_map_keeps_true_distances_and_counts_missing_coordinates():
    from titfortat.report import plot_event_map

    ev = pd.DataFrame(
        {
            "latitude": [60.0, 61.0, np.nan],
            "longitude": [10.0, 12.0, 11.0],
            "event_type": ["attack", "strike", "attack"],
        }
    )
    ax = plot_event_map(ev)
    # at 60.5 N a degree of longitude is cos(60.5) of a degree of latitude
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.deg2rad(60.5)))
    assert "1 without" in ax.get_title()


def test_report_cli_on_a_missing_store_is_one_line(tmp_path: Path):
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["report", "--store", str(tmp_path / "none.duckdb"), "-o", str(tmp_path / "r")],
    )
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert not (tmp_path / "r" / "index.html").exists()


def test_a_question_the_store_cannot_answer_says_why(tmp_path, monkeypatch):
    """On 8 ACLED rows the Hawkes model cannot be fitted: that section says
    why in the report, and every other section is still written."""
    import titfortat.report._sections_case as case
    from titfortat.events import EventStore
    from titfortat.report import build_report
    from titfortat.report._html import Section

    # the simulated sections do not read the store; stubs keep this test fast
    monkeypatch.setattr(
        case, "attribution_section", lambda **k: Section.titled("attribution")
    )
    monkeypatch.setattr(case, "outlook_section", lambda **k: Section.titled("outlook"))
    examples = Path(__file__).parents[2] / "examples" / "acled_iraq_2024.csv"
    with EventStore(tmp_path / "s.duckdb") as st:
        st.ingest(examples, format="acled")
        result = build_report(st, tmp_path / "r")
    by_id = {s.id: s for s in result.sections}
    assert list(by_id) == list(SECTIONS)
    dyn = by_id["dynamics"]
    assert not dyn.is_available
    assert dyn.paragraphs[0].startswith("Not estimable on this store:")
    assert by_id["data"].is_available and by_id["data"].figures
    html = result.path.read_text(encoding="utf-8")
    assert "Not estimable on this store" in html
    assert "+nan" not in html and "nan (" not in html


def test_report_and_demo_keep_an_existing_report_without_force(tmp_path: Path):
    (tmp_path / "index.html").write_text("mine", encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["demo", "-o", str(tmp_path)],
        ["report", "--store", str(tmp_path / "s.duckdb"), "-o", str(tmp_path)],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        assert "Pass --force" in " ".join(res.stderr.split())
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "mine"
