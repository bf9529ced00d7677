"""Derive a PII-redacted output port: PII columns hashed (sha256) or dropped, its own contract."""

from __future__ import annotations

from typing import Any

from .errors import DataProductError
from .names import quote


def redacted_port(spec: Any, port: Any, new_id: str, *, method: str = "hash") -> tuple[Any, str]:
    """``(new OutputPort, SQL building it from the source port's table)``."""
    if method not in ("hash", "drop"):
        raise DataProductError(f"redact: method must be 'hash' or 'drop', not {method!r}")
    if not port.columns:
        raise DataProductError(f"redact: port {port.id} declares no schema, so there is nothing to tell PII from")
    if not port.pii_columns:
        raise DataProductError(f"redact: port {port.id} has no column marked pii: true")
    columns, select = [], []
    for col in port.columns:
        if col.pii:
            if method == "drop":
                continue
            columns.append(col.model_copy(update={"type": "string", "pii": False, "classification": "internal", "description": f"{col.description or col.name} (SHA-256 hash: joinable, not readable)"}))
            select.append(f"sha256(CAST({quote(col.name)} AS VARCHAR)) AS {quote(col.name)}")
        else:
            columns.append(col.model_copy())
            select.append(quote(col.name))
    schema, _ = spec.view_name(port)
    what = "hashed" if method == "hash" else "removed"
    new_port = port.model_copy(
        update={
            "id": new_id,
            "name": new_id,
            "description": f"{port.description or port.id} PII-redacted: {', '.join(port.pii_columns)} {what}.",
            "location": f"{schema}.{new_id}",
            "containsPii": False,
            "rolesAllowed": [],
            "dataContractId": None,
            "columns": columns,
            "version": None,
        },
        deep=True,
    )
    sql = f"SELECT {', '.join(select)} FROM {quote(port.id)}"
    return new_port, sql
