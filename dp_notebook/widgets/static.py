"""Static renderings of the port browser for nbconvert HTML and terminals."""

from __future__ import annotations

from ..render.html import badge, card, esc, text_table
from .browser import MAX_LISTED


def static_text(state) -> str:
    found = state.results(limit=MAX_LISTED)
    total = state.count()
    rows = [[e["key"], e["owner"], e["location"], "PII" if e["pii"] else "", e["description"][:60]] for e in found]
    return f"{total} output ports in {state.catalog.root}{_shown(len(found), total, state)}\n" + text_table(["port", "owner", "location", "", "description"], rows)


def static_html(state) -> str:
    """The first ``MAX_LISTED`` ports by product, from the port index alone: bounded like the widget's
    first view, so a catalog of 10,000 products renders as fast as one of ten (no summary is read;
    the widget shows a port's columns when it is selected)."""
    found = state.results(limit=MAX_LISTED)
    total = state.count()
    parts = [f"<h4>Data products in <code>{esc(state.catalog.root)}</code>: {total} output ports{esc(_shown(len(found), total, state))}</h4>"]
    product = None
    for e in found:
        if e["product"] != product:
            product = e["product"]
            parts.append(f"<h4>{esc(e['title'] or product)} <code>{esc(product)}</code> <span class=\"dpn-muted\">{esc(e['owner'])}</span></h4>")
        flags = badge("PII", "pii") if e["pii"] else ""
        roles = ", ".join(e["roles"]) or "everyone"
        columns = f" · {e['columns']} columns" if e["columns"] else ""
        parts.append(f"<div><b>{esc(e['port'])}</b> <code>{esc(e['location'])}</code> {flags} roles: {esc(roles)}{esc(columns)}<br>{esc(e['description'])}</div>")
    return card("".join(parts))


def _shown(shown: int, total: int, state) -> str:
    more = f" (first {shown} shown)" if total > shown else ""
    return more + (" — more products still loading" if state.loading else "")
