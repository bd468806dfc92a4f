"""Network file format: loading, and one test per validation error."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from titfortat.actors import ActorNetwork, available_networks
from titfortat.exceptions import Reason, SchemaError

from .conftest import VALID


def test_valid_file_loads(toy: ActorNetwork) -> None:
    assert toy.id == "toy"
    assert list(toy.actors) == ["sponsor", "banner", "alpha", "beta", "force"]
    assert len(toy.ties()) == 4
    assert toy.references["r1"].url == "https://example.org/report"


def _error(write: Callable[[str], Path], text: str) -> SchemaError:
    path = write(text)
    with pytest.raises(SchemaError) as info:
        ActorNetwork.load(path)
    assert str(path) in str(info.value)  # every message names the file
    return info.value


def test_unknown_actor_in_tie_names_file_and_line(write_network) -> None:
    text = VALID.replace(
        "{source: sponsor, target: alpha", "{source: sponsr, target: alpha"
    )
    err = _error(write_network, text)
    assert err.reason is Reason.UNKNOWN_ACTOR
    line = (
        text.splitlines().index(next(s for s in text.splitlines() if "sponsr" in s)) + 1
    )
    assert f"net.yaml:{line}: tie source 'sponsr' is not an actor id" in str(err)
    assert err.failure_cases is not None
    assert err.failure_cases.loc[0, "line"] == line


def test_end_before_start(write_network) -> None:
    text = VALID.replace("end: 2024-01-31", "end: 2023-12-31")
    err = _error(write_network, text)
    assert err.reason is Reason.END_BEFORE_START
    assert re.search(
        r"net\.yaml:\d+: tie beta claims_under banner ends on 2023-12-31 "
        r"before it starts on 2024-01-01",
        str(err),
    )


def test_member_of_cycle(write_network) -> None:
    text = VALID + (
        "  - {source: banner, target: alpha, type: member_of, citation: [r1]}\n"
    )
    err = _error(write_network, text)
    assert err.reason is Reason.MEMBERSHIP_CYCLE
    assert "cycle" in str(err) and "alpha -> banner -> alpha" in str(err)
    assert re.search(r"net\.yaml:\d+:", str(err))


def test_longer_member_of_cycle(write_network) -> None:
    text = VALID + (
        "  - {source: banner, target: beta, type: member_of, citation: [r1]}\n"
        "  - {source: beta, target: alpha, type: member_of, citation: [r1]}\n"
    )
    err = _error(write_network, text)
    assert err.reason is Reason.MEMBERSHIP_CYCLE
    assert "alpha -> banner -> beta -> alpha" in str(err)


def test_duplicate_ids(write_network) -> None:
    text = VALID.replace(
        "  - {id: force, name: State Force, kind: armed_force}",
        "  - {id: force, name: State Force, kind: armed_force}\n"
        "  - {id: alpha, name: Alpha Again, kind: faction}",
    )
    err = _error(write_network, text)
    assert err.reason is Reason.DUPLICATE_ID_IN_FILE
    assert re.search(
        r"net\.yaml:10: actor id 'alpha' is defined twice "
        r"\(first at line 7\)",
        str(err),
    )


def test_alias_claimed_by_two_actors(write_network) -> None:
    text = VALID.replace(
        "{id: beta, name: Beta Movement, kind: faction}",
        "{id: beta, name: Beta Movement, kind: faction, aliases: [kataib alpha]}",
    )
    err = _error(write_network, text)
    assert err.reason is Reason.DUPLICATE_ALIAS
    assert re.search(
        r"net\.yaml:8: alias 'kataib alpha' of actor 'beta' is already "
        r"claimed by actor 'alpha' \(line 7\)",
        str(err),
    )


def test_alias_equal_to_another_actors_name(write_network) -> None:
    text = VALID.replace("aliases: [BF]", "aliases: [BF, Beta Movement]")
    err = _error(write_network, text)
    assert err.reason is Reason.DUPLICATE_ALIAS


def test_all_problems_are_collected(write_network) -> None:
    text = (
        VALID.replace("sponsor, target: alpha", "nobody, target: alpha")
        .replace("end: 2024-01-31", "end: 2023-12-31")
        .replace("kind: armed_force", "kind: navy")
    )
    err = _error(write_network, text)
    assert set(err.failure_cases["reason"]) == {
        "unknown_actor",
        "end_before_start",
        "unknown_value",
    }
    assert "3 problem(s)" in str(err)


@pytest.mark.parametrize(
    ("old", "new", "reason", "fragment"),
    [
        (
            "kind: umbrella",
            "kind: banner",
            Reason.UNKNOWN_VALUE,
            "expected one of state",
        ),
        ("type: opposes", "type: hates", Reason.UNKNOWN_VALUE, "tie type 'hates'"),
        (
            "confidence: high",
            "confidence: sure",
            Reason.UNKNOWN_VALUE,
            "expected low, medium or high",
        ),
        ("start: 2024-01-01", "start: 2024-13-01", Reason.INVALID_DATE, "ISO date"),
        (
            "type: opposes, citation: [r1]",
            "type: opposes",
            Reason.MISSING_VALUE,
            "Every tie must cite a public source",
        ),
        (
            "type: opposes, citation: [r1]",
            "type: opposes, citation: [r9]",
            Reason.MISSING_VALUE,
            "unknown reference key(s) ['r9']",
        ),
        ("{id: beta,", "{id: Beta-1,", Reason.MISSING_VALUE, "lower-case letters"),
        (
            "kind: faction}",
            "kind: faction, colour: red}",
            Reason.UNKNOWN_VALUE,
            "unknown field(s) ['colour']",
        ),
    ],
)
def test_other_field_errors(write_network, old, new, reason, fragment) -> None:
    assert old in VALID
    err = _error(write_network, VALID.replace(old, new, 1))
    assert err.reason is reason
    assert fragment in str(err)


def test_invalid_yaml(write_network) -> None:
    err = _error(write_network, "actors: [unclosed\n")
    assert err.reason is Reason.UNREADABLE_FILE
    assert "not valid YAML" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="Cannot read the actor-network file") as info:
        ActorNetwork.load(tmp_path / "nope.yaml")
    assert info.value.reason is Reason.UNREADABLE_FILE


def test_not_a_mapping(write_network) -> None:
    err = _error(write_network, "- just\n- a list\n")
    assert err.reason is Reason.UNREADABLE_FILE


def test_yaml_is_loaded_safely(write_network) -> None:
    text = VALID.replace(
        "title: Toy network", "title: !!python/object/apply:os.system [echo]"
    )
    err = _error(write_network, text)
    assert err.reason is Reason.UNREADABLE_FILE


@pytest.mark.parametrize("name", ["iran_axis_2023_24", "iraq_2006_08"])
def test_bundled_networks_load_and_every_tie_is_sourced(name: str) -> None:
    net = ActorNetwork.load(name)
    assert net.ties(), name
    for tie in net.ties():
        assert tie.citation, tie
        assert all(ref.title.strip() for ref in tie.citation)
        assert tie.confidence in {"low", "medium", "high"}


def test_available_networks() -> None:
    assert available_networks() == ["iran_axis_2023_24", "iraq_2006_08"]
    with pytest.raises(ValueError, match="must be one of"):
        from titfortat.actors import bundled_network_path

        bundled_network_path("nope")


def test_case_network_cites_the_article_first(case: ActorNetwork) -> None:
    ties = case.ties()
    cites_article = [t for t in ties if "harmouch2024" in {r.key for r in t.citation}]
    assert len(cites_article) >= 15
    for tie in cites_article:
        assert tie.citation[0].key == "harmouch2024", tie
    assert "The Conversation" in case.references["harmouch2024"].title


def test_case_network_umbrella_members_and_kh_halt(case: ActorNetwork) -> None:
    members = case.members("iri")
    assert {"kh", "nujaba", "kss", "haaa"} <= set(members["actor_id"])
    kh_claims = [t for t in case.ties(types=["claims_under"]) if t.source == "kh"]
    assert [str(t.end) for t in kh_claims] == ["2024-01-30"]
    low = [t for t in case.ties() if t.confidence == "low"]
    assert any(t.type == "directs" for t in low)  # contested Iranian direction


def test_case_network_has_arabic_and_transliterated_aliases(case: ActorNetwork) -> None:
    kh = case.actors["kh"]
    assert "كتائب حزب الله" in kh.aliases
    assert {"Kata'ib Hizballah", "Kataeb Hezbollah", "Hezbollah Brigades", "KH"} <= set(
        kh.aliases
    )
