"""The embedded default engine: the workspace's DuckDB file.

Write-audit-publish on DuckDB is one transaction: the transform writes a new
version, the audit reads it, and the swap re-points the target's view
``dp_<product>.<target>`` and the public view at it, records the version (the
``_dp`` metadata lives in the same file) and prunes versions beyond
``keep_versions`` — then COMMIT. A failure, Ctrl-C or a killed process rolls
everything back: consumers keep the last good data, the recorded intervals
and files stay as they were.

Where versions live: a full build writes ``dp_<product>.__v_<target>_<run>``. An
incremental target's table is *layered*: each row carries ``_dp_from`` (the
version that wrote it) and ``_dp_to`` (the version that replaced it), so an
increment appends its rows and marks the rows it replaces in place — its cost
follows the new data, not the port — and every kept version stays readable
(``engine.base.version_filter``). A rollback re-points the views; nothing is
recomputed. A port built before format 3 is a plain table named like the
target; its first build after the upgrade replaces it, as builds always did.
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
from .base import SEQ_COLUMNS, BuildPlan, Staged, VersionRef, as_frame, first_line, processed_range, version_filter


class DuckDBConnection:
    """A DuckDB connection that raises only the toolkit's errors (``SQLError`` naming where and the line).

    ``dialect`` tells the checks they speak to DuckDB (``checks.scan.is_duckdb``): audits and
    ``expect`` on the workspace then take DuckDB's fast paths (bitmap uniqueness, samples by row number).
    """

    dialect = "duckdb"

    def __init__(self, con: Any, engine: DuckDBEngine, *, where: str, line_offset: int = 0, timeout: float | None = None) -> None:
        self.raw = con
        self._engine = engine
        self.where = where
        self.line_offset = line_offset
        self.timeout = timeout  # seconds one statement may run (a spec's check SQL), None: no limit

    @contextmanager
    def _call(self) -> Iterator[None]:
        """The engine's error mapping, and the timeout: a timer interrupts the statement (as Ctrl-C does)."""
        timer = None
        if self.timeout is not None:
            import threading

            timer = threading.Timer(self.timeout, self.raw.interrupt)
            timer.daemon = True
            timer.start()
        try:
            with self._engine.errors(self.where, self.line_offset):
                yield
        except SQLError:
            if timer is not None and timer.finished.is_set():
                raise SQLError(f"{self.where}: the query was stopped after {self.timeout:g} s (check_timeout in dp-notebook.yaml)") from None
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def execute(self, sql: str, params: Any = None) -> DuckDBConnection:
        with self._call():
            if params:
                self.raw.execute(sql, params)
            else:
                self.raw.execute(sql)
        return self

    @property
    def description(self) -> Any:
        return self.raw.description

    def fetchone(self) -> tuple | None:
        with self._call():
            return self.raw.fetchone()

    def fetchall(self) -> list[tuple]:
        with self._call():
            return self.raw.fetchall()

    def df(self) -> Any:
        with self._call():
            return self.raw.df()

    def fetchnumpy(self) -> dict[str, Any]:
        with self._call():
            return self.raw.fetchnumpy()

    def to_arrow_table(self) -> Any:
        with self._call():
            return self.raw.to_arrow_table()

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
            wrapped = DuckDBConnection(con, self, where=where, timeout=self.ws.settings.check_timeout)
            if schema is not None:
                wrapped.execute(f"SET search_path = {literal(quote(schema))}")
            yield wrapped

    # -- write-audit-publish primitives -------------------------------------------------------------
    @contextmanager
    def transaction(self, plan: BuildPlan, *, dry: bool = False) -> Iterator[_Transaction]:
        """One DuckDB transaction; ``dry`` rolls it back at the end whatever happened (a data diff's staging)."""
        with self.ws.connect() as raw:
            con = DuckDBConnection(raw, self, where=plan.where, line_offset=plan.line_offset)
            raw.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(plan.schema)}")
            raw.execute(f"SET search_path = {literal(quote(plan.schema) + ',main')}")
            raw.execute("SET enable_progress_bar = false")  # dp-notebook shows its own, themed progress
            if KEYED_HASH in plan.sql:  # redaction: the key lives on this connection only, never in the SQL
                register_keyed_hash(raw, self.ws.settings.redact_key().reveal())
            with atomic(raw, dry=dry):
                yield _Transaction(self, con)

    def rollback(self, schema: str, target: str, view: tuple[str, str] | None, version: VersionRef, serving: Any, record: Any) -> str | None:
        """Point ``target`` at a kept ``version`` and ``record(Metadata)`` it, in one transaction."""
        from ..metadata import Metadata

        with self.ws.connect() as raw, atomic(raw):
            record(Metadata(raw))
            return point(DuckDBConnection(raw, self, where=f"rollback {target}"), schema, target, view, version, serving)

    def version_relation(self, schema: str, version: VersionRef) -> str:
        """A kept version's rows as a FROM item (DuckDB SQL)."""
        return f"({version_select(schema, version)}) AS __dp_version"

    # -- reading -------------------------------------------------------------------------------------
    def has_relation(self, con: Any, schema: str, name: str) -> bool:
        row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchone()
        return bool(row[0])

    def columns(self, con: Any, relation: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]

    def schema_columns(self, schema: str) -> list[tuple[str, str, str]]:
        with self.connect(where="lineage") as con:
            rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ?", [schema]).fetchall()
            return [tuple(r) for r in rows if not _internal(r[0])]

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
                # a target's data: its kept version tables (or, built before format 3, a table of its name)
                mine = [b for b in base if b == t or re.fullmatch(rf"__v_{re.escape(t)}_[0-9a-f]+", b)]
                if not mine:
                    continue
                blocks = 0
                for table in mine:
                    blocks += con.execute(f"SELECT count(DISTINCT block_id) FROM pragma_storage_info({literal(quote(schema) + '.' + quote(table))}) WHERE block_id >= 0").fetchone()[0]
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
        target = f"{quote(schema)}.{quote(name)}"
        where = f"input {name} from {source.kind}:{source.ref}"
        with self.ws.connect() as raw:
            con = DuckDBConnection(raw, self, where=where)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            with atomic(raw):
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
        return rows, columns


@contextmanager
def atomic(raw: Any, *, dry: bool = False) -> Iterator[None]:
    """BEGIN … COMMIT on a raw DuckDB connection; ROLLBACK on any failure or interrupt (or always, ``dry``)."""
    import duckdb

    raw.execute("BEGIN TRANSACTION")
    try:
        yield
        raw.execute("ROLLBACK" if dry else "COMMIT")
    except BaseException:
        try:
            raw.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the transaction was already aborted by the error
        raise


class _Transaction:
    """Stage, swap and preview inside the engine's open transaction (see the module docstring)."""

    def __init__(self, engine: DuckDBEngine, con: DuckDBConnection) -> None:
        self.engine = engine
        self.con = con
        self._scratch: list[str] = []  # the staged view and the increment table, dropped before COMMIT

    # -- staging -----------------------------------------------------------------------------
    def stage(self, plan: BuildPlan) -> Staged:
        inc = plan.increment
        if inc is not None and inc.base is not None:
            return self._stage_increment(plan)
        table = f"__v_{plan.target}_{plan.run_id}"
        relation = f"{quote(plan.schema)}.{quote(table)}"
        select, values = self._select(plan)
        if plan.layered:
            select = f"SELECT *, {int(plan.seq)}::BIGINT AS _dp_from, NULL::BIGINT AS _dp_to FROM ({select}\n) AS __dp_rows"
        rows, profile = self._profiled(plan, f"CREATE TABLE {relation} AS {select}", values)
        columns = [c for c in self.engine.columns(self.con, relation) if c[0] not in SEQ_COLUMNS]
        staged_relation = relation
        if plan.layered:  # the checks and the preview see the target's columns only
            staged_relation = self._scratch_view(plan, f"SELECT * EXCLUDE (_dp_from, _dp_to) FROM {relation}")
        version = VersionRef(plan.run_id, plan.seq, table, plan.layered, tuple(columns))
        processed = self._processed(plan, staged_relation)
        return Staged(staged_relation, rows, columns, profile, version=version, inserted=rows, processed=processed)

    def _stage_increment(self, plan: BuildPlan) -> Staged:
        inc = plan.increment
        base = inc.base
        table = f"{quote(plan.schema)}.{quote(base.relation)}"
        if any(v.relation == base.relation and v.seq > base.seq for v in plan.versions):
            purge(self.con, table, base.seq)  # rows of versions abandoned by a rollback
        rows_table = f"{quote(plan.schema)}.{quote('__inc_' + plan.target)}"
        self._scratch.append(f"TABLE {rows_table}")
        select, values = self._select(plan)
        new_rows, profile = self._profiled(plan, f"CREATE TABLE {rows_table} AS {select}", values)
        columns = self.engine.columns(self.con, rows_table)
        _same_columns(plan, base, columns)
        names = ", ".join(quote(c) for c, _ in columns)
        if inc.mode == "key":  # only rows whose key is new or whose values changed
            changed = f"{quote(plan.schema)}.{quote('__changed_' + plan.target)}"
            self._scratch.append(f"TABLE {changed}")
            new_rows = self.con.execute(f"CREATE TABLE {changed} AS SELECT {names} FROM {rows_table} EXCEPT SELECT {names} FROM {table} WHERE _dp_to IS NULL").fetchone()[0]
            rows_table = changed
        seq = int(plan.seq)
        replaced = 0
        if inc.config.unique_key:
            keys = ", ".join(quote(k) for k in inc.config.unique_key)
            key = f"({keys})" if len(inc.config.unique_key) > 1 else keys
            replaced = self.con.execute(f"UPDATE {table} SET _dp_to = {seq} WHERE _dp_to IS NULL AND {key} IN (SELECT {key} FROM {rows_table})").fetchone()[0]
        elif inc.mode == "time":
            from ..incremental import window_sql

            where, bounds = window_sql(inc, quote)
            replaced = self.con.execute(f"UPDATE {table} SET _dp_to = {seq} WHERE _dp_to IS NULL" + (f" AND {where}" if where else ""), bounds or None).fetchone()[0]
        self.con.execute(f"INSERT INTO {table} BY NAME SELECT *, {seq}::BIGINT AS _dp_from, NULL::BIGINT AS _dp_to FROM {rows_table}")
        staged = self._scratch_view(plan, f"SELECT * EXCLUDE (_dp_from, _dp_to) FROM {table} WHERE {version_filter(seq)}")
        increment = self._scratch_view(plan, f"SELECT * EXCLUDE (_dp_from, _dp_to) FROM {table} WHERE _dp_from = {seq}", name="__new_")
        total = self.con.execute(f"SELECT count(*) FROM {staged}").fetchone()[0]
        profile["rows_written"] = new_rows
        version = VersionRef(plan.run_id, seq, base.relation, True, tuple(columns))
        processed = self._processed(plan, increment)
        return Staged(staged, total, columns, profile, version=version, increment=increment, inserted=new_rows, replaced=int(replaced), processed=processed)

    def _select(self, plan: BuildPlan) -> tuple[str, dict[str, Any]]:
        """The transform's SELECT (the user's SQL keeps its first line on line 1) and its values."""
        sql = plan.select_sql()
        values = dict(plan.values)
        inc = plan.increment
        if inc is None:
            return sql, values
        if inc.mode == "files":
            # the globbed input, narrowed to the planned files (a file landing now waits for the next run)
            files = "[" + ", ".join(literal(f.path) for f in inc.files) + "]"
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(inc.files_input)} AS SELECT * FROM {inc.reader}({files})")
            self._scratch.append(f"VIEW temp.main.{quote(inc.files_input)}")
        from ..incremental import window_sql

        where, bounds = window_sql(inc, quote)
        if where:
            sql = f"SELECT * FROM ({sql}\n) AS __dp_q WHERE {where}"
            values.update(bounds)
        return sql, values

    def _profiled(self, plan: BuildPlan, statement: str, values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        raw = self.con.raw
        raw.execute("PRAGMA enable_profiling = 'no_output'")  # kept in memory: no profile file written and read back
        try:
            # the user's SQL starts on the first line, so DuckDB's LINE n is the cell's line n + offset
            rows = self.con.execute(statement, values or None).fetchone()[0]
            info = raw.get_profiling_information(format="json")
        finally:
            try:
                raw.execute("PRAGMA disable_profiling")
            except Exception:  # noqa: BLE001 - an aborted transaction refuses even this; the error above tells why
                pass
        profile = _profile_summary(info)
        profile["rows_written"] = rows
        return rows, profile

    def _scratch_view(self, plan: BuildPlan, select: str, *, name: str = "__staged_") -> str:
        view = f"{quote(plan.schema)}.{quote(name + plan.target)}"
        self.con.execute(f"CREATE OR REPLACE VIEW {view} AS {select}")
        self._scratch.append(f"VIEW {view}")
        return view

    def _processed(self, plan: BuildPlan, relation: str) -> dict[str, Any]:
        return processed_range(self.con, plan, relation)

    # -- publishing ----------------------------------------------------------------------------
    def swap(self, plan: BuildPlan, staged: Staged, serving: Any) -> str | None:
        self._drop_scratch()
        return point(self.con, plan.schema, plan.target, plan.view, staged.version, serving)

    def retire(self, plan: BuildPlan, keep: list[VersionRef], drop: list[VersionRef]) -> None:
        """Remove the data of ``drop`` that no version in ``keep`` still reads."""
        retire(self.con, plan.schema, keep, drop)

    def record(self, write: Any) -> None:
        from ..metadata import Metadata

        write(Metadata(self.con.raw))  # inside the transaction: committed with the swap, or not at all

    def _drop_scratch(self) -> None:
        for item in reversed(self._scratch):  # "TABLE x" / "VIEW x"
            kind, name = item.split(" ", 1)
            self.con.execute(f"DROP {kind} IF EXISTS {name}")
        self._scratch.clear()

    def profile(self) -> dict[str, Any]:
        return {}  # DuckDB's profile of the transform's own statement is read in stage()

    def preview(self, plan: BuildPlan) -> tuple[list[str], list[tuple]]:
        source = f"{quote(plan.view[0])}.{quote(plan.view[1])}" if plan.view else f"{quote(plan.schema)}.{quote(plan.target)}"
        cur = self.con.execute(f"SELECT * FROM {source} LIMIT {int(plan.preview_rows)}")
        return [d[0] for d in cur.description], cur.fetchall()


# -- versions --------------------------------------------------------------------------------------


def version_select(schema: str, version: VersionRef) -> str:
    """A version's rows, with the target's columns only."""
    table = f"{quote(schema)}.{quote(version.relation)}"
    if not version.layered:
        return f"SELECT * FROM {table}"
    return f"SELECT * EXCLUDE (_dp_from, _dp_to) FROM {table} WHERE {version_filter(version.seq)}"


def point(con: Any, schema: str, target: str, view: tuple[str, str] | None, version: VersionRef, serving: Any) -> str | None:
    """Point the target's view, and the public view (``serving(<relation>)``), at ``version``."""
    private = f"{quote(schema)}.{quote(target)}"
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, target]).fetchone()
    if kind and kind[0] != "VIEW":
        con.execute(f"DROP TABLE {private}")  # built before format 3: replaced, as every build replaced it then
    con.execute(f"CREATE OR REPLACE VIEW {private} AS {version_select(schema, version)}")
    if view is None:
        return None
    public_schema, public = view
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(public_schema)}")
    con.execute(f"CREATE OR REPLACE VIEW {quote(public_schema)}.{quote(public)} AS {serving(private)}")
    return f"{public_schema}.{public}"


def purge(con: Any, table: str, upto: int) -> None:
    """Forget, in a layered table, what versions after ``upto`` wrote or replaced (they were rolled back)."""
    con.execute(f"DELETE FROM {table} WHERE _dp_from > {int(upto)}")
    con.execute(f"UPDATE {table} SET _dp_to = NULL WHERE _dp_to > {int(upto)}")


def retire(con: Any, schema: str, keep: list[VersionRef], drop: list[VersionRef]) -> None:
    """Drop tables only dropped versions read; in layered tables still read, delete the rows no kept version sees."""
    kept_in: dict[str, list[int]] = {}
    for v in keep:
        kept_in.setdefault(v.relation, []).append(v.seq)
    for relation in sorted({v.relation for v in drop}):
        table = f"{quote(schema)}.{quote(relation)}"
        seqs = kept_in.get(relation)
        if not seqs:
            con.execute(f"DROP TABLE IF EXISTS {table}")
            continue
        if any(v.relation == relation and v.seq > max(seqs) for v in drop):
            purge(con, table, max(seqs))
        con.execute(f"DELETE FROM {table} WHERE _dp_to IS NOT NULL AND _dp_to <= {min(seqs)}")


def _same_columns(plan: BuildPlan, base: VersionRef, columns: list[tuple[str, str]]) -> None:
    """An increment cannot change the port's columns: the rows already there have the old ones."""
    if not base.columns:
        return
    old, new = dict(base.columns), dict(columns)
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    retyped = [f"{c} {old[c]} → {new[c]}" for c in new if c in old and old[c] != new[c]]
    if added or removed or retyped:
        parts = [f"added {', '.join(added)}" if added else "", f"removed {', '.join(removed)}" if removed else "", f"type changed {', '.join(retyped)}" if retyped else ""]
        raise DataProductError(
            f"transform {plan.target}: the transform's columns changed since version {base.seq} ({'; '.join(p for p in parts if p)}); "
            "an increment cannot change the columns of the rows already built: rebuild with --full-refresh"
        )


def _internal(name: str) -> bool:
    """Version tables and scratch relations of a build, not the product's own names."""
    return name.startswith(("__v_", "__inc_", "__staged_", "__new_", "__changed_", "__staging_"))


def table_ref(ref: str) -> str:
    """``table:name`` or ``table:schema.name`` as a quoted SQL name."""
    from ..errors import PortNotFound

    parts = ref.split(".")
    if not all(parts) or len(parts) > 3:
        raise PortNotFound(f"--from table:{ref}: write table:<name> or table:<schema>.<name>")
    return ".".join(quote(p) for p in parts)


def _profile_summary(text: str) -> dict[str, Any]:
    """What the cost report keeps of DuckDB's profile of one statement (its JSON form)."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
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
