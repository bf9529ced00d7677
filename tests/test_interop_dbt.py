"""The exported dbt project runs unchanged: real `dbt build` (dbt-core + dbt-duckdb, own venv)
passes on good input data and fails on bad data; models, contracts, tests and unit tests included."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from dp_notebook.checks.run import parse_suite
from dp_notebook.checks.unit import UnitCase
from dp_notebook.spec import load_spec
from dp_notebook.spec.dbt import to_dbt_project

from ._toolvenv import require_tool

pytestmark = pytest.mark.slow

SPEC = """
dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales}
inputPorts:
  - {id: orders, name: orders, sourceSystemId: webshop}
outputPorts:
  - id: revenue_v1
    schema:
      - {name: country, type: string, required: true, unique: true}
      - {name: revenue, type: "decimal(10,2)", required: true}
      - {name: orders, type: bigint}
"""

TRANSFORMS = {
    "paid_orders": "SELECT * FROM orders WHERE status = 'paid' AND ordered_at < {{as_of}}",
    # a UNION branch of plain 0 makes DuckDB infer DECIMAL(12,2): the casts make it the declared type
    "revenue_v1": """
        WITH totals AS (
          SELECT p.country, sum(p.amount) AS revenue, count(*) AS orders FROM paid_orders p GROUP BY p.country
        )
        SELECT country, revenue, orders FROM totals WHERE orders >= {{min_orders}}
        UNION ALL SELECT 'none', 0, 0 WHERE false
    """,
}

SUITE = {
    "revenue_v1": [
        {"in_set": {"column": "country", "value_set": ["AT", "DE", "FR"]}},
        {"expect_column_values_to_be_between": {"column": "revenue", "min_value": 0, "max_value": 10000}},
        {"expect_column_sum_to_be_between": {"column": "orders", "min_value": 1}},
        {"not_null": {"column": "orders", "mostly": 0.5}},
    ],
    "paid_orders": [{"unique": {"column": "id"}}, {"in_set": {"column": "status", "value_set": ["paid"], "row_condition": "amount > 0"}}],
}

UNIT = {
    "revenue_v1": [
        UnitCase(name="sums per country", given={"paid_orders": [{"id": 1, "country": "AT", "amount": 5.0}, {"id": 2, "country": "AT", "amount": 2.5}]}, expect=[{"country": "AT", "revenue": 7.5, "orders": 2}], params={"min_orders": 1}),
    ],
    "paid_orders": [
        UnitCase(name="only paid before as_of", given={"orders": [{"id": 1, "status": "paid", "ordered_at": "2024-01-01", "country": "AT", "amount": 1.0}, {"id": 2, "status": "open", "ordered_at": "2024-01-01", "country": "AT", "amount": 1.0}]}, expect=[{"id": 1}], params={"as_of": "2025-01-01"}),
    ],
}

GOOD = [(1, "paid", "2024-01-01", "AT", 10.0), (2, "paid", "2024-02-01", "DE", 20.0), (3, "open", "2024-02-01", "DE", 5.0), (4, "paid", "2024-03-01", "FR", 7.5)]
BAD = GOOD + [(5, "paid", "2024-03-02", "XX", 99999.0)]  # an unknown country and an out-of-range revenue


@pytest.fixture(scope="module")
def dbt() -> Path:
    return require_tool("dbt") / "dbt"


def _project(folder: Path, rows) -> Path:
    spec = load_spec(SPEC).spec
    data = folder / "data" / "orders.parquet"
    data.parent.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("CREATE TABLE o (id INTEGER, status VARCHAR, ordered_at DATE, country VARCHAR, amount DECIMAL(10,2))")
    con.executemany("INSERT INTO o VALUES (?, ?, ?, ?, ?)", rows)
    con.execute(f"COPY o TO '{data}' (FORMAT parquet)")
    con.close()
    files = to_dbt_project(
        spec, TRANSFORMS, {t: parse_suite(s) for t, s in SUITE.items()}, UNIT,
        database_path=str(folder / "build.duckdb"), input_locations={"orders": str(data)}, params={"as_of": "2025-01-01", "min_orders": 1},
    )
    project = folder / "project"
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    return project


def _build(dbt: Path, project: Path) -> tuple[int, dict]:
    proc = subprocess.run(
        [str(dbt), "build", "--profiles-dir", ".", "--no-use-colors"],
        cwd=project, capture_output=True, text=True, timeout=600, env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": "/usr/bin:/bin", "HOME": str(project)},
    )
    results = project / "target" / "run_results.json"
    assert results.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.returncode, {r["unique_id"]: r["status"] for r in json.loads(results.read_text())["results"]} | {"__log__": proc.stdout}


def test_dbt_build_passes_on_good_data(tmp_path, dbt):
    project = _project(tmp_path, GOOD)
    rc, results = _build(dbt, project)
    log = results.pop("__log__")
    assert rc == 0, log[-4000:]
    kinds = {uid.split(".")[0] for uid in results}
    assert {"model", "test", "unit_test"} <= kinds, results
    assert set(results.values()) == {"success", "pass"}
    rows = duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True).execute("SELECT country, revenue, orders FROM revenue_v1 ORDER BY country").fetchall()
    assert [(c, float(r), n) for c, r, n in rows] == [("AT", 10.0, 1), ("DE", 20.0, 1), ("FR", 7.5, 1)]
    sql = (project / "models" / "revenue_v1.sql").read_text()
    assert "ref('paid_orders')" in sql and "dp_literal(var('min_orders'))" in sql and "CAST(\"revenue\" AS DECIMAL(10, 2))" in sql
    assert "source('shop', 'orders')" in (project / "models" / "paid_orders.sql").read_text()


def test_dbt_build_fails_on_bad_data(tmp_path, dbt):
    project = _project(tmp_path, BAD)
    rc, results = _build(dbt, project)
    results.pop("__log__")
    assert rc != 0
    failed = sorted(uid for uid, status in results.items() if status in ("fail", "error"))
    assert any("accepted_values_revenue_v1_country" in uid for uid in failed), failed
    assert any("revenue_v1__1__column_values_to_be_between" in uid for uid in failed), failed
    assert not any("paid_orders" in uid for uid in failed)  # the upstream model's checks still hold


def test_dbt_project_golden(golden, tmp_path):
    spec = load_spec(SPEC).spec
    files = to_dbt_project(
        spec, TRANSFORMS, {t: parse_suite(s) for t, s in SUITE.items()}, UNIT,
        database_path="build/shop.duckdb", input_locations={"orders": "data/orders.parquet"}, params={"as_of": "2025-01-01", "min_orders": 1},
    )
    golden("export/dbt_project.txt", "".join(f"# {name}\n{body}" for name, body in files.items()))


def test_the_notebooks_own_product_exports_a_project_dbt_builds_to_the_same_rows(tmp_path, dbt):
    """`%dataproduct export dbt --out DIR` from a product built in a workspace: dbt build serves what dp-notebook serves."""
    import dp_notebook

    data = tmp_path / "orders.parquet"
    con = duckdb.connect()
    con.execute("CREATE TABLE o (id INTEGER, status VARCHAR, ordered_at DATE, country VARCHAR, amount DECIMAL(10,2))")
    con.executemany("INSERT INTO o VALUES (?, ?, ?, ?, ?)", GOOD)
    con.execute(f"COPY o TO '{data}' (FORMAT parquet)")
    con.close()
    dp = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.input("orders", str(data))
    dp.transform("paid_orders", TRANSFORMS["paid_orders"], model=True, params={"as_of": "2025-01-01"})
    dp.expect("revenue_v1", [{"in_set": {"column": "country", "value_set": ["AT", "DE", "FR"]}}])
    dp.unittest("revenue_v1", "- name: sums per country\n  given:\n    paid_orders: [{id: 1, country: AT, amount: 5.0}]\n  params: {min_orders: 1}\n  expect: [{country: AT, revenue: 5.0, orders: 1}]")
    served = dp.transform("revenue_v1", TRANSFORMS["revenue_v1"], params={"min_orders": 1})
    project = tmp_path / "project"
    dp.export("dbt", out=project)
    rc, results = _build(dbt, project)
    log = results.pop("__log__")
    assert rc == 0, log[-4000:]
    assert {uid.split(".")[0] for uid in results} >= {"model", "test", "unit_test"}
    built = duckdb.connect(str(project / "dp.duckdb"), read_only=True).execute("SELECT country, revenue, orders FROM revenue_v1 ORDER BY country").fetchall()
    ours = dp.sql("SELECT country, revenue, orders FROM revenue_v1 ORDER BY country")
    assert built == [tuple(r) for r in ours.itertuples(index=False)] and len(built) == served.rows == 3
