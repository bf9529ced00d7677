"""Small HTML building blocks. Every piece of user text goes through ``esc``."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

CARD_CSS = """
.dpn-card{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:13px;line-height:1.4;
  border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;margin:4px 0;max-width:980px;color:#1f2328;background:#fff}
.dpn-card h3{margin:0 0 4px;font-size:16px}.dpn-card h4{margin:10px 0 4px;font-size:14px}
.dpn-card .dpn-muted{color:#59636e}.dpn-card code{background:#f6f8fa;padding:0 3px;border-radius:3px}
.dpn-card table{border-collapse:collapse;margin:4px 0;width:100%}
.dpn-card th,.dpn-card td{border-bottom:1px solid #eaeef2;padding:3px 6px;text-align:left;vertical-align:top}
.dpn-card th{background:#f6f8fa;font-weight:600}
.dpn-badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:11px;font-weight:600;margin-right:3px;
  background:#eaeef2;color:#1f2328}
.dpn-ok{background:#dafbe1;color:#116329}.dpn-fail{background:#ffebe9;color:#a40e26}
.dpn-warn{background:#fff8c5;color:#7d4e00}.dpn-pii{background:#ffebe9;color:#a40e26}
"""


def esc(value: Any) -> str:
    """HTML-escape any value (``None`` → empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def badge(text: Any, kind: str = "") -> str:
    cls = f"dpn-badge dpn-{kind}" if kind else "dpn-badge"
    return f'<span class="{cls}">{esc(text)}</span>'


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], *, raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then the caller escaped them)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if raw else esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def card(inner: str) -> str:
    return f'<div class="dpn-card"><style>{CARD_CSS}</style>{inner}</div>'


def text_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain-text table with aligned columns, for terminals."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join([line, sep, *body])
