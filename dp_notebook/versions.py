"""Versions of a port: what each build left, which one is served, and rollback to a kept one.

Every successful build makes a new version of its target (``_dp.versions``); the
newest ``keep_versions`` (a setting, default 2: the served one and the one before) stay
readable, older ones are pruned by the next build. ``rollback`` re-points the
port at a kept version — no recompute, one transaction on DuckDB — and is
recorded as a run of its own. What the runs of the served version's lineage
processed (intervals, files) is what the next incremental run builds on, so a
rollback also takes the processed intervals back.

    >>> dp.rollback("orders_v1")                 # doctest: +SKIP   the version before the served one
    >>> dp.rollback("orders_v1", to="3f2a…")     # doctest: +SKIP   a kept version, by run id (a prefix will do)
    >>> dp.versions("orders_v1")                 # doctest: +SKIP
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .engine.base import VersionRef
from .errors import DataProductError, PortNotFound


@dataclass
class TargetHistory:
    """What the workspace recorded about one target, read before a build is planned."""

    serving: VersionRef | None = None
    serving_row: dict[str, Any] | None = None  # its _dp.versions row, with the sql_hash of its run
    kept: list[VersionRef] = field(default_factory=list)  # readable versions, newest first
    increments: list[dict[str, Any]] = field(default_factory=list)  # what the served lineage processed
    next_seq: int = 1


def read_history(ws: Any, product: str, target: str) -> TargetHistory:
    """The target's versions and the increments of the served one's lineage."""
    with ws.metadata() as md:
        rows = md.versions(product, target)
        serving_row = next((r for r in rows if r["serving"]), None)
        kept = [VersionRef.from_row(r) for r in rows if r["dropped_at"] is None and not r["discarded"]]
        increments: list[dict[str, Any]] = []
        if serving_row is not None:
            increments = md.increments(product, target, md.lineage(product, target, serving_row["run_id"]))
            serving_row = {**serving_row, "sql_hash": md.sql_hash(serving_row["run_id"])}
        next_seq = md.next_seq(product, target)
    serving = VersionRef.from_row(serving_row) if serving_row is not None else None
    return TargetHistory(serving, serving_row, kept, increments, next_seq)


@dataclass
class VersionsReport:
    """The versions of a product's targets: which one each serves, which are kept for rollback."""

    product: str
    rows: list[dict[str, Any]]

    @property
    def success(self) -> bool:
        return True

    def serving(self, target: str) -> dict[str, Any] | None:
        return next((r for r in self.rows if r["target"] == target and r["serving"]), None)

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product, "versions": [{k: (str(v) if k.endswith("_at") and v is not None else v) for k, v in r.items()} for r in self.rows]}

    def _table(self) -> tuple[list[str], list[list[Any]]]:
        head = ["target", "version", "run", "built", "mode", "rows", "+rows", "replaced", "state"]
        body = []
        for r in self.rows:
            state = "serving" if r["serving"] else ("rolled back, discarded" if r["discarded"] else ("pruned" if r["dropped_at"] is not None else "kept"))
            body.append([r["target"], r["seq"], r["run_id"], str(r["created_at"])[:19], r["mode"], r["rows"], r["inserted"] if r["mode"] == "incremental" else "", r["replaced"] or "", state])
        return head, body

    def __str__(self) -> str:
        from .render.html import text_table

        head, body = self._table()
        if not body:
            return f"{self.product}: no versions yet (build a port first)"
        return f"versions of {self.product} (serving marked; kept versions can be rolled back to)\n" + text_table(head, body)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.html import badge, card, esc, table

        head, body = self._table()
        cells = []
        for row in body:
            state = row[-1]
            cells.append([esc(v) for v in row[:-1]] + [badge(state, "ok" if state == "serving" else ("" if state == "kept" else "warn"))])
        numeric = (1, 5, 6, 7)
        inner = f"<h4>Versions of <code>{esc(self.product)}</code></h4>" + (table(head, cells, raw=True, numeric=numeric) if cells else '<div class="dpn-muted">No versions yet.</div>')
        return mimebundle("versions", self.to_dict(), card(inner), str(self))


@dataclass
class RollbackResult:
    """A rollback: the port now serves ``to`` (a kept version) instead of ``from_``."""

    product: str
    target: str
    run_id: str
    from_seq: int | None
    to_seq: int
    to_run: str
    rows: int | None
    view: str | None

    @property
    def success(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product, "target": self.target, "run_id": self.run_id, "from_version": self.from_seq, "to_version": self.to_seq, "to_run": self.to_run, "rows": self.rows, "view": self.view}

    def __str__(self) -> str:
        where = f" ({self.view})" if self.view else ""
        return f"{self.target}{where}: rolled back from version {self.from_seq} to version {self.to_seq} (run {self.to_run}, {self.rows} rows); nothing was recomputed"

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.html import badge, card, esc

        inner = f"<h4><code>{esc(self.target)}</code> {badge('rolled back', 'warn')} version {esc(self.from_seq)} → {esc(self.to_seq)}</h4>"
        inner += f'<div class="dpn-muted">serves run <code>{esc(self.to_run)}</code>: {esc(self.rows)} rows' + (f" as <code>{esc(self.view)}</code>" if self.view else "") + "; nothing was recomputed</div>"
        return mimebundle("rollback", self.to_dict(), card(inner), str(self))


def choose(rows: list[dict[str, Any]], target: str, to: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(serving, wanted)`` version rows: ``to`` is a version number (``3``, ``v3``) or a run id (or a unique
    prefix); without it, the kept version before the served one."""
    serving = next((r for r in rows if r["serving"]), None)
    if serving is None:
        raise DataProductError(f"rollback {target}: it has no recorded versions yet (build it first)")
    kept = [r for r in rows if r["dropped_at"] is None and not r["discarded"]]
    listing = ", ".join(f"version {r['seq']} (run {r['run_id']})" for r in kept) or "none"
    if to is None:
        older = [r for r in kept if r["seq"] < serving["seq"]]
        if not older:
            raise DataProductError(f"rollback {target}: no kept version before the served version {serving['seq']} (kept: {listing}); keep_versions sets how many are kept")
        return serving, max(older, key=lambda r: r["seq"])
    number = to[1:] if to[:1] in "vV" else to
    matches = [r for r in rows if str(r["seq"]) == number] if number.isdigit() else []  # a version number wins
    matches = matches or [r for r in rows if r["run_id"].startswith(to)]
    if len(matches) > 1:
        raise DataProductError(f"rollback {target} --to {to}: matches several runs ({', '.join(r['run_id'] for r in matches)}); give more of the run id")
    if not matches:
        raise DataProductError(f"rollback {target} --to {to}: no such run of {target} (kept: {listing})")
    wanted = matches[0]
    if wanted["dropped_at"] is not None or wanted["discarded"]:
        raise DataProductError(f"rollback {target} --to {to}: the data of version {wanted['seq']} was pruned (kept: {listing}); rebuild instead")
    return serving, wanted


def rollback(ws: Any, engine: Any, spec: Any, target: str, to: str | None = None, *, serving_select: Any) -> RollbackResult:
    """Point ``target`` at a kept version (``to``: a run id or prefix, default the previous one) and record it."""
    from .names import private_schema

    port = next((p for p in spec.outputPorts if p.id == target), None)
    with ws.metadata() as md:
        rows = md.versions(spec.id, target)
    if not rows and port is None:
        raise PortNotFound(f"rollback: {target!r} is not an output port of {spec.id!r} (output ports: {', '.join(p.id for p in spec.outputPorts) or 'none'})")
    current, wanted = choose(rows, target, to)
    if wanted["run_id"] == current["run_id"]:
        raise DataProductError(f"rollback {target}: version {wanted['seq']} is already served")
    version = VersionRef.from_row(wanted)
    view = spec.view_name(port) if port is not None else None
    run_id = uuid.uuid4().hex[:16]
    note = f"rolled back from version {current['seq']} (run {current['run_id']}) to version {wanted['seq']} (run {wanted['run_id']})"

    def record(md: Any) -> None:
        now = md.serving(spec.id, target)
        if now is None or now["run_id"] != current["run_id"]:
            raise DataProductError(f"rollback {target}: another run changed the served version meanwhile; nothing was changed, try again")
        md.serve(spec.id, target, wanted["run_id"])
        md.record_rollback(run_id, spec.id, target, wanted["run_id"], wanted["rows"], note)

    served = engine.rollback(private_schema(spec.id), target, view, version, lambda source: serving_select(port, source, list(version.columns)) if port is not None else None, record)
    return RollbackResult(spec.id, target, run_id, current["seq"], wanted["seq"], wanted["run_id"], wanted["rows"], served)
