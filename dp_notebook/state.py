"""ProductState: everything a notebook has said about a product, as one public, typed value.

The declared spec, the bound inputs, the transforms (SQL and parameters), the
expectation suites and the unit-test cases. Checks, docs, cost and publish read
this; ``DataProduct`` is a thin facade that changes it one magic at a time.

The state is saved beside the workspace (``.dp/state/<id>.yaml``) after every
change, so the CLI (``dp-notebook test|publish|export spec.yaml``) works on the
same suites and unit tests the notebook defined, not on a poorer copy.

Names are owned here too: within a product, an output port, an input and a
model never share a name (they would share one table in the private schema).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PortNotFound, SpecError
from .names import check_id

STATE_FORMAT = 1


@dataclass
class Source:
    """Where an input port reads from: ``kind`` file | var | table | port, and the reference given."""

    kind: str
    ref: str
    value: Any = None  # the DataFrame for var:, the path (pattern) for file:, the snapshot path for port:
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, (str, type(None))) else None  # DataFrames are copied in, not saved
        return {"kind": self.kind, "ref": self.ref, "value": value, "info": {k: v for k, v in self.info.items() if k != "port"}}


@dataclass
class TransformDef:
    """A transform as written in its cell: target, SQL, ``--param`` values, model or port."""

    target: str
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    model: bool = False
    line_offset: int = 1
    bound: dict[str, Any] = field(default_factory=dict)  # the values bound at the last run (namespace included)
    # ``--incremental`` as written in the cell: {time_column, unique_key, lookback}; None: not incremental
    # there (the port's ``incremental`` field may still make it so, see dp_notebook.incremental)
    incremental: dict[str, Any] | None = None


@dataclass
class ProductState:
    """A declared product and what the notebook built around it."""

    loaded: Any  # spec.load.LoadedSpec: spec, positions, findings, source
    inputs: dict[str, Source] = field(default_factory=dict)
    transforms: dict[str, TransformDef] = field(default_factory=dict)
    suites: dict[str, list[Any]] = field(default_factory=dict)  # target -> [checks.model.Expectation]
    suite_sources: dict[str, Any] = field(default_factory=dict)  # target -> the suite as written (to save it)
    unit_cases: dict[str, list[Any]] = field(default_factory=dict)  # target -> [checks.unit.UnitCase]
    unit_sources: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, str]] = field(default_factory=list)

    @property
    def spec(self):
        return self.loaded.spec

    @property
    def id(self) -> str:
        return self.spec.id

    # -- names ----------------------------------------------------------------------------------
    def kind_of(self, target: str) -> str | None:
        """``output``, ``input``, ``model`` or None."""
        if any(p.id == target for p in self.spec.outputPorts):
            return "output"
        if target in self.transforms and self.transforms[target].model:
            return "model"
        if self.spec.input_port(target) is not None or target in self.inputs:
            return "input"
        return None

    def known_targets(self) -> list[str]:
        names = [p.id for p in self.spec.outputPorts] + [p.id for p in self.spec.inputPorts]
        names += [t for t in self.transforms if t not in names] + [i for i in self.inputs if i not in names]
        return names

    def require_target(self, target: str) -> str:
        kind = self.kind_of(target)
        if kind is None:
            known = ", ".join(self.known_targets()) or "none"
            raise PortNotFound(f"{target!r} is not a port, input or model of {self.id!r} (known: {known})")
        return kind

    def claim_name(self, name: str, kind: str, where: str) -> None:
        """``name`` for a new model or input: a valid id, not already an output port / model / input."""
        check_id(name, where)
        owner = self.kind_of(name)
        if owner is None or owner == kind:
            return
        labels = {"output": "an output port", "model": "a model", "input": "an input port"}
        raise SpecError(f"{name!r} is already {labels[owner]} of product {self.id!r}: {labels[kind]} cannot take its name (it would replace its table)", path=where)

    def pii_columns(self, target: str) -> set[str]:
        """PII columns of a target (``dp_notebook.privacy``: ``"*"`` means every column).

        An output port's flagged columns; a consumed port's from its contract; for any
        other input or model, every column named like a PII column of the product.
        """
        from .privacy import port_pii

        port = next((p for p in self.spec.outputPorts if p.id == target), None)
        if port is not None:
            return port_pii(port)
        consumed = self._consumed_pii()
        if target in consumed:
            return consumed[target]
        known: set[str] = set()
        for pii in [*(port_pii(p) for p in self.spec.outputPorts), *consumed.values()]:
            known |= pii
        return known

    def _consumed_pii(self) -> dict[str, set[str]]:
        """PII columns of the catalog ports bound as inputs (kept in the saved state as ``info.pii``)."""
        from .privacy import pii_of_columns

        out = {}
        for name, src in self.inputs.items():
            entry = src.info.get("port")
            if isinstance(entry, dict):
                out[name] = pii_of_columns(entry.get("columns") or [], contains_pii=entry.get("containsPii"))
            elif isinstance(src.info.get("pii"), list):
                out[name] = {str(c) for c in src.info["pii"]}
        return out

    # -- changes --------------------------------------------------------------------------------
    def redeclare(self, loaded: Any) -> None:
        """A re-run declare cell: the new spec, with the notebook's inputs, transforms and checks kept."""
        self.loaded = loaded

    def set_transform(self, definition: TransformDef) -> None:
        if definition.model:
            self.claim_name(definition.target, "model", "transform --model")
        self.transforms[definition.target] = definition

    def set_suite(self, target: str, suite: list[Any], source: Any = None) -> None:
        self.suites[target] = suite
        self.suite_sources[target] = source if source is not None else [e.to_gx() for e in suite]

    def set_unit_cases(self, target: str, cases: list[Any], source: Any) -> None:
        self.unit_cases[target] = cases
        self.unit_sources[target] = source

    def add_example(self, sql: str) -> None:
        """Queries run in the notebook double as example queries in the docs (the last ten)."""
        if sql not in (e["sql"] for e in self.examples):
            self.examples.append({"title": "example query", "sql": sql})
            del self.examples[:-10]

    # -- saving -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "product": self.id,
            "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "inputs": {k: v.to_dict() for k, v in self.inputs.items()},
            "transforms": {k: vars(t) for k, t in self.transforms.items()},
            "suites": dict(self.suite_sources),
            "unit_tests": dict(self.unit_sources),
            "examples": list(self.examples),
        }

    def save(self, path: Path) -> None:
        """Write the state to ``path``, unless this object wrote the same state there last and the file is
        untouched since (re-running a cell changes nothing: no YAML dump, no fsync)."""
        import json

        from .files import atomic_write

        data = self.to_dict()
        fingerprint = json.dumps({k: v for k, v in data.items() if k != "saved_at"}, default=str)
        written = getattr(self, "_written", None)
        if written is not None and written[:2] == (str(path), fingerprint) and written[2] == _stamp(path):
            return
        atomic_write(path, _dump(data))
        self._written = (str(path), fingerprint, _stamp(path))

    @classmethod
    def restore(cls, loaded: Any, path: Path) -> ProductState:
        """The state saved at ``path`` around a freshly loaded spec; an empty state if there is none."""
        state = cls(loaded)
        if not path.is_file():
            return state
        from .spec.yamlpos import safe_load

        try:
            data = safe_load(path.read_text(encoding="utf-8"), source=str(path)) or {}
        except (OSError, SpecError) as exc:
            raise SpecError(f"the saved product state {path} is unreadable ({exc}); delete it and re-run the notebook") from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or data.get("product") != state.id:
            return state
        from .checks.run import parse_suite
        from .checks.unit import parse_cases

        for name, raw in (data.get("inputs") or {}).items():
            state.inputs[name] = Source(raw["kind"], raw["ref"], raw.get("value"), dict(raw.get("info") or {}))
        for name, raw in (data.get("transforms") or {}).items():
            state.transforms[name] = TransformDef(**raw)
        for target, raw in (data.get("suites") or {}).items():
            state.set_suite(target, parse_suite(raw, source=f"{path} suites.{target}"), raw)
        for target, raw in (data.get("unit_tests") or {}).items():
            state.set_unit_cases(target, parse_cases(raw, target=target), raw)
        state.examples = list(data.get("examples") or [])
        state.saved_at = data.get("saved_at")
        return state


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _dump(data: dict[str, Any]) -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    # numpy scalars and other oddities become their Python value or their text
    _Dumper.add_multi_representer(object, lambda d, v: d.represent_data(v.item() if hasattr(v, "item") else str(v)))
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
