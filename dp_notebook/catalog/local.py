"""A catalog directory: the embedded mesh of published products (the one owner of its layout).

Readers (the port browser, ``use``, ``dp-notebook catalog``, the
jupyter-server extension) never open the DuckDB file; they read only this
directory, which publishes change atomically (temp file + ``os.replace``).

Layout (format 1)::

    <catalog>/
      catalog.json                      {"format": 1}
      <product_id>/
        CURRENT                         text: the current version number, e.g. "3"
        versions/<n>/
          summary.json                  the listing entry: ProductSummary in schemas/catalog.schema.json
          <product_id>.dps.yaml         DPS 0.0.1
          <product_id>.odps.yaml        ODPS v1.0.0
          contracts/<contract>.odcs.yaml   one ODCS v3.1.0 contract per output port
          test-results.json             the latest check results, if any
          docs.html                     the product's documentation page
          data/<port_id>.parquet        a snapshot of each output port's rows
      .index/ports.sqlite               every output port, searchable (catalog/index.py); rebuilt when missing
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import CatalogError, DataProductError, PortNotFound
from ..files import atomic_write, inside
from ..names import check_id, is_valid_id

CATALOG_FORMAT = 1


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
        if self.root.exists() and not self.root.is_dir():
            raise CatalogError(f"{self.root} is a file, not a catalog directory")
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
        try:
            text = pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogError(f"{pointer} is unreadable: {exc}") from None
        if not re.fullmatch(r"[0-9]{1,9}", text):
            raise CatalogError(f"{pointer} is corrupt: expected a version number, found {text[:40]!r}{'…' if len(text) > 40 else ''}")
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
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{path} is corrupt: {exc}") from None
        if not isinstance(data, dict) or "id" not in data:
            raise CatalogError(f"{path} is corrupt: not a product summary")
        problem = summary_problem(data)
        if problem:  # a shared catalog is written by others: every reader gets a checked summary
            raise CatalogError(f"{path} is corrupt: {problem}")
        return data

    def products(self) -> list[dict[str, Any]]:
        """Summaries of every product's current version, sorted by id.

        A corrupt product is left out with a warning naming its file: one team's broken
        folder in a shared catalog must not hide everyone else's products.
        """
        import warnings

        out = []
        for pid in self.product_ids():
            try:
                out.append(self.summary(pid))
            except CatalogError as exc:
                warnings.warn(f"catalog {self.root}: {pid} left out: {exc}", stacklevel=2)
        return out

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
        """The latest published test results in short (``CheckStatus`` in the catalog schema), or ``{}``.

        A failed check of severity warning counts as a warning, not a failure.
        """
        try:
            data = json.loads(self.file(product_id, "test-results.json").read_text(encoding="utf-8"))
        except (CatalogError, ValueError):
            return {}
        checks = [c for c in data.get("checks") or [] if isinstance(c, dict)] if isinstance(data, dict) else []
        status = [c.get("status") or ("passed" if c.get("success") else "failed" if (c.get("severity") or "error") == "error" else "warning") for c in checks]
        failed, warnings = status.count("failed"), status.count("warning")
        result = "failed" if failed else ("warning" if warnings else "passed")
        return {"result": result, "passed": status.count("passed"), "warnings": warnings, "failed": failed, "total": len(checks), "at": data.get("timestamp")}

    def port_snapshot(self, product_id: str, port_id: str) -> Path:
        """The Parquet snapshot of a published port; ``CatalogError`` when it was published without data."""
        self.port(product_id, port_id)
        path = self.version_dir(product_id) / "data" / f"{port_id}.parquet"
        if not path.is_file():
            raise CatalogError(f"{product_id}.{port_id} is published without data (no {path}); republish the product")
        return path

    def file(self, product_id: str, relative: str) -> Path:
        """A file inside the current version; refuses paths that leave it."""
        base = self.version_dir(product_id).resolve()
        target = (base / relative).resolve()
        if base != target and base not in target.parents:
            raise CatalogError(f"path {relative!r} leaves the product's catalog folder")
        if not target.is_file():
            raise CatalogError(f"no file {relative!r} in {base}")
        return target

    # -- writing ---------------------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialise writers of one catalog directory (readers need no lock)."""
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def write_version(
        self,
        summary: dict[str, Any],
        *,
        files: dict[str, str],
        data: dict[str, Path],
        extra: dict[str, str | None],
        content_hash: str,
    ) -> tuple[int, bool]:
        """Publish one version of ``summary['id']``: ``(version, changed)``.

        The version is assembled in a temporary folder, renamed to
        ``versions/<n>`` and made current by replacing ``CURRENT`` — readers
        see the old version or the new one, never half. Identical content
        (``content_hash``) publishes nothing. ``files`` maps relative paths to
        text; ``data`` port ids to Parquet files; ``extra`` file names
        (``test-results.json``, ``docs.html``) to text or None.
        """
        product_id = check_id(summary["id"], "product id")
        product_dir = self.root / product_id
        versions = product_dir / "versions"
        try:
            versions.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot write to catalog {self.root}: {exc.strerror or exc}") from None
        with self.lock():
            _remove_stale_temp(product_dir)
            previous = self.summary(product_id) if (product_dir / "CURRENT").is_file() else None
            if previous is not None and previous.get("content_hash") == content_hash:
                return int(previous.get("catalog_version") or self.current_version(product_id)), False
            number = max((int(p.name) for p in versions.iterdir() if p.name.isdigit()), default=0) + 1
            tmp = product_dir / f".tmp-{uuid.uuid4().hex}"
            try:
                tmp.mkdir()
                for rel, text in files.items():
                    path = inside(tmp, rel)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
                for port, src in data.items():
                    (tmp / "data").mkdir(exist_ok=True)
                    shutil.copyfile(src, inside(tmp / "data", f"{check_id(port, 'port id')}.parquet"))
                for name, text in extra.items():
                    if text is not None:
                        inside(tmp, name).write_text(text, encoding="utf-8")
                full = dict(summary)
                full.update(
                    published_at=datetime.now(timezone.utc).isoformat(),
                    catalog_version=number,
                    content_hash=content_hash,
                    docs="docs.html" if extra.get("docs.html") is not None else None,
                    files=listing(files, data, extra),
                )
                (tmp / "summary.json").write_text(json.dumps(full, indent=2, default=str), encoding="utf-8")
                os.rename(tmp, versions / str(number))
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise CatalogError(f"cannot write version {number} of {product_id} to {self.root}: {exc.strerror or exc}") from None
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            from .index import mark_dirty, record_version

            mark_dirty(self.root)  # the port index follows CURRENT; a publisher killed in between leaves the mark
            try:
                atomic_write(product_dir / "CURRENT", f"{number}\n")
            except DataProductError as exc:
                raise CatalogError(str(exc)) from None
            try:
                record_version(self, full, self.check_status(product_id))
            except (OSError, sqlite3.Error):
                pass  # published; the mark stays and the next reader brings the index up to date
        return number, True

    def index(self) -> Any:
        """The port index (``catalog/search.py``'s ``PortIndex``), kept at publish time: listing and
        search without reading every product's summary."""
        from .index import catalog_index

        return catalog_index(self)


_VALIDATOR: list[Any] = []


def summary_problem(data: Any) -> str | None:
    """Where ``data`` breaks the catalog schema's ``ProductSummary`` (first problem), or None.

    fastjsonschema (nbformat's validator) compiles the schema to Python in ~10 ms: every read
    path (``use``, the browser, ``dp-notebook catalog``) validates the summaries it reads, and
    ``import jsonschema`` costs ~0.9 s here (its format checkers build 39 lark grammars)."""
    import fastjsonschema

    if not _VALIDATOR:
        from . import schema

        root = schema()
        _VALIDATOR.append(fastjsonschema.compile({"$ref": "#/$defs/ProductSummary", "$defs": root["$defs"]}))
    try:
        _VALIDATOR[0](data)
    except fastjsonschema.JsonSchemaValueException as error:
        # its message names the place: "data.outputPorts[0].columns must be array"
        return error.message.replace("data", "summary", 1)[:200]
    return None


def listing(files: dict[str, str], data: dict[str, Path], extra: dict[str, str | None]) -> list[str]:
    """The files of a version, as its summary lists them."""
    return sorted(files) + [f"data/{p}.parquet" for p in sorted(data)] + sorted(k for k, v in extra.items() if v is not None)


def _remove_stale_temp(product_dir: Path) -> None:
    """Temp folders of publishers killed half-way: under the lock nobody else is writing one."""
    for tmp in product_dir.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
