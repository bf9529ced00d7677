"""The product documentation page: one self-contained HTML file (inline CSS and SVG, no network).

Input (``doc``), every part but ``product`` optional::

    {"product": <product summary (spec/summary.py)>,
     "lineage": {"nodes": [{"id", "kind": input|model|port, "label"}], "edges": [{"from", "to"}],
                 "columns": {port: {column: [[table, column], ...]}}, "notes": [...]},
     "checks": [{"name", "target", "kind", "success", "unexpected_count", "unexpected_percent", "message"}],
     "quality_history": {"<port>: <slo>": [value, ...]},
     "cost": <CostSummary.to_dict()>,
     "examples": [{"title", "sql"}],
     "files": {"dps": rel path, "odps": rel path, "odcs": {port: rel path}},
     "generated_at": iso time}
"""

from __future__ import annotations

from typing import Any

from .charts import line_chart
from .cost import cost_charts_html, cost_table_html
from .html import badge, esc, table
from .lineage_svg import lineage_svg

PAGE_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa;font-size:14px;line-height:1.45}
header{background:#0d1117;color:#fff;padding:22px 32px}header h1{margin:0 0 4px;font-size:26px}
header .meta{color:#c9d1d9}header code{color:#fff;background:#30363d;padding:1px 5px;border-radius:4px}
main{max-width:1100px;margin:0 auto;padding:12px 24px 40px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 18px;margin:14px 0}
h2{font-size:18px;margin:0 0 8px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #eaeef2;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
pre{background:#f6f8fa;padding:8px 10px;border-radius:6px;overflow:auto}
.dpn-badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:11.5px;font-weight:600;margin-right:4px;background:#eaeef2;color:#1f2328}
.dpn-ok{background:#dafbe1;color:#116329}.dpn-fail{background:#ffebe9;color:#a40e26}.dpn-warn{background:#fff8c5;color:#7d4e00}.dpn-pii{background:#ffebe9;color:#a40e26}
.dpn-muted{color:#59636e}nav a{margin-right:14px;color:#0969da;text-decoration:none}
details summary{cursor:pointer;color:#0969da}
"""


def _port_section(port: dict[str, Any], files: dict[str, Any], examples: list[dict[str, Any]], column_lineage: dict[str, Any]) -> str:
    flags = badge(port.get("type") or "SQL") + badge(f"v{port.get('version')}")
    if port.get("containsPii"):
        flags += badge("contains PII", "pii")
    roles = ", ".join(port.get("rolesAllowed") or []) or "everyone in the mesh"
    out = [f"<h3>Output port <code>{esc(port['id'])}</code> {flags}</h3>"]
    if port.get("description"):
        out.append(f"<p>{esc(port['description'])}</p>")
    contract = (files.get("odcs") or {}).get(port["id"])
    contract_link = f' — <a href="{esc(contract)}">ODCS contract</a>' if contract else ""
    out.append(f"<div>contract <code>{esc(port.get('contractId'))}</code>{contract_link} · roles allowed: <b>{esc(roles)}</b></div>")
    out.append(f"<div>location <code>{esc(port['location'])}</code></div>")
    out.append(f"<pre>SELECT * FROM {esc(port['location'])} LIMIT 10;\n-- in a notebook of another product:\n%dataproduct use {esc(port.get('product', ''))}{'.' if port.get('product') else ''}{esc(port['id'])} --as {esc(port['id'])}</pre>")
    cols = port.get("columns") or []
    if cols:
        rows = []
        for c in cols:
            marks = (badge("PII", "pii") if c.get("pii") else "") + (badge("required") if c.get("required") else "") + (badge("unique") if c.get("unique") else "")
            src = column_lineage.get(c["name"]) if column_lineage else None
            lineage = ", ".join(f"{esc(t)}.{esc(col)}" for t, col in src) if src else ""
            rows.append([f"<code>{esc(c['name'])}</code>", esc(c.get("type")), f"<code>{esc(c.get('physicalType'))}</code>", esc(c.get("classification") or ""), marks, esc(c.get("description") or ""), lineage])
        tbl = table(["column", "type", "physical", "classification", "", "description", "comes from"], rows, raw=True)
        out.append(tbl if len(cols) <= 40 else f"<details><summary>{len(cols)} columns</summary>{tbl}</details>")
    mine = [e for e in examples if port["id"] in e.get("sql", "") or port["location"] in e.get("sql", "")]
    for ex in mine:
        out.append(f"<div class=\"dpn-muted\">{esc(ex.get('title') or 'example query')}</div><pre>{esc(ex['sql'])}</pre>")
    return "".join(out)


def _checks_section(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return "<p class=\"dpn-muted\">No checks have run yet.</p>"
    status = {id(c): c.get("status") or ("passed" if c.get("success") else "failed" if (c.get("severity") or "error") == "error" else "warning") for c in checks}
    failed = [c for c in checks if status[id(c)] == "failed"]
    warned = [c for c in checks if status[id(c)] == "warning"]
    head = badge(f"{len(failed)} failing", "fail") if failed else (badge(f"{len(warned)} warning", "warn") if warned else badge("all passed", "ok"))
    rows = []
    pills = {"passed": badge("ok", "ok"), "warning": badge("warning", "warn"), "failed": badge("fail", "fail")}
    for c in sorted(checks, key=lambda c: (c.get("success", False), c.get("target", ""), c.get("kind", ""))):
        pct = c.get("unexpected_percent")
        rows.append([
            pills[status[id(c)]], esc(c.get("kind")), f"<code>{esc(c.get('target'))}</code>",
            esc(c.get("name")), esc("" if c.get("unexpected_count") is None else c.get("unexpected_count")), esc("" if pct is None else f"{pct:.2f}%"), esc(c.get("message") or ""),
        ])
    return f"<div>{head} {len(checks)} checks</div>" + table(["", "kind", "target", "check", "unexpected", "%", "details"], rows, raw=True)


def render_product_page(doc: dict[str, Any]) -> str:
    """The full documentation page of one product."""
    p = doc["product"]
    files = doc.get("files") or {}
    examples = doc.get("examples") or []
    lineage = doc.get("lineage") or {}
    col_lineage = lineage.get("columns") or {}
    meta = " · ".join(
        esc(x) for x in [f"owner {p.get('owner')}" if p.get("owner") else None, f"domain {p.get('domain')}" if p.get("domain") else None, f"schedule {p.get('schedule')}" if p.get("schedule") else None] if x
    )
    badges = "".join(badge(f"{k}: {p[k]}") for k in ("status", "archetype", "maturity") if p.get(k)) + "".join(badge(t) for t in p.get("tags") or [])
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{esc(p.get('title'))} — data product</title>",
        f"<style>{PAGE_CSS}</style></head><body>",
        f"<header><h1>{esc(p.get('title'))}</h1><div class=\"meta\"><code>{esc(p['id'])}</code> · {meta}</div><div style=\"margin-top:6px\">{badges}</div></header><main>",
        "<nav><a href=\"#ports\">Output ports</a><a href=\"#inputs\">Input ports</a><a href=\"#lineage\">Lineage</a><a href=\"#quality\">Quality</a><a href=\"#cost\">Cost</a><a href=\"#specs\">Specifications</a></nav>",
    ]
    if p.get("description"):
        parts.append(f"<section><h2>About</h2><p>{esc(p['description'])}</p></section>")
    ports_html = "".join(_port_section(dict(port, product=p["id"]), files, examples, col_lineage.get(port["id"]) or {}) for port in p.get("outputPorts") or [])
    parts.append(f"<section id=\"ports\"><h2>Output ports</h2>{ports_html or '<p class=dpn-muted>No output ports.</p>'}</section>")
    inputs = p.get("inputPorts") or []
    if inputs:
        rows = [[f"<code>{esc(i['id'])}</code>", esc(i.get("type") or ""), esc(i.get("sourceSystemId") or ""), esc(i.get("contractId") or ""), esc(i.get("description") or "")] for i in inputs]
        parts.append("<section id=\"inputs\"><h2>Input ports</h2>" + table(["id", "type", "source", "contract", "description"], rows, raw=True) + "</section>")
    else:
        parts.append("<section id=\"inputs\"><h2>Input ports</h2><p class=\"dpn-muted\">None declared.</p></section>")
    if lineage.get("nodes"):
        notes = "".join(f"<div class=\"dpn-muted\">{esc(n)}</div>" for n in lineage.get("notes") or [])
        parts.append(f"<section id=\"lineage\"><h2>Lineage</h2>{lineage_svg(lineage)}{notes}<div class=\"dpn-muted\">Column-level lineage: the “comes from” column of each port's schema.</div></section>")
    else:
        parts.append("<section id=\"lineage\"><h2>Lineage</h2><p class=\"dpn-muted\">No transforms have run yet.</p></section>")
    trend = ""
    for name, values in (doc.get("quality_history") or {}).items():
        if len(values) > 1:
            trend += line_chart({name: values}, title=f"SLO trend — {name}", height=120)
    parts.append(f"<section id=\"quality\"><h2>Tests and quality</h2>{_checks_section(doc.get('checks') or [])}{trend}</section>")
    cost = doc.get("cost")
    parts.append("<section id=\"cost\"><h2>Cost</h2>" + (cost_table_html(cost) + cost_charts_html(cost) if cost else "<p class=\"dpn-muted\">No cost measured yet.</p>") + "</section>")
    links = []
    for key, label in (("dps", "Data Product Specification (DPS 0.0.1)"), ("odps", "Open Data Product Standard (ODPS v1)")):
        if files.get(key):
            links.append(f"<li><a href=\"{esc(files[key])}\">{esc(label)}</a></li>")
    for port_id, rel in (files.get("odcs") or {}).items():
        links.append(f"<li><a href=\"{esc(rel)}\">ODCS data contract of {esc(port_id)}</a></li>")
    parts.append("<section id=\"specs\"><h2>Specifications</h2>" + (f"<ul>{''.join(links)}</ul>" if links else "<p class=\"dpn-muted\">Not exported.</p>") + "</section>")
    parts.append(f"<p class=\"dpn-muted\">Generated by dp-notebook at {esc(doc.get('generated_at', ''))}.</p></main></body></html>\n")
    return "".join(parts)
