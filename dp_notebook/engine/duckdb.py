"""The embedded default engine: the workspace's DuckDB file.

Write-audit-publish on DuckDB is one transaction: the transform writes
``dp_<product>.__staging_<target>``, the audit reads it, and the swap renames it
over the port's table and re-points the public view — then COMMIT. A failure,
Ctrl-C or a killed process rolls everything back: consumers keep the last
good data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DataProductError, SQLError
from ..names import literal, quote
from ..redact import KEYED_HASH, register_keyed_hash
from .base import BuildPlan, Staged, as_frame, first_line


class DuckDBConnection:
    """A DuckDB connection that raises only the toolkit's errors (``SQLError`` naming where and the line)."""

    def __init__(self, con: Any, engine: DuckDBEngine, *, where: str, line_offset: int = 0) -> None:
        self.raw = con
        self._engine = engine
        self.where = where
        self.line_offset = line_offset

    def execute(self, sql: str, params: Any = None) -> DuckDBConnection:
        with self._engine.errors(self.where, self.line_offset):
            if params:
                self.raw.execute(sql, params)
            else:
                self.raw.execute(sql)
        return self

    @property
    def description(self) -> Any:
        return self.raw.description

    def fetchone(self) -> tuple | None:
        with self._engine.errors(self.where, self.line_offset):
            return self.raw.fetchone()

    def fetchall(self) -> list[tuple]:
        with self._engine.errors(self.where, self.line_offset):
            return self.raw.fetchall()

    def df(self) -> Any:
        with self._engine.errors(self.where, self.line_offset):
            return self.raw.df()

    def register(self, name: str, frame: Any) -> None:
        self.raw.register(name, frame)

    def unregister(self, name: str) -> None:
        self.raw.unregister(name)

    def close(self) -> None:
        self.raw.close()


class DuckDBEngine:
    """The workspace's DuckDB file (see the module docstring)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def describe(self) -> str:
        return "duckdb"

    # -- errors: the one place duckdb exceptions become the toolkit's -------------------------------
    @contextmanager
    def errors(self, where: str, line_offset: int = 0) -> Iterator[None]:
        import duckdb

        try:
            yield
        except duckdb.Error as exc:
            text = str(exc).strip()
            m = re.search(r"LINE (\d+):", text)
            at = f" (cell line {int(m.group(1)) + line_offset})" if m else ""
            raise SQLError(f"{where}{at}: {first_line(exc)}") from None

    @contextmanager
    def connect(self, *, where: str = "query", line_offset: int = 0) -> Iterator[DuckDBConnection]:
        with self.ws.connect() as con:
            yield DuckDBConnection(con, self, where=where, line_offset=line_offset)

    @contextmanager
    def read_only(self, *, where: str = "check", schema: str | None = None) -> Iterator[DuckDBConnection]:
        """A connection that cannot write or reach a file (``checks/readonly.py``); ``schema`` first on the search path."""
        with self.ws.connect(read_only=True) as con:
            wrapped = DuckDBConnection(con, self, where=where)
            if schema is not None:
                wrapped.execute(f"SET search_path = {literal(quote(schema))}")
            yield wrapped

    # -- write-audit-publish primitives -------------------------------------------------------------
    @contextmanager
    def transaction(self, plan: BuildPlan) -> Iterator[_Transaction]:
        import duckdb

        with self.ws.connect() as raw:
            con = DuckDBConnection(raw, self, where=plan.where, line_offset=plan.line_offset)
            raw.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(plan.schema)}")
            raw.execute(f"SET search_path = {literal(quote(plan.schema) + ',main')}")
            raw.execute("SET enable_progress_bar = false")  # dp-notebook shows its own, themed progress
            if KEYED_HASH in plan.sql:  # redaction: the key lives on this connection only, never in the SQL
                register_keyed_hash(raw, self.ws.settings.redact_key().reveal())
            raw.execute("BEGIN TRANSACTION")
            try:
                yield _Transaction(self, con)
                raw.execute("COMMIT")
            except BaseException:
                try:
                    raw.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # the transaction was already aborted by the error
                raise

    # -- reading -------------------------------------------------------------------------------------
    def has_relation(self, con: Any, schema: str, name: str) -> bool:
        row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchone()
        return bool(row[0])

    def columns(self, con: Any, relation: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]

    def schema_columns(self, schema: str) -> list[tuple[str, str, str]]:
        with self.connect(where="lineage") as con:
            return [tuple(r) for r in con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ?", [schema]).fetchall()]

    def query_df(self, schema: str, sql: str, values: dict[str, Any], *, where: str = "sql") -> Any:
        with self.connect(where=where) as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            con.execute(f"SET search_path = {literal(quote(schema) + ',main')}")
            return con.execute(sql, values or None).df()

    def snapshot(self, relation: str, path: Path) -> None:
        with self.connect(where=f"snapshot of {relation}") as con:
            con.execute(f"COPY (SELECT * FROM {relation}) TO {literal(Path(path).as_posix())} (FORMAT parquet)")

    def storage_sizes(self, schema: str, tables: list[str]) -> dict[str, int]:
        """Bytes each table occupies in the DuckDB file (its distinct storage blocks × block size)."""
        out: dict[str, int] = {}
        with self.connect(where="storage") as con:
            base = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'", [schema]).fetchall()}
            row = con.execute("SELECT block_size FROM pragma_database_size() LIMIT 1").fetchone()
            block_size = int(row[0]) if row and row[0] else 262144
            for t in tables:
                if t not in base:
                    continue
                blocks = con.execute(f"SELECT count(DISTINCT block_id) FROM pragma_storage_info({literal(quote(schema) + '.' + quote(t))}) WHERE block_id >= 0").fetchone()[0]
                out[t] = int(blocks) * block_size
        return out

    def unit_connection(self) -> Any:
        """An in-memory database that cannot reach any file: unit tests see only their given rows."""
        import duckdb

        raw = duckdb.connect(":memory:", config={"enable_external_access": "false", "lock_configuration": "true"})
        return DuckDBConnection(raw, self, where="unittest")

    def contract_server(self) -> dict[str, Any] | None:
        return None  # the duckdb server entry is the workspace file, which the exporter names itself

    # -- inputs --------------------------------------------------------------------------------------
    def bind_input(self, schema: str, name: str, source: Any) -> tuple[int, list[tuple[str, str]]]:
        """A view over files or a catalog snapshot, a view over a table, or a copy of a DataFrame."""
        import duckdb

        target = f"{quote(schema)}.{quote(name)}"
        where = f"input {name} from {source.kind}:{source.ref}"
        with self.ws.connect() as raw:
            con = DuckDBConnection(raw, self, where=where)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            raw.execute("BEGIN TRANSACTION")
            try:
                existing = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchone()
                if existing:  # DROP VIEW on a table (or the reverse) is an error in DuckDB
                    con.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {target}")
                if source.kind == "file":
                    con.execute(f"CREATE VIEW {target} AS SELECT * FROM {source.info['reader']}({literal(source.value)})")
                elif source.kind == "port":
                    con.execute(f"CREATE VIEW {target} AS SELECT * FROM read_parquet({literal(source.value)})")
                elif source.kind == "table":
                    con.execute(f"CREATE VIEW {target} AS SELECT * FROM {table_ref(source.ref)}")
                else:
                    # a registered DataFrame lives in one connection only: copy it into the file
                    con.register("__dp_input", as_frame(source))
                    con.execute(f"CREATE TABLE {target} AS SELECT * FROM __dp_input")
                    con.unregister("__dp_input")
                columns = self.columns(con, target)
                rows = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
                raw.execute("COMMIT")
            except BaseException:
                try:
                    raw.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
        return rows, columns


class _Transaction:
    """Stage, swap and preview inside the engine's open transaction."""

    def __init__(self, engine: DuckDBEngine, con: DuckDBConnection) -> None:
        self.engine = engine
        self.con = con

    def stage(self, plan: BuildPlan) -> Staged:
        staging = f"{quote(plan.schema)}.{quote('__staging_' + plan.target)}"
        profile_path = self.engine.ws.root / f".profile-{plan.run_id}.json"
        raw = self.con.raw
        raw.execute("PRAGMA enable_profiling = 'json'")
        raw.execute(f"PRAGMA profiling_output = {literal(profile_path.as_posix())}")
        try:
            # the user's SQL starts on the first line, so DuckDB's LINE n is the cell's line n + offset
            rows = self.con.execute(f"CREATE TABLE {staging} AS {plan.sql}", plan.values or None).fetchone()[0]
        finally:
            try:
                raw.execute("PRAGMA disable_profiling")
            except Exception:  # noqa: BLE001 - an aborted transaction refuses even this; the error above tells why
                pass
        profile = _read_profile(profile_path)
        profile["rows_written"] = rows
        return Staged(staging, rows, self.engine.columns(self.con, staging), profile)

    def swap(self, plan: BuildPlan, staged: Staged, serving: Any) -> str | None:
        final = f"{quote(plan.schema)}.{quote(plan.target)}"
        self.con.execute(f"DROP TABLE IF EXISTS {final}")
        self.con.execute(f"ALTER TABLE {staged.relation} RENAME TO {quote(plan.target)}")
        if plan.view is None:
            return None
        schema, view = plan.view
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        self.con.execute(f"CREATE OR REPLACE VIEW {quote(schema)}.{quote(view)} AS {serving(final)}")
        return f"{schema}.{view}"

    def profile(self) -> dict[str, Any]:
        return {}  # DuckDB's profile of the transform's own statement is read in stage()

    def preview(self, plan: BuildPlan) -> tuple[list[str], list[tuple]]:
        source = f"{quote(plan.view[0])}.{quote(plan.view[1])}" if plan.view else f"{quote(plan.schema)}.{quote(plan.target)}"
        cur = self.con.execute(f"SELECT * FROM {source} LIMIT {int(plan.preview_rows)}")
        return [d[0] for d in cur.description], cur.fetchall()


def table_ref(ref: str) -> str:
    """``table:name`` or ``table:schema.name`` as a quoted SQL name."""
    from ..errors import PortNotFound

    parts = ref.split(".")
    if not all(parts) or len(parts) > 3:
        raise PortNotFound(f"--from table:{ref}: write table:<name> or table:<schema>.<name>")
    return ".".join(quote(p) for p in parts)


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
