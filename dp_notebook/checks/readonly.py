"""SQL written in a spec (SLO ``sql``, ODCS ``sql`` quality rules) may only read the product's own data.

A check's SQL comes from a declaration — in CI possibly a contributed one — and
runs with the workspace open, so it is held twice:

1. ``read_only_query`` (sqlglot): exactly one statement, a query (``SELECT``,
   ``UNION`` …, ``WITH``), no statement that writes, attaches, sets or loads
   anywhere inside it, no table function (``read_csv``, ``query``, ``glob`` …)
   except ``range``/``generate_series``/``unnest``, no function that reveals
   settings or variables, and no table but the product's own: its private
   schema (unqualified names resolve there), and its own ports' public views.
   The toolkit's metadata (``_dp``) and other products' data are out of reach.
2. ``read_only`` (the engine): on DuckDB the query runs on a connection opened
   ``read_only`` with external access off — the engine itself refuses every
   write, ``COPY``, ``ATTACH`` and file read, whatever slipped past step 1.

    >>> read_only_query("SELECT count(*) FROM {port}".replace("{port}", "t"), where="SLO x")
    'SELECT count(*) FROM t'
    >>> read_only_query("DELETE FROM _dp.runs", where="SLO x")
    Traceback (most recent call last):
    ...
    dp_notebook.errors.SpecError: SLO x: only a single SELECT may run here (found DELETE)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import SpecError

_TABLE_FUNCTIONS = {"range", "generate_series", "unnest", "explode"}  # rows from values, no storage
_DENIED_FUNCTIONS = {"current_setting", "getvariable", "getenv", "dp_keyed_hash", "query", "query_table"}
_DENIED_PREFIXES = ("read_", "duckdb_", "pragma_", "parquet_", "sniff_", "glob", "iceberg_", "delta_")


def _write_nodes() -> tuple[type, ...]:
    from sqlglot import exp

    names = (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Copy", "Attach", "Detach",
        "Pragma", "Set", "Use", "Transaction", "Commit", "Rollback", "Command", "Install", "LoadData", "Export",
    )
    return tuple(getattr(exp, n) for n in names if hasattr(exp, n))


def read_only_query(sql: Any, *, where: str, dialect: str = "duckdb", own_tables: Iterable[tuple[str, str]] = (), own_schemas: Iterable[str] = ()) -> str:
    """``sql`` if it is one read-only query over the product's own tables, else ``SpecError`` naming ``where``.

    ``own_schemas``: schemas whose every table is the product's (its private schema);
    ``own_tables``: further ``(schema, name)`` pairs it may read (its ports' public views).
    """
    import sqlglot
    from sqlglot import exp

    if not isinstance(sql, str) or not sql.strip():
        raise SpecError(f"{where}: the query must be SQL text, not {type(sql).__name__ if not isinstance(sql, str) else 'empty text'}")
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is refused below, not logged
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=dialect) if s is not None]
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError) as exc:
        raise SpecError(f"{where}: the query cannot be parsed: {str(exc).splitlines()[0][:200]}") from None
    finally:
        logger.setLevel(level)
    if len(statements) != 1:
        raise SpecError(f"{where}: only a single SELECT may run here (found {len(statements)} statements)")
    (statement,) = statements
    if not isinstance(statement, exp.Query):
        raise SpecError(f"{where}: only a single SELECT may run here (found {_kind(statement)})")
    writes = _write_nodes()
    ctes = {c.alias_or_name.lower() for c in statement.find_all(exp.CTE)}
    schemas = {s.lower() for s in own_schemas}
    tables = {(s.lower(), t.lower()) for s, t in own_tables}
    for node in statement.walk():
        if isinstance(node, writes):
            raise SpecError(f"{where}: only a single SELECT may run here (found {_kind(node)} inside it)")
        if isinstance(node, exp.Func):
            check_function(node, where)
        if isinstance(node, exp.Table):
            _check_table(node, where, ctes, schemas, tables)
    return sql


def check_function(node: Any, where: str) -> None:
    """``SpecError`` for a function that reads files, settings, variables or runs other queries."""
    name = _function_name(node)
    if name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES):
        raise SpecError(f"{where}: the function {name}() may not be used in a check (it reads files, settings or other queries)")


def _check_table(node: Any, where: str, ctes: set[str], schemas: set[str], tables: set[tuple[str, str]]) -> None:
    from sqlglot import exp

    if not isinstance(node.this, exp.Identifier):
        name = _function_name(node.this) if isinstance(node.this, exp.Func) else type(node.this).__name__.lower()
        if name not in _TABLE_FUNCTIONS:
            raise SpecError(f"{where}: the table function {name}() may not be used in a check; read the port ({{model}}) instead")
        return
    name, db, catalog = node.name, node.db, node.catalog
    if catalog:
        raise SpecError(f"{where}: {node.sql()} names another database; a check reads its own product's tables only")
    if not db:
        if any(ch in name for ch in "./\\:") and name.lower() not in ctes:
            raise SpecError(f"{where}: {name!r} looks like a file; a check reads its own product's tables only")
        return  # a CTE, or a table of the product's private schema (the search path)
    if db.lower() in schemas or (db.lower(), name.lower()) in tables:
        return
    raise SpecError(f"{where}: {db}.{name} is not a table of this product; a check reads its own port ({{model}}), inputs and models only")


def _function_name(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return (node.sql_name() if hasattr(node, "sql_name") else type(node).__name__).lower()


def _kind(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return node.key.upper()


@contextmanager
def read_only(engine: Any, *, where: str, schema: str | None = None) -> Iterator[Any]:
    """A connection on which the engine refuses every write (DuckDB: ``read_only``, no external access).

    ``schema``: where unqualified names resolve (the product's private schema). Engines
    without a read-only mode (Spark) fall back to their ordinary connection: there the
    sqlglot validation above is the guard, as ``SECURITY.md`` says.
    """
    opener = getattr(engine, "read_only", None)
    if opener is None:
        with engine.connect(where=where) as con:
            yield con
        return
    with opener(where=where, schema=schema) as con:
        yield con


def guard_for(state: Any, where: str, sql: Any, dialect: str = "duckdb") -> str:
    """``read_only_query`` with the product of ``state`` as the owner of what the query may read."""
    from ..names import private_schema

    spec = state.spec
    return read_only_query(sql, where=where, dialect=dialect, own_schemas=[private_schema(spec.id)], own_tables=[spec.view_name(p) for p in spec.outputPorts])
