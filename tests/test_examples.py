"""The example notebooks, run as CI runs them: `dp-notebook run` through papermill."""

from __future__ import annotations


import duckdb
import nbformat
import pytest

from dp_notebook.catalog import Catalog

from .conftest import run

pytestmark = pytest.mark.slow


def test_all_examples_run_and_leave_artifacts(examples):
    root, out, results = examples
    for nb, res in results.items():
        assert res.returncode == 0, f"{nb}: {res.stderr[-2000:]}"
    sw = out / "shelf_warmers"
    assert (sw / "shelf_warmers.ipynb").exists() and (sw / "shelf_warmers.html").exists()
    page = (sw / "shelf_warmers" / "index.html").read_text()
    assert "Shelf Warmers" in page and "fulfillment.shelf_warmers_v1" in page and "<svg" in page
    assert "stock.sku" in page  # column lineage
    specs = {p.name for p in (sw / "shelf_warmers" / "specs").iterdir()}
    assert specs == {"shelf_warmers.dps.yaml", "shelf_warmers.odps.yaml", "shelf_warmers-shelf_warmers_v1.odcs.yaml"}
    junit = (sw / "shelf_warmers" / "junit.xml").read_text()
    assert 'failures="0"' in junit and "expect_column_values_to_not_be_null(sku)" in junit
    cat = Catalog.open(root / ".dp" / "catalog")
    assert cat.product_ids() == ["customer_360", "orders", "shelf_warmers"]
    c360 = cat.summary("customer_360")
    assert {p["contractId"] for p in c360["inputPorts"]} == {"orders-orders_redacted_v1", "shelf_warmers-shelf_warmers_v1"}


def test_orders_failure_mode_exits_1_and_keeps_last_good_data(examples):
    root, out, _ = examples
    db = root / ".dp" / "warehouse.duckdb"

    def served():
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT count(*), count(*) FILTER (WHERE order_id IS NULL) FROM checkout.orders_v1").fetchone()

    before = served()
    res = run(root / "orders.ipynb", out / "orders-bad", "inject_bad_rows", "true")
    assert res.returncode == 1, res.stderr
    assert "ContractViolation" in res.stderr and "order_id: 1 NULL value" in res.stderr
    assert served() == before == (1500, 0)
    executed = nbformat.read(out / "orders-bad" / "orders.ipynb", as_version=4)
    assert any(c.get("metadata", {}).get("papermill", {}).get("exception") for c in executed.cells)
    with duckdb.connect(str(db), read_only=True) as con:
        status, error = con.execute("SELECT status, error FROM _dp.runs WHERE target = 'orders_v1' ORDER BY started_at DESC LIMIT 1").fetchone()
    assert status == "failed" and "order_id" in error


def test_pii_port_is_refused_to_other_roles(examples, tmp_path):
    root, _, _ = examples
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext dp_notebook"),
        nbformat.v4.new_code_cell("%%dataproduct declare\nid: snoop\ninfo: {title: S, owner: x}\n"),
        nbformat.v4.new_code_cell("%dataproduct use orders.orders_v1 --role marketing"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = root / "snoop.ipynb"
    nbformat.write(nb, path)
    res = run(path, tmp_path / "snoop")
    assert res.returncode == 2
    assert "role 'marketing' may not read this port; roles allowed: checkout, finance" in res.stderr
