"""Derive a PII-redacted output port: PII columns replaced by a keyed hash, or dropped; its own contract.

The hash is HMAC-SHA256 with a key kept outside the notebook and the spec
(``Settings.redact_key``: ``DP_NOTEBOOK_REDACT_KEY``, a key file, else a random
key generated in the workspace). An unkeyed hash of a small value space — ZIP
codes, birth dates, phone numbers — is reversed by hashing every candidate;
without the key, nobody can compute a candidate's hash. Equal values still hash
equal, so hashed columns stay joinable between ports redacted with the same key.

The hash runs in the engine as the function ``dp_keyed_hash``, registered on
the build's connection only (``register_keyed_hash``): the key never appears
in SQL text, parameters, the run history or the saved state.

    >>> keyed_hash_sql("email")
    'dp_keyed_hash(CAST("email" AS VARCHAR))'
"""

from __future__ import annotations

from typing import Any

from .errors import DataProductError
from .names import quote

KEYED_HASH = "dp_keyed_hash"


def keyed_hash_sql(column: str) -> str:
    return f"{KEYED_HASH}(CAST({quote(column)} AS VARCHAR))"


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, as 64 hex digits (what ``dp_keyed_hash`` computes)."""
    import hashlib
    import hmac

    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def register_keyed_hash(con: Any, key: str) -> None:
    """Make ``dp_keyed_hash(VARCHAR)`` available on one DuckDB connection (vectorised over Arrow)."""
    import pyarrow as pa

    secret = key.encode("utf-8")

    def hash_batch(values: Any) -> Any:
        return pa.array([None if v is None else keyed_hash(secret, v) for v in values.to_pylist()], pa.string())

    con.create_function(KEYED_HASH, hash_batch, ["VARCHAR"], "VARCHAR", type="arrow", side_effects=False)


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
            columns.append(col.model_copy(update={
                "type": "string", "pii": False, "classification": "internal", "examples": [],  # examples would be the PII itself
                "description": f"{col.description or col.name} (keyed hash, HMAC-SHA256: joinable, not readable)",
            }))
            select.append(f"{keyed_hash_sql(col.name)} AS {quote(col.name)}")
        else:
            columns.append(col.model_copy())
            select.append(quote(col.name))
    schema, _ = spec.view_name(port)
    what = "replaced by a keyed hash" if method == "hash" else "removed"
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
