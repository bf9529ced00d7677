"""Incremental builds, versions, rollback and data diffs on a real local Spark (local[2]).

Named to run after test_spark_engine.py: the session workspace takes its settings from the first test that uses it.

The DuckDB tests (tests/test_incremental.py) cover every path; here the Spark engine's own
implementation: an increment computed from the new data only and written as a new version table,
uniqueness across old and new rows, a failed increment leaving views and recorded files as they were,
rollback re-pointing the views, and the data diff translated to Spark SQL."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

import dp_notebook
from dp_notebook.errors import ContractViolation

pytestmark = [pytest.mark.spark, pytest.mark.slow]
pytest.importorskip("pyspark", reason="the Spark tests need pyspark: pip install -e '.[spark]'")
if not shutil.which("java"):
    pytest.skip("the Spark tests need Java 17+", allow_module_level=True)

SPEC = """
id: {pid}
info: {{title: Orders, owner: sales}}
engine: spark
inputPorts:
  - {{id: raw, name: raw, sourceSystemId: erp}}
outputPorts:
  - id: orders_v1
    location: {pid}_pub.orders_v1
    schema:
      - {{name: order_id, type: integer, required: true, unique: true}}
      - {{name: ordered_at, type: timestamp}}
      - {{name: amount, type: number}}
"""
SQL = "SELECT order_id, ordered_at, amount FROM raw"


def part(folder: Path, name: str, rows: list[tuple]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount"]).to_parquet(folder / f"{name}.parquet")


def day(d: int) -> dt.datetime:
    return dt.datetime(2026, 1, d)


def served(dp, pid):
    return [tuple(r) for r in dp.sql(f"SELECT order_id, amount FROM {pid}_pub.orders_v1 ORDER BY order_id").itertuples(index=False)]


def recorded(dp):
    from dp_notebook.versions import read_history

    return sorted(Path(h["path"]).name for h in read_history(dp.workspace, dp.id, "orders_v1").increments if h["path"])


def test_spark_incremental_files_failure_rollback_and_diff(spark_ws, tmp_path):
    pid = "inc_spark"
    dp = dp_notebook.load(SPEC.format(pid=pid), workspace=spark_ws)
    data = tmp_path / "data"
    part(data, "p1", [(1, day(1), 10.0), (2, day(1), 20.0)])
    dp.input("raw", str(data / "*.parquet"))
    assert dp.transform("orders_v1", SQL, incremental=True).rows == 2
    part(data, "p2", [(3, day(2), 30.0)])
    second = dp.transform("orders_v1", SQL, incremental=True)
    assert (second.inserted, second.rows, second.version) == (1, 3, 2)
    before = (served(dp, pid), recorded(dp))
    part(data, "p3", [(3, day(3), 33.0)])  # order 3 again: a duplicate across old and new rows
    with pytest.raises(ContractViolation, match=r"unique\(order_id\)"):
        dp.transform("orders_v1", SQL, incremental=True)
    assert (served(dp, pid), recorded(dp)) == before
    (data / "p3.parquet").unlink()
    back = dp.rollback("orders_v1")
    assert back.to_seq == 1 and served(dp, pid) == [(1, 10.0), (2, 20.0)]
    diff = dp.data_diff("orders_v1", against="2")
    assert (diff.added, diff.removed, diff.changed) == (0, 1, 0) and diff.key == ["order_id"]
    part(data, "p2", [(3, day(2), 31.0)])  # after the rollback the file is new again
    fixed = dp.transform("orders_v1", SQL, incremental=True)
    assert fixed.inserted == 1 and served(dp, pid)[-1] == (3, 31.0)


def test_spark_time_range_and_merge(spark_ws):
    pid = "inc_spark_time"
    dp = dp_notebook.load(SPEC.format(pid=pid), workspace=spark_ws)
    frame = lambda rows: pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount"])  # noqa: E731
    dp.input("raw", frame([(1, day(1), 10.0), (2, day(2), 20.0)]))
    dp.transform("orders_v1", SQL, time_column="ordered_at", lookback="1d")
    dp.input("raw", frame([(1, day(1), 10.0), (2, day(2), 22.0), (3, day(3), 30.0)]))
    out = dp.transform("orders_v1", SQL, time_column="ordered_at", lookback="1d")
    assert (out.inserted, out.replaced) == (3, 2) and served(dp, pid) == [(1, 10.0), (2, 22.0), (3, 30.0)]
    dp.input("raw", frame([(1, day(1), 11.0), (2, day(2), 22.0), (3, day(3), 30.0), (4, day(4), 40.0)]))
    dp.transform("orders_v1", SQL, unique_key="order_id", full_refresh=True)
    dp.input("raw", frame([(1, day(1), 11.0), (2, day(2), 23.0), (3, day(3), 30.0), (4, day(4), 40.0), (5, day(5), 50.0)]))
    merged = dp.transform("orders_v1", SQL, unique_key="order_id")
    assert (merged.inserted, merged.replaced, merged.rows) == (2, 1, 5)


@pytest.mark.parametrize("first", [False, True], ids=["rebuild", "first-build"])
def test_a_failure_after_the_views_moved_puts_them_back(spark_ws, monkeypatch, first):
    """Spark has no transaction over the metastore and the workspace's records: when recording the
    run fails after the views were re-pointed (a locked or full workspace), the views go back to the
    last good table before this run's table is dropped — the port keeps serving its data."""
    import dp_notebook.build as build

    pid = f"inc_spark_record_{int(first)}"
    dp = dp_notebook.load(SPEC.format(pid=pid), workspace=spark_ws)
    frame = lambda rows: pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount"])  # noqa: E731
    if not first:
        dp.input("raw", frame([(1, day(1), 10.0), (2, day(2), 20.0)]))
        dp.transform("orders_v1", SQL)
    before = served(dp, pid) if not first else None
    real = build._record_version

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated) while recording the run")

    monkeypatch.setattr(build, "_record_version", broken)
    dp.input("raw", frame([(1, day(1), 11.0), (2, day(2), 21.0), (3, day(3), 31.0)]))
    with pytest.raises(Exception, match="disk full"):
        dp.transform("orders_v1", SQL)
    monkeypatch.setattr(build, "_record_version", real)
    if first:
        assert not dp.engine.spark.catalog.tableExists(f"{pid}_pub.orders_v1")  # nothing served, nothing dangling
    else:
        assert served(dp, pid) == before
    out = dp.transform("orders_v1", SQL)  # and the next run goes through
    assert out.rows == 3 and served(dp, pid) == [(1, 11.0), (2, 21.0), (3, 31.0)]


def test_a_rollback_that_cannot_be_recorded_changes_nothing(spark_ws, monkeypatch):
    from dp_notebook.metadata import Metadata

    pid = "inc_spark_rollback_record"
    dp = dp_notebook.load(SPEC.format(pid=pid), workspace=spark_ws)
    frame = lambda rows: pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount"])  # noqa: E731
    dp.input("raw", frame([(1, day(1), 10.0)]))
    dp.transform("orders_v1", SQL)
    dp.input("raw", frame([(1, day(1), 11.0), (2, day(2), 21.0)]))
    dp.transform("orders_v1", SQL)

    def broken(self, *args, **kwargs):
        raise OSError("disk full (simulated) while recording the rollback")

    monkeypatch.setattr(Metadata, "serve", broken)
    with pytest.raises(Exception, match="disk full"):
        dp.rollback("orders_v1")
    assert served(dp, pid) == [(1, 11.0), (2, 21.0)]
    assert dp.sql(f"SELECT count(*) AS n FROM dp_{pid}.orders_v1")["n"][0] == 2  # the product's own view too
    monkeypatch.undo()
    assert dp.rollback("orders_v1").to_seq == 1 and served(dp, pid) == [(1, 10.0)]


KILLED_SCRIPT = """
import os, sys, datetime as dt, pandas as pd, dp_notebook
import dp_notebook.build as build
ws = dp_notebook.Workspace(sys.argv[1])
dp = dp_notebook.load(sys.argv[2], workspace=ws)
rows = [(i, dt.datetime(2026, 1, i), float(i)) for i in range(1, int(sys.argv[3]) + 1)]
dp.input("raw", pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount"]))
if sys.argv[4] == "kill":
    build._record_version = lambda *a, **k: os.kill(os.getpid(), 9)  # SIGKILL between the swap and the record
dp.transform("orders_v1", "SELECT order_id, ordered_at, amount FROM raw")
print("SERVED", sorted(dp.sql("SELECT order_id FROM {pid}_pub.orders_v1")["order_id"].tolist()))
"""


def test_a_kill_between_the_swap_and_the_record(tmp_path):
    """A kernel SIGKILLed after the views moved and before the run was recorded: the next process
    (its own JVM, the same Derby metastore) serves the data and its next build goes through."""
    import os
    import subprocess
    import sys

    pid = "inc_spark_killed"
    home = tmp_path / ".dp"
    script = KILLED_SCRIPT.replace("{pid}", pid)
    env = {**os.environ, "DP_NOTEBOOK_ENGINE": "spark"}

    def run(n: int, how: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, str(home), SPEC.format(pid=pid), str(n), how], capture_output=True, text=True, timeout=600, env=env)

    first = run(2, "ok")
    assert first.returncode == 0 and "SERVED [1, 2]" in first.stdout, first.stderr[-3000:]
    killed = run(3, "kill")
    assert killed.returncode == -9, killed.stderr[-3000:]
    again = run(4, "ok")
    assert again.returncode == 0 and "SERVED [1, 2, 3, 4]" in again.stdout, again.stderr[-3000:]
    from dp_notebook.versions import read_history

    history = read_history(dp_notebook.Workspace(home), pid, "orders_v1")
    assert history.serving_row is not None and history.serving_row["rows"] == 4
