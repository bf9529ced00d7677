"""The catalog's port index: kept at publish time, consistent under concurrent publishers and a
SIGKILL, rebuilt when missing or corrupt, caught up when products change by hand; a Data Mesh
Manager's paginated listing is followed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dp_notebook.catalog import Catalog
from dp_notebook.catalog.index import DIRTY, INDEX_DIR, catalog_index, index_path
from dp_notebook.catalog.search import PortIndex, port_entries
from dp_notebook.errors import CatalogError

from ._http import serve, url
from .test_browse_dmm import FakeDMM

REPO = Path(__file__).resolve().parents[1]


def summary(pid: str, n: int, ports: int = 2) -> dict:
    return {  # a summary as the shared schema describes it (readers validate what they read)
        "version": 1, "id": pid, "title": f"Product {pid}", "owner": f"team{n % 3}", "domain": f"d{n % 2}", "tags": [f"t{n % 4}"],
        "outputPorts": [{"id": f"port{j}_v1", "name": f"port{j}_v1", "location": f"s.{pid}_{j}", "containsPii": j == 0, "version": f"{n}.0.0",
                         "rolesAllowed": [], "contractId": f"{pid}-port{j}_v1",
                         "columns": [{"name": f"col{n}_{k}", "type": "string"} for k in range(3)]} for j in range(ports)],
    }


def publish(cat: Catalog, pid: str, n: int) -> None:
    cat.write_version(summary(pid, n), files={f"{pid}.dps.yaml": f"id: {pid}\n"}, data={}, extra={}, content_hash=f"{pid}-{n}")


def truth(cat: Catalog) -> dict[str, tuple[int, list[str]]]:
    """What the directory says: each product's current version and its ports' searchable entries."""
    out = {}
    for pid in cat.product_ids():
        s = cat.summary(pid)
        out[pid] = (cat.current_version(pid), sorted(json.dumps({k: v for k, v in e.items() if k not in ("_text", "checks")}, sort_keys=True) for e in port_entries(s, {})))
    return out


def indexed(index: PortIndex) -> dict[str, tuple[int, list[str]]]:
    out: dict[str, tuple[int, list[str]]] = {}
    versions = index.versions()
    for e in index.search(""):
        e = {k: v for k, v in e.items() if k != "checks"}
        out.setdefault(e["product"], (versions[e["product"]], []))[1].append(json.dumps(e, sort_keys=True))
    return {k: (v, sorted(rows)) for k, (v, rows) in out.items()}


def test_publish_keeps_the_index_and_search_matches_every_word(tmp_path):
    cat = Catalog.create(tmp_path / "cat")
    for i in range(6):
        publish(cat, f"p{i}", i)
    publish(cat, "p2", 10)  # a new version replaces the old ports
    assert not (cat.root / INDEX_DIR / DIRTY).exists()
    index = PortIndex.open(index_path(cat.root))  # as written by the publishers, no repair
    assert indexed(index) == truth(cat)
    hits = index.search("col10_1 port1")
    assert [e["key"] for e in hits] == ["p2.port1_v1"]
    assert index.count("port0", pii="yes", tag="t1") == 2  # p1, p5
    assert index.facets()["domain"] == ["d0", "d1"]
    assert index.search("", limit=3, offset=2) == index.search("")[2:5]


def test_index_is_rebuilt_when_missing_or_corrupt(tmp_path):
    cat = Catalog.create(tmp_path / "cat")
    for i in range(3):
        publish(cat, f"p{i}", i)
    shutil.rmtree(cat.root / INDEX_DIR)
    assert indexed(catalog_index(cat)) == truth(cat)
    index_path(cat.root).write_bytes(b"not a database at all" * 100)
    assert indexed(catalog_index(cat)) == truth(cat)


def test_products_changed_by_hand_are_caught_up(tmp_path):
    cat = Catalog.create(tmp_path / "cat")
    for i in range(3):
        publish(cat, f"p{i}", i)
    shutil.copytree(cat.root / "p1", cat.root / "copied")  # a product folder added without the index
    s = json.loads((cat.root / "copied" / "versions" / "1" / "summary.json").read_text())
    s["id"] = "copied"
    (cat.root / "copied" / "versions" / "1" / "summary.json").write_text(json.dumps(s))
    shutil.rmtree(cat.root / "p0")  # and one removed
    time.sleep(0.01)
    assert set(indexed(catalog_index(cat))) == {"p1", "p2", "copied"} == set(truth(cat))


_PUBLISHER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r})
    from dp_notebook.catalog import Catalog
    from tests.test_catalog_index import publish
    cat = Catalog.open({root!r})
    name, rounds = sys.argv[1], int(sys.argv[2])
    for n in range(rounds):
        publish(cat, f"{{name}}{{n % 3}}", n)          # its own products
        publish(cat, "shared", int(name[1:]) * 1000 + n)  # and one every publisher writes
    """
)


def test_concurrent_publishers_leave_a_consistent_index(tmp_path):
    cat = Catalog.create(tmp_path / "cat")
    script = tmp_path / "publisher.py"
    script.write_text(_PUBLISHER.format(repo=str(REPO), root=str(cat.root)))
    procs = [subprocess.Popen([sys.executable, str(script), f"w{i}", "8"], cwd=REPO) for i in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert not (cat.root / INDEX_DIR / DIRTY).exists()
    index = PortIndex.open(index_path(cat.root))
    assert indexed(index) == truth(cat)
    assert len(truth(cat)) == 13  # 4 publishers × 3 products + the shared one


def test_a_publisher_killed_midway_leaves_an_index_the_next_reader_repairs(tmp_path):
    cat = Catalog.create(tmp_path / "cat")
    script = tmp_path / "publisher.py"
    script.write_text(_PUBLISHER.format(repo=str(REPO), root=str(cat.root)))
    for delay in (0.4, 0.55, 0.7, 0.85, 1.0):
        proc = subprocess.Popen([sys.executable, str(script), "w1", "100000"], cwd=REPO)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert indexed(catalog_index(cat)) == truth(cat)
    assert truth(cat)  # the publisher did publish before it was killed


# -- Data Mesh Manager: the listing page by page ---------------------------------------------------------

DOCS = [{"dataProductSpecification": "0.0.1", "id": f"prod{i:03d}", "info": {"title": f"Product {i}", "owner": "team"},
         "outputPorts": [{"id": "out_v1", "dataContractId": f"c{i}"}]} for i in range(23)]


class PagedDMM(FakeDMM):
    def do_GET(self):
        self.server.requests.append(self.path)
        path, _, query = self.path.partition("?")
        if path != "/api/dataproducts":
            return self._reply(404, {})
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        page, size = int(params.get("p", 0)), 10
        chunk = DOCS[page * size:(page + 1) * size]
        total = (len(DOCS) + size - 1) // size
        doc = {"content": chunk, "number": page, "size": size, "totalPages": total, "totalElements": len(DOCS), "last": page + 1 >= total}
        if self.server.next_link is not None and page + 1 < total:
            doc = {"content": chunk, "next": self.server.next_link.format(base=url(self.server), page=page + 1)}
        return self._reply(200, doc)


@pytest.mark.parametrize("next_link", [None, "{base}/api/dataproducts?p={page}", "/api/dataproducts?p={page}"])
def test_paginated_listing_is_followed(next_link, monkeypatch):
    from dp_notebook.widgets import BrowserState

    monkeypatch.delenv("DATAMESH_MANAGER_API_KEY", raising=False)
    with serve(PagedDMM, requests=[], next_link=next_link) as srv:
        state = BrowserState(url(srv))
        assert len(srv.requests) == 3
    assert state.count() == 23 and [e["product"] for e in state.results(limit=2)] == ["prod000", "prod001"]
    assert [e["key"] for e in state.search("product 17")] == ["prod017.out_v1"]


def test_a_next_page_on_another_server_is_not_followed(monkeypatch):
    from dp_notebook.widgets import BrowserState

    monkeypatch.delenv("DATAMESH_MANAGER_API_KEY", raising=False)
    with serve(PagedDMM, requests=[], next_link="http://elsewhere.example/api/dataproducts?p={page}") as srv:
        with pytest.raises(CatalogError, match="another server"):
            BrowserState(url(srv))


def test_reading_a_port_loads_no_jsonschema(tmp_path):
    """``use`` and the browser validate every summary they read; jsonschema's import builds its
    format checkers' grammars (about a second), so the read path uses the compiled validator."""
    cat = Catalog.create(tmp_path / "catalog")
    publish(cat, "shop", 1)
    code = textwrap.dedent(f"""
        import sys
        from dp_notebook.catalog import Catalog, check_role
        c = Catalog.open({str(tmp_path / "catalog")!r})
        e = c.port("shop", "port1_v1")
        check_role(e, None, "shop.port1_v1")
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("jsonschema", "lark", "rfc3987_syntax")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
