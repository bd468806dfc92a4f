"""ActorNetwork queries, exports and metrics."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import networkx as nx
import pytest

from titfortat.actors import ActorNetwork
from titfortat.actors.network import TIE_COLUMNS
from titfortat.exceptions import DataError


def test_members_respect_dates(toy: ActorNetwork) -> None:
    assert toy.members("banner")["actor_id"].tolist() == ["alpha", "beta"]
    assert toy.members("banner", at="2024-01-15")["actor_id"].tolist() == [
        "alpha",
        "beta",
    ]
    # beta's claims_under tie ended on 2024-01-31 (inclusive)
    assert toy.members("banner", at="2024-01-31")["actor_id"].tolist() == [
        "alpha",
        "beta",
    ]
    assert toy.members("banner", at=dt.date(2024, 2, 1))["actor_id"].tolist() == [
        "alpha"
    ]
    assert list(toy.members("banner").columns) == TIE_COLUMNS


def test_members_accepts_aliases_and_recursion(case: ActorNetwork) -> None:
    direct = case.members("Axis of Resistance")
    assert "kh" not in set(direct["actor_id"])
    deep = case.members("محور المقاومة", recursive=True)
    assert {"iri", "kh", "nujaba", "hezbollah"} <= set(deep["actor_id"])
    assert set(deep.loc[deep["actor_id"] == "kh", "other_id"]) == {"iri"}


def test_case_members_on_tower_22_day(case: ActorNetwork) -> None:
    frame = case.members("Islamic Resistance in Iraq", at="2024-01-28")
    assert set(frame["actor_id"]) == {"kh", "nujaba", "kss", "haaa"}
    assert frame["citation"].str.len().min() > 20
    after_halt = case.members("IRI", at="2024-02-15")
    kh = after_halt[after_halt["actor_id"] == "kh"]
    assert kh["tie_type"].tolist() == ["member_of"]  # claims ended 2024-01-30


def test_unknown_actor_message(case: ActorNetwork) -> None:
    with pytest.raises(DataError, match=r"Actor 'Nobody' is not in the network"):
        case.members("Nobody")


def test_bad_date_message(case: ActorNetwork) -> None:
    with pytest.raises(ValueError, match="must be an ISO date"):
        case.members("iri", at="28/01/2024")


def test_sponsors_of(case: ActorNetwork, toy: ActorNetwork) -> None:
    assert toy.sponsors_of("alpha")["actor_id"].tolist() == ["sponsor"]
    assert toy.sponsors_of("beta").empty
    haaa = case.sponsors_of("haaa", via_umbrella=True)
    assert set(haaa["other_id"]) == {"haaa", "iri"}
    assert set(haaa["actor_id"]) == {"irgc_qf"}


def test_ties_filters(toy: ActorNetwork) -> None:
    assert len(toy.ties(min_confidence="medium")) == 3  # default is medium
    assert len(toy.ties(min_confidence="high")) == 1
    assert [t.type for t in toy.ties(types=["arms"])] == ["arms"]
    with pytest.raises(ValueError, match="min_confidence"):
        toy.ties(min_confidence="certain")


def test_subgraph(case: ActorNetwork) -> None:
    sub = case.subgraph(["kh", "iri", "Quds Force"])
    assert set(sub.actors) == {"kh", "iri", "irgc_qf"}
    assert all(t.source in sub.actors and t.target in sub.actors for t in sub.ties())
    assert set(sub.references) <= set(case.references)
    high = case.subgraph(min_confidence="high")
    assert {t.confidence for t in high.ties()} == {"high"}


def test_to_networkx_and_graphml_roundtrip(case: ActorNetwork, tmp_path: Path) -> None:
    graph = case.to_networkx(at="2024-01-28")
    assert graph.number_of_nodes() == len(case.actors)
    assert graph.number_of_edges() == len(case.ties("2024-01-28"))
    assert graph.edges["kh", "iri", "member_of"]["confidence"] == "high"
    path = case.write_graphml(tmp_path / "case.graphml", at="2024-01-28")
    back = nx.read_graphml(path)
    assert set(back.nodes) == set(case.actors)
    assert back.number_of_edges() == graph.number_of_edges()


def test_json_roundtrip(case: ActorNetwork, tmp_path: Path) -> None:
    text = case.to_json(tmp_path / "case.json")
    data = json.loads((tmp_path / "case.json").read_text(encoding="utf-8"))
    assert json.loads(text) == data
    again = ActorNetwork.from_dict(data)
    assert len(again.ties()) == len(case.ties())
    assert again.members("iri", at="2024-01-28").equals(
        case.members("iri", at="2024-01-28")
    )


def test_metrics_are_on_sourced_ties(toy: ActorNetwork) -> None:
    degree = toy.degree()
    assert degree["banner"] == 3 and degree["sponsor"] == 1
    between = toy.betweenness()
    # banner is the only bridge between the factions and the state force
    assert between.idxmax() == "banner"
    assert toy.degree(at="2024-03-01")["beta"] == 0
    assert "docstring" not in (ActorNetwork.betweenness.__doc__ or "docstring")
    assert "public record" in (ActorNetwork.betweenness.__doc__ or "")


def test_repr_and_frames(toy: ActorNetwork) -> None:
    assert repr(toy) == "ActorNetwork('toy': 5 actors, 4 ties)"
    assert toy.actors_frame()["id"].tolist()[:2] == ["sponsor", "banner"]
    assert len(toy.ties_frame()) == 4
