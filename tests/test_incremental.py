"""Incremental builds, versions, rollback and data diffs on the real DuckDB workspace.

Every failure path is checked against what is stored: the served rows, the version served, and the
processed intervals/files recorded in ``_dp.increments`` must be exactly as before the failure.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import dp_notebook
from dp_notebook.errors import ChecksFailed, ContractViolation, DataProductError, SpecError
from dp_notebook.incremental import parse_duration

SPEC = """dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales}
inputPorts:
  - {id: raw, name: raw, sourceSystemId: erp}
outputPorts:
  - id: orders_v1
    location: sales.orders_v1
    rolesAllowed: [analyst]
    schema:
      - {name: order_id, type: integer, required: true, primaryKey: true, unique: true}
      - {name: ordered_at, type: timestamp}
      - {name: amount, type: number}
      - {name: email, type: string, pii: true}
"""
SQL = "SELECT order_id, ordered_at, amount, email FROM raw"


def day(d: int, h: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, d, h)


def write_part(folder: Path, name: str, rows: list[tuple]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount", "email"]).to_parquet(path)
    return path


@pytest.fixture
def dp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp", lock_timeout=2.0))


def served(dp) -> list[tuple]:
    return [tuple(r) for r in dp.sql("SELECT order_id, amount FROM sales.orders_v1 ORDER BY order_id").itertuples(index=False)]


def recorded(dp) -> list[tuple]:
    """What the served version's lineage processed: (kind, start, end, file name)."""
    from dp_notebook.versions import read_history

    history = read_history(dp.workspace, dp.id, "orders_v1")
    return sorted(((h["kind"], h["start_at"], h["end_at"], Path(h["path"]).name if h["path"] else None) for h in history.increments), key=str)


def serving_version(dp) -> int:
    return dp.versions().serving("orders_v1")["seq"]


# -- new files of a globbed input ---------------------------------------------------------------------


def test_new_files_only_are_read_and_appended(dp, tmp_path):
    data = tmp_path / "data"
    write_part(data, "p1", [(1, day(1), 10.0, "a@x"), (2, day(1), 20.0, "b@x")])
    dp.input("raw", "data/*.parquet")
    first = dp.transform("orders_v1", SQL, incremental=True)
    assert first.rows == 2 and first.version == 1 and "first incremental run" in first.increment
    write_part(data, "p2", [(3, day(2), 30.0, "c@x")])
    second = dp.transform("orders_v1", SQL, incremental=True)
    assert (second.inserted, second.rows, second.version) == (1, 3, 2)
    assert "1 new file(s) of input raw" in second.increment
    assert served(dp) == [(1, 10.0), (2, 20.0), (3, 30.0)]
    assert recorded(dp) == [("file", None, None, "p1.parquet"), ("file", None, None, "p2.parquet")]
    # nothing new: no version, no change
    third = dp.transform("orders_v1", SQL, incremental=True)
    assert third.version is None and "nothing new" in third.increment and serving_version(dp) == 2
    # a file read before and changed since is not re-read; the run says so
    time.sleep(0.01)
    write_part(data, "p1", [(1, day(1), 99.0, "a@x"), (2, day(1), 20.0, "b@x")])
    write_part(data, "p3", [(4, day(3), 40.0, "d@x")])
    fourth = dp.transform("orders_v1", SQL, incremental=True)
    assert fourth.inserted == 1 and "1 file(s) read before changed since" in fourth.increment
    assert served(dp)[0] == (1, 10.0)
    # --full-refresh reads every file again
    full = dp.transform("orders_v1", SQL, incremental=True, full_refresh=True)
    assert "--full-refresh" in full.increment and served(dp)[0] == (1, 99.0) and full.rows == 4


def test_duplicate_key_across_old_and_new_rows_fails_and_changes_nothing(dp, tmp_path):
    data = tmp_path / "data"
    write_part(data, "p1", [(1, day(1), 10.0, "a@x"), (2, day(1), 20.0, "b@x")])
    dp.input("raw", "data/*.parquet")
    dp.transform("orders_v1", SQL, incremental=True)
    before = (served(dp), recorded(dp), serving_version(dp))
    write_part(data, "p2", [(2, day(2), 21.0, "b2@x"), (3, day(2), 30.0, "c@x")])  # order 2 again: unique in the increment alone
    with pytest.raises(ContractViolation, match=r"unique\(order_id\).*1 duplicate.*\*\*\*|unique\(order_id\).*1 duplicate.*e\.g\. 2") as err:
        dp.transform("orders_v1", SQL, incremental=True)
    assert "whole port" in str(err.value)
    assert (served(dp), recorded(dp), serving_version(dp)) == before  # the port and the recorded files as they were
    assert dp.runs()["status"][0] == "failed"
    # the same file is new again for the next run: fix it and it goes in
    write_part(data, "p2", [(3, day(2), 30.0, "c@x")])
    assert dp.transform("orders_v1", SQL, incremental=True).inserted == 1


def test_failed_expectation_on_the_new_rows_leaves_port_and_intervals(dp):
    dp.input("raw", pd.DataFrame([(1, day(1), 10.0, "a@x"), (2, day(2), 20.0, "b@x")], columns=["order_id", "ordered_at", "amount", "email"]))
    dp.expect("orders_v1", [{"expect_column_values_to_be_between": {"column": "amount", "min_value": 0}}, {"expect_table_row_count_to_be_between": {"min_value": 1}}])
    dp.transform("orders_v1", SQL, time_column="ordered_at")
    before = (served(dp), recorded(dp), serving_version(dp))
    assert recorded(dp) == [("interval", None, "2026-01-02T00:00:00", None)]
    dp.input("raw", pd.DataFrame([(1, day(1), 10.0, "a@x"), (2, day(2), 20.0, "b@x"), (3, day(3), -5.0, "c@x")], columns=["order_id", "ordered_at", "amount", "email"]))
    with pytest.raises(ChecksFailed, match=r"amount"):
        dp.transform("orders_v1", SQL, time_column="ordered_at")
    assert (served(dp), recorded(dp), serving_version(dp)) == before


# -- time ranges ----------------------------------------------------------------------------------------


def frame(rows):
    return pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount", "email"])


def test_time_ranges_lookback_late_data_backfill(dp):
    windowed = SQL + " WHERE ordered_at >= {{start}} AND ordered_at < {{end}}"  # the window reaches the input scan
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(2), 20.0, "b"), (3, day(3), 30.0, "c")]))
    assert dp.transform("orders_v1", windowed, time_column="ordered_at", lookback="1d").rows == 3
    # day 4 is new; a late row for day 3 and a correction of day 3 arrive inside the lookback;
    # a late row for day 1 is outside it and waits for a backfill
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(2), 20.0, "b"), (3, day(3), 33.0, "c"), (4, day(3, 5), 40.0, "d"), (5, day(4), 50.0, "e"), (6, day(1, 5), 60.0, "f")]))
    out = dp.transform("orders_v1", windowed, time_column="ordered_at", lookback="1d")
    assert "time range [2026-01-02T00:00:00, …)" in out.increment
    assert (out.inserted, out.replaced) == (4, 2)  # days 2..4 rebuilt; days 2 and 3 replaced
    assert served(dp) == [(1, 10.0), (2, 20.0), (3, 33.0), (4, 40.0), (5, 50.0)]
    back = dp.transform("orders_v1", windowed, time_column="ordered_at", start="2026-01-01", end="2026-01-02")
    assert (back.inserted, back.replaced) == (2, 1) and served(dp)[-1] == (6, 60.0)
    assert ("interval", "2026-01-01T00:00:00", "2026-01-02T00:00:00", None) in recorded(dp)
    with pytest.raises(SpecError, match="not before"):
        dp.transform("orders_v1", windowed, time_column="ordered_at", start="2026-01-03", end="2026-01-02")
    with pytest.raises(DataProductError, match="need|--time-column"):
        dp.transform("orders_v1", SQL, start="2026-01-01")


def test_increment_cannot_change_columns(dp):
    dp.input("raw", frame([(1, day(1), 10.0, "a")]))
    dp.transform("orders_v1", SQL, time_column="ordered_at")
    with pytest.raises(DataProductError, match=r"columns changed.*added extra.*--full-refresh"):
        dp.transform("orders_v1", SQL.replace("email", "email, 1 AS extra"), time_column="ordered_at")
    assert dp.transform("orders_v1", SQL.replace("email", "email, 1 AS extra"), time_column="ordered_at", full_refresh=True).rows == 1


# -- merge by key ------------------------------------------------------------------------------------------


def test_unique_key_merges_only_new_and_changed_rows(dp):
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(1), 20.0, "b"), (3, day(1), 30.0, "c")]))
    dp.transform("orders_v1", SQL, unique_key="order_id")
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(1), 22.0, "b"), (3, day(1), 30.0, "c"), (4, day(2), 40.0, "d")]))
    out = dp.transform("orders_v1", SQL, unique_key="order_id")
    assert (out.inserted, out.replaced, out.rows) == (2, 1, 4)
    assert served(dp) == [(1, 10.0), (2, 22.0), (3, 30.0), (4, 40.0)]


# -- rollback and versions -------------------------------------------------------------------------------------


def test_rollback_after_a_bad_but_passing_run(dp, tmp_path):
    data = tmp_path / "data"
    write_part(data, "p1", [(1, day(1), 10.0, "a"), (2, day(1), 20.0, "b")])
    dp.input("raw", "data/*.parquet")
    dp.transform("orders_v1", SQL, incremental=True)
    write_part(data, "p2", [(3, day(2), 3000.0, "c")])  # wrong by 100x, but passes every check
    bad = dp.transform("orders_v1", SQL, incremental=True)
    good_rows = [(1, 10.0), (2, 20.0)]
    result = dp.rollback("orders_v1")
    assert (result.from_seq, result.to_seq) == (2, 1) and "nothing was recomputed" in str(result)
    assert served(dp) == good_rows
    runs = dp.runs()
    assert runs["kind"][0] == "rollback" and runs["status"][0] == "success"
    assert runs.loc[runs["run_id"] == bad.run_id, "serving"].item() is False or not runs.loc[runs["run_id"] == bad.run_id, "serving"].item()
    assert bool(runs.loc[runs["version"] == 1, "serving"].item())
    # the processed files went back with the data: the bad file counts as new again
    assert recorded(dp) == [("file", None, None, "p1.parquet")]
    write_part(data, "p2", [(3, day(2), 30.0, "c")])
    fixed = dp.transform("orders_v1", SQL, incremental=True)
    assert fixed.version == 3 and served(dp) == good_rows + [(3, 30.0)]
    states = {r["seq"]: r for r in dp.versions().rows}
    assert states[2]["discarded"] and states[3]["serving"]
    with pytest.raises(DataProductError, match="pruned|rolled back|discarded"):
        dp.rollback("orders_v1", to=bad.run_id[:6])


def test_keep_versions_prunes_and_rollback_to_a_run(dp, tmp_path, monkeypatch):
    monkeypatch.setenv("DP_NOTEBOOK_KEEP_VERSIONS", "2")
    dp = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp2"))
    dp.input("raw", frame([(1, day(1), 1.0, "a")]))
    runs = [dp.transform("orders_v1", SQL.replace("amount,", f"amount * {i} AS amount,")).run_id for i in (1, 2, 3)]
    states = {r["seq"]: r for r in dp.versions().rows}
    assert states[1]["dropped_at"] is not None and states[2]["dropped_at"] is None
    tables = set(dp.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'dp_shop'")["table_name"])
    assert f"__v_orders_v1_{runs[0]}" not in tables and f"__v_orders_v1_{runs[1]}" in tables
    with pytest.raises(DataProductError, match=r"pruned.*kept: version 3.*version 2"):
        dp.rollback("orders_v1", to=runs[0])
    assert dp.rollback("orders_v1", to=runs[1][:8]).to_seq == 2
    assert served(dp) == [(1, 2.0)]
    assert dp.rollback("orders_v1", to="3").to_seq == 3  # forward again, by version number
    with pytest.raises(DataProductError, match="already served"):
        dp.rollback("orders_v1", to="3")


def test_sigkill_mid_increment_leaves_port_and_intervals(dp, tmp_path):
    data = tmp_path / "data"
    write_part(data, "p1", [(1, day(1), 10.0, "a")])
    dp.input("raw", "data/*.parquet")
    dp.transform("orders_v1", SQL, incremental=True)
    write_part(data, "p2", [(2, day(2), 20.0, "b")])
    before = (served(dp), recorded(dp), serving_version(dp))
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        import dp_notebook, dp_notebook.incremental as inc
        from dp_notebook.state import Source
        def stall(*a, **k):
            print("staged", flush=True)
            time.sleep(60)   # killed here: the increment is written, not committed
        inc.audit_increment = stall
        dp = dp_notebook.load(open({str(tmp_path / 'spec.yaml')!r}).read(), workspace=dp_notebook.Workspace({str(tmp_path / '.dp')!r}))
        dp.input("raw", {str(data / '*.parquet')!r})
        dp.transform("orders_v1", {SQL!r}, incremental=True)
        """
    )
    (tmp_path / "spec.yaml").write_text(SPEC)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "staged"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    assert (served(dp), recorded(dp), serving_version(dp)) == before
    runs = dp.runs()
    assert runs["status"][0] == "aborted" and "killed or crashed" in runs["error"][0]
    out = dp.transform("orders_v1", SQL, incremental=True)  # the next run reads the file the killed one did not commit
    assert out.inserted == 1 and served(dp) == [(1, 10.0), (2, 20.0)]


def test_contract_change_audits_every_row(dp):
    dp.input("raw", frame([(1, day(1), -1.0, "a")]))
    dp.transform("orders_v1", SQL, time_column="ordered_at")
    dp.input("raw", frame([(1, day(1), -1.0, "a"), (2, day(2), 5.0, "b")]))
    # the suite changed: the old row (-1) is audited too, not only the new one
    dp.expect("orders_v1", [{"expect_column_values_to_be_between": {"column": "amount", "min_value": 0}}])
    with pytest.raises(ChecksFailed, match=r"1 of 2 unexpected"):
        dp.transform("orders_v1", SQL, time_column="ordered_at")


# -- data diff -------------------------------------------------------------------------------------------------


def test_data_diff_of_what_a_transform_would_write(dp):
    dp.input("raw", frame([(1, day(1), 10.0, "a@x"), (2, day(1), 20.0, "b@x"), (3, day(1), 30.0, "c@x")]))
    first = dp.data_diff("orders_v1") if False else None  # noqa: F841 - not built yet: see below
    dp.transform("orders_v1", SQL)
    dp.input("raw", frame([(1, day(1), 10.0, "a@x"), (2, day(1), 25.0, "b2@x"), (4, day(2), 40.0, "d@x")]))
    diff = dp.data_diff("orders_v1")
    assert (diff.rows_old, diff.rows_new, diff.added, diff.removed, diff.changed) == (3, 3, 1, 1, 1)
    assert diff.key == ["order_id"] and "would be version 2" in diff.new_label
    by = {c.name: c for c in diff.columns}
    assert by["amount"].changed == 1 and by["amount"].mean_delta == 5.0 and by["email"].changed == 1
    assert by["amount"].old["max"] == 30.0 and by["amount"].new["max"] == 40.0
    changed = next(s for s in diff.sample if s["change"] == "changed")
    assert changed["key"] == {"order_id": 2} and changed["values"] == {"amount": [20.0, 25.0], "email": ["***", "***"]}
    assert "b2@x" not in str(diff) and "b2@x" not in json.dumps(diff.to_dict()) and "b2@x" not in diff._repr_mimebundle_()["text/html"]
    assert served(dp) == [(1, 10.0), (2, 20.0), (3, 30.0)]  # the diff staged and rolled back
    assert serving_version(dp) == 1 and len(dp.runs()) == 1
    text = str(diff)
    assert "+1 added, −1 removed, ~1 changed (3 → 3 rows)" in text and "compared by key order_id" in text


def test_data_diff_without_a_key_and_against_a_version(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = SPEC.replace(", primaryKey: true, unique: true", "")
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (1, day(1), 10.0, "a"), (2, day(1), 20.0, "b")]))
    v1 = dp.transform("orders_v1", SQL)
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(1), 21.0, "b")]))
    dp.transform("orders_v1", SQL)
    diff = dp.data_diff("orders_v1", against=v1.run_id)
    assert diff.key == [] and diff.changed is None
    assert (diff.added, diff.removed) == (1, 2)  # a duplicate row went away and a row changed
    assert {s["change"] for s in diff.sample} == {"added", "removed"}
    same = dp.data_diff("orders_v1")
    assert same.identical and "no changes" in str(same)


def test_data_diff_out_of_core(tmp_path):
    """A diff needing more memory than DuckDB may use spills to disk instead of failing."""
    from dp_notebook.datadiff import compare

    con = duckdb.connect(str(tmp_path / "big.duckdb"), config={"memory_limit": "64MB", "threads": "2", "temp_directory": str(tmp_path / "spill")})
    con.execute("CREATE TABLE a AS SELECT i AS id, i * 2 AS v, repeat('x', 40) || i AS s FROM range(1500000) t(i)")
    con.execute("CREATE TABLE b AS SELECT id, CASE WHEN id % 1000 = 0 THEN v + 1 ELSE v END AS v, s FROM a WHERE id % 5000 <> 7")
    diff = compare(con, "a", "b", target="big", key=["id"], sample=3)
    assert (diff.removed, diff.added, diff.changed) == (300, 0, 1500)


def test_parse_duration_and_config_errors(dp):
    assert parse_duration("2d") == dt.timedelta(days=2) and parse_duration("6 hours") == dt.timedelta(hours=6) and parse_duration("5") == 5.0
    with pytest.raises(SpecError, match="not a duration"):
        parse_duration("2 fortnights")
    dp.input("raw", frame([(1, day(1), 10.0, "a")]))
    with pytest.raises(SpecError, match="needs --time-column"):
        dp.transform("orders_v1", SQL, unique_key="order_id", lookback="1d")
    with pytest.raises(SpecError, match="say what is new"):
        dp.transform("orders_v1", SQL, incremental=True)


def test_spec_field_makes_a_port_incremental_and_round_trips(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = SPEC.replace("    location: sales.orders_v1\n", "    location: sales.orders_v1\n    incremental: {timeColumn: ordered_at, lookback: 1d}\n")
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    assert dp.spec.outputPorts[0].incremental.timeColumn == "ordered_at"
    dp.input("raw", frame([(1, day(1), 10.0, "a")]))
    dp.transform("orders_v1", SQL)
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(2), 20.0, "b")]))
    out = dp.transform("orders_v1", SQL)
    assert out.inserted == 2 and "lookback" not in out.increment and "time range" in out.increment
    import yaml

    again = dp_notebook.load(dp.export("dps").text)
    assert again.spec.outputPorts[0].incremental == dp.spec.outputPorts[0].incremental
    odps = yaml.safe_load(dp.export("odps").text)
    assert {"property": "incremental", "value": {"timeColumn": "ordered_at", "lookback": "1d"}} in odps["outputPorts"][0]["customProperties"]


def test_workspace_format_2_is_migrated_and_old_port_tables_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = tmp_path / ".dp"
    home.mkdir()
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    from dp_notebook.metadata import _SCHEMA_SQL

    con.execute(_SCHEMA_SQL.split("CREATE TABLE IF NOT EXISTS _dp.versions")[0])
    con.execute("INSERT INTO _dp.meta VALUES ('format_version', '2')")
    con.execute("CREATE SCHEMA dp_shop; CREATE TABLE dp_shop.orders_v1 AS SELECT 1 AS order_id")  # a port built by format 2
    con.close()
    dp = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(home))
    dp.input("raw", frame([(1, day(1), 10.0, "a"), (2, day(1), 20.0, "b")]))
    assert dp.transform("orders_v1", SQL).version == 1
    assert served(dp) == [(1, 10.0), (2, 20.0)]
    assert dp.sql("SELECT value FROM _dp.meta WHERE key = 'format_version'")["value"][0] == "3"


def test_magics_incremental_diff_rollback_versions(ip, tmp_path):
    from IPython.core.error import UsageError

    def cell(line, body=None):
        return ip.run_cell_magic("dataproduct", line, body) if body is not None else ip.run_line_magic("dataproduct", line)

    cell("declare", SPEC)
    ip.user_ns["frame"] = frame([(1, day(1), 10.0, "a"), (2, day(2), 20.0, "b")])
    cell("input raw --from frame")
    out = cell("transform orders_v1 --incremental --time-column ordered_at --lookback 1d", SQL)
    assert out.version == 1 and out.increment.startswith("full build")
    ip.user_ns["frame"] = frame([(1, day(1), 10.0, "a"), (2, day(2), 22.0, "b"), (3, day(3), 30.0, "c")])
    cell("input raw --from frame")
    diff = cell("diff --data orders_v1")
    assert (diff.added, diff.changed) == (1, 1) and "datadiff" in next(k for k in diff._repr_mimebundle_() if "dp-notebook" in k)
    out = cell("transform orders_v1 --incremental --time-column ordered_at --lookback 1d", SQL)
    assert (out.inserted, out.replaced) == (3, 2)  # the lookback reaches back to day 1
    back = cell("diff --data orders_v1 --against 1")
    assert (back.added, back.changed) == (1, 1)
    assert cell("rollback orders_v1").to_seq == 1
    runs = cell("runs")
    assert runs["kind"][0] == "rollback" and "serving" in runs.columns
    assert "serving" in str(cell("versions"))
    with pytest.raises(UsageError, match="no kept version before"):
        cell("rollback orders_v1")
    with pytest.raises(UsageError, match="--against compares data"):
        cell("diff --against 1")
    with pytest.raises(UsageError, match="backfill"):
        cell("transform orders_v1 --from 2026-01-01", SQL)


@pytest.mark.slow
def test_dp_notebook_run_prints_what_each_build_changed(tmp_path):
    """A real notebook through papermill, twice: the second run appends a new file and prints its data diff."""
    import nbformat

    from .conftest import run

    folder = tmp_path / "nb"
    write_part(folder / "data", "p1", [(1, day(1), 10.0, "a@x"), (2, day(1), 20.0, "b@x")])
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext dp_notebook"),
        nbformat.v4.new_code_cell("%%dataproduct declare\n" + SPEC),
        nbformat.v4.new_code_cell("%dataproduct input raw --from 'data/*.parquet'"),
        nbformat.v4.new_code_cell("%%dataproduct transform orders_v1 --incremental\n" + SQL),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "orders.ipynb"
    nbformat.write(nb, str(path))
    first = run(path, tmp_path / "out1")
    assert first.returncode == 0, first.stderr
    assert "data diff" not in first.stdout  # a first build has nothing to compare with
    write_part(folder / "data", "p2", [(3, day(2), 30.0, "c@x")])
    second = run(path, tmp_path / "out2")
    assert second.returncode == 0, second.stderr
    assert "data diff of orders_v1: version 1" in second.stdout and "+1 added, −0 removed, ~0 changed (2 → 3 rows)" in second.stdout
    text = (tmp_path / "out2" / "shop" / "data-diff-orders_v1.txt").read_text()
    assert "c@x" not in text and "***" in text  # the sample masks the PII column
    executed = json.loads((tmp_path / "out2" / "orders.ipynb").read_text())
    assert "+1 rows → 3 rows" in json.dumps(executed["cells"][-1]["outputs"], ensure_ascii=False)


def test_publish_shows_the_data_changes_against_the_catalog(dp):
    dp.input("raw", frame([(1, day(1), 10.0, "a@x"), (2, day(1), 20.0, "b@x")]))
    dp.transform("orders_v1", SQL)
    first = dp.publish(skip_tests=True)
    assert first.version == 1 and first.data_diffs == []  # nothing published before
    dp.input("raw", frame([(1, day(1), 10.0, "a@x"), (2, day(1), 25.0, "b@x"), (3, day(2), 30.0, "c@x")]))
    dp.transform("orders_v1", SQL)
    report = dp.publish(skip_tests=True, dry_run=True)
    (diff,) = report.data_diffs
    assert (diff.added, diff.removed, diff.changed) == (1, 0, 1) and diff.old_label == "published (catalog version 1)"
    assert "data orders_v1: +1 added, −0 removed, ~1 changed (2 → 3 rows)" in str(report)
    assert "data changes against the catalog" in report._repr_mimebundle_()["text/html"]
