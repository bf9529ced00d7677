"""Apache Spark as a product's engine: a local master (``local[2]``) or a cluster via Spark Connect.

The same transforms run unchanged: their DuckDB SQL is translated by sqlglot
(``engine/translate.py``), parameters stay bound (Spark named/positional
parameters), and the checks are the same compiled queries, translated too.

Write-audit-publish on Spark: every run writes a new table
``dp_<product>.__t_<port>_<run>`` (Parquet), the contract and expectations run
on it, and only then are the product's ``<port>`` view and the public port
view re-pointed at it (``CREATE OR REPLACE VIEW`` is one metastore operation).
Each table is a version: the last ``keep_versions`` stay for ``rollback``
(the views re-pointed), older ones are dropped after a successful swap. A
failed run drops its own tables and leaves both views on the last good data.

An incremental run computes only the new data (``__i_<port>_<run>``: a time
range, new files, or new and changed rows) and writes the new version as the
served rows it does not replace plus the new ones. Plain Parquet tables cannot
be updated in place, so unlike DuckDB's layered tables an increment rewrites
the port's files — the transform itself reads only the new data. The version
is recorded in the workspace's metadata right after the swap. Recording that
fails (a locked or full workspace) puts the views back on the last good table
before this run's table is dropped; a process killed in between leaves the
views ahead of the record, and the next run rebuilds from the recorded version
(the same data again, no loss).

Locally the metastore (Derby) and the warehouse live in ``.dp/spark/`` of the
workspace, so tables survive a kernel restart; one Spark session (one JVM)
serves one workspace per process. Metadata (runs, results, costs) stays in the
workspace's DuckDB ``_dp`` schema, as for every engine. ``pyspark`` is the
optional extra ``dp-notebook[spark]``, imported only when a product uses Spark.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DataProductError
from ..names import literal, quote
from .base import BuildPlan, Staged, VersionRef, as_frame, processed_range
from .spark_sql import SparkConnection, SparkUnitConnection, _quiet, q, schema_of, spark_session
from .translate import spark_error, to_spark


class SparkEngine:
    """Apache Spark: a local master or a Spark Connect URL (see the module docstring)."""

    name = "spark"
    dialect = "spark"

    def __init__(self, ws: Any, settings: Any) -> None:
        self.ws = ws
        self.home = Path(ws.root)
        self.settings = settings  # dp_notebook.settings.EngineSettings

    @property
    def spark(self) -> Any:
        return spark_session(self.settings, self.home)

    @property
    def is_local(self) -> bool:
        return self.settings.remote is None

    def describe(self) -> str:
        return self.settings.describe()

    def contract_server(self) -> dict[str, Any] | None:
        return {"master": self.settings.master, "remote": self.settings.remote}

    # -- errors: the one place Spark's exceptions become the toolkit's -----------------------------
    @contextmanager
    def errors(self, where: str, line_offset: int = 0, sql: str = "") -> Iterator[None]:
        try:
            yield
        except DataProductError:
            raise
        except Exception as exc:  # noqa: BLE001 - AnalysisException, Py4JJavaError, SparkConnectGrpcException ...
            raise spark_error(exc, where=where, sql=sql, line_offset=line_offset) from None

    @contextmanager
    def connect(self, *, where: str = "query", line_offset: int = 0) -> Iterator[SparkConnection]:
        yield SparkConnection(self.spark, where=where, line_offset=line_offset)

    # -- catalog ------------------------------------------------------------------------------
    def has_relation(self, con: Any, schema: str, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(f"{schema}.{name}"))

    def columns(self, con: Any, relation: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]

    def schema_columns(self, schema: str) -> list[tuple[str, str, str]]:
        """``(table, column, type)`` of every relation in ``schema`` (for lineage)."""
        spark = self.spark
        if not spark.catalog.databaseExists(schema):
            return []
        out = []
        for t in spark.catalog.listTables(schema):
            if t.name.startswith(("__t_", "__i_")):
                continue
            out += [(t.name, col, dtype) for col, dtype in schema_of(spark.table(f"{q(schema)}.{q(t.name)}"))]
        return out

    def _ensure_db(self, schema: str) -> None:
        self.spark.sql(f"CREATE DATABASE IF NOT EXISTS {q(schema)}")

    # -- inputs ---------------------------------------------------------------------------------
    def bind_input(self, schema: str, name: str, source: Any) -> tuple[int, list[tuple[str, str]]]:
        """Make a file, a catalog snapshot, a table or a DataFrame readable as ``schema.name``."""
        spark = self.spark
        self._ensure_db(schema)
        target = f"{q(schema)}.{q(name)}"
        with self.errors(f"input {name} from {source.kind}:{source.ref}"):
            if source.kind in ("file", "port") and self.is_local:
                reader = source.info.get("reader", "read_parquet")
                fmt = {"read_csv_auto": "csv", "read_csv": "csv", "read_json_auto": "json", "read_json": "json"}.get(reader, "parquet")
                options = ", header 'true', inferSchema 'true'" if fmt == "csv" else ""
                path = str(source.value).replace("\\", "\\\\").replace("'", "\\'")  # Spark expands globs itself
                # a table over the files keeps inputs live, as DuckDB's views do: read at every transform
                spark.sql(f"DROP VIEW IF EXISTS {target}")
                spark.sql(f"DROP TABLE IF EXISTS {target}")
                spark.sql(f"CREATE TABLE {target} USING {fmt} OPTIONS (path '{path}'{options})")
            elif source.kind == "table":
                spark.sql(f"DROP TABLE IF EXISTS {target}")
                spark.sql(f"CREATE OR REPLACE VIEW {target} AS SELECT * FROM {source.ref}")
            else:
                if source.kind in ("file", "port"):
                    # files on a cluster (Spark Connect) that cannot read this machine's disk: read
                    # them here with DuckDB's readers, as the DuckDB engine does, and upload the rows
                    import duckdb

                    frame = duckdb.sql(f"SELECT * FROM {source.info.get('reader', 'read_parquet')}({literal(str(source.value))})").df()
                else:
                    frame = as_frame(source)
                with _quiet():
                    sdf = spark.createDataFrame(frame)
                if spark.catalog.tableExists(f"{schema}.{name}") and spark.catalog.getTable(f"{schema}.{name}").tableType == "VIEW":
                    spark.sql(f"DROP VIEW {target}")  # DROP VIEW on a table is an error on Spark 4
                sdf.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{name}")
            table = spark.table(f"{schema}.{name}")
            return table.count(), schema_of(table)

    # -- write-audit-publish primitives -------------------------------------------------------------
    @contextmanager
    def transaction(self, plan: BuildPlan, *, dry: bool = False) -> Iterator[_SparkTransaction]:
        """Each run writes new tables; the views move to them in ``swap``; a failure (or ``dry``) drops them again."""
        spark = self.spark
        self._ensure_db(plan.schema)
        spark.sql(f"USE {q(plan.schema)}")
        tx = _SparkTransaction(self, plan)
        if self.is_local:
            spark.sparkContext.setJobGroup(tx.group, plan.where)
        try:
            yield tx
            if dry:
                tx.discard()
        except BaseException:
            tx.discard()
            raise
        finally:
            tx.drop_temp_views()
            if self.is_local:
                spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
        # published: retired versions may go now. Outside the try above, because a failure
        # here must never drop the table the views were just pointed at
        for table in tx.after_commit + tx.scratch:
            try:
                spark.sql(f"DROP TABLE IF EXISTS {q(plan.schema)}.{q(table)}")
            except Exception:  # noqa: BLE001 - an orphaned old table costs storage, not data
                pass

    def rollback(self, schema: str, target: str, view: tuple[str, str] | None, version: Any, serving: Any, record: Any) -> str | None:
        """Re-point ``target``'s views at a kept ``version``'s table, then record it (the views go back when recording fails)."""
        spark = self.spark
        moved: list[tuple[str, str | None]] = []
        with self.errors(f"rollback {target}"):
            if not spark.catalog.tableExists(f"{schema}.{version.relation}"):
                raise DataProductError(f"rollback {target}: the table of version {version.seq} ({schema}.{version.relation}) is gone from Spark's warehouse")
            self._move_view(schema, target, f"SELECT * FROM {q(schema)}.{q(version.relation)}", moved)
            served = None
            if view is not None:
                self._ensure_db(view[0])
                self._move_view(view[0], view[1], to_spark(serving(f"{quote(schema)}.{quote(version.relation)}"), where=f"rollback {target}"), moved)
                served = f"{view[0]}.{view[1]}"
        try:
            with self.ws.metadata() as md:
                record(md)
        except BaseException:
            put_back(spark, moved)
            raise
        return served

    def version_relation(self, schema: str, version: Any) -> str:
        """A kept version's rows as a FROM item (DuckDB SQL, translated on execution)."""
        return f"{quote(schema)}.{quote(version.relation)}"

    def _view_source(self, schema: str, view: str) -> str | None:
        """The ``__t_…`` table a product view reads now (to drop it after a swap)."""
        return _source_table(self._view_text(schema, view))

    def _move_view(self, schema: str, view: str, select: str, moved: list[tuple[str, str | None]]) -> None:
        """Point ``schema.view`` at ``select`` (Spark SQL), remembering in ``moved`` what it ran before (``put_back``)."""
        moved.append((f"{q(schema)}.{q(view)}", self._view_text(schema, view)))
        self.spark.sql(f"CREATE OR REPLACE VIEW {q(schema)}.{q(view)} AS {select}")

    def _view_text(self, schema: str, view: str) -> str | None:
        """The SELECT a view runs now (None: no such view), to put it back."""
        spark = self.spark
        if not spark.catalog.tableExists(f"{schema}.{view}"):
            return None
        for row in spark.sql(f"DESCRIBE TABLE EXTENDED {q(schema)}.{q(view)}").collect():
            if row[0] == "View Text":
                return str(row[1])
        return None

    def _metrics(self, group: str) -> dict[str, Any]:
        """Spark's task metrics for the run's jobs (local sessions): CPU time, rows and bytes read."""
        if not self.is_local:
            return {}
        try:
            sc = self.spark.sparkContext
            store = sc._jsc.sc().statusStore()
            tracker = sc.statusTracker()
            cpu_ns = run_ms = rows = nbytes = 0
            for job in tracker.getJobIdsForGroup(group):
                info = tracker.getJobInfo(job)
                for stage in info.stageIds if info else []:
                    seq = store.stageData(stage, False, getattr(store, "stageData$default$3")(), False, getattr(store, "stageData$default$5")())
                    for i in range(seq.size()):
                        d = seq.apply(i)
                        cpu_ns += d.executorCpuTime()
                        run_ms += d.executorRunTime()
                        rows += d.inputRecords()
                        nbytes += d.inputBytes()
            return {"engine_cpu_s": cpu_ns / 1e9, "executor_run_s": run_ms / 1e3, "rows_scanned": rows, "bytes_scanned": nbytes}
        except Exception:  # noqa: BLE001 - metrics are best effort (internal API)
            return {}

    # -- reading, snapshots, storage ------------------------------------------------------------
    def query_df(self, schema: str, sql: str, values: dict[str, Any], *, where: str = "sql") -> Any:
        spark = self.spark
        self._ensure_db(schema)
        spark.sql(f"USE {q(schema)}")
        con = SparkConnection(spark, where=where)
        df = con._sql(to_spark(sql, where=where), values, original=sql)
        try:
            with _quiet():
                return df.toPandas()
        except Exception as exc:  # noqa: BLE001
            raise spark_error(exc, where=where, sql=sql) from None

    def snapshot(self, relation: str, path: Path) -> None:
        """``relation`` as one Parquet file at ``path`` (what publish ships to the catalog).

        Locally Spark writes it; from a cluster (Spark Connect) the rows come to the
        client as Arrow, since the cluster cannot write to this machine's disk.
        """
        if not self.is_local:
            import pyarrow.parquet as pq

            df = self.spark.sql(f"SELECT * FROM {relation.replace(chr(34), '`')}")
            with _quiet():
                pq.write_table(df.toArrow(), path)
            return
        tmp = Path(tempfile.mkdtemp(prefix="dp-spark-", dir=path.parent))
        try:
            self.spark.sql(f"SELECT * FROM {relation.replace(chr(34), '`')}").coalesce(1).write.mode("overwrite").parquet(str(tmp / "out"))
            part = next((tmp / "out").glob("part-*.parquet"), None)
            if part is None:
                raise DataProductError(f"Spark wrote no Parquet file for {relation}")
            os.replace(part, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def storage_sizes(self, schema: str, tables: list[str]) -> dict[str, int]:
        """Bytes on disk of each port's current data (Spark's table statistics)."""
        out: dict[str, int] = {}
        for t in tables:
            current = self._view_source(schema, t)
            if not current:
                continue
            try:
                self.spark.sql(f"ANALYZE TABLE {q(schema)}.{q(current)} COMPUTE STATISTICS NOSCAN")
                rows = self.spark.sql(f"DESCRIBE TABLE EXTENDED {q(schema)}.{q(current)}").collect()
                stats = next((r[1] for r in rows if r[0] == "Statistics"), "") or ""
                m = re.search(r"(\d+) bytes", stats)
                out[t] = int(m.group(1)) if m else 0
            except Exception:  # noqa: BLE001
                out[t] = 0
        return out

    def unit_connection(self) -> Any:
        """A connection for unit tests: given rows become temporary views, dropped afterwards.

        It works in an empty scratch database, so a table the case does not give is
        missing, as in DuckDB's fresh in-memory database, never the product's real data.
        """
        self._ensure_db("dp_unit_scratch")
        self.spark.sql("USE dp_unit_scratch")
        return SparkUnitConnection(self.spark)


def _source_table(view_text: str | None) -> str | None:
    """The ``__t_…`` table a product view's SELECT reads."""
    m = re.search(r"__t_[A-Za-z0-9_-]+", view_text or "")
    return m.group(0) if m else None


def put_back(spark: Any, moved: list[tuple[str, str | None]]) -> None:
    """Views as they were: ``moved`` holds (view, its SELECT before, or None when it was new)."""
    for view, select in reversed(moved):
        spark.sql(f"CREATE OR REPLACE VIEW {view} AS {select}" if select is not None else f"DROP VIEW IF EXISTS {view}")


class _SparkTransaction:
    """Write-audit-publish on Spark: new ``__t_<port>_<run>`` (and ``__i_…`` increment) tables, views moved in ``swap``."""

    def __init__(self, engine: SparkEngine, plan: BuildPlan) -> None:
        self.engine = engine
        self.data_table = f"__t_{plan.target}_{plan.run_id}"
        self.schema = plan.schema
        self.staging = f"{q(plan.schema)}.{q(self.data_table)}"
        self.group = f"dp-{plan.run_id}"
        self.after_commit: list[str] = []
        self.scratch: list[str] = []  # increment tables: dropped when the run is through, whatever happened
        self._temp_views: list[str] = []
        # the views as they were before ``swap`` moved them: (view, its SELECT or None when new)
        self._moved: list[tuple[str, str | None]] = []
        self.con = SparkConnection(engine.spark, where=plan.where, line_offset=plan.line_offset)
        self._started = time.perf_counter()

    def _select(self, plan: BuildPlan) -> tuple[str, dict[str, Any]]:
        """The transform's SELECT in Spark SQL: a globbed input narrowed to its planned files, a time window applied."""
        sql = plan.select_sql()
        values = dict(plan.values)
        inc = plan.increment
        if inc is not None and inc.mode == "files":
            fmt = {"read_csv_auto": "csv", "read_csv": "csv", "read_json_auto": "json", "read_json": "json"}.get(inc.reader or "", "parquet")
            reader = self.engine.spark.read.format(fmt)
            if fmt == "csv":
                reader = reader.option("header", "true").option("inferSchema", "true")
            with self.engine.errors(plan.where):
                # a temporary view shadows the input's table for this run's statements only
                reader.load([f.path for f in inc.files]).createOrReplaceTempView(inc.files_input)
            self._temp_views.append(inc.files_input)
        if inc is not None:
            from ..incremental import window_sql

            where, bounds = window_sql(inc, quote)
            if where:
                sql = f"SELECT * FROM ({sql}\n) AS __dp_q WHERE {where}"
                values.update(bounds)
        return to_spark(sql, where=plan.where, line_offset=plan.line_offset), values

    def stage(self, plan: BuildPlan) -> Staged:
        spark = self.engine.spark
        inc = plan.increment
        select, values = self._select(plan)
        if inc is not None and inc.base is not None:
            return self._stage_increment(plan, select, values)
        self.con._sql(f"CREATE TABLE {self.staging} USING parquet AS {select}", values, original=plan.sql)  # SQLError names the line
        with self.engine.errors(plan.where, plan.line_offset, plan.sql):
            written = spark.table(f"{plan.schema}.{self.data_table}")
            rows = written.count()
            columns = schema_of(written)
        version = VersionRef(plan.run_id, plan.seq, self.data_table, False, tuple(columns))
        # the checks are written in DuckDB's dialect and name the staged data this way
        relation = f"{quote(plan.schema)}.{quote(self.data_table)}"
        return Staged(relation, rows, columns, {"rows_written": rows}, version=version, inserted=rows, processed=self._processed(plan, relation))

    def _stage_increment(self, plan: BuildPlan, select: str, values: dict[str, Any]) -> Staged:
        from ..incremental import window_sql
        from .duckdb import _same_columns

        spark = self.engine.spark
        inc = plan.increment
        schema = plan.schema
        base = f"{q(schema)}.{q(inc.base.relation)}"
        rows_table = self._scratch_table(f"__i_{plan.target}_{plan.run_id}")
        self.con._sql(f"CREATE TABLE {q(schema)}.{q(rows_table)} USING parquet AS {select}", values, original=plan.sql)
        with self.engine.errors(plan.where, plan.line_offset, plan.sql):
            columns = schema_of(spark.table(f"{schema}.{rows_table}"))
            _same_columns(plan, inc.base, columns)
            names = ", ".join(q(c) for c, _ in columns)
            if inc.mode == "key":  # only rows whose key is new or whose values changed
                changed = self._scratch_table(f"__i_{plan.target}_{plan.run_id}_changed")
                spark.sql(f"CREATE TABLE {q(schema)}.{q(changed)} USING parquet AS SELECT {names} FROM {q(schema)}.{q(rows_table)} EXCEPT SELECT {names} FROM {base}")
                rows_table = changed
            new_rows = f"{q(schema)}.{q(rows_table)}"
            bounds: dict[str, Any] = {}
            if inc.config.unique_key:
                on = " AND ".join(f"b.{q(k)} <=> n.{q(k)}" for k in inc.config.unique_key)
                kept = f"SELECT b.* FROM {base} b LEFT ANTI JOIN {new_rows} n ON {on}"
            elif inc.mode == "time":
                where, bounds = window_sql(inc, quote)
                col = quote(inc.config.time_column)
                kept = to_spark(f"SELECT * FROM {quote(schema)}.{quote(inc.base.relation)} WHERE {col} IS NULL OR NOT ({where})", where=plan.where) if where else f"SELECT * FROM {base} WHERE false"
            else:
                kept = f"SELECT * FROM {base}"
            self.con._sql(f"CREATE TABLE {self.staging} USING parquet AS SELECT {names} FROM ({kept}) AS k UNION ALL SELECT {names} FROM {new_rows}", bounds or None, original=plan.sql)
            total = spark.table(f"{schema}.{self.data_table}").count()
            inserted = spark.table(f"{schema}.{rows_table}").count()
            before = spark.table(f"{schema}.{inc.base.relation}").count()
        version = VersionRef(plan.run_id, plan.seq, self.data_table, False, tuple(columns))
        relation = f"{quote(schema)}.{quote(self.data_table)}"
        increment = f"{quote(schema)}.{quote(rows_table)}"
        return Staged(
            relation, total, columns, {"rows_written": inserted}, version=version, increment=increment, inserted=inserted,
            replaced=before - (total - inserted), processed=self._processed(plan, increment),
        )

    def _scratch_table(self, name: str) -> str:
        self.scratch.append(name)
        return name

    def _processed(self, plan: BuildPlan, relation: str) -> dict[str, Any]:
        return processed_range(self.con, plan, relation)

    def swap(self, plan: BuildPlan, staged: Staged, serving: Any) -> str | None:
        with self.engine.errors(plan.where, plan.line_offset):
            self.engine._move_view(plan.schema, plan.target, f"SELECT * FROM {self.staging}", self._moved)
            previous = _source_table(self._moved[-1][1])  # the table the product view read until now
            if previous and previous not in {v.relation for v in plan.versions}:
                self.after_commit.append(previous)  # built before versions were recorded: replaced, as builds did then
            if plan.view is None:
                return None
            schema, view = plan.view
            self.engine._ensure_db(schema)
            self.engine._move_view(schema, view, to_spark(serving(staged.relation), where=plan.where), self._moved)
        return f"{schema}.{view}"

    def retire(self, plan: BuildPlan, keep: list[Any], drop: list[Any]) -> None:
        """Tables of retired versions are dropped once the run is through (never before the swap)."""
        kept = {v.relation for v in keep}
        self.after_commit += [v.relation for v in drop if v.relation not in kept]

    def record(self, write: Any) -> None:
        with self.engine.ws.metadata() as md:
            write(md)

    def discard(self) -> None:
        """This run's tables (a failure, or a dry run for a data diff). Spark has no transaction over the
        metastore and the workspace's records: a failure after ``swap`` (recording the run) first puts
        the views back on the last good data, and keeps this run's table if that fails."""
        restored = self._put_views_back()
        for table in ((self.data_table,) if restored else ()) + tuple(self.scratch):
            try:
                self.engine.spark.sql(f"DROP TABLE IF EXISTS {q(self.schema)}.{q(table)}")
            except Exception:  # noqa: BLE001 - best effort: the views still point at the last good data
                pass
        self.after_commit.clear()

    def _put_views_back(self) -> bool:
        try:
            put_back(self.engine.spark, self._moved)
        except Exception:  # noqa: BLE001 - the views still read this run's table: it must stay
            return False
        self._moved.clear()
        return True

    def drop_temp_views(self) -> None:
        for name in self._temp_views:
            try:
                self.engine.spark.catalog.dropTempView(name)
            except Exception:  # noqa: BLE001
                pass
        self._temp_views.clear()

    def preview(self, plan: BuildPlan) -> tuple[list[str], list[tuple]]:
        spark = self.engine.spark
        source = f"{q(plan.view[0])}.{q(plan.view[1])}" if plan.view else f"{q(plan.schema)}.{q(plan.target)}"
        with self.engine.errors(plan.where):
            df = spark.sql(f"SELECT * FROM {source} LIMIT {int(plan.preview_rows)}")
            rows = [tuple(r) for r in df.collect()]
        return list(df.columns), rows

    def profile(self) -> dict[str, Any]:
        metrics = self.engine._metrics(self.group)
        return {"engine": "spark", "engine_wall_s": time.perf_counter() - self._started, "cpu_s": metrics.get("engine_cpu_s"), **metrics}
