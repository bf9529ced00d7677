"""Data Mesh Manager / Entropy Data test results: one ``POST /api/test-results`` body per contract.

The vendor's OpenAPI ``TestResults`` schema is vendored (spec/schemas/dmm-test-results.schema.json,
source in SOURCES.md); every document built here validates against it.

    >>> from dp_notebook.spec import load_spec
    >>> from dp_notebook.checks.model import CheckResult
    >>> spec = load_spec("id: shop\\ninfo: {owner: t}\\noutputPorts: [{id: orders_v1}]\\n").spec
    >>> docs = dmm_test_results(spec, [CheckResult("not_null(id)", "orders_v1", "expectation", True)], run_id="r1")
    >>> docs["shop-orders_v1"]["server"], docs["shop-orders_v1"]["result"]
    ('shop/orders_v1', 'passed')
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import PublishError

# dp-notebook check kinds → the check types the API and datacontract-cli use
_CHECK_TYPES = {"contract": "schema", "expectation": "quality", "quality": "servicelevel", "unit": "unit"}
_NAMESPACE = uuid.UUID("6f1c9a52-3d4e-4f0b-9a57-0d7c5e9b2a11")


def dmm_test_results(
    spec,
    results: Any,
    *,
    run_id: str | None = None,
    started: dt.datetime | None = None,
    finished: dt.datetime | None = None,
) -> dict[str, dict[str, Any]]:
    """``{contract id: TestResults document}`` for each output port that has results.

    ``results``: a ``SuiteResult`` or a list of ``CheckResult`` (their ``target`` names the port).
    The document id is derived from ``run_id`` and the contract, so posting the same run twice
    sends the same id. ``server`` is ``<data product id>/<output port id>``, as the API wants
    for contracts linked to an output port.
    """
    checks = list(getattr(results, "results", results) or [])
    finished = finished or dt.datetime.now(dt.timezone.utc)
    started = started or finished
    run_id = run_id or uuid.uuid4().hex
    out: dict[str, dict[str, Any]] = {}
    for port in spec.outputPorts:
        mine = [c for c in checks if c.target == port.id]
        if not mine:
            continue
        contract_id = spec.contract_id(port)
        entries = [_check(c, port.id) for c in mine]
        doc = {
            "id": str(uuid.uuid5(_NAMESPACE, f"{run_id}/{contract_id}")),
            "dataContractId": contract_id,
            "dataContractVersion": port.semantic_version,
            "server": f"{spec.id}/{port.id}",
            "timestampStart": _timestamp(started),
            "timestampEnd": _timestamp(finished),
            "result": _overall(entries),
            "checks": entries,
            "logs": [{"level": "INFO", "message": f"dp-notebook run {run_id}: {len(entries)} checks on {spec.id}.{port.id}", "timestamp": _timestamp(finished)}],
        }
        validate_dmm_test_results(doc)
        out[contract_id] = doc
    return out


def _check(c: Any, port_id: str) -> dict[str, Any]:
    if c.success:
        result = "passed"
    else:
        result = "failed" if c.severity == "error" else "warning"
    entry: dict[str, Any] = {"type": _CHECK_TYPES.get(c.kind, c.kind), "name": c.name, "result": result, "engine": "dp-notebook", "model": port_id}
    if c.column:
        entry["field"] = c.column
    if c.message:
        entry["reason"] = c.message
    if c.unexpected_count is not None:
        entry["details"] = json.dumps({"unexpected_count": c.unexpected_count, "unexpected_percent": c.unexpected_percent, "element_count": c.element_count})
    return entry


def _overall(entries: list[dict[str, Any]]) -> str:
    results = {e["result"] for e in entries}
    for status in ("error", "failed", "warning"):
        if status in results:
            return status
    return "passed"


def _timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=1)
def test_results_schema() -> dict[str, Any]:
    """The vendor's ``TestResults`` schema (OpenAPI 3.1, i.e. JSON Schema 2020-12)."""
    text = resources.files("dp_notebook.spec").joinpath("schemas", "dmm-test-results.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_dmm_test_results(doc: dict[str, Any]) -> None:
    """``PublishError`` naming the field when ``doc`` does not follow the vendor's schema."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(test_results_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = ".".join(map(str, errors[0].absolute_path)) or "<root>"
        raise PublishError(f"test results do not follow the Data Mesh Manager API schema: {where}: {errors[0].message[:200]}")


test_results_schema.__test__ = False  # not a pytest test, despite its name
