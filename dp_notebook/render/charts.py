"""Small inline SVG charts (no JavaScript, no CDN): they render in notebooks, nbconvert HTML and docs."""

from __future__ import annotations

from collections.abc import Sequence

from .html import esc

_COLORS = ["#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#1b7c83", "#6e7781"]


def line_chart(series: dict[str, Sequence[float | None]], *, labels: Sequence[str] = (), width: int = 560, height: int = 160, title: str = "") -> str:
    """One polyline per series over a shared x axis; ``None`` values leave gaps."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not values:
        return f'<div class="dpn-muted">{esc(title)}: no data yet</div>'
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    n = max(len(vs) for vs in series.values())
    left, right, top, bottom = 48, 10, 18, 22
    w, h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    def y(v: float) -> float:
        return top + h - (v - lo) / (hi - lo) * h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{esc(title)}">']
    parts.append(f'<text x="{left}" y="12" font-size="11" fill="#59636e">{esc(title)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#d0d7de"/>')
    for v in (lo, hi):
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" fill="#59636e">{esc(_fmt(v))}</text>')
    if labels:
        parts.append(f'<text x="{left}" y="{height - 6}" font-size="10" fill="#59636e">{esc(labels[0])}</text>')
        parts.append(f'<text x="{left + w}" y="{height - 6}" font-size="10" text-anchor="end" fill="#59636e">{esc(labels[-1])}</text>')
    for k, (name, vs) in enumerate(series.items()):
        color = _COLORS[k % len(_COLORS)]
        segment: list[str] = []
        for i, v in enumerate(vs):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(segment)}"/>')
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"><title>{esc(name)}: {esc(_fmt(v))}</title></circle>')
        if len(segment) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(segment)}"/>')
        parts.append(f'<text x="{left + w}" y="{top + 12 * (k + 1)}" font-size="10" text-anchor="end" fill="{color}">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(items: Sequence[tuple[str, float]], *, width: int = 560, title: str = "", unit: str = "") -> str:
    """Horizontal bars, one per (label, value)."""
    if not items:
        return f'<div class="dpn-muted">{esc(title)}: no data yet</div>'
    top = 18
    row = 20
    height = top + row * len(items) + 6
    label_w = 160
    w = width - label_w - 70
    hi = max(v for _, v in items) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{esc(title)}">']
    parts.append(f'<text x="0" y="12" font-size="11" fill="#59636e">{esc(title)}</text>')
    for i, (label, value) in enumerate(items):
        yy = top + i * row
        bw = max(1.0, w * value / hi)
        parts.append(f'<text x="{label_w - 6}" y="{yy + 13}" font-size="11" text-anchor="end" fill="#1f2328">{esc(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{yy + 3}" width="{bw:.1f}" height="13" fill="{_COLORS[i % len(_COLORS)]}" rx="2"/>')
        parts.append(f'<text x="{label_w + bw + 4:.1f}" y="{yy + 13}" font-size="11" fill="#59636e">{esc(_fmt(value))}{esc(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: float) -> str:
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:,.2f}"
    return f"{v:.4g}"
