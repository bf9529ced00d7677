"""One searchable index of every output port in a catalog: built once, searched in memory.

Used by the port browser, ``dp-notebook catalog --search`` and the lab server,
so a search gives the same answer through every door.

    >>> idx = build_index([{"id": "p", "title": "Orders", "outputPorts": [{"id": "orders_v1", "columns": [{"name": "email"}]}]}])
    >>> [e["key"] for e in search_index(idx, "email")]
    ['p.orders_v1']
"""

from __future__ import annotations

from typing import Any


def build_index(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One compact, searchable entry per output port."""
    out = []
    for p in products:
        status = p.get("status_checks") or {}
        for port in p.get("outputPorts") or []:
            cols = port.get("columns") or []
            text = " ".join(
                [p["id"], p.get("title") or "", p.get("description") or "", p.get("owner") or "", p.get("domain") or "", " ".join(p.get("tags") or []),
                 port["id"], port.get("description") or "", " ".join(port.get("tags") or []), " ".join(c["name"] for c in cols)]
            ).lower()
            out.append(
                {
                    "key": f"{p['id']}.{port['id']}",
                    "product": p["id"],
                    "port": port["id"],
                    "title": p.get("title") or p["id"],
                    "owner": p.get("owner") or "",
                    "domain": p.get("domain") or p.get("owner") or "",
                    "archetype": p.get("archetype") or "",
                    "status": p.get("status") or "",
                    "tags": sorted(set(p.get("tags") or []) | set(port.get("tags") or [])),
                    "pii": bool(port.get("containsPii")),
                    "description": port.get("description") or p.get("description") or "",
                    "location": port.get("location") or "",
                    "columns": len(cols),
                    "published_at": p.get("published_at") or "",
                    "checks": status,
                    "_text": text,
                }
            )
    return out


def search_index(index: list[dict[str, Any]], query: str = "", **filters: Any) -> list[dict[str, Any]]:
    """Entries whose text contains every word of ``query`` and that match every filter."""
    words = [w for w in query.lower().split() if w]
    out = []
    for e in index:
        if words and not all(w in e["_text"] for w in words):
            continue
        ok = True
        for key, want in filters.items():
            if want in (None, "", "any"):
                continue
            if key == "tag":
                ok = want in e["tags"]
            elif key == "pii":
                ok = e["pii"] == (want in (True, "yes", "true"))
            else:
                ok = str(e.get(key, "")) == str(want)
            if not ok:
                break
        if ok:
            out.append(e)
    return out
