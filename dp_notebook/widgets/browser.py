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

from typing import Any

from ..catalog import check_role, open_catalog, split_port_ref
from ..catalog.dmm import DataMeshManagerCatalog
from ..catalog.search import build_index, search_index  # noqa: F401 - re-exported by widgets
from ..errors import AccessDenied, CatalogError, PortNotFound

MASK = "***"
MAX_LISTED = 200  # rows sent to the front end per query; the rest are counted


class BrowserState:
    """The browser without a front end: search, filter, select, preview, snippets.

    >>> BrowserState(".dp/catalog").search("orders")             # doctest: +SKIP
    >>> BrowserState("https://dmm.example.com").select("shop.items_v1")["port"]["columns"]  # doctest: +SKIP
    """

    def __init__(self, catalog_dir_or_url: Any, *, role: str | None = None, api_key: Any = None, background: bool = False) -> None:
        # background: a Data Mesh Manager's first page is listed at once, the rest as it arrives (``loading``)
        self.catalog = open_catalog(catalog_dir_or_url, api_key=api_key, background=background)
        self.role = role
        # the catalog's port index (kept at publish time; for Data Mesh Manager built from the listing):
        # the first view reads no product summary
        self.index = self.catalog.index()
        self.query = ""
        self.filters: dict[str, Any] = {}
        self.selected: str | None = None
        self._products: dict[str, dict[str, Any]] | None = None

    @property
    def loading(self) -> bool:
        """A Data Mesh Manager listing is still arriving: results, counts and facets are of what is in so far."""
        return bool(getattr(self.catalog, "loading", False))

    @property
    def products(self) -> dict[str, dict[str, Any]]:
        """Every product's summary (read on first use: the listing itself needs only the index)."""
        if self._products is None:
            self._products = {p["id"]: p for p in self.catalog.products()}
        return self._products

    # -- listing ------------------------------------------------------------------------------
    def search(self, query: str) -> list[dict[str, Any]]:
        self.query = query
        return self.results()

    def filter(self, **filters: Any) -> list[dict[str, Any]]:
        self.filters.update(filters)
        return self.results()

    def results(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The ports matching the query and filters (the first ``limit`` of them)."""
        if limit is None:
            return self.index.search(self.query, **self.filters)
        rows, self._counted = self.index.page(self.query, limit=limit, **self.filters)
        self._counted_for = (self.query, dict(self.filters))
        return rows

    def count(self) -> int:
        """How many ports match the query and filters (known already after ``results(limit=…)``)."""
        if getattr(self, "_counted_for", None) == (self.query, self.filters):
            return self._counted
        return self.index.count(self.query, **self.filters)

    def facets(self) -> dict[str, list[str]]:
        return self.index.facets()

    # -- one port -----------------------------------------------------------------------------
    def select(self, product: str, port: str | None = None) -> dict[str, Any]:
        if port is None:
            product, port = split_port_ref(product)
        entry = self.catalog.port(product, port)  # PortNotFound lists the ports
        self.selected = f"{product}.{port}"
        p = self.catalog.summary(product)
        return {
            "key": self.selected,
            "product": {k: p.get(k) for k in ("id", "title", "owner", "domain", "description", "status", "archetype", "maturity", "tags", "published_at", "catalog_version")},
            "port": entry,
            "checks": self.catalog.check_status(product),
            "snippet": self.use_snippet(),
            "docs": self.docs_url(),
            "access": self.allowed(entry),
        }

    def allowed(self, entry: dict[str, Any]) -> bool:
        try:
            check_role(entry, self.role, "")
        except AccessDenied:
            return False
        return True

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
        summary = self.catalog.summary(product)
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
        from ..names import literal

        entry = self.catalog.port(product, port)
        path = self.catalog.port_snapshot(product, port)
        limit = max(1, min(int(limit), 1000))
        src = f"read_parquet({literal(path)})"
        con = duckdb.connect()
        try:
            names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
            pii = {c["name"] for c in entry.get("columns") or [] if isinstance(c, dict) and c.get("pii")}
            if entry.get("containsPii") and not pii:
                pii = set(names)  # PII somewhere, columns not flagged: mask them all
            mask = bool(pii) and not (self.role and self.allowed(entry) and entry.get("rolesAllowed"))
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
