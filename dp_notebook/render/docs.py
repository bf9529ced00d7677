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

from . import format as fmt
from .charts import line_chart
from .checks import checks_table_html, summary_badges
from .cost import cost_charts_html, cost_table_html
from .html import badge, component_css, esc, table, time_html
from .lineage_svg import lineage_svg
from .quality import slo_kind, trend_charts_html, value_formatter

PAGE_CSS = """
html,body{margin:0}body.dpn{background:var(--dpn-bg);font-size:14px;line-height:1.5}
body.dpn>header{background:var(--dpn-bg2);border-bottom:1px solid var(--dpn-border);padding:20px 32px}
body.dpn>header h1{margin:0 0 4px;font-size:26px;color:var(--dpn-fg)}
body.dpn main{max-width:1100px;margin:0 auto;padding:12px 24px 40px}
body.dpn section{border:1px solid var(--dpn-border);border-radius:8px;padding:14px 18px;margin:14px 0;background:var(--dpn-bg)}
body.dpn h2{font-size:18px;margin:0 0 8px}body.dpn h3{font-size:15px;margin:14px 0 6px}
body.dpn nav a{margin-right:14px}
body.dpn input[type=search]{font:inherit;font-size:15px;padding:6px 10px;width:100%;box-sizing:border-box;color:var(--dpn-fg);background:var(--dpn-input-bg);border:1px solid var(--dpn-input-border);border-radius:6px}
"""

# ?theme=dark|light picks a theme (the lab extension passes JupyterLab's); otherwise the system's
THEME_JS = (
    "(function(){var t=new URLSearchParams(location.search).get('theme');"
    "if(t==='dark'||t==='light'){document.documentElement.classList.add('dpn-'+t);}})();"
)


def page_head(title: str) -> str:
    """``<head>`` of a standalone page: the components' stylesheet, the page layout, the theme switch."""
    return (
        '<!DOCTYPE html><html lang="en" class="dpn-page"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>{esc(title)}</title>'
        f"<style>{component_css()}{PAGE_CSS}</style><script>{THEME_JS}</script></head>"
    )


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
    out.append(f"<pre>SELECT * FROM {esc(port['location'])} LIMIT 10;\n-- in a notebook of another product:\n%dataproduct use {esc(port.get('product', ''))}{'.' if port.get('product') else ''}{esc(port['id'])} --as {esc(port['id'])}{esc(' --role ' + port['rolesAllowed'][0]) if port.get('rolesAllowed') else ''}</pre>")
    cols = port.get("columns") or []
    if cols:
        rows = []
        for c in cols:
            marks = (badge("PII", "pii") if c.get("pii") else "") + (badge("required") if c.get("required") else "") + (badge("unique") if c.get("unique") else "")
            src = column_lineage.get(c["name"]) if column_lineage else None
            lineage = ", ".join(f"{esc(t)}.{esc(col)}" for t, col in src) if src else ""
            rows.append([f"<code>{esc(c['name'])}</code>", esc(c.get("type")), f"<code>{esc(c.get('physicalType'))}</code>", esc(c.get("classification") or ""), marks, esc(c.get("description") or ""), lineage])
        tbl = table(["column", "type", "physical", "classification", "", "description", "comes from"], rows, raw=True, wrap=(5,))
        out.append(tbl if len(cols) <= 40 else f"<details><summary>{len(cols)} columns</summary>{tbl}</details>")
    mine = [e for e in examples if port["id"] in e.get("sql", "") or port["location"] in e.get("sql", "")]
    for ex in mine:
        out.append(f"<div class=\"dpn-muted\">{esc(ex.get('title') or 'example query')}</div><pre>{esc(ex['sql'])}</pre>")
    return "".join(out)


def _checks_section(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return "<p class=\"dpn-muted\">No checks have run yet.</p>"
    return f"<div>{summary_badges(checks)} <span class=\"dpn-muted\">{esc(fmt.count(len(checks), 'check'))}</span></div>" + checks_table_html(checks)


def _quality_section(history: dict[str, Any], thresholds: dict[str, Any]) -> str:
    """Trends from ``{label: [value, ...]}`` (index on x) or ``{label: [{"at", "value", "success"}, ...]}``."""
    series, legacy = {}, ""
    for name, values in history.items():
        if values and isinstance(values[0], dict):
            kind = slo_kind(name.split(": ", 1)[-1])
            series[name] = {"kind": kind, "points": values, "threshold": thresholds.get(name) or {}}
        else:
            legacy += line_chart({name: values}, title=f"SLO trend — {name}", height=120, value_format=value_formatter(slo_kind(name.split(": ", 1)[-1])))
    charts = trend_charts_html(series) + (f'<div class="dpn-charts">{legacy}</div>' if legacy else "")
    return f"<h3>SLO trends</h3>{charts}" if charts else ""


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
        page_head(f"{p.get('title')} — data product"),
        "<body class=\"dpn\">",
        f"<header><h1>{esc(p.get('title'))}</h1><div class=\"meta dpn-muted\"><code>{esc(p['id'])}</code> · {meta}</div><div style=\"margin-top:6px\">{badges}</div></header><main>",
        "<nav><a href=\"#ports\">Output ports</a><a href=\"#inputs\">Input ports</a><a href=\"#lineage\">Lineage</a><a href=\"#quality\">Quality</a><a href=\"#cost\">Cost</a><a href=\"#specs\">Specifications</a></nav>",
    ]
    if p.get("description"):
        parts.append(f"<section><h2>About</h2><p>{esc(p['description'])}</p></section>")
    ports_html = "".join(_port_section(dict(port, product=p["id"]), files, examples, col_lineage.get(port["id"]) or {}) for port in p.get("outputPorts") or [])
    parts.append(f"<section id=\"ports\"><h2>Output ports</h2>{ports_html or '<p class=dpn-muted>No output ports.</p>'}</section>")
    inputs = p.get("inputPorts") or []
    if inputs:
        rows = [[f"<code>{esc(i['id'])}</code>", esc(i.get("type") or ""), esc(i.get("sourceSystemId") or ""), esc(i.get("contractId") or ""), esc(i.get("description") or "")] for i in inputs]
        parts.append("<section id=\"inputs\"><h2>Input ports</h2>" + table(["id", "type", "source", "contract", "description"], rows, raw=True, wrap=(4,)) + "</section>")
    else:
        parts.append("<section id=\"inputs\"><h2>Input ports</h2><p class=\"dpn-muted\">None declared.</p></section>")
    if lineage.get("nodes"):
        notes = "".join(f"<div class=\"dpn-muted\">{esc(n)}</div>" for n in lineage.get("notes") or [])
        parts.append(f"<section id=\"lineage\"><h2>Lineage</h2><div class=\"dpn-scroll\">{lineage_svg(lineage)}</div>{notes}<div class=\"dpn-muted\">Column-level lineage: the “comes from” column of each port's schema.</div></section>")
    else:
        parts.append("<section id=\"lineage\"><h2>Lineage</h2><p class=\"dpn-muted\">No transforms have run yet.</p></section>")
    trend = _quality_section(doc.get("quality_history") or {}, doc.get("quality_thresholds") or {})
    parts.append(f"<section id=\"quality\"><h2>Tests and quality</h2>{_checks_section(doc.get('checks') or [])}{trend}</section>")
    cost = doc.get("cost")
    parts.append("<section id=\"cost\"><h2>Cost</h2>" + (cost_table_html(cost).replace("<h4>", "<h3>", 1).replace("</h4>", "</h3>", 1) + cost_charts_html(cost) if cost else "<p class=\"dpn-muted\">No cost measured yet.</p>") + "</section>")
    links = []
    for key, label in (("dps", "Data Product Specification (DPS 0.0.1)"), ("odps", "Open Data Product Standard (ODPS v1)")):
        if files.get(key):
            links.append(f"<li><a href=\"{esc(files[key])}\">{esc(label)}</a></li>")
    for port_id, rel in (files.get("odcs") or {}).items():
        links.append(f"<li><a href=\"{esc(rel)}\">ODCS data contract of {esc(port_id)}</a></li>")
    parts.append("<section id=\"specs\"><h2>Specifications</h2>" + (f"<ul>{''.join(links)}</ul>" if links else "<p class=\"dpn-muted\">Not exported.</p>") + "</section>")
    parts.append(f"<p class=\"dpn-muted\">Generated by dp-notebook on {time_html(doc.get('generated_at'), relative=False)}.</p></main></body></html>\n")
    return "".join(parts)
