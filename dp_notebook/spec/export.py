"""Exporters: the canonical model → DPS, ODPS, ODCS, JSON Schema, dbt ``schema.yml``, DDL.

Pure functions of the model. View names come from ``spec.view_name``,
contract ids from ``spec.contract_id`` and column types from
``types.resolve_type`` — one place each. ``validate_export`` checks a
document against the vendored official schema of its standard.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from ..errors import DataProductError
from .dps import to_dps
from .odps import to_odps
from .types import UnknownType, resolve_type

ODCS_API_VERSION = "v3.1.0"
FORMATS = ("dps", "odps", "odcs", "jsonschema", "dbt", "ddl")


class _Dumper(yaml.SafeDumper):
    """Block-style YAML with readable multi-line strings."""


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _physical(col) -> str:
    try:
        return resolve_type(col.type).physical
    except UnknownType:
        return col.type


def _logical(col) -> str:
    try:
        return resolve_type(col.type).logical
    except UnknownType:
        return "string"


# -- ODCS ---------------------------------------------------------------------------------------


def to_odcs(
    spec,
    port,
    *,
    database_path: str | None = None,
    parquet_path: str | None = None,
    quality: list[dict[str, Any]] | None = None,
    spark: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ODCS v3.1.0 data contract for ``port``.

    ``parquet_path``: the published snapshot, absolute or relative to the contract file (the
    first server, so ``datacontract test`` reads it); ``database_path``: also list the
    producer's DuckDB file; ``quality``: rules from ``checks.odcs.to_odcs_rules``;
    ``spark``: master/remote when Spark serves the port.
    """
    schema_name, view = spec.view_name(port)
    doc: dict[str, Any] = {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": spec.contract_id(port),
        "name": port.display_name,
        "version": port.semantic_version,
        "status": port.status or spec.status or "active",
    }
    if spec.domain or spec.owner:
        doc["domain"] = spec.domain or spec.owner
    doc["dataProduct"] = spec.id
    description: dict[str, Any] = {}
    if port.description or spec.description:
        description["purpose"] = port.description or spec.description
    description["usage"] = f"SELECT * FROM {schema_name}.{view}"
    if port.has_pii:
        description["limitations"] = "Contains personally identifiable information (PII); access is limited to the roles listed."
    doc["description"] = description
    if port.tags:
        doc["tags"] = list(port.tags)
    if spec.owner:
        doc["team"] = {"name": spec.owner}

    properties = []
    column_rules: dict[str, list[dict[str, Any]]] = {}
    table_rules: list[dict[str, Any]] = []
    declared = {c.name for c in port.columns}
    for rule in list(port.quality) + list(quality or []):
        col = rule.get("column") if isinstance(rule, dict) else None
        clean = {k: v for k, v in rule.items() if k != "column"}
        if col and col in declared:
            column_rules.setdefault(col, []).append(clean)
        elif col:  # no property to hang it on: a table-level rule that names its column
            from ..checks.odcs import table_level_rule

            table_rules.append(table_level_rule(rule))
        else:
            table_rules.append(clean)
    for col in port.columns:
        prop: dict[str, Any] = {
            "name": col.name,
            "logicalType": _logical(col),
            "physicalType": _physical(col),
        }
        if col.description:
            prop["description"] = col.description
        if col.primaryKey:
            prop["primaryKey"] = True
        prop["required"] = bool(col.required)
        prop["unique"] = bool(col.unique)
        if col.classification:
            prop["classification"] = col.classification
        if col.tags:
            prop["tags"] = list(col.tags)
        if col.examples:
            prop["examples"] = list(col.examples)
        if col.pii:
            prop["customProperties"] = [{"property": "pii", "value": True}]
        if col.name in column_rules:
            prop["quality"] = column_rules[col.name]
        properties.append(prop)
    schema_obj: dict[str, Any] = {
        "name": port.id,
        # the bare view name: datacontract-cli names a file server's table after the schema
        # object and reads a DuckDB server's tables inside the server's `schema`
        "physicalName": view,
        "physicalType": "view" if port.kind == "sql" else "files",
        "logicalType": "object",
    }
    if port.description:
        schema_obj["description"] = port.description
    if properties:
        schema_obj["properties"] = properties
    if table_rules:
        schema_obj["quality"] = table_rules
    doc["schema"] = [schema_obj]

    doc_servers = _servers(schema_name, database_path=database_path, parquet_path=parquet_path, spark=spark)
    if doc_servers:
        doc["servers"] = doc_servers
    if port.rolesAllowed:
        doc["roles"] = [{"role": r, "access": "read"} for r in port.rolesAllowed]
    price = port.price or spec.price
    if price is not None:
        doc["price"] = price.model_dump(exclude_none=True)
    sla = _sla(spec, port)
    if sla:
        doc["slaProperties"] = sla
    custom = [{"property": "containsPii", "value": port.has_pii}]
    if port.location:
        custom.append({"property": "location", "value": port.location})
    doc["customProperties"] = custom
    return doc


def _servers(schema_name: str, *, database_path: str | None, parquet_path: str | None, spark: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Where the port's data can be read; the first one is what ``datacontract test`` reads by default.

    The Parquet snapshot comes first: any DuckDB (and datacontract-cli) reads it. The
    producer's DuckDB file follows only when asked for: DuckDB refuses files written by a
    newer storage version, and the producing kernel holds the file's lock while it works
    (docs/interop.md has the measurements).
    """
    servers: list[dict[str, Any]] = []
    if parquet_path:
        servers.append(
            {"server": "parquet", "type": "local", "path": str(parquet_path), "format": "parquet", "description": "Published Parquet snapshot of the port" + (" (path relative to this contract)" if not _is_absolute(str(parquet_path)) else "")}
        )
    if spark is not None:  # ODCS has no Spark server type: a custom one naming the catalog and database
        server = {"server": "spark", "type": "custom", "description": f"Apache Spark ({spark.get('remote') or spark.get('master')})", "catalog": "spark_catalog", "database": schema_name}
        if spark.get("remote"):
            server["endpointUrl"] = spark["remote"]
        servers.append(server)
    elif database_path:
        servers.append({"server": "local-duckdb", "type": "duckdb", "database": str(database_path), "schema": schema_name, "description": "The producer's DuckDB workspace (readable while no kernel holds it)"})
    return servers


def _is_absolute(path: str) -> bool:
    from pathlib import PurePosixPath, PureWindowsPath

    return "://" in path or PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


_SLO_OPERATORS = ("mustBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan", "mustBeLessOrEqualTo")


def _sla(spec, port) -> list[dict[str, Any]]:
    from .slo import parse_duration, parse_ratio

    out: list[dict[str, Any]] = []
    if spec.schedule:
        out.append({"property": "frequency", "value": spec.schedule, "scheduler": "cron", "schedule": spec.schedule})
    for slo in list(port.serviceLevelObjectives) or list(spec.serviceLevelObjectives):
        if slo.type == "freshness":
            hours = parse_duration(slo.threshold) / 3600
            out.append({"property": "latency", "value": round(hours, 4), "unit": "h", "element": f"{port.id}.{slo.column}", "description": slo.description or f"newest {slo.column} at most {slo.threshold} old"})
        elif slo.type == "completeness":
            out.append({"property": "completeness", "value": parse_ratio(slo.threshold), "element": f"{port.id}.{slo.column}", "description": slo.description or f"share of non-null {slo.column}"})
        elif slo.type == "rowCount":
            desc = f"between {slo.min if slo.min is not None else '-'} and {slo.max if slo.max is not None else '-'} rows"
            out.append({"property": "rowCount", "value": desc, "element": port.id})
        else:
            entry = {"property": slo.name or "sql", "value": slo.query, "description": slo.description or "custom SQL objective"}
            bounds = {op: getattr(slo, op) for op in _SLO_OPERATORS if getattr(slo, op) is not None}
            if bounds:  # ODCS has no operator on SLAs: the extended value (a scalar) keeps it for import
                entry["valueExt"] = ", ".join(f"{op} {value}" for op, value in bounds.items())
            out.append(entry)
    return out


# -- JSON Schema, dbt, DDL ----------------------------------------------------------------------


def to_jsonschema(spec, port) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for one row of ``port``."""
    props: dict[str, Any] = {}
    required = []
    for col in port.columns:
        try:
            frag = dict(resolve_type(col.type).json_schema())
        except UnknownType:
            frag = {"type": "string"}
        if not col.required:
            frag["type"] = [frag["type"], "null"]
        else:
            required.append(col.name)
        if col.description:
            frag["description"] = col.description
        if col.classification:
            frag["x-classification"] = col.classification
        if col.pii:
            frag["x-pii"] = True
        props[col.name] = frag
    schema_name, view = spec.view_name(port)
    doc: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:dp-notebook:{spec.id}:{port.id}",
        "title": port.display_name,
        "description": port.description or f"One row of {schema_name}.{view}",
        "type": "object",
        "properties": props,
        "additionalProperties": not bool(port.columns),
    }
    if required:
        doc["required"] = required
    return doc


def to_dbt(spec) -> dict[str, Any]:
    """A dbt ``schema.yml`` with one enforced-contract model per output port."""
    models = []
    for port in spec.outputPorts:
        columns = []
        for col in port.columns:
            entry: dict[str, Any] = {"name": col.name, "data_type": _physical(col)}
            if col.description:
                entry["description"] = col.description
            constraints = []
            tests = []
            if col.required:
                constraints.append({"type": "not_null"})
                tests.append("not_null")
            if col.unique:
                constraints.append({"type": "unique"})
                tests.append("unique")
            if col.primaryKey:
                constraints.append({"type": "primary_key"})
            if constraints:
                entry["constraints"] = constraints
            if tests:
                entry["data_tests"] = tests
            meta = {}
            if col.classification:
                meta["classification"] = col.classification
            if col.pii:
                meta["pii"] = True
            if meta:
                entry["meta"] = meta
            columns.append(entry)
        model: dict[str, Any] = {"name": port.id}
        if port.description:
            model["description"] = port.description
        model["config"] = {"materialized": "view", "contract": {"enforced": bool(port.columns)}}
        meta = {"owner": spec.owner, "data_product": spec.id, "contract_id": spec.contract_id(port)}
        if port.rolesAllowed:
            meta["roles_allowed"] = list(port.rolesAllowed)
        model["meta"] = {k: v for k, v in meta.items() if v is not None}
        if columns:
            model["columns"] = columns
        models.append(model)
    return {"version": 2, "models": models}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def to_ddl(spec, port=None) -> str:
    """DuckDB ``CREATE TABLE`` statements (with comments) for the output ports."""
    ports = [port] if port is not None else list(spec.outputPorts)
    out = [f"-- {spec.display_name} ({spec.id}): output port tables, generated by dp-notebook"]
    for p in ports:
        schema_name, view = spec.view_name(p)
        target = f"{_q(schema_name)}.{_q(view)}"
        out.append(f"CREATE SCHEMA IF NOT EXISTS {_q(schema_name)};")
        if not p.columns:
            out.append(f"-- {p.id}: no columns declared")
            continue
        lines = []
        keys = [c.name for c in p.columns if c.primaryKey]
        for c in p.columns:
            line = f"    {_q(c.name)} {_physical(c)}"
            if c.required or c.primaryKey:
                line += " NOT NULL"
            if c.unique and not c.primaryKey:
                line += " UNIQUE"
            lines.append(line)
        if keys:
            lines.append(f"    PRIMARY KEY ({', '.join(_q(k) for k in keys)})")
        out.append(f"CREATE TABLE {target} (\n" + ",\n".join(lines) + "\n);")
        if p.description:
            out.append(f"COMMENT ON TABLE {target} IS {_lit(p.description)};")
        for c in p.columns:
            if c.description:
                out.append(f"COMMENT ON COLUMN {target}.{_q(c.name)} IS {_lit(c.description)};")
    return "\n".join(out) + "\n"


# -- dispatch -----------------------------------------------------------------------------------


def export(spec, fmt: str, port: str | None = None, **server_info: Any) -> dict[str, str]:
    """``{file name: text}`` for one format; ``port`` narrows per-port formats to one port."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise DataProductError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ports = [spec.output_port(port)] if port else list(spec.outputPorts)
    if fmt == "dps":
        return {f"{spec.id}.dps.yaml": dump_yaml(to_dps(spec))}
    if fmt == "odps":
        return {f"{spec.id}.odps.yaml": dump_yaml(to_odps(spec))}
    if fmt == "odcs":
        quality = server_info.pop("quality", None) or {}
        parquet = server_info.pop("parquet_paths", None) or {}
        return {
            f"{spec.contract_id(p)}.odcs.yaml": dump_yaml(
                to_odcs(spec, p, quality=quality.get(p.id), parquet_path=parquet.get(p.id), **server_info)
            )
            for p in ports
        }
    if fmt == "jsonschema":
        return {f"{p.id}.schema.json": json.dumps(to_jsonschema(spec, p), indent=2) + "\n" for p in ports}
    if fmt == "dbt":
        return {"schema.yml": dump_yaml(to_dbt(spec))}
    return {f"{spec.id}.sql": to_ddl(spec, ports[0] if port else None)}


def validate_export(fmt: str, doc: Any) -> None:
    """Validate an exported document against its standard's official JSON schema."""
    from jsonschema import Draft7Validator, Draft201909Validator, Draft202012Validator

    from .load import official_schema

    if fmt == "dps":
        validator = Draft7Validator(official_schema("dps"))
    elif fmt in ("odps", "odcs"):
        validator = Draft201909Validator(official_schema(fmt))
    elif fmt == "jsonschema":
        Draft202012Validator.check_schema(doc)
        return
    else:
        raise DataProductError(f"no official schema to validate {fmt!r} against")
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "; ".join(f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}" for e in errors[:5])
        raise DataProductError(f"{fmt} export does not validate against the official schema: {lines}")
