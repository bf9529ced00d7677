"""Write-audit-publish, written once for every engine.

    plan -> record start -> stage -> audit (contract + expectations) -> swap -> record

``plan_build`` decides everything before anything is written (the target,
the bound SQL, the view, the checks); ``run_build`` hands the plan to the
product's engine. The engine stages the data; the contract and the
expectations run on the staged data in one pass and every failing check is
reported at once; only when all pass is the port swapped in. A failure, an
interrupt or a killed process leaves consumers on the last good data, and
the run history says why.

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

from .engine.base import BuildPlan
from .errors import ChecksFailed, ContractViolation
from .names import check_location, private_schema, quote
from .params import render_params, sql_hash


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
        }

    def __str__(self) -> str:
        where = f" → {self.view}" if self.view else f" (model {self.relation})"
        on = f" on {self.profile['engine']}" if self.profile.get("engine") else ""
        lines = [f"{self.target}: {self.rows} rows in {self.elapsed_s:.2f}s{on}{where}"]
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
        head = f"<h4><code>{esc(self.target)}</code> {badge('written', 'ok')} {esc(self.rows)} rows in {self.elapsed_s:.2f}s{on}</h4>"
        if self.view:
            head += f'<div class="dpn-muted">served as <code>{esc(self.view)}</code></div>'
        warned = [r for r in self.checks if not r.success]
        if warned:
            head += "".join(f'<div>{badge(r.severity, "warn")} {esc(r.name)}: {esc(r.message)}</div>' for r in warned)
        if self.dropped_columns:
            head += f'<div class="dpn-muted">not in the contract, not served: {esc(", ".join(self.dropped_columns))}</div>'
        rows = table(self.preview_columns, [["" if v is None else v for v in r] for r in self.preview_rows[:10]]) if self.preview_rows else ""
        return mimebundle("transform", self.to_dict(), card(head + rows), str(self))


# -- planning --------------------------------------------------------------------------------------


def plan_build(state: Any, target: str, *, params: dict[str, Any] | None, namespace: dict[str, Any] | None, preview_rows: int = 10) -> BuildPlan:
    """Everything about one build, decided before anything is written (``PortNotFound``, ``ParameterError``, ...)."""
    spec = state.spec
    definition = state.transforms[target]
    port = None if definition.model else spec.output_port(target)
    bound_sql, values = render_params(definition.sql, {**definition.params, **(params or {})}, namespace)
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
        suite=tuple(state.suites.get(target) or ()),
        pii_columns=frozenset(state.pii_columns(target)),
        preview_rows=preview_rows,
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


def _failure(plan: BuildPlan, failed: list[Any], results: list[Any]) -> ChecksFailed:
    from .checks.model import SuiteResult

    lines = "\n".join(f"  ✗ {r.kind} {r.name}: {r.message}" for r in failed[:20])
    more = f"\n  … and {len(failed) - 20} more" if len(failed) > 20 else ""
    suite = SuiteResult(plan.target, list(results))
    head = f"{plan.target}: the new data fails {len(failed)} check(s); the port keeps its last good data"
    if any(r.kind == "contract" for r in failed):
        return ContractViolation(f"{head} (it breaks the contract):\n{lines}{more}", suite)
    return ChecksFailed(f"{head}:\n{lines}{more}", suite)


def run_build(ws: Any, engine: Any, plan: BuildPlan, *, progress: Any = None) -> TransformResult:
    """Stage, audit and swap ``plan`` on ``engine``; record the run, its checks and its cost in ``ws``."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    with ws.metadata() as md:
        md.claim("schema", plan.schema, plan.product)
        if plan.view is not None:
            md.claim("view", f"{plan.view[0]}.{plan.view[1]}", plan.product)
        md.start_run(plan.run_id, plan.product, plan.target, plan.kind, sql_hash(plan.sql), plan.values)
    results: list[Any] = []
    stage = _Stages(progress)
    try:
        with engine.transaction(plan) as tx:
            stage("staging")
            staged = tx.stage(plan)
            stage("checks", rows=staged.rows, elapsed=time.perf_counter() - started)
            results, undeclared = audit(tx.con, staged.relation, plan, staged.columns)
            failed = [r for r in results if r.failed]
            if failed:
                raise _failure(plan, failed, results)
            stage("swap", rows=staged.rows, elapsed=time.perf_counter() - started)
            view = tx.swap(plan, staged, lambda source: serving_select(plan.port, source, staged.columns))
            preview_columns, preview = tx.preview(plan)
            profile = {**staged.profile, **tx.profile()}
    except BaseException as exc:  # SQL errors, failed checks, Ctrl-C: the engine rolled back; say why
        interrupted = isinstance(exc, KeyboardInterrupt)
        reason = "interrupted (KeyboardInterrupt)" if interrupted else (str(exc) or type(exc).__name__)
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
        md.record_cost(plan.run_id, plan.product, plan.target, profile, staged.rows)
    ws.record_checks(plan.product, results, run_id=plan.run_id)
    result = TransformResult(
        product=plan.product, target=plan.target, run_id=plan.run_id, rows=staged.rows, elapsed_s=elapsed,
        relation=f"{plan.schema}.{plan.target}", view=view, preview_columns=preview_columns, preview_rows=preview,
        columns=staged.columns, dropped_columns=undeclared, profile=profile, checks=results,
    )
    if plan.port is not None and plan.port.kind == "files":
        result.parquet = str(_write_parquet(engine, ws, plan))
    _status(ws, plan, "success", None, rows=staged.rows)
    stage.done(f"{plan.target}: {staged.rows} rows in {elapsed:.2f}s", success=True)
    return result


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
    """The port's line in ``status/<product>.json`` (best effort: the data is committed already)."""
    from .errors import DataProductError

    try:
        current = ws.read_status(plan.product).get("ports", {})
        current[plan.target] = {"status": status, "error": error, "at": datetime.now(timezone.utc).isoformat(), **extra}
        ws.write_status(plan.product, {"ports": current})
    except DataProductError as exc:
        import warnings

        warnings.warn(f"{plan.target} was built, but its status file could not be written: {exc}", stacklevel=3)


def _write_parquet(engine: Any, ws: Any, plan: BuildPlan) -> Path:
    """Files ports are also written as Parquet, atomically (temp file + rename)."""
    out = ws.data_dir / plan.product / f"{plan.target}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".parquet.tmp-{os.getpid()}")
    schema, view = plan.view or (plan.schema, plan.target)
    engine.snapshot(f"{quote(schema)}.{quote(view)}", tmp)
    os.replace(tmp, out)
    return out
