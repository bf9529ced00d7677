"""The product summary: one JSON shape for the catalog listing, the
``application/vnd.dp-notebook.product+json`` payload and the lab extension.

    >>> from dp_notebook.spec import load_spec
    >>> s = product_summary(load_spec("id: p\\ninfo: {owner: t}\\n").spec)
    >>> s["id"], s["owner"], s["outputPorts"]
    ('p', 't', [])
"""

from __future__ import annotations

from typing import Any

from .types import UnknownType, resolve_type

SUMMARY_VERSION = 1


def port_summary(spec, port) -> dict[str, Any]:
    schema, view = spec.view_name(port)
    columns = []
    for col in port.columns:
        try:
            physical = resolve_type(col.type).physical
        except UnknownType:
            physical = col.type
        columns.append(
            {
                "name": col.name,
                "type": col.type,
                "physicalType": physical,
                "description": col.description,
                "required": col.required,
                "unique": col.unique,
                "classification": col.classification,
                "pii": col.pii,
            }
        )
    return {
        "id": port.id,
        "name": port.display_name,
        "description": port.description,
        "type": port.type or "SQL",
        "kind": port.kind,
        "location": f"{schema}.{view}",
        "version": port.semantic_version,
        "status": port.status,
        "containsPii": port.has_pii,
        "rolesAllowed": list(port.rolesAllowed),
        "contractId": spec.contract_id(port),
        "tags": list(port.tags),
        "columns": columns,
    }


def product_summary(spec) -> dict[str, Any]:
    """The listing entry of a product (see ``dp_notebook.catalog`` for where it is stored)."""
    return {
        "version": SUMMARY_VERSION,
        "id": spec.id,
        "title": spec.display_name,
        "owner": spec.owner,
        "domain": spec.domain,
        "description": spec.description,
        "status": spec.status,
        "archetype": spec.archetype,
        "maturity": spec.maturity,
        "tags": list(spec.tags),
        "schedule": spec.schedule,
        "inputPorts": [
            {"id": p.id, "name": p.display_name, "description": p.description, "type": p.type, "sourceSystemId": p.sourceSystemId, "contractId": p.contractId}
            for p in spec.inputPorts
        ],
        "outputPorts": [port_summary(spec, p) for p in spec.outputPorts],
    }
