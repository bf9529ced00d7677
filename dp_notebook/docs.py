"""Documentation of a product: the page's model, the page, and the run artifacts beside it.

One model (``docs_model``) feeds the self-contained HTML page, the compact
notebook card and the catalog's ``docs.html``; it is read from the public
product state, the workspace metadata and the cost summary.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def docs_model(dp: Any, *, files: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the documentation page shows, from the same model as the exports.

    ``dp``: the product facade (its public ``state``, ``workspace``, ``engine``).
    """
    from .checks.runner import latest_results
    from .errors import DataProductError

    from .spec.slo import slo_name
    from .render.quality import slo_threshold

    history: dict[str, list] = {}
    try:
        with dp.workspace.metadata() as md:
            series = md.quality_series(dp.id)
        history = {name: [{"at": at, "value": value, "success": ok} for at, value, ok in points] for name, points in series.items()}
    except DataProductError:
        pass
    spec = dp.spec
    thresholds = {
        f"{port.id}: {slo_name(slo)}": slo_threshold(slo)
        for port in spec.outputPorts
        for slo in (port.serviceLevelObjectives or spec.serviceLevelObjectives)
    }
    return {
        "product": dp.summary(),
        "lineage": dp.lineage() if dp.state.transforms else None,
        "checks": latest_results(dp.workspace, dp.id),
        "quality_history": history,
        "quality_thresholds": thresholds,
        "cost": dp.cost().to_dict(),
        "examples": list(dp.state.examples),
        "files": files or {},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_docs(dp: Any, out: str | os.PathLike | None = None) -> Any:
    """Write ``<out>/<id>/index.html`` (self-contained) with the specs in ``specs/`` beside it."""
    from .exports import write_specs
    from .files import atomic_write
    from .render.docs import render_product_page
    from .render.docs_card import DocsResult

    base = Path(out).expanduser() if out else (dp.settings.run_dir or dp.workspace.docs_dir)
    folder = base.resolve() / dp.id
    specs = write_specs(dp.workspace, dp.engine, dp.state, folder / "specs")
    spec = dp.spec
    files = {
        "dps": f"specs/{spec.id}.dps.yaml",
        "odps": f"specs/{spec.id}.odps.yaml",
        "odcs": {p.id: f"specs/{spec.contract_id(p)}.odcs.yaml" for p in spec.outputPorts},
    }
    model = docs_model(dp, files=files)
    page = folder / "index.html"
    atomic_write(page, render_product_page(model))
    return DocsResult(page, model, specs)


def write_run_artifacts(dp: Any, out: Path) -> list[Path]:
    """Under ``dp-notebook run``: specs, the docs page, check results (JSON + JUnit XML) in ``out/<id>``."""
    from .checks.model import CheckResult, SuiteResult
    from .checks.runner import latest_results, results_json
    from .files import atomic_write

    docs = write_docs(dp, out)
    rows = latest_results(dp.workspace, dp.id)
    folder = out / dp.id
    atomic_write(folder / "results.json", results_json(rows))
    suite = SuiteResult(dp.id, [CheckResult.from_row(r) for r in rows])
    atomic_write(folder / "junit.xml", suite.to_junit_xml(f"dp-notebook {dp.id}"))
    return [docs.path, *docs.specs, folder / "results.json", folder / "junit.xml"]
