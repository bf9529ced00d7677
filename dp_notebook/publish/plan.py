"""Publishing as a plan: everything that can refuse runs first, then the writes, remote before local.

    plan_publish(...)  lint, tests and the breaking-change diff have passed; the version is assembled
    execute(plan)      the Data Mesh Manager requests (if the target is a URL), then the local catalog

A refused publish (lint errors, failed checks, a breaking change) sends
nothing anywhere and writes nothing. A remote failure half-way raises
``PublishError`` saying which requests were sent; the local catalog is
written only after every remote request succeeded, so it never claims a
version the mesh does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..errors import PublishError
from .diff import DiffResult, diff_summaries
from .file import PublishReport, content_hash, current_summary, refuse_breaking, write_version


@dataclass
class PublishPlan:
    """One product version, ready to go: where to, what, and the diff that allowed it."""

    product: str
    catalog_dir: Path  # the local catalog, updated last
    remote: str | None  # a Data Mesh Manager URL, or None
    summary: dict[str, Any]
    files: dict[str, str]
    data: dict[str, Path]
    test_results: dict[str, Any] | None
    docs_html: str | None
    content_hash: str
    diff: DiffResult
    requests: list[Any] = field(default_factory=list)  # publish.http.Request, in order
    dry_run: bool = False


def plan_publish(
    *,
    catalog_dir: Path,
    remote: str | None,
    summary: dict[str, Any],
    files: dict[str, str],
    data: dict[str, Path],
    test_results: dict[str, Any] | None,
    docs_html: str | None,
    remote_documents: tuple[dict[str, Any], dict[str, dict[str, Any]], list[dict[str, Any]] | None] | None = None,
    allow_breaking: bool = False,
    dry_run: bool = False,
) -> PublishPlan:
    """Check the version against the published one; ``BreakingChange`` before anything is sent.

    ``remote_documents``: ``(DPS document, {contract id: ODCS document}, test results)`` for a URL target.
    """
    product_id = summary["id"]
    diff = diff_summaries(current_summary(catalog_dir, product_id), summary)
    if not allow_breaking:
        refuse_breaking(product_id, diff)
    requests = []
    if remote:
        from .http import plan_requests

        product_doc, contracts, remote_results = remote_documents or ({"id": product_id}, {}, None)
        requests = plan_requests(product_doc, contracts, remote_results)
    return PublishPlan(
        product=product_id, catalog_dir=Path(catalog_dir), remote=remote, summary=summary, files=files, data=data,
        test_results=test_results, docs_html=docs_html, content_hash=content_hash(summary, files, data), diff=diff,
        requests=requests, dry_run=dry_run,
    )


def execute(plan: PublishPlan, *, api_key: Any = None, remote_unchanged: bool = False) -> PublishReport:
    """Send the remote requests (unless ``remote_unchanged``), then write the local catalog version."""
    sent: list[dict[str, Any]] = []
    if plan.remote:
        from .http import DataMeshManagerClient

        client = DataMeshManagerClient(plan.remote, api_key=api_key)
        if plan.dry_run or remote_unchanged:
            status = "dry run" if plan.dry_run else "unchanged: not sent"
            sent = [{"method": r.method, "url": client.url + r.path, "status": status, "body": r.body if plan.dry_run else None} for r in plan.requests]
        else:
            for request in plan.requests:
                try:
                    sent.append(client.send(request))
                except PublishError as exc:
                    done = "; ".join(f"{r['method']} {r['url']} → {r['status']}" for r in sent) or "nothing"
                    raise PublishError(
                        f"{exc}\n  sent before the failure: {done}. The local catalog was not changed; publish again once "
                        f"{plan.remote} answers (publishing is idempotent)."
                    ) from None
    catalog = Catalog(plan.catalog_dir) if plan.dry_run else Catalog.create(plan.catalog_dir)
    report = write_version(
        catalog, plan.summary, files=plan.files, data=plan.data, test_results=plan.test_results,
        docs_html=plan.docs_html, digest=plan.content_hash, diff=plan.diff, dry_run=plan.dry_run,
    )
    report.requests = sent
    if plan.remote:
        report.target = f"{plan.remote} and {report.target}"
    return report
