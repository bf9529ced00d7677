"""Static renderings of the port browser for nbconvert HTML and terminals."""

from __future__ import annotations

from ..render.html import badge, card, esc, table, text_table


def static_text(state) -> str:
    rows = [[e["key"], e["owner"], e["location"], "PII" if e["pii"] else "", e["description"][:60]] for e in state.results()]
    return f"{len(rows)} output ports in {state.catalog.root}\n" + text_table(["port", "owner", "location", "", "description"], rows)


def static_html(state) -> str:
    parts = [f"<h4>Data products in <code>{esc(state.catalog.root)}</code>: {len(state.products)} products, {len(state.index)} output ports</h4>"]
    for pid, p in sorted(state.products.items()):
        parts.append(f"<h4>{esc(p.get('title') or pid)} <code>{esc(pid)}</code> <span class=\"dpn-muted\">{esc(p.get('owner') or '')}</span></h4>")
        if p.get("description"):
            parts.append(f"<div>{esc(p['description'])}</div>")
        for port in p.get("outputPorts") or []:
            flags = badge("PII", "pii") if port.get("containsPii") else ""
            roles = ", ".join(port.get("rolesAllowed") or []) or "everyone"
            cols = [[f"<code>{esc(c['name'])}</code>", esc(c.get("type")), esc(c.get("classification") or ""), badge("PII", "pii") if c.get("pii") else ""] for c in port.get("columns") or []]
            parts.append(
                f"<div><code>{esc(port.get('location'))}</code> {flags} roles: {esc(roles)} · contract <code>{esc(port.get('contractId'))}</code><br>{esc(port.get('description') or '')}</div>"
                + (f"<details><summary>{len(cols)} columns</summary>{table(['column', 'type', 'classification', ''], cols, raw=True)}</details>" if cols else "")
            )
    return card("".join(parts))
