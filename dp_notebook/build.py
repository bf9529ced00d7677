"""Write-audit-publish, written once for every engine.

    plan -> record start -> stage -> audit (contract + expectations) -> swap -> keep/prune versions -> record

``plan_build`` decides everything before anything is written (the target,
the bound SQL, the view, the checks); ``run_build`` hands the plan to the
product's engine. The engine stages the data; the contract and the
expectations run on the staged data in one pass and every failing check is
reported at once; only when all pass is the port swapped in. A failure, an
interrupt or a killed process leaves consumers on the last good data, and
the run history says why.

Every build makes a new *version* of its target; the last ``keep_versions``
stay readable for ``rollback`` (``dp_notebook.versions``). An incremental
target's plan carries an ``IncrementPlan`` (``dp_notebook.incremental``): the
engine writes only the new data, the audit checks the new rows and uniqueness
across the whole port, and the version records what the run processed.

    >>> plan = plan_build(state, "orders_v1", params={}, namespace={})   # doctest: +SKIP
    >>> run_build(ws, engine, plan).rows                                 # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .engine.base import BuildPlan, VersionRef
from .errors import ChecksFailed, ContractViolation, DataProductError
from .names import check_location, private_schema, quote
from .params import render_params, sql_hash
from .privacy import mask_rows, scrub_quoted


@dataclass
class TransformResult:
    """What a transform did: rows written, time, a preview, and where consumers read it."""

    product: str
    target: str
    run_id: str
    rows: int
    elapsed_s: float
    relation: str
    view: str | None
    preview_columns: list[str] = field(default_factory=list)
    preview_rows: list[tuple] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    parquet: str | None = None
    checks: list[Any] = field(default_factory=list)  # the audit's results (contract + expectations)
    success: bool = True
    version: int | None = None  # the version this run made (None: nothing new, no version)
    increment: str | None = None  # what an incremental run processed, in words
    inserted: int | None = None  # rows an incremental run added
    replaced: int = 0  # rows of the previous version it replaced

    @property
    def preview(self):
        """The first rows as a pandas DataFrame (built on access: pandas stays off the transform path)."""
        import pandas as pd

        return pd.DataFrame(self.preview_rows, columns=self.preview_columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "target": self.target,
            "run_id": self.run_id,
            "rows": self.rows,
            "elapsed_s": round(self.elapsed_s, 4),
            "relation": self.relation,
            "view": self.view,
            "columns": [{"name": c, "type": t} for c, t in self.columns],
            "dropped_columns": self.dropped_columns,
            "profile": self.profile,
            "parquet": self.parquet,
            "checks": [r.to_row() for r in self.checks],
            "success": self.success,
            "version": self.version,
            "increment": self.increment,
            "inserted": self.inserted,
            "replaced": self.replaced,
        }

    def _change(self) -> str:
        """``+500 rows, 12 replaced → `` for an increment; empty for a full build."""
        if self.increment is None or self.inserted is None:
            return ""
        replaced = f", {self.replaced} replaced" if self.replaced else ""
        return f"+{self.inserted} rows{replaced} → "

    def __str__(self) -> str:
        where = f" → {self.view}" if self.view else f" (model {self.relation})"
        on = f" on {self.profile['engine']}" if self.profile.get("engine") else ""
        version = f", version {self.version}" if self.version is not None else ""
        lines = [f"{self.target}: {self._change()}{self.rows} rows in {self.elapsed_s:.2f}s{on}{where}{version}"]
        if self.increment:
            lines.append(f"  incremental: {self.increment}")
        warned = [r for r in self.checks if not r.success]
        if warned:
            lines.append(f"  {len(warned)} check(s) warn: " + "; ".join(f"{r.name}: {r.message}" for r in warned))
        if self.dropped_columns:
            lines.append(f"  not in the contract, not served: {', '.join(self.dropped_columns)}")
        if self.preview_rows:
            from .render.html import text_table

            lines.append(text_table(self.preview_columns, [list(r) for r in self.preview_rows[:10]]))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.html import badge, card, esc, table

        on = f" on {esc(self.profile['engine'])}" if self.profile.get("engine") else ""
        word = "written" if self.version is not None else "nothing new"
        head = f"<h4><code>{esc(self.target)}</code> {badge(word, 'ok')} {esc(self._change())}{esc(self.rows)} rows in {self.elapsed_s:.2f}s{on}</h4>"
        if self.view:
            head += f'<div class="dpn-muted">served as <code>{esc(self.view)}</code>' + (f" · version {esc(self.version)}" if self.version is not None else "") + "</div>"
        if self.increment:
            head += f'<div class="dpn-muted">incremental: {esc(self.increment)}</div>'
        warned = [r for r in self.checks if not r.success]
        if warned:
            head += "".join(f'<div>{badge(r.severity, "warn")} {esc(r.name)}: {esc(r.message)}</div>' for r in warned)
        if self.dropped_columns:
            head += f'<div class="dpn-muted">not in the contract, not served: {esc(", ".join(self.dropped_columns))}</div>'
        rows = table(self.preview_columns, [["" if v is None else v for v in r] for r in self.preview_rows[:10]]) if self.preview_rows else ""
        return mimebundle("transform", self.to_dict(), card(head + rows), str(self))


# -- planning --------------------------------------------------------------------------------------


def plan_build(
    state: Any,
    target: str,
    *,
    params: dict[str, Any] | None,
    namespace: dict[str, Any] | None,
    preview_rows: int = 10,
    history: Any = None,
    keep_versions: int = 1,
    full_refresh: bool = False,
    start: Any = None,
    end: Any = None,
) -> BuildPlan:
    """Everything about one build, decided before anything is written (``PortNotFound``, ``ParameterError``, ...).

    ``history`` (``versions.TargetHistory``) is what the workspace recorded about the target: its
    served and kept versions and what their runs processed; an incremental plan builds on it.
    ``full_refresh``, ``start`` and ``end`` (``--full-refresh``, ``--from``, ``--to``) apply to
    incremental targets.
    """
    from .incremental import IncrementalConfig, checks_hash, plan_increment, time_type, window_params
    from .versions import TargetHistory

    spec = state.spec
    definition = state.transforms[target]
    port = None if definition.model else spec.output_port(target)
    history = history or TargetHistory()
    suite = tuple(state.suites.get(target) or ())
    config = IncrementalConfig.of(port, definition.incremental)
    if config is None and (start is not None or end is not None):
        raise DataProductError(f"transform {target}: --from/--to backfill a time range of an incremental transform: add --incremental --time-column C")
    increment = None
    window: dict[str, Any] = {}
    chash = checks_hash(port, suite)
    merged = {**definition.params, **(params or {})}
    if config is not None:
        probe_sql, _ = render_params(definition.sql, {**merged, "start": None, "end": None}, namespace)
        increment = plan_increment(
            state, target, config, serving=history.serving, history=history.increments, base_row=history.serving_row,
            sql_hash=sql_hash(probe_sql), checks_hash=chash, full_refresh=full_refresh, start=start, end=end,
        )
        window = window_params(increment, time_type(increment, port))  # {{start}}/{{end}} win over any other value
    bound_sql, values = render_params(definition.sql, {**merged, **window}, namespace)
    view = None
    if port is not None:
        view = spec.view_name(port)
        check_location(*view, spec.id, f"outputPorts[{port.id}].location")
    return BuildPlan(
        run_id=uuid.uuid4().hex[:16],
        product=spec.id,
        target=target,
        kind="model" if definition.model else "port",
        schema=private_schema(spec.id),
        sql=bound_sql,
        values=values,
        line_offset=definition.line_offset,
        port=port,
        view=view,
        suite=suite,
        pii_columns=frozenset(state.pii_columns(target)),
        preview_rows=preview_rows,
        seq=history.next_seq,
        keep_versions=max(1, keep_versions if port is not None else 1),
        increment=increment,
        serving=history.serving,
        versions=tuple(history.kept),
        checks_hash=chash,
    )


def serving_select(port: Any, table: str, columns: list[tuple[str, str]]) -> str:
    """The public view's SELECT: declared columns in contract order, cast to their types."""
    from .spec.types import resolve_type

    if not port.columns:
        return f"SELECT * FROM {table}"
    parts = [f"CAST({quote(c.name)} AS {resolve_type(c.type).physical}) AS {quote(c.name)}" for c in port.columns]
    return f"SELECT {', '.join(parts)} FROM {table}"


# -- running ----------------------------------------------------------------------------------------


def audit(con: Any, relation: str, plan: BuildPlan, columns: list[tuple[str, str]]) -> tuple[list[Any], list[str]]:
    """The contract and the expectations on ``relation`` in one pass: every result, and the undeclared columns."""
    from .checks.builtin import Params
    from .checks.contract import ContractScan
    from .checks.run import judge_suite, suite_scan
    from .checks.scan import FusedScan

    scan = FusedScan(con, relation, [n for n, _ in columns], dict(columns), Params())
    contract = ContractScan(scan, plan.port, columns) if plan.port is not None and plan.port.columns else None
    if contract is not None and not contract.ready:
        return contract.results(), contract.undeclared  # the expectations may name the missing columns: they cannot run
    suite = suite_scan(con, relation, list(plan.suite), target=plan.target, scan=scan, described=columns) if plan.suite else None
    if suite is not None:
        suite.run()
    else:
        scan.run()
    results: list[Any] = contract.results() if contract is not None else []
    if suite is not None:
        results += judge_suite(suite, set(plan.pii_columns))
    return results, contract.undeclared if contract is not None else []


def _failure(plan: BuildPlan, failed: list[Any], results: list[Any], *, served_before: bool = True) -> ChecksFailed:
    from .checks.model import SuiteResult

    lines = "\n".join(f"  ✗ {r.kind} {r.name}: {r.message}" for r in failed[:20])
    more = f"\n  … and {len(failed) - 20} more" if len(failed) > 20 else ""
    suite = SuiteResult(plan.target, list(results))
    what = "port" if plan.kind == "port" else "model"
    # say what consumers see now, no more: the data served before passed its own run's checks, not today's
    kept = f"nothing was swapped in: the {what} still holds the data of its last successful build" if served_before else f"nothing was swapped in: the {what} has never been built, so nothing is served"
    if all(r.kind == "unit" for r in failed):
        head = f"{plan.target}: the transform fails {len(failed)} unit test(s); {kept}"
    else:
        head = f"{plan.target}: the new data fails {len(failed)} check(s); {kept}"
    if any(r.kind == "contract" for r in failed):
        return ContractViolation(f"{head} (it breaks the contract):\n{lines}{more}", suite)
    return ChecksFailed(f"{head}:\n{lines}{more}", suite)


def run_build(ws: Any, engine: Any, plan: BuildPlan, *, progress: Any = None, units: Any = None) -> TransformResult:
    """Stage, audit and swap ``plan`` on ``engine``; record the run, its version, checks and cost in ``ws``.

    ``units``: runs the target's unit tests (fixtures in, expected rows out). They are part of the
    audit: after staging (an SQL error names its cell line), before the swap, their failures reported
    with the contract's and the expectations'."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    with ws.metadata() as md:
        md.claim("schema", plan.schema, plan.product)
        if plan.view is not None:
            md.claim("view", f"{plan.view[0]}.{plan.view[1]}", plan.product)
        md.start_run(plan.run_id, plan.product, plan.target, plan.kind, sql_hash(plan.sql), plan.values)
    increment = plan.increment
    if increment is not None and increment.nothing_new:
        return _nothing_new(ws, plan, started, progress)
    results: list[Any] = []
    stage = _Stages(progress)
    try:
        with engine.transaction(plan) as tx:
            stage("staging")
            served_before = engine.has_relation(tx.con, plan.schema, plan.target)
            staged = tx.stage(plan)
            stage("checks", rows=staged.rows, elapsed=time.perf_counter() - started)
            if increment is not None and increment.base is not None:
                from .incremental import audit_increment

                audited, undeclared = audit_increment(tx.con, plan, staged, audit)
            else:
                audited, undeclared = audit(tx.con, staged.relation, plan, staged.columns)
            results = (list(units()) if units is not None else []) + audited
            failed = [r for r in results if r.failed]
            if failed:
                raise _failure(plan, failed, results, served_before=served_before)
            stage("swap", rows=staged.rows, elapsed=time.perf_counter() - started)
            view = tx.swap(plan, staged, lambda source: serving_select(plan.port, source, staged.columns))
            keep, drop, abandoned = retention(plan, staged.version)
            tx.retire(plan, keep, drop + abandoned)
            tx.record(lambda md: _record_version(md, plan, staged, drop, abandoned))
            preview_columns, preview = tx.preview(plan)
            preview = mask_rows(preview_columns, preview, plan.pii_columns)  # outputs end up in published notebooks
            profile = {**staged.profile, **tx.profile()}
    except BaseException as exc:  # SQL errors, failed checks, Ctrl-C: the engine rolled back; say why
        interrupted = isinstance(exc, KeyboardInterrupt)
        reason = "interrupted (KeyboardInterrupt)" if interrupted else (str(exc) or type(exc).__name__)
        if plan.pii_columns and not isinstance(exc, ChecksFailed):
            reason = scrub_quoted(reason)  # an engine error may quote a value ("could not convert 'carol@…'"); history keeps none
        with ws.metadata() as md:
            md.end_run(plan.run_id, "aborted" if interrupted else "failed", None, reason, time.perf_counter() - started)
        ws.record_checks(plan.product, results, run_id=plan.run_id)
        _status(ws, plan, "aborted" if interrupted else "failed", reason)
        stage.done(f"{plan.target}: failed", success=False)
        raise
    elapsed = time.perf_counter() - started
    profile["wall_s"] = elapsed
    # the engine's CPU time where it measures it (Spark executors), else this process's
    if not profile.get("cpu_s"):
        profile["cpu_s"] = time.process_time() - cpu_started
    with ws.metadata() as md:
        md.end_run(plan.run_id, "success", staged.rows, None, elapsed)
        md.record_cost(plan.run_id, plan.product, plan.target, profile, staged.inserted if staged.inserted is not None else staged.rows)
    ws.record_checks(plan.product, results, run_id=plan.run_id)
    result = TransformResult(
        product=plan.product, target=plan.target, run_id=plan.run_id, rows=staged.rows, elapsed_s=elapsed,
        relation=f"{plan.schema}.{plan.target}", view=view, preview_columns=preview_columns, preview_rows=preview,
        columns=staged.columns, dropped_columns=undeclared, profile=profile, checks=results, version=plan.seq,
        increment=increment.describe() if increment is not None else None,
        inserted=staged.inserted if increment is not None and increment.base is not None else None, replaced=staged.replaced,
    )
    if plan.port is not None and plan.port.kind == "files":
        result.parquet = str(_write_parquet(engine, ws, plan))
    _status(ws, plan, "success", None, rows=staged.rows, version=plan.seq, run_id=plan.run_id)
    stage.done(f"{plan.target}: {staged.rows} rows in {elapsed:.2f}s", success=True)
    return result


def retention(plan: BuildPlan, new: VersionRef) -> tuple[list[VersionRef], list[VersionRef], list[VersionRef]]:
    """``(keep, drop, abandoned)`` after ``new`` is served.

    Versions newer than the one the build started from were rolled back: the new version replaces
    them for good (``abandoned``). Of the rest, the newest ``keep_versions - 1`` stay beside ``new``.
    """
    base_seq = plan.serving.seq if plan.serving is not None else None
    others = [v for v in plan.versions if v.run_id != new.run_id]
    abandoned = [v for v in others if base_seq is not None and v.seq > base_seq]
    live = [v for v in others if v not in abandoned]
    keep = [new] + live[: plan.keep_versions - 1]
    return keep, live[plan.keep_versions - 1 :], abandoned


def _record_version(md: Any, plan: BuildPlan, staged: Any, dropped: list[VersionRef], abandoned: list[VersionRef]) -> None:
    """The new version, what its run processed, and the versions it retired — with the swap where the engine can."""
    import json

    from .incremental import records

    current = md.serving(plan.product, plan.target)
    expected = plan.serving.run_id if plan.serving is not None else None
    if current is not None and current["run_id"] != expected:
        raise DataProductError(
            f"transform {plan.target}: another run (version {current['seq']}) was published while this one ran; "
            "nothing was changed by this run: run the transform again"
        )
    increment = plan.increment
    incremental = increment is not None and increment.base is not None
    md.record_version(
        {
            "product": plan.product, "target": plan.target, "run_id": plan.run_id, "seq": plan.seq,
            "parent_run_id": plan.serving.run_id if plan.serving is not None else None,
            "relation": staged.version.relation, "layered": staged.version.layered,
            "mode": "incremental" if incremental else "full", "rows": staged.rows,
            "inserted": staged.inserted, "replaced": staged.replaced, "checks_hash": plan.checks_hash,
            "config_json": json.dumps(increment.config.to_dict()) if increment is not None else None,
            "columns_json": json.dumps([list(c) for c in staged.columns]),
        },
        records(increment, staged.processed, staged.inserted or 0) if increment is not None else [],
    )
    md.mark_dropped(plan.product, plan.target, [v.run_id for v in dropped])
    md.mark_discarded(plan.product, plan.target, [v.run_id for v in abandoned])


def _nothing_new(ws: Any, plan: BuildPlan, started: float, progress: Any) -> TransformResult:
    """An incremental run with no new files: recorded as a successful run that made no version."""
    elapsed = time.perf_counter() - started
    serving = plan.serving
    rows = None
    with ws.metadata() as md:
        row = md.serving(plan.product, plan.target)
        rows = row["rows"] if row else 0
        md.end_run(plan.run_id, "success", 0, None, elapsed)
    note = plan.increment.describe()
    _Stages(progress).done(f"{plan.target}: nothing new", success=True)
    view = f"{plan.view[0]}.{plan.view[1]}" if plan.view else None
    return TransformResult(
        product=plan.product, target=plan.target, run_id=plan.run_id, rows=int(rows or 0), elapsed_s=elapsed,
        relation=f"{plan.schema}.{plan.target}", view=view, version=None, increment=f"nothing new since version {serving.seq}: {note}", inserted=0,
    )


class _Stages:
    """Tells an optional progress display which stage the build is in."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress

    def __call__(self, name: str, **info: Any) -> None:
        if self.progress is not None:
            self.progress.stage(name, **info)

    def done(self, text: str, *, success: bool) -> None:
        if self.progress is not None:
            self.progress.done(text, success)


def _status(ws: Any, plan: BuildPlan, status: str, error: str | None, **extra: Any) -> None:
    _status_of(ws, plan.product, plan.target, status, error, **extra)


def _status_of(ws: Any, product: str, target: str, status: str, error: str | None, **extra: Any) -> None:
    """The port's line in ``status/<product>.json`` (best effort: the data is committed already)."""
    from .errors import DataProductError

    try:
        current = ws.read_status(product).get("ports", {})
        current[target] = {"status": status, "error": error, "at": datetime.now(timezone.utc).isoformat(), **extra}
        ws.write_status(product, {"ports": current})
    except DataProductError as exc:
        import warnings

        warnings.warn(f"{target} was built, but its status file could not be written: {exc}", stacklevel=3)


def _write_parquet(engine: Any, ws: Any, plan: BuildPlan) -> Path:
    return write_parquet_of(engine, ws, plan.product, plan.target, plan.view or (plan.schema, plan.target))


def write_parquet_of(engine: Any, ws: Any, product: str, target: str, view: tuple[str, str]) -> Path:
    """Files ports are also written as Parquet, atomically (temp file + rename)."""
    out = ws.data_dir / product / f"{target}.parquet"
    tmp = out.with_suffix(f".parquet.tmp-{os.getpid()}")
    schema, name = view
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        engine.snapshot(f"{quote(schema)}.{quote(name)}", tmp)
        os.replace(tmp, out)
    except (OSError, DataProductError) as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DataProductError(f"{target}: the view {schema}.{name} serves the new data, but its Parquet file {out} could not be written: {detail}") from None
    return out
