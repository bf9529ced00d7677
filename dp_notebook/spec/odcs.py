"""ODCS v3 data contracts → output ports (contract-first).

    read_contract(path | text | dict)          parse YAML with positions, validate against the
                                               official ODCS schema → SpecError (file, line, field)
    port_fields(contract, schema=None)         one schema object → the declaration fields of an
                                               output port (columns, quality rules, roles, price, SLOs)
    output_port_from_contract(source, ...)     the same as an ``OutputPort``

A declaration names a contract with ``outputPorts[].contract: orders.odcs.yaml`` (DPS), or a
``contract`` entry in the port's ``customProperties`` (ODPS); the path is relative to the
declaring file, else to the ``base_dir`` the caller gives (the kernel's working directory).
The contract is the reference for the port's columns, quality rules, roles, price and
version; fields the declaration sets itself win, except that a column list declared in both
places must agree. Contracts dp-notebook writes (``export.to_odcs``) import back equal.

    >>> fields = port_fields({"apiVersion": "v3.1.0", "kind": "DataContract", "id": "c", "version": "1.0.0",
    ...     "status": "active", "schema": [{"name": "orders_v1", "properties": [{"name": "id", "logicalType": "integer"}]}]})
    >>> fields["id"], fields["schema"][0]["type"]
    ('orders_v1', 'integer')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .types import UnknownType, resolve_type


def read_contract(source: str | Path | dict, *, name: str | None = None) -> dict[str, Any]:
    """An ODCS v3 contract (YAML text, a path, or a dict), validated against the official schema."""
    from .load import official_schema
    from .yamlpos import Positions, format_path, load_yaml

    if isinstance(source, dict):
        data, positions, origin = source, Positions(), name
    else:
        is_path = isinstance(source, Path) or ("\n" not in str(source) and str(source).endswith((".yaml", ".yml", ".json")))
        origin = name or (str(source) if is_path else None)
        text = str(source)
        if is_path:
            from ..files import read_text

            text = read_text(Path(source), "the data contract")
        data, positions = load_yaml(text, source=origin)
    if not isinstance(data, dict) or data.get("kind") != "DataContract":
        kind = data.get("kind") if isinstance(data, dict) else type(data).__name__
        raise SpecError(f"not an ODCS data contract (kind {kind!r}, expected 'DataContract')", source=origin, path="kind")
    from jsonschema import Draft201909Validator

    errors = sorted(Draft201909Validator(official_schema("odcs")).iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        path = tuple(err.absolute_path)
        hit = positions.find(path) or (None, None)
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise SpecError(f"does not follow ODCS {data.get('apiVersion', 'v3')}: {err.message[:200]}{more}", source=origin, path=format_path(path) or None, line=hit[0], column=hit[1])
    return data


def output_port_from_contract(source: str | Path | dict, *, schema: str | None = None, port_id: str | None = None):
    """An ``OutputPort`` declared by an ODCS contract (what ``import odcs`` / ``contract:`` build)."""
    from pydantic import ValidationError

    from .model import OutputPort

    contract = read_contract(source)
    fields = port_fields(contract, schema=schema, where=str(source) if not isinstance(source, dict) else "contract")
    if port_id:
        fields["id"] = port_id
    try:
        return OutputPort.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise SpecError(f"the contract does not make a valid output port: {err['msg']}", path=".".join(map(str, err["loc"])), source=str(source) if not isinstance(source, dict) else None) from None


def pick_schema(contract: dict[str, Any], schema: str | None, where: str = "contract") -> dict[str, Any]:
    objects = [o for o in contract.get("schema") or [] if isinstance(o, dict)]
    names = [str(o.get("name")) for o in objects]
    if schema is not None:
        for o in objects:
            if o.get("name") == schema:
                return o
        raise SpecError(f"{where}: no schema object {schema!r} (schema objects: {', '.join(names) or 'none'})", path="schema")
    if len(objects) != 1:
        raise SpecError(f"{where}: the contract has {len(objects)} schema objects ({', '.join(names) or 'none'}); name the one this port serves with 'contractSchema'", path="schema")
    return objects[0]


def port_fields(contract: dict[str, Any], *, schema: str | None = None, where: str = "contract") -> dict[str, Any]:
    """Declaration fields of the output port one schema object of ``contract`` describes."""
    obj = pick_schema(contract, schema, where)
    custom = _custom(contract.get("customProperties"))
    out: dict[str, Any] = {"id": str(obj.get("name")), "dataContractId": contract.get("id")}
    if contract.get("name") and contract.get("name") != obj.get("name"):
        out["name"] = contract["name"]
    description = (contract.get("description") or {}).get("purpose") if isinstance(contract.get("description"), dict) else None
    if description or obj.get("description"):
        out["description"] = description or obj.get("description")
    for key in ("version", "status"):
        if contract.get(key) is not None:
            out[key] = str(contract[key])
    if contract.get("tags"):
        out["tags"] = list(contract["tags"])
    location = custom.get("location") or _location(contract, obj)
    if location:
        out["location"] = location
    if "containsPii" in custom:
        out["containsPii"] = bool(custom["containsPii"])
    columns, quality = [], []
    for rule in obj.get("quality") or []:
        quality.append(dict(rule))
    for prop in obj.get("properties") or []:
        columns.append(_column(prop))
        for rule in prop.get("quality") or []:
            quality.append({**rule, "column": prop["name"]})
    if columns:
        out["schema"] = columns
    if quality:
        out["quality"] = quality
    roles = [r.get("role") for r in contract.get("roles") or [] if isinstance(r, dict) and r.get("role")]
    if roles:
        out["rolesAllowed"] = roles
    if isinstance(contract.get("price"), dict):
        out["price"] = {k: v for k, v in contract["price"].items() if k in ("priceAmount", "priceCurrency", "priceUnit")}
    slos = [s for s in (_slo(p, str(obj.get("name"))) for p in contract.get("slaProperties") or []) if s]
    if slos:
        out["serviceLevelObjectives"] = slos
    return out


def _custom(props: Any) -> dict[str, Any]:
    return {p["property"]: p.get("value") for p in props or [] if isinstance(p, dict) and "property" in p}


def _location(contract: dict[str, Any], obj: dict[str, Any]) -> str | None:
    physical = obj.get("physicalName")
    if not physical:
        return None
    if "." in physical:  # contracts written before dp-notebook wrote the bare view name
        return physical
    for server in contract.get("servers") or []:
        if isinstance(server, dict) and server.get("schema"):
            return f"{server['schema']}.{physical}"
    return None


def _column(prop: dict[str, Any]) -> dict[str, Any]:
    col: dict[str, Any] = {"name": prop["name"], "type": _type(prop)}
    for key in ("description", "classification"):
        if prop.get(key) is not None:
            col[key] = prop[key]
    for key in ("required", "unique", "primaryKey"):
        if prop.get(key):
            col[key] = True
    for key in ("tags", "examples"):
        if prop.get(key):
            col[key] = list(prop[key])
    if _custom(prop.get("customProperties")).get("pii"):
        col["pii"] = True
    return col


def _type(prop: dict[str, Any]) -> str:
    """The physical type when DuckDB knows it (it is what dp-notebook writes), else the logical one."""
    physical = prop.get("physicalType")
    if physical:
        try:
            resolve_type(str(physical))
            return str(physical)
        except UnknownType:
            pass
    return str(prop.get("logicalType") or "string")


_ROWS = re.compile(r"between (\S+) and (\S+) rows")
_BOUND = re.compile(r"(mustBe|mustBeGreaterThan|mustBeGreaterOrEqualTo|mustBeLessThan|mustBeLessOrEqualTo) (-?[0-9.eE+-]+)")


def _bounds(text: Any) -> dict[str, float | int]:
    """``'mustBe 0, mustBeLessThan 5'`` (what export writes in an SLA's valueExt) → operators."""
    out: dict[str, float | int] = {}
    for op, value in _BOUND.findall(str(text or "")):
        number = float(value)
        out[op] = int(number) if number.is_integer() and "." not in value else number
    return out


def _slo(prop: dict[str, Any], port_id: str) -> dict[str, Any] | None:
    """The SLOs ``export._sla`` writes: latency → freshness, completeness, rowCount, sql (operators in valueExt)."""
    if not isinstance(prop, dict):
        return None
    kind, element = prop.get("property"), str(prop.get("element") or "")
    column = element.split(".", 1)[1] if element.startswith(port_id + ".") else None
    described = prop.get("description")
    if kind == "latency" and column and isinstance(prop.get("value"), (int, float)):
        factor = {"h": 1, "d": 24, "m": 1 / 60}.get(str(prop.get("unit") or "h").lower()[:1], 1)
        threshold = f"{float(prop['value']) * factor:g}h"
        slo = {"type": "freshness", "column": column, "threshold": threshold}
        default = f"newest {column} at most {threshold} old"
    elif kind == "completeness" and column and isinstance(prop.get("value"), (int, float)):
        slo, default = {"type": "completeness", "column": column, "threshold": prop["value"]}, f"share of non-null {column}"
    elif kind == "rowCount":
        m = _ROWS.search(str(prop.get("value")))
        if not m:
            return None
        bounds = {k: (None if v == "-" else float(v) if "." in v else int(v)) for k, v in zip(("min", "max"), m.groups())}
        slo, default = {"type": "rowCount", **{k: v for k, v in bounds.items() if v is not None}}, None
    elif kind not in ("frequency", "latency", "completeness", "retention", "availability") and isinstance(prop.get("value"), str) and "select" in prop["value"].lower():
        slo = {"type": "sql", "query": prop["value"], **_bounds(prop.get("valueExt"))}
        if kind != "sql":
            slo["name"] = kind
        default = "custom SQL objective"
    else:
        return None
    if described and described != default:
        slo["description"] = described
    return slo


# -- declarations that name a contract ----------------------------------------------------------


def contract_reference(port: dict[str, Any]) -> tuple[str, str | None] | None:
    """``(path, schema name)`` a canonical output port dict names, from DPS ``contract`` or ODPS customProperties."""
    extra = port.get("extra") or {}
    ref, schema = extra.get("contract"), extra.get("contractSchema")
    for prop in extra.get("customProperties") or []:
        if isinstance(prop, dict) and prop.get("property") == "contract":
            ref = prop.get("value")
        if isinstance(prop, dict) and prop.get("property") == "contractSchema":
            schema = prop.get("value")
    return (str(ref), schema) if ref else None


def merge_contract(port: dict[str, Any], fields: dict[str, Any], where: str) -> dict[str, Any]:
    """A canonical port dict with the contract's fields where the declaration has none.

    A column list in both places must agree (names and types), else ``SpecError``.
    """
    merged = dict(port)
    declared = merged.get("schema") or merged.get("columns")
    if declared and fields.get("schema"):
        mine = [(c.get("name"), _physical(c.get("type", "string"))) for c in declared if isinstance(c, dict)]
        theirs = [(c["name"], _physical(c["type"])) for c in fields["schema"]]
        if mine != theirs:
            raise SpecError(f"{where}: the port declares columns {[m[0] for m in mine]} that differ from its contract's {[t[0] for t in theirs]}; declare them in one place")
    for key, value in fields.items():
        if key == "id" and merged.get("id"):
            continue
        if merged.get(key) in (None, [], {}, ""):
            merged[key] = value
    return merged


def _physical(declared: str) -> str:
    try:
        return resolve_type(str(declared)).physical
    except UnknownType:
        return str(declared)


# -- a contract declared on its own: a product with one port per schema object -------------------


def from_odcs(contract: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """A validated ODCS contract → canonical product dict (as ``dps.from_dps`` makes) and origins."""
    team = contract.get("team")
    owner = team.get("name") if isinstance(team, dict) else (team if isinstance(team, str) else None)
    description = contract.get("description") if isinstance(contract.get("description"), dict) else {}
    objects = [o for o in contract.get("schema") or [] if isinstance(o, dict)]
    ports = []
    origins: dict = {("id",): ("id",)}
    for i, obj in enumerate(objects):
        fields = port_fields(contract, schema=obj.get("name"))
        fields["extra"] = {}
        ports.append(fields)
        origins[("outputPorts", i)] = ("schema", i)
    canonical: dict[str, Any] = {
        "source_format": "dps",
        "id": str(contract.get("dataProduct") or contract.get("id")),
        "title": contract.get("name"),
        "owner": owner or contract.get("domain"),
        "domain": contract.get("domain"),
        "description": description.get("purpose"),
        "schedule": next((p.get("value") for p in contract.get("slaProperties") or [] if isinstance(p, dict) and p.get("property") == "frequency"), None),
        "outputPorts": ports,
        "extra": {},
        "info_extra": {},
    }
    return {k: v for k, v in canonical.items() if v is not None}, origins
