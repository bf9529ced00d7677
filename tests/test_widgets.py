"""The port browser's Python state and actions (the front end only renders this state)."""

from __future__ import annotations

import pandas as pd
import pytest

import dp_notebook
from dp_notebook.errors import PortNotFound
from dp_notebook.widgets import BrowserState, browse

SPEC = """dataProductSpecification: 0.0.1
id: {id}
info: {{title: "{title}", owner: {owner}, domain: {owner}, description: "{desc}", archetype: {arch}, status: active}}
inputPorts:
  - {{id: raw, name: raw, sourceSystemId: erp}}
outputPorts:
  - id: people_v1
    description: People with contact data.
    location: {owner}.people_v1
    containsPii: true
    rolesAllowed: [hr]
    schema:
      - {{name: id, type: integer, required: true, classification: internal}}
      - {{name: email, type: string, pii: true, classification: restricted}}
tags: [{tag}]
"""


@pytest.fixture
def catalog(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    for pid, title, owner, arch, tag in [("staff", "Staff <b>list</b>", "hr", "source-aligned", "people"), ("leads", "Leads", "sales", "consumer-aligned", "crm")]:
        dp = dp_notebook.load(SPEC.format(id=pid, title=title, owner=owner, desc=f"All {pid} <script>x</script>", arch=arch, tag=tag), workspace=ws)
        dp.input("raw", pd.DataFrame({"id": range(50), "email": [f"p{i}@example.com" for i in range(50)]}))
        dp.transform("people_v1", "SELECT id, email FROM raw")
        dp.publish()
    return ws.catalog_dir


def test_search_and_filters(catalog):
    state = BrowserState(catalog)
    assert len(state.results()) == 2
    assert [e["key"] for e in state.search("staff")] == ["staff.people_v1"]
    assert [e["key"] for e in state.search("email")] == ["leads.people_v1", "staff.people_v1"]  # column names are searchable
    state.search("")
    assert [e["key"] for e in state.filter(domain="sales")] == ["leads.people_v1"]
    assert state.filter(domain="", archetype="source-aligned", pii="yes")[0]["product"] == "staff"
    assert state.filter(archetype="", pii="no") == []
    assert state.facets()["tag"] == ["crm", "people"]


def test_select_preview_masks_pii_unless_role_allowed(catalog):
    state = BrowserState(catalog, role="marketing")
    detail = state.select("staff", "people_v1")
    assert detail["port"]["rolesAllowed"] == ["hr"] and detail["access"] is False
    assert detail["checks"]["result"] == "passed"
    pv = state.preview(limit=5)
    assert pv["row_count"] == 50 and len(pv["rows"]) == 5 and pv["masked"] == ["email"]
    assert {r[1] for r in pv["rows"]} == {"***"}
    assert next(s for s in pv["stats"] if s["column"] == "email")["min"] == "***"
    hr = BrowserState(catalog, role="hr")
    hr.select("staff.people_v1")
    assert hr.preview(limit=3)["rows"][0][1] == "p0@example.com"
    assert hr.preview(limit=10**9)["limit"] == 1000  # bounded


def test_snippet_docs_and_errors(catalog):
    state = BrowserState(catalog, role="hr")
    with pytest.raises(PortNotFound):
        state.use_snippet()
    state.select("leads.people_v1")
    assert state.use_snippet() == "%dataproduct use leads.people_v1 --as people_v1 --role hr"
    assert state.docs_url().startswith("file://") and state.docs_url().endswith("docs.html")
    with pytest.raises(PortNotFound, match="ports: people_v1"):
        state.select("leads.nope")


def test_widget_syncs_state_and_has_static_fallback(catalog):
    w = browse(catalog, role="hr")
    assert w.total == 2 and all("_text" not in r for r in w.rows)
    w.query = "leads"
    assert [r["key"] for r in w.rows] == ["leads.people_v1"]
    w.selected = "leads.people_v1"
    assert w.detail["port"]["id"] == "people_v1" and w.preview_data["row_count"] == 50
    w.selected = "leads.nope"
    assert "no output port 'nope'" in w.error
    w.query = ""
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "leads.people_v1" in data["text/plain"]
    html = data["text/html"]
    assert "<script>x" not in html and "<b>list</b>" not in html and "Staff &lt;b&gt;list&lt;/b&gt;" in html  # escaped
    assert "hr.people_v1" in html and "roles: hr · 2 columns" in html


def test_500_products_search_is_fast(tmp_path):
    import time

    from dp_notebook.widgets.browser import build_index, search_index

    products = [{"id": f"p{i}", "title": f"Product {i}", "owner": f"team{i % 20}", "tags": [f"t{i % 7}"], "outputPorts": [{"id": f"port{j}_v1", "location": f"s.p{i}_{j}", "columns": [{"name": f"c{k}"} for k in range(20)]} for j in range(5)]} for i in range(500)]
    t = time.perf_counter()
    index = build_index(products)
    hits = search_index(index, "team3 port2", tag="t3")
    elapsed = time.perf_counter() - t
    assert len(index) == 2500 and hits and all(h["owner"] == "team3" for h in hits)
    assert elapsed < 2.0  # generous bound: the benchmark records the real numbers


def test_results_widget_tables_and_trend(tmp_path, monkeypatch, ip):
    monkeypatch.chdir(tmp_path)
    ip.run_cell_magic("dataproduct", "declare", SPEC.format(id="staff", title="Staff", owner="hr", desc="d", arch="aggregate", tag="t").replace("    schema:", "    serviceLevelObjectives: [{type: rowCount, min: 1}]\n    schema:"))
    ip.user_ns["frame"] = pd.DataFrame({"id": range(5), "email": ["a@b.c"] * 5})
    ip.run_line_magic("dataproduct", "input raw --from frame")
    ip.run_cell_magic("dataproduct", "transform people_v1", "SELECT id, email FROM raw")
    ip.run_line_magic("dataproduct", "test")
    ip.run_line_magic("dataproduct", "quality")
    w = ip.run_line_magic("dataproduct", "results")
    names = [t["name"] for t in w.tables]
    assert names[:2] == ["Checks", "SLO history"] and names[2].startswith("Cost")
    checks = w.tables[0]
    assert {r[1] for r in checks["rows"]} >= {"contract", "quality"}
    assert len(w.tables[1]["rows"]) >= 2 and w.images and w.images[0].startswith("data:image/svg+xml;base64,")
    data = w._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "application/vnd.jupyter.widget-view+json" in data and "dpn-card" in data["text/html"]
