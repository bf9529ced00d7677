"""The port browser: every product and output port of a catalog, searchable, with previews.

Built on anywidget rather than a compiled ipywidgets extension: a widget is a
Python class with traitlets plus one ES module, so it works in JupyterLab 4,
Notebook 7 and VS Code with no build step and nothing to install in the
front end. Search, filters and previews run in Python (one implementation,
tested without a browser); the front end only renders state. Listing reads
the catalog directory only; previews read the catalog's Parquet snapshots
with an in-memory DuckDB, bounded by ``LIMIT`` — never the workspace file.

Given an http(s) URL instead of a directory, the browser lists a Data Mesh
Manager: one request for every product, and a port's data contract (its
columns) only when the port is selected. DMM serves no data, so there are no
previews and no check results there.

    >>> from dp_notebook.widgets import browse
    >>> browse(".dp/catalog")                          # doctest: +SKIP
    >>> browse("https://dmm.example.com")              # doctest: +SKIP
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

from ..catalog import Catalog, split_port_ref
from ..errors import CatalogError, PortNotFound
from ..publish.http import DataMeshManagerClient

MASK = "***"
MAX_LISTED = 200  # rows sent to the front end per query; the rest are counted
PII_CLASSIFICATIONS = ("restricted", "confidential", "pii")  # ODCS classifications read as PII from a DMM contract


def dmm_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """A DPS 0.0.1 document from Data Mesh Manager → the listing entry a catalog's ``summary.json`` holds.

    ``columns`` is ``None`` until the port's data contract is fetched (see ``DataMeshManagerCatalog.port``).

    >>> dmm_summary({"id": "p", "info": {"title": "P", "owner": "t"}, "outputPorts": [{"id": "o", "dataContractId": "c"}]})["outputPorts"][0]["contractId"]
    'c'
    """
    from ..spec.dps import from_dps  # lazily: the spec package loads pydantic, local catalogs never need it

    p, _ = from_dps(doc)  # the one DPS reader: also takes the earlier name/teamId form
    if not p.get("id"):
        raise CatalogError(f"a data product from Data Mesh Manager has no id: {json.dumps(doc)[:120]}")
    ports = []
    for port in p.get("outputPorts") or []:
        if not isinstance(port, dict) or not port.get("id"):
            raise CatalogError(f"data product {p['id']!r} from Data Mesh Manager has an output port without an id")
        ports.append(
            {
                "id": port["id"],
                "name": port.get("name") or port["id"],
                "description": port.get("description"),
                "type": port.get("type"),
                "location": port.get("location"),
                "containsPii": bool(port.get("containsPii")),
                "rolesAllowed": list(port.get("rolesAllowed") or []),
                "contractId": port.get("dataContractId"),
                "tags": list(port.get("tags") or []),
                "columns": None,
            }
        )
    keys = ("title", "owner", "domain", "description", "status", "archetype", "maturity")
    return {"id": p["id"], **{k: p.get(k) for k in keys}, "tags": list(p.get("tags") or []), "docs": None, "outputPorts": ports}


def odcs_columns(contract: dict[str, Any]) -> list[dict[str, Any]]:
    """The columns of an ODCS v3 contract (its first schema object) in the summary's column shape.

    >>> odcs_columns({"schema": [{"properties": [{"name": "email", "logicalType": "string", "classification": "restricted"}]}]})[0]["pii"]
    True
    """
    schema = contract.get("schema") if isinstance(contract, dict) else None
    props = (schema[0].get("properties") if schema and isinstance(schema[0], dict) else None) or []
    return [
        {
            "name": prop.get("name"),
            "type": prop.get("logicalType") or prop.get("physicalType"),
            "physicalType": prop.get("physicalType"),
            "description": prop.get("description"),
            "required": bool(prop.get("required")),
            "unique": bool(prop.get("unique")),
            "classification": prop.get("classification"),
            "pii": str(prop.get("classification") or "").lower() in PII_CLASSIFICATIONS
            or any(c.get("property") == "pii" and c.get("value") in (True, "true") for c in prop.get("customProperties") or [] if isinstance(c, dict)),
        }
        for prop in props
    ]


class DataMeshManagerCatalog:
    """A Data Mesh Manager read like a catalog directory: ``root``, ``products()``, ``port()``.

    Products come from one listing request; a port's columns from its data
    contract, fetched when the port is opened — 500 products cost one request.

    >>> DataMeshManagerCatalog(DataMeshManagerClient("https://dmm.example.com")).products()  # doctest: +SKIP
    """

    def __init__(self, client: DataMeshManagerClient) -> None:
        self.client = client
        self.root = client.url
        summaries = (dmm_summary(doc) for doc in client.list_products())
        self._summaries = {s["id"]: s for s in sorted(summaries, key=lambda s: s["id"])}

    def products(self) -> list[dict[str, Any]]:
        return list(self._summaries.values())

    def port(self, product_id: str, port_id: str) -> dict[str, Any]:
        """One port's summary entry, with its columns from the data contract; ``PortNotFound`` lists what there is."""
        summary = self._summaries.get(product_id)
        if summary is None:
            raise PortNotFound(f"no product {product_id!r} in Data Mesh Manager {self.root} (products: {', '.join(self._summaries) or 'none'})")
        port = next((p for p in summary["outputPorts"] if p["id"] == port_id), None)
        if port is None:
            raise PortNotFound(f"product {product_id!r} has no output port {port_id!r} (ports: {', '.join(p['id'] for p in summary['outputPorts']) or 'none'})")
        if port["columns"] is None:
            port["columns"] = odcs_columns(self.client.get_contract(port["contractId"])) if port["contractId"] else []
        return port

    def product_url(self, product_id: str) -> str:
        return f"{self.root}/dataproducts/{urllib.parse.quote(product_id, safe='')}"


def open_source(source: str | Path | DataMeshManagerClient) -> Catalog | DataMeshManagerCatalog:
    """A catalog directory, or a Data Mesh Manager given as an http(s) URL or a configured client."""
    if isinstance(source, str) and source.lower().startswith(("http://", "https://")):
        source = DataMeshManagerClient(source)
    if isinstance(source, DataMeshManagerClient):
        return DataMeshManagerCatalog(source)
    return Catalog.open(source)


def build_index(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One compact, searchable entry per output port."""
    out = []
    for p in products:
        status = p.get("status_checks") or {}
        for port in p.get("outputPorts") or []:
            cols = port.get("columns") or []
            text = " ".join(
                [p["id"], p.get("title") or "", p.get("description") or "", p.get("owner") or "", p.get("domain") or "", " ".join(p.get("tags") or []),
                 port["id"], port.get("description") or "", " ".join(port.get("tags") or []), " ".join(c["name"] for c in cols)]
            ).lower()
            out.append(
                {
                    "key": f"{p['id']}.{port['id']}",
                    "product": p["id"],
                    "port": port["id"],
                    "title": p.get("title") or p["id"],
                    "owner": p.get("owner") or "",
                    "domain": p.get("domain") or p.get("owner") or "",
                    "archetype": p.get("archetype") or "",
                    "status": p.get("status") or "",
                    "tags": sorted(set(p.get("tags") or []) | set(port.get("tags") or [])),
                    "pii": bool(port.get("containsPii")),
                    "description": port.get("description") or p.get("description") or "",
                    "location": port.get("location") or "",
                    "columns": len(cols),
                    "published_at": p.get("published_at") or "",
                    "checks": status,
                    "_text": text,
                }
            )
    return out


def search_index(index: list[dict[str, Any]], query: str = "", **filters: Any) -> list[dict[str, Any]]:
    """Entries whose text contains every word of ``query`` and that match every filter."""
    words = [w for w in query.lower().split() if w]
    out = []
    for e in index:
        if words and not all(w in e["_text"] for w in words):
            continue
        ok = True
        for key, want in filters.items():
            if want in (None, "", "any"):
                continue
            if key == "tag":
                ok = want in e["tags"]
            elif key == "pii":
                ok = e["pii"] == (want in (True, "yes", "true"))
            else:
                ok = str(e.get(key, "")) == str(want)
            if not ok:
                break
        if ok:
            out.append(e)
    return out


class BrowserState:
    """The browser without a front end: search, filter, select, preview, snippets.

    >>> BrowserState(".dp/catalog").search("orders")             # doctest: +SKIP
    >>> BrowserState("https://dmm.example.com").select("shop.items_v1")["port"]["columns"]  # doctest: +SKIP
    """

    def __init__(self, catalog_dir_or_url: str | Path | DataMeshManagerClient, *, role: str | None = None) -> None:
        self.catalog = open_source(catalog_dir_or_url)
        self.role = role
        self.products = {p["id"]: p for p in self.catalog.products()}
        for pid, p in self.products.items():
            p["status_checks"] = _check_status(self.catalog, pid)
        self.index = build_index(list(self.products.values()))
        self.query = ""
        self.filters: dict[str, Any] = {}
        self.selected: str | None = None

    # -- listing ------------------------------------------------------------------------------
    def search(self, query: str) -> list[dict[str, Any]]:
        self.query = query
        return self.results()

    def filter(self, **filters: Any) -> list[dict[str, Any]]:
        self.filters.update(filters)
        return self.results()

    def results(self) -> list[dict[str, Any]]:
        return search_index(self.index, self.query, **self.filters)

    def facets(self) -> dict[str, list[str]]:
        return {
            "domain": sorted({e["domain"] for e in self.index if e["domain"]}),
            "tag": sorted({t for e in self.index for t in e["tags"]}),
            "archetype": sorted({e["archetype"] for e in self.index if e["archetype"]}),
            "status": sorted({e["status"] for e in self.index if e["status"]}),
        }

    # -- one port -----------------------------------------------------------------------------
    def select(self, product: str, port: str | None = None) -> dict[str, Any]:
        if port is None:
            product, port = split_port_ref(product)
        entry = self.catalog.port(product, port)  # PortNotFound lists the ports
        self.selected = f"{product}.{port}"
        p = self.products[product]
        return {
            "key": self.selected,
            "product": {k: p.get(k) for k in ("id", "title", "owner", "domain", "description", "status", "archetype", "maturity", "tags", "published_at", "catalog_version")},
            "port": entry,
            "checks": p.get("status_checks") or {},
            "snippet": self.use_snippet(),
            "docs": self.docs_url(),
            "access": self.allowed(entry),
        }

    def allowed(self, entry: dict[str, Any]) -> bool:
        roles = entry.get("rolesAllowed") or []
        return not roles or (self.role in roles)

    def _selected(self) -> tuple[str, str]:
        if not self.selected:
            raise PortNotFound("select a port first")
        return split_port_ref(self.selected)

    def use_snippet(self) -> str:
        product, port = self._selected()
        role = f" --role {self.role}" if self.role else ""
        return f"%dataproduct use {product}.{port} --as {port}{role}"

    def docs_url(self) -> str | None:
        product, _ = self._selected()
        if isinstance(self.catalog, DataMeshManagerCatalog):
            return self.catalog.product_url(product)
        summary = self.products[product]
        if not summary.get("docs"):
            return None
        try:
            return self.catalog.file(product, summary["docs"]).as_uri()
        except CatalogError:
            return None

    def preview(self, limit: int = 20) -> dict[str, Any]:
        """The first ``limit`` rows (PII masked unless the role is allowed), row count and column stats."""
        import duckdb

        product, port = self._selected()
        if isinstance(self.catalog, DataMeshManagerCatalog):
            raise CatalogError(
                f"previews need a local catalog snapshot; Data Mesh Manager ({self.catalog.root}) does not serve data. "
                f"Browse the catalog directory {product} was published to for a preview."
            )
        entry = self.catalog.port(product, port)
        path = self.catalog.version_dir(product) / "data" / f"{port}.parquet"
        if not path.is_file():
            raise CatalogError(f"{product}.{port} was published without a data snapshot")
        limit = max(1, min(int(limit), 1000))
        pii = {c["name"] for c in entry.get("columns") or [] if c.get("pii")}
        mask = bool(pii) and not (self.role and self.role in (entry.get("rolesAllowed") or []))
        src = "read_parquet('" + str(path).replace("'", "''") + "')"
        con = duckdb.connect()
        try:
            count = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
            cur = con.execute(f"SELECT * FROM {src} LIMIT {limit}")
            cols = [d[0] for d in cur.description]
            rows = [[MASK if (mask and c in pii and v is not None) else _plain(v) for c, v in zip(cols, r)] for r in cur.fetchall()]
            # statistics on a bounded sample: cost does not grow with the table
            stats = []
            for r in con.execute(f"SUMMARIZE (SELECT * FROM {src} LIMIT 100000)").fetchall():
                name = r[0]
                masked = mask and name in pii
                stats.append({"column": name, "type": r[1], "min": MASK if masked else _plain(r[2]), "max": MASK if masked else _plain(r[3]), "approx_distinct": r[4], "null_percent": _plain(r[-1])})
        finally:
            con.close()
        return {"columns": cols, "rows": rows, "row_count": count, "masked": sorted(pii) if mask else [], "stats": stats, "limit": limit}


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _check_status(catalog: Catalog | DataMeshManagerCatalog, product_id: str) -> dict[str, Any]:
    if isinstance(catalog, DataMeshManagerCatalog):
        return {}  # unknown: DMM keeps test results, but the listing does not carry them
    return catalog.check_status(product_id)
