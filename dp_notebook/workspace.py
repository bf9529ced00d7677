"""The workspace: one DuckDB file, its ``_dp`` metadata, the catalog and status folders.

DuckDB lets one process write a database file at a time, so a workspace opens
the file only for the length of one operation (``with ws.connect() as con``)
and waits up to ``lock_timeout`` for another process to let go, then raises
``WorkspaceLocked`` naming the file and the holder.

Layout of ``.dp/``::

    warehouse.duckdb     products' private schemas (dp_<product>), public views, _dp metadata
    catalog/             the local catalog (see dp_notebook.catalog)
    status/<id>.json     latest run/check status per product, for readers that must not open DuckDB
    data/<id>/<port>.parquet   Parquet output ports

Metadata tables (schema ``_dp``, format version 1):

    meta(key, value)                         format_version
    runs(run_id, product, target, kind, started_at, ended_at, status, rows, error,
         sql_hash, params_json, elapsed_s, pid, host)        status: running|success|failed|aborted
    check_results(run_id, product, target, kind, name, success, unexpected_count,
                  unexpected_percent, message, checked_at)  kind: contract|expectation|unit|quality
    quality_history(product, target, slo, checked_at, value, success, message)
    costs(run_id, product, target, wall_s, cpu_s, rows_scanned, bytes_scanned, rows_written, recorded_at)
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DataProductError, WorkspaceLocked

FORMAT_VERSION = 1
HOME_ENV = "DP_NOTEBOOK_HOME"

_SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS _dp;
CREATE TABLE IF NOT EXISTS _dp.meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS _dp.runs (
    run_id VARCHAR, product VARCHAR, target VARCHAR, kind VARCHAR,
    started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ, status VARCHAR, rows BIGINT, error VARCHAR,
    sql_hash VARCHAR, params_json VARCHAR, elapsed_s DOUBLE, pid INTEGER, host VARCHAR);
CREATE TABLE IF NOT EXISTS _dp.check_results (
    run_id VARCHAR, product VARCHAR, target VARCHAR, kind VARCHAR, name VARCHAR, success BOOLEAN,
    unexpected_count BIGINT, unexpected_percent DOUBLE, message VARCHAR, checked_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS _dp.quality_history (
    product VARCHAR, target VARCHAR, slo VARCHAR, checked_at TIMESTAMPTZ, value DOUBLE,
    success BOOLEAN, message VARCHAR);
CREATE TABLE IF NOT EXISTS _dp.costs (
    run_id VARCHAR, product VARCHAR, target VARCHAR, wall_s DOUBLE, cpu_s DOUBLE, rows_scanned BIGINT,
    bytes_scanned BIGINT, rows_written BIGINT, recorded_at TIMESTAMPTZ);
"""


def default_home(start: str | os.PathLike | None = None) -> Path:
    """``DP_NOTEBOOK_HOME``, else the first ``.dp/`` walking up (stopping at the git root), else ``./.dp``."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    from .config import git_root

    here = Path(start or os.getcwd()).resolve()
    stop = git_root(here)
    for folder in (here, *here.parents):
        if (folder / ".dp").is_dir():
            return folder / ".dp"
        if folder == stop:
            break
    return here / ".dp"


def private_schema(product_id: str) -> str:
    """The product's private schema: its inputs, models and port tables live here."""
    return f"dp_{product_id}".replace("-", "_")


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(text: object) -> str:
    """Quote a string literal (for paths in statements that take no parameters: COPY, PRAGMA, views)."""
    return "'" + str(text).replace("'", "''") + "'"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Workspace:
    """A ``.dp`` workspace directory.

    >>> ws = Workspace("/tmp/example/.dp")          # doctest: +SKIP
    >>> ws.sql("SELECT 42 AS answer")               # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike | None = None, *, lock_timeout: float = 10.0, duckdb_config: dict[str, Any] | None = None) -> None:
        self.root = Path(path).expanduser().resolve() if path else default_home()
        self.lock_timeout = lock_timeout
        # DuckDB settings for every connection (e.g. memory_limit, threads, temp_directory);
        # default: the `duckdb:` section of dp-notebook.yaml
        self._duckdb_config = duckdb_config
        self._checked = False

    @property
    def duckdb_config(self) -> dict[str, Any]:
        if self._duckdb_config is None:
            from .config import load_config

            self._duckdb_config = dict(load_config(self.root.parent).get("duckdb") or {})
        return self._duckdb_config

    def __repr__(self) -> str:
        return f"<Workspace {self.root}>"

    @property
    def db_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def catalog_dir(self) -> Path:
        """``DP_NOTEBOOK_CATALOG``, else ``catalog:`` in dp-notebook.yaml, else ``<workspace>/catalog``."""
        env = os.environ.get("DP_NOTEBOOK_CATALOG")
        if env:
            return Path(env).expanduser().resolve()
        from .config import load_config

        return load_config(self.root.parent).path_value("catalog") or self.root / "catalog"

    @property
    def status_dir(self) -> Path:
        return self.root / "status"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[Any]:
        """Open the DuckDB file for one operation; ``WorkspaceLocked`` if another process holds it."""
        import duckdb

        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.db_path), config={k: str(v) for k, v in self.duckdb_config.items()})
                break
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" not in text.lower():  # not a lock: a real error opening the file
                    raise DataProductError(f"cannot open workspace database {self.db_path}: {text.splitlines()[0]}") from None
                if time.monotonic() >= deadline:
                    raise WorkspaceLocked(_lock_message(self.db_path, text, self.lock_timeout)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        try:
            if not self._checked:
                self._prepare(con)
                self._checked = True
            self._abort_stale_runs(con)
            yield con
        finally:
            con.close()

    def _prepare(self, con: Any) -> None:
        con.execute(_SCHEMA_SQL)
        row = con.execute("SELECT value FROM _dp.meta WHERE key = 'format_version'").fetchone()
        if row is None:
            con.execute("INSERT INTO _dp.meta VALUES ('format_version', ?)", [str(FORMAT_VERSION)])
        elif int(row[0]) > FORMAT_VERSION:
            raise DataProductError(
                f"{self.db_path} has workspace format {row[0]}, newer than this dp-notebook ({FORMAT_VERSION}); upgrade dp-notebook"
            )

    def _abort_stale_runs(self, con: Any) -> None:
        """Runs left 'running' by a killed process on this host become 'aborted' (checked at every open)."""
        host = socket.gethostname()
        stale = con.execute("SELECT run_id, pid FROM _dp.runs WHERE status = 'running' AND host = ?", [host]).fetchall()
        dead = [run_id for run_id, pid in stale if pid is None or (pid != os.getpid() and not _pid_alive(pid))]
        for run_id in dead:
            con.execute(
                "UPDATE _dp.runs SET status = 'aborted', ended_at = now(), "
                "error = coalesce(error, 'the process running it ended before it finished (killed or crashed)') WHERE run_id = ?",
                [run_id],
            )

    # -- queries -----------------------------------------------------------------------------
    def sql(self, query: str, params: dict[str, Any] | list[Any] | None = None):
        """Run an ad-hoc query and return a pandas DataFrame (the file is closed afterwards)."""
        import duckdb

        from .errors import SQLError

        with self.connect() as con:
            try:
                return con.execute(query, params).df() if params else con.execute(query).df()
            except duckdb.Error as exc:
                raise SQLError(_first_line(exc)) from None

    def runs(self, product: str | None = None):
        """Run history, newest first, as a DataFrame."""
        where = "WHERE product = ?" if product else ""
        return self.sql(f"SELECT * EXCLUDE (pid, host) FROM _dp.runs {where} ORDER BY started_at DESC", [product] if product else None)

    # -- status files -------------------------------------------------------------------------
    def write_status(self, product_id: str, update: dict[str, Any]) -> Path:
        """Merge ``update`` into ``status/<product>.json`` atomically (readers never open DuckDB)."""
        from .catalog import atomic_write

        path = self.status_dir / f"{product_id}.json"
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            current = {"version": 1, "product": product_id}
        current.update(update)
        atomic_write(path, json.dumps(current, indent=2, default=str))
        return path

    def read_status(self, product_id: str) -> dict[str, Any]:
        try:
            return json.loads((self.status_dir / f"{product_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _lock_message(path: Path, text: str, timeout: float) -> str:
    m = re.search(r"PID (\d+)", text)
    holder = f"process {m.group(1)}" if m else "another process"
    return (
        f"workspace database {path} is locked by {holder} (waited {timeout:g}s). "
        "DuckDB allows one process per file: finish or restart the other kernel, "
        "or give this one its own workspace with DP_NOTEBOOK_HOME"
    )
