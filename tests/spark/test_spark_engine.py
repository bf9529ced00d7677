"""The Spark engine on a real local Spark (pyspark, local[2], Java 17): the same product built on
DuckDB and on Spark gives equal output ports; write-audit-publish keeps the last good data;
checks, unit tests, SLOs, cost, docs and publish run on Spark; untranslatable SQL is named.

One local Spark session (one JVM, one Derby metastore) serves one workspace per process, so the
tests in this process share one Spark workspace and use distinct product ids."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import dp_notebook
from dp_notebook.catalog import Catalog
from dp_notebook.errors import ChecksFailed, ContractViolation, SQLError

from ..conftest import REPO, run

pytestmark = [pytest.mark.spark, pytest.mark.slow]
pytest.importorskip("pyspark", reason="the Spark tests need pyspark: pip install -e '.[spark]'")
if not shutil.which("java"):
    pytest.skip("the Spark tests need Java 17+", allow_module_level=True)

SPEC = """
id: {pid}
info: {{title: Orders, owner: sales, domain: sales}}
inputPorts:
  - {{id: raw, name: raw, sourceSystemId: erp}}
  - {{id: fx, name: fx, sourceSystemId: treasury}}
outputPorts:
  - id: orders_v1
    location: {schema}.orders_v1
    serviceLevelObjectives:
      - {{type: rowCount, min: 1}}
    schema:
      - {{name: order_id, type: integer, required: true, unique: true}}
      - {{name: customer, type: string, required: true}}
      - {{name: amount_eur, type: number}}
      - {{name: ordered_at, type: timestamp}}
      - {{name: age_days, type: integer}}
"""

TRANSFORM = """SELECT o.order_id, o.customer, round(o.amount * f.rate, 2) AS amount_eur,
       o.ordered_at, date_diff('day', o.ordered_at, CAST({{as_of}} AS TIMESTAMP)) AS age_days
FROM raw o JOIN fx f ON f.currency = o.currency
WHERE o.amount >= {{min_amount}}"""

EXPECT = """
- expect_column_values_to_be_between: {column: amount_eur, min_value: 0}
- expect_column_values_to_match_regex: {column: customer, regex: '^c[0-9]+$'}
"""

UNIT = """
- name: converts and filters
  params: {as_of: "2026-11-01", min_amount: 10}
  given:
    raw:
      - {order_id: 1, customer: c1, amount: 100.0, currency: USD, ordered_at: 2026-10-31 23:00:00}
      - {order_id: 2, customer: c2, amount: 5.0, currency: USD, ordered_at: 2026-10-01 00:00:00}
    fx:
      - {currency: USD, rate: 0.5}
  expect:
    - {order_id: 1, amount_eur: 50.0, age_days: 1}
"""


def raw_orders(n: int = 500) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": range(1, n + 1),
            "customer": [f"c{i % 37}" for i in range(n)],
            "amount": [round((i * 7.31) % 250, 2) for i in range(n)],
            "currency": ["USD" if i % 3 else "GBP" for i in range(n)],
            "ordered_at": pd.to_datetime("2026-01-01 10:30:00") + pd.to_timedelta(range(n), unit="h"),
        }
    )


def build(ws, pid: str, engine: str, tmp: Path, monkeypatch) -> dp_notebook.DataProduct:
    monkeypatch.setenv("DP_NOTEBOOK_ENGINE", engine)
    dp = dp_notebook.load(SPEC.format(pid=pid, schema=f"{pid}_pub"), workspace=ws)
    assert dp.engine.name == engine
    fx = tmp / f"fx-{pid}.csv"
    fx.write_text("currency,rate\nUSD,0.92\nGBP,1.17\n")
    dp.input("raw", raw_orders())
    dp.input("fx", str(fx))
    dp.expect("orders_v1", EXPECT)
    dp.transform("orders_v1", TRANSFORM, params={"as_of": "2026-11-01", "min_amount": 20})
    dp.unittest("orders_v1", UNIT).raise_for_failure()
    return dp


def rows(frame: pd.DataFrame) -> list[tuple]:
    frame = frame.astype(object).where(frame.notna(), None)
    return sorted(tuple(r) for r in frame.itertuples(index=False))


def test_same_product_on_duckdb_and_spark_gives_equal_ports(spark_ws, tmp_path, monkeypatch):
    duck = build(dp_notebook.Workspace(tmp_path / "duck" / ".dp"), "sp_same", "duckdb", tmp_path, monkeypatch)
    spark = build(spark_ws, "sp_same", "spark", tmp_path, monkeypatch)
    a = duck.sql("SELECT * FROM sp_same_pub.orders_v1")
    b = spark.sql("SELECT * FROM sp_same_pub.orders_v1")
    assert len(a) > 100 and rows(a) == rows(b)
    # the port's types are the contract's on both engines
    with spark.engine.connect() as con:
        assert [t for _, t in spark.engine.columns(con, '"sp_same_pub"."orders_v1"')] == ["BIGINT", "VARCHAR", "DOUBLE", "TIMESTAMP", "BIGINT"]
    # the same compiled checks, unit tests and SLOs pass on both
    for dp in (duck, spark):
        result = dp.test(raise_on_failure=False)
        kinds = sorted({r.kind for r in result.results})
        assert result.success, str(result)
        assert kinds == ["contract", "expectation", "quality", "unit"]


def test_write_audit_publish_keeps_the_last_good_data(spark_ws, tmp_path, monkeypatch):
    dp = build(spark_ws, "sp_wap", "spark", tmp_path, monkeypatch)
    good = rows(dp.sql("SELECT * FROM sp_wap_pub.orders_v1"))
    params = {"as_of": "2026-11-01", "min_amount": 20}
    # the contract: duplicate keys
    with pytest.raises(ContractViolation, match="order_id: .* duplicate"):
        dp.transform("orders_v1", TRANSFORM.replace("o.order_id,", "1 AS order_id,"), params=params)
    # an expectation: negative amounts (the audit step)
    with pytest.raises(ChecksFailed, match="expect_column_values_to_be_between"):
        dp.transform("orders_v1", TRANSFORM.replace("round(o.amount * f.rate, 2)", "-o.amount"), params=params)
    assert rows(dp.sql("SELECT * FROM sp_wap_pub.orders_v1")) == good
    runs = dp.runs()
    assert list(runs["status"][:3]) == ["failed", "failed", "success"]
    # failed runs leave no staging tables; the port reads exactly one data table
    tables = [t.name for t in dp.engine.spark.catalog.listTables("dp_sp_wap") if t.name.startswith("__t_orders_v1")]
    assert len(tables) == 1
    # a new good run swaps, and drops the old data table
    dp.transform("orders_v1", TRANSFORM, params={"as_of": "2026-11-01", "min_amount": 200})
    newer = dp.sql("SELECT * FROM sp_wap_pub.orders_v1")
    assert 0 < len(newer) < len(good) and (newer["amount_eur"] >= 0).all()
    assert [t.name for t in dp.engine.spark.catalog.listTables("dp_sp_wap") if t.name.startswith("__t_orders_v1")] != tables


def test_untranslatable_sql_is_named_with_its_line(spark_ws, tmp_path, monkeypatch):
    dp = build(spark_ws, "sp_err", "spark", tmp_path, monkeypatch)
    with pytest.raises(SQLError, match=r"transform orders_v1 \(cell line 3\): the DuckDB function LIST_SUM\(\) has no Spark equivalent"):
        dp.transform("orders_v1", "SELECT order_id, customer,\n  list_sum([amount]) AS amount_eur, ordered_at, 0 AS age_days\nFROM raw")
    with pytest.raises(SQLError, match=r"cell line 3\): Spark SQL cannot parse the translation near .FOR."):
        dp.transform("orders_v1", "SELECT order_id, customer, amount AS amount_eur,\n [x * 2 FOR x IN [1]] AS l, ordered_at, 0 AS age_days FROM raw")
    with pytest.raises(SQLError, match="nope"):
        dp.transform("orders_v1", "SELECT * FROM nope")


def test_cost_docs_publish_and_use_on_spark(spark_ws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dp = build(spark_ws, "sp_pub", "spark", tmp_path, monkeypatch)
    cost = dp.cost().to_dict()
    [run_cost] = [t for t in cost["transforms"] if t["target"] == "orders_v1"]
    assert run_cost["cpu_s"] > 0 and run_cost["bytes_scanned"] > 0  # Spark's task metrics
    assert cost["storage"][0]["bytes"] > 0
    docs = dp.docs(out=tmp_path / "docs")
    page = Path(docs.path).read_text()
    assert "sp_pub_pub.orders_v1" in page and "raw.amount" in page  # column lineage from the Spark schema
    report = dp.publish()
    assert report.changed
    snapshot = Catalog.open(spark_ws.catalog_dir).version_dir("sp_pub") / "data" / "orders_v1.parquet"
    published = duckdb.sql(f"SELECT * FROM read_parquet('{snapshot}')").df()
    assert rows(published) == rows(dp.sql("SELECT * FROM sp_pub_pub.orders_v1"))
    # another product on Spark consumes the published port
    consumer = dp_notebook.load("id: sp_consumer\ninfo: {title: C, owner: o}\noutputPorts:\n  - id: totals_v1\n    schema: [{name: n, type: integer}]\n", workspace=spark_ws)
    consumer.use("sp_pub.orders_v1", as_="orders")
    consumer.transform("totals_v1", "SELECT count(*) AS n FROM orders")
    assert int(consumer.sql("SELECT n FROM totals_v1")["n"][0]) == len(published)


def test_engine_configuration_errors(tmp_path, monkeypatch):
    from dp_notebook.engine import get_engine

    monkeypatch.setenv("DP_NOTEBOOK_ENGINE", "snowflake")
    with pytest.raises(dp_notebook.SpecError, match="unknown engine 'snowflake' \\(engines: duckdb, spark\\)"):
        dp_notebook.Workspace(tmp_path / ".dp").settings
    monkeypatch.delenv("DP_NOTEBOOK_ENGINE")
    (tmp_path / "dp-notebook.yaml").write_text("engine: {name: spark, remote: 'http://not-spark-connect'}\n")
    with pytest.raises(dp_notebook.SpecError, match=r"dp-notebook.yaml: line 1: engine.remote: 'http://not-spark-connect': a Spark Connect URL starts with sc://"):
        dp_notebook.Workspace(tmp_path / ".dp").settings
    (tmp_path / "dp-notebook.yaml").unlink()
    ws = dp_notebook.Workspace(tmp_path / "ok" / ".dp")
    assert get_engine(ws, ws.settings.engine).name == "duckdb"
    # without pyspark, a Spark product says how to get it (one line in the notebook, no traceback)
    script = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython(); ip.run_line_magic('load_ext', 'dp_notebook')\n"
        "ip.run_cell_magic('dataproduct', 'declare', 'id: nospark\\ninfo: {title: N, owner: o}\\nengine: spark\\n')\n"
        "ip.run_cell('import pandas as pd; df = pd.DataFrame({\"a\": [1]})')\n"
        "ip.run_cell('%dataproduct input raw --from var:df --declare')\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, "DP_NOTEBOOK_HOME": str(tmp_path / ".dp2")})
    assert "the Spark engine needs pyspark: pip install 'dp-notebook[spark]'" in res.stdout + res.stderr, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr


SCRIPT = """
import sys, dp_notebook, pandas as pd
ws = dp_notebook.Workspace(sys.argv[1])
dp = dp_notebook.load("id: persist\\ninfo: {title: P, owner: o}\\noutputPorts:\\n  - id: p_v1\\n    location: persist_pub.p_v1\\n", workspace=ws)
if sys.argv[2] == "build":
    dp.input("raw", pd.DataFrame({"x": [1, 2, 3]}), auto_declare=True)
    dp.transform("p_v1", "SELECT x * 10 AS y FROM raw")
print(sorted(dp.sql("SELECT y FROM persist_pub.p_v1")["y"].tolist()))
"""


def test_spark_tables_survive_a_restart(tmp_path):
    # a new process (a restarted kernel) finds the ports in the workspace's own metastore
    env = {**os.environ, "DP_NOTEBOOK_ENGINE": "spark"}
    home = str(tmp_path / ".dp")
    out = [subprocess.run([sys.executable, "-c", SCRIPT, home, step], capture_output=True, text=True, timeout=300, env=env) for step in ("build", "read")]
    for res in out:
        assert res.returncode == 0, res.stderr[-2000:]
        assert res.stdout.strip().splitlines()[-1] == "[10, 20, 30]"


def test_example_notebook_runs_on_both_engines_with_equal_ports(examples, tmp_path):
    root, _, results = examples
    assert results["shelf_warmers"].returncode == 0
    copy = tmp_path / "example_notebooks"
    shutil.copytree(REPO / "example_notebooks", copy, ignore=shutil.ignore_patterns(".dp", ".ipynb_checkpoints"))
    res = run(copy / "shelf_warmers.ipynb", tmp_path / "out", "--engine", "spark")
    assert res.returncode == 0, res.stderr[-3000:]
    executed = json.loads((tmp_path / "out" / "shelf_warmers.ipynb").read_text())
    assert any("spark" in json.dumps(c.get("outputs", [])) for c in executed["cells"])  # the transform reported Spark
    snap = lambda base: base / ".dp" / "catalog" / "shelf_warmers" / "versions" / "1" / "data" / "shelf_warmers_v1.parquet"  # noqa: E731
    on_duckdb = duckdb.sql(f"SELECT * FROM read_parquet('{snap(root)}')").df()
    on_spark = duckdb.sql(f"SELECT * FROM read_parquet('{snap(copy)}')").df()
    assert len(on_duckdb) > 10 and rows(on_duckdb) == rows(on_spark)


def test_contracts_of_a_spark_product_name_spark_as_their_server(tmp_path, monkeypatch):
    import yaml

    from dp_notebook.spec.export import validate_export

    monkeypatch.setenv("DP_NOTEBOOK_ENGINE", "spark")
    dp = dp_notebook.load(SPEC.format(pid="sp_odcs", schema="sp_odcs_pub"), workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    [text] = dp.export("odcs").files.values()
    doc = yaml.safe_load(text)
    validate_export("odcs", doc)  # the official ODCS v3.1.0 schema
    assert doc["servers"] == [{"server": "spark", "type": "custom", "description": "Apache Spark (local[2])", "catalog": "spark_catalog", "database": "sp_odcs_pub"}]


CONNECT_SCRIPT = """
import sys, dp_notebook, pandas as pd
from pathlib import Path
ws = dp_notebook.Workspace(sys.argv[1])
dp = dp_notebook.load(sys.argv[2], workspace=ws)
assert dp.engine.describe().startswith("spark (sc://"), dp.engine.describe()
fx = Path(sys.argv[1]).parent / "fx.csv"
fx.write_text("currency,rate\\nUSD,0.92\\nGBP,1.17\\n")
dp.input("raw", pd.read_parquet(sys.argv[3]))
dp.input("fx", str(fx))  # a client-side file: read here, uploaded to the cluster
dp.expect("orders_v1", sys.argv[4])
dp.transform("orders_v1", sys.argv[5], params={"as_of": "2026-11-01", "min_amount": 20})
assert dp.test(raise_on_failure=False).success
report = dp.publish()  # the snapshot comes back as Arrow
print("ROWS", len(dp.sql("SELECT * FROM sp_remote_pub.orders_v1")), report.version)
"""


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A Spark Connect server on a free loopback port (spark-submit, local[2]), like a cluster's."""
    import socket
    import time

    import pyspark

    home = Path(pyspark.__file__).parent
    tmp = tmp_path_factory.mktemp("connect")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(
        [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer", "--master", "local[2]",
         "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false", "--conf", f"spark.sql.warehouse.dir={tmp / 'warehouse'}",
         "--driver-java-options", f"-Dderby.system.home={tmp}", "spark-internal"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "SPARK_HOME": str(home)},
    )
    deadline = time.monotonic() + 120
    while "Spark Connect server started" not in (tmp / "server.log").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the Spark Connect server did not start:\n" + (tmp / "server.log").read_text()[-2000:])
        time.sleep(0.5)
    yield f"sc://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_a_remote_cluster_through_spark_connect(connect_server, tmp_path):
    pytest.importorskip("grpc", reason="Spark Connect needs pyspark[connect]")
    raw = tmp_path / "raw.parquet"
    raw_orders().to_parquet(raw)
    env = {**os.environ, "DP_NOTEBOOK_ENGINE": "spark", "DP_NOTEBOOK_SPARK_REMOTE": connect_server}
    args = [str(tmp_path / ".dp"), SPEC.format(pid="sp_remote", schema="sp_remote_pub"), str(raw), EXPECT, TRANSFORM]
    res = subprocess.run([sys.executable, "-c", CONNECT_SCRIPT, *args], capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    _, n, version = res.stdout.strip().splitlines()[-1].split()
    snapshot = Catalog.open(tmp_path / ".dp" / "catalog").version_dir("sp_remote") / "data" / "orders_v1.parquet"
    assert int(n) > 100 and version == "1" and len(pd.read_parquet(snapshot)) == int(n)


def test_a_files_port_on_spark_is_also_a_parquet_file(spark_ws, monkeypatch):
    monkeypatch.setenv("DP_NOTEBOOK_ENGINE", "spark")
    dp = dp_notebook.load(
        "id: sp_files\ninfo: {title: F, owner: o}\noutputPorts:\n  - id: export_v1\n    type: files\n    location: sp_files_pub.export_v1\n"
        "    schema: [{name: k, type: integer, required: true}, {name: v, type: string}]\n",
        workspace=spark_ws,
    )
    dp.input("raw", pd.DataFrame({"k": [3, 1, 2], "v": ["c", "a", "b"]}), auto_declare=True)
    result = dp.transform("export_v1", "SELECT k, upper(v) AS v FROM raw")
    assert result.parquet == str(spark_ws.data_dir / "sp_files" / "export_v1.parquet")
    assert rows(pd.read_parquet(result.parquet)) == [(1, "A"), (2, "B"), (3, "C")]
