"""The product card: a declared product as HTML, text and JSON."""

from __future__ import annotations

from typing import Any

from .html import badge, card, esc, table, text_table


def product_html(summary: dict[str, Any], *, head: str = "") -> str:
    """The product card (``head``: extra HTML under the title, e.g. the docs status line)."""
    s = summary
    meta = " ".join(
        badge(f"{k}: {s[k]}") for k in ("status", "archetype", "maturity") if s.get(k)
    )
    parts = [
        f"<h3>{esc(s['title'])} <span class=\"dpn-muted\"><code>{esc(s['id'])}</code></span></h3>",
        f"<div class=\"dpn-muted\">owner <b>{esc(s.get('owner') or '—')}</b>"
        + (f" · domain <b>{esc(s['domain'])}</b>" if s.get("domain") else "")
        + (f" · schedule <code>{esc(s['schedule'])}</code>" if s.get("schedule") else "")
        + f"</div><div>{meta}</div>" + head,
    ]
    if s.get("description"):
        parts.append(f"<p>{esc(s['description'])}</p>")
    if s.get("inputPorts"):
        rows = [[f"<code>{esc(p['id'])}</code>", esc(p.get("type") or ""), esc(p.get("sourceSystemId") or ""), esc(p.get("description") or "")] for p in s["inputPorts"]]
        parts.append("<h4>Input ports</h4>" + table(["id", "type", "source", "description"], rows, raw=True, wrap=(3,)))
    for port in s.get("outputPorts", []):
        flags = badge(port["type"]) + badge(f"v{port['version']}")
        if port.get("containsPii"):
            flags += badge("PII", "pii")
        if port.get("rolesAllowed"):
            flags += badge("roles: " + ", ".join(port["rolesAllowed"]), "warn")
        head = f"<h4>Output port <code>{esc(port['id'])}</code> {flags}</h4>"
        head += f"<div class=\"dpn-muted\">query: <code>SELECT * FROM {esc(port['location'])}</code></div>"
        if port.get("description"):
            head += f"<div>{esc(port['description'])}</div>"
        if port.get("columns"):
            rows = []
            for c in port["columns"]:
                marks = (badge("PII", "pii") if c.get("pii") else "") + (badge("required") if c.get("required") else "") + (
                    badge("unique") if c.get("unique") else ""
                )
                rows.append([f"<code>{esc(c['name'])}</code>", esc(c["type"]), esc(c.get("classification") or ""), marks, esc(c.get("description") or "")])
            head += table(["column", "type", "classification", "", "description"], rows, raw=True, wrap=(4,))
        parts.append(head)
    if s.get("tags"):
        parts.append("<div>" + " ".join(badge(t) for t in s["tags"]) + "</div>")
    return card("".join(parts))


def product_text(summary: dict[str, Any]) -> str:
    s = summary
    lines = [f"Data product {s['title']} ({s['id']})", f"  owner: {s.get('owner') or '-'}"]
    for key in ("domain", "status", "archetype", "maturity", "schedule"):
        if s.get(key):
            lines.append(f"  {key}: {s[key]}")
    if s.get("description"):
        lines.append(f"  {s['description']}")
    for p in s.get("inputPorts", []):
        lines.append(f"  input  {p['id']} [{p.get('type') or '-'}]")
    for p in s.get("outputPorts", []):
        pii = " PII" if p.get("containsPii") else ""
        roles = f" roles={','.join(p['rolesAllowed'])}" if p.get("rolesAllowed") else ""
        lines.append(f"  output {p['id']} [{p['type']}] v{p['version']} -> {p['location']}{pii}{roles}")
        if p.get("columns"):
            rows = [[c["name"], c["type"], c.get("classification") or "", "pii" if c.get("pii") else "", "required" if c.get("required") else ""] for c in p["columns"]]
            lines.extend("    " + line for line in text_table(["column", "type", "class", "pii", "required"], rows).splitlines())
    return "\n".join(lines)
