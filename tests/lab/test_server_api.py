"""The jupyter-server extension's catalog API, against a real `jupyter server` on 127.0.0.1."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pandas as pd
import pytest

import dp_notebook

from .._jupyter import jupyter

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("srv")
    ws = dp_notebook.Workspace(root / ".dp")
    dp = dp_notebook.load("id: staff\ninfo: {title: Staff, owner: hr}\ninputPorts: [{id: raw, name: raw, sourceSystemId: s}]\noutputPorts:\n  - id: people_v1\n    schema: [{name: id, type: integer}]\n", workspace=ws)
    dp.input("raw", pd.DataFrame({"id": [1, 2]}))
    dp.transform("people_v1", "SELECT id FROM raw")
    dp.publish()
    (root / "secret.txt").write_text("not for the API")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DP_NOTEBOOK_")}
    with jupyter("jupyter_server", root, env=env) as base:
        yield base


def get(base: str, path: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("content-type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("content-type", "")


def test_list_and_one_product(server):
    status, body, _ = get(server, "/dp-notebook/api/products")
    data = json.loads(body)
    assert status == 200 and data["version"] == 1
    assert [p["id"] for p in data["products"]] == ["staff"]
    checks = data["products"][0]["checks"]  # the latest published test results, for the panel's badge
    assert checks["result"] == "passed" and checks["passed"] == checks["total"] > 0
    status, body, _ = get(server, "/dp-notebook/api/products/staff")
    assert status == 200 and json.loads(body)["outputPorts"][0]["id"] == "people_v1"


def test_unknown_and_invalid_ids(server):
    status, body, _ = get(server, "/dp-notebook/api/products/nope")
    assert status == 404 and "no product 'nope'" in json.loads(body)["error"]
    status, body, _ = get(server, "/dp-notebook/api/products/bad%20id")
    assert status == 400 and "invalid product id" in json.loads(body)["error"]


def test_files_and_traversal_refused(server):
    status, body, ctype = get(server, "/dp-notebook/api/products/staff/files/docs.html")
    assert status == 200 and b"Staff" in body and ctype.startswith("text/html")
    status, body, _ = get(server, "/dp-notebook/api/products/staff/files/contracts/staff-people_v1.odcs.yaml")
    assert status == 200 and b"DataContract" in body
    for attempt in ("../../../../secret.txt", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt", "..%2F..%2F..%2F..%2Fsecret.txt", "%2Fetc%2Fpasswd"):
        status, body, _ = get(server, f"/dp-notebook/api/products/staff/files/{attempt}")
        assert status in (400, 404), attempt
        assert b"not for the API" not in body and b"root:" not in body


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory):
    """A server whose root holds a workspace at the root and one in a team folder, each with docs."""
    root = tmp_path_factory.mktemp("docsrv")
    for folder, title in ((root, "Root shop"), (root / "team" / "nb", None), (root / "team", "Team shop")):
        folder.mkdir(parents=True, exist_ok=True)
        if title:
            page = folder / ".dp" / "docs" / "shop" / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(f"<h1>{title}</h1>")
            (page.parent / "specs").mkdir()
            (page.parent / "specs" / "shop.dps.yaml").write_text("id: shop\n")
    (root / "secret.txt").write_text("not for the API")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DP_NOTEBOOK_")}
    with jupyter("jupyter_server", root, env=env) as base:
        yield base


def test_unpublished_docs_are_served_from_the_notebooks_workspace(docs_server):
    status, body, ctype = get(docs_server, "/dp-notebook/api/docs/shop/index.html")
    assert status == 200 and b"Root shop" in body and ctype.startswith("text/html")
    # a notebook in team/nb: its kernel's workspace is team/.dp (the first .dp/ walking up)
    status, body, _ = get(docs_server, "/dp-notebook/api/docs-in/team%2Fnb/shop/index.html")
    assert status == 200 and b"Team shop" in body
    status, body, ctype = get(docs_server, "/dp-notebook/api/docs-in/team%2Fnb/shop/specs/shop.dps.yaml")  # the page's relative links
    assert status == 200 and body == b"id: shop\n" and ctype.startswith("text/plain")


def test_unpublished_docs_refuse_traversal_and_say_what_is_missing(docs_server):
    status, body, _ = get(docs_server, "/dp-notebook/api/docs/nope/index.html")
    assert status == 404 and "run %dataproduct docs first" in json.loads(body)["error"]
    for attempt in ("/dp-notebook/api/docs/shop/..%2F..%2F..%2F..%2Fsecret.txt", "/dp-notebook/api/docs-in/..%2F..%2F../shop/index.html",
                    "/dp-notebook/api/docs/..%2F..%2F/secret.txt", "/dp-notebook/api/docs-in/%2Fetc/shop/index.html"):
        status, body, _ = get(docs_server, attempt)
        assert status in (400, 404), attempt
        assert b"not for the API" not in body


def test_search_is_served_by_the_one_python_search(server):
    """The panel asks the server (catalog/search.py) instead of searching itself."""
    from dp_notebook.catalog import validate_payload

    for query, keys in (("people", ["staff.people_v1"]), ("hr id", ["staff.people_v1"]), ("no-such-thing", [])):
        status, body, _ = get(server, f"/dp-notebook/api/search?q={urllib.request.quote(query)}")
        data = json.loads(body)
        validate_payload("SearchResult", data)
        assert status == 200 and data["keys"] == keys and data["query"] == query
