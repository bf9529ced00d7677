"""Publishing: the catalog directory (versions, atomic swap, idempotence, breaking changes,
concurrency) and the Data Mesh Manager REST path against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import multiprocessing
import socket
import time
from http.server import BaseHTTPRequestHandler

import pandas as pd
import pytest

import dp_notebook
from dp_notebook.catalog import Catalog
from dp_notebook.errors import AccessDenied, BreakingChange, CatalogError, PortNotFound, PublishError
from dp_notebook.publish import publish_to_catalog
from dp_notebook.spec.summary import product_summary

from ._http import serve, url

SPEC = """dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales, description: Items sold.}
inputPorts:
  - {id: raw, name: raw, sourceSystemId: erp}
outputPorts:
  - id: items_v1
    description: Items.
    location: sales.items_v1
    rolesAllowed: [analyst]
    schema:
      - {name: id, type: integer, required: true, unique: true, classification: internal, description: Key.}
      - {name: label, type: string, classification: internal, description: Label.}
"""


@pytest.fixture
def product(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(SPEC, workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b", "c"]}))
    dp.transform("items_v1", "SELECT id, label FROM raw")
    return dp


def test_publish_versions_and_idempotence(product):
    first = product.publish()
    assert first.changed and first.version == 1
    cat = Catalog.open(product.workspace.catalog_dir)
    vdir = cat.version_dir("shop")
    assert {p.name for p in vdir.iterdir()} >= {"summary.json", "shop.dps.yaml", "shop.odps.yaml", "contracts", "data", "test-results.json"}
    assert (vdir / "data" / "items_v1.parquet").exists()
    again = product.publish()
    assert not again.changed and again.version == 1
    product.transform("items_v1", "SELECT id, label FROM raw WHERE id < 3")
    assert product.publish().version == 2
    assert cat.current_version("shop") == 2


def test_breaking_change_refused_then_allowed_with_new_major(product, tmp_path):
    product.publish()
    text = SPEC.replace("      - {name: label, type: string, classification: internal, description: Label.}\n", "")
    dp2 = dp_notebook.load(text, workspace=product.workspace)
    dp2.input("raw", pd.DataFrame({"id": [1], "label": ["a"]}))
    dp2.transform("items_v1", "SELECT id FROM raw")
    diff = dp2.diff()
    assert [c.kind for c in diff.breaking] == ["column_removed"]
    with pytest.raises(BreakingChange, match="column label removed"):
        dp2.publish()
    # the old port stays, the new shape is a new major version beside it
    v2 = SPEC + "  - id: items_v2\n    location: sales.items_v2\n    rolesAllowed: [analyst]\n    description: Items.\n    schema:\n      - {name: id, type: integer, required: true, classification: internal, description: Key.}\n"
    dp3 = dp_notebook.load(v2, workspace=product.workspace)
    dp3.input("raw", pd.DataFrame({"id": [1], "label": ["a"]}))
    dp3.transform("items_v1", "SELECT id, label FROM raw")
    dp3.transform("items_v2", "SELECT id FROM raw")
    assert dp3.publish().version == 2
    with pytest.raises(PublishError, match="items_v1 now serves run .* built by another process"):
        dp2.publish(allow_breaking=True)  # dp3 rebuilt items_v1 with the label: not dp2's data
    dp2.transform("items_v1", "SELECT id FROM raw")
    assert dp2.publish(allow_breaking=True).version == 3


def test_type_rules():
    from dp_notebook.publish.diff import type_change

    assert type_change("INTEGER", "BIGINT") is None
    assert "narrowed" in type_change("BIGINT", "INTEGER")
    assert type_change("DECIMAL(10, 2)", "DECIMAL(12, 2)") is None
    assert "narrowed" in type_change("DECIMAL(12, 4)", "DECIMAL(12, 2)")
    assert "changed" in type_change("VARCHAR", "INTEGER")


def test_use_checks_roles_and_reads_snapshot(product, tmp_path):
    product.publish()
    consumer = dp_notebook.load("id: c\ninfo: {title: C, owner: bi}\noutputPorts:\n  - id: n_v1\n", workspace=product.workspace)
    with pytest.raises(AccessDenied, match="roles allowed: analyst"):
        consumer.use("shop.items_v1", role="intern")
    res = consumer.use("shop.items_v1", as_="items", role="analyst")
    assert res.rows == 3 and consumer.spec.input_port("items").contractId == "shop-items_v1"
    assert consumer.transform("n_v1", "SELECT count(*) AS n FROM items").rows == 1
    with pytest.raises(PortNotFound, match="ports: items_v1"):
        consumer.use("shop.nope", role="analyst")
    with pytest.raises(PortNotFound, match="products: shop"):
        consumer.use("nope.items_v1")


def test_catalog_corruption_is_reported(product):
    product.publish()
    root = product.workspace.catalog_dir
    (root / "shop" / "CURRENT").write_text("garbage")
    with pytest.raises(CatalogError, match="CURRENT is corrupt"):
        Catalog.open(root).summary("shop")
    (root / "shop" / "CURRENT").write_text("1\n")
    (root / "shop" / "versions" / "1" / "summary.json").write_text("{not json")
    with pytest.warns(UserWarning, match="summary.json is corrupt"):  # the listing goes on without it
        assert Catalog.open(root).products() == []
    with pytest.raises(CatalogError, match="summary.json is corrupt"):
        Catalog.open(root).summary("shop")
    (root / "catalog.json").write_text("[]")
    with pytest.raises(CatalogError, match="catalog.json is corrupt"):
        Catalog.open(root)


def test_not_a_catalog_is_refused(tmp_path):
    (tmp_path / "stuff.txt").write_text("x")
    with pytest.raises(CatalogError, match="not a dp-notebook catalog"):
        Catalog.create(tmp_path)


def _publish_many(args):
    root, pid, n, worker = args
    spec = dp_notebook.load(f"id: {pid}\ninfo: {{title: T, owner: o}}\noutputPorts:\n  - id: p_v1\n").spec
    for i in range(n):
        summary = product_summary(spec)
        # distinct content per worker: identical content would be an (idempotent) no-op publish
        summary["description"] = f"revision {i} by {worker}"
        publish_to_catalog(root, summary, files={f"{pid}.dps.yaml": f"rev {i} by {worker}\n"})


def test_concurrent_publishes_keep_the_catalog_consistent(tmp_path):
    root = tmp_path / "catalog"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(_publish_many, [(root, "a", 10, 1), (root, "a", 10, 2), (root, "b", 10, 3)])
    cat = Catalog.open(root)
    assert cat.product_ids() == ["a", "b"]
    assert cat.current_version("a") == 20 and cat.current_version("b") == 10
    assert sorted(int(p.name) for p in (root / "a" / "versions").iterdir()) == list(range(1, 21))
    assert not [p for p in (root / "a").iterdir() if p.name.startswith(".tmp")]


# -- REST ----------------------------------------------------------------------------------------


class FakeDMM(BaseHTTPRequestHandler):
    """Records requests, checks the key, fails on demand."""

    server_version = "FakeDMM/1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _handle(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        srv.requests.append((self.command, self.path, json.loads(body or b"null"), self.headers.get("x-api-key")))
        if self.headers.get("x-api-key") != srv.key:
            return self._reply(401, b'{"error": "unauthorized"}')
        if srv.fail_5xx > 0:
            srv.fail_5xx -= 1
            return self._reply(503, b'{"error": "busy"}')
        if srv.sleep:
            time.sleep(srv.sleep)
        if srv.non_json:
            return self._reply(200, b"<html>proxy page</html>", "text/html")
        return self._reply(200, b'{"ok": true}')

    def _reply(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST = _handle


@pytest.fixture
def dmm():
    with serve(FakeDMM, requests=[], key="s3cret-key", fail_5xx=0, sleep=0, non_json=False) as srv:
        yield srv


def test_rest_publish_success_order_and_local_catalog(product, dmm, monkeypatch):
    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key")
    report = product.publish(url(dmm))
    paths = [(m, p) for m, p, _, _ in dmm.requests]
    assert paths == [("PUT", "/api/datacontracts/shop-items_v1"), ("PUT", "/api/dataproducts/shop"), ("POST", "/api/test-results")]
    assert dmm.requests[1][2]["info"]["owner"] == "sales"
    assert dmm.requests[0][2]["kind"] == "DataContract"
    assert report.version == 1 and Catalog.open(product.workspace.catalog_dir).current_version("shop") == 1
    assert "s3cret-key" not in str(report) and "s3cret-key" not in json.dumps(report.to_dict())
    assert "s3cret-key" not in repr(report._repr_mimebundle_())
    again = product.publish(url(dmm))  # idempotent: PUTs repeat, nothing new locally
    assert not again.changed


def test_rest_401_and_nothing_published_locally(product, dmm, monkeypatch):
    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "wrong-key")
    with pytest.raises(PublishError, match="401 authentication failed: check DATAMESH_MANAGER_API_KEY") as err:
        product.publish(url(dmm))
    assert "wrong-key" not in str(err.value)
    assert not (product.workspace.catalog_dir / "shop").exists()


def test_rest_5xx_then_success_is_retried(product, dmm, monkeypatch):
    from dp_notebook.publish import http

    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key")
    monkeypatch.setattr(http.DataMeshManagerClient.__init__, "__kwdefaults__", {"api_key": None, "timeout": 10.0, "retries": 3, "backoff": 0.01})
    dmm.fail_5xx = 2
    report = product.publish(url(dmm))
    assert report.requests[0]["attempts"] == 3 and report.requests[0]["status"] == 200


def test_rest_timeout_unreachable_and_non_json(product, dmm, monkeypatch):
    from dp_notebook.publish import http

    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key")
    monkeypatch.setattr(http.DataMeshManagerClient.__init__, "__kwdefaults__", {"api_key": None, "timeout": 0.3, "retries": 2, "backoff": 0.01})
    dmm.sleep = 1.0
    with pytest.raises(PublishError, match="timed out after 2 attempts"):
        product.publish(url(dmm))
    dmm.sleep = 0
    dmm.non_json = True
    with pytest.raises(PublishError, match="not JSON"):
        product.publish(url(dmm))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(PublishError, match="cannot connect"):
        product.publish(f"http://127.0.0.1:{closed}")
    assert not (product.workspace.catalog_dir / "shop").exists()


def test_rest_without_key_and_dry_run(product, dmm, monkeypatch):
    monkeypatch.delenv("DATAMESH_MANAGER_API_KEY", raising=False)
    with pytest.raises(PublishError, match="set the environment variable DATAMESH_MANAGER_API_KEY"):
        product.publish(url(dmm))
    report = product.publish(url(dmm), dry_run=True)
    assert report.dry_run and [r["method"] for r in report.requests] == ["PUT", "PUT", "POST"]
    assert dmm.requests == [] and not (product.workspace.catalog_dir / "shop").exists()
