"""Data Product Specification 0.0.1 ⇄ the canonical model.

Reads the official form (``id`` + ``info.title``/``info.owner``, input ports
with ``name`` and ``sourceSystemId``) and the earlier form the seed shows
(top-level ``name``/``teamId``, or the same under ``info``; input ports with
``operationalSystemId``). Writes the official form. DPS objects are open, so
the toolkit's fields (``schema``, ``rolesAllowed`` …) are written where they
were declared, and fields nobody interprets come back unchanged.
"""

from __future__ import annotations

from typing import Any

DPS_VERSION = "0.0.1"

_INFO_FIELDS = ("title", "owner", "domain", "description", "status", "archetype", "maturity")
# earlier-form names -> canonical names, valid at top level and under info
_LEGACY_INFO = {"name": "title", "teamId": "owner", "team": "owner"}
_PRODUCT_TOOLKIT = ("schedule", "engine", "price", "serviceLevelObjectives", "version")
_INPUT_FIELDS = ("id", "name", "description", "sourceSystemId", "type", "location", "links", "custom", "tags")
_INPUT_TOOLKIT = ("contractId", "version")
_OUTPUT_FIELDS = (
    "id", "name", "description", "type", "status", "location", "server", "links", "custom",
    "containsPii", "autoApprove", "dataContractId", "tags",
)
_OUTPUT_TOOLKIT = ("version", "schema", "rolesAllowed", "serviceLevelObjectives", "price", "quality", "incremental")
_OUTPUT_ALIASES = {"roles_allowed": "rolesAllowed", "columns": "schema"}

Origins = dict[tuple, tuple]  # canonical path -> YAML path, for error positions


def from_dps(doc: dict[str, Any]) -> tuple[dict[str, Any], Origins]:
    """A DPS document → canonical dict (validated later by pydantic) and its origins."""
    out: dict[str, Any] = {"source_format": "dps"}
    origins: Origins = {}
    extra: dict[str, Any] = {}
    info_extra: dict[str, Any] = {}

    def put(key: str, value: Any, yaml_path: tuple) -> None:
        out[key] = value
        origins[(key,)] = yaml_path

    for key, value in doc.items():
        if key == "dataProductSpecification":
            continue
        if key == "id":
            put("id", value, ("id",))
        elif key == "info" and isinstance(value, dict):
            for ikey, ivalue in value.items():
                if ikey in _INFO_FIELDS:
                    put(ikey, ivalue, ("info", ikey))
                elif ikey in _LEGACY_INFO:
                    put(_LEGACY_INFO[ikey], ivalue, ("info", ikey))
                elif ikey == "id" and "id" not in doc:
                    put("id", ivalue, ("info", "id"))
                else:
                    info_extra[ikey] = ivalue
        elif key in _INFO_FIELDS:
            put(key, value, (key,))
        elif key in _LEGACY_INFO:
            put(_LEGACY_INFO[key], value, (key,))
        elif key in ("tags", "links", "custom") or key in _PRODUCT_TOOLKIT:
            put(key, value, (key,))
        elif key == "inputPorts":
            put("inputPorts", _ports(value, _input_port), ("inputPorts",))
        elif key == "outputPorts":
            put("outputPorts", _ports(value, _output_port), ("outputPorts",))
        else:
            extra[key] = value
    if "info" in doc and not isinstance(doc["info"], dict):
        out["info"] = doc["info"]  # let validation report the wrong type at info
        origins[("info",)] = ("info",)
    out["extra"] = extra
    out["info_extra"] = info_extra
    return out, origins


def _ports(value: Any, convert) -> Any:
    if not isinstance(value, list):
        return value
    return [convert(p) if isinstance(p, dict) else p for p in value]


def _input_port(port: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in port.items():
        if key in _INPUT_FIELDS or key in _INPUT_TOOLKIT:
            out[key] = value
        elif key == "operationalSystemId":
            out.setdefault("sourceSystemId", value)
        else:
            extra[key] = value
    out["extra"] = extra
    return out


def _output_port(port: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in port.items():
        key = _OUTPUT_ALIASES.get(key, key)
        if key in _OUTPUT_FIELDS or key in _OUTPUT_TOOLKIT:
            out[key] = value
        else:
            extra[key] = value
    out["extra"] = extra
    return out


def to_dps(spec) -> dict[str, Any]:
    """The canonical model → an official DPS 0.0.1 document (plain dict)."""
    doc: dict[str, Any] = {"dataProductSpecification": DPS_VERSION, "id": spec.id}
    info: dict[str, Any] = {"title": spec.title or spec.id, "owner": spec.owner or spec.domain or "unknown"}
    for key in ("domain", "description", "status", "archetype", "maturity"):
        value = getattr(spec, key)
        if value is not None:
            info[key] = value
    info.update(spec.info_extra)
    doc["info"] = info
    if spec.version is not None:
        doc["version"] = spec.version
    if spec.inputPorts:
        doc["inputPorts"] = [_dump_input(p) for p in spec.inputPorts]
    if spec.outputPorts:
        doc["outputPorts"] = [_dump_output(p) for p in spec.outputPorts]
    for key in ("links", "custom"):
        value = getattr(spec, key)
        if value:
            doc[key] = dict(value)
    if spec.tags:
        doc["tags"] = list(spec.tags)
    if spec.schedule is not None:
        doc["schedule"] = spec.schedule
    if spec.engine is not None:
        doc["engine"] = spec.engine
    if spec.price is not None:
        doc["price"] = spec.price.model_dump(exclude_unset=True)
    if spec.serviceLevelObjectives:
        doc["serviceLevelObjectives"] = [s.model_dump(exclude_unset=True) for s in spec.serviceLevelObjectives]
    doc.update(spec.extra)
    return doc


def _dump_input(port) -> dict[str, Any]:
    out: dict[str, Any] = {"id": port.id, "name": port.name or port.id, "sourceSystemId": port.sourceSystemId or port.id}
    for key in ("description", "type", "location", "contractId", "version"):
        value = getattr(port, key)
        if value is not None:
            out[key] = value
    for key in ("links", "custom", "tags"):
        value = getattr(port, key)
        if value:
            out[key] = value.copy()
    out.update(port.extra)
    return out


def _dump_output(port) -> dict[str, Any]:
    out: dict[str, Any] = {"id": port.id, "name": port.name or port.id}
    for key in ("description", "type", "status", "location", "containsPii", "autoApprove", "dataContractId", "version"):
        value = getattr(port, key)
        if value is not None:
            out[key] = value
    for key in ("server", "links", "custom", "tags", "rolesAllowed", "quality"):
        value = getattr(port, key)
        if value:
            out[key] = value.copy()
    if port.columns:
        out["schema"] = [c.model_dump(exclude_unset=True) for c in port.columns]
    if port.serviceLevelObjectives:
        out["serviceLevelObjectives"] = [s.model_dump(exclude_unset=True) for s in port.serviceLevelObjectives]
    elif "serviceLevelObjectives" in port.model_fields_set:
        out["serviceLevelObjectives"] = []
    if port.price is not None:
        out["price"] = port.price.model_dump(exclude_unset=True)
    if port.incremental is not None:
        out["incremental"] = port.incremental.model_dump(exclude_defaults=True) or True
    out.update(port.extra)
    return out
