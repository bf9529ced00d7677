"""Transforms with write-audit-publish on the embedded DuckDB.

    {{param}} → bound parameter → staging table → contract + audit → swap (one transaction)

A transform's SQL runs in one DuckDB transaction: it writes a staging table
in the product's private schema, the port's contract (declared columns,
castable types, required, unique) and the audit callable (expectations)
check it there, and only then is the port's table replaced and its public
view re-pointed — then COMMIT. Any failure, an interrupt or a killed process
rolls the transaction back, so consumers keep the last good data; the run
history says why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ContractViolation, ParameterError, PortNotFound, SQLError
from .workspace import Workspace, literal, private_schema, quote

_PARAM = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_MISSING = object()


# -- parameters ---------------------------------------------------------------------------------


def parse_param_args(items: list[str] | None) -> dict[str, Any]:
    """``["k=v", "n=3"]`` → ``{"k": "v", "n": 3}``: a JSON scalar, else the text."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise ParameterError(f"--param {item!r}: write --param name=value")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        if isinstance(parsed, (dict, list)):
            parsed = value
        out[key.strip()] = parsed
    return out


def render_params(sql: str, params: dict[str, Any] | None = None, namespace: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Replace ``{{name}}`` by ``$name`` outside strings and comments; values from params, then namespace.

    Values are bound by DuckDB, never pasted into the SQL text.
    """
    params = params or {}
    namespace = namespace or {}
    values: dict[str, Any] = {}
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside a literal
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i : j + 1])
            i = j + 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
            continue
        m = _PARAM.match(sql, i)
        if m:
            name = m.group(1)
            value = params.get(name, _MISSING)
            if value is _MISSING:
                value = namespace.get(name, _MISSING)
            if value is _MISSING:
                raise ParameterError(
                    f"no value for {{{{{name}}}}}: pass --param {name}=VALUE or define a variable '{name}' in the notebook"
                )
            values[name] = bindable(value)
            out.append(f"${name}")
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out), values


def bindable(value: Any) -> Any:
    # numpy/pandas scalars bind as their Python values
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


# -- results ------------------------------------------------------------------------------------


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
            "success": self.success,
        }

    def __str__(self) -> str:
        where = f" → {self.view}" if self.view else f" (model {self.relation})"
        on = f" on {self.profile['engine']}" if self.profile.get("engine") else ""
        lines = [f"{self.target}: {self.rows} rows in {self.elapsed_s:.2f}s{on}{where}"]
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
        if self.dropped_columns:
            head += f'<div class="dpn-muted">not in the contract, not served: {esc(", ".join(self.dropped_columns))}</div>'
        rows = table(self.preview_columns, [["" if v is None else v for v in r] for r in self.preview_rows[:10]]) if self.preview_rows else ""
        return mimebundle("transform", self.to_dict(), card(head + rows), str(self))


# -- the transform ------------------------------------------------------------------------------


def sql_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def run_transform(
    ws: Workspace,
    spec: Any,
    target: str,
    sql: str,
    *,
    params: dict[str, Any] | None = None,
    namespace: dict[str, Any] | None = None,
    model: bool = False,
    audit: Callable[[Any, str], None] | None = None,
    line_offset: int = 1,
    preview_rows: int = 10,
    engine: Any = None,
) -> TransformResult:
    """Build ``target`` (an output port, or a private model with ``model=True``) from ``sql``.

    On DuckDB data and metadata share one transaction; on another engine the
    engine does write-audit-publish and the run is recorded here around it.
    """
    port = None
    if not model:
        port = spec.output_port(target)  # PortNotFound lists the ports
    elif not re.fullmatch(r"[A-Za-z0-9_-]+", target):
        raise PortNotFound(f"model name {target!r} must match [A-Za-z0-9_-]+")
    bound_sql, values = render_params(sql, params, namespace)
    schema = private_schema(spec.id)
    run_id = uuid.uuid4().hex[:16]
    if engine is None:
        from .engine import DuckDBEngine

        engine = DuckDBEngine(ws)
    if engine.name != "duckdb":
        return _run_on_engine(engine, ws, spec, port, schema, target, sql, bound_sql, values, audit, line_offset, run_id, preview_rows, model)
    started = time.perf_counter()
    cpu_started = time.process_time()
    with ws.connect() as con:
        _record_start(con, run_id, spec.id, target, "model" if model else "port", sql, values)
        try:
            result = _write_audit_publish(
                con, ws, spec, port, schema, target, bound_sql, values, audit, line_offset, run_id, preview_rows
            )
        except BaseException as exc:  # SQL errors, checks, Ctrl-C: roll back, record, re-raise
            _rollback(con)
            _record_failure(con, ws, spec, target, run_id, exc, started)
            raise
        elapsed = time.perf_counter() - started
        result.elapsed_s = elapsed
        result.profile.setdefault("wall_s", elapsed)
        result.profile["cpu_s"] = time.process_time() - cpu_started
        _record_end(con, run_id, "success", result.rows, None, elapsed)
        _record_cost(con, run_id, spec.id, target, result)
    return _published(engine, ws, spec, port, target, result)


def _run_on_engine(engine, ws, spec, port, schema, target, sql, bound_sql, values, audit, line_offset, run_id, preview_rows, model) -> TransformResult:
    started = time.perf_counter()
    cpu_started = time.process_time()
    with ws.connect() as con:
        _record_start(con, run_id, spec.id, target, "model" if model else "port", sql, values)
    try:
        out = engine.materialize(
            spec=spec, port=port, schema=schema, target=target, sql=bound_sql, values=values, audit=audit, line_offset=line_offset,
            run_id=run_id, preview_rows=preview_rows, check_contract=check_contract, serving_select=serving_select,
        )
    except BaseException as exc:
        with ws.connect() as con:
            _record_failure(con, ws, spec, target, run_id, exc, started)
        raise
    elapsed = time.perf_counter() - started
    result = TransformResult(
        product=spec.id, target=target, run_id=run_id, rows=out["rows"], elapsed_s=elapsed, relation=out["relation"], view=out["view"],
        preview_columns=list(out["preview_columns"]), preview_rows=out["preview_rows"], columns=out["columns"],
        dropped_columns=out["dropped"], profile=out["profile"],
    )
    result.profile["wall_s"] = elapsed
    # Spark's executors' CPU time where known, else the driver's
    result.profile["cpu_s"] = result.profile.get("engine_cpu_s") or (time.process_time() - cpu_started)
    with ws.connect() as con:
        _record_end(con, run_id, "success", result.rows, None, elapsed)
        _record_cost(con, run_id, spec.id, target, result)
    return _published(engine, ws, spec, port, target, result)


def _record_failure(con, ws, spec, target, run_id, exc: BaseException, started: float) -> None:
    status = "aborted" if isinstance(exc, KeyboardInterrupt) else "failed"
    reason = "interrupted (KeyboardInterrupt)" if isinstance(exc, KeyboardInterrupt) else str(exc) or type(exc).__name__
    _record_end(con, run_id, status, None, reason, time.perf_counter() - started)
    ws_status(ws, spec.id, target, status, reason)


def _published(engine, ws, spec, port, target, result: TransformResult) -> TransformResult:
    """After a successful run: the Parquet file of a files port, and the status file."""
    if port is not None and port.kind == "files":
        result.parquet = str(_write_parquet(engine, ws, spec, target, result.view))
    ws_status(ws, spec.id, target, "success", None, rows=result.rows)
    return result


def _write_audit_publish(con, ws, spec, port, schema, target, bound_sql, values, audit, line_offset, run_id, preview_rows):
    import duckdb

    staging = f"{quote(schema)}.{quote('__staging_' + target)}"
    final = f"{quote(schema)}.{quote(target)}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    con.execute(f"SET search_path = '{schema},main'")
    # DuckDB's own progress bar (a widget in Jupyter) for statements over 2 s, only when a person
    # watches: unattended runs (dp-notebook run, scripts) keep their outputs clean
    con.execute(f"SET enable_progress_bar = {'true' if _interactive() else 'false'}")
    con.execute("BEGIN TRANSACTION")
    profile_path = ws.root / f".profile-{run_id}.json"
    try:
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = {literal(profile_path.as_posix())}")
        # the user's SQL starts on the first line so DuckDB's LINE n is the cell's line n + offset
        rows = con.execute(f"CREATE TABLE {staging} AS {bound_sql}", values or None).fetchone()[0]
        con.execute("PRAGMA disable_profiling")
    except duckdb.Error as exc:  # the transaction is aborted now; the caller rolls it back
        raise SQLError(_sql_error(exc, target, line_offset)) from None
    profile = _read_profile(profile_path)
    columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {staging}").fetchall()]
    dropped: list[str] = []
    if port is not None and port.columns:
        dropped = check_contract(con, staging, spec, port, columns)
    if audit is not None:
        audit(con, staging)
    con.execute(f"DROP TABLE IF EXISTS {final}")
    con.execute(f"ALTER TABLE {staging} RENAME TO {quote(target)}")
    view_name = None
    if port is not None:
        view_schema, view = spec.view_name(port)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(view_schema)}")
        con.execute(f"CREATE OR REPLACE VIEW {quote(view_schema)}.{quote(view)} AS {serving_select(port, final, columns)}")
        view_name = f"{view_schema}.{view}"
    cur = con.execute(f"SELECT * FROM {quote(view_schema)}.{quote(view)} LIMIT {int(preview_rows)}" if port is not None else f"SELECT * FROM {final} LIMIT {int(preview_rows)}")
    preview_cols = [d[0] for d in cur.description]
    preview = cur.fetchall()
    con.execute("COMMIT")
    profile["rows_written"] = rows
    return TransformResult(
        product=spec.id,
        target=target,
        run_id=run_id,
        rows=rows,
        elapsed_s=0.0,
        relation=f"{schema}.{target}",
        view=view_name,
        preview_columns=preview_cols,
        preview_rows=preview,
        columns=columns,
        dropped_columns=dropped,
        profile=profile,
    )


def _interactive() -> bool:
    if os.environ.get("DP_NOTEBOOK_RUN_DIR") or os.environ.get("CI"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def serving_select(port: Any, table: str, columns: list[tuple[str, str]]) -> str:
    """The public view's SELECT: declared columns in contract order, cast to their types."""
    from .spec.types import resolve_type

    if not port.columns:
        return f"SELECT * FROM {table}"
    parts = [f"CAST({quote(c.name)} AS {resolve_type(c.type).physical}) AS {quote(c.name)}" for c in port.columns]
    return f"SELECT {', '.join(parts)} FROM {table}"


def check_contract(con: Any, relation: str, spec: Any, port: Any, columns: list[tuple[str, str]]) -> list[str]:
    """Enforce the port's contract on ``relation``; ``ContractViolation`` says which column and why.

    Returns the produced columns that the contract does not declare (not served).
    """
    from .spec.types import resolve_type

    have = {name: dtype for name, dtype in columns}
    missing = [c.name for c in port.columns if c.name not in have]
    if missing:
        raise ContractViolation(
            f"{port.id}: the transform does not produce declared column(s) {', '.join(missing)} "
            f"(it produces: {', '.join(n for n, _ in columns)})"
        )
    aggs, labels = [], []
    for c in port.columns:
        col = quote(c.name)
        physical = resolve_type(c.type).physical
        if not _same_type(have[c.name], physical):  # a column already of the declared type cannot fail the cast
            aggs.append(f"count(*) FILTER (WHERE {col} IS NOT NULL AND TRY_CAST({col} AS {physical}) IS NULL)")
            labels.append(("type", c, physical))
        if c.required:
            aggs.append(f"count(*) FILTER (WHERE {col} IS NULL)")
            labels.append(("required", c, None))
        if c.unique:
            aggs.append(f"count({col}) - count(DISTINCT {col})")
            labels.append(("unique", c, None))
    counts = con.execute(f"SELECT {', '.join(aggs)} FROM {relation}").fetchone() if aggs else ()
    problems = []
    for (kind, c, physical), bad in zip(labels, counts):
        if not bad:
            continue
        col = quote(c.name)
        if kind == "type":
            example = con.execute(f"SELECT {col} FROM {relation} WHERE {col} IS NOT NULL AND TRY_CAST({col} AS {physical}) IS NULL LIMIT 1").fetchone()[0]
            problems.append(f"column {c.name}: {bad} value(s) not castable to {c.type} ({physical}), e.g. {example!r}")
        elif kind == "required":
            problems.append(f"column {c.name}: {bad} NULL value(s) but the column is required")
        else:
            example = con.execute(f"SELECT {col} FROM {relation} WHERE {col} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1").fetchone()[0]
            problems.append(f"column {c.name}: {bad} duplicate value(s) but the column is unique, e.g. {example!r}")
    if problems:
        raise ContractViolation(f"{port.id}: the new data breaks the contract, the port keeps its last good data: " + "; ".join(problems))
    declared = {c.name for c in port.columns}
    return [n for n, _ in columns if n not in declared]


_SYNONYMS = {"TEXT": "VARCHAR", "STRING": "VARCHAR", "INT": "INTEGER", "INT4": "INTEGER", "INT8": "BIGINT", "LONG": "BIGINT", "FLOAT8": "DOUBLE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}


def _same_type(actual: str, declared: str) -> bool:
    norm = lambda t: _SYNONYMS.get(t.upper().replace(", ", ","), t.upper().replace(", ", ","))  # noqa: E731
    return norm(actual) == norm(declared)


def _sql_error(exc: BaseException, target: str, line_offset: int) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    m = re.search(r"LINE (\d+):", text)
    where = f" (cell line {int(m.group(1)) + line_offset})" if m else ""
    return f"transform {target}{where}: {first}"


def _read_profile(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    finally:
        path.unlink(missing_ok=True)
    query = data.get("query") or {}
    io = data.get("io") or {}
    system = data.get("system") or {}
    return {
        "engine_cpu_s": query.get("cpu_time"),
        "engine_wall_s": query.get("total_time"),
        "rows_scanned": query.get("total_rows_scanned"),
        "bytes_scanned": io.get("total_bytes_read"),
        "peak_buffer_memory": system.get("peak_buffer_memory"),
    }


def _rollback(con: Any) -> None:
    import duckdb

    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction was open (the error came before BEGIN)


def _record_start(con, run_id, product, target, kind, sql, values) -> None:
    con.execute(
        "INSERT INTO _dp.runs (run_id, product, target, kind, started_at, status, sql_hash, params_json, pid, host) "
        "VALUES (?, ?, ?, ?, now(), 'running', ?, ?, ?, ?)",
        [run_id, product, target, kind, sql_hash(sql), json.dumps(values, default=str), os.getpid(), socket.gethostname()],
    )


def _record_end(con, run_id, status, rows, error, elapsed) -> None:
    con.execute(
        "UPDATE _dp.runs SET status = ?, ended_at = now(), rows = ?, error = ?, elapsed_s = ? WHERE run_id = ?",
        [status, rows, error, elapsed, run_id],
    )


def _record_cost(con, run_id, product, target, result: TransformResult) -> None:
    p = result.profile
    con.execute(
        "INSERT INTO _dp.costs VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
        [run_id, product, target, p.get("wall_s"), p.get("cpu_s"), p.get("rows_scanned"), p.get("bytes_scanned"), result.rows],
    )


def ws_status(ws: Workspace, product: str, target: str, status: str, error: str | None, **extra: Any) -> None:
    from datetime import datetime, timezone

    current = ws.read_status(product).get("ports", {})
    current[target] = {"status": status, "error": error, "at": datetime.now(timezone.utc).isoformat(), **extra}
    ws.write_status(product, {"ports": current})


def _write_parquet(engine: Any, ws: Workspace, spec: Any, target: str, view: str | None) -> Path:
    """Files ports are also written as Parquet, atomically (temp file + rename)."""
    out = ws.data_dir / spec.id / f"{target}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".parquet.tmp-{os.getpid()}")
    schema_name, view_name = view.split(".", 1) if view else (private_schema(spec.id), target)
    engine.snapshot(f"{quote(schema_name)}.{quote(view_name)}", tmp)
    os.replace(tmp, out)
    return out


def read_relation(ws: Workspace, relation: str, limit: int | None = None):
    """Rows of a relation as a DataFrame (bounded when ``limit`` is given)."""
    suffix = f" LIMIT {int(limit)}" if limit else ""
    return ws.sql(f"SELECT * FROM {relation}{suffix}")


__all__ = [
    "TransformResult",
    "check_contract",
    "parse_param_args",
    "render_params",
    "run_transform",
    "serving_select",
]
