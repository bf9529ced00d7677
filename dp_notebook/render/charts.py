"""Small inline SVG charts (no JavaScript, no CDN): they render in notebooks, nbconvert HTML and docs.

Colours and fonts come from the components' stylesheet (``dpn.css``) through classes, so a chart
follows the light or dark theme around it. Honest by construction: a trend has time on x, the
threshold it is held to, and each point marked passed or failed; one point is a sentence, not a
chart::

    trend_chart([{"at": "2026-11-01T03:00:00Z", "value": 1480, "success": True}, ...],
                title="orders_v1: rowCount", threshold={"min": 1000}, unit="rows")
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from . import format as fmt
from .html import esc

Formatter = Callable[[float], str]


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]`` (1, 2, 2.5, 5 × 10^k steps)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 12))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


# The image twin of a chart, for notebooks opened untrusted: JupyterLab's sanitizer drops inline
# <svg> (and would leave its labels as loose text) but keeps <img src="data:...">. The twin carries
# its own light palette on a white ground (an image cannot see the theme's variables).
_IMG_CSS = (
    "text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:11px;fill:#59636e}"
    ".dpn-chart-title{fill:#1f2328;font-size:12px;font-weight:600}.dpn-chart-value{fill:#1f2328}"
    ".dpn-axis{stroke:#d0d7de}.dpn-grid{stroke:#d0d7de;stroke-dasharray:2 3}.dpn-threshold{stroke:#a40e26;stroke-dasharray:5 3}"
    ".dpn-threshold-label{fill:#a40e26}.dpn-pt-ok{fill:#116329}.dpn-pt-fail{fill:#a40e26}.dpn-pt-warn{fill:#7d4e00}.dpn-line{fill:none;stroke-width:2}"
    ".dpn-s0{stroke:#0969da}.dpn-s1{stroke:#bf3989}.dpn-s2{stroke:#1a7f37}.dpn-s3{stroke:#9a6700}.dpn-s4{stroke:#8250df}.dpn-s5{stroke:#1b7c83}"
    "rect.dpn-s0{fill:#0969da;stroke:none}rect.dpn-s1{fill:#bf3989;stroke:none}rect.dpn-s2{fill:#1a7f37;stroke:none}"
    "rect.dpn-s3{fill:#9a6700;stroke:none}rect.dpn-s4{fill:#8250df;stroke:none}rect.dpn-s5{fill:#1b7c83;stroke:none}"
    ".dpn-node rect{stroke:#d0d7de}.dpn-node-input rect{fill:#ddf4ff}.dpn-node-model rect{fill:#fff8c5}.dpn-node-port rect{fill:#dafbe1}"
    ".dpn-node text{fill:#1f2328;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}.dpn-edge{fill:none;stroke:#6e7781;stroke-width:1.4}.dpn-arrow{fill:#6e7781}"
)


def figure(svg: str, title: str = "") -> str:
    """``svg`` inline (themed by dpn.css) with its image twin for untrusted notebooks (see above);
    the stylesheet shows the twin only where the inline SVG was removed."""
    head, sep, rest = svg.partition(">")
    twin = f'{head}{sep}<style>{_IMG_CSS}</style><rect width="100%" height="100%" fill="#ffffff"/>{rest}'
    data = base64.b64encode(twin.encode("utf-8")).decode("ascii")
    return f'<div class="dpn-figure">{svg}<img class="dpn-figure-img" alt="{esc(title or "chart")}" src="data:image/svg+xml;base64,{data}"></div>'


def _svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="dpn-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">'
        + (f'<text class="dpn-chart-title" x="0" y="13">{esc(title)}</text>' if title else "")
    )


def _empty(title: str, sentence: str) -> str:
    return f'<div class="dpn-muted dpn-chart-empty">{esc(title) + ": " if title else ""}{esc(sentence)}</div>'


def line_chart(
    series: dict[str, Sequence[float | None]],
    *,
    labels: Sequence[str] = (),
    width: int = 560,
    height: int = 160,
    title: str = "",
    value_format: Formatter | None = None,
    inline_only: bool = False,
) -> str:
    """One line per series over a shared index axis (``labels`` name the first and last point);
    ``None`` values leave gaps. One value per series is said in words, not drawn."""
    value_format = value_format or fmt.number
    values = [v for vs in series.values() for v in vs if v is not None]
    if not values:
        return _empty(title, "no data yet")
    n = max(len(vs) for vs in series.values())
    if n == 1:
        said = "; ".join(f"{name} {value_format(vs[0])}" for name, vs in series.items() if vs and vs[0] is not None)
        return _empty(title, f"one value so far ({said}); a trend appears after the next run")
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    tick_w = max(len(value_format(t)) for t in ticks) * 6.5 + 10
    left, right, top, bottom = tick_w, 12, 24, 22
    w, h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + w * i / (n - 1)

    def y(v: float) -> float:
        return top + h - (v - lo) / (hi - lo) * h

    parts = [_svg_open(width, height, title)]
    for t in ticks:
        parts.append(f'<line class="dpn-grid" x1="{left}" x2="{left + w}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        parts.append(f'<text x="{left - 6:.0f}" y="{y(t) + 4:.1f}" text-anchor="end">{esc(value_format(t))}</text>')
    parts.append(f'<line class="dpn-axis" x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}"/>')
    if labels:
        parts.append(f'<text x="{left}" y="{height - 4}">{esc(labels[0])}</text>')
        parts.append(f'<text x="{left + w}" y="{height - 4}" text-anchor="end">{esc(labels[-1])}</text>')
    for k, (name, vs) in enumerate(series.items()):
        cls = f"dpn-s{k % 6}"
        segment: list[str] = []
        for i, v in enumerate(list(vs) + [None]):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline class="dpn-line {cls}" points="{" ".join(segment)}"/>')
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle class="dpn-line {cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5"><title>{esc(name)}: {esc(value_format(v))}</title></circle>')
        if len(series) > 1:
            parts.append(f'<text class="dpn-chart-value" x="{left + w}" y="{12 * (k + 1)}" text-anchor="end">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts) if inline_only else figure("".join(parts), title)


def _time_ticks(t0: datetime, t1: datetime, n: int = 4) -> tuple[list[datetime], str]:
    """Round moments between ``t0`` and ``t1`` and the strftime pattern to label them."""
    span = (t1 - t0).total_seconds()
    steps = [(60, "%H:%M"), (300, "%H:%M"), (900, "%H:%M"), (3600, "%H:%M"), (3 * 3600, "%d %b %H:%M"), (6 * 3600, "%d %b %H:%M"),
             (86400, "%d %b"), (2 * 86400, "%d %b"), (7 * 86400, "%d %b"), (14 * 86400, "%d %b"), (30 * 86400, "%b %Y"), (91 * 86400, "%b %Y"), (365 * 86400, "%Y")]
    step, pattern = next(((s, p) for s, p in steps if span / s <= n), steps[-1])
    local0 = t0.astimezone()
    epoch = local0.timestamp()
    offset = local0.utcoffset().total_seconds() if local0.utcoffset() else 0
    first = math.ceil((epoch + offset) / step) * step - offset
    ticks = []
    v = first
    while v <= t1.timestamp() + 1e-6:
        ticks.append(datetime.fromtimestamp(v).astimezone())
        v += step
    return ticks, pattern


def trend_chart(
    points: Sequence[dict[str, Any]],
    *,
    title: str = "",
    threshold: dict[str, Any] | None = None,
    unit: str = "",
    value_format: Formatter | None = None,
    width: int = 400,
    height: int = 150,
    inline_only: bool = False,
) -> str:
    """An SLO's values over time: ``points`` are ``{"at", "value", "success"}``; ``threshold`` is
    ``{"min": v}`` and/or ``{"max": v}`` (drawn as a dashed line the points are judged by)."""
    value_format = value_format or (lambda v: fmt.number(v))
    threshold = {k: v for k, v in (threshold or {}).items() if k in ("min", "max") and v is not None}
    pts = []
    for p in points:
        t = fmt.parse_time(p.get("at"))
        v = p.get("value")
        if t is not None and v is not None and not (isinstance(v, float) and math.isnan(v)):
            pts.append((t, float(v), p.get("success")))
    pts.sort(key=lambda p: p[0])
    if not pts:
        return _empty(title, "no measurements yet")
    limit = " and ".join(f"{'at least' if k == 'min' else 'at most'} {value_format(v)}" for k, v in threshold.items())
    if len(pts) == 1:
        t, v, ok = pts[0]
        verdict = "" if ok is None else (", passed" if ok else ", failed")
        need = f" (needs {limit})" if limit else ""
        return _empty(title, f"one measurement so far: {value_format(v)}{' ' + unit if unit else ''}{need} on {fmt.local_text(t)}{verdict}; the trend appears after the next check")
    values = [v for _, v, _ in pts] + list(threshold.values())
    ticks = nice_ticks(min(values), max(values), 3)
    lo, hi = ticks[0], ticks[-1]
    tick_w = max(len(value_format(t)) for t in ticks) * 6.5 + 10
    left, right, top, bottom = tick_w, 14, 24, 22
    w, h = width - left - right, height - top - bottom
    t0, t1 = pts[0][0], pts[-1][0]
    if t1 == t0:
        t0, t1 = t0 - timedelta(minutes=1), t1 + timedelta(minutes=1)
    span = (t1 - t0).total_seconds()

    def x(t: datetime) -> float:
        return left + w * (t - t0).total_seconds() / span

    def y(v: float) -> float:
        return top + h - (v - lo) / (hi - lo) * h

    parts = [_svg_open(width, height, title)]
    if unit:
        parts.append(f'<text x="{width - right}" y="13" text-anchor="end">{esc(unit)}</text>')
    for t in ticks:
        parts.append(f'<line class="dpn-grid" x1="{left}" x2="{left + w}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        parts.append(f'<text x="{left - 6:.0f}" y="{y(t) + 4:.1f}" text-anchor="end">{esc(value_format(t))}</text>')
    parts.append(f'<line class="dpn-axis" x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}"/>')
    xticks, pattern = _time_ticks(t0, t1)
    last_x = -1e9
    for t in xticks:
        xx = x(t)
        if xx - last_x < 60 or xx > left + w + 0.5:
            continue
        last_x = xx
        parts.append(f'<line class="dpn-axis" x1="{xx:.1f}" x2="{xx:.1f}" y1="{top + h}" y2="{top + h + 4}"/>')
        parts.append(f'<text x="{xx:.1f}" y="{height - 4}" text-anchor="middle">{esc(t.strftime(pattern))}</text>')
    if last_x < 0:  # all points within a minute or so: label the first and the last moment
        t_first, t_last = pts[0][0].astimezone(), pts[-1][0].astimezone()
        for t, anchor, xx in ((t_first, "start", left), (t_last, "end", left + w)):
            parts.append(f'<text x="{xx:.1f}" y="{height - 4}" text-anchor="{anchor}">{esc(t.strftime("%d %b %H:%M:%S"))}</text>')
    for kind, v in threshold.items():
        parts.append(f'<line class="dpn-threshold" x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}"><title>{esc(kind)} {esc(value_format(v))}</title></line>')
        label_y = y(v) - 4 if kind == "min" else y(v) + 12
        parts.append(f'<text class="dpn-threshold-label" x="{left + 4}" y="{label_y:.1f}">{esc(kind)} {esc(value_format(v))}</text>')
    coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v, _ in pts)
    parts.append(f'<polyline class="dpn-line dpn-s0" points="{coords}"/>')
    for t, v, ok in pts:
        cls = "dpn-pt-ok" if ok else ("dpn-pt-fail" if ok is not None else "dpn-pt-warn")
        verdict = "passed" if ok else ("failed" if ok is not None else "")
        tip = f"{fmt.utc_text(t)}: {value_format(v)}{' ' + unit if unit else ''} {verdict}".strip()
        shape = f'<circle class="{cls}" cx="{x(t):.1f}" cy="{y(v):.1f}" r="4">' if ok or ok is None else (
            f'<rect class="{cls}" x="{x(t) - 4:.1f}" y="{y(v) - 4:.1f}" width="8" height="8">')
        parts.append(shape + f"<title>{esc(tip)}</title>" + ("</circle>" if ok or ok is None else "</rect>"))
    parts.append("</svg>")
    return "".join(parts) if inline_only else figure("".join(parts), title)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    width: int = 560,
    title: str = "",
    unit: str = "",
    value_format: Formatter | None = None,
    inline_only: bool = False,
) -> str:
    """Horizontal bars, one per ``(label, value)``, the value written beside each bar."""
    value_format = value_format or (lambda v: fmt.number(v) + (unit or ""))
    if not items:
        return _empty(title, "no data yet")
    top, row = 24, 22
    height = top + row * len(items) + 4
    longest = max(len(label) for label, _ in items)
    label_w = min(220, max(60, longest * 7 + 12))
    value_w = max(len(value_format(v)) for _, v in items) * 7 + 12
    w = max(60, width - label_w - value_w)
    hi = max((v for _, v in items), default=0) or 1.0
    parts = [_svg_open(width, height, title)]
    for i, (label, value) in enumerate(items):
        yy = top + i * row
        bw = max(1.0, w * max(0.0, value) / hi)
        short = label if len(label) * 7 + 12 <= label_w else label[: max(1, (label_w - 12) // 7 - 1)] + "…"
        parts.append(f'<text class="dpn-chart-value" x="{label_w - 8}" y="{yy + 14}" text-anchor="end">{esc(short)}<title>{esc(label)}</title></text>')
        parts.append(f'<rect class="dpn-s{i % 6}" x="{label_w}" y="{yy + 3}" width="{bw:.1f}" height="14" rx="2"><title>{esc(label)}: {esc(value_format(value))}</title></rect>')
        parts.append(f'<text x="{label_w + bw + 5:.1f}" y="{yy + 14}">{esc(value_format(value))}</text>')
    parts.append("</svg>")
    return "".join(parts) if inline_only else figure("".join(parts), title)
