"""The catalog portal: an index page of every product, searchable offline (inline JS)."""

from __future__ import annotations

from typing import Any

from .docs import page_head
from . import format as fmt
from .html import badge, esc

_SEARCH_JS = """
document.getElementById('q').addEventListener('input', function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll('[data-search]').forEach(function (el) {
    el.style.display = el.getAttribute('data-search').indexOf(q) >= 0 ? '' : 'none';
  });
  document.getElementById('dpn-none').hidden = !!document.querySelector('[data-search]:not([style*="none"])');
});
"""


def render_portal(products: list[dict[str, Any]], links: dict[str, dict[str, str]] | None = None, *, title: str = "Data products") -> str:
    """``products``: catalog summaries; ``links``: per product id ``{"page", "notebook"}`` relative paths."""
    links = links or {}
    cards = []
    for p in sorted(products, key=lambda p: p["id"]):
        link = links.get(p["id"], {})
        ports = p.get("outputPorts") or []
        text = " ".join([p["id"], p.get("title") or "", p.get("description") or "", p.get("owner") or "", " ".join(p.get("tags") or [])] + [f"{x.get('id')} {x.get('description') or ''} {' '.join(c['name'] for c in x.get('columns') or [])}" for x in ports]).lower()
        port_list = "".join(
            f"<li><code>{esc(x.get('location') or x.get('id'))}</code> {badge('PII', 'pii') if x.get('containsPii') else ''}{esc(x.get('description') or '')}</li>" for x in ports
        )
        actions = []
        if link.get("page"):
            actions.append(f"<a href=\"{esc(link['page'])}\">documentation</a>")
        if link.get("notebook"):
            actions.append(f"<a href=\"{esc(link['notebook'])}\">executed notebook</a>")
        meta = " · ".join(esc(x) for x in [p.get("owner"), p.get("domain"), p.get("archetype"), p.get("status")] if x)
        cards.append(
            f"<section data-search=\"{esc(text)}\"><h2>{esc(p.get('title') or p['id'])} <code>{esc(p['id'])}</code></h2>"
            f"<div class=\"dpn-muted\">{meta}</div><p>{esc(p.get('description') or '')}</p><ul>{port_list}</ul><nav>{' '.join(actions)}</nav></section>"
        )
    return (
        page_head(title)
        + "<body class=\"dpn\">"
        f"<header><h1>{esc(title)}</h1><div class=\"meta dpn-muted\">{esc(fmt.count(len(products), 'data product'))}</div></header><main>"
        "<input id=\"q\" type=\"search\" placeholder=\"Search products, ports, columns, owners…\" aria-label=\"search\">"
        + "".join(cards)
        + "<p id=\"dpn-none\" class=\"dpn-empty\" hidden>No product matches the search.</p>"
        + f"<script>{_SEARCH_JS}</script></main></body></html>\n"
    )
