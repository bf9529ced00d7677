"""Breaking-change detection between the published version of a product and the declared one.

Works on product summaries (``spec/summary.py``) so the published side needs
only the catalog's ``summary.json``. Per port, changes are breaking when a
consumer's query or assumptions could fail: a port or column removed (or
renamed), a type narrowed or changed, ``required``/``unique`` added, the
location moved. A port with a new major version (``_v2``) is a new port:
adding it is never breaking.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_INT_RANK = {"TINYINT": 1, "SMALLINT": 2, "INTEGER": 3, "INT": 3, "BIGINT": 4, "HUGEINT": 5, "INT128": 5}
_FLOAT_RANK = {"FLOAT": 1, "REAL": 1, "DOUBLE": 2}


@dataclass
class Change:
    port: str
    kind: str
    message: str
    breaking: bool
    column: str | None = None


@dataclass
class DiffResult:
    product: str
    changes: list[Change] = field(default_factory=list)
    previous_version: str | None = None

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def success(self) -> bool:
        return not self.breaking

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product, "previous_version": self.previous_version, "breaking": len(self.breaking), "changes": [asdict(c) for c in self.changes]}

    def __str__(self) -> str:
        if self.previous_version is None:
            return f"diff {self.product}: not published yet; everything is new"
        if not self.changes:
            return f"diff {self.product}: no changes since the published version {self.previous_version}"
        lines = [f"diff {self.product} vs published version {self.previous_version}: {len(self.breaking)} breaking, {len(self.changes) - len(self.breaking)} non-breaking"]
        for c in self.changes:
            lines.append(f"  {'BREAKING' if c.breaking else 'ok      '} {c.port}: {c.message}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from ..render.bundle import mimebundle
        from ..render.html import badge, card, esc, table

        rows = [[badge("breaking", "fail") if c.breaking else badge("compatible", "ok"), f"<code>{esc(c.port)}</code>", esc(c.column or ""), esc(c.message)] for c in self.changes]
        head = f"<h4>{esc(str(self).splitlines()[0])}</h4>"
        return mimebundle("diff", self.to_dict(), card(head + (table(["", "port", "column", "change"], rows, raw=True) if rows else "")), str(self))


def _family(physical: str) -> tuple[str, tuple[int, ...]]:
    text = physical.upper().replace(" ", "")
    m = re.match(r"^([A-Z_0-9]+)(?:\((\d+)(?:,(\d+))?\))?", text)
    if not m:
        return text, ()
    name = m.group(1)
    params = tuple(int(g) for g in m.groups()[1:] if g)
    if name in ("TEXT", "STRING", "CHAR"):
        name = "VARCHAR"
    return name, params


def type_change(old: str, new: str) -> str | None:
    """``None`` if compatible (same or widened), else a reason why consumers may break."""
    if old == new:
        return None
    (fo, po), (fn, pn) = _family(old), _family(new)
    if fo == fn and po == pn:
        return None
    if fo in _INT_RANK and fn in _INT_RANK:
        return None if _INT_RANK[fn] >= _INT_RANK[fo] else f"type narrowed from {old} to {new}"
    if fo in _FLOAT_RANK and fn in _FLOAT_RANK:
        return None if _FLOAT_RANK[fn] >= _FLOAT_RANK[fo] else f"type narrowed from {old} to {new}"
    if fo in _INT_RANK and fn in ("DOUBLE", "DECIMAL"):
        return None
    if fo == "DECIMAL" and fn == "DECIMAL":
        p0, s0 = (po + (18, 3))[:2] if po else (18, 3)
        p1, s1 = (pn + (18, 3))[:2] if pn else (18, 3)
        return None if p1 >= p0 and s1 >= s0 and (p1 - s1) >= (p0 - s0) else f"type narrowed from {old} to {new}"
    if fo == "DECIMAL" and fn == "DOUBLE":
        return None
    if fo == "TIMESTAMP" and fn == "TIMESTAMPTZ":
        return None
    return f"type changed from {old} to {new}"


def diff_summaries(old: dict[str, Any] | None, new: dict[str, Any]) -> DiffResult:
    """Classify every change between two product summaries."""
    result = DiffResult(new["id"], previous_version=None if old is None else str(old.get("catalog_version") or old.get("published_at") or "current"))
    if old is None:
        return result
    old_ports = {p["id"]: p for p in old.get("outputPorts", [])}
    new_ports = {p["id"]: p for p in new.get("outputPorts", [])}
    add = result.changes.append
    for pid, op in old_ports.items():
        if pid not in new_ports:
            add(Change(pid, "port_removed", "output port removed (consumers lose it; keep it or deprecate it first)", True))
    for pid, np_ in new_ports.items():
        op = old_ports.get(pid)
        if op is None:
            add(Change(pid, "port_added", "output port added", False))
            continue
        if op.get("location") != np_.get("location"):
            add(Change(pid, "location_changed", f"location moved from {op.get('location')} to {np_.get('location')}", True))
        if (op.get("description") or "") != (np_.get("description") or ""):
            add(Change(pid, "description_changed", "description changed", False))
        old_roles, new_roles = set(op.get("rolesAllowed") or []), set(np_.get("rolesAllowed") or [])
        if (not old_roles and new_roles) or (old_roles and old_roles - new_roles):
            lost = ", ".join(sorted(old_roles - new_roles)) or "everyone not listed"
            add(Change(pid, "roles_restricted", f"rolesAllowed restricted: {lost} lose access", True))
        ocols = {c["name"]: c for c in op.get("columns", [])}
        ncols = {c["name"]: c for c in np_.get("columns", [])}
        added = [n for n in ncols if n not in ocols]
        for name, oc in ocols.items():
            nc = ncols.get(name)
            if nc is None:
                renamed = [a for a in added if ncols[a].get("physicalType") == oc.get("physicalType")]
                hint = f" (renamed to {renamed[0]}?)" if len(renamed) == 1 else ""
                add(Change(pid, "column_removed", f"column {name} removed or renamed{hint}", True, name))
                continue
            reason = type_change(str(oc.get("physicalType") or oc.get("type")), str(nc.get("physicalType") or nc.get("type")))
            if reason:
                add(Change(pid, "type_changed", f"column {name}: {reason}", True, name))
            if nc.get("required") and not oc.get("required"):
                add(Change(pid, "required_added", f"column {name} is now required", True, name))
            if nc.get("unique") and not oc.get("unique"):
                add(Change(pid, "unique_added", f"column {name} is now unique", True, name))
            if (oc.get("description") or "") != (nc.get("description") or ""):
                add(Change(pid, "description_changed", f"column {name}: description changed", False, name))
            if oc.get("classification") != nc.get("classification"):
                add(Change(pid, "classification_changed", f"column {name}: classification {oc.get('classification')} → {nc.get('classification')}", False, name))
        for name in added:
            add(Change(pid, "column_added", f"column {name} added", False, name))
    return result
