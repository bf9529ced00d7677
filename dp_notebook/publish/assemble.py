"""Assembling a product's publish: lint, tests, files, snapshots — then the plan and its execution.

Reads the product facade's public API only (``lint``, ``summary``,
``docs_html``, ``state``, ``workspace``, ``engine``, ``settings``).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import PublishError, SpecError


def publish_product(dp: Any, to: str | os.PathLike | None, *, dry_run: bool, allow_breaking: bool, skip_tests: bool):
    """See ``DataProduct.publish``."""
    from ..catalog.remote import dmm_url
    from ..checks.runner import run_all
    from ..datadiff import published_diffs
    from .plan import execute, plan_publish

    settings = dp.settings
    target = str(to) if to else settings.publish_to
    # checked before lint and tests run: a URL with credentials or a query is refused up front
    remote = dmm_url(target) if target and "://" in target else None
    catalog_dir = Path(target) if target and not remote else dp.workspace.catalog_dir
    lint = dp.lint()
    if not lint.success:
        lines = "\n".join(f"  {f}" for f in lint.errors)
        raise SpecError(f"publish of {dp.id} refused: lint found {len(lint.errors)} error(s):\n{lines}")
    pinned = serving_runs(dp)
    _refuse_foreign_builds(dp, pinned)
    results = None if skip_tests else run_all(dp.workspace, dp.engine, dp.state, dp.namespace, record=not dry_run).raise_for_failure()
    test_doc = test_results_doc(dp.id, results)
    with snapshots(dp) as data:
        now = serving_runs(dp)
        if now != pinned:  # a build or rollback elsewhere swapped a port under the tests or the snapshots
            changed = sorted(p for p, run in now.items() if pinned.get(p) != run)
            raise PublishError(f"publish of {dp.id} refused: {', '.join(changed)} changed while publishing (another process built or rolled it back); nothing was published, publish again")
        plan = plan_publish(
            catalog_dir=catalog_dir, remote=remote, summary=dp.summary(), files=publish_files(dp), data=data,
            test_results=test_doc, docs_html=dp.docs_html(), remote_documents=remote_documents(dp, results) if remote else None,
            allow_breaking=allow_breaking, dry_run=dry_run,
        )
        published = dp.workspace.read_status(dp.id).get("published", {})
        unchanged = bool(remote) and published.get(remote) == plan.content_hash
        # what consumers will see change in the rows, against the catalog's current snapshots
        data_diffs = published_diffs(dp.workspace.catalog_dir if remote else catalog_dir, dp.spec, data, {p.id: dp.state.pii_columns(p.id) for p in dp.spec.outputPorts})
        report = execute(plan, api_key=settings.api_key, remote_unchanged=unchanged)
        report.data_diffs = data_diffs
    if remote and not dry_run:
        dp.workspace.write_status(dp.id, {"published": {**published, remote: plan.content_hash}})
    return report


def serving_runs(dp: Any) -> dict[str, str | None]:
    """The run id of the version each output port serves now (None: not built)."""
    with dp.workspace.metadata() as md:
        return {p.id: (md.serving(dp.id, p.id) or {}).get("run_id") for p in dp.spec.outputPorts}


def _refuse_foreign_builds(dp: Any, serving: dict[str, str | None]) -> None:
    """Ports this process built that now serve another process's build: its tests, docs and outputs
    describe data the catalog would not get."""
    for port, run in sorted(dp.served_here.items()):
        if port in serving and serving[port] != run:
            raise PublishError(
                f"publish of {dp.id} refused: port {port} now serves run {serving[port]}, built by another process after this one built "
                f"run {run}; re-run its transform (or publish from the process that built it)"
            )


def publish_files(dp: Any) -> dict[str, str]:
    """DPS, ODPS and the contracts (under ``contracts/``) as the catalog version holds them."""
    from ..exports import export_files

    files: dict[str, str] = {}
    for fmt in ("dps", "odps"):
        files.update(export_files(dp.workspace, dp.engine, dp.state, fmt))
    for name, text in export_files(dp.workspace, dp.engine, dp.state, "odcs", published=True).items():
        files[f"contracts/{name}"] = text
    return files


def remote_documents(dp: Any, results: Any):
    """``(DPS document, {contract id: ODCS document}, [test results per contract])`` for a Data Mesh Manager.

    Output ports name their contracts (``dataContractId``), and the test results are
    one ``TestResults`` document per contract, as the vendor's OpenAPI describes them.
    """
    from ..exports import server_info
    from ..spec.dps import to_dps
    from ..spec.export import to_odcs
    from .dmm_schema import dmm_test_results

    spec = dp.spec
    info = server_info(dp.workspace, dp.engine, dp.state, published=True)
    contracts = {
        spec.contract_id(p): to_odcs(spec, p, parquet_path=info["parquet_paths"].get(p.id), quality=info["quality"].get(p.id), spark=info.get("spark"))
        for p in spec.outputPorts
    }
    product = to_dps(spec)
    for port_doc, port in zip(product.get("outputPorts") or [], spec.outputPorts):
        port_doc.setdefault("dataContractId", spec.contract_id(port))
    tests = list(dmm_test_results(spec, results).values()) if results is not None else None
    return product, contracts, tests


@contextmanager
def snapshots(dp: Any):
    """Parquet snapshots of every built output port, in a temp folder of the workspace removed afterwards
    (a publish killed half-way leaves it behind; the next publish removes it, ``files.scratch_dir``)."""
    from ..files import scratch_dir
    from ..names import private_schema, quote

    schema = private_schema(dp.id)
    engine = dp.engine
    with scratch_dir(dp.workspace.root / "tmp", "publish") as tmp:
        out: dict[str, Path] = {}
        with engine.connect(where="publish") as con:
            built = [port for port in dp.spec.outputPorts if engine.has_relation(con, schema, port.id)]
        for port in built:
            view_schema, view = dp.spec.view_name(port)
            path = Path(tmp) / f"{port.id}.parquet"
            engine.snapshot(f"{quote(view_schema)}.{quote(view)}", path)
            out[port.id] = path
        yield out


def test_results_doc(product_id: str, results: Any) -> dict[str, Any] | None:
    """The test-results document published beside the product (Data Mesh Manager shape)."""
    if results is None:
        return None
    import uuid
    from datetime import datetime, timezone

    statuses = [r.status for r in results.results]
    return {
        "id": uuid.uuid4().hex,
        "dataProductId": product_id,
        "result": "failed" if "failed" in statuses else ("warning" if "warning" in statuses else "passed"),
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "checks": [r.to_row() for r in results.results],
    }
