"""A catalog directory's port index, kept at publish time so listing and search never read every summary.

    <catalog>/.index/ports.sqlite     PortIndex (catalog/search.py): one row per output port
    <catalog>/.index/dirty            present while a publisher updates it (or after it was killed)

Publishers update the index under the catalog's writer lock, right after swapping ``CURRENT``
(``Catalog.write_version``): one SQLite transaction per version. Readers (the port browser,
``dp-notebook catalog``, the lab server) open it without the lock and trust it unless

- it is missing, corrupt or of another format → rebuilt from the directory (written beside
  and moved into place: readers see the old file or the new one);
- ``dirty`` is left over (a publisher died between the swap and the index) or the catalog
  folder's own listing changed since the index last saw it (products added or removed by hand,
  by an older dp-notebook) → the products whose ``CURRENT`` differs are re-read.

Both repairs take the writer lock, so they never race a publisher; a reader that cannot take
it (a read-only catalog) builds the index in memory instead.

    >>> index = catalog_index(Catalog.open(".dp/catalog"))   # doctest: +SKIP
    >>> index.search("orders", limit=20)                     # doctest: +SKIP
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from .search import PortIndex

INDEX_DIR = ".index"
INDEX_FILE = "ports.sqlite"
DIRTY = "dirty"


def index_path(root: Path) -> Path:
    return Path(root) / INDEX_DIR / INDEX_FILE


def catalog_index(catalog: Any) -> PortIndex:
    """The catalog's index, repaired or rebuilt first when it cannot be trusted (see the module docstring)."""
    root = catalog.root
    path = index_path(root)
    try:
        index = PortIndex.open(path)
    except (OSError, sqlite3.DatabaseError):
        index = None
    if index is not None and not _suspect(root, index):
        return index
    if index is not None:
        index.close()
    try:
        with catalog.lock():
            return _repair(catalog)
    except (OSError, sqlite3.DatabaseError):
        return PortIndex.in_memory(_summaries(catalog))  # a catalog we cannot write: index in memory


def record_version(catalog: Any, summary: dict[str, Any], checks: dict[str, Any]) -> None:
    """Put a just-published version into the index (the caller holds the writer lock)."""
    root = catalog.root
    try:
        index = PortIndex.open(index_path(root))
    except (OSError, sqlite3.DatabaseError):
        _repair(catalog)
        return
    try:
        with index.con:
            index.put(summary, version=summary.get("catalog_version"), checks=checks)
            index.set_meta("listing", _listing_stamp(root))
    finally:
        index.close()
    _clear_dirty(root)


def mark_dirty(root: Path) -> None:
    """Before swapping ``CURRENT``: a publisher killed before ``record_version`` leaves this behind."""
    folder = Path(root) / INDEX_DIR
    folder.mkdir(exist_ok=True)
    (folder / DIRTY).write_text(f"{os.getpid()}\n", encoding="utf-8")


def _clear_dirty(root: Path) -> None:
    try:
        (Path(root) / INDEX_DIR / DIRTY).unlink()
    except FileNotFoundError:
        pass


def _listing_stamp(root: Path) -> str:
    """Changes when product folders are added to or removed from the catalog folder."""
    return str(os.stat(root).st_mtime_ns)


def _suspect(root: Path, index: PortIndex) -> bool:
    if (Path(root) / INDEX_DIR / DIRTY).exists():
        return True
    return index.get_meta("listing") != _listing_stamp(root)


def _readable(catalog: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    """``{product id: (version, summary)}`` of every product that can be read; a corrupt one is
    left out with a warning naming its file (as ``Catalog.products`` does)."""
    import warnings

    from ..errors import CatalogError

    out = {}
    for pid in catalog.product_ids():
        try:
            out[pid] = (catalog.current_version(pid), catalog.summary(pid))
        except CatalogError as exc:
            warnings.warn(f"catalog {catalog.root}: {pid} left out: {exc}", stacklevel=3)
    return out


def _summaries(catalog: Any) -> list[dict[str, Any]]:
    return [dict(summary, status_checks=catalog.check_status(pid)) for pid, (_, summary) in _readable(catalog).items()]


def _repair(catalog: Any) -> PortIndex:
    """Under the writer lock: bring the index in line with the directory (rebuild it if unusable)."""
    root = catalog.root
    path = index_path(root)
    path.parent.mkdir(exist_ok=True)
    try:
        index = PortIndex.open(path)
    except (OSError, sqlite3.DatabaseError):
        index = _rebuild(catalog, path)
    else:
        readable = _readable(catalog)
        known = index.versions()
        with index.con:
            for pid in set(known) - set(readable):
                index.drop(pid)
            for pid, (version, summary) in readable.items():
                if known.get(pid) != version:
                    index.put(summary, version=version, checks=catalog.check_status(pid))
            index.set_meta("listing", _listing_stamp(root))
    _clear_dirty(root)
    return index


def _rebuild(catalog: Any, path: Path) -> PortIndex:
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        index = PortIndex.open(tmp, create=True)
        readable = _readable(catalog)
        with index.con:
            index.put_many((summary for _, summary in readable.values()), versions={pid: v for pid, (v, _) in readable.items()}, checks={pid: catalog.check_status(pid) for pid in readable})
            index.set_meta("listing", _listing_stamp(catalog.root))
        index.close()
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            if leftover.exists():
                leftover.unlink()
    return PortIndex.open(path)
