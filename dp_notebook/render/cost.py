"""The cost summary (``CostSummary.to_dict()``) as HTML and text: money in the currency's precision
(tiny amounts as ``< €0.01`` with the exact figure on hover), durations, bytes and counts in words,
a bar of monthly cost per port and, once there are several runs, the cost per run over time."""

from __future__ import annotations

from typing import Any

from . import format as fmt
from .charts import bar_chart, line_chart
from .html import card, esc, table, text_table


def _money(amount: Any, currency: str) -> str:
    """Money with the exact amount on hover when the shown one is rounded."""
    shown, exact = fmt.money(amount, currency), fmt.money(amount, currency, exact=True)
    return f'<span title="{esc(exact)}">{esc(shown)}</span>' if shown != exact else esc(shown)


def _schedule_text(cost: dict[str, Any]) -> str:
    runs = cost.get("runs_per_month") or 1
    if not cost.get("schedule"):
        return "no schedule: projected as one run a month"
    return f"{fmt.number(runs)} runs a month from schedule {cost['schedule']} (UTC)"


def cost_table_html(cost: dict[str, Any]) -> str:
    c = cost["currency"]
    pm = cost["price_model"]
    head = (
        f"<h4>Cost: {_money(cost['total_monthly'], c)} a month, projected</h4>"
        f'<div class="dpn-muted">{esc(_schedule_text(cost))}; compute {esc(fmt.money(pm["compute_per_hour"], c, exact=True))} per CPU-hour, '
        f'storage {esc(fmt.money(pm["storage_per_gb_month"], c, exact=True))} per GB-month</div>'
    )
    rows = [
        [f"<code>{esc(t['target'])}</code>", esc(fmt.duration(t["wall_s"])), esc(fmt.duration(t["cpu_s"])), esc(fmt.count(t.get("rows_scanned")) if t.get("rows_scanned") is not None else ""),
         esc(fmt.size(t.get("bytes_scanned")) if t.get("bytes_scanned") is not None else ""), esc(fmt.money(t["cost_per_run"], c, exact=True)), _money(t["monthly"], c)]
        for t in cost["transforms"]
    ]
    body = (
        table(["transform", "wall time", "CPU time", "rows scanned", "bytes scanned", "per run", "per month"], rows, raw=True, numeric=(1, 2, 3, 4, 5, 6))
        if rows else '<div class="dpn-muted">No transform runs measured yet.</div>'
    )
    if cost["storage"]:
        body += table(["port", "stored", "per month"], [[f"<code>{esc(s['port'])}</code>", esc(fmt.size(s["bytes"])), _money(s["monthly"], c)] for s in cost["storage"]], raw=True, numeric=(1, 2))
    if cost.get("price"):
        p = cost["price"]
        margin = cost.get("margin")
        price = fmt.money(p.get("priceAmount"), p.get("priceCurrency") or c) if isinstance(p.get("priceAmount"), (int, float)) else f"{p.get('priceAmount')} {p.get('priceCurrency', '')}"
        body += (
            f"<div>Consumer price <b>{esc(price)}</b> per {esc(p.get('priceUnit', ''))}; "
            + (f"margin <b>{_money(margin, c)}</b> {esc(cost.get('margin_note'))}" if margin is not None else f"no margin computed: {esc(cost.get('margin_note'))}")
            + "</div>"
        )
    return head + body


def cost_charts_html(cost: dict[str, Any]) -> str:
    c = cost["currency"]
    per_port: dict[str, float] = {}
    for t in cost["transforms"]:
        per_port[t["target"]] = per_port.get(t["target"], 0.0) + t["monthly"]
    for s in cost["storage"]:
        per_port[s["port"]] = per_port.get(s["port"], 0.0) + s["monthly"]
    money = lambda v: fmt.money(v, c, exact=True)  # noqa: E731
    charts = bar_chart(sorted(per_port.items(), key=lambda kv: -kv[1]), title="Monthly cost per port", value_format=money) if per_port else ""
    series: dict[str, list[float | None]] = {}
    for h in cost.get("history") or []:
        series.setdefault(h["target"], []).append(h["cost"])
    if any(len(v) > 1 for v in series.values()):
        width = max(len(v) for v in series.values())
        padded = {k: [None] * (width - len(v)) + v for k, v in series.items()}
        charts += line_chart(padded, title="Cost per run, oldest to latest", value_format=money, height=150)
    return f'<div class="dpn-charts">{charts}</div>' if charts else ""


def cost_html(cost: dict[str, Any]) -> str:
    return card(cost_table_html(cost) + cost_charts_html(cost))


def cost_text(cost: dict[str, Any]) -> str:
    """The same summary for terminals."""
    c = cost["currency"]
    lines = [f"cost of {cost['product']}: {fmt.money(cost['total_monthly'], c)} a month projected ({_schedule_text(cost)})"]
    rows = [[t["target"], fmt.duration(t["wall_s"]), fmt.duration(t["cpu_s"]), "" if t.get("rows_scanned") is None else fmt.count(t["rows_scanned"]),
             "" if t.get("bytes_scanned") is None else fmt.size(t["bytes_scanned"]), fmt.money(t["cost_per_run"], c, exact=True), fmt.money(t["monthly"], c)] for t in cost["transforms"]]
    if rows:
        lines.append(text_table(["transform", "wall", "cpu", "rows scanned", "bytes scanned", "per run", "per month"], rows))
    if cost["storage"]:
        lines.append(text_table(["port", "stored", "per month"], [[s["port"], fmt.size(s["bytes"]), fmt.money(s["monthly"], c)] for s in cost["storage"]]))
    if cost.get("price"):
        p = cost["price"]
        margin = cost.get("margin")
        lines.append(f"consumer price: {p.get('priceAmount')} {p.get('priceCurrency', '')} per {p.get('priceUnit', '')}; " + (f"margin {fmt.money(margin, c)} {cost.get('margin_note')}" if margin is not None else f"no margin computed: {cost.get('margin_note')}"))
    return "\n".join(lines)
