"""The catalog directory: the embedded mesh of published products.

Readers (the port browser, ``use``, ``dp-notebook catalog``, the
jupyter-server extension) never open the DuckDB file; they read only this
directory, which publishes change atomically (temp file + ``os.replace``).

Layout (format 1)::

    <catalog>/
      catalog.json                      {"format": 1}
      <product_id>/
        CURRENT                         text: the current version number, e.g. "3"
        versions/<n>/
          summary.json                  the listing entry (see ``ProductSummary``)
          dataproduct.dps.yaml          DPS 0.0.1
          dataproduct.odps.yaml         ODPS v1.0.0
          contracts/<port_id>.odcs.yaml one ODCS v3.1.0 contract per output port
          test-results.json             the latest check results, if any
          data/<port_id>.parquet        a snapshot of each output port's rows

``summary.json`` holds ``{"version": 1, "id", "title", "owner", "domain",
"description", "status", "archetype", "maturity", "tags", "published_at",
"product_version", "docs": <relative path or null>, "outputPorts": [{"id",
"name", "description", "type", "location", "version", "containsPii",
"rolesAllowed", "contractId", "columns": [{"name", "type", "description",
"required", "unique", "classification", "pii"}], "status": {...}}]}``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CatalogError, PortNotFound

CATALOG_FORMAT = 1
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def is_valid_id(value: str) -> bool:
    """Ids match ``[A-Za-z0-9_-]+``: safe as a path segment and a SQL name part."""
    return bool(value) and set(value) <= _ID_CHARS


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Catalog:
    """A catalog directory. ``Catalog(path).products()`` lists what is published.

    >>> cat = Catalog.create("/tmp/example-catalog")   # doctest: +SKIP
    >>> [p["id"] for p in cat.products()]             # doctest: +SKIP
    ['shelf_warmers']
    """

    root: Path
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser().resolve()

    # -- creation / validation -------------------------------------------------
    @classmethod
    def create(cls, root: str | os.PathLike) -> Catalog:
        """Open ``root`` as a catalog, creating an empty one if the folder is new or empty."""
        path = Path(root).expanduser().resolve()
        marker = path / "catalog.json"
        if not marker.exists():
            if path.exists() and any(p for p in path.iterdir() if not p.name.startswith(".")):
                raise CatalogError(
                    f"{path} is not a dp-notebook catalog (no catalog.json) and is not empty; "
                    "point --to at an empty or existing catalog directory"
                )
            atomic_write(marker, json.dumps({"format": CATALOG_FORMAT}) + "\n")
        cat = cls(path)
        cat.check()
        return cat

    @classmethod
    def open(cls, root: str | os.PathLike) -> Catalog:
        """Open an existing catalog; ``CatalogError`` if ``root`` is not one."""
        cat = cls(Path(root))
        cat.check()
        return cat

    def check(self) -> None:
        marker = self.root / "catalog.json"
        if not self.root.is_dir():
            raise CatalogError(f"catalog directory {self.root} does not exist")
        if not marker.is_file():
            raise CatalogError(f"{self.root} is not a dp-notebook catalog: catalog.json is missing")
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{marker} is corrupt: {exc}") from None
        fmt = meta.get("format") if isinstance(meta, dict) else None
        if not isinstance(fmt, int):
            raise CatalogError(f"{marker} is corrupt: no integer 'format'")
        if fmt > CATALOG_FORMAT:
            raise CatalogError(
                f"{marker} has format {fmt}, newer than this dp-notebook understands "
                f"({CATALOG_FORMAT}); upgrade dp-notebook"
            )

    # -- reading ---------------------------------------------------------------
    def product_ids(self) -> list[str]:
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and is_valid_id(p.name) and (p / "CURRENT").is_file()
        )

    def current_version(self, product_id: str) -> int:
        if not is_valid_id(product_id):
            raise PortNotFound(f"invalid product id {product_id!r}: ids match [A-Za-z0-9_-]+")
        pointer = self.root / product_id / "CURRENT"
        if not pointer.is_file():
            known = ", ".join(self.product_ids()) or "none"
            raise PortNotFound(f"no product {product_id!r} in catalog {self.root} (products: {known})")
        text = pointer.read_text(encoding="utf-8").strip()
        if not text.isdigit():
            raise CatalogError(f"{pointer} is corrupt: expected a version number, found {text[:40]!r}")
        return int(text)

    def version_dir(self, product_id: str, version: int | None = None) -> Path:
        n = self.current_version(product_id) if version is None else version
        path = self.root / product_id / "versions" / str(n)
        if not path.is_dir():
            raise CatalogError(f"{self.root / product_id / 'CURRENT'} points at missing version {n}")
        return path

    def summary(self, product_id: str) -> dict[str, Any]:
        """The ``summary.json`` of the current version of ``product_id``."""
        path = self.version_dir(product_id) / "summary.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CatalogError(f"{path} is missing") from None
        except ValueError as exc:
            raise CatalogError(f"{path} is corrupt: {exc}") from None
        if not isinstance(data, dict) or "id" not in data:
            raise CatalogError(f"{path} is corrupt: not a product summary")
        return data

    def products(self) -> list[dict[str, Any]]:
        """Summaries of every product's current version, sorted by id."""
        return [self.summary(pid) for pid in self.product_ids()]

    def port(self, product_id: str, port_id: str) -> dict[str, Any]:
        """The summary entry of one output port; ``PortNotFound`` lists the ports there are."""
        summary = self.summary(product_id)
        ports = summary.get("outputPorts") or []
        for port in ports:
            if port.get("id") == port_id:
                return port
        names = ", ".join(p.get("id", "?") for p in ports) or "none"
        raise PortNotFound(f"product {product_id!r} has no output port {port_id!r} (ports: {names})")

    def check_status(self, product_id: str) -> dict[str, Any]:
        """The latest published test results in short: ``{result, passed, total, at}``, or ``{}``."""
        try:
            data = json.loads(self.file(product_id, "test-results.json").read_text(encoding="utf-8"))
        except (CatalogError, ValueError):
            return {}
        checks = data.get("checks") or []
        return {"result": data.get("result"), "passed": sum(1 for c in checks if c.get("success")), "total": len(checks), "at": data.get("timestamp")}

    def file(self, product_id: str, relative: str) -> Path:
        """A file inside the current version; refuses paths that leave it."""
        base = self.version_dir(product_id).resolve()
        target = (base / relative).resolve()
        if base != target and base not in target.parents:
            raise CatalogError(f"path {relative!r} leaves the product's catalog folder")
        if not target.is_file():
            raise CatalogError(f"no file {relative!r} in {base}")
        return target


def split_port_ref(ref: str) -> tuple[str, str]:
    """``'product.port'`` → ``('product', 'port')``; ids have no dots so the first dot splits."""
    product, dot, port = ref.partition(".")
    if not dot or not is_valid_id(product) or not is_valid_id(port):
        raise PortNotFound(f"{ref!r} is not a port reference: write <product>.<port>")
    return product, port
