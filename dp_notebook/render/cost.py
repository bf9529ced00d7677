"""The cost summary as HTML: tables, a bar of cost per port, a line of cost per run."""

from __future__ import annotations

from typing import Any

from .charts import bar_chart, line_chart
from .html import card, esc, table


def cost_table_html(cost: dict[str, Any]) -> str:
    c = cost["currency"]
    total = f"{cost['total_monthly']:.4f}"
    runs = f"{cost['runs_per_month']:g}"
    head = (
        f"<h4>Cost: {esc(total)} {esc(c)}/month projected</h4>"
        f"<div class=\"dpn-muted\">{esc(runs)} runs/month from schedule "
        f"<code>{esc(cost['schedule'] or 'none (1 run)')}</code>; compute {esc(cost['price_model']['compute_per_hour'])} {esc(c)}/CPU-hour, "
        f"storage {esc(cost['price_model']['storage_per_gb_month'])} {esc(c)}/GB-month</div>"
    )
    rows = [[t["target"], f"{t['wall_s']:.3f}s", f"{t['cpu_s']:.3f}s", t.get("rows_scanned") or "", t.get("bytes_scanned") or "", f"{t['cost_per_run']:.6f}", f"{t['monthly']:.4f}"] for t in cost["transforms"]]
    body = table(["transform", "wall", "CPU", "rows scanned", "bytes scanned", f"{c}/run", f"{c}/month"], rows) if rows else "<div class=\"dpn-muted\">no transform runs measured yet</div>"
    if cost["storage"]:
        body += table(["port", "bytes", f"{c}/month"], [[s["port"], s["bytes"], f"{s['monthly']:.6f}"] for s in cost["storage"]])
    if cost.get("price"):
        p = cost["price"]
        margin = cost.get("margin")
        margin_text = "" if margin is None else f"{margin:.4f}"
        body += (
            f"<div>consumer price <b>{esc(p.get('priceAmount'))} {esc(p.get('priceCurrency', ''))}</b> per {esc(p.get('priceUnit', ''))}; margin: "
            + (f"<b>{esc(margin_text)} {esc(c)}</b> {esc(cost.get('margin_note'))}" if margin is not None else esc(cost.get("margin_note")))
            + "</div>"
        )
    return head + body


def cost_charts_html(cost: dict[str, Any]) -> str:
    per_port: dict[str, float] = {}
    for t in cost["transforms"]:
        per_port[t["target"]] = per_port.get(t["target"], 0.0) + t["monthly"]
    for s in cost["storage"]:
        per_port[s["port"]] = per_port.get(s["port"], 0.0) + s["monthly"]
    charts = bar_chart(sorted(per_port.items(), key=lambda kv: -kv[1]), title=f"monthly cost per port ({cost['currency']})")
    series: dict[str, list[float | None]] = {}
    for h in cost.get("history") or []:
        series.setdefault(h["target"], []).append(h["cost"])
    if any(len(v) > 1 for v in series.values()):
        width = max(len(v) for v in series.values())
        padded = {k: [None] * (width - len(v)) + v for k, v in series.items()}
        charts += line_chart(padded, title=f"cost per run ({cost['currency']})")
    return charts


def cost_html(cost: dict[str, Any]) -> str:
    return card(cost_table_html(cost) + cost_charts_html(cost))
