"""The Spark engine vs plain PySpark vs dp-notebook on DuckDB, on the same 10M-row transform.

The transform of bench_transform.py (10M events joined to 2M customers, grouped
to 2M rows) as a product on Spark (local[2]: write-audit-publish, contract
check, history) next to the same SQL in plain PySpark (CREATE TABLE AS) and the
product on the embedded DuckDB. Each case runs in a fresh process; "transform s"
is input binding plus the transform, "wall s" includes start-up (the JVM for Spark, and
for dp-notebook the workspace's persistent Hive metastore, once per kernel). Peak RSS
is the Python process only (Spark's JVM is a separate process), so it is not
compared here.
Run: .venv/bin/python benchmarks/bench_spark.py [--rows 10000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from _harness import machine, run_case, write_section
from bench_transform import SPEC, SQL, make_data

SPEC_LINE = "{name: customer_id, type: bigint, required: true, unique: true}"
assert SPEC_LINE in SPEC

PLAIN_SPARK = """
import shutil, time
from pyspark.sql import SparkSession
shutil.rmtree(WAREHOUSE, ignore_errors=True)
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "4").config("spark.sql.warehouse.dir", WAREHOUSE).getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
t0 = time.perf_counter()
spark.read.parquet(EVENTS).createOrReplaceTempView("events")
spark.read.parquet(CUSTOMERS).createOrReplaceTempView("customers")
spark.sql("DROP TABLE IF EXISTS revenue")
spark.sql("CREATE TABLE revenue USING parquet AS " + SQL)
RESULT = {"transform_s": time.perf_counter() - t0}
spark.stop()
"""

OURS = """
import os, shutil, time
os.environ["DP_NOTEBOOK_ENGINE"] = ENGINE
import dp_notebook
shutil.rmtree(HOME, ignore_errors=True)
ws = dp_notebook.Workspace(HOME)
dp = dp_notebook.load(SPEC, workspace=ws)
if ENGINE == "spark":
    # start the JVM and the workspace's Hive metastore outside the timed part: once per kernel,
    # like a notebook's first cell (plain PySpark here keeps no metastore at all)
    t_start = time.perf_counter()
    dp.engine.spark.sql("SHOW DATABASES").collect()
    STARTUP = time.perf_counter() - t_start
t0 = time.perf_counter()
dp.input("events", EVENTS)
dp.input("customers", CUSTOMERS)
r = dp.transform("revenue_v1", SQL)
RESULT = {"transform_s": time.perf_counter() - t0, "rows": r.rows, "startup_s": globals().get("STARTUP", 0.0)}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        events, customers = make_data(tmp, args.rows)
        consts = f"SQL = {SQL!r}\nSPEC = {SPEC!r}\nEVENTS = {events!r}\nCUSTOMERS = {customers!r}\nWAREHOUSE = {os.path.join(tmp, 'wh')!r}\n"
        cases = {
            "plain_spark": consts + PLAIN_SPARK,
            "dp_spark": consts + f"ENGINE = 'spark'\nHOME = {os.path.join(tmp, 'ws_spark', '.dp')!r}\n" + OURS,
            "dp_spark_no_unique": consts.replace(SPEC_LINE, SPEC_LINE.replace(", unique: true", "")) + f"ENGINE = 'spark'\nHOME = {os.path.join(tmp, 'ws_spark2', '.dp')!r}\n" + OURS,
            "dp_duckdb": consts + f"ENGINE = 'duckdb'\nHOME = {os.path.join(tmp, 'ws_duck', '.dp')!r}\n" + OURS,
        }
        samples: dict[str, list[dict]] = {k: [] for k in cases}
        for _ in range(args.repeat):
            for name, code in cases.items():
                samples[name].append(run_case(code, tmp, name))
    med = {k: {m: statistics.median(s[m] for s in v) for m in ("wall_s", "transform_s")} for k, v in samples.items()}
    base = med["plain_spark"]
    rows = [
        ("plain PySpark (CREATE TABLE AS)", "plain_spark"),
        ("dp-notebook on Spark (translation + WAP + contract + history)", "dp_spark"),
        ("… the same without the contract's `unique` check (no second shuffle)", "dp_spark_no_unique"),
        ("dp-notebook on DuckDB (embedded default)", "dp_duckdb"),
    ]
    lines = [
        f"Machine: {machine()}. {args.rows:,} input rows (Parquet) joined to 2M customers, grouped to 2M output rows; Spark local[2]; median of {args.repeat} interleaved runs in fresh processes.",
        "",
        "| | transform s | vs plain Spark | wall s (incl. start-up) |",
        "|---|---|---|---|",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {med[key]['transform_s']:.2f} | {med[key]['transform_s'] / base['transform_s']:.2f}× | {med[key]['wall_s']:.2f} |")
    lines += [
        "",
        f"Goal: the Spark engine within 1.25× of plain PySpark on the same SQL (issue 20; 1.3× in issue 11): {'met' if med['dp_spark']['transform_s'] / base['transform_s'] <= 1.25 else 'not met'} "
        f"({med['dp_spark']['transform_s'] / base['transform_s']:.2f}×). The difference is the audit, a second pass over the written rows; the contract's `unique` check "
        "is a second shuffle (count distinct) that plain Spark does not do. Start-up (wall s) also includes the workspace's persistent Hive metastore "
        f"({statistics.median(s.get('startup_s', 0) for s in samples['dp_spark']):.1f} s once per kernel; plain PySpark here keeps none).",
        "On one 2-core machine DuckDB is the faster engine by far; Spark is for data that outgrows one machine (Spark Connect).",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("Spark engine (issue 11)", body)


if __name__ == "__main__":
    main()
