"""Table-level lineage as an inline SVG: inputs | models | ports in columns, arrows between.
Colours come from the components' stylesheet (``dpn.css``), so the graph follows the theme."""

from __future__ import annotations

from typing import Any

from .html import esc

_KINDS = ("input", "model", "port")


def lineage_svg(graph: dict[str, Any], *, width: int = 900) -> str:
    nodes = graph.get("nodes") or []
    if not nodes:
        return ""
    columns: dict[str, list[dict[str, Any]]] = {k: [] for k in _KINDS}
    for n in nodes:
        columns.setdefault(n["kind"], []).append(n)
    kinds = [k for k in columns if columns[k]]
    box_w, box_h, gap = 200, 30, 14
    width = max(width if len(kinds) > 2 else 0, 40 + box_w * len(kinds) + 80 * (len(kinds) - 1))
    col_x = {k: 20 + i * ((width - box_w - 40) / max(1, len(kinds) - 1)) if len(kinds) > 1 else 20 for i, k in enumerate(kinds)}
    rows = max(len(columns[k]) for k in kinds)
    height = 40 + rows * (box_h + gap)
    pos = {}
    for k in kinds:
        for i, n in enumerate(columns[k]):
            pos[n["id"]] = (col_x[k], 30 + i * (box_h + gap))
    out = [f'<svg class="dpn-chart dpn-lineage" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" viewBox="0 0 {width:.0f} {height}" role="img" aria-label="lineage">']
    out.append('<defs><marker id="dpn-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="dpn-arrow" d="M0,0 L10,5 L0,10 z"/></marker></defs>')
    for k in kinds:
        out.append(f'<text x="{col_x[k]:.0f}" y="18">{esc(k + "s")}</text>')
    for e in graph.get("edges") or []:
        if e["from"] not in pos or e["to"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        sx, sy, tx, ty = x1 + box_w, y1 + box_h / 2, x2, y2 + box_h / 2
        mid = (sx + tx) / 2
        out.append(f'<path class="dpn-edge" d="M{sx:.0f},{sy:.0f} C{mid:.0f},{sy:.0f} {mid:.0f},{ty:.0f} {tx - 2:.0f},{ty:.0f}" marker-end="url(#dpn-arrow)"/>')
    for n in nodes:
        x, y = pos[n["id"]]
        label = n.get("label") or n["id"]
        short = label if len(label) <= 26 else label[:25] + "…"
        out.append(
            f'<g class="dpn-node dpn-node-{esc(n["kind"])}"><title>{esc(n["kind"])} {esc(label)}</title>'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="6"/>'
            f'<text x="{x + 10:.0f}" y="{y + 19:.0f}">{esc(short)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
