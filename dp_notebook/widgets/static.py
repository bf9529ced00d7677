"""Static renderings of the port browser for nbconvert HTML and terminals."""

from __future__ import annotations

from ..render.html import badge, card, esc, table, text_table
from .browser import MAX_LISTED


def static_text(state) -> str:
    found = state.results(limit=MAX_LISTED)
    total = state.count()
    rows = [[e["key"], e["owner"], e["location"], "PII" if e["pii"] else "", e["description"][:60]] for e in found]
    return f"{total} output ports in {state.catalog.root}{_shown(len(found), total, state)}\n" + text_table(["port", "owner", "location", "", "description"], rows)


def static_html(state) -> str:
    """The first ``MAX_LISTED`` ports by product, with their columns: bounded like the widget's first
    view, so a catalog of 10,000 products renders as fast as one of ten (no summary of the others is read)."""
    found = state.results(limit=MAX_LISTED)
    total = state.count()
    listed: dict[str, set[str]] = {}
    for e in found:
        listed.setdefault(e["product"], set()).add(e["port"])
    parts = [f"<h4>Data products in <code>{esc(state.catalog.root)}</code>: {total} output ports{esc(_shown(len(found), total, state))}</h4>"]
    for pid in listed:
        p = state.catalog.summary(pid)
        parts.append(f"<h4>{esc(p.get('title') or pid)} <code>{esc(pid)}</code> <span class=\"dpn-muted\">{esc(p.get('owner') or '')}</span></h4>")
        if p.get("description"):
            parts.append(f"<div>{esc(p['description'])}</div>")
        for port in p.get("outputPorts") or []:
            if port.get("id") not in listed[pid]:
                continue
            flags = badge("PII", "pii") if port.get("containsPii") else ""
            roles = ", ".join(port.get("rolesAllowed") or []) or "everyone"
            cols = [[f"<code>{esc(c['name'])}</code>", esc(c.get("type")), esc(c.get("classification") or ""), badge("PII", "pii") if c.get("pii") else ""] for c in port.get("columns") or []]
            parts.append(
                f"<div><code>{esc(port.get('location'))}</code> {flags} roles: {esc(roles)} · contract <code>{esc(port.get('contractId'))}</code><br>{esc(port.get('description') or '')}</div>"
                + (f"<details><summary>{len(cols)} columns</summary>{table(['column', 'type', 'classification', ''], cols, raw=True)}</details>" if cols else "")
            )
    return card("".join(parts))


def _shown(shown: int, total: int, state) -> str:
    more = f" (first {shown} shown)" if total > shown else ""
    return more + (" — more products still loading" if state.loading else "")
