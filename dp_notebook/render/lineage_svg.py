"""Table-level lineage as an inline SVG: inputs | models | ports in three columns, arrows between."""

from __future__ import annotations

from typing import Any

from .html import esc

_FILL = {"input": "#ddf4ff", "model": "#fff8c5", "port": "#dafbe1"}
_STROKE = {"input": "#54aeff", "model": "#d4a72c", "port": "#4ac26b"}


def lineage_svg(graph: dict[str, Any], *, width: int = 900) -> str:
    nodes = graph.get("nodes") or []
    if not nodes:
        return ""
    columns = {"input": [], "model": [], "port": []}
    for n in nodes:
        columns.setdefault(n["kind"], []).append(n)
    kinds = [k for k in ("input", "model", "port") if columns.get(k)]
    box_w, box_h, gap = 200, 30, 14
    col_x = {k: 20 + i * ((width - box_w - 40) / max(1, len(kinds) - 1)) if len(kinds) > 1 else 20 for i, k in enumerate(kinds)}
    rows = max(len(columns[k]) for k in kinds)
    height = 40 + rows * (box_h + gap)
    pos = {}
    for k in kinds:
        for i, n in enumerate(columns[k]):
            pos[n["id"]] = (col_x[k], 30 + i * (box_h + gap))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="lineage">']
    out.append('<defs><marker id="dpn-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6e7781"/></marker></defs>')
    for k in kinds:
        out.append(f'<text x="{col_x[k]:.0f}" y="18" font-size="11" fill="#59636e">{esc(k + "s")}</text>')
    for e in graph.get("edges") or []:
        if e["from"] not in pos or e["to"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        sx, sy, tx, ty = x1 + box_w, y1 + box_h / 2, x2, y2 + box_h / 2
        mid = (sx + tx) / 2
        out.append(f'<path d="M{sx:.0f},{sy:.0f} C{mid:.0f},{sy:.0f} {mid:.0f},{ty:.0f} {tx - 2:.0f},{ty:.0f}" fill="none" stroke="#6e7781" stroke-width="1.4" marker-end="url(#dpn-arrow)"/>')
    for n in nodes:
        x, y = pos[n["id"]]
        label = n.get("label") or n["id"]
        short = label if len(label) <= 28 else label[:27] + "…"
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="6" fill="{_FILL.get(n["kind"], "#eee")}" stroke="{_STROKE.get(n["kind"], "#999")}"/>')
        out.append(f'<text x="{x + 10:.0f}" y="{y + 19:.0f}" font-size="12" font-family="ui-monospace,monospace" fill="#1f2328">{esc(short)}<title>{esc(label)}</title></text>')
    out.append("</svg>")
    return "".join(out)
