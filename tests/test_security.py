"""Security and robustness (issue 16): every door an id, a spec's SQL, a role, PII or a secret passes.

Each test names the class of the issue it closes and failed on the first round's
code (74236a7): it drives the real thing — DuckDB files, catalog folders, HTTP
servers on 127.0.0.1, the CLI in a subprocess, magics in a real IPython shell —
and asserts what an attacker or a clumsy user would see.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.dom.minidom
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError

import dp_notebook
from dp_notebook.catalog import Catalog
from dp_notebook.errors import AccessDenied, CatalogError, ChecksFailed, DataProductError, PublishError, SpecError, SQLError

from ._http import serve, url

EMAIL = "carol@example.com"
SPEC = """dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales, description: Customers and what they bought.}
inputPorts:
  - {id: raw, name: raw, sourceSystemId: erp}
outputPorts:
  - id: people_v1
    description: People.
    location: sales.people_v1
    rolesAllowed: [analyst]
    schema:
      - {name: id, type: integer, required: true, description: Key.}
      - {name: email, type: string, pii: true, classification: restricted, description: Contact., examples: ["carol@example.com"]}
      - {name: zip, type: string, pii: true, classification: restricted, description: ZIP code.}
"""
ROWS = pd.DataFrame({"id": [1, 2, 3], "email": [EMAIL, "bob@example.org", "eve@example.net"], "zip": ["10115", "80331", "20095"]})


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DP_NOTEBOOK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "dp_notebook.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env)


@pytest.fixture
def shop(tmp_path):
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", ROWS)
    dp.transform("people_v1", "SELECT id, email, zip FROM raw")
    return dp


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def every_text(root: Path) -> str:
    """Every readable file below ``root`` as text (to search for leaked values)."""
    out = []
    for p in sorted(files_under(root)):
        if p.suffix in (".duckdb", ".parquet", ".wal"):
            continue
        out.append(p.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


def count(ws, sql: str) -> int:
    with ws.connect() as con:
        return con.execute(sql).fetchone()[0]


class Scripted(BaseHTTPRequestHandler):
    """A server on 127.0.0.1 that records each request in ``server.seen``; ``reply()`` says what to answer."""

    def log_message(self, *args):
        pass

    def reply(self) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def _handle(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.seen.append((self.command, self.path, self.headers.get("x-api-key")))
        code, headers, body = self.reply()
        self.send_response(code)
        for name, value in {**headers, "content-length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _handle


# == 1. writes outside where they belong ============================================================


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("dataContractId", "    location: sales.people_v1\n", "    location: sales.people_v1\n    dataContractId: ../../../../tmp/x\n"),
        ("id", "  - id: people_v1\n", "  - id: ../people\n"),
        ("id", "id: shop\n", "id: ../../shop\n"),
        ("inputPorts", "  - {id: raw,", "  - {id: ../raw,"),
        ("contractId", "sourceSystemId: erp}", "sourceSystemId: erp, contractId: ../../x}"),
    ],
)
def test_an_id_that_would_leave_its_folder_is_refused_at_declare(ip, tmp_path, field, old, new):
    before = files_under(tmp_path.parent)
    with pytest.raises(UsageError, match=rf"{field}.*(not a valid id|must match)"):
        ip.run_cell_magic("dataproduct", "declare", SPEC.replace(old, new))
    assert all(tmp_path in p.parents for p in files_under(tmp_path.parent) - before)
    assert not Path("/tmp/x").exists() and not Path("/tmp/x.odcs.yaml").exists()


def test_cli_refuses_a_spec_whose_contract_id_leaves_the_folder(tmp_path):
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC.replace("    location: sales.people_v1\n", "    location: sales.people_v1\n    dataContractId: ../../escaped\n"))
    out = tmp_path / "out" / "deep"
    for args in (("export", str(spec), "odcs", "--out", str(out)), ("publish", str(spec), "--to", str(tmp_path / "cat")), ("lint", str(spec))):
        res = run_cli(*args, cwd=tmp_path)
        assert res.returncode in (1, 2), res.stderr
        assert "Traceback" not in res.stderr and "not a valid id" in res.stdout + res.stderr
    assert not list(tmp_path.rglob("escaped*"))


@pytest.mark.parametrize(
    "line",
    [
        "redact people_v1 --as ../../x",
        "redact people_v1 --as 'a b'",
        "use other.port_v1 --as 'a b'",
        "use other.port_v1 --as ../x",
        "input ../x --from df --declare",
    ],
)
def test_ids_given_on_magic_lines_are_checked(ip, tmp_path, line):
    ip.user_ns["df"] = ROWS
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    with pytest.raises(UsageError, match="not a valid id"):
        ip.run_line_magic("dataproduct", line)
    assert not (tmp_path.parent / "x").exists() and not list(tmp_path.rglob("*x.odcs.yaml"))


def test_a_model_name_that_would_leave_its_folder_is_refused(ip):
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    with pytest.raises(UsageError, match="not a valid id"):
        ip.run_cell_magic("dataproduct", "transform ../x --model", "SELECT 1 AS a")


def test_url_segments_are_encoded(tmp_path):
    from dp_notebook.catalog.remote import DataMeshManagerClient
    from dp_notebook.publish.http import plan_requests

    class Recorder(Scripted):
        def reply(self):
            return 200, {"content-type": "application/json"}, b"{}"

    with serve(Recorder, seen=[]) as srv:
        client = DataMeshManagerClient(url(srv), api_key="k")
        client.get_contract("../dataproducts/victim")
        client.get_product("a/../../b?x=1#y")
    assert [path for _, path, _ in srv.seen] == ["/api/datacontracts/..%2Fdataproducts%2Fvictim", "/api/dataproducts/a%2F..%2F..%2Fb%3Fx%3D1%23y"]
    requests = plan_requests({"id": "p/../q"}, {"../c": {}}, None)
    assert [r.path for r in requests] == ["/api/datacontracts/..%2Fc", "/api/dataproducts/p%2F..%2Fq"]


# == 2. SQL that should only read ======================================================================

ATTACKS = [
    "DELETE FROM _dp.runs; SELECT 1",
    "SELECT 1; DROP VIEW other.things_v1",
    "COPY (SELECT * FROM sales.people_v1) TO '{csv}' (HEADER)",
    "SELECT count(*) FROM read_csv('{csv}')",
    "SELECT count(*) FROM _dp.runs",
    "SELECT count(*) FROM other.things_v1",
    "SELECT count(*) FROM dp_other.things_v1",
    "SELECT count(*) FROM query('SELECT * FROM _dp.runs')",
    "ATTACH '{db}' AS w",
    "SELECT current_setting('home_directory') IS NOT NULL",
    "SELECT count(*) FROM '{csv}'",
    "INSERT INTO _dp.runs (run_id) VALUES ('x')",
]


def _victims(tmp_path):
    """Another product with a public view, and a run history: what a hostile check would touch."""
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    other = dp_notebook.load(SPEC.replace("id: shop", "id: other").replace("people_v1", "things_v1").replace("sales.", "other."), workspace=ws)
    other.input("raw", ROWS)
    other.transform("things_v1", "SELECT * FROM raw")
    return ws


@pytest.mark.parametrize("attack", ATTACKS)
def test_slo_sql_that_writes_or_reads_elsewhere_is_refused_at_declare(ip, tmp_path, attack):
    csv = tmp_path / "leak.csv"
    query = attack.format(csv=csv, db=tmp_path / ".dp" / "warehouse.duckdb")
    spec = SPEC + f"    serviceLevelObjectives:\n      - {{type: sql, query: {json.dumps(query)}, mustBe: 1}}\n"
    with pytest.raises(UsageError, match=r"serviceLevelObjectives\[0\]\.query: .*(single SELECT|not a table of this product|may not be used|looks like a file)"):
        ip.run_cell_magic("dataproduct", "declare", spec)


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_check_query_cannot_write_or_read_elsewhere_when_it_runs(tmp_path, attack):
    """Declare-time validation bypassed (a state edited after declare): ``quality`` and ``test`` still refuse it."""
    import duckdb

    from dp_notebook.spec.model import SLO

    ws = _victims(tmp_path)
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", ROWS)
    dp.transform("people_v1", "SELECT * FROM raw")
    runs = count(ws, "SELECT count(*) FROM _dp.runs")
    secret = tmp_path / "secret.csv"  # a file the check would read: it exists
    secret.write_text("a\n1\n")
    duckdb.connect(str(tmp_path / "other.duckdb")).close()  # a database it would attach
    query = attack.format(csv=secret, db=tmp_path / "other.duckdb").replace("TO '" + str(secret), "TO '" + str(tmp_path / "leak.csv"))
    if query.startswith("ATTACH"):
        query += "; SELECT 1"
    port = dp.spec.outputPorts[0]
    port.serviceLevelObjectives.append(SLO.model_construct(type="sql", query=query, mustBe=1, severity="error", name="hostile"))
    with pytest.raises(SpecError, match="single SELECT|not a table of this product|may not be used|looks like a file"):
        dp.quality()
    port.serviceLevelObjectives.clear()
    port.quality = [{"type": "sql", "query": query, "mustBe": 1, "name": "hostile rule"}]
    (rule,) = [r for r in dp.test(raise_on_failure=False).results if r.name == "hostile rule"]
    assert not rule.success and rule.message.startswith("refused:"), rule.message
    assert count(ws, "SELECT count(*) FROM _dp.runs") == runs
    assert count(ws, "SELECT count(*) FROM other.things_v1") == 3
    assert not (tmp_path / "leak.csv").exists()


def test_cli_test_of_a_contributed_spec_cannot_empty_the_run_history(tmp_path, shop):
    runs = count(shop.workspace, "SELECT count(*) FROM _dp.runs")
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC + "    quality:\n      - {type: sql, query: 'DELETE FROM _dp.runs; SELECT 0', mustBe: 0}\n")
    res = run_cli("test", str(spec), cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "single SELECT" in res.stderr
    assert count(shop.workspace, "SELECT count(*) FROM _dp.runs") == runs


def test_the_read_only_check_connection_refuses_writes_files_and_attach(shop, tmp_path):
    """The second guard: whatever passed the parser, DuckDB itself refuses (read-only file, no external access)."""
    with shop.engine.read_only(where="probe") as con:
        assert con.execute("SELECT count(*) FROM sales.people_v1").fetchone()[0] == 3
        for sql in (
            "DELETE FROM _dp.runs",
            "CREATE TABLE sales.x AS SELECT 1",
            f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'",
            f"SELECT * FROM read_csv('{tmp_path / 'x.csv'}')",
            f"ATTACH '{tmp_path / 'other.duckdb'}' AS o",
            "SET enable_external_access = true",
        ):
            with pytest.raises(SQLError):
                con.execute(sql)
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_a_good_check_query_still_reads_the_port_its_view_and_its_inputs(shop):
    from dp_notebook.spec.model import SLO

    port = shop.spec.outputPorts[0]
    port.serviceLevelObjectives.append(SLO(type="sql", query="SELECT count(*) FROM {port} WHERE id IN (SELECT id FROM raw)", mustBe=3))
    port.quality = [{"type": "sql", "query": "WITH v AS (SELECT * FROM sales.people_v1) SELECT count(*) FROM v", "mustBe": 3}]
    result = shop.test()
    assert [r.success for r in result.results if r.kind == "quality"] == [True, True]


def test_unit_tests_cannot_reach_a_file_or_the_workspace(shop, tmp_path):
    target = shop.workspace.db_path
    runs = count(shop.workspace, "SELECT count(*) FROM _dp.runs")
    with pytest.raises(SpecError, match="not an input or model id"):
        shop.unittest("people_v1", {"given": {f"x\"; ATTACH '{target}' AS w; --": [{"id": 1}]}, "expect": []})
    leak = tmp_path / "leak.csv"
    for sql in (
        f"SELECT 1 AS id; ATTACH '{target}' AS w; DELETE FROM w._dp.runs",
        f"SELECT * FROM read_csv('{target.parent / 'status' / 'shop.json'}')",
        f"SELECT 1 AS id; COPY (SELECT 1) TO '{leak}'",
        "SELECT 1 AS id; SET enable_external_access = true",
    ):
        shop.state.transforms["people_v1"].sql = sql
        with pytest.raises(SQLError):
            shop.unittest("people_v1", {"given": {"raw": [{"id": 1}]}, "expect": [{"id": 1}]})
    assert count(shop.workspace, "SELECT count(*) FROM _dp.runs") == runs and not leak.exists()


# == 3. one product taking over another ===============================================================


def test_a_second_product_cannot_take_a_location_it_does_not_own(tmp_path, shop):
    """Another session (another notebook) in the same workspace: the claim in _dp.names refuses, naming the owner."""
    ws2 = dp_notebook.Workspace(tmp_path / ".dp")
    thief = dp_notebook.load(SPEC.replace("id: shop", "id: thief"), workspace=ws2)
    thief.input("raw", pd.DataFrame({"id": [9], "email": ["x"], "zip": ["y"]}))
    with pytest.raises(SpecError, match="belongs to data product 'shop'"):
        thief.transform("people_v1", "SELECT * FROM raw")
    assert count(shop.workspace, "SELECT count(*) FROM sales.people_v1") == 3


def test_the_same_session_refuses_a_shared_location_at_declare(ip):
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    with pytest.raises(UsageError, match="port 'people_v1' of data product 'shop'"):
        ip.run_cell_magic("dataproduct", "declare", SPEC.replace("id: shop", "id: thief"))


@pytest.mark.parametrize("location", ["_dp.runs", "_dp.people", "main.people", "information_schema.tables", "dp_shop.people_v1", "sales.__staging_x"])
def test_a_location_where_the_toolkit_keeps_its_own_tables_is_refused(ip, location):
    with pytest.raises(UsageError, match="reserved"):
        ip.run_cell_magic("dataproduct", "declare", SPEC.replace("location: sales.people_v1", f"location: {location}"))


def test_a_location_in_another_products_private_schema_is_refused(tmp_path, shop):
    ws2 = dp_notebook.Workspace(tmp_path / ".dp")
    thief = dp_notebook.load(SPEC.replace("id: shop", "id: thief").replace("sales.people_v1", "dp_shop.people_v1"), workspace=ws2)
    thief.input("raw", ROWS)
    with pytest.raises(SpecError, match="private schema of data product 'shop'"):
        thief.transform("people_v1", "SELECT * FROM raw")
    assert count(shop.workspace, "SELECT count(*) FROM dp_shop.people_v1") == 3


def test_similar_product_ids_never_share_a_private_schema(tmp_path):
    from dp_notebook.names import private_schema

    ws = dp_notebook.Workspace(tmp_path / ".dp")
    built = {}
    for pid in ("a-b", "a_b"):
        dp = dp_notebook.load(SPEC.replace("id: shop", f"id: {pid}").replace("sales.people_v1", f"{pid.replace('-', 'x')}.people_v1"), workspace=ws)
        dp.input("raw", ROWS.head(1 if pid == "a-b" else 2))
        dp.transform("people_v1", "SELECT * FROM raw")
        built[pid] = private_schema(pid)
    assert built["a-b"] != built["a_b"]
    assert count(ws, f'SELECT count(*) FROM "{built["a-b"]}".people_v1') == 1
    assert count(ws, f'SELECT count(*) FROM "{built["a_b"]}".people_v1') == 2
    # an id crafted to land on a-b's hashed schema is refused by the workspace's claim
    crafted = built["a-b"].removeprefix("dp_")
    dp = dp_notebook.load(SPEC.replace("id: shop", f"id: {crafted}").replace("sales.people_v1", "crafted.people_v1"), workspace=ws)
    dp.input("raw", ROWS)
    with pytest.raises(SpecError, match="belongs to data product 'a-b'"):
        dp.transform("people_v1", "SELECT * FROM raw")
    assert count(ws, f'SELECT count(*) FROM "{built["a-b"]}".people_v1') == 1


@pytest.mark.parametrize(
    ("how", "line", "cell"),
    [
        ("model", "transform people_v1 --model", "SELECT NULL AS id"),
        ("input", "input people_v1 --from df --declare", None),
    ],
)
def test_a_model_or_input_cannot_replace_an_output_ports_table(ip, how, line, cell):
    ip.user_ns["df"] = ROWS
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    ip.run_line_magic("dataproduct", "input raw --from df")
    ip.run_cell_magic("dataproduct", "transform people_v1", "SELECT * FROM raw")
    with pytest.raises(UsageError, match=r"'people_v1' is already an output port of product 'shop'"):
        ip.run_cell_magic("dataproduct", line, cell) if cell else ip.run_line_magic("dataproduct", line)
    served = ip.run_line_magic("dataproduct", "sql SELECT count(*) AS n, count(id) AS ids FROM sales.people_v1")
    assert served.iloc[0].tolist() == [3, 3]


def test_use_as_cannot_take_an_output_ports_name(tmp_path, shop):
    shop.publish()
    consumer = dp_notebook.load(SPEC.replace("id: shop", "id: consumer").replace("sales.people_v1", "mkt.people_v1"), workspace=shop.workspace)
    with pytest.raises(SpecError, match="already an output port"):
        consumer.use("shop.people_v1", as_="people_v1", role="analyst")


# == 4. roles and PII on every read path ===============================================================


def test_input_from_a_port_checks_roles_like_use(ip, tmp_path, shop):
    shop.publish()
    ip.run_cell_magic("dataproduct", "declare", SPEC.replace("id: shop", "id: consumer").replace("sales.people_v1", "mkt.people_v1"))
    for source in ("port:shop.people_v1", "shop.people_v1"):
        with pytest.raises(UsageError, match="roles allowed: analyst"):
            ip.run_line_magic("dataproduct", f"input raw --from {source}")
    with pytest.raises(AccessDenied):
        ip.user_ns["_dp_magics"].session.product().input("raw", "port:shop.people_v1")
    os.environ["DP_NOTEBOOK_ROLE"] = "analyst"
    try:
        ip.user_ns["_dp_magics"].session.workspace._settings = None  # a new kernel with the role set
        result = ip.run_line_magic("dataproduct", "input raw --from port:shop.people_v1")
    finally:
        del os.environ["DP_NOTEBOOK_ROLE"]
    assert result.rows == 3


def test_a_role_list_written_as_a_string_never_matches_by_substring(shop):
    shop.publish()
    summary = shop.workspace.catalog_dir / "shop" / "versions" / "1" / "summary.json"
    data = json.loads(summary.read_text())
    data["outputPorts"][0]["rolesAllowed"] = "admin"
    summary.write_text(json.dumps(data))
    consumer = dp_notebook.load(SPEC.replace("id: shop", "id: consumer").replace("sales.people_v1", "mkt.people_v1"), workspace=shop.workspace)
    for role in ("admin", "adm", "a"):
        with pytest.raises(CatalogError, match=r"summary\.outputPorts\[0\]\.rolesAllowed must be array"):
            consumer.use("shop.people_v1", as_="p", role=role)


def test_pii_never_reaches_messages_history_status_catalog_or_docs(tmp_path):
    """A failing check on a PII column: the value stays out of every text the toolkit writes."""
    shop = dp_notebook.load(SPEC.replace(', examples: ["carol@example.com"]', ""), workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    shop.input("raw", ROWS)
    shop.transform("people_v1", "SELECT id, email, zip FROM raw")
    shop.expect("people_v1", "- expect_column_max_to_be_between: {column: email, max_value: a}\n- expect_column_values_to_match_regex: {column: email, regex: '^x', severity: warning}")
    with pytest.raises(ChecksFailed) as failed:
        shop.transform("people_v1", "SELECT id, email, zip FROM raw")
    shown = str(failed.value) + str(failed.value.result) + failed.value.result._repr_mimebundle_()["text/html"]
    assert EMAIL not in shown and "observed ***" in shown
    with shop.workspace.connect() as con:
        texts = [r[0] or "" for r in con.execute("SELECT error FROM _dp.runs UNION ALL SELECT message FROM _dp.check_results").fetchall()]
    assert texts and not any(EMAIL in t for t in texts)
    shop.expect("people_v1", "- expect_column_values_to_match_regex: {column: email, regex: '^x', severity: warning}")
    shop.publish()
    shop.docs(tmp_path / "docs")
    shop.write_artifacts(tmp_path / "run")
    for folder in (shop.workspace.root / "status", shop.workspace.catalog_dir, tmp_path / "docs", tmp_path / "run"):
        text = every_text(folder)
        assert text and EMAIL not in text and "bob@example.org" not in text, folder


def test_samples_on_inputs_and_models_mask_the_products_pii_columns(shop):
    shop.transform("contacts", "SELECT email, zip FROM raw", model=True)
    for target in ("raw", "contacts"):
        result = shop.expect(target, "- expect_column_values_to_match_regex: {column: email, regex: '^x'}")
        (check,) = result.results
        assert not check.success and check.unexpected_sample
        assert {row["email"] for row in check.unexpected_sample} == {"***"}
        assert {row["zip"] for row in check.unexpected_sample} == {"***"}
        assert EMAIL not in json.dumps(result._repr_mimebundle_()["application/vnd.dp-notebook.checks+json"])


def test_a_port_that_contains_pii_without_column_flags_is_masked_everywhere(tmp_path):
    spec = SPEC.replace(", pii: true", "").replace("    rolesAllowed: [analyst]\n", "    rolesAllowed: [analyst]\n    containsPii: true\n")
    (tmp_path / "dp-notebook.yaml").write_text("policies:\n  rules:\n    contains-pii: 'off'\n")  # e.g. a catalog other tools write
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.input("raw", ROWS)
    built = dp.transform("people_v1", "SELECT * FROM raw")
    assert {v for row in built.preview_rows for v in row} == {"***"}
    dp.publish()
    result = dp.expect("people_v1", "- expect_column_values_to_match_regex: {column: email, regex: '^x'}\n- expect_column_max_to_be_between: {column: zip, max_value: '1'}")
    sample = result.results[0].unexpected_sample
    assert sample and all(v == "***" for row in sample for v in row.values())
    assert result.results[1].observed_value == "***"
    from dp_notebook.widgets import BrowserState

    browser = BrowserState(str(dp.workspace.catalog_dir))
    browser.select("shop", "people_v1")
    preview = browser.preview()
    assert {v for row in preview["rows"] for v in row} == {"***"}


def test_transform_previews_hide_pii_in_the_notebook_output(shop):
    built = shop.transform("people_v1", "SELECT id, email, zip FROM raw")
    bundle = built._repr_mimebundle_()
    assert EMAIL not in str(built) and EMAIL not in bundle["text/html"] and "10115" not in bundle["text/html"]
    assert [row[0] for row in built.preview_rows] == [1, 2, 3]  # what is not PII stays readable


def test_a_redacted_port_is_a_keyed_hash_without_pii_examples(tmp_path, monkeypatch):
    key = "k" * 40
    monkeypatch.setenv("DP_NOTEBOOK_REDACT_KEY", key)
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", ROWS)
    dp.transform("people_v1", "SELECT * FROM raw")
    dp.redact("people_v1", as_="people_redacted_v1")
    rows = ws.sql("SELECT zip FROM sales.people_redacted_v1 ORDER BY id")["zip"].tolist()
    assert rows[0] == hmac.new(key.encode(), b"10115", hashlib.sha256).hexdigest()
    assert rows[0] != hashlib.sha256(b"10115").hexdigest()  # an unkeyed hash of a ZIP code is reversed by trying them all
    contract = dp.export("odcs", "people_redacted_v1").text
    assert EMAIL not in contract and "examples" not in contract.split("name: email", 1)[1].split("- name:", 1)[0]
    dp.publish()
    stored = every_text(ws.root) + json.dumps(dp.state.to_dict()) + ws.sql("SELECT string_agg(params_json, ' ') FROM _dp.runs").iloc[0, 0]
    assert key not in stored and key not in dp.export("odps").text
    # another key, another hash: nobody without the key can compute one
    monkeypatch.setenv("DP_NOTEBOOK_REDACT_KEY", "another key of enough length")
    dp.redact("people_v1", as_="people_redacted_v1")
    assert ws.sql("SELECT zip FROM sales.people_redacted_v1 ORDER BY id")["zip"].tolist()[0] != rows[0]


def test_without_a_configured_key_redaction_generates_one_in_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("DP_NOTEBOOK_REDACT_KEY", raising=False)
    dp = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.input("raw", ROWS)
    dp.transform("people_v1", "SELECT * FROM raw")
    dp.redact("people_v1")
    key_file = tmp_path / ".dp" / "redact.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32
    first = dp.workspace.sql("SELECT zip FROM sales.people_v1_redacted ORDER BY id")["zip"][0]
    assert first == hmac.new(key.encode(), b"10115", hashlib.sha256).hexdigest()


def test_a_key_in_the_versioned_settings_file_is_refused(tmp_path):
    (tmp_path / ".dp").mkdir()
    (tmp_path / "dp-notebook.yaml").write_text("redact_key: hunter2-hunter2-hunter2\n")
    with pytest.raises(SpecError, match="secrets do not belong in dp-notebook.yaml"):
        dp_notebook.Workspace(tmp_path / ".dp").settings
    (tmp_path / "dp-notebook.yaml").write_text(f"redact_key_file: {tmp_path / 'keys' / 'r.key'}\n")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "r.key").write_text("0123456789abcdef0123\n")
    assert dp_notebook.Workspace(tmp_path / ".dp").settings.redact_key().reveal() == "0123456789abcdef0123"


# == 5. secrets ===================================================================================


class Redirector(Scripted):
    """Answers every request with a redirect to ``server.target``."""

    def reply(self):
        return self.server.code, {"location": self.server.target + self.path}, b""


class Collector(Scripted):
    """Another origin: records whatever reaches it."""

    def reply(self):
        return 200, {"content-type": "application/json"}, b"[]"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_the_api_key_never_follows_a_redirect(shop, monkeypatch, code):
    from dp_notebook.widgets import browse

    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key")
    with serve(Collector, seen=[]) as elsewhere, serve(Redirector, seen=[], code=code, target=url(elsewhere)) as srv:
        with pytest.raises(CatalogError, match=f"{code} redirect .* refused"):
            browse(url(srv))
        with pytest.raises(PublishError, match=f"{code} redirect .* refused") as err:
            shop.publish(url(srv))
    assert elsewhere.seen == []  # neither the browse GET nor the publish PUT/POST reached the other origin
    assert "s3cret-key" not in str(err.value)
    assert not (shop.workspace.catalog_dir / "shop").exists()  # a redirect is a failure, not a success


class Echo(Scripted):
    """A server that echoes the key it was sent in its answers."""

    def reply(self):
        key = self.headers.get("x-api-key") or ""
        code, ctype = self.server.answer
        return code, {"content-type": ctype}, f"invalid request for key {key} (x-api-key: {key})".encode()


@pytest.mark.parametrize("answer", [(400, "application/json"), (422, "application/problem+json"), (200, "text/html")])
def test_a_key_echoed_by_the_server_is_cut_from_every_message(shop, monkeypatch, capsys, answer):
    from dp_notebook.widgets import browse

    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key-echoed")
    with serve(Echo, seen=[], answer=answer) as srv:
        with pytest.raises(PublishError) as publish_err:
            shop.publish(url(srv))
        with pytest.raises(CatalogError) as browse_err:
            browse(url(srv))
    for text in (str(publish_err.value), str(browse_err.value), capsys.readouterr().err):
        assert "s3cret-key-echoed" not in text
    assert "***" in str(publish_err.value)


# == 6. availability and honest state ================================================================


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(levels) + "\n")
    assert bomb.stat().st_size < 600
    started = time.monotonic()
    res = run_cli("lint", str(bomb), cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 20
    assert res.returncode == 1 and "aliases expand to more than" in res.stdout and "Traceback" not in res.stderr
    with pytest.raises(SpecError, match="alias bomb"):
        dp_notebook.load(bomb.read_text())


def test_a_dry_run_publish_records_no_checks_and_no_quality_history(shop):
    from dp_notebook.spec.model import SLO

    shop.spec.outputPorts[0].serviceLevelObjectives.append(SLO(type="rowCount", min=1))
    tables = ("_dp.check_results", "_dp.quality_history")
    before = [count(shop.workspace, f"SELECT count(*) FROM {t}") for t in tables]
    shop.publish(dry_run=True)
    assert [count(shop.workspace, f"SELECT count(*) FROM {t}") for t in tables] == before


def test_publish_scratch_folders_of_killed_publishers_are_removed(shop, tmp_path):
    """SIGKILL in the middle of a publish leaves its scratch folder; the next publish removes it."""
    script = textwrap.dedent(f"""
        import sys, time
        import dp_notebook
        from dp_notebook.publish.assemble import snapshots
        dp = dp_notebook.load({SPEC!r}, workspace=dp_notebook.Workspace({str(shop.workspace.root)!r}))
        with snapshots(dp) as data:
            print("snapshots", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "snapshots"
        scratch = shop.workspace.root / "tmp"
        left = [p for p in scratch.iterdir() if p.name.startswith(f"publish-{proc.pid}-")]
        assert left and any(left[0].iterdir())
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert all(p.exists() for p in left)
    shop.publish()
    assert not any(p.exists() for p in left) and list(scratch.iterdir()) == []


def test_a_status_folder_that_cannot_be_written_does_not_fail_a_committed_build(shop):
    import shutil

    status = shop.workspace.root / "status"
    shutil.rmtree(status)
    status.write_text("not a folder")  # read-only for everyone, root included
    with pytest.warns(UserWarning, match="status file could not be written.*status is a file, not a folder"):
        built = shop.transform("people_v1", "SELECT id, email, zip FROM raw WHERE id < 3")
    assert built.rows == 2 and count(shop.workspace, "SELECT count(*) FROM sales.people_v1") == 2


def test_junit_xml_stays_valid_with_control_characters_in_messages(shop, tmp_path):
    from dp_notebook.checks.model import CheckResult, SuiteResult

    suite = SuiteResult("t", [CheckResult(name="n\x00", target="t\x1b", kind="unit", success=False, message="bad \x07\x0b value \x1f")])
    xml.dom.minidom.parseString(suite.to_junit_xml("dp-notebook \x01").encode())
    shop.unittest("people_v1", {"given": {"raw": [{"id": 1, "email": "a\x07b", "zip": "z"}]}, "expect": [{"id": 1, "email": "a\x08b"}]})
    res = run_cli("test", str(_spec_file(tmp_path)), "--junit", str(tmp_path / "junit.xml"), cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    doc = xml.dom.minidom.parse(str(tmp_path / "junit.xml"))
    assert "\\x07" in doc.getElementsByTagName("failure")[0].getAttribute("message")


def _spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC)
    return path


# == 7. the toolkit's own errors, never a traceback ======================================================

SLO_MISTAKES = [
    ("{type: freshness, column: id, threshold: soon}", "not a duration"),
    ("{type: completeness, column: id, threshold: most}", "not a share"),
    ("{type: completeness, column: id, threshold: 250}", "between 0 and 100%"),
    ("{type: rowCount, min: ten}", "valid number"),
    ("{type: sql, query: [1, 2], mustBe: 1}", "valid string"),
    ("{type: sql, query: 'SELECT 1', mustBe: one}", "valid number"),
]


@pytest.mark.parametrize(("slo", "says"), SLO_MISTAKES)
def test_slo_fields_of_the_wrong_kind_are_refused_at_declare_with_their_line(ip, slo, says):
    spec = SPEC + f"    serviceLevelObjectives:\n      - {slo}\n"
    with pytest.raises(UsageError, match=rf"line 1[0-9].*serviceLevelObjectives\[0\].*{says}"):
        ip.run_cell_magic("dataproduct", "declare", spec)


RULE_MISTAKES = [
    ("{type: sql, query: 42, mustBe: 1}", "must be SQL text"),
    ("{type: sql, query: 'SELECT 1', mustBe: one}", "mustBe: must be a number"),
    ("{type: sql, query: 'SELECT 1', mustBeBetween: 5}", "mustBeBetween: must be a list of two numbers"),
    ("{type: sql, query: 'SELECT 1', mustBeBetween: [1]}", "mustBeBetween: must be a list of two numbers"),
    ("{type: library, metric: rowCount, mustBeGreaterThan: x}", "mustBeGreaterThan: must be a number"),
    ("{type: library, metric: rowCount, mustBeBetween: [1, b]}", "mustBeBetween: must be a list of two numbers"),
]


@pytest.mark.parametrize(("rule", "says"), RULE_MISTAKES)
def test_malformed_odcs_rules_are_refused_at_declare(ip, rule, says):
    with pytest.raises(UsageError, match=rf"outputPorts\[0\]\.quality.*{says}"):
        ip.run_cell_magic("dataproduct", "declare", SPEC + f"    quality:\n      - {rule}\n")


def test_check_values_of_the_wrong_kind_are_failed_checks_that_do_not_show_the_value(shop):
    from dp_notebook.spec.model import SLO

    port = shop.spec.outputPorts[0]
    port.serviceLevelObjectives += [
        SLO(type="freshness", column="email", threshold="24h", name="fresh"),
        SLO(type="sql", query="SELECT email FROM {port} ORDER BY id LIMIT 1", mustBe=1, name="text"),
        SLO(type="sql", query="SELECT id FROM {port} WHERE false", mustBe=1, name="none"),
        SLO(type="sql", query="SELECT 1, 2", mustBe=1, name="two"),
    ]
    port.quality = [{"type": "sql", "query": "SELECT email FROM {model} LIMIT 1", "mustBe": 1, "name": "rule text"}]
    result = shop.test(raise_on_failure=False)
    messages = {r.name: r.message for r in result.results if r.kind == "quality"}
    assert "holds text, not dates or times" in messages["fresh"]
    assert messages["text"] == "the query returned text, not a number"
    assert "no row" in messages["none"] and "2 columns" in messages["two"]
    assert messages["rule text"] == "the rule's query returned text, not a number"
    assert EMAIL not in json.dumps(result.to_dict(), default=str)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("given: {raw: []}\nexpect: []", "needs at least one row"),
        ("given: {raw: [{}]}\nexpect: []", "a row needs at least one column"),
        ("given: {raw: [{1: a}]}\nexpect: []", "column names are text"),
        ("given: {raw: [1, 2]}\nexpect: []", "each row must be a mapping"),
    ],
)
def test_empty_or_odd_given_rows_are_refused_clearly(ip, body, says):
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    with pytest.raises(UsageError, match=says):
        ip.run_cell_magic("dataproduct", "unittest people_v1", body)


@pytest.mark.parametrize("column_type", ["INT) AS x FROM y; --", "INT; DROP TABLE x", "VARCHAR) AS email, 1 AS zip FROM raw --"])
def test_a_column_type_that_is_not_a_type_is_refused(ip, column_type):
    with pytest.raises(UsageError, match="unknown column type"):
        ip.run_cell_magic("dataproduct", "declare", SPEC.replace("type: integer", f"type: {json.dumps(column_type)}"))


CORRUPTIONS = [
    ("ports as a string", lambda d: d.__setitem__("outputPorts", "people_v1"), r"summary\.outputPorts must be array"),
    ("columns without names", lambda d: d["outputPorts"][0].__setitem__("columns", [{"type": "string"}]), r"summary\.outputPorts\[0\]\.columns\[0\] must contain \['name'\]"),
    ("roles as a string", lambda d: d["outputPorts"][0].__setitem__("rolesAllowed", "admin"), r"summary\.outputPorts\[0\]\.rolesAllowed must be array"),
]


@pytest.mark.parametrize(("what", "corrupt", "says"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_malformed_catalog_files_are_catalog_errors(shop, tmp_path, what, corrupt, says):
    shop.publish()
    summary = shop.workspace.catalog_dir / "shop" / "versions" / "1" / "summary.json"
    data = json.loads(summary.read_text())
    corrupt(data)
    summary.write_text(json.dumps(data))
    consumer = dp_notebook.load(SPEC.replace("id: shop", "id: consumer").replace("sales.people_v1", "mkt.people_v1"), workspace=shop.workspace)
    with pytest.raises(CatalogError, match=f"summary.json is corrupt: .*{says}"):
        consumer.use("shop.people_v1", as_="p", role="analyst")
    # a catalog copied without its index (or an index rebuilt) reads every summary: the corrupt one is left out
    shutil.rmtree(shop.workspace.catalog_dir / ".index", ignore_errors=True)
    res = run_cli("catalog", str(shop.workspace.catalog_dir), cwd=tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stderr and "shop left out" in res.stderr


def test_a_published_at_of_null_and_a_huge_current_pointer(shop, tmp_path):
    shop.publish()
    product = shop.workspace.catalog_dir / "shop"
    summary = product / "versions" / "1" / "summary.json"
    data = json.loads(summary.read_text())
    data["published_at"] = None
    summary.write_text(json.dumps(data))
    res = run_cli("catalog", str(shop.workspace.catalog_dir), cwd=tmp_path)
    assert res.returncode == 0 and "people_v1" in res.stdout
    (product / "CURRENT").write_text("9" * 5000)
    with pytest.raises(CatalogError, match="CURRENT is corrupt: expected a version number"):
        Catalog.open(shop.workspace.catalog_dir).summary("shop")
    shutil.rmtree(shop.workspace.catalog_dir / ".index", ignore_errors=True)  # the listing reads the directory again
    res = run_cli("catalog", str(shop.workspace.catalog_dir), "--json", cwd=tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stderr and json.loads(res.stdout)["products"] == []


def test_a_catalog_path_that_is_a_file_is_named_as_such(tmp_path):
    (tmp_path / "cat").write_text("x")
    res = run_cli("catalog", str(tmp_path / "cat"), cwd=tmp_path)
    assert res.returncode == 2 and "is a file, not a catalog directory" in res.stderr


def test_a_half_truncated_workspace_file_is_named(shop):
    db = shop.workspace.db_path
    shop.input("raw", pd.DataFrame({"id": range(100_000), "email": ["x" * 40] * 100_000, "zip": ["1"] * 100_000}))
    shop.transform("people_v1", "SELECT * FROM raw")
    with shop.workspace.connect() as con:
        con.execute("CHECKPOINT")  # the rows in the file itself, not in the write-ahead log
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 10])  # the catalog and most blocks are gone, wherever DuckDB put them
    fresh = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(db.parent))
    with pytest.raises(DataProductError, match=f"workspace database {db}"):
        fresh.sql("SELECT count(*), sum(length(email)) FROM people_v1")  # reads the data blocks


def test_a_path_blocked_by_a_file_is_named(shop, tmp_path):
    (tmp_path / "blocked").write_text("x")
    with pytest.raises(DataProductError, match=r"cannot write .*blocked is a file, not a folder"):
        shop.export("odcs", out=tmp_path / "blocked" / "specs")
    with pytest.raises(DataProductError, match=r"blocked is a file, not a folder"):
        shop.docs(tmp_path / "blocked")


@pytest.mark.parametrize(("options", "says"), [("size=16k", "No space left on device"), ("ro", "Read-only file system")], ids=["full", "read-only"])
def test_a_full_or_read_only_disk_is_named(shop, tmp_path, options, says):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(disk)], capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        with pytest.raises(DataProductError, match=rf"cannot write {disk}.*{says}"):
            shop.docs(disk)
        with pytest.raises(DataProductError, match=rf"{disk}.*{says}"):
            shop.publish(disk / "catalog")
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_failure_messages_say_what_is_served(tmp_path):
    dp = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.input("raw", ROWS)
    with pytest.raises(ChecksFailed, match="has never been built, so nothing is served"):
        dp.transform("people_v1", "SELECT NULL::INT AS id, email, zip FROM raw")
    dp.transform("people_v1", "SELECT * FROM raw")
    with pytest.raises(ChecksFailed, match="still holds the data of its last successful build"):
        dp.transform("people_v1", "SELECT NULL::INT AS id, email, zip FROM raw")


def test_help_of_a_cell_magic_is_its_help(ip):
    with pytest.raises(UsageError, match=r"usage: %dataproduct transform .*--model"):
        ip.run_line_magic("dataproduct", "transform --help")
    with pytest.raises(UsageError, match=r"usage: %dataproduct expect"):
        ip.run_line_magic("dataproduct", "expect -h")


def test_an_engine_error_quoting_a_pii_value_is_stored_without_it(shop):
    with pytest.raises(SQLError, match="carol@example.com"):  # the author sees what failed
        shop.transform("people_v1", "SELECT CAST(email AS INT) AS id, email, zip FROM raw")
    with shop.workspace.connect() as con:
        (error,) = con.execute("SELECT error FROM _dp.runs WHERE status = 'failed'").fetchone()
    assert "Could not convert" in error and EMAIL not in error and "'***'" in error
    assert EMAIL not in every_text(shop.workspace.root / "status")


@pytest.mark.parametrize("condition", ["getvariable('k') = 'x'", "current_setting('home_directory') <> ''", "length(read_text_x(id)) > 0"])
def test_a_row_condition_cannot_read_settings_or_variables(shop, condition):
    with pytest.raises(dp_notebook.ExpectationError, match="may not be used in a check"):
        shop.expect("people_v1", [{"not_null": {"column": "id", "row_condition": condition}}])


def test_malformed_products_from_a_remote_catalog_are_left_out_and_roles_never_split(monkeypatch):
    from dp_notebook.widgets import BrowserState

    class Listing(Scripted):
        def reply(self):
            return 200, {"content-type": "application/json"}, json.dumps(self.server.products).encode()

    products = [
        {"id": "good", "info": {"title": "Good", "owner": "t"}, "outputPorts": [{"id": "p", "rolesAllowed": ["admin"]}]},
        {"id": "split", "info": {"title": "Split", "owner": "t"}, "outputPorts": [{"id": "p", "rolesAllowed": "admin"}]},
        {"id": "../up", "outputPorts": []},
        {"id": "tags", "outputPorts": [{"id": "p", "tags": 5}]},
        {"id": "ports", "outputPorts": "p"},
    ]
    with serve(Listing, seen=[], products=products) as srv, pytest.warns(UserWarning) as caught:
        state = BrowserState(url(srv), role="a")
    assert list(state.products) == ["good"]
    said = " ".join(str(w.message) for w in caught)
    assert "split.p.rolesAllowed" in said and "'../up'" in said and "tags.p.tags" in said and "outputPorts is not a list" in said


def test_a_check_query_that_runs_too_long_is_stopped_by_check_timeout(tmp_path):
    """A check that only reads can still be endless (a cross join with range(10^11)): ``check_timeout``
    stops it with an error naming the check, and the next query on the workspace runs normally."""
    import time

    (tmp_path / "dp-notebook.yaml").write_text("check_timeout: 0.5\n")
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    assert ws.settings.check_timeout == 0.5
    heavy = SPEC + '    serviceLevelObjectives:\n      - {type: sql, name: heavy, query: "SELECT count(*) FROM {model} a, range(100000000) b, range(1000) c", min: 0}\n'
    dp = dp_notebook.load(heavy, workspace=ws)
    dp.input("raw", ROWS)
    dp.transform("people_v1", "SELECT * FROM raw")
    started = time.perf_counter()
    with pytest.raises(SQLError, match=r"SLO 'heavy' on people_v1: the query was stopped after 0\.5 s \(check_timeout"):
        dp.quality()
    assert time.perf_counter() - started < 30
    light = dp_notebook.load(heavy.replace(" a, range(100000000) b, range(1000) c", ""), workspace=ws)
    assert light.quality().success  # the interrupt stopped that query only
    assert len(dp.sql("SELECT * FROM sales.people_v1")) == len(ROWS)
