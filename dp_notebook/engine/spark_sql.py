"""Spark's side of the engine boundary that speaks DuckDB SQL: the session, a connection that
translates, type names in DuckDB's spelling, and the unit-test connection.

``engine/spark.py`` builds the engine (write-audit-publish, inputs, snapshots) on these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import EngineError
from .base import first_line
from .translate import spark_error, to_spark


# -- types ----------------------------------------------------------------------------------------

_TYPES = {
    "string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "bigint": "BIGINT", "long": "BIGINT", "int": "INTEGER",
    "integer": "INTEGER", "smallint": "SMALLINT", "short": "SMALLINT", "tinyint": "TINYINT", "byte": "TINYINT",
    "double": "DOUBLE", "float": "FLOAT", "real": "FLOAT", "boolean": "BOOLEAN", "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_ltz": "TIMESTAMP WITH TIME ZONE", "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB", "void": "NULL",
}


def duckdb_type(spark_type: str) -> str:
    """A Spark type name in DuckDB's spelling, so contracts and checks compare one vocabulary."""
    t = spark_type.strip().lower()
    if t in _TYPES:
        return _TYPES[t]
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return f"DECIMAL({m.group(1)},{m.group(2)})"
    m = re.fullmatch(r"array<(.+)>", t)
    if m:
        return duckdb_type(m.group(1)) + "[]"
    return t.upper()


def schema_of(df: Any) -> list[tuple[str, str]]:
    """``[(column, DuckDB type)]`` of a Spark DataFrame."""
    return [(f.name, duckdb_type(f.dataType.simpleString())) for f in df.schema.fields]


# -- the session ----------------------------------------------------------------------------------

_SESSION: dict[str, Any] = {}


def spark_session(settings: Any, home: Path) -> Any:
    """The process's Spark session for the workspace at ``home`` (created on first use)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("the Spark engine needs pyspark: pip install 'dp-notebook[spark]' (and Java 17+)") from None
    key = settings.remote or f"{settings.master}@{home}"
    if _SESSION.get("key") == key:
        return _SESSION["spark"]
    if _SESSION and not settings.remote:
        raise EngineError(
            f"this process already runs Spark for {_SESSION['key']}; one local Spark session serves one workspace "
            "per process: restart the kernel to switch workspaces"
        )
    builder = SparkSession.builder.appName("dp-notebook")
    if settings.remote:
        builder = builder.remote(settings.remote)
    else:
        spark_dir = home / "spark"
        spark_dir.mkdir(parents=True, exist_ok=True)
        builder = (
            builder.master(settings.master)
            .config("spark.sql.warehouse.dir", str(spark_dir / "warehouse"))
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .enableHiveSupport()
        )
    # DuckDB's semantics: timestamps without time zone, UTC sessions
    builder = builder.config("spark.sql.session.timeZone", "UTC").config("spark.sql.timestampType", "TIMESTAMP_NTZ")
    for k, v in settings.conf:
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - JVM start-up failures come in many types
        raise EngineError(f"cannot start Spark ({settings.remote or settings.master}): {first_line(exc)}") from None
    if not settings.remote:
        spark.sparkContext.setLogLevel("ERROR")
    # pyspark logs every failed query with its JVM stack; the error reaches the user as an SQLError
    import logging

    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    _SESSION.update(key=key, spark=spark)
    return spark


@contextmanager
def _quiet() -> Iterator[None]:
    """pyspark warns about pandas >= 3 on every conversion; the conversions we use work."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\.")
        yield


def _is_query(sql: str) -> bool:
    return bool(re.match(r"\s*(\(|SELECT\b|WITH\b|FROM\b|VALUES\b|TABLE\b|DESCRIBE\b|SHOW\b)", sql, re.I))


class SparkConnection:
    """A DB-API-like connection over a Spark session that takes DuckDB SQL.

    ``execute(sql, params)`` translates and runs one statement (``?`` and
    ``$name`` parameters bound); ``fetchone``/``fetchall``/``description`` read
    a query's rows. ``DESCRIBE <relation or SELECT>`` answers with DuckDB type
    names. This is what the checks, the contract and the SLOs run on.
    """

    def __init__(self, spark: Any, *, where: str = "query", line_offset: int = 0) -> None:
        self.spark = spark
        self.where = where
        self.line_offset = line_offset
        self._rows: list[tuple] = []
        self.description: list[tuple] | None = None

    def execute(self, sql: str, params: Any = None) -> SparkConnection:
        text = sql.strip().rstrip(";")
        m = re.fullmatch(r"DESCRIBE\s+(.+)", text, re.I | re.S)
        if m:
            target = m.group(1).strip()
            df = self._sql(to_spark(target, where=self.where), original=target) if _is_query(target) else self._table(target)
            self._rows = [(name, dtype, "YES" if f.nullable else "NO") for (name, dtype), f in zip(schema_of(df), df.schema.fields)]
            self.description = [("column_name",), ("column_type",), ("null",)]
            return self
        df = self._sql(to_spark(text, where=self.where, line_offset=self.line_offset), params, original=text)
        if _is_query(text):
            self._rows = [tuple(r) for r in _collect(df, self.where, text, self.line_offset)]
            self.description = schema_of(df)
        else:
            self._rows, self.description = [], None
        return self

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return list(self._rows)

    def df(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self._rows, columns=[d[0] for d in self.description or []])

    def _table(self, name: str) -> Any:
        try:
            return self.spark.table(name.replace('"', "`"))
        except Exception as exc:  # noqa: BLE001 - AnalysisException and friends
            raise spark_error(exc, where=self.where, sql=name, line_offset=self.line_offset) from None

    def _sql(self, sql: str, params: Any = None, *, original: str | None = None) -> Any:
        args = _args(params)
        try:
            return self.spark.sql(sql, args=args) if args is not None else self.spark.sql(sql)
        except Exception as exc:  # noqa: BLE001
            raise spark_error(exc, where=self.where, sql=original or sql, line_offset=self.line_offset) from None

    def close(self) -> None:
        self._rows = []


def _args(params: Any) -> Any:
    from ..params import bindable

    if not params:
        return None
    if isinstance(params, dict):
        return {k: bindable(v) for k, v in params.items()}
    return [bindable(v) for v in params]


def _collect(df: Any, where: str, sql: str, line_offset: int) -> list[Any]:
    try:
        return df.collect()
    except Exception as exc:  # noqa: BLE001 - runtime errors (casts, overflow) surface on collect
        raise spark_error(exc, where=where, sql=sql, line_offset=line_offset) from None


def q(name: str) -> str:
    """A Spark identifier."""
    return "`" + name.replace("`", "``") + "`"


# -- the engine -----------------------------------------------------------------------------------


class SparkUnitConnection(SparkConnection):
    """Unit tests on Spark: ``register`` + ``CREATE OR REPLACE TABLE x AS …`` become temp views."""

    def __init__(self, spark: Any) -> None:
        super().__init__(spark, where="unittest")
        self._views: list[str] = []
        self._frames: dict[str, Any] = {}

    def register(self, name: str, frame: Any) -> None:
        self._frames[name] = frame

    def unregister(self, name: str) -> None:
        self._frames.pop(name, None)

    def execute(self, sql: str, params: Any = None) -> SparkConnection:
        m = re.fullmatch(r'\s*CREATE\s+OR\s+REPLACE\s+TABLE\s+"?([A-Za-z0-9_]+)"?\s+AS\s+(.+)', sql, re.I | re.S)
        if m:
            name, body = m.group(1), m.group(2).strip()
            given = re.fullmatch(r"SELECT \* FROM (\w+)", body)
            if given and given.group(1) in self._frames:
                frame = self._frames[given.group(1)]
                with _quiet():
                    df = self.spark.createDataFrame(frame) if len(frame) else self.spark.createDataFrame([], _empty_schema(frame))
            else:
                df = self._sql(to_spark(body, where=self.where), params, original=body)
            df.createOrReplaceTempView(name)
            self._views.append(name)
            return self
        return super().execute(sql, params)

    def close(self) -> None:
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        super().close()


def _empty_schema(frame: Any) -> str:
    return ", ".join(f"`{c}` string" for c in frame.columns) or "`_` string"
