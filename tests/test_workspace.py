"""Workspace and write-audit-publish: locks, crashes, interrupts, parameters, inputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

import dp_notebook
from dp_notebook.errors import ParameterError, PortNotFound, SQLError, WorkspaceLocked
from dp_notebook.params import parse_param_args, render_params

SPEC = """dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales}
inputPorts:
  - {id: raw, name: raw, sourceSystemId: erp}
outputPorts:
  - id: items_v1
    location: sales.items_v1
    schema:
      - {name: id, type: integer, required: true}
      - {name: label, type: string}
  - id: items_v2
    location: sales.items_v2
    type: files
    schema:
      - {name: id, type: integer, required: true}
"""


@pytest.fixture
def dp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    product = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp", lock_timeout=1.0))
    product.input("raw", pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b", "c"]}))
    product.transform("items_v1", "SELECT id, label FROM raw")
    return product


def served(dp, view="sales.items_v1"):
    return dp.sql(f"SELECT count(*) AS n FROM {view}")["n"][0]


def test_parameters_are_bound_not_pasted(dp):
    evil = "x'; DROP TABLE raw; --"
    out = dp.transform("items_v1", "SELECT id, {{label}} AS label FROM raw", params={"label": evil})
    assert out.rows == 3
    assert set(dp.sql("SELECT label FROM sales.items_v1")["label"]) == {evil}
    assert served(dp, "raw") == 3  # the input is still there


def test_template_only_outside_strings_and_comments():
    sql, values = render_params("SELECT '{{a}}' AS s, {{a}} AS v -- {{b}}\n/* {{c}} */", {"a": 1})
    assert sql == "SELECT '{{a}}' AS s, $a AS v -- {{b}}\n/* {{c}} */" and values == {"a": 1}
    with pytest.raises(ParameterError, match=r"no value for \{\{b\}\}"):
        render_params("SELECT {{b}}", {}, {})
    assert render_params("SELECT {{n}}", None, {"n": 5})[1] == {"n": 5}
    assert parse_param_args(["n=3", "s=abc", "b=true", 'j={"a":1}']) == {"n": 3, "s": "abc", "b": True, "j": '{"a":1}'}
    with pytest.raises(ParameterError):
        parse_param_args(["novalue"])


def test_versioned_ports_side_by_side_and_parquet(dp):
    out = dp.transform("items_v2", "SELECT id FROM raw WHERE id > 1")
    assert served(dp) == 3 and served(dp, "sales.items_v2") == 2
    assert out.parquet and os.path.exists(out.parquet)
    import duckdb

    assert duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out.parquet}')").fetchone()[0] == 2


def test_sql_error_names_cell_line_and_keeps_data(dp):
    with pytest.raises(SQLError, match=r"cell line 3"):
        dp.transform("items_v1", "SELECT id,\n  nope\nFROM raw")
    assert served(dp) == 3
    assert dp.runs()["status"].tolist()[:2] == ["failed", "success"]


def test_interrupt_in_audit_rolls_back(dp, monkeypatch):
    calls = []

    def boom(con, relation, plan, columns):
        calls.append(relation)
        raise KeyboardInterrupt

    import dp_notebook.build

    monkeypatch.setattr(dp_notebook.build, "audit", boom)
    with pytest.raises(KeyboardInterrupt):
        dp.transform("items_v1", "SELECT id, label FROM raw WHERE id = 1")
    assert calls and served(dp) == 3
    runs = dp.runs()
    assert runs["status"][0] == "aborted" and "interrupted" in runs["error"][0]


def test_a_transform_opens_the_workspace_file_once(dp, monkeypatch):
    # history, run record, transaction, results: one connection, not one per step (each open costs ~10 ms)
    import duckdb

    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(str(a[0] if a else k.get("database"))) or real(*a, **k))
    dp.transform("items_v1", "SELECT id, label FROM raw WHERE id < 3")
    assert [p for p in opened if p.endswith("warehouse.duckdb")] == [str(dp.workspace.db_path)]
    assert served(dp) == 2
    runs = dp.runs()
    assert list(runs["status"][:2]) == ["success", "success"] and runs["rows"][0] == 2
    with pytest.raises(SQLError):  # a failed run is recorded on the same connection, after the rollback
        dp.transform("items_v1", "SELECT id, label FROM nowhere")
    assert dp.runs()["status"][0] == "failed" and served(dp) == 2


def test_the_saved_state_is_rewritten_only_when_it_changes(dp):
    # the CLI reads the notebook's state from this file; re-running a cell that changes nothing skips the write
    path = dp.workspace.state_path(dp.id)
    before = path.stat().st_ino  # every write replaces the file (a new inode)
    dp.transform("items_v1", "SELECT id, label FROM raw")
    assert path.stat().st_ino == before
    dp.transform("items_v1", "SELECT id, label FROM raw WHERE id < 3")
    assert path.stat().st_ino != before and "WHERE id < 3" in path.read_text()
    path.unlink()  # removed (or rewritten by another kernel) behind our back: written again
    dp.transform("items_v1", "SELECT id, label FROM raw WHERE id < 3")
    assert "WHERE id < 3" in path.read_text()


def test_unknown_port_and_input(dp):
    with pytest.raises(PortNotFound, match="output ports: items_v1, items_v2"):
        dp.transform("items_v3", "SELECT 1")
    with pytest.raises(PortNotFound, match="input ports: raw"):
        dp.input("nope", pd.DataFrame({"a": [1]}))
    with pytest.raises(PortNotFound, match="found nothing; tried"):
        dp.input("raw", "no_such_file.csv", namespace={})


def test_file_inputs_are_absolute_globs(tmp_path, dp, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        pd.DataFrame({"id": [i], "label": [f"x{i}"]}).to_csv(data / f"part{i}.csv", index=False)
    assert dp.input("raw", "data/part*.csv").rows == 3
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)  # the view must not depend on the working directory
    assert dp.transform("items_v1", "SELECT id, label FROM raw").rows == 3


def _holder_script(db: str) -> str:
    return textwrap.dedent(
        f"""
        import duckdb, time, sys
        con = duckdb.connect({db!r})
        print("holding", flush=True)
        time.sleep(30)
        """
    )


def test_second_process_gets_workspace_locked(dp):
    holder = subprocess.Popen([sys.executable, "-c", _holder_script(str(dp.workspace.db_path))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(WorkspaceLocked) as err:
            dp.sql("SELECT 1")
        assert time.monotonic() - started >= 0.9
        msg = str(err.value)
        assert str(dp.workspace.db_path) in msg and f"process {holder.pid}" in msg and "DP_NOTEBOOK_HOME" in msg
    finally:
        holder.kill()
        holder.wait()
    assert dp.sql("SELECT 1 AS x")["x"][0] == 1  # free again


def test_process_killed_mid_transform_leaves_last_good_data(dp, tmp_path):
    script = textwrap.dedent(
        f"""
        import dp_notebook, sys
        dp = dp_notebook.load(open({str(tmp_path / 'spec.yaml')!r}).read(), workspace=dp_notebook.Workspace({str(dp.workspace.root)!r}))
        print("starting", flush=True)
        dp.transform("items_v1", "SELECT range AS id, 'x' AS label FROM range(3000000000) WHERE (range * 7) % 13 = 0")
        """
    )
    (tmp_path / "spec.yaml").write_text(SPEC)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "starting"
    time.sleep(2.0)  # well inside the long CREATE TABLE AS
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert served(dp) == 3  # consumers still see the last good data
    runs = dp.runs()
    assert runs["status"][0] == "aborted"
    assert "killed or crashed" in runs["error"][0]


def test_paths_with_quotes_work_everywhere(tmp_path, monkeypatch):
    odd = tmp_path / "o'brien's data"
    odd.mkdir()
    monkeypatch.chdir(odd)
    pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}).to_csv(odd / "in'put.csv", index=False)
    dp = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(odd / ".dp"))
    assert dp.input("raw", str(odd / "in'put.csv")).rows == 2
    out = dp.transform("items_v2", "SELECT id FROM raw")
    assert out.parquet and "o'brien" in out.parquet
    assert dp_notebook.validate(out.parquet, [{"not_null": {"column": "id"}}]).success
    assert dp.cost().storage  # storage sizes read through pragma_storage_info
    dp.transform("items_v1", "SELECT id, label FROM raw")
    assert dp.publish(skip_tests=True).version == 1
