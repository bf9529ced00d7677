"""datacontract-cli runs the contracts dp-notebook exports, as they are: it passes on good data,
fails on bad data, and fails exactly the rules dp-notebook's own checks fail.

datacontract-cli pins another DuckDB, so it runs from its own venv (tests/_toolvenv.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from dp_notebook import validate
from dp_notebook.checks.odcs import to_odcs_rules
from dp_notebook.checks.run import parse_suite
from dp_notebook.spec import load_spec
from dp_notebook.spec.export import dump_yaml, to_odcs, validate_export

from ._toolvenv import require_tool

pytestmark = pytest.mark.slow

SPEC = """
dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales}
outputPorts:
  - id: orders_v1
    type: parquet
    schema:
      - {name: id, type: integer, required: true, unique: true, primaryKey: true}
      - {name: country, type: string}
      - {name: status, type: string}
      - {name: amount, type: "decimal(10,2)"}
      - {name: created_at, type: timestamp}
"""

SUITE = [
    {"not_null": {"column": "country", "mostly": 0.8}},
    {"unique": {"column": "id"}},
    {"in_set": {"column": "status", "value_set": ["open", "closed"]}},
    {"match_regex": {"column": "country", "regex": "^[A-Z]{2}$"}},
    {"between": {"column": "amount", "min_value": 0, "max_value": 1000, "row_condition": "status = 'open'"}},
    {"mean_between": {"column": "amount", "min_value": 1, "max_value": 500}},
    {"row_count_between": {"min_value": 3}},
    {"compound_unique": {"column_list": ["country", "created_at"]}},
    {"expect_column_max_to_be_between": {"column": "created_at", "max_value": "2030-01-01"}},
    {"in_set": {"column": "country", "value_set": ["AT", "DE", "FR", "IT"], "mostly": 0.75}},
    {"expect_column_values_to_be_between": {"column": "amount", "min_value": 1, "row_condition": {"type": "comparison", "column": {"name": "country"}, "operator": "==", "parameter": "AT"}}},
    {"expect_column_distinct_values_to_be_in_set": {"column": "status", "value_set": ["open", "closed", "void"]}},
]

GOOD = [
    (1, "AT", "open", 10.5, "2024-01-01 10:00"),
    (2, "DE", "closed", 20.0, "2024-01-02 10:00"),
    (3, "FR", "open", 30.0, "2024-01-03 10:00"),
    (4, "IT", "closed", 5.0, "2024-01-04 10:00"),
    (5, None, "open", 7.0, "2024-01-05 10:00"),
]

# each bad dataset breaks a few rules; dp-notebook decides which, datacontract-cli must agree
BAD = {
    "nulls-and-codes": GOOD[:3] + [(4, None, "closed", 5.0, "2024-01-04 10:00"), (5, "usa", "open", 7.0, "2024-01-05 10:00")],
    "status-and-amount": GOOD[:2] + [(3, "FR", "pending", 3000.0, "2024-01-03 10:00"), (4, "AT", "open", 0.5, "2024-01-04 10:00")],
    "duplicates-and-future": GOOD[:3] + [(4, "AT", "open", 900.0, "2031-01-01 10:00"), (5, "AT", "open", 950.0, "2031-01-01 10:00")],
    "too-few-rows": GOOD[:2],
    "null-share-and-duplicate-ids": [(1, None, "open", 1.0, "2024-01-01 10:00"), (1, None, "open", 2.0, "2024-01-02 10:00")] + GOOD[2:],
    "mean": [(1, "AT", "open", 999.0, "2024-01-01 10:00"), (2, "DE", "closed", 999.0, "2024-01-02 10:00"), (3, "FR", "open", 999.0, "2024-01-03 10:00")],
}


@pytest.fixture(scope="module")
def datacontract() -> Path:
    return require_tool("datacontract") / "datacontract"


def _write_parquet(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id BIGINT, country VARCHAR, status VARCHAR, amount DECIMAL(10,2), created_at TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


def _contract(folder: Path) -> tuple[Path, list]:
    spec = load_spec(SPEC).spec
    port = spec.outputPorts[0]
    suite = parse_suite(SUITE)
    types = {"id": "BIGINT", "country": "VARCHAR", "status": "VARCHAR", "amount": "DECIMAL(10,2)", "created_at": "TIMESTAMP"}
    doc = to_odcs(spec, port, parquet_path="data/orders_v1.parquet", quality=to_odcs_rules(suite, column_types=types))
    validate_export("odcs", doc)
    path = folder / "shop-orders_v1.odcs.yaml"
    path.write_text(dump_yaml(doc))
    return path, suite


def _run(datacontract: Path, contract: Path) -> tuple[int, dict]:
    out = contract.parent / "results.json"
    proc = subprocess.run(
        [str(datacontract), "test", contract.name, "--output", str(out), "--output-format", "json"],
        cwd=contract.parent, capture_output=True, text=True, timeout=300,
    )
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, json.loads(out.read_text())


def _quality(results: dict) -> dict[str, str]:
    return {c["qualityId"]: c["result"] for c in results["checks"] if c.get("qualityId")}


def test_datacontract_test_passes_on_good_data(tmp_path, datacontract):
    contract, suite = _contract(tmp_path)
    _write_parquet(tmp_path / "data" / "orders_v1.parquet", GOOD)
    assert validate(tmp_path / "data" / "orders_v1.parquet", suite).success
    rc, results = _run(datacontract, contract)
    assert rc == 0, results
    checks = results["checks"]
    assert not [c for c in checks if c["result"] in ("failed", "error")]
    # every rule ran: one result per rule, none skipped as unsupported
    assert len(_quality(results)) == len(SUITE) and set(_quality(results).values()) == {"passed"}
    # the only warnings: datacontract-cli does not check types in Parquet files
    assert {c["reason"] for c in checks if c["result"] == "warning"} <= {"Checking types in parquet files is not supported yet."}


@pytest.mark.parametrize("case", sorted(BAD))
def test_datacontract_test_fails_the_rules_dp_notebook_fails(tmp_path, datacontract, case):
    contract, suite = _contract(tmp_path)
    data = tmp_path / "data" / "orders_v1.parquet"
    _write_parquet(data, BAD[case])
    ours = validate(data, suite)
    assert not ours.success
    rules = to_odcs_rules(suite)
    ours_failed = {rule["id"] for rule, r in zip(rules, ours.results) if not r.success}
    rc, results = _run(datacontract, contract)
    assert rc != 0 and results["result"] == "failed"
    theirs_failed = {rule_id for rule_id, result in _quality(results).items() if result != "passed"}
    assert theirs_failed == ours_failed


def test_the_parquet_server_path_is_relative_to_the_working_directory(tmp_path, datacontract):
    """Measured: datacontract-cli resolves a local server's path against its working directory,
    not the contract's folder, so a published contract is tested from its own folder (docs/interop.md)."""
    (tmp_path / "catalog").mkdir()
    contract, _ = _contract(tmp_path / "catalog")
    _write_parquet(contract.parent / "data" / "orders_v1.parquet", GOOD)
    proc = subprocess.run([str(datacontract), "test", str(contract)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "No files found" in proc.stdout
    rc, _ = _run(datacontract, contract)
    assert rc == 0


@pytest.mark.parametrize("storage_version, readable", [(None, False), ("v1.2.0", True)])
def test_datacontract_cli_reads_a_duckdb_server_only_in_an_older_storage_format(tmp_path, datacontract, storage_version, readable):
    """Measured: DuckDB ≥ 2.0 writes storage it pinned DuckDB cannot open, unless attached
    with an older STORAGE_VERSION; so the DuckDB server is not the contract's default server."""
    spec = load_spec(SPEC).spec
    port = spec.outputPorts[0]
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect()
    option = f" (STORAGE_VERSION '{storage_version}')" if storage_version else ""
    con.execute(f"ATTACH '{db}' AS w{option}")
    con.execute("CREATE SCHEMA w.sales")
    con.execute("CREATE TABLE w.sales.orders_v1 (id BIGINT, country VARCHAR, status VARCHAR, amount DECIMAL(10,2), created_at TIMESTAMP)")
    con.executemany("INSERT INTO w.sales.orders_v1 VALUES (?, ?, ?, ?, ?)", GOOD)
    con.close()
    doc = to_odcs(spec, port, database_path=str(db))
    assert doc["servers"][0]["type"] == "duckdb" and doc["schema"][0]["physicalName"] == "orders_v1"
    contract = tmp_path / "c.odcs.yaml"
    contract.write_text(dump_yaml(doc))
    rc, results = _run(datacontract, contract)
    assert (rc == 0) is readable, [c.get("reason") for c in results["checks"] if c["result"] != "passed"]


def test_a_published_contract_runs_in_datacontract_cli_as_it_is(tmp_path):
    """The catalog's contract names the snapshot beside it; `datacontract test` run in the contract's
    folder passes, and fails once the snapshot breaks a rule the notebook's expectations set."""
    import pandas as pd

    import dp_notebook
    from dp_notebook.catalog import Catalog

    datacontract = require_tool("datacontract") / "datacontract"
    dp = dp_notebook.load(SPEC.replace("type: parquet", "description: Orders."), workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    frame = pd.DataFrame(GOOD, columns=["id", "country", "status", "amount", "created_at"])
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    dp.input("raw", frame, auto_declare=True)
    dp.expect("orders_v1", [{"in_set": {"column": "status", "value_set": ["open", "closed"]}}])
    dp.transform("orders_v1", "SELECT * FROM raw")
    dp.publish()
    version = Catalog.open(dp.workspace.catalog_dir).version_dir("shop")
    contract = version / "contracts" / "shop-orders_v1.odcs.yaml"
    assert "path: ../data/orders_v1.parquet" in contract.read_text()
    good = subprocess.run([str(datacontract), "test", contract.name], cwd=contract.parent, capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, good.stdout[-2000:]
    snapshot = version / "data" / "orders_v1.parquet"
    duckdb.sql(f"COPY (SELECT * REPLACE ('void' AS status) FROM read_parquet('{snapshot}')) TO '{snapshot}.bad' (FORMAT parquet)")
    snapshot.with_suffix(".parquet.bad").replace(snapshot)
    bad = subprocess.run([str(datacontract), "test", contract.name], cwd=contract.parent, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "failed" in bad.stdout
