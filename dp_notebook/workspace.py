"""The workspace: one DuckDB file, its ``_dp`` metadata, status files, and the settings beside it.

DuckDB lets one process write a database file at a time, so a workspace opens
the file only for the length of one operation (``with ws.connect() as con``)
and waits up to ``lock_timeout`` for another process to let go, then raises
``WorkspaceLocked`` naming the file and the holder.

Layout of ``.dp/``::

    warehouse.duckdb     products' private schemas (dp_<product>), public views, _dp metadata
    catalog/             the local catalog (default; see dp_notebook.catalog)
    status/<id>.json     latest run/check status per product, for readers that must not open DuckDB
    state/<id>.json      the product state a notebook built (suites, unit tests, transforms), for the CLI
    data/<id>/<port>.parquet   Parquet output ports
    docs/<id>/           documentation pages written by %dataproduct docs
    tmp/                 scratch folders of running publishes (left-overs of killed ones are removed)
    redact.key           the key of redaction's keyed hash, when none is configured (mode 0600)

The metadata tables are described in ``dp_notebook.metadata``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DataProductError, WorkspaceLocked
from .names import check_id


def _pid_alive(pid: int) -> bool:
    from .files import pid_alive

    return pid_alive(pid)


class Workspace:
    """A ``.dp`` workspace directory and its settings (resolved once, on first use).

    >>> ws = Workspace("/tmp/example/.dp")          # doctest: +SKIP
    >>> ws.sql("SELECT 42 AS answer")               # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        lock_timeout: float | None = None,
        duckdb_config: dict[str, Any] | None = None,
        settings: Any = None,
    ) -> None:
        from .settings import find_home

        if settings is not None:
            self.root = settings.home
        else:
            self.root = Path(path).expanduser().resolve() if path else find_home()
        self._settings = settings
        self._resolved = False  # settings given by the caller are kept as they are
        self._overrides = {k: v for k, v in (("lock_timeout", lock_timeout), ("duckdb", duckdb_config)) if v is not None}
        self._checked = False
        self._held: Any = None  # the connection of an open ``one_connection()`` block

    @classmethod
    def of(cls, path: str | os.PathLike) -> Workspace:
        """The workspace of a spec file or notebook: the first ``.dp/`` at or above its folder (DESIGN §9),
        wherever the caller runs (the CLI and ``load(path)`` alike)."""
        from .settings import find_home

        return cls(find_home(Path(path).expanduser().resolve().parent))

    @property
    def settings(self):
        """This workspace's ``Settings`` (environment, then dp-notebook.yaml beside it, then defaults)."""
        if self._settings is None or (self._resolved and not self._settings.is_current()):
            from .settings import Settings

            settings = Settings.resolve(self.root)
            self._resolved = True
            if self._overrides:
                settings = settings.with_(**{k: ({str(a): str(b) for a, b in v.items()} if k == "duckdb" else v) for k, v in self._overrides.items()})
            self._settings = settings
        return self._settings

    def __repr__(self) -> str:
        return f"<Workspace {self.root}>"

    @property
    def db_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def catalog_dir(self) -> Path:
        return self.settings.catalog_dir

    @property
    def status_dir(self) -> Path:
        return self.root / "status"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[Any]:
        """Open the DuckDB file for one operation; ``WorkspaceLocked`` if another process holds it.

        ``read_only``: a connection on which DuckDB refuses every write and every file
        (external access off): for SQL taken from a spec (see ``checks/readonly.py``).
        No other connection of this process may be open to the file at the time.
        """
        import duckdb

        if self._held is not None:
            if read_only:  # DuckDB refuses a second connection to the file with another configuration
                raise DataProductError("internal error: a read-only connection was asked for inside Workspace.one_connection(); open it after the block")
            yield self._held
            return
        settings = self.settings
        config = dict(settings.duckdb)
        if read_only:
            if not self._checked or not self.db_path.is_file():
                with self.connect():  # create and migrate the file first: a read-only one cannot
                    pass
            config.update(enable_external_access="false", lock_configuration="true")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataProductError(f"cannot create the workspace {self.root}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + settings.lock_timeout
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.db_path), read_only=read_only, config=config)
                break
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" not in text.lower():  # not a lock: a real error opening the file
                    raise DataProductError(f"cannot open workspace database {self.db_path}: {_first_line(exc)}") from None
                if time.monotonic() >= deadline:
                    raise WorkspaceLocked(_lock_message(self.db_path, text, settings.lock_timeout)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:  # a corrupt or truncated file, a wrong setting
                raise DataProductError(f"cannot open workspace database {self.db_path}: {_first_line(exc)}") from None
        try:
            from .metadata import Metadata

            md = Metadata(con)
            if not read_only:
                try:
                    if not self._checked:
                        md.prepare(str(self.db_path))
                        self._checked = True
                    md.abort_stale_runs(_pid_alive)
                except duckdb.Error as exc:  # a damaged (e.g. truncated) file opens, then fails on first read
                    raise DataProductError(f"workspace database {self.db_path} is damaged: {_first_line(exc)}; restore it from a backup or move it away to start afresh") from None
            yield con
        finally:
            con.close()

    @contextmanager
    def one_connection(self) -> Iterator[Any]:
        """Every ``connect()`` in the block reuses one open connection (a transform's history, run
        record, transaction and results): the file is opened once, not once per step. Statements
        outside a transaction still commit one by one, so a run's start is recorded before its data
        is written. Nested blocks share the outer one's connection.

        >>> with ws.one_connection():       # doctest: +SKIP
        ...     history = read_history(ws, "shop", "orders_v1")
        ...     run_build(ws, engine, plan)
        """
        if self._held is not None:
            yield self._held
            return
        with self.connect() as con:
            self._held = con
            try:
                yield con
            finally:
                self._held = None

    @contextmanager
    def metadata(self) -> Iterator[Any]:
        """The ``_dp`` metadata over a connection held for the block (``dp_notebook.metadata.Metadata``)."""
        from .metadata import Metadata

        with self.connect() as con:
            yield Metadata(con)

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
        with self.metadata() as md:
            return md.runs(product)

    def record_checks(self, product_id: str, results: list[Any], *, run_id: str | None = None) -> None:
        """Check results into ``_dp.check_results`` and the latest of each into the product's status file."""
        if not results:
            return
        from datetime import datetime, timezone

        stamp = datetime.now(timezone.utc)
        with self.metadata() as md:
            md.record_checks(product_id, results, stamp, run_id)
        latest = self.read_status(product_id).get("checks", {})
        for r in results:
            latest[f"{r.kind}:{r.target}:{r.name}"] = r.to_row() | {"checked_at": stamp.isoformat()}
        try:
            self.write_status(product_id, {"checks": latest})
        except DataProductError as exc:
            # the results are in _dp.check_results; the status file is a copy for readers that must not open
            # DuckDB, and a read-only or full status folder must not fail a build that is committed already
            import warnings

            warnings.warn(f"the check results of {product_id} are recorded, but its status file could not be written: {exc}", stacklevel=2)

    # -- status and state files ------------------------------------------------------------------
    def write_status(self, product_id: str, update: dict[str, Any]) -> Path:
        """Merge ``update`` into ``status/<product>.json`` atomically (readers never open DuckDB)."""
        from .files import atomic_write

        path = self.status_dir / f"{check_id(product_id, 'product id')}.json"
        current = self.read_status(product_id) or {"version": 1, "product": product_id}
        current.update(update)
        atomic_write(path, json.dumps(current, indent=2, default=str))
        return path

    def read_status(self, product_id: str) -> dict[str, Any]:
        try:
            data = json.loads((self.status_dir / f"{check_id(product_id, 'product id')}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def state_path(self, product_id: str) -> Path:
        return self.root / "state" / f"{check_id(product_id, 'product id')}.json"


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
