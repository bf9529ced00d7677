"""Unit-test cases and SLO checks on real in-memory DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import yaml

from dp_notebook.checks.quality import evaluate_slo, parse_duration, parse_ratio
from dp_notebook.checks.unit import parse_cases, run_case
from dp_notebook.errors import SpecError, SQLError
from dp_notebook.spec.model import SLO

CASES = yaml.safe_load(
    """
- name: unsold article is a shelf warmer
  given:
    stock: [{sku: A, location: L1, available: 5}, {sku: B, location: L1, available: 0}]
    sales: [{sku: A, sold_at: 2026-01-01 10:00:00}, {sku: B, sold_at: 2026-10-30 10:00:00}]
  params: {months: 3}
  expect:
    - {sku: A, location: L1}
- name: wrong expectation
  given:
    stock: [{sku: A, location: L1, available: 5}]
    sales: [{sku: A, sold_at: 2026-01-01 10:00:00}]
  expect:
    - {sku: Z, location: L1}
"""
)

SQL = """
SELECT s.sku, s.location, max(x.sold_at) AS last_sold_at
FROM stock s LEFT JOIN sales x USING (sku)
WHERE s.available > 0
GROUP BY ALL
HAVING max(x.sold_at) < TIMESTAMP '2026-11-01' - to_months($months)
"""


def build(con, params):
    params.setdefault("months", 3)
    con.execute(f"CREATE TABLE result AS {SQL}", params)
    return "result"


def test_unit_cases_pass_and_fail_with_diff():
    cases = parse_cases(CASES, target="shelf_warmers_v1")
    ok = run_case(cases[0], target="shelf_warmers_v1", build=build)
    assert ok.success, ok.message
    bad = run_case(cases[1], target="shelf_warmers_v1", build=build)
    assert not bad.success
    assert bad.missing == [{"location": "L1", "sku": "Z"}]
    assert bad.unexpected == [{"location": "L1", "sku": "A"}]
    assert "- {location: 'L1', sku: 'Z'}" in bad.diff_text() and "+ {location: 'L1', sku: 'A'}" in bad.diff_text()
    row = bad.to_row()
    assert row["kind"] == "unit" and row["unexpected_count"] == 2


def test_unit_missing_column_and_bad_cases():
    case = parse_cases({"given": {"stock": [{"sku": "A", "location": "L", "available": 1}], "sales": [{"sku": "A", "sold_at": dt.datetime(2020, 1, 1)}]}, "expect": [{"nope": 1}]}, target="t")[0]
    res = run_case(case, target="t", build=build)
    assert not res.success and "nope" in res.message and "sku" in res.message
    with pytest.raises(SpecError, match="given"):
        parse_cases([{"expect": []}], target="t")
    with pytest.raises(SpecError, match="unknown key"):
        parse_cases([{"given": {"a": [{"x": 1}]}, "expect": [], "gvien": 1}], target="t")


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute(
        "CREATE TABLE t AS SELECT i AS id, CASE WHEN i % 10 = 0 THEN NULL ELSE 'x' END AS email, "
        "TIMESTAMP '2026-11-01 00:00:00' - INTERVAL (i) HOUR AS ts FROM range(100) r(i)"
    )
    return c


def test_slos(con):
    now = dt.datetime(2026, 11, 1, 12, 0, 0)
    fresh = evaluate_slo(con, "t", SLO(type="freshness", column="ts", threshold="24h"), target="t", now=now)
    assert fresh["success"] and fresh["value"] == pytest.approx(12.0)
    stale = evaluate_slo(con, "t", SLO(type="freshness", column="ts", threshold="6h"), target="t", now=now)
    assert not stale["success"]
    comp = evaluate_slo(con, "t", SLO(type="completeness", column="email", threshold="95%"), target="t")
    assert not comp["success"] and comp["value"] == pytest.approx(0.9) and comp["unexpected_count"] == 10
    assert evaluate_slo(con, "t", SLO(type="completeness", column="email", threshold=0.9), target="t")["success"]
    assert evaluate_slo(con, "t", SLO(type="rowCount", min=1, max=100), target="t")["success"]
    assert not evaluate_slo(con, "t", SLO(type="rowCount", min=101), target="t")["success"]
    q = SLO(type="sql", query="SELECT count(DISTINCT id) FROM {port}", mustBeGreaterOrEqualTo=100)
    assert evaluate_slo(con, "t", q, target="t")["success"]
    with pytest.raises(SQLError, match="SLO 'sql' on t"):
        evaluate_slo(con, "t", SLO(type="sql", query="SELECT nope FROM {port}", mustBe=1), target="t")


def test_parsers():
    assert parse_duration("2d") == 172800 and parse_duration(1) == 3600
    with pytest.raises(SpecError):
        parse_duration("soon")
    assert parse_ratio("99%") == pytest.approx(0.99) and parse_ratio(0.5) == 0.5 and parse_ratio(95) == 0.95
