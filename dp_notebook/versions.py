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


# -- a product's ports: rollback and data diffs (the facade's methods) --------------------------


def rollback_port(dp: Any, port: str, to: str | None = None) -> RollbackResult:
    """``DataProduct.rollback``: point the views back, rewrite a files port's Parquet, update the status."""
    from .build import _status_of, serving_select

    result = rollback(dp.workspace, dp.engine, dp.spec, port, to, serving_select=serving_select)
    port_spec = next((p for p in dp.spec.outputPorts if p.id == port), None)
    if port_spec is not None and port_spec.kind == "files":
        from .build import write_parquet_of

        write_parquet_of(dp.engine, dp.workspace, dp.id, port, dp.spec.view_name(port_spec))
    _status_of(dp.workspace, dp.id, port, "success", None, rows=result.rows, version=result.to_seq, run_id=result.to_run, rolled_back_from=result.from_seq)
    return result


def port_diff(dp: Any, port: str, *, against: str | None = None, sample: int = 10, namespace: dict[str, Any] | None = None):
    """``DataProduct.data_diff`` (see there)."""
    from .build import plan_build, serving_select
    from .datadiff import compare
    from .errors import DataProductError
    from .names import private_schema, quote

    spec_port = dp.spec.output_port(port)
    view_schema, view = dp.spec.view_name(spec_port)
    served = f"{quote(view_schema)}.{quote(view)}"
    key = spec_port.key_columns
    pii = frozenset(dp.state.pii_columns(port))
    engine = dp.engine
    with dp.workspace.metadata() as md:
        rows = md.versions(dp.id, port)
    current = next((r for r in rows if r["serving"]), None)
    served_label = f"served (version {current['seq']})" if current else "served"
    with engine.connect(where=f"data diff of {port}") as con:
        built = engine.has_relation(con, view_schema, view)
        if against is not None:
            if not built:
                raise DataProductError(f"diff --data {port} --against {against}: {port} is not built yet")
            _, wanted = choose(rows, port, against)
            from .engine.base import VersionRef

            version = VersionRef.from_row(wanted)
            old = f"({serving_select(spec_port, engine.version_relation(private_schema(dp.id), version), list(version.columns))}) AS __dp_old"
            return compare(con, old, served, target=port, key=key, pii=pii, sample=sample, old_label=f"version {wanted['seq']} (run {wanted['run_id']})", new_label=served_label)
    if port not in dp.state.transforms:
        raise DataProductError(f"diff --data {port}: no transform builds {port} in this session: run its %%dataproduct transform cell first (or use --against RUN)")
    if namespace is not None:
        dp.namespace = namespace
    plan = plan_build(dp.state, port, params=None, namespace=dp.namespace, history=read_history(dp.workspace, dp.id, port), keep_versions=dp.settings.keep_versions)
    label = f"transform now (would be version {plan.seq}" + (f"; {plan.increment.describe()}" if plan.increment is not None else "") + ")"
    if plan.increment is not None and plan.increment.nothing_new:
        with engine.connect(where=f"data diff of {port}") as con:
            return compare(con, served, served, target=port, key=key, pii=pii, sample=0, old_label=served_label, new_label=label)
    with engine.transaction(plan, dry=True) as tx:
        staged = tx.stage(plan)
        new = f"({serving_select(spec_port, staged.relation, staged.columns)}) AS __dp_new"
        return compare(tx.con, served if built else None, new, target=port, key=key, pii=pii, sample=sample, old_label=served_label, new_label=label)


def write_run_diff(dp: Any, port: str, plan: Any) -> None:
    """Under ``dp-notebook run``: what this build changed (the data diff against the version it
    replaced) into ``<run dir>/<product>/data-diff-<port>.txt`` and ``.json``; the CLI prints it."""
    import json

    from .errors import DataProductError
    from .files import atomic_write

    previous = plan.serving
    if previous is None or not any(v.run_id == previous.run_id for v in plan.versions) or plan.keep_versions < 2:
        return  # a first build, or no earlier version kept to compare with
    try:
        diff = port_diff(dp, port, against=previous.run_id)
    except DataProductError as exc:  # the build succeeded; the diff is a report about it
        import warnings

        warnings.warn(f"{port} was built, but its data diff could not be computed: {exc}", stacklevel=4)
        return
    folder = dp.settings.run_dir / dp.id
    atomic_write(folder / f"data-diff-{port}.txt", str(diff) + "\n")
    atomic_write(folder / f"data-diff-{port}.json", json.dumps(diff.to_dict(), indent=2, default=str))
