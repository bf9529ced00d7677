"""The shared output components: themed cards, tables that do not overflow, check statuses,
honest charts, the lineage result, progress, docs links and the docs route's workspace lookup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dp_notebook.checks.model import CheckResult, SuiteResult
from dp_notebook.render.charts import bar_chart, nice_ticks, trend_chart
from dp_notebook.render.checks import checks_html, checks_text, counts
from dp_notebook.render.cost import cost_html, cost_text
from dp_notebook.render.html import card, check_status, component_css, table
from dp_notebook.render.lineage import LineageResult
from dp_notebook.render.progress import Progress

XSS = "<script>alert(1)</script>"


def test_cards_use_theme_variables_not_hard_coded_white():
    css = component_css()
    html = card("<p>x</p>")
    assert 'class="dpn dpn-card tex2jax_ignore mathjax_ignore"' in html and "<style>" in html  # no LaTeX from "$0.05 … $0.02"
    # every colour of the card comes from JupyterLab's variables first, with fallbacks after
    assert "var(--jp-layout-color0" in css and "var(--jp-content-font-color1" in css and "var(--vscode-editor-background" in css
    assert not re.search(r"background:\s*#fff", css)
    assert '[data-jp-theme-light="false"] .dpn' in css  # status colours switch in the dark theme


def test_tables_cut_long_values_scroll_and_align_numbers():
    digest = "f" * 64
    html = table(["id", "hash", "total"], [["O-000001", digest, 2918.0], ["O-000002", "short", 12.5]])
    assert html.startswith('<div class="dpn-scroll"><table class="dpn-table">')
    assert f'title="{digest}"' in html  # the full value on hover
    assert '<th class="dpn-num">total</th>' in html and '<td class="dpn-num">2918</td>' in html  # no "2918.0"
    css = component_css()
    assert "text-overflow:ellipsis" in css and "white-space:nowrap" in css and "overflow-x:auto" in css
    # JupyterLab right-aligns rendered HTML cells; ours say left (with a more specific selector)
    assert ".dpn table.dpn-table>thead>tr>th,.dpn table.dpn-table>tbody>tr>td{text-align:left" in css
    escaped = table(["x"], [[XSS]])
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped


def _suite():
    return SuiteResult("orders_v1", [
        CheckResult("not_null(id)", "orders_v1", "expectation", True),
        CheckResult("freshness(ts)", "orders_v1", "quality", False, message="26 h old", severity="warning"),
        CheckResult(XSS, "orders_v1", "expectation", False, message="3 of 1,500", unexpected_count=3, unexpected_percent=0.2,
                    unexpected_sample=[{"id": 7, "email": "***"}]),
    ])


def test_a_failed_warning_check_shows_as_a_warning_everywhere():
    assert check_status({"success": False, "severity": "warning"}) == "warning"
    assert check_status({"success": False, "severity": "info"}) == "warning"
    assert check_status({"success": False}) == "failed"
    assert check_status({"status": "passed", "success": False}) == "passed"  # the row's status wins
    suite = _suite()
    assert counts(suite.results) == {"passed": 1, "warning": 1, "failed": 1}
    html = checks_html(suite)
    rows = re.findall(r"<tr class=\"(dpn-row-\w+)\">", html)
    assert rows == ["dpn-row-fail", "dpn-row-warn"]  # failures first, marked
    assert '<span class="dpn-badge dpn-warn">warning</span>' in html and '<span class="dpn-badge dpn-fail">FAILED</span>' in html
    assert "<details open><summary>1 failing row (sample)</summary>" in html and "***" in html
    assert "3 (0.2%)" in html and "&lt;script&gt;" in html and XSS not in html
    text = checks_text(suite)
    assert text.splitlines()[0] == "checks on orders_v1: 1 passed, 1 warning(s), 1 failed"
    assert [line.split()[0] for line in text.splitlines()[3:]] == ["FAIL", "WARN", "ok"]


def test_trend_chart_is_honest():
    pts = [{"at": f"2026-11-{d:02d}T03:00:00+00:00", "value": v, "success": v >= 1000} for d, v in ((1, 1480), (2, 1510), (3, 900), (4, 1500))]
    svg = trend_chart(pts, title="orders_v1: rowCount", threshold={"min": 1000}, value_format=lambda v: f"{v:,.0f}")
    assert svg.count('class="dpn-pt-ok"') == 3 and svg.count('class="dpn-pt-fail"') == 1  # pass/fail per point
    assert 'class="dpn-threshold"' in svg and ">min 1,000<" in svg  # the threshold line, labelled
    assert re.search(r">\d\d \w{3}<", svg)  # dates on the x axis
    ticks = [float(t.replace(",", "")) for t in re.findall(r'text-anchor="end">([\d,]+)</text>', svg)]
    assert len(set(ticks)) == len(ticks) >= 3  # distinct y ticks, not "701, 701"
    one = trend_chart(pts[:1], title="orders_v1: rowCount", threshold={"min": 1000})
    assert "<svg" not in one and "one measurement so far" in one and "needs at least 1,000" in one
    assert "no measurements yet" in trend_chart([], title="x")


def test_charts_carry_an_image_twin_for_untrusted_notebooks():
    import base64

    html = trend_chart([{"at": "2026-11-01T03:00:00Z", "value": 1, "success": True}, {"at": "2026-11-02T03:00:00Z", "value": 2, "success": False}], title=XSS)
    assert html.startswith('<div class="dpn-figure"><svg class="dpn-chart"')
    twin = re.search(r'<img class="dpn-figure-img" alt="([^"]*)" src="data:image/svg\+xml;base64,([^"]+)">', html)
    assert twin and twin.group(1) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    svg = base64.b64decode(twin.group(2)).decode()
    assert "<style>" in svg and 'fill="#ffffff"' in svg and "<script>" not in svg  # own palette on white; user text escaped
    assert ".dpn .dpn-figure>svg ~ img.dpn-figure-img{display:none}" in component_css()  # shown only without the inline SVG
    assert trend_chart([{"at": "2026-11-01", "value": 1}, {"at": "2026-11-02", "value": 2}], inline_only=True).startswith("<svg")


def test_nice_ticks_and_bars_without_clipping():
    assert nice_ticks(700.1, 700.9) == pytest.approx([700.0, 700.2, 700.4, 700.6, 700.8, 701.0])
    assert nice_ticks(0.97, 1.0, 3)[-1] <= 1.0 + 1e-9
    long_label = "customer_360_enriched_profiles_v2"
    svg = bar_chart([(long_label, 0.0000315), ("b", 0.00002)], value_format=lambda v: f"€{v:.7f}")
    assert f"<title>{long_label}</title>" in svg and "€0.0000315" in svg and "e-05" not in svg


def test_cost_reads_as_money_and_durations():
    cost = {"product": "p", "currency": "EUR", "schedule": "0 3 * * *", "runs_per_month": 30.4167,
            "price_model": {"compute_per_hour": 0.05, "storage_per_gb_month": 0.02},
            "transforms": [{"target": "orders_v1", "wall_s": 0.8, "cpu_s": 1.2, "rows_scanned": 50_000_000, "bytes_scanned": 262_144, "cost_per_run": 0.0000166, "monthly": 0.000507}],
            "storage": [{"port": "orders_v1", "bytes": 262_144, "monthly": 0.000005}], "total_monthly": 0.000512, "price": None, "margin": None, "margin_note": "", "history": []}
    html = cost_html(cost)
    for needle in ("&lt; €0.01", "30.4 runs a month", "50,000,000", "256 KiB", "800 ms", "1.2 s", "€0.0000166"):
        assert needle in html, needle
    for bad in ("0.0000 EUR", "e-05", "30.4167", "262144"):
        assert bad not in html, bad
    assert "< €0.01 a month" in cost_text(cost)


def test_lineage_result_draws_the_graph():
    graph = {"nodes": [{"id": "raw", "kind": "input", "label": "raw"}, {"id": "o_v1", "kind": "port", "label": XSS}], "edges": [{"from": "raw", "to": "o_v1"}],
             "columns": {"o_v1": {"id": [["raw", "id"]]}}, "notes": []}
    res = LineageResult(graph)
    bundle = res._repr_mimebundle_()
    assert "<svg" in bundle["text/html"] and "dpn-node-input" in bundle["text/html"] and XSS not in bundle["text/html"]
    assert bundle["application/vnd.dp-notebook.lineage+json"]["graph"] == graph
    assert "application/json" not in bundle  # JupyterLab would show its JSON tree instead of the graph
    assert "input raw -> port o_v1" in bundle["text/plain"] and "o_v1.id <- raw.id" in bundle["text/plain"]
    assert res["nodes"] == graph["nodes"]
    assert "No lineage yet" in LineageResult({})._repr_mimebundle_()["text/html"]


def test_progress_stays_quiet_when_disabled_or_outside_a_kernel(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a))
    p = Progress("orders_v1", enabled=False)
    p.stage("staging")
    p.done("ok", True)
    assert shown == [] and not p.enabled
    assert Progress("x", enabled=True).enabled is False  # no kernel in this process


def test_progress_in_a_kernel_updates_one_display_and_collapses(monkeypatch):
    import dp_notebook.render.progress as progress

    class Handle:
        updates: list = []

        def update(self, obj):
            self.updates.append(obj._repr_mimebundle_())

    displayed = []

    def fake_display(obj, display_id=False):
        displayed.append(obj._repr_mimebundle_())
        return Handle()

    monkeypatch.setattr(progress, "_in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.display", fake_display)
    p = Progress("orders_v1", enabled=True)
    p.stage("staging")
    p.stage("checks", rows=1500, elapsed=2.1)
    p.done("orders_v1: 1,500 rows in 2.3 s", success=True)
    assert len(displayed) == 1 and len(Handle.updates) == 2  # one output, updated in place
    during = Handle.updates[0]
    assert "1,500 rows" in during["text/plain"] and "2.1 s" in during["text/plain"]
    assert 'dpn-stage dpn-done">✓ staging' in during["text/html"] and 'dpn-stage dpn-now">checks' in during["text/html"]
    final = Handle.updates[-1]
    assert final["text/plain"] == "✓ orders_v1: 1,500 rows in 2.3 s" and "dpn-progress-done" in final["text/html"] and 'class="dpn-stages"' not in final["text/html"]


def test_docs_card_links_through_the_lab(tmp_path):
    from dp_notebook.render.docs_card import DocsResult

    page = tmp_path / ".dp" / "docs" / "shop" / "index.html"
    model = {"product": {"id": "shop", "title": "Shop", "outputPorts": []}, "checks": [{"success": False, "severity": "warning"}, {"success": True}],
             "cost": {"total_monthly": 0.00003, "currency": "EUR"}}
    bundle = DocsResult(page, model, [])._repr_mimebundle_()
    html = bundle["text/html"]
    assert 'class="dpn-docs-link dpn-docs-product--shop dpn-docs-source--workspace"' in html and 'data-dpn-product="shop"' in html and 'data-dpn-source="workspace"' in html
    assert f'href="{page.as_uri()}"' in html  # the fallback outside JupyterLab
    assert "1 of 2 checks passing, 1 warning" in html and "&lt; €0.01" in html
    assert "checks: 1 of 2 passing, 1 warning(s)" in bundle["text/plain"]


def test_docs_route_finds_the_notebooks_workspace(tmp_path, monkeypatch):
    from dp_notebook.labserver import docs_dir

    monkeypatch.delenv("DP_NOTEBOOK_HOME", raising=False)
    (tmp_path / "team" / "sub").mkdir(parents=True)
    (tmp_path / "team" / ".dp").mkdir()
    assert docs_dir(tmp_path) == tmp_path / ".dp" / "docs"
    assert docs_dir(tmp_path, "team/sub") == tmp_path / "team" / ".dp" / "docs"
    assert docs_dir(tmp_path, "../../etc") == tmp_path / ".dp" / "docs"  # never above the root
    monkeypatch.setenv("DP_NOTEBOOK_HOME", str(tmp_path / "elsewhere"))
    assert docs_dir(tmp_path, "team") == Path(tmp_path / "elsewhere" / "docs").resolve()
