"""Engines run a product's SQL: the embedded DuckDB (default) or Apache Spark (``engine/spark.py``).

Transforms are written once, in DuckDB's dialect; an engine runs them (Spark
through a sqlglot translation). Metadata (runs, results, costs) stays in the
workspace's local ``_dp`` schema whatever the engine. An engine offers:

    connect()                      a DB-API-like connection that takes DuckDB SQL (checks run on it)
    has_relation / columns / schema_columns    what exists, with DuckDB type names
    query_df(schema, sql, values)  an ad-hoc query as a DataFrame
    snapshot(relation, path)       a relation as one Parquet file (publish)
    storage_sizes(schema, tables)  bytes per port (cost)
    unit_connection()              an isolated connection for unit tests

and, in ``inputs.bind_input`` / ``transform.run_transform``, ``bind_input`` and
``materialize`` (write-audit-publish). Choice, most specific first: the
product's ``engine:`` field, ``DP_NOTEBOOK_ENGINE``, ``engine:`` in
dp-notebook.yaml, else ``duckdb``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import SpecError

ENGINES = ("duckdb", "spark")


class DuckDBEngine:
    """The embedded default: the workspace's DuckDB file (inputs and WAP live in inputs.py/transform.py)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def describe(self) -> str:
        return "duckdb"

    @contextmanager
    def connect(self, *, where: str = "query", line_offset: int = 0) -> Iterator[Any]:
        with self.ws.connect() as con:
            yield con

    def has_relation(self, con: Any, schema: str, name: str) -> bool:
        row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchone()
        return bool(row[0])

    def columns(self, con: Any, relation: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]

    def schema_columns(self, schema: str) -> list[tuple[str, str, str]]:
        with self.ws.connect() as con:
            return [tuple(r) for r in con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ?", [schema]).fetchall()]

    def query_df(self, schema: str, sql: str, values: dict[str, Any], *, where: str = "sql") -> Any:
        import duckdb

        from ..errors import SQLError
        from ..workspace import quote

        with self.ws.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            con.execute(f"SET search_path = '{schema},main'")
            try:
                return con.execute(sql, values or None).df()
            except duckdb.Error as exc:
                raise SQLError(str(exc).strip().splitlines()[0]) from None

    def snapshot(self, relation: str, path: Path) -> None:
        from ..workspace import literal

        with self.ws.connect() as con:
            con.execute(f"COPY (SELECT * FROM {relation}) TO {literal(path.as_posix())} (FORMAT parquet)")

    def storage_sizes(self, schema: str, tables: list[str]) -> dict[str, int]:
        from ..cost import storage_sizes

        with self.ws.connect() as con:
            base = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'", [schema]).fetchall()}
            return storage_sizes(con, schema, [t for t in tables if t in base])

    def unit_connection(self) -> Any:
        import duckdb

        return duckdb.connect(":memory:")


def engine_choice(spec: Any = None, *, folder: Path | None = None) -> tuple[str, Any]:
    """``(name, settings)`` for a product: its ``engine`` field, the env, dp-notebook.yaml, else duckdb."""
    from ..config import load_config

    value: Any = getattr(spec, "engine", None) or os.environ.get("DP_NOTEBOOK_ENGINE") or load_config(folder).get("engine") or "duckdb"
    name = value.get("name") if isinstance(value, dict) else value
    name = str(name or "duckdb").strip().lower()
    if name not in ENGINES:
        raise SpecError(f"engine: unknown engine {name!r} (engines: {', '.join(ENGINES)})")
    return name, value


def get_engine(ws: Any, spec: Any = None) -> Any:
    name, value = engine_choice(spec, folder=ws.root.parent)
    if name == "spark":
        from .spark import SparkEngine, SparkSettings

        return SparkEngine(ws.root, SparkSettings.from_config(value))
    return DuckDBEngine(ws)


__all__ = ["ENGINES", "DuckDBEngine", "engine_choice", "get_engine"]
