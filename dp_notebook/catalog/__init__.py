"""The catalog: where published products live, in one format, read and written in one place.

    local.py     a catalog directory (layout, read, write a version atomically)
    dmm.py       a Data Mesh Manager read as a catalog (products, a port's contract)
    search.py    one searchable index of ports, used by the browser, the CLI and the lab server
    schemas/catalog.schema.json   the payloads' JSON Schema, shared with the TypeScript side

Everything that reads another product's port (``use``, ``input --from
port:``, the port browser, the lab server, ``dp-notebook catalog``) goes
through ``open_catalog`` and ``read_port``, so the role check is made once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import AccessDenied
from ..names import split_port_ref
from .local import CATALOG_FORMAT, Catalog

__all__ = ["CATALOG_FORMAT", "Catalog", "check_role", "open_catalog", "read_port", "schema", "split_port_ref", "validate_payload"]


def open_catalog(source: Any, *, api_key: Any = None, background: bool = False) -> Any:
    """A catalog directory, or a Data Mesh Manager given as an http(s) URL or a configured client
    (``background``: its listing's later pages load in a thread, see ``DataMeshManagerCatalog``)."""
    from .remote import DataMeshManagerClient

    if isinstance(source, str) and source.lower().startswith(("http://", "https://")):
        if api_key is None:
            from ..settings import api_key as environment_key

            api_key = environment_key()
        source = DataMeshManagerClient(source, api_key=api_key)
    if isinstance(source, DataMeshManagerClient):
        from .dmm import DataMeshManagerCatalog

        return DataMeshManagerCatalog(source, background=background)
    return Catalog.open(Path(source))


def check_role(entry: dict[str, Any], role: str | None, ref: str) -> None:
    """``rolesAllowed`` of a published port against the caller's role; ``AccessDenied`` names both.

    A policy check, not a security boundary: the role is the caller's own claim.
    """
    allowed = entry.get("rolesAllowed") or []
    if isinstance(allowed, str):  # a malformed catalog must not match roles by substring
        allowed = [allowed]
    if allowed and role not in allowed:
        who = f"role {role!r}" if role else "no role (pass --role or set DP_NOTEBOOK_ROLE)"
        raise AccessDenied(f"{ref}: {who} may not read this port; roles allowed: {', '.join(map(str, allowed))}. This is a policy check, not a security boundary.")


def read_port(catalog: Catalog, ref: str, role: str | None) -> tuple[dict[str, Any], Path, int]:
    """``(port entry, Parquet snapshot, version)`` of a published port the role may read."""
    product, port = split_port_ref(ref)
    entry = catalog.port(product, port)
    check_role(entry, role, ref)
    return entry, catalog.port_snapshot(product, port), catalog.current_version(product)


def schema() -> dict[str, Any]:
    """The catalog payloads' JSON Schema (``schemas/catalog.schema.json``)."""
    import json
    from importlib import resources

    return json.loads(resources.files(__package__).joinpath("schemas", "catalog.schema.json").read_text(encoding="utf-8"))


def validate_payload(definition: str, data: Any) -> None:
    """Validate ``data`` against one definition of the catalog schema (``ProductSummary``, ``CatalogListing``, ...)."""
    import jsonschema

    root = schema()
    jsonschema.validate(data, {"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]})
