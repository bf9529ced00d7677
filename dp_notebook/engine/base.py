"""The engine boundary: what the pipeline asks of an engine, and the typed plan it hands over.

Transforms are written once, in DuckDB's dialect. An engine runs them (Spark
through a sqlglot translation) and offers:

    connect(where, line_offset)     a connection that takes DuckDB SQL and raises only the toolkit's
                                    errors (checks, contracts and SLOs run on it)
    transaction(plan)               write-audit-publish primitives: stage -> (audit) -> swap; a failure
                                    or an interrupt inside it leaves the port on its last good data
    versions: point(plan-like, version, serving) re-points a target at a kept version (rollback);
    prune(schema, target, keep, drop) removes versions beyond the kept ones
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
class VersionRef:
    """One kept version of a target: the run that built it, its number and where its rows are.

    ``relation`` is a table in the product's private schema. A ``layered`` table holds several
    versions of an incremental target: each row carries ``_dp_from`` (the version that wrote it) and
    ``_dp_to`` (the version that replaced it, else NULL), and version ``seq`` is the rows with
    ``_dp_from <= seq AND (_dp_to IS NULL OR _dp_to > seq)``.
    """

    run_id: str
    seq: int
    relation: str
    layered: bool = False
    columns: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VersionRef:
        import json

        columns = tuple(tuple(c) for c in json.loads(row.get("columns_json") or "[]"))
        return cls(row["run_id"], int(row["seq"]), row["relation"], bool(row.get("layered")), columns)


SEQ_COLUMNS = ("_dp_from", "_dp_to")


def version_filter(seq: int) -> str:
    """The rows of version ``seq`` in a layered table."""
    return f"_dp_from <= {int(seq)} AND (_dp_to IS NULL OR _dp_to > {int(seq)})"


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
    seq: int = 1  # the version number this build creates
    keep_versions: int = 1  # versions kept after it (the new one included)
    increment: Any = None  # dp_notebook.incremental.IncrementPlan for incremental targets, else None
    serving: VersionRef | None = None  # the version served when planned (the base of an increment)
    versions: tuple[VersionRef, ...] = ()  # the kept versions when planned, newest first
    checks_hash: str = ""  # the contract and suite the audit ran (an increment re-audits all rows when it changed)

    @property
    def where(self) -> str:
        return f"transform {self.target}"

    @property
    def layered(self) -> bool:
        """The new version is written into a layered table (every incremental target's is)."""
        return self.increment is not None

    def select_sql(self) -> str:
        """The transform's SQL without its trailing ``;``; ``SQLError`` when only blanks or comments are left
        (the engine would wrap nothing and answer with a syntax error in SQL the user never wrote)."""
        import re

        sql = self.sql.rstrip().rstrip(";").rstrip()
        if not re.sub(r"--[^\n]*|/\*.*?\*/|;", "", sql, flags=re.S).strip():
            from ..errors import SQLError

            noun = "model" if self.kind == "model" else "output port"
            raise SQLError(f"{self.where}: the SQL is empty; write the query that builds {noun} {self.target!r}")
        return sql


@dataclass
class Staged:
    """The staged data: a relation the checks can read (DuckDB-dialect SQL text), rows, columns, profile."""

    relation: str
    rows: int
    columns: list[tuple[str, str]]
    profile: dict[str, Any] = field(default_factory=dict)
    version: VersionRef | None = None  # where the new version's rows live
    increment: str | None = None  # an increment's new rows alone (the audit's row checks read them)
    inserted: int | None = None  # rows the increment added
    replaced: int = 0  # rows of the served version the increment replaced
    processed: dict[str, Any] = field(default_factory=dict)  # the window actually processed (``end_at``: its newest time)


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
    def record(self, write: Callable[[Any], None]) -> None:
        """Record metadata (``write(Metadata)``) atomically with the swap where the engine can."""


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


def processed_range(con: Any, plan: BuildPlan, relation: str) -> dict[str, Any]:
    """What a time-range increment processed, to record: the newest value of its time column."""
    from ..names import quote

    inc = plan.increment
    if inc is None or inc.mode != "time":
        return {}
    return {"end_at": con.execute(f"SELECT max({quote(inc.config.time_column)}) FROM {relation}").fetchone()[0]}
