"""The jupyter-server extension: the workspace catalog over HTTP for JupyterLab.

    GET /dp-notebook/api/products                      {"version": 1, "catalog", "products": [summary, ...]}
    GET /dp-notebook/api/products/<id>                 one product's summary
    GET /dp-notebook/api/products/<id>/files/<path>    a file of the current version (docs.html, contracts/...)
    GET /dp-notebook/api/docs/<id>/<path>              the workspace's unpublished docs (``%dataproduct docs``):
    GET /dp-notebook/api/docs-in/<D>/<id>/<path>       <workspace>/docs/<id>/<path>, the workspace being the
                                                       first .dp/ walking up from D (a notebook's folder relative
                                                       to the server root, URL-encoded as one segment) to the root;
                                                       the page's relative links (specs/...) keep D that way

Reads the catalog directory only (never the DuckDB file, DESIGN §9). The
catalog is ``DP_NOTEBOOK_CATALOG``, else ``<DP_NOTEBOOK_HOME>/catalog``, else
``<server root_dir>/.dp/catalog``. Ids must match ``[A-Za-z0-9_-]+`` and file
paths must stay inside the product's version folder.
"""

from __future__ import annotations

import json
import mimetypes
import os
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .catalog import Catalog
from .names import is_valid_id
from .errors import CatalogError, PortNotFound


def workspace_settings(root_dir: str | os.PathLike, notebook_dir: str | None = None) -> Any:
    """The settings of the workspace a notebook in ``notebook_dir`` (relative to the server root) uses.

    The kernel's own rule (DESIGN §9, ``dp_notebook.settings``): ``DP_NOTEBOOK_HOME``, else the
    first ``.dp/`` walking up — never above the server root here — else ``<root>/.dp``; then
    ``dp-notebook.yaml`` beside it (``catalog:`` included).
    """
    from .settings import Settings, find_home, home_is_set

    root = Path(root_dir).expanduser().resolve()
    here = (root / (notebook_dir or "")).resolve()
    if here != root and root not in here.parents:
        here = root
    home = find_home(here)
    if home.parent != root and root not in home.parents and not home_is_set():
        home = root / ".dp"  # a .dp/ above the server root is not this server's to serve
    return Settings.resolve(home)


def catalog_dir(root_dir: str | os.PathLike) -> Path:
    """The catalog the panel lists: the server root's workspace's (``DP_NOTEBOOK_CATALOG``, ``catalog:``, ``.dp/catalog``)."""
    return workspace_settings(root_dir).catalog_dir


def docs_dir(root_dir: str | os.PathLike, notebook_dir: str | None = None) -> Path:
    """Where ``%dataproduct docs`` writes by default for a notebook in ``notebook_dir``: ``<workspace>/docs``."""
    return workspace_settings(root_dir, notebook_dir).home / "docs"


# the docs page is self-contained; keep it from running scripts with the server's origin
_SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'; sandbox allow-scripts"


def _send_file(handler: JupyterHandler, path: Path) -> None:
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".yaml", ".yml"):
        ctype = "text/plain; charset=utf-8"
    handler.set_header("Content-Type", ctype)
    handler.set_header("Content-Security-Policy", _SANDBOX_CSP)
    handler.finish(path.read_bytes())


class _Base:
    """Catalog access and JSON errors shared by the handlers."""

    def _catalog(self) -> Catalog | None:
        root = catalog_dir(self.settings.get("server_root_dir") or os.getcwd())
        if not (root / "catalog.json").exists():
            return None
        return Catalog.open(root)

    def _error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message}))

    def _check_id(self, product_id: str) -> bool:
        if not is_valid_id(product_id):
            self._error(400, f"invalid product id {product_id!r}: ids match [A-Za-z0-9_-]+")
            return False
        return True


class ProductsHandler(_Base, APIHandler):
    @web.authenticated
    def get(self) -> None:
        root = catalog_dir(self.settings.get("server_root_dir") or os.getcwd())
        try:
            catalog = self._catalog()
            if catalog is None:
                self.finish(json.dumps({"version": 1, "catalog": str(root), "products": [], "message": f"no catalog at {root} yet: publish a product"}))
                return
            products = [dict(p, checks=catalog.check_status(p["id"])) for p in catalog.products()]
            self.finish(json.dumps({"version": 1, "catalog": str(root), "products": products}, default=str))
        except CatalogError as exc:
            self._error(500, str(exc))


class SearchHandler(_Base, APIHandler):
    """``?q=words``: the ports matching every word, by ``catalog.search`` (the panel does not search itself)."""

    @web.authenticated
    def get(self) -> None:
        query = self.get_argument("q", "")
        try:
            catalog = self._catalog()
            keys = [e["key"] for e in catalog.index().search(query)] if catalog is not None else []
        except CatalogError as exc:
            return self._error(500, str(exc))
        self.finish(json.dumps({"version": 1, "query": query, "keys": keys}))


class ProductHandler(_Base, APIHandler):
    @web.authenticated
    def get(self, product_id: str) -> None:
        if not self._check_id(product_id):
            return
        try:
            catalog = self._catalog()
            if catalog is None:
                return self._error(404, "no catalog yet")
            self.finish(json.dumps(catalog.summary(product_id), default=str))
        except PortNotFound as exc:
            self._error(404, str(exc))
        except CatalogError as exc:
            self._error(500, str(exc))


class FileHandler(_Base, JupyterHandler):  # serves files, not JSON
    @web.authenticated
    def get(self, product_id: str, relative: str) -> None:
        if not self._check_id(product_id):
            return
        if relative.startswith("/") or ".." in Path(relative).parts:
            return self._error(400, "file paths must stay inside the product's catalog folder")
        try:
            catalog = self._catalog()
            if catalog is None:
                return self._error(404, "no catalog yet")
            path = catalog.file(product_id, relative)
        except PortNotFound as exc:
            return self._error(404, str(exc))
        except CatalogError as exc:
            return self._error(404 if "no file" in str(exc) else 400, str(exc))
        _send_file(self, path)


class DocsHandler(_Base, JupyterHandler):
    """The workspace's docs as ``%dataproduct docs`` wrote them (unpublished), for the lab's docs tab."""

    @web.authenticated
    def get(self, *args: str) -> None:
        notebook_dir, product_id, relative = args if len(args) == 3 else (None, *args)
        if not self._check_id(product_id):
            return
        if relative.startswith("/") or ".." in Path(relative).parts or (notebook_dir and (notebook_dir.startswith("/") or ".." in Path(notebook_dir).parts)):
            return self._error(400, "file paths must stay inside the product's docs folder")
        root = self.settings.get("server_root_dir") or os.getcwd()
        folder = (docs_dir(root, notebook_dir) / product_id).resolve()
        path = (folder / relative).resolve()
        if folder not in path.parents or not path.is_file():
            return self._error(404, f"no docs file {relative!r} for {product_id} in {folder}: run %dataproduct docs first")
        _send_file(self, path)


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    base = url_path_join(web_app.settings["base_url"], "dp-notebook", "api")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "products"), ProductsHandler),
            (url_path_join(base, "search"), SearchHandler),
            (url_path_join(base, "products", r"([^/]+)"), ProductHandler),
            (url_path_join(base, "products", r"([^/]+)", "files", r"(.+)"), FileHandler),
            (url_path_join(base, "docs", r"([^/]+)", r"(.+)"), DocsHandler),
            (url_path_join(base, "docs-in", r"([^/]+)", r"([^/]+)", r"(.+)"), DocsHandler),
        ],
    )
    serverapp.log.info("dp-notebook: catalog API at %s (catalog %s)", base, catalog_dir(serverapp.root_dir))


# legacy name some jupyter-server versions look for
load_jupyter_server_extension = _load_jupyter_server_extension
