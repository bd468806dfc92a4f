from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from titfortat.actors import ActorNetwork

VALID = """\
network: {id: toy, title: Toy network}
references:
  r1: {title: "A public report, 2024", url: "https://example.org/report"}
actors:
  - {id: sponsor, name: Sponsor State, kind: sponsor, aliases: [The Sponsor]}
  - {id: banner, name: Banner Front, kind: umbrella, aliases: [BF]}
  - {id: alpha, name: Alpha Brigades, kind: faction, aliases: [Kataib Alpha]}
  - {id: beta, name: Beta Movement, kind: faction}
  - {id: force, name: State Force, kind: armed_force}
ties:
  - {source: sponsor, target: alpha, type: arms, confidence: high, citation: [r1]}
  - {source: alpha, target: banner, type: member_of, confidence: medium,
     citation: [r1]}
  - {source: beta, target: banner, type: claims_under, start: 2024-01-01,
     end: 2024-01-31, confidence: low, citation: [r1]}
  - {source: banner, target: force, type: opposes, citation: [r1]}
"""


@pytest.fixture
def write_network(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text to a file and return its path."""

    def _write(text: str, name: str = "net.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def toy(write_network: Callable[[str], Path]) -> ActorNetwork:
    return ActorNetwork.load(write_network(VALID))


@pytest.fixture(scope="session")
def case() -> ActorNetwork:
    return ActorNetwork.load()
