"""Name resolution: normalisation, each stage, ambiguity and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from titfortat.actors import ActorNetwork, Resolver, load_overrides, normalize_name
from titfortat.actors import resolve as resolve_name
from titfortat.exceptions import Reason, SchemaError


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kata'ib Hizballah", "KATAEB HEZBOLLAH"),
        ("Kata’ib Hizballah", "Kataib Hizbullah"),
        ("Hezbollah Brigades", "Kataib Hezbollah"),
        ("al-Nujaba", "Nujaba"),
        ("Islamic Resistance in Iraq", "Al-Muqawama al-Islamiyah fi al-Iraq"),
        ("U.S. forces", "US forces"),
        ("Popular Mobilisation Forces", "popular mobilization forces"),
        ("المقاومة الإسلامية في العراق", "المقاومة الاسلامية في العراق"),
        ("Qods Force", "Quds Force"),
        ("Kataib Sayyid al-Shuhada", "Kata'ib Sayyed al-Shuhada'"),
    ],
)
def test_normalize_folds_variants(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ansar Allah", "Ansar Allah al-Awfiya"),
        ("Islamic Resistance in Iraq", "Islamic Resistance in Lebanon"),
        ("Hezbollah", "Kataib Hezbollah"),
        ("Hizbul Mujahideen", "Hezbollah Mujahideen"),
    ],
)
def test_normalize_keeps_distinct_names_apart(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_stages(case: ActorNetwork) -> None:
    r = Resolver(case)
    exact = r.resolve("Kataeb Hezbollah")
    assert (exact.actor_id, exact.method, exact.score) == ("kh", "exact", 100.0)
    assert r.resolve("KATAIB HIZBULLAH").method == "normalized"
    fuzzy = r.resolve("Kataib Hizbolah")  # one "l" dropped
    assert fuzzy.method == "fuzzy" and fuzzy.actor_id == "kh"
    assert 88 <= fuzzy.score < 100
    none = r.resolve("Asa'ib Ahl al-Haq")
    assert none.method == "unresolved" and none.actor_id is None and none.name is None


def test_parenthetical_suffix(case: ActorNetwork) -> None:
    r = Resolver(case)
    assert r.resolve("Kataib Hezbollah (KH)").actor_id == "kh"
    assert r.resolve("Military Forces of the United States (2021-)").actor_id == (
        "us_forces"
    )
    clash = r.resolve("Kataib Hezbollah (KSS)")
    assert clash.method == "ambiguous" and set(clash.candidates) == {"kh", "kss"}


def test_acronyms_are_not_fuzzy_matched(case: ActorNetwork) -> None:
    r = Resolver(case)
    assert r.resolve("KH").actor_id == "kh"
    assert r.resolve("KHH").method == "unresolved"
    assert r.resolve("AAH").method == "unresolved"


def test_ambiguous_names_are_reported_not_guessed(write_network) -> None:
    text = """\
    references: {r: {title: A report}}
    actors:
      - {id: a, name: Saraya Alpha, kind: faction}
      - {id: b, name: Alpha Saraya, kind: faction}
      - {id: c, name: Kataib Nur, kind: faction}
      - {id: d, name: Kataib Nour, kind: faction}
    ties: []
    """
    net = ActorNetwork.load(write_network(text))
    r = Resolver(net)
    same_key = r.resolve("saraya alpha!")
    assert same_key.method == "ambiguous" and same_key.candidates == ("a", "b")
    assert same_key.actor_id is None
    close = r.resolve("Kataib Nuur")
    assert close.method == "ambiguous" and set(close.candidates) == {"c", "d"}


def test_threshold_is_respected(case: ActorNetwork) -> None:
    strict = Resolver(case, threshold=99)
    assert strict.resolve("Kataib Hezbolah").method == "unresolved"


def test_overrides_win(case: ActorNetwork, tmp_path: Path) -> None:
    r = Resolver(
        case,
        overrides={"Hezbollah": "kh", "Kataeb Hezbollah": None, "IRI forces": "iri"},
    )
    assert r.resolve("Hezbollah").actor_id == "kh"
    assert r.resolve("Hezbollah").method == "override"
    forced_none = r.resolve("Kataeb Hezbollah")
    assert forced_none.method == "override" and forced_none.actor_id is None
    assert r.resolve("iri  FORCES").actor_id == "iri"  # normalised override key
    with pytest.raises(SchemaError, match=r"actor id\(s\) \['nope'\]") as info:
        Resolver(case, overrides={"x": "nope"})
    assert info.value.reason is Reason.UNKNOWN_ACTOR


def test_override_files(tmp_path: Path, case: ActorNetwork) -> None:
    yml = tmp_path / "o.yaml"
    yml.write_text("Hezbollah Brigades of Iraq: kh\nUnknown group: null\n", "utf-8")
    csv = tmp_path / "o.csv"
    csv.write_text("raw,actor_id\nThe Brigades,kh\nSomeone,\n", "utf-8")
    assert load_overrides(yml) == {
        "Hezbollah Brigades of Iraq": "kh",
        "Unknown group": None,
    }
    assert load_overrides(csv) == {"The Brigades": "kh", "Someone": None}
    assert Resolver(case, overrides=csv).resolve("The Brigades").actor_id == "kh"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id\na,b\n", "utf-8")
    with pytest.raises(SchemaError, match="must have columns raw and actor_id"):
        load_overrides(bad)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("- a\n- b\n", "utf-8")
    with pytest.raises(SchemaError, match="must be a mapping") as info:
        load_overrides(bad_yaml)
    assert info.value.reason is Reason.BAD_MAPPING


def test_to_frame_and_module_function(case: ActorNetwork) -> None:
    frame = case.resolver().to_frame(["KH", "nobody at all"])
    assert list(frame.columns) == [
        "raw",
        "actor_id",
        "name",
        "score",
        "method",
        "candidates",
    ]
    assert frame["actor_id"].isna().tolist() == [False, True]
    assert resolve_name("Iraqi insurgents", network="iraq_2006_08").actor_id == (
        "iraqi_insurgents"
    )
    assert resolve_name("Hezbollah", overrides={"Hezbollah": None}).actor_id is None
