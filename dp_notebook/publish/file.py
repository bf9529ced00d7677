"""Publishing to a catalog directory: refuse breaking changes, then write one version.

The catalog module writes the version atomically (``Catalog.write_version``);
here the publish decides whether it may: the diff against the current
version, and the content hash that makes a publish of identical content a
no-op (idempotent).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..catalog.local import listing
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
    note: str | None = None
    data_diffs: list[Any] = field(default_factory=list)  # datadiff.DataDiff per port: the rows against the catalog's

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
            "note": self.note,
            "data_diffs": [d.to_dict() for d in self.data_diffs],
        }

    def __str__(self) -> str:
        if self.note:
            return f"{self.product}: {self.note}"
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
        for d in self.data_diffs:
            lines.append(f"  data {d.target}: {d.headline()} against {d.old_label}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from ..render.bundle import mimebundle
        from ..render.html import card, esc

        items = "".join(f"<li><code>{esc(f)}</code></li>" for f in self.files)
        reqs = "".join(f"<li><code>{esc(r['method'])} {esc(r['url'])}</code> → {esc(r.get('status', 'not sent'))}</li>" for r in self.requests)
        inner = f"<h4>{esc(str(self).splitlines()[0])}</h4>" + (f"<ul>{reqs}</ul>" if reqs else "") + (f"<details><summary>files</summary><ul>{items}</ul></details>" if items else "")
        if self.data_diffs:
            rows = "".join(f"<li><code>{esc(d.target)}</code>: {esc(d.headline())}</li>" for d in self.data_diffs)
            inner += f"<details><summary>data changes against the catalog</summary><ul>{rows}</ul></details>"
        return mimebundle("publish", self.to_dict(), card(inner), str(self))


def content_hash(summary: dict[str, Any], files: dict[str, str], data: dict[str, Path]) -> str:
    """What a version holds, so publishing the same product twice creates one version.

    Data counts by content, not by bytes: a rebuild that returns the same rows in
    another order (parallel scans) is the same data.
    """
    h = hashlib.sha256()
    stable = {k: v for k, v in summary.items() if k not in ("published_at", "catalog_version", "content_hash", "status", "files", "docs")}
    h.update(json.dumps(stable, sort_keys=True, default=str).encode())
    for name in sorted(files):
        h.update(name.encode())
        h.update(files[name].encode())
    if data:
        import duckdb

        from ..names import literal

        con = duckdb.connect()
        try:
            for port in sorted(data):
                src = f"read_parquet({literal(Path(data[port]).as_posix())})"
                columns = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
                rows, digest = con.execute(f"SELECT count(*), sum(hash(t)) FROM {src} AS t").fetchone()
                h.update(f"{port}|{[tuple(c[:2]) for c in columns]}|{rows}|{digest}".encode())
        finally:
            con.close()
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


def refuse_breaking(product_id: str, diff: DiffResult) -> None:
    """``BreakingChange`` listing each breaking change of ``diff``; nothing when there is none."""
    if not diff.breaking:
        return
    lines = "\n".join(f"  - {c.port}: {c.message}" for c in diff.breaking)
    raise BreakingChange(
        f"publish of {product_id} refused: {len(diff.breaking)} breaking change(s) against the published version:\n{lines}\n"
        "Add a new major version of the port (e.g. _v2) next to the old one, or publish with --allow-breaking. Nothing was sent or written.",
        diff.breaking,
    )


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
    if not allow_breaking:
        refuse_breaking(product_id, diff)
    return write_version(catalog, summary, files=files, data=data, test_results=test_results, docs_html=docs_html, digest=content_hash(summary, files, data), diff=diff, dry_run=dry_run)


def write_version(
    catalog: Catalog,
    summary: dict[str, Any],
    *,
    files: dict[str, str],
    data: dict[str, Path],
    test_results: dict[str, Any] | None,
    docs_html: str | None,
    digest: str,
    diff: DiffResult | None,
    dry_run: bool,
) -> PublishReport:
    """Write the version into the catalog (or only list it, on a dry run)."""
    extra = {"test-results.json": json.dumps(test_results, indent=2, default=str) if test_results is not None else None, "docs.html": docs_html}
    names = listing(files, data, extra)
    if dry_run:
        return PublishReport(summary["id"], str(catalog.root), None, True, names, diff=diff, dry_run=True)
    number, changed = catalog.write_version(summary, files=files, data=data, extra=extra, content_hash=digest)
    return PublishReport(summary["id"], str(catalog.root), number, changed, names, diff=diff)
