"""Parse a declaration (DPS 0.0.1 or ODPS v1 YAML) into the canonical model.

    parse YAML (positions) → detect the standard → standard → canonical dict
    → pydantic model → structural checks (ids, port types, column types, cron)

Every problem becomes a ``SpecError`` naming the line, column and field
path; ``spec_findings`` returns all of them (for ``lint``), ``load_spec``
raises the first error (for ``declare``).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..files import read_text
from .model import PORT_TYPES, DataProductSpec, port_kind
from .types import UnknownType, known_type_names, resolve_type
from .yamlpos import Positions, format_path, load_yaml


@dataclass(frozen=True)
class Finding:
    """One problem in a spec: severity, rule, field path, position and message."""

    severity: str  # "error" | "warning"
    rule: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        field = f"{self.path}: " if self.path else ""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{self.severity}: {where}{field}{self.message} [{self.rule}]{fix}"

    def to_error(self, source: str | None) -> SpecError:
        msg = self.message + (f" ({self.fix})" if self.fix else "")
        return SpecError(msg, path=self.path or None, line=self.line, column=self.column, source=source)


@dataclass
class LoadedSpec:
    spec: DataProductSpec
    raw: dict[str, Any]
    positions: Positions
    source: str | None
    findings: list[Finding]


@lru_cache(maxsize=None)
def official_schema(name: str) -> dict:
    """A vendored JSON schema: ``dps``, ``odps`` or ``odcs`` (see schemas/SOURCES.md)."""
    files = {"dps": "dps-0.0.1.schema.json", "odps": "odps-v1.0.0.schema.json", "odcs": "odcs-v3.1.0.schema.json"}
    text = resources.files("dp_notebook.spec").joinpath("schemas", files[name]).read_text(encoding="utf-8")
    return json.loads(text)


def detect_format(doc: dict[str, Any]) -> str:
    """``'odcs'`` for ``kind: DataContract``, ``'odps'`` for ``apiVersion``/``kind: DataProduct`` documents, else ``'dps'``."""
    if doc.get("kind") == "DataContract":
        return "odcs"
    if "apiVersion" in doc or doc.get("kind") == "DataProduct":
        return "odps"
    return "dps"


def spec_path(source: Any) -> Path | None:
    """The file a spec source names (a Path, or one line ending in .yaml/.yml/.json), else None (YAML text, a dict)."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml", ".json"))):
        return Path(source)
    return None


def read_source(source: str | Path | dict, *, line_offset: int = 0) -> tuple[Any, Positions, str | None]:
    """YAML text, a path to a YAML file, or an already-parsed dict."""
    if isinstance(source, dict):
        return source, Positions(), None
    path = spec_path(source)
    if path is not None:
        text = read_text(path, "spec file")
        data, positions = load_yaml(text, source=str(path))
        return data, positions, str(path)
    data, positions = load_yaml(str(source), line_offset=line_offset)
    return data, positions, None


def spec_findings(
    source: str | Path | dict, *, name: str | None = None, line_offset: int = 0, base_dir: str | Path | None = None
) -> tuple[LoadedSpec | None, list[Finding]]:
    """All findings for a declaration; the spec too when it could be built.

    ``name`` labels the source in messages (a file, ``cell``); ``line_offset``
    shifts line numbers (1 for a cell body under its ``%%`` line); ``base_dir``
    resolves ``outputPorts[].contract`` paths (default: the declaring file's folder,
    else the working directory).
    """
    try:
        data, positions, origin = read_source(source, line_offset=line_offset)
    except SpecError as exc:
        return None, [Finding("error", "yaml", exc.path or "", exc.message, exc.line, exc.column)]
    origin = name or origin
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        return None, [Finding("error", "structure", "", f"a data product must be a YAML mapping, found {kind}", *(_pos(positions, ())))]
    fmt = detect_format(data)
    findings: list[Finding] = []
    if fmt == "odcs":  # contract-first: the contract declares a product with its ports
        findings += _schema_findings(data, positions, "odcs")
        if findings:
            return None, findings
        from .odcs import from_odcs

        try:
            canonical, origins = from_odcs(data)
        except SpecError as exc:
            return None, [Finding("error", "contract", exc.path or "schema", exc.message, *_pos(positions, ("schema",)))]
    elif fmt == "odps":
        findings += _schema_findings(data, positions, "odps")
        if findings:
            return None, findings
        from .odps import from_odps

        canonical, origins = from_odps(data)
    else:
        version = data.get("dataProductSpecification")
        if version is None:
            findings.append(
                Finding("warning", "dps-version", "dataProductSpecification", "missing; assuming 0.0.1", *_pos(positions, ()), fix="add 'dataProductSpecification: 0.0.1'")
            )
        elif str(version) != "0.0.1":
            findings.append(
                Finding("error", "dps-version", "dataProductSpecification", f"unsupported version {version!r}; only 0.0.1 is known", *_pos(positions, ("dataProductSpecification",)))
            )
            return None, findings
        from .dps import from_dps

        canonical, origins = from_dps(data)
    if base_dir is None:
        base_dir = Path(origin).parent if origin and Path(str(origin)).is_file() else Path.cwd()
    contract_errors = _resolve_contracts(canonical, origins, positions, Path(base_dir))
    if contract_errors:
        return None, findings + contract_errors
    spec, errors = _validate(canonical, origins, positions)
    findings += errors
    if spec is None:
        return None, findings
    findings += _structural_findings(spec, data, positions, origins, fmt)
    return LoadedSpec(spec, data, positions, origin, findings), findings


def load_spec(source: str | Path | dict, *, name: str | None = None, line_offset: int = 0, base_dir: str | Path | None = None) -> LoadedSpec:
    """Load a declaration or raise the first error as ``SpecError`` (line, column, path)."""
    loaded, findings = spec_findings(source, name=name, line_offset=line_offset, base_dir=base_dir)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        origin = name or (str(source) if isinstance(source, Path) else None)
        first = min(errors, key=lambda f: (f.line is None, f.line or 0, f.column or 0))
        raise first.to_error(origin)
    assert loaded is not None
    return loaded


# -- contract-first: output ports from ODCS contracts -----------------------------------------


def _resolve_contracts(canonical: dict, origins: dict, positions: Positions, base_dir: Path) -> list[Finding]:
    """Fill output ports that name an ODCS contract (contract-first) from that contract."""
    from .odcs import contract_reference, merge_contract, port_fields, read_contract

    out: list[Finding] = []
    ports = canonical.get("outputPorts")
    if not isinstance(ports, list):
        return out
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        ref = contract_reference(port)
        if ref is None:
            continue
        path, schema = ref
        yaml_path = _yaml_path(("outputPorts", i), origins)
        where = format_path(yaml_path + ("contract",))
        file = Path(path) if Path(path).is_absolute() else base_dir / path
        try:
            contract = read_contract(file)
            ports[i] = merge_contract(port, port_fields(contract, schema=schema, where=str(file)), str(file))
        except SpecError as exc:
            out.append(Finding("error", "contract", where, f"contract {path}: {exc}", *_pos(positions, yaml_path + ("contract",)), fix="fix the contract file or the path (relative to the declaring file)"))
    return out


# -- helpers ---------------------------------------------------------------------------------


def _pos(positions: Positions, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
    hit = positions.key(path) if key else positions.find(path)
    return hit if hit else (None, None)


def _schema_findings(doc: dict, positions: Positions, standard: str) -> list[Finding]:
    from jsonschema import Draft201909Validator

    validator = Draft201909Validator(official_schema(standard))
    out = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)))):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = list((err.schema.get("properties") or {}).keys())
            extras = [k for k in err.instance if k not in allowed] if isinstance(err.instance, dict) else []
            for key in extras:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else "ODPS is closed: put extensions under customProperties"
                out.append(Finding("error", "unknown-field", format_path(path + (key,)), f"unknown field '{key}'", *_pos(positions, path + (key,), key=True), fix=fix))
            continue
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            out.append(Finding("error", "required", format_path(path + (missing,)), "required field is missing", *_pos(positions, path)))
            continue
        out.append(Finding("error", "schema", format_path(path), _short(err.message), *_pos(positions, path)))
    return out


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


_PYDANTIC_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "string_pattern_mismatch": "must match [A-Za-z0-9_-]+ (letters, digits, '_' and '-')",
}


def _validate(canonical: dict, origins: dict, positions: Positions) -> tuple[DataProductSpec | None, list[Finding]]:
    from pydantic import ValidationError

    try:
        return DataProductSpec.model_validate(canonical), []
    except ValidationError as exc:
        out = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            yaml_path = _yaml_path(loc, origins)
            kind = err["type"]
            msg = _PYDANTIC_MESSAGES.get(kind) or err["msg"]
            if kind == "missing" and loc == ("id",):
                msg = "required field is missing: every data product needs an 'id'"
            if kind.startswith("value_error"):
                msg = err["msg"].removeprefix("Value error, ")
            if kind not in ("missing", "extra_forbidden") and "input" in err and not isinstance(err["input"], (dict, list)):
                msg += f" (got {err['input']!r})"
            line, col = _pos(positions, yaml_path, key=kind == "extra_forbidden")
            out.append(Finding("error", "schema", format_path(yaml_path), msg, line, col))
        return None, out


def _yaml_path(loc: tuple, origins: dict) -> tuple:
    """Map a pydantic error location in the canonical dict back to the YAML path."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in origins:
            return tuple(origins[loc[:n]]) + loc[n:]
    out = []
    for part in loc:
        out.append("schema" if part == "columns" else part)
    return tuple(out)


def _structural_findings(spec: DataProductSpec, doc: dict, positions: Positions, origins: dict, fmt: str) -> list[Finding]:
    out: list[Finding] = []

    def where(loc: tuple) -> tuple[int | None, int | None]:
        return _pos(positions, _yaml_path(loc, origins))

    def path(loc: tuple) -> str:
        return format_path(_yaml_path(loc, origins))

    seen: dict[str, str] = {}
    for group in ("inputPorts", "outputPorts"):
        for i, port in enumerate(getattr(spec, group)):
            here = f"{group}[{i}]"
            if port.id in seen:
                out.append(Finding("error", "unique-port-id", path((group, i, "id")), f"duplicate port id '{port.id}' (also {seen[port.id]})", *where((group, i, "id")), fix="give every port its own id"))
            else:
                seen[port.id] = here
    for i, port in enumerate(spec.outputPorts):
        if port.type is not None and port_kind(port.type) is None:
            hint = difflib.get_close_matches(port.type.lower(), list(PORT_TYPES), n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else "known types: " + ", ".join(sorted({k for k in PORT_TYPES if ' ' not in k}))
            out.append(Finding("error", "port-type", path(("outputPorts", i, "type")), f"unknown port type '{port.type}'", *where(("outputPorts", i, "type")), fix=fix))
        names: dict[str, int] = {}
        for j, col in enumerate(port.columns):
            loc = ("outputPorts", i, "schema", j)
            if col.name in names:
                out.append(Finding("error", "unique-column", path(loc + ("name",)), f"duplicate column '{col.name}' (also schema[{names[col.name]}])", *where(loc + ("name",))))
            names.setdefault(col.name, j)
            try:
                resolve_type(col.type)
            except UnknownType:
                hint = difflib.get_close_matches(col.type.lower(), known_type_names(), n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else "use an ODCS logical type (string, integer, number, boolean, date, timestamp) or a DuckDB type"
                out.append(Finding("error", "column-type", path(loc + ("type",)), f"unknown column type '{col.type}'", *where(loc + ("type",)), fix=fix))
    for i, port in enumerate(spec.inputPorts):
        if port.type is not None and port_kind(port.type) is None and fmt == "dps":
            # input types name the source system's technology; anything goes, but say so
            out.append(Finding("warning", "port-type", path(("inputPorts", i, "type")), f"unrecognised input port type '{port.type}'", *where(("inputPorts", i, "type"))))
    if spec.schedule is not None:
        problem = cron_problem(spec.schedule)
        if problem:
            out.append(Finding("error", "cron", path(("schedule",)), problem, *where(("schedule",)), fix="write 5 fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * *'"))
    if spec.engine is not None:
        from ..engine import ENGINES

        name = spec.engine.get("name") if isinstance(spec.engine, dict) else spec.engine
        if str(name).lower() not in ENGINES:
            hint = difflib.get_close_matches(str(name).lower(), ENGINES, n=1)
            out.append(Finding("error", "engine", path(("engine",)), f"unknown engine '{name}' (engines: {', '.join(ENGINES)})", *where(("engine",)), fix=f"did you mean '{hint[0]}'?" if hint else "use duckdb or spark"))
    if fmt == "dps":
        known = {"dataProductSpecification", "id", "info", "inputPorts", "outputPorts", "links", "custom", "tags", "schedule", "engine", "price", "serviceLevelObjectives", "version", "name", "title", "owner", "teamId", "team", "domain", "description", "status", "archetype", "maturity"}
        for key in spec.extra:
            hint = difflib.get_close_matches(str(key), sorted(known), n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else "kept as is; move it under 'custom' to silence this"
            out.append(Finding("warning", "unknown-field", str(key), f"unknown field '{key}'", *_pos(positions, (key,), key=True), fix=fix))
        if not spec.owner:
            out.append(Finding("error", "owner", "info.owner", "required field is missing: every data product needs an owner (team id)", *_pos(positions, ("info",) if "info" in doc else ()), fix="add 'info: {owner: <team>}'"))
        if not spec.title:
            out.append(Finding("warning", "title", "info.title", "no title; the id is shown instead", *_pos(positions, ("info",) if "info" in doc else ())))
    return out


def cron_problem(expr: str) -> str | None:
    """Why ``expr`` is not a 5-field cron expression, or None when it is one."""
    fields = str(expr).split()
    if len(fields) != 5:
        return f"schedule {expr!r} has {len(fields)} fields; a cron expression has 5"
    from croniter import croniter

    if not croniter.is_valid(str(expr)):
        return f"schedule {expr!r} is not a valid cron expression"
    (_, _, days, months, weekdays), nth = croniter.expand(str(expr))
    # valid field by field, yet no date matches (30 February): the product would never run
    only_days = weekdays == ["*"] and not nth and days != ["*"] and all(isinstance(d, int) for d in days)
    longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
    if only_days and not any(d <= longest[m] for m in (range(1, 13) if months == ["*"] else months) for d in days):
        return f"schedule {expr!r} never runs: none of its months has a day {', '.join(map(str, days))}"
    return None
