"""Data Mesh Manager test results: one document per contract, valid against the vendor's vendored
OpenAPI TestResults schema, with the fields the issue found missing."""

from __future__ import annotations

import datetime as dt

import pytest

from dp_notebook.checks.model import CheckResult, SuiteResult
from dp_notebook.errors import PublishError
from dp_notebook.publish.dmm_schema import dmm_test_results, validate_dmm_test_results
from dp_notebook.spec import load_spec

from .conftest import FIXTURES


@pytest.fixture
def spec():
    return load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec


def test_one_document_per_contract(spec):
    results = SuiteResult("all", [
        CheckResult("contract", "shelf_warmers_v1", "contract", True, message="6 declared columns hold"),
        CheckResult("expect_column_values_to_not_be_null(sku)", "shelf_warmers_v1", "expectation", False, message="2 of 10 unexpected", unexpected_count=2, unexpected_percent=20.0, element_count=10, column="sku"),
        CheckResult("freshness(last_sold_at)", "shelf_warmers_v1", "quality", False, severity="warning"),
        CheckResult("rows", "shelf_warmers_v1_files", "unit", True),
        CheckResult("ignored", "some_model", "expectation", False),
    ])
    start = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    docs = dmm_test_results(spec, results, run_id="run-7", started=start, finished=start + dt.timedelta(seconds=3))
    assert sorted(docs) == ["shelf-warmers-v1", "shelf_warmers-shelf_warmers_v1_files"]
    doc = docs["shelf-warmers-v1"]
    assert doc["dataContractId"] == "shelf-warmers-v1" and doc["dataContractVersion"] == "1.2.0"
    assert doc["server"] == "shelf_warmers/shelf_warmers_v1"
    assert doc["timestampStart"] == "2026-01-02T03:04:05Z" and doc["timestampEnd"] == "2026-01-02T03:04:08Z"
    assert doc["result"] == "failed"
    assert [(c["type"], c["result"]) for c in doc["checks"]] == [("schema", "passed"), ("quality", "failed"), ("servicelevel", "warning")]
    assert doc["checks"][1]["field"] == "sku"
    # the same run gives the same ids: a re-post is idempotent
    assert dmm_test_results(spec, results, run_id="run-7")["shelf-warmers-v1"]["id"] == doc["id"]
    assert docs["shelf_warmers-shelf_warmers_v1_files"]["result"] == "passed"


def test_the_vendored_schema_rejects_what_the_issue_found():
    old_payload = {"dataProductId": "shelf_warmers", "checks": [{"name": "x", "success": True}]}
    with pytest.raises(PublishError, match="dataContractId|required"):
        validate_dmm_test_results(old_payload)
