"""The seams between the doors: the notebook, the CLI and the API must run the same product the same way.

Each test here failed on the first round's code: the CLI skipped policies, read
settings from the working directory, turned warnings into failures, published
a poorer product than the notebook, and sent requests before refusing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import dp_notebook
from dp_notebook.catalog import Catalog, validate_payload
from dp_notebook.cli import main
from dp_notebook.errors import BreakingChange, ChecksFailed, SpecError

from ._http import serve, url
from .test_publish import SPEC, FakeDMM

# a PII column on a port without rolesAllowed: the pii-roles policy refuses it
PII_SPEC = SPEC.replace("    rolesAllowed: [analyst]\n", "").replace(
    "classification: internal, description: Label.}", "classification: restricted, pii: true, description: Label.}"
)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DP_NOTEBOOK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "dp_notebook.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=full_env)


# -- settings: one object, from beside the workspace ---------------------------------------------


def test_cli_lint_equals_magic_lint(ip, tmp_path):
    """`dp-notebook lint spec.yaml` applies the workspace's policies, as `%dataproduct lint` and publish do."""
    spec = tmp_path / "shop.yaml"
    spec.write_text(PII_SPEC)
    ip.run_cell_magic("dataproduct", "declare", PII_SPEC)
    magic = ip.run_line_magic("dataproduct", "lint")
    res = run_cli("lint", str(spec), "--json", cwd=tmp_path)
    cli = json.loads(res.stdout)[0]
    assert res.returncode == 1
    assert [f["rule"] for f in cli["findings"] if f["severity"] == "error"] == [f.rule for f in magic.errors] == ["pii-roles"]
    assert not cli["success"] and not magic.success


def test_settings_come_from_beside_the_workspace_not_the_working_directory(tmp_path):
    project = tmp_path / "project"
    (project / ".dp").mkdir(parents=True)
    (project / "shop.yaml").write_text(PII_SPEC)
    (project / "dp-notebook.yaml").write_text("policies:\n  rules:\n    pii-roles: 'off'\nprice_model: {currency: EUR}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "dp-notebook.yaml").write_text("policies:\n  rules:\n    description-port: error\n")
    outputs = []
    for cwd in (project, elsewhere, tmp_path):
        res = run_cli("lint", str(project / "shop.yaml"), "--json", cwd=cwd)
        assert res.returncode == 0, res.stderr
        outputs.append(json.loads(res.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert not any(f["rule"] == "pii-roles" for f in outputs[0][0]["findings"])
    # the API too: a workspace's settings do not depend on where the process stands
    seen = []
    for cwd in (project, elsewhere):
        os.chdir(cwd)
        ws = dp_notebook.Workspace(project / ".dp")
        seen.append((ws.settings.config_path, ws.settings.price_model.currency, ws.catalog_dir))
    assert seen[0] == seen[1] == (project / "dp-notebook.yaml", "EUR", project / ".dp" / "catalog")


def test_settings_file_errors_name_the_file_and_line(tmp_path):
    (tmp_path / ".dp").mkdir()
    (tmp_path / "dp-notebook.yaml").write_text("price_model:\n  compute_per_hour: cheap\n")
    with pytest.raises(SpecError, match=r"dp-notebook.yaml: line 1: price_model: .*must be numbers"):
        dp_notebook.Workspace(tmp_path / ".dp").settings


def test_editing_the_settings_file_takes_effect_in_the_same_session(tmp_path):
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(PII_SPEC, workspace=ws)
    assert not dp.lint().success
    (tmp_path / "dp-notebook.yaml").write_text("policies:\n  rules:\n    pii-roles: warning\n")
    assert dp.lint().success


# -- warnings stay warnings -----------------------------------------------------------------------

WARN_SUITE = """
- expect_column_values_to_be_between: {column: id, min_value: 1, max_value: 2, severity: warning}
- expect_column_values_to_not_be_null: {column: id}
"""


def test_a_warning_stays_a_warning_through_results_junit_docs_catalog_and_card(tmp_path):
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b", "c"]}))
    dp.expect("items_v1", WARN_SUITE)
    built = dp.transform("items_v1", "SELECT id, label FROM raw")  # a warning does not stop the build
    assert built.rows == 3 and [r.status for r in built.checks if r.kind == "expectation"] == ["warning", "passed"]
    result = dp.test()  # does not raise
    warned = [r for r in result.results if not r.success]
    assert result.success and [(r.severity, r.status) for r in warned] == [("warning", "warning")]
    # JUnit: skipped, not failure
    xml = result.to_junit_xml()
    assert 'failures="0"' in xml and "<skipped" in xml
    # the checks media type (the lab card) carries severity and status
    payload = result._repr_mimebundle_()["application/vnd.dp-notebook.checks+json"]
    validate_payload("ChecksPayload", payload)
    assert [r["status"] for r in payload["results"] if not r["success"]] == ["warning"]
    # run artifacts (dp-notebook run): junit.xml from the status file keeps the severity
    dp.write_artifacts(tmp_path / "run")
    junit = (tmp_path / "run" / "shop" / "junit.xml").read_text()
    assert 'failures="0"' in junit and "<skipped" in junit
    assert "warning" in (tmp_path / "run" / "shop" / "index.html").read_text()
    # the catalog: test results and the status the lab panel shows
    dp.publish()
    catalog = Catalog.open(ws.catalog_dir)
    status = catalog.check_status("shop")
    assert status["result"] == "warning" and status["failed"] == 0 and status["warnings"] == 1
    rows = json.loads(catalog.file("shop", "test-results.json").read_text())["checks"]
    assert {r["status"] for r in rows} == {"passed", "warning"}


def test_catalog_summary_and_listing_follow_the_shared_schema(tmp_path):
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1], "label": ["a"]}))
    dp.transform("items_v1", "SELECT id, label FROM raw")
    dp.publish()
    catalog = Catalog.open(ws.catalog_dir)
    validate_payload("ProductSummary", catalog.summary("shop"))
    validate_payload("ProductPayload", dp._repr_mimebundle_()["application/vnd.dp-notebook.product+json"])
    assert main(["catalog", str(ws.catalog_dir), "--json"]) == 0


# -- engines ------------------------------------------------------------------------------------


def test_redeclaring_switches_the_engine(ip):
    ip.run_cell_magic("dataproduct", "declare", SPEC.replace("id: shop\n", "id: shop\nengine: spark\n"))
    dp = ip.user_ns["_dp_magics"].session.product()
    assert dp.engine.name == "spark"  # no JVM starts until Spark runs something
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    assert dp.engine.name == "duckdb"
    ip.user_ns["raw_df"] = pd.DataFrame({"id": [1, 2], "label": ["a", "b"]})
    ip.run_line_magic("dataproduct", "input raw --from var:raw_df")
    assert ip.run_cell_magic("dataproduct", "transform items_v1", "SELECT id, label FROM raw").rows == 2


# -- publishing: one product, whichever door ------------------------------------------------------

NB_CELLS = [
    "%load_ext dp_notebook",
    "%%dataproduct declare\n" + SPEC,
    "import pandas as pd\nraw_df = pd.DataFrame({'id': [1, 2, 3], 'label': ['a', 'b', 'c']})",
    "%dataproduct input raw --from var:raw_df",
    "%%dataproduct expect items_v1\n- expect_column_values_to_not_be_null: {column: label}\n- expect_column_values_to_be_in_set: {column: label, value_set: [a, b, c]}",
    "%%dataproduct unittest items_v1\n- name: keeps rows\n  given:\n    raw: [{id: 1, label: a}]\n  expect: [{id: 1, label: a}]",
    "%%dataproduct transform items_v1\nSELECT id, label FROM raw",
    "%dataproduct publish",
]


def write_notebook(path: Path, cells: list[str]) -> Path:
    nb = new_notebook()
    nb.cells = [new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def published(catalog_dir: Path) -> tuple[int, dict, dict]:
    cat = Catalog.open(catalog_dir)
    version = cat.current_version("shop")
    contract = cat.file("shop", "contracts/shop-items_v1.odcs.yaml").read_text()
    tests = json.loads(cat.file("shop", "test-results.json").read_text())
    return version, contract, tests


@pytest.mark.slow
def test_cli_publish_of_a_notebook_publishes_what_the_notebook_publishes(tmp_path):
    """Same expectations and unit tests in the catalog whether the notebook publishes or the CLI does."""
    own = tmp_path / "own"
    own.mkdir()
    nb = write_notebook(own / "shop.ipynb", NB_CELLS)
    res = run_cli("run", str(nb), "--out", str(own / "build"), cwd=own)
    assert res.returncode == 0, res.stderr
    v1, contract, tests = published(own / ".dp" / "catalog")
    assert v1 == 1 and "invalidValues" in contract and "nullValues" in contract  # the notebook's expectations
    assert sorted(c["kind"] for c in tests["checks"]) == ["contract", "expectation", "expectation", "unit"]
    # the CLI publishes the same notebook: the catalog already holds this content, no new version
    res = run_cli("publish", str(nb), "--out", str(own / "build2"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    executed = nbformat.read(next((own / "build2").rglob("shop.ipynb")), as_version=4)
    appended = executed.cells[-1]
    assert appended.metadata.get("tags") == ["dp-notebook-publish"]
    shown = [o.get("data", {}).get("text/plain", "") for o in appended.outputs]
    assert shown and not any(t.startswith("[") for t in shown)  # each report once, not again as the cell's value
    v2, contract2, tests2 = published(own / ".dp" / "catalog")
    assert (v2, contract2) == (v1, contract)
    # a spec file in the same workspace publishes with the notebook's saved checks
    (own / "shop.yaml").write_text(SPEC)
    res = run_cli("publish", str(own / "shop.yaml"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert published(own / ".dp" / "catalog")[:2] == (v1, contract)
    # a fresh workspace, CLI publish only (the notebook's publish cell waits for it): equal contract
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    nb2 = write_notebook(fresh / "shop.ipynb", NB_CELLS)
    res = run_cli("publish", str(nb2), "--out", str(fresh / "build"), cwd=fresh)
    assert res.returncode == 0, res.stderr
    version, fresh_contract, fresh_tests = published(fresh / ".dp" / "catalog")
    assert version == 1 and len(fresh_tests["checks"]) == len(tests["checks"])
    assert fresh_contract.replace(str(fresh), "<ws>") == contract.replace(str(own), "<ws>")


def test_spec_publish_without_a_built_product_is_refused_clearly(tmp_path, capsys):
    (tmp_path / "shop.yaml").write_text(SPEC)
    (tmp_path / ".dp").mkdir()
    assert main(["publish", str(tmp_path / "shop.yaml")]) == 2
    assert "has not been built" in capsys.readouterr().err
    assert not (tmp_path / ".dp" / "catalog" / "shop").exists()


@pytest.fixture
def dmm():
    with serve(FakeDMM, requests=[], key="s3cret-key", fail_5xx=0, sleep=0, non_json=False) as srv:
        yield srv


@pytest.fixture
def shop(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key")
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b", "c"]}))
    dp.transform("items_v1", "SELECT id, label FROM raw")
    return dp


def test_a_refused_publish_sends_nothing_anywhere(shop, dmm):
    shop.publish()  # version 1 in the local catalog
    before = Catalog.open(shop.workspace.catalog_dir).current_version("shop")
    # a breaking change: the column label is gone
    shop.state.loaded.spec.outputPorts[0].columns.pop()
    with pytest.raises(BreakingChange, match="Nothing was sent or written"):
        shop.publish(url(dmm))
    # failing checks
    shop.state.loaded.spec.outputPorts[0].columns[0].unique = True
    shop.expect("items_v1", "- expect_table_row_count_to_equal: {value: 99}")
    with pytest.raises(ChecksFailed):
        shop.publish(url(dmm), allow_breaking=True)
    assert dmm.requests == []
    assert Catalog.open(shop.workspace.catalog_dir).current_version("shop") == before


def test_a_remote_failure_half_way_says_what_was_sent_and_keeps_the_local_catalog(shop, dmm):
    class FailProduct(FakeDMM):
        def _handle(self):
            if self.path.startswith("/api/dataproducts"):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.server.requests.append((self.command, self.path, None, None))
                return self._reply(422, b'{"error": "invalid product"}')
            return super()._handle()

        do_PUT = do_POST = _handle

    with serve(FailProduct, requests=[], key="s3cret-key", fail_5xx=0, sleep=0, non_json=False) as srv:
        with pytest.raises(dp_notebook.PublishError, match=r"sent before the failure: PUT .*/api/datacontracts/shop-items_v1 → 200") as err:
            shop.publish(url(srv))
    assert "s3cret-key" not in str(err.value)
    assert not (shop.workspace.catalog_dir / "shop").exists()


def test_a_dry_run_records_nothing(shop):
    with shop.workspace.metadata() as md:
        before = md.con.execute("SELECT count(*) FROM _dp.check_results").fetchone()[0]
    report = shop.publish(dry_run=True)
    assert report.dry_run
    with shop.workspace.metadata() as md:
        assert md.con.execute("SELECT count(*) FROM _dp.check_results").fetchone()[0] == before
    assert not (shop.workspace.catalog_dir / "shop").exists()


def test_republishing_unchanged_content_to_a_url_sends_nothing(shop, dmm):
    shop.publish(url(dmm))
    sent = len(dmm.requests)
    again = shop.publish(url(dmm))
    assert not again.changed and len(dmm.requests) == sent
    assert all(r["status"] == "unchanged: not sent" for r in again.requests)


# -- names ----------------------------------------------------------------------------------------


def test_names_are_owned(tmp_path, ip):
    ip.run_cell_magic("dataproduct", "declare", SPEC)
    other = SPEC.replace("id: shop\n", "id: shop2\n").replace("id: items_v1\n", "id: things_v1\n")
    with pytest.raises(Exception, match="sales.items_v1, which is port 'items_v1' of data product 'shop'"):
        ip.run_cell_magic("dataproduct", "declare", other)
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    a = dp_notebook.load(SPEC, workspace=ws)
    a.input("raw", pd.DataFrame({"id": [1], "label": ["a"]}))
    a.transform("items_v1", "SELECT id, label FROM raw")
    b = dp_notebook.load(other, workspace=ws)  # another kernel: the workspace knows the owner
    b.input("raw", pd.DataFrame({"id": [1], "label": ["a"]}))
    with pytest.raises(SpecError, match="public view sales.items_v1 belongs to data product 'shop'"):
        b.transform("things_v1", "SELECT id, label FROM raw")
    with pytest.raises(SpecError, match="'items_v1' is already an output port"):
        a.transform("items_v1", "SELECT 1 AS id", model=True)
    with pytest.raises(SpecError, match="is reserved"):
        dp_notebook.load(SPEC.replace("location: sales.items_v1", "location: _dp.runs"))


def test_private_schemas_of_similar_ids_do_not_collide(tmp_path):
    from dp_notebook.names import private_schema

    ws = dp_notebook.Workspace(tmp_path / ".dp")
    built = {}
    for pid in ("a-b", "a_b"):
        dp = dp_notebook.load(SPEC.replace("id: shop\n", f"id: {pid}\n").replace("location: sales.items_v1", f"location: s_{pid.replace('-', 'x')}.items_v1"), workspace=ws)
        dp.input("raw", pd.DataFrame({"id": [len(built) + 1], "label": [pid]}))
        built[pid] = dp
        dp.transform("items_v1", "SELECT id, label FROM raw")
    assert private_schema("a-b") != private_schema("a_b")
    assert [built[p].sql("SELECT label FROM items_v1")["label"][0] for p in built] == ["a-b", "a_b"]


# -- performance seams ----------------------------------------------------------------------------


def test_cron_projection_is_counted_not_iterated():
    import time

    from dp_notebook.cost import runs_in_month, runs_per_month

    started = time.perf_counter()
    assert runs_per_month("*/5 * * * *") == 8760.0
    assert time.perf_counter() - started < 0.3  # was 1.6 s
    for cron in ("0 3 * * 1-5", "0 3 1,15 * 1", "0 3 L * *", "0 */2 * 6 0,7"):
        assert runs_per_month(cron) == sum(runs_in_month(cron, 2026, m) for m in range(1, 13)) / 12


def test_run_artifacts_are_written_only_for_the_touched_product_when_it_changed(tmp_path, monkeypatch):
    from dp_notebook.session import Session

    monkeypatch.setenv("DP_NOTEBOOK_RUN_DIR", str(tmp_path / "run"))
    session = Session(dp_notebook.Workspace(tmp_path / ".dp"))
    session.declare(SPEC)
    session.declare(SPEC.replace("id: shop\n", "id: other\n").replace("location: sales.items_v1", "location: other.items_v1"))
    session.sync_artifacts("shop")
    page = tmp_path / "run" / "shop" / "index.html"
    first = page.stat().st_mtime_ns
    session.sync_artifacts("shop")  # nothing changed: not rewritten
    assert page.stat().st_mtime_ns == first
    assert not (tmp_path / "run" / "other").exists()


def test_only_settings_reads_the_environment():
    """One place per fact: the environment is read by ``settings.py``; the runner only sets the
    kernel's variables for its start, GX's adapter only silences GX's progress bars."""
    import ast

    package = Path(dp_notebook.__file__).parent
    allowed = {"settings.py", "runner.py", "checks/gx.py"}
    readers = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and getattr(node.value, "id", None) == "os":
                readers.append(f"{rel}:{node.lineno}")
    assert readers == []


def test_load_of_a_spec_file_is_the_product_the_cli_sees(ip, tmp_path, tmp_path_factory, monkeypatch):
    """`dp_notebook.load("…/shop.yaml")` from any directory: the spec's own workspace and policies,
    and the suites its notebook saved there — the same lint and export as the CLI's."""
    project = tmp_path  # the notebook's folder and workspace (``ip``)
    spec = project / "shop.yaml"
    spec.write_text(PII_SPEC)
    (project / "dp-notebook.yaml").write_text("policies:\n  rules:\n    pii-roles: 'off'\n")
    ip.run_cell_magic("dataproduct", "declare", PII_SPEC)
    ip.run_cell_magic("dataproduct", "expect items_v1", "- expect_column_values_to_be_between: {column: id, min_value: 0}\n")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.delenv("DP_NOTEBOOK_HOME")
    monkeypatch.chdir(elsewhere)
    dp = dp_notebook.load(str(spec))
    assert dp.workspace.root == project / ".dp" and not (elsewhere / ".dp").exists()
    cli_lint = json.loads(run_cli("lint", str(spec), "--json", cwd=elsewhere).stdout)[0]
    assert sorted(f.rule for f in dp.lint().findings) == sorted(f["rule"] for f in cli_lint["findings"])
    assert "pii-roles" not in {f.rule for f in dp.lint().findings}
    cli_odcs = run_cli("export", str(spec), "odcs", cwd=elsewhere).stdout
    assert dp.export("odcs").text.strip() == cli_odcs.strip()
    assert dp.export("odcs").text != dp_notebook.load(PII_SPEC, workspace=dp.workspace).export("odcs").text  # the saved suite is in it


# -- the saved state is what built the served data -----------------------------------------------


def test_a_refused_transform_is_not_the_recorded_one(tmp_path):
    """A transform the contract refuses leaves the port as it was, and the saved state too: the CLI's
    test, export and publish read the transform that built the served version."""
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}))
    dp.transform("items_v1", "SELECT id, label FROM raw")
    with pytest.raises(ChecksFailed, match="nothing was swapped in"):
        dp.transform("items_v1", "SELECT 1 AS id, label FROM raw")  # duplicates: refused by unique(id)
    assert dp.state.transforms["items_v1"].sql == "SELECT id, label FROM raw"
    saved = dp_notebook.load(SPEC, workspace=ws)
    from dp_notebook.state import ProductState

    assert ProductState.restore(saved.state.loaded, ws.state_path("shop")).transforms["items_v1"].sql == "SELECT id, label FROM raw"
    fresh = dp_notebook.load(SPEC.replace("id: shop", "id: shop2").replace("sales.items_v1", "sales.items2_v1"), workspace=ws)
    fresh.input("raw", pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}))
    with pytest.raises(ChecksFailed):
        fresh.transform("items_v1", "SELECT 1 AS id, label FROM raw")
    assert "items_v1" not in ProductState.restore(saved.state.loaded, ws.state_path("shop2")).transforms  # never built: nothing recorded


def test_unit_tests_run_before_the_swap(tmp_path):
    """A transform whose logic fails its unit tests is not staged at all (as `dbt build` does): the port
    keeps its rows, the run is recorded as failed with the unit results."""
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}))
    dp.unittest("items_v1", {"given": {"raw": [{"id": 7, "label": "x"}]}, "expect": [{"id": 7, "label": "x"}]})
    assert dp.transform("items_v1", "SELECT id, label FROM raw").rows == 2
    with pytest.raises(ChecksFailed, match=r"fails 1 unit test\(s\); nothing was swapped in") as failed:
        dp.transform("items_v1", "SELECT id, label FROM raw WHERE 1 = 0")
    assert {r.kind for r in failed.value.result.results if r.failed} == {"unit"}
    assert len(dp.sql("SELECT * FROM sales.items_v1")) == 2
    with ws.metadata() as md:
        last = md.con.execute("SELECT status FROM _dp.runs WHERE product = 'shop' ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    assert last == "failed"


@pytest.mark.parametrize("location", ["fulfillment.shelf-warmers", "a.b.c.d", "x;y", "items", "sales.items v1"])
def test_a_location_that_is_no_schema_view_is_an_error_not_replaced(location, tmp_path):
    """A built port's location is where consumers query it: one that is not schema.view was served
    as <owner>.<port> while the exports advertised it as written."""
    spec = SPEC.replace("location: sales.items_v1", f"location: {json.dumps(location)}")
    with pytest.raises(SpecError, match=r"line \d+.*outputPorts\[0\]\.location: location .* is not <schema>\.<view>"):
        dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    path = tmp_path / "shop.yaml"
    path.write_text(spec)
    res = run_cli("lint", str(path), cwd=tmp_path)
    assert res.returncode != 0 and "outputPorts[0].location" in res.stdout + res.stderr and "Traceback" not in res.stderr


def test_publish_ships_only_the_build_its_process_made_and_tested(tmp_path, monkeypatch):
    """Two processes on one workspace: a publish never sends another process's build under this
    one's tests and outputs, and a swap while publishing stops it before anything is written."""
    import dp_notebook.checks.runner as runner
    from dp_notebook.errors import PublishError

    ws = dp_notebook.Workspace(tmp_path / ".dp")
    mine = dp_notebook.load(SPEC, workspace=ws)
    mine.input("raw", pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}))
    mine.transform("items_v1", "SELECT id, label FROM raw")
    other = dp_notebook.load(SPEC, workspace=dp_notebook.Workspace(tmp_path / ".dp"))  # another kernel, same workspace
    other.input("raw", pd.DataFrame({"id": [7], "label": ["z"]}))
    other.transform("items_v1", "SELECT id, label FROM raw")
    with pytest.raises(PublishError, match="items_v1 now serves run .* built by another process"):
        mine.publish()
    assert not (ws.catalog_dir / "shop").exists()
    mine.transform("items_v1", "SELECT id, label FROM raw")  # this process's build again: it may go
    real = runner.run_all

    def tests_then_a_concurrent_build(*args, **kwargs):
        result = real(*args, **kwargs)
        other.transform("items_v1", "SELECT id, label FROM raw")
        return result

    monkeypatch.setattr(runner, "run_all", tests_then_a_concurrent_build)
    fresh = dp_notebook.load(SPEC, workspace=ws)  # e.g. the CLI's publish of the spec: built nowhere in this process
    fresh.input("raw", pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}))
    with pytest.raises(PublishError, match="items_v1 changed while publishing"):
        fresh.publish()
    assert not (ws.catalog_dir / "shop").exists()
    monkeypatch.setattr(runner, "run_all", real)
    assert other.publish().version == 1  # the process that built what is served publishes it
