"""Policy scenarios: the YAML format, its validation and the parsed objects.

File layout (days count from the scenario's day 0)::

    name: example
    horizon_days: 365
    model:                      # parameters, or `fitted: result.json`
      nodes: [attack, strike]
      baseline: [0.5, 0.05]     # events per day
      adjacency: [[0.3, 0.0], [0.4, 0.0]]   # [i][j]: effect of one j event on i
      decay: 1.0                # per day; kernel alpha * decay * exp(-decay t)
      link: identity
      state_nodes: [strike]     # the state's side (default: policy responses)
    capacity:                   # optional, per faction node
      attack: {initial: 1.0, damage: 0.05, damaged_by: strike, resupply_per_day: 0.02}
    windows:                    # optional exogenous windows (a truce, a halt)
      - {name: truce, start_day: 20, end_day: 27, nodes: [attack], factor: 0.0,
         applies_to: intensity}  # or baseline (a halt announcement)
    initial_events:             # optional: events that happen in every run
      - {node: strike, day: 0, count: 1}
    policies:
      none: {}
      proportionate: {trigger: attack, response: strike, probability: 0.3,
                      fatal_probability: 0.2, lag_days: [1, 3], strikes: 1}

Optional: ``history_days`` (simulate that many days before day 0 in every
run; events there excite, damage and feed chains but are not counted;
windows and initial events may have negative days), ``quiet_days``,
``cycle_days``, ``count_threshold: {k, days}``, ``start_date`` (labels day
0) and ``calibration`` (fit baseline and adjacency to published counts
first; see :mod:`titfortat.simulate._case` and the bundled
``case-2023-24``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from titfortat.exceptions import Reason
from titfortat.results import FitResult
from titfortat.simulate._yaml import Problems, clean, key_line, read_yaml

__all__ = [
    "Capacity",
    "Policy",
    "Scenario",
    "Window",
    "bundled_scenarios",
    "params_to_arrays",
]

_SCENARIO_DIR = Path(__file__).parent / "scenarios"
_LINKS = ("identity", "softplus", "relu")
_TOP_KEYS = {
    "name",
    "description",
    "horizon_days",
    "history_days",
    "start_date",
    "model",
    "capacity",
    "windows",
    "initial_events",
    "policies",
    "quiet_days",
    "cycle_days",
    "count_threshold",
    "calibration",
    "notes",
}
_POLICY_KEYS = {
    "trigger",
    "response",
    "probability",
    "fatal_probability",
    "lag_days",
    "strikes",
    "start_day",
    "suppress",
    "resupply_per_day",
    "windows",
    "description",
}


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names and their files.

    Examples
    --------
    >>> "case-2023-24" in bundled_scenarios()
    True
    """
    return {p.stem: p for p in sorted(_SCENARIO_DIR.glob("*.yaml"))}


@dataclasses.dataclass(frozen=True)
class Window:
    """An exogenous window: ``factor`` multiplies the rate of ``nodes`` on
    ``[start_day, end_day)``; ``applies_to`` is ``"intensity"`` (all events,
    a truce) or ``"baseline"`` (spontaneous events only, a halt)."""

    name: str
    start_day: float
    end_day: float
    nodes: tuple[str, ...]
    factor: float = 0.0
    applies_to: str = "intensity"


@dataclasses.dataclass(frozen=True)
class Capacity:
    """A faction's capacity: scales its baseline; each event of ``damaged_by``
    removes the fraction ``damage``; it recovers towards 1 at
    ``resupply_per_day`` (the sponsor's resupply)."""

    node: str
    initial: float = 1.0
    damage: float = 0.0
    damaged_by: str | None = None
    resupply_per_day: float = 0.0


@dataclasses.dataclass(frozen=True)
class Policy:
    """What the state does after a trigger event.

    After each event of ``trigger`` at or after ``start_day`` that is fatal
    (probability ``fatal_probability``), the state responds with probability
    ``probability`` after a lag uniform on ``lag_days``, with ``strikes``
    events of ``response``. ``suppress`` nodes lose their modelled
    (endogenous) events; ``resupply_per_day`` overrides capacities' rates;
    ``windows`` are added to the scenario's.
    """

    name: str
    trigger: str | None = None
    response: str | None = None
    probability: float = 0.0
    fatal_probability: float = 1.0
    lag_days: tuple[float, float] = (0.0, 0.0)
    strikes: int = 0
    start_day: float = 0.0
    suppress: tuple[str, ...] = ()
    resupply_per_day: Mapping[str, float] = dataclasses.field(default_factory=dict)
    windows: tuple[Window, ...] = ()
    description: str = ""

    @property
    def strikes_per_trigger(self) -> float:
        """Expected policy events per trigger event."""
        if self.trigger is None:
            return 0.0
        return self.fatal_probability * self.probability * self.strikes


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A validated policy scenario (see the module docstring for the YAML).

    Examples
    --------
    >>> sc = Scenario.from_dict({
    ...     "name": "toy", "horizon_days": 30,
    ...     "model": {"nodes": ["attack", "strike"], "baseline": [0.5, 0.05],
    ...               "adjacency": [[0.3, 0.0], [0.4, 0.0]], "decay": 1.0},
    ...     "policies": {"none": {}, "tit": {"trigger": "attack",
    ...                  "response": "strike", "probability": 0.3,
    ...                  "lag_days": [1, 3], "strikes": 1}}})
    >>> [p.name for p in sc.policies], sc.state_nodes
    (['none', 'tit'], ('strike',))
    """

    name: str
    horizon_days: float
    nodes: tuple[str, ...]
    baseline: np.ndarray
    adjacency: np.ndarray
    decay: float
    policies: tuple[Policy, ...]
    link: str = "identity"
    state_nodes: tuple[str, ...] = ()
    capacity: tuple[Capacity, ...] = ()
    windows: tuple[Window, ...] = ()
    initial_events: tuple[tuple[str, float, int], ...] = ()
    quiet_days: float = 14.0
    history_days: float = 0.0
    cycle_days: float = 30.0
    count_threshold: tuple[int, float] = (10, 30.0)
    start_date: str | None = None
    description: str = ""
    fit: FitResult | None = None
    calibration: Mapping[str, Any] | None = None
    source: str = "<dict>"
    lines: Mapping[str, int | None] = dataclasses.field(default_factory=dict)

    # ------------------------------------------------------------------ load
    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file, or a bundled scenario by name.

        Raises
        ------
        SchemaError
            Every problem of the file at once, each with file and line.
        """
        p = Path(path)
        if not p.exists() and str(path) in bundled_scenarios():
            p = bundled_scenarios()[str(path)]
        data = read_yaml(p)
        return cls.from_dict(data, source=str(p), base_dir=p.parent)

    @classmethod
    def from_dict(
        cls, data: Any, *, source: str = "<dict>", base_dir: Path | None = None
    ) -> Scenario:
        """Validate a parsed scenario (a dict as from YAML)."""
        pr = Problems(source, [])
        if not isinstance(data, Mapping):
            pr.add(1, Reason.MALFORMED_ROW, "the file must be a mapping of keys.")
            pr.raise_if_any()
        for k in data:
            if isinstance(k, str) and k.startswith("__"):
                continue
            if k not in _TOP_KEYS:
                pr.add(
                    key_line(data, k),
                    Reason.UNKNOWN_VALUE,
                    f"unknown key {k!r}; expected one of {sorted(_TOP_KEYS)}.",
                )
        name = str(data.get("name", Path(source).stem))
        horizon = _number(pr, data, "horizon_days", positive=True, default=None)
        model = data.get("model")
        nodes: tuple[str, ...] = ()
        mu = np.zeros(0)
        adj = np.zeros((0, 0))
        decay = 1.0
        link = "identity"
        fit = None
        if not isinstance(model, Mapping):
            pr.add(
                key_line(data, "model"),
                Reason.MISSING_VALUE,
                "'model' must be a mapping with nodes, baseline, adjacency, decay "
                "(or 'fitted: result.json').",
            )
        else:
            nodes, mu, adj, decay, link, fit = _read_model(pr, model, base_dir)
        node_set = set(nodes)

        def check_node(entry: Any, key: str, value: Any) -> str | None:
            if value is None:
                return None
            if str(value) not in node_set:
                pr.add(
                    key_line(entry, key),
                    Reason.UNKNOWN_VALUE,
                    f"{key} {value!r} is not a node of the model; expected one of "
                    f"{list(nodes)}.",
                )
                return None
            return str(value)

        capacity = []
        raw_cap = data.get("capacity") or {}
        if not isinstance(raw_cap, Mapping):
            pr.add(
                key_line(data, "capacity"),
                Reason.MALFORMED_ROW,
                "'capacity' must map node names to {initial, damage, "
                "damaged_by, resupply_per_day}.",
            )
            raw_cap = {}
        for node, spec in raw_cap.items():
            if str(node).startswith("__"):
                continue
            if check_node(raw_cap, node, node) is None or not isinstance(spec, Mapping):
                continue
            capacity.append(
                Capacity(
                    node=str(node),
                    initial=_number(pr, spec, "initial", unit=True, default=1.0),
                    damage=_number(pr, spec, "damage", unit=True, default=0.0),
                    damaged_by=check_node(spec, "damaged_by", spec.get("damaged_by")),
                    resupply_per_day=_number(
                        pr, spec, "resupply_per_day", nonneg=True, default=0.0
                    ),
                )
            )
        windows = _read_windows(pr, data, data.get("windows"), check_node)
        initial = []
        for ev in data.get("initial_events") or []:
            if not isinstance(ev, Mapping):
                pr.add(
                    key_line(data, "initial_events"),
                    Reason.MALFORMED_ROW,
                    "each initial event must be {node, day, count}.",
                )
                continue
            node = check_node(ev, "node", ev.get("node"))
            day = _number(pr, ev, "day", default=0.0)
            count = _number(pr, ev, "count", nonneg=True, default=1)
            if node is not None:
                initial.append((node, float(day), int(count)))
        policies = []
        raw_pol = data.get("policies")
        if not isinstance(raw_pol, Mapping) or not [
            k for k in raw_pol if not str(k).startswith("__")
        ]:
            pr.add(
                key_line(data, "policies"),
                Reason.MISSING_VALUE,
                "'policies' must map at least one policy name to its rule "
                "(e.g. 'none: {}').",
            )
        else:
            for pname, spec in raw_pol.items():
                if str(pname).startswith("__"):
                    continue
                pol = _read_policy(pr, str(pname), spec, raw_pol, check_node, horizon)
                if pol is not None:
                    policies.append(pol)
        model_map = model if isinstance(model, Mapping) else {}
        state = model_map.get("state_nodes")
        if state is None:
            state_nodes = tuple(
                sorted({p.response for p in policies if p.response is not None})
            ) or tuple(n for n in nodes if n == "strike")
        else:
            state_nodes = tuple(
                s for s in (check_node(model_map, "state_nodes", v) for v in state) if s
            )
        ct = data.get("count_threshold", {"k": 10, "days": 30})
        if not isinstance(ct, Mapping):
            pr.add(
                key_line(data, "count_threshold"),
                Reason.MALFORMED_ROW,
                "'count_threshold' must be {k: INT, days: DAYS}.",
            )
            ct = {"k": 10, "days": 30}
        count_threshold = (
            int(_number(pr, ct, "k", positive=True, default=10)),
            float(_number(pr, ct, "days", positive=True, default=30)),
        )
        pr.raise_if_any()
        assert horizon is not None
        return cls(
            name=name,
            horizon_days=float(horizon),
            nodes=nodes,
            baseline=mu,
            adjacency=adj,
            decay=float(decay),
            link=link,
            policies=tuple(policies),
            state_nodes=state_nodes,
            capacity=tuple(capacity),
            windows=tuple(windows),
            initial_events=tuple(initial),
            history_days=float(
                _number(pr, data, "history_days", nonneg=True, default=0.0)
            ),
            quiet_days=float(
                _number(pr, data, "quiet_days", positive=True, default=14.0)
            ),
            cycle_days=float(
                _number(pr, data, "cycle_days", positive=True, default=30.0)
            ),
            count_threshold=count_threshold,
            start_date=None
            if data.get("start_date") is None
            else str(data["start_date"]),
            description=str(data.get("description", "")),
            fit=fit,
            calibration=clean(data.get("calibration")),
            source=source,
            lines={
                "model": key_line(data, "model"),
                **{
                    f"policy:{k}": key_line(raw_pol, k)
                    for k in (raw_pol or {})
                    if isinstance(raw_pol, Mapping) and not str(k).startswith("__")
                },
                **{f"adjacency:{i}": ln for i, ln in enumerate(_row_lines(model_map))},
            },
        )

    # -------------------------------------------------------------- derived
    def policy(self, name: str) -> Policy:
        """The policy called ``name``."""
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(
            f"No policy {name!r} in scenario {self.name!r}; it has "
            f"{[p.name for p in self.policies]}."
        )

    def effective_adjacency(
        self, policy: Policy, adjacency: np.ndarray | None = None
    ) -> np.ndarray:
        """Branching matrix under ``policy``: the model's, with suppressed rows
        zeroed and the response rule added as ``response <- trigger``
        (``fatal_probability * probability * strikes``). Capacity losses and
        windows only lower the rates, so its spectral radius bounds the
        policy's from above."""
        a = np.array(self.adjacency if adjacency is None else adjacency, dtype=float)
        if self.link != "identity":
            a = np.maximum(a, 0.0)
        for s in policy.suppress:
            a[self.nodes.index(s), :] = 0.0
        if policy.trigger is not None and policy.response is not None:
            a[self.nodes.index(policy.response), self.nodes.index(policy.trigger)] += (
                policy.strikes_per_trigger
            )
        return a

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready description of the scenario (for result files)."""
        return {
            "name": self.name,
            "source": self.source,
            "horizon_days": self.horizon_days,
            "start_date": self.start_date,
            "nodes": list(self.nodes),
            "baseline": self.baseline.tolist(),
            "adjacency": self.adjacency.tolist(),
            "decay": self.decay,
            "link": self.link,
            "state_nodes": list(self.state_nodes),
            "policies": [
                {**dataclasses.asdict(p), "resupply_per_day": dict(p.resupply_per_day)}
                for p in self.policies
            ],
            "capacity": [dataclasses.asdict(c) for c in self.capacity],
            "windows": [dataclasses.asdict(w) for w in self.windows],
            "initial_events": [list(e) for e in self.initial_events],
            "quiet_days": self.quiet_days,
            "history_days": self.history_days,
            "cycle_days": self.cycle_days,
            "count_threshold": list(self.count_threshold),
        }


# ---------------------------------------------------------------- helpers
def _row_lines(model: Mapping[str, Any]) -> list[int | None]:
    ln = key_line(model, "adjacency")
    adj = model.get("adjacency")
    n = len(adj) if isinstance(adj, list) else 0
    # Flow-style rows share the key's line; block-style rows follow it.
    return [ln if ln is None else ln + (i + 1 if n and ln else 0) for i in range(n)]


def _number(
    pr: Problems,
    entry: Any,
    key: str,
    *,
    default: Any,
    positive: bool = False,
    nonneg: bool = False,
    unit: bool = False,
) -> Any:
    """``entry[key]`` as a number, checked; records a problem and returns the
    default when it is missing (and required) or invalid."""
    if not isinstance(entry, Mapping) or key not in entry:
        if default is None:
            pr.add(
                key_line(entry, key) if isinstance(entry, Mapping) else None,
                Reason.MISSING_VALUE,
                f"'{key}' is required.",
            )
        return default
    v = entry[key]
    line = key_line(entry, key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        pr.add(
            line, Reason.INVALID_NUMBER, f"'{key}' must be a finite number. Got {v!r}."
        )
        return default if default is not None else 1.0
    if positive and not v > 0:
        pr.add(
            line,
            Reason.OUT_OF_RANGE,
            f"'{key}' must be > 0. Got {v!r}; give a positive value.",
        )
    elif nonneg and v < 0:
        pr.add(line, Reason.OUT_OF_RANGE, f"'{key}' must be >= 0. Got {v!r}.")
    elif unit and not 0 <= v <= 1:
        pr.add(
            line,
            Reason.OUT_OF_RANGE,
            f"'{key}' is a probability or fraction and must lie in [0, 1]. Got {v!r}.",
        )
    return v


def _read_model(
    pr: Problems, model: Mapping[str, Any], base_dir: Path | None
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, float, str, FitResult | None]:
    fit = None
    link = str(model.get("link", "identity"))
    if "fitted" in model:
        path = Path(str(model["fitted"]))
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            fit = FitResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as err:
            pr.add(
                key_line(model, "fitted"),
                Reason.UNREADABLE_FILE,
                f"cannot read the saved FitResult {str(path)!r} ({err}); save "
                "one with json.dump(model.results_.to_dict(), f).",
            )
            return (), np.zeros(0), np.zeros((0, 0)), 1.0, link, None
        nodes, mu, adj, decay = params_to_arrays(fit.params)
        if decay is None:
            decay = _number(pr, model, "decay", positive=True, default=None) or 1.0
        m = re.search(r"link='(\w+)'", fit.model_repr)
        if m:
            link = m.group(1)
    else:
        raw_nodes = model.get("nodes")
        if not isinstance(raw_nodes, list) or not raw_nodes:
            pr.add(
                key_line(model, "nodes"),
                Reason.MISSING_VALUE,
                "'nodes' must be a non-empty list of node names.",
            )
            return (), np.zeros(0), np.zeros((0, 0)), 1.0, link, None
        nodes = tuple(str(n) for n in raw_nodes)
        if len(set(nodes)) != len(nodes):
            pr.add(
                key_line(model, "nodes"),
                Reason.DUPLICATE_ID_IN_FILE,
                f"node names must be unique. Got {list(nodes)}.",
            )
        d = len(nodes)
        mu = _vector(pr, model, "baseline", d)
        adj = np.zeros((d, d))
        raw = model.get("adjacency")
        if (
            not isinstance(raw, list)
            or len(raw) != d
            or not all(isinstance(r, list) and len(r) == d for r in raw)
        ):
            pr.add(
                key_line(model, "adjacency"),
                Reason.MALFORMED_ROW,
                f"'adjacency' must be a {d} x {d} list of rows (row i: effects "
                f"on node i of one event of each node). Got {clean(raw)!r}.",
            )
        else:
            try:
                adj = np.array(raw, dtype=float)
            except (TypeError, ValueError):
                pr.add(
                    key_line(model, "adjacency"),
                    Reason.INVALID_NUMBER,
                    "'adjacency' entries must be numbers.",
                )
        decay = float(_number(pr, model, "decay", positive=True, default=None) or 1.0)
    if link not in _LINKS:
        pr.add(
            key_line(model, "link"),
            Reason.UNKNOWN_VALUE,
            f"'link' must be one of {list(_LINKS)}. Got {link!r}.",
        )
    if link != "softplus" and np.any(mu < 0):
        pr.add(
            key_line(model, "baseline"),
            Reason.OUT_OF_RANGE,
            f"'baseline' must be >= 0 (events per day) with link {link!r}. Got "
            f"{mu.tolist()}; use link: softplus for a negative baseline.",
        )
    if link == "identity" and adj.size and np.any(adj < 0):
        bad = [(nodes[i], nodes[j]) for i, j in zip(*np.nonzero(adj < 0), strict=True)]
        pr.add(
            key_line(model, "adjacency"),
            Reason.OUT_OF_RANGE,
            f"'adjacency' must be >= 0 for the linear model; negative at "
            f"{[f'{a}<-{b}' for a, b in bad[:5]]}. Use link: softplus or relu "
            "for inhibition, or model deterrence by 'capacity' damage.",
        )
    return nodes, mu, adj, float(decay), link, fit


def params_to_arrays(
    params: Any,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, float | None]:
    """Nodes, baseline, adjacency and decay from ``mu[..]``/``alpha[i<-j]``
    names (the ExpHawkes convention)."""
    names = list(params.index)
    nodes = tuple(n[3:-1] for n in names if n.startswith("mu[") and "," not in n)
    d = len(nodes)
    mu = np.array([float(params[f"mu[{n}]"]) for n in nodes])
    adj = np.zeros((d, d))
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            adj[i, j] = float(params.get(f"alpha[{a}<-{b}]", 0.0))
    decay = float(params["decay"]) if "decay" in params.index else None
    return nodes, mu, adj, decay


def _vector(pr: Problems, entry: Mapping[str, Any], key: str, d: int) -> np.ndarray:
    raw = entry.get(key)
    if not isinstance(raw, list) or len(raw) != d:
        pr.add(
            key_line(entry, key),
            Reason.MALFORMED_ROW,
            f"'{key}' must be a list of {d} numbers (one per node). Got {raw!r}.",
        )
        return np.zeros(d)
    try:
        return np.array(raw, dtype=float)
    except (TypeError, ValueError):
        pr.add(
            key_line(entry, key),
            Reason.INVALID_NUMBER,
            f"'{key}' entries must be numbers. Got {raw!r}.",
        )
        return np.zeros(d)


def _read_windows(pr: Problems, parent: Any, raw: Any, check_node: Any) -> list[Window]:
    out: list[Window] = []
    if raw is None:
        return out
    if not isinstance(raw, list):
        pr.add(
            key_line(parent, "windows"),
            Reason.MALFORMED_ROW,
            "'windows' must be a list of {name, start_day, end_day, nodes, "
            "factor, applies_to}.",
        )
        return out
    for w in raw:
        if not isinstance(w, Mapping):
            pr.add(
                key_line(parent, "windows"),
                Reason.MALFORMED_ROW,
                f"a window must be a mapping. Got {w!r}.",
            )
            continue
        start = float(_number(pr, w, "start_day", default=None) or 0.0)
        end = float(_number(pr, w, "end_day", default=None) or 0.0)
        if not end > start:
            pr.add(
                key_line(w, "end_day"),
                Reason.END_BEFORE_START,
                f"window {w.get('name')!r}: end_day {end:g} must be after "
                f"start_day {start:g}.",
            )
        nodes = w.get("nodes")
        if not isinstance(nodes, list):
            pr.add(
                key_line(w, "nodes"),
                Reason.MISSING_VALUE,
                "a window needs 'nodes': a list of node names.",
            )
            nodes = []
        kept = tuple(n for n in (check_node(w, "nodes", v) for v in nodes) if n)
        applies = str(w.get("applies_to", "intensity"))
        if applies not in ("intensity", "baseline"):
            pr.add(
                key_line(w, "applies_to"),
                Reason.UNKNOWN_VALUE,
                f"'applies_to' must be 'intensity' or 'baseline'. Got {applies!r}.",
            )
        out.append(
            Window(
                name=str(w.get("name", "window")),
                start_day=start,
                end_day=end,
                nodes=kept,
                factor=float(_number(pr, w, "factor", unit=True, default=0.0)),
                applies_to=applies,
            )
        )
    return out


def _read_policy(
    pr: Problems,
    name: str,
    spec: Any,
    parent: Any,
    check_node: Any,
    horizon: float | None,
) -> Policy | None:
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        pr.add(
            key_line(parent, name),
            Reason.MALFORMED_ROW,
            f"policy {name!r} must be a mapping (use {{}} for no response).",
        )
        return None
    for k in spec:
        if isinstance(k, str) and k.startswith("__"):
            continue
        if k not in _POLICY_KEYS:
            pr.add(
                key_line(spec, k),
                Reason.UNKNOWN_VALUE,
                f"policy {name!r}: unknown key {k!r}; expected one of "
                f"{sorted(_POLICY_KEYS)}.",
            )
    trigger = check_node(spec, "trigger", spec.get("trigger"))
    response = check_node(spec, "response", spec.get("response"))
    prob = float(_number(pr, spec, "probability", unit=True, default=0.0))
    fatal = float(_number(pr, spec, "fatal_probability", unit=True, default=1.0))
    strikes = _number(pr, spec, "strikes", nonneg=True, default=1 if trigger else 0)
    if isinstance(strikes, float) and not float(strikes).is_integer():
        pr.add(
            key_line(spec, "strikes"),
            Reason.INVALID_NUMBER,
            f"policy {name!r}: 'strikes' must be a whole number. Got {strikes!r}.",
        )
    lag = spec.get("lag_days", [0.0, 0.0])
    lag_line = key_line(spec, "lag_days")
    lo = hi = 0.0
    if (
        not isinstance(lag, list)
        or len(lag) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in lag)
    ):
        pr.add(
            lag_line,
            Reason.MALFORMED_ROW,
            f"policy {name!r}: 'lag_days' must be [lo, hi] in days. Got {lag!r}.",
        )
    else:
        lo, hi = float(lag[0]), float(lag[1])
        if lo < 0 or (hi <= lo and not (hi == lo == 0 and trigger is None)):
            pr.add(
                lag_line,
                Reason.OUT_OF_RANGE,
                f"policy {name!r}: 'lag_days' must be increasing and >= 0 "
                f"(lo < hi; the lag is uniform on [lo, hi]). Got {lag!r}.",
            )
    if trigger is not None and response is None and "response" not in spec:
        pr.add(
            key_line(spec, "trigger"),
            Reason.MISSING_VALUE,
            f"policy {name!r}: a 'trigger' needs a 'response' node (who strikes).",
        )
    if (
        (prob > 0 or "probability" in spec)
        and trigger is None
        and ("trigger" not in spec)
    ):
        pr.add(
            key_line(spec, "probability"),
            Reason.MISSING_VALUE,
            f"policy {name!r}: 'probability' needs a 'trigger' node.",
        )
    start = float(_number(pr, spec, "start_day", nonneg=True, default=0.0))
    if isinstance(horizon, int | float) and horizon > 0 and start >= horizon:
        pr.add(
            key_line(spec, "start_day"),
            Reason.OUT_OF_RANGE,
            f"policy {name!r}: start_day {start:g} is not before the horizon "
            f"({horizon:g} days).",
        )
    suppress = tuple(
        s
        for s in (check_node(spec, "suppress", v) for v in spec.get("suppress") or [])
        if s
    )
    resupply: dict[str, float] = {}
    raw_res = spec.get("resupply_per_day") or {}
    if isinstance(raw_res, Mapping):
        for node in raw_res:
            if str(node).startswith("__"):
                continue
            if check_node(raw_res, node, node) is not None:
                resupply[str(node)] = float(
                    _number(pr, raw_res, node, nonneg=True, default=0.0)
                )
    else:
        pr.add(
            key_line(spec, "resupply_per_day"),
            Reason.MALFORMED_ROW,
            f"policy {name!r}: 'resupply_per_day' maps faction nodes to rates.",
        )
    windows = _read_windows(pr, spec, spec.get("windows"), check_node)
    return Policy(
        name=name,
        trigger=trigger,
        response=response,
        probability=prob,
        fatal_probability=fatal,
        lag_days=(lo, hi),
        strikes=int(strikes),
        start_day=start,
        suppress=suppress,
        resupply_per_day=resupply,
        windows=tuple(windows),
        description=str(spec.get("description", "")),
    )
