"""Publishing to a catalog directory: a new version folder, then one atomic ``CURRENT`` swap.

A version is assembled in a temporary folder inside the product's folder,
renamed to ``versions/<n>`` and only then made current by replacing the
``CURRENT`` file — readers see the old version or the new one, never half.
A lock file serialises publishers of one catalog (several kernels, CI jobs).
Publishing identical content again creates no version (idempotent).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..catalog import Catalog, atomic_write
from ..errors import BreakingChange, CatalogError, PortNotFound
from .diff import DiffResult, diff_summaries


@dataclass
class PublishReport:
    product: str
    target: str
    version: int | None
    changed: bool
    files: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    diff: DiffResult | None = None
    dry_run: bool = False

    @property
    def success(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "target": self.target,
            "version": self.version,
            "changed": self.changed,
            "dry_run": self.dry_run,
            "files": self.files,
            "requests": self.requests,
            "diff": self.diff.to_dict() if self.diff else None,
        }

    def __str__(self) -> str:
        if self.dry_run:
            head = f"dry run: would publish {self.product} to {self.target}"
        elif not self.changed:
            head = f"{self.product}: unchanged, catalog version {self.version} stays current ({self.target})"
        else:
            head = f"published {self.product} as version {self.version} to {self.target}"
        lines = [head]
        for r in self.requests:
            status = r.get("status", "not sent")
            lines.append(f"  {r['method']} {r['url']} → {status}" + (f" after {r['attempts']} attempts" if r.get("attempts", 1) > 1 else ""))
        for f in self.files:
            lines.append(f"  {f}")
        if self.diff is not None and self.diff.changes:
            lines.append(str(self.diff))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from ..render.bundle import mimebundle
        from ..render.html import card, esc

        items = "".join(f"<li><code>{esc(f)}</code></li>" for f in self.files)
        reqs = "".join(f"<li><code>{esc(r['method'])} {esc(r['url'])}</code> → {esc(r.get('status', 'not sent'))}</li>" for r in self.requests)
        inner = f"<h4>{esc(str(self).splitlines()[0])}</h4>" + (f"<ul>{reqs}</ul>" if reqs else "") + (f"<details><summary>files</summary><ul>{items}</ul></details>" if items else "")
        return mimebundle("publish", self.to_dict(), card(inner), str(self))


@contextmanager
def catalog_lock(catalog: Catalog):
    """Serialise writers of one catalog directory (readers need no lock)."""
    path = catalog.root / ".lock"
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _content_hash(summary: dict[str, Any], files: dict[str, str], data: dict[str, Path]) -> str:
    h = hashlib.sha256()
    stable = {k: v for k, v in summary.items() if k not in ("published_at", "catalog_version", "content_hash", "status")}
    h.update(json.dumps(stable, sort_keys=True, default=str).encode())
    for name in sorted(files):
        h.update(name.encode())
        h.update(files[name].encode())
    for port in sorted(data):
        h.update(port.encode())
        with open(data[port], "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def current_summary(catalog_dir: str | Path, product_id: str) -> dict[str, Any] | None:
    """The published summary of ``product_id``, or None when it is not in the catalog (or no catalog)."""
    try:
        catalog = Catalog.open(catalog_dir)
    except CatalogError:
        if not Path(catalog_dir).exists():
            return None
        raise
    try:
        return catalog.summary(product_id)
    except PortNotFound:
        return None


def publish_to_catalog(
    catalog_dir: str | Path,
    summary: dict[str, Any],
    *,
    files: dict[str, str],
    data: dict[str, Path] | None = None,
    test_results: dict[str, Any] | None = None,
    docs_html: str | None = None,
    allow_breaking: bool = False,
    dry_run: bool = False,
) -> PublishReport:
    """Publish one product version; ``files`` maps relative paths (``contracts/x.odcs.yaml``) to text."""
    data = data or {}
    product_id = summary["id"]
    catalog = Catalog.create(catalog_dir) if not dry_run else Catalog(Path(catalog_dir))
    previous = current_summary(catalog.root, product_id) if catalog.root.exists() else None
    diff = diff_summaries(previous, summary)
    if diff.breaking and not allow_breaking:
        lines = "\n".join(f"  - {c.port}: {c.message}" for c in diff.breaking)
        raise BreakingChange(
            f"publish of {product_id} refused: {len(diff.breaking)} breaking change(s) against the published version:\n{lines}\n"
            "Add a new major version of the port (e.g. _v2) next to the old one, or publish with --allow-breaking.",
            diff.breaking,
        )
    content_hash = _content_hash(summary, files, data)
    listing = sorted(files) + [f"data/{p}.parquet" for p in sorted(data)] + (["test-results.json"] if test_results else []) + (["docs.html"] if docs_html else [])
    if dry_run:
        return PublishReport(product_id, str(catalog.root), None, True, listing, diff=diff, dry_run=True)
    with catalog_lock(catalog):
        product_dir = catalog.root / product_id
        versions = product_dir / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        previous = current_summary(catalog.root, product_id)  # re-read under the lock
        if previous is not None and previous.get("content_hash") == content_hash:
            return PublishReport(product_id, str(catalog.root), int(previous.get("catalog_version", 0)) or None, False, listing, diff=diff)
        existing = [int(p.name) for p in versions.iterdir() if p.name.isdigit()]
        number = max(existing, default=0) + 1
        tmp = product_dir / f".tmp-{uuid.uuid4().hex}"
        try:
            tmp.mkdir()
            for rel, text in files.items():
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            for port, src in data.items():
                (tmp / "data").mkdir(exist_ok=True)
                shutil.copyfile(src, tmp / "data" / f"{port}.parquet")
            if test_results is not None:
                (tmp / "test-results.json").write_text(json.dumps(test_results, indent=2, default=str), encoding="utf-8")
            if docs_html is not None:
                (tmp / "docs.html").write_text(docs_html, encoding="utf-8")
            full = dict(summary)
            full.update(
                {
                    "published_at": datetime.now(timezone.utc).isoformat(),
                    "catalog_version": number,
                    "content_hash": content_hash,
                    "docs": "docs.html" if docs_html is not None else None,
                    "files": listing,
                }
            )
            (tmp / "summary.json").write_text(json.dumps(full, indent=2, default=str), encoding="utf-8")
            os.rename(tmp, versions / str(number))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        atomic_write(product_dir / "CURRENT", f"{number}\n")
    return PublishReport(product_id, str(catalog.root), number, True, listing, diff=diff)
