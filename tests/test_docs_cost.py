"""Documentation pages and cost: content, escaping, robustness, golden structure, arithmetic."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from dp_notebook.cost import PriceModel, cost_summary, runs_in_month, runs_per_month
from dp_notebook.errors import SpecError
from dp_notebook.render.docs import render_product_page
from dp_notebook.render.portal import render_portal
from dp_notebook.spec import load_spec
from dp_notebook.spec.summary import product_summary

from .conftest import FIXTURES

XSS = "<script>alert(1)</script>"


def doc_for(spec, **extra):
    doc = {"product": product_summary(spec), "generated_at": "2026-11-25T00:00:00+00:00"}
    doc.update(extra)
    return doc


def full_doc():
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    cost = cost_summary(
        "shelf_warmers",
        [{"target": "shelf_warmers_v1", "wall_s": 1.0, "cpu_s": 1.8, "rows_scanned": 1000, "bytes_scanned": 4096, "recorded_at": "2026-11-01"}],
        {"shelf_warmers_v1": 262144},
        schedule="0 3 * * *",
        consumer_price={"priceAmount": 25, "priceCurrency": "USD", "priceUnit": "month"},
    ).to_dict()
    return doc_for(
        spec,
        lineage={"nodes": [{"id": "stock", "kind": "input", "label": "stock"}, {"id": "shelf_warmers_v1", "kind": "port", "label": "shelf_warmers_v1"}], "edges": [{"from": "stock", "to": "shelf_warmers_v1"}], "columns": {"shelf_warmers_v1": {"sku": [["stock", "sku"]]}}},
        checks=[{"name": "not_null(sku)", "target": "shelf_warmers_v1", "kind": "expectation", "success": False, "unexpected_count": 2, "unexpected_percent": 1.5, "message": "2 of 140"}],
        quality_history={"shelf_warmers_v1: rowCount": [120, 140, 138]},
        cost=cost,
        examples=[{"title": "by location", "sql": "SELECT location FROM fulfillment.shelf_warmers_v1"}],
        files={"dps": "specs/shelf_warmers.dps.yaml", "odcs": {"shelf_warmers_v1": "specs/x.odcs.yaml"}},
    )


def structure(html: str) -> str:
    """The page's element skeleton (tags, ids, classes), text and numbers left out."""
    tags = re.findall(r"<(/?[a-zA-Z0-9]+)([^>]*)>", html)
    out = []
    for name, attrs in tags:
        keep = " ".join(re.findall(r'(?:id|class)="[^"]*"', attrs))
        out.append(f"<{name}{' ' + keep if keep else ''}>")
    return "\n".join(out) + "\n"


def test_page_content(golden):
    html = render_product_page(full_doc())
    for needle in ("Shelf Warmers", "fulfillment.shelf_warmers_v1", "stock.sku", "<svg", "by location", "specs/x.odcs.yaml", "1 failing", "a month, projected", "roles allowed: <b>coo, fulfillment</b>"):
        assert needle in html, needle
    assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="https?://', html)  # nothing fetched from the network
    golden("docs/product_page.structure.txt", structure(html))


def test_page_renders_with_minimal_product():
    spec = load_spec("id: p\ninfo: {owner: t}\n").spec
    html = render_product_page(doc_for(spec))
    assert "No output ports" in html and "No checks have run yet" in html and "No cost measured yet" in html


def test_everything_user_provided_is_escaped():
    text = f"""dataProductSpecification: 0.0.1
id: p
info: {{title: "{XSS}", owner: "{XSS}", description: "{XSS}"}}
outputPorts:
  - id: x_v1
    description: "{XSS}"
    schema:
      - {{name: "<img src=x onerror=alert(1)>", type: string, description: "{XSS}"}}
"""
    spec = load_spec(text).spec
    doc = doc_for(spec, examples=[{"title": XSS, "sql": f"SELECT '{XSS}'"}], checks=[{"name": XSS, "target": XSS, "kind": "unit", "success": False, "message": XSS}], quality_history={XSS: [1, 2]}, lineage={"nodes": [{"id": XSS, "kind": "input", "label": XSS}], "edges": []})
    for html in (render_product_page(doc), render_portal([product_summary(spec)], {"p": {"page": XSS}})):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_200_columns_and_20_ports_render():
    cols = "".join(f"      - {{name: c{i}, type: string, description: column {i}}}\n" for i in range(200))
    ports = "".join(f"  - id: p{j}_v1\n    schema:\n{cols}" for j in range(20))
    spec = load_spec(f"id: big\ninfo: {{owner: t}}\noutputPorts:\n{ports}").spec
    html = render_product_page(doc_for(spec))
    assert html.count("<details><summary>200 columns</summary>") == 20
    assert len(html) < 5_000_000


def test_portal_lists_and_searches(golden):
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    html = render_portal([product_summary(spec)], {"shelf_warmers": {"page": "sw/shelf_warmers/index.html", "notebook": "sw/sw.html"}}, title="Portal")
    assert 'id="q"' in html and "sw/shelf_warmers/index.html" in html and "addEventListener" in html
    golden("docs/portal.structure.txt", structure(html))


def test_cron_arithmetic():
    assert runs_in_month("0 3 * * *", 2026, 11) == 30
    assert runs_in_month("*/15 * * * *", 2026, 2) == 28 * 96
    assert runs_per_month("0 3 * * *") == pytest.approx(365 / 12)
    assert runs_per_month("0 0 1 * *") == 1
    assert runs_per_month(None) == 1
    with pytest.raises(SpecError):
        runs_per_month("every day")


def test_cost_projection_and_margin():
    pm = PriceModel(compute_per_hour=3.6, storage_per_gb_month=2.0, currency="EUR")
    runs = [
        {"target": "a", "wall_s": 2.0, "cpu_s": 5.0, "recorded_at": "2026-11-01"},
        {"target": "a", "wall_s": 1.0, "cpu_s": 1.0, "recorded_at": "2026-11-02"},  # latest wins
        {"target": "b", "wall_s": 1.0, "cpu_s": 2.0, "recorded_at": "2026-11-01"},
    ]
    c = cost_summary("p", runs, {"a": 1024**3 // 2}, schedule="0 0 1 * *", price_model=pm, consumer_price={"priceAmount": 10, "priceCurrency": "EUR", "priceUnit": "month"})
    # a: 1 s CPU × 3.6/h = 0.001 per run; b: 0.002; 1 run/month; storage 0.5 GB × 2.0 = 1.0
    assert c.compute_monthly == pytest.approx(0.003)
    assert c.storage_monthly == pytest.approx(1.0)
    assert c.margin() == (pytest.approx(10 - 1.003), "per month")
    rows = c.to_dmm_costs("2026-11")
    assert rows == [{"dataProductId": "p", "yearMonth": "2026-11", "amount": pytest.approx(1.003), "currency": "EUR", "description": rows[0]["description"]}]
    bundle = c._repr_mimebundle_()
    assert "<svg" in bundle["text/html"] and bundle["application/vnd.dp-notebook.cost+json"]["version"] == 1
    other = cost_summary("p", runs, {}, schedule=None, price_model=pm, consumer_price={"priceAmount": 1, "priceCurrency": "EUR", "priceUnit": "query"})
    assert other.margin()[0] is None and "per query" in other.margin()[1]


def test_price_model_config_errors():
    assert PriceModel.from_config({"currency": "EUR"}).currency == "EUR"
    with pytest.raises(SpecError, match="unknown key"):
        PriceModel.from_config({"cpu": 1})
    with pytest.raises(SpecError, match="must be numbers"):
        PriceModel.from_config({"compute_per_hour": "lots"})


CHROMIUM = shutil.which("chromium")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install -y chromium)")
def test_page_and_card_screenshots(tmp_path):
    from dp_notebook.render.docs_card import DocsResult

    page = tmp_path / "index.html"
    page.write_text(render_product_page(full_doc()))
    card = tmp_path / "card.html"
    card.write_text("<!DOCTYPE html><meta charset=utf-8>" + DocsResult(page, full_doc(), [])._repr_mimebundle_()["text/html"])
    for src, png in ((page, tmp_path / "page.png"), (card, tmp_path / "card.png")):
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={png}", src.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000  # a real, non-blank rendering
