"""Open Data Product Standard v1 ⇄ the canonical model.

ODPS is closed (``additionalProperties: false``), so the toolkit's fields
travel in ``customProperties`` entries named after the DPS field
(``schema``, ``rolesAllowed``, ``serviceLevelObjectives``, ``price``,
``schedule``, ``location`` …). Everything ODPS has and the toolkit does not
interpret (``tenant``, ``support``, ``team.members``, ``sbom`` …) is kept in
the model's ``odps``/``extra`` fields and written back unchanged.
"""

from __future__ import annotations

from typing import Any

ODPS_API_VERSION = "v1.0.0"

# canonical product fields carried as ODPS customProperties
_PRODUCT_CUSTOM = ("owner", "archetype", "maturity", "schedule", "engine", "price", "serviceLevelObjectives", "links", "custom")
_INPUT_CUSTOM = ("description", "sourceSystemId", "type", "location", "links", "custom", "displayName")
_OUTPUT_CUSTOM = (
    "displayName", "status", "location", "server", "links", "custom", "containsPii", "autoApprove",
    "rolesAllowed", "schema", "serviceLevelObjectives", "price", "quality", "incremental",
)
# product-level ODPS keys kept verbatim for the round trip
_ODPS_KEPT = ("apiVersion", "tenant", "authoritativeDefinitions", "managementPorts", "support", "productCreatedTs")

Origins = dict[tuple, tuple]


def _split_custom(props: Any, wanted: tuple[str, ...]) -> tuple[dict[str, Any], list[Any], dict[str, int]]:
    """customProperties → (toolkit fields, the rest verbatim, field → index for errors)."""
    found: dict[str, Any] = {}
    rest: list[Any] = []
    index: dict[str, int] = {}
    for i, item in enumerate(props or []):
        if isinstance(item, dict) and item.get("property") in wanted and set(item) <= {"property", "value", "description"}:
            found[item["property"]] = item.get("value")
            index[item["property"]] = i
        else:
            rest.append(item)
    return found, rest, index


def from_odps(doc: dict[str, Any]) -> tuple[dict[str, Any], Origins]:
    """An ODPS document (already schema-valid) → canonical dict and origins."""
    out: dict[str, Any] = {"source_format": "odps"}
    origins: Origins = {}
    kept: dict[str, Any] = {k: doc[k] for k in _ODPS_KEPT if k in doc}

    out["id"] = doc.get("id")
    origins[("id",)] = ("id",)
    for key, target in (("name", "title"), ("version", "version"), ("status", "status"), ("domain", "domain"), ("tags", "tags")):
        if key in doc:
            out[target] = doc[key]
            origins[(target,)] = (key,)
    description = doc.get("description")
    if isinstance(description, dict):
        rest = dict(description)
        if "purpose" in rest:
            out["description"] = rest.pop("purpose")
            origins[("description",)] = ("description", "purpose")
        if rest:
            kept["description"] = rest
    team = doc.get("team")
    if isinstance(team, dict):
        rest = dict(team)
        if "name" in rest:
            out["owner"] = rest.pop("name")
            origins[("owner",)] = ("team", "name")
        if rest:
            kept["team"] = rest
    custom, rest_custom, index = _split_custom(doc.get("customProperties"), _PRODUCT_CUSTOM)
    for key, value in custom.items():
        out[key] = value
        origins[(key,)] = ("customProperties", index[key], "value")
    if rest_custom:
        kept["customProperties"] = rest_custom
    if "inputPorts" in doc:
        out["inputPorts"] = [_input_port(p, i, origins) for i, p in enumerate(doc["inputPorts"])]
    if "outputPorts" in doc:
        out["outputPorts"] = [_output_port(p, i, origins) for i, p in enumerate(doc["outputPorts"])]
    out["odps"] = kept
    return out, origins


def _input_port(port: dict[str, Any], i: int, origins: Origins) -> dict[str, Any]:
    out: dict[str, Any] = {"id": port.get("name"), "version": port.get("version"), "contractId": port.get("contractId")}
    origins[("inputPorts", i, "id")] = ("inputPorts", i, "name")
    if "tags" in port:
        out["tags"] = port["tags"]
    custom, rest, index = _split_custom(port.get("customProperties"), _INPUT_CUSTOM)
    for key, value in custom.items():
        out["name" if key == "displayName" else key] = value
        origins[("inputPorts", i, key)] = ("inputPorts", i, "customProperties", index[key], "value")
    extra = {k: v for k, v in port.items() if k in ("authoritativeDefinitions",)}
    if rest:
        extra["customProperties"] = rest
    out["extra"] = extra
    return out


def _output_port(port: dict[str, Any], i: int, origins: Origins) -> dict[str, Any]:
    out: dict[str, Any] = {"id": port.get("name"), "version": port.get("version")}
    origins[("outputPorts", i, "id")] = ("outputPorts", i, "name")
    for key, target in (("description", "description"), ("type", "type"), ("contractId", "dataContractId"), ("tags", "tags")):
        if key in port:
            out[target] = port[key]
    custom, rest, index = _split_custom(port.get("customProperties"), _OUTPUT_CUSTOM)
    for key, value in custom.items():
        target = "name" if key == "displayName" else key
        out[target] = value
        origins[("outputPorts", i, target)] = ("outputPorts", i, "customProperties", index[key], "value")
    extra = {k: v for k, v in port.items() if k in ("sbom", "inputContracts", "authoritativeDefinitions")}
    if rest:
        extra["customProperties"] = rest
    out["extra"] = extra
    return out


def _custom(pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"property": k, "value": v} for k, v in pairs if v not in (None, [], {})]


def to_odps(spec) -> dict[str, Any]:
    """The canonical model → an ODPS v1.0.0 document (plain dict)."""
    kept = dict(spec.odps)
    doc: dict[str, Any] = {
        "apiVersion": kept.pop("apiVersion", ODPS_API_VERSION),
        "kind": "DataProduct",
        "id": spec.id,
        "name": spec.title or spec.id,
    }
    if spec.version is not None:
        doc["version"] = spec.version
    doc["status"] = spec.status or "draft"
    if spec.domain is not None:
        doc["domain"] = spec.domain
    for key in ("tenant", "authoritativeDefinitions"):
        if key in kept:
            doc[key] = kept.pop(key)
    description = dict(kept.pop("description", {}))
    if spec.description is not None:
        description = {"purpose": spec.description, **description}
    if description:
        doc["description"] = description
    custom = _custom(
        [
            ("archetype", spec.archetype),
            ("maturity", spec.maturity),
            ("schedule", spec.schedule),
            ("engine", spec.engine),
            ("price", spec.price.model_dump(exclude_unset=True) if spec.price else None),
            ("serviceLevelObjectives", [s.model_dump(exclude_unset=True) for s in spec.serviceLevelObjectives]),
            ("links", dict(spec.links)),
            ("custom", dict(spec.custom)),
        ]
    )
    extra_custom = kept.pop("customProperties", [])
    if spec.source_format == "dps" and spec.extra:
        # DPS fields nobody interprets survive the trip to the closed ODPS as custom properties
        extra_custom = extra_custom + _custom(list(spec.extra.items()))
    if custom or extra_custom:
        doc["customProperties"] = custom + extra_custom
    if spec.tags:
        doc["tags"] = list(spec.tags)
    if spec.inputPorts:
        doc["inputPorts"] = [_dump_input(p) for p in spec.inputPorts]
    if spec.outputPorts:
        doc["outputPorts"] = [_dump_output(spec, p) for p in spec.outputPorts]
    for key in ("managementPorts", "support"):
        if key in kept:
            doc[key] = kept.pop(key)
    team = dict(kept.pop("team", {}))
    if spec.owner is not None:
        team = {"name": spec.owner, **team}
    if team:
        doc["team"] = team
    if "productCreatedTs" in kept:
        doc["productCreatedTs"] = kept.pop("productCreatedTs")
    return doc


def _dump_input(port) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": port.id,
        "version": port.version or "1.0.0",
        "contractId": port.contractId or port.sourceSystemId or port.id,
    }
    if port.tags:
        out["tags"] = list(port.tags)
    custom = _custom(
        [
            ("displayName", port.name if port.name and port.name != port.id else None),
            ("description", port.description),
            ("sourceSystemId", port.sourceSystemId),
            ("type", port.type),
            ("location", port.location),
            ("links", dict(port.links)),
            ("custom", dict(port.custom)),
        ]
    ) + list(port.extra.get("customProperties", []))
    if custom:
        out["customProperties"] = custom
    if "authoritativeDefinitions" in port.extra:
        out["authoritativeDefinitions"] = port.extra["authoritativeDefinitions"]
    return out


def _dump_output(spec, port) -> dict[str, Any]:
    out: dict[str, Any] = {"name": port.id}
    if port.description is not None:
        out["description"] = port.description
    if port.type is not None:
        out["type"] = port.type
    out["version"] = port.semantic_version
    out["contractId"] = spec.contract_id(port)
    for key in ("sbom", "inputContracts"):
        if key in port.extra:
            out[key] = port.extra[key]
    if port.tags:
        out["tags"] = list(port.tags)
    dps_extra = {k: v for k, v in port.extra.items() if k not in ("sbom", "inputContracts", "authoritativeDefinitions", "customProperties")}
    custom = _custom(
        [
            ("displayName", port.name if port.name and port.name != port.id else None),
            ("status", port.status),
            ("location", port.location),
            ("server", dict(port.server)),
            ("links", dict(port.links)),
            ("custom", dict(port.custom)),
            ("containsPii", port.containsPii),
            ("autoApprove", port.autoApprove),
            ("rolesAllowed", list(port.rolesAllowed)),
            ("schema", [c.model_dump(exclude_unset=True) for c in port.columns]),
            ("serviceLevelObjectives", [s.model_dump(exclude_unset=True) for s in port.serviceLevelObjectives]),
            ("price", port.price.model_dump(exclude_unset=True) if port.price else None),
            ("quality", list(port.quality)),
            # {} (new files of a globbed input) is still incremental: written as true
            ("incremental", (port.incremental.model_dump(exclude_defaults=True) or True) if port.incremental is not None else None),
        ]
    ) + list(port.extra.get("customProperties", [])) + _custom(list(dps_extra.items()))
    if custom:
        out["customProperties"] = custom
    if "authoritativeDefinitions" in port.extra:
        out["authoritativeDefinitions"] = port.extra["authoritativeDefinitions"]
    return out
