"""The engine boundary: what the pipeline asks of an engine, and the typed plan it hands over.

Transforms are written once, in DuckDB's dialect. An engine runs them (Spark
through a sqlglot translation) and offers:

    connect(where, line_offset)     a connection that takes DuckDB SQL and raises only the toolkit's
                                    errors (checks, contracts and SLOs run on it)
    transaction(plan)               write-audit-publish primitives: stage -> (audit) -> swap; a failure
                                    or an interrupt inside it leaves the port on its last good data
    bind_input(schema, name, src)   make an input readable as schema.name
    has_relation / columns / schema_columns, query_df, snapshot, storage_sizes, unit_connection,
    contract_server()               how an ODCS contract names where the engine serves the port

The write-audit-publish sequence itself (record, stage, contract, checks,
swap, record) is written once in ``dp_notebook.build``; engines only provide
the primitives. Error mapping happens in each engine's ``errors()`` context
manager, the single place its exceptions become ``SQLError``/``EngineError``.
Metadata (runs, results, costs) stays in the workspace's DuckDB whatever the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class BuildPlan:
    """Everything an engine needs to build one target, decided before anything is written."""

    run_id: str
    product: str
    target: str
    kind: str  # "port" | "model"
    schema: str  # the product's private schema
    sql: str  # DuckDB dialect, parameters as $name
    values: dict[str, Any]
    line_offset: int = 1
    port: Any = None  # spec.model.OutputPort for ports
    view: tuple[str, str] | None = None  # (schema, view) consumers read
    suite: tuple[Any, ...] = ()  # checks.model.Expectation, run on the staged data
    pii_columns: frozenset[str] = frozenset()
    preview_rows: int = 10

    @property
    def where(self) -> str:
        return f"transform {self.target}"


@dataclass
class Staged:
    """The staged data: a relation the checks can read (DuckDB-dialect SQL text), rows, columns, profile."""

    relation: str
    rows: int
    columns: list[tuple[str, str]]
    profile: dict[str, Any] = field(default_factory=dict)


class Connection(Protocol):
    """DB-API-like: ``execute(sql, params)`` returns itself; rows via fetchone/fetchall/df."""

    description: Any

    def execute(self, sql: str, params: Any = None) -> Connection: ...
    def fetchone(self) -> tuple | None: ...
    def fetchall(self) -> list[tuple]: ...
    def df(self) -> Any: ...


class BuildTransaction(Protocol):
    con: Connection

    def stage(self, plan: BuildPlan) -> Staged: ...
    def swap(self, plan: BuildPlan, staged: Staged, serving: Callable[[str], str]) -> str | None:
        """Make the staged data the target's; point the public view at ``serving(<final relation>)``."""
    def preview(self, plan: BuildPlan) -> tuple[list[str], list[tuple]]: ...
    def profile(self) -> dict[str, Any]: ...


class Engine(Protocol):
    name: str
    dialect: str

    def describe(self) -> str: ...
    def errors(self, where: str, line_offset: int = 0) -> AbstractContextManager[None]: ...
    def connect(self, *, where: str = "query", line_offset: int = 0) -> AbstractContextManager[Connection]: ...
    def transaction(self, plan: BuildPlan) -> AbstractContextManager[BuildTransaction]: ...
    def bind_input(self, schema: str, name: str, source: Any) -> tuple[int, list[tuple[str, str]]]: ...
    def has_relation(self, con: Connection, schema: str, name: str) -> bool: ...
    def columns(self, con: Connection, relation: str) -> list[tuple[str, str]]: ...
    def schema_columns(self, schema: str) -> list[tuple[str, str, str]]: ...
    def query_df(self, schema: str, sql: str, values: dict[str, Any], *, where: str = "sql") -> Any: ...
    def snapshot(self, relation: str, path: Any) -> None: ...
    def storage_sizes(self, schema: str, tables: list[str]) -> dict[str, int]: ...
    def unit_connection(self) -> Any: ...
    def contract_server(self) -> dict[str, Any] | None: ...


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def iter_rows(cur: Any) -> Iterator[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    for row in cur.fetchall():
        yield dict(zip(cols, row))


def as_frame(source: Any) -> Any:
    """A ``var:`` input's value as a pandas DataFrame (DataFrames, DuckDB relations, Arrow/polars tables)."""
    from ..errors import DataProductError

    value = source.value
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return value
    if hasattr(value, "df") and callable(value.df):  # a DuckDB relation
        return value.df()
    if hasattr(value, "to_pandas"):  # pyarrow / polars
        return value.to_pandas()
    raise DataProductError(f"--from var:{source.ref}: the variable is a {type(value).__name__}, not a DataFrame, DuckDB relation or Arrow table")
