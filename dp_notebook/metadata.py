"""The workspace's ``_dp`` schema: every query against it lives here.

Metadata stays in the workspace's DuckDB file whatever engine runs a product.
Format 3 (formats 1 and 2 are migrated on open; newer formats are refused)::

    meta(key, value)                         format_version
    runs(run_id, product, target, kind, started_at, ended_at, status, rows, error,
         sql_hash, params_json, elapsed_s, pid, host)        status: running|success|failed|aborted
    check_results(run_id, product, target, kind, name, success, unexpected_count,
                  unexpected_percent, message, checked_at, severity)   kind: contract|expectation|unit|quality
    quality_history(product, target, slo, checked_at, value, success, message)
    costs(run_id, product, target, wall_s, cpu_s, rows_scanned, bytes_scanned, rows_written, recorded_at)
    names(kind, name, product, claimed_at)   kind: schema|view — who owns a private schema or public view
    versions(product, target, run_id, seq, parent_run_id, relation, layered, mode, rows, inserted,
             replaced, checks_hash, config_json, columns_json, created_at, serving, dropped_at, discarded)
                                             one row per version of a port or model (format 3): ``relation``
                                             holds its data (``layered``: rows carry ``_dp_from``/``_dp_to``
                                             version numbers, so several versions share one table); exactly
                                             one version of a target is ``serving``; ``dropped_at`` is set when
                                             its data is pruned (see ``keep_versions``)
    increments(product, target, run_id, kind, start_at, end_at, path, size, mtime, rows)
                                             what each run processed (format 3): kind interval (a time range,
                                             ISO text) or file (a path with its size and mtime)

    >>> with Workspace("/tmp/example/.dp").metadata() as md:   # doctest: +SKIP
    ...     md.runs("shelf_warmers")
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from typing import Any

from .errors import DataProductError, SpecError

FORMAT_VERSION = 3

_VERSION_TABLES = """
CREATE TABLE IF NOT EXISTS _dp.versions (
    product VARCHAR, target VARCHAR, run_id VARCHAR, seq BIGINT, parent_run_id VARCHAR, relation VARCHAR,
    layered BOOLEAN, mode VARCHAR, rows BIGINT, inserted BIGINT, replaced BIGINT, checks_hash VARCHAR,
    config_json VARCHAR, columns_json VARCHAR, created_at TIMESTAMPTZ, serving BOOLEAN, dropped_at TIMESTAMPTZ, discarded BOOLEAN DEFAULT false);
CREATE TABLE IF NOT EXISTS _dp.increments (
    product VARCHAR, target VARCHAR, run_id VARCHAR, kind VARCHAR, start_at VARCHAR, end_at VARCHAR,
    path VARCHAR, size BIGINT, mtime DOUBLE, rows BIGINT);
"""

_SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS _dp;
CREATE TABLE IF NOT EXISTS _dp.meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS _dp.runs (
    run_id VARCHAR, product VARCHAR, target VARCHAR, kind VARCHAR,
    started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ, status VARCHAR, rows BIGINT, error VARCHAR,
    sql_hash VARCHAR, params_json VARCHAR, elapsed_s DOUBLE, pid INTEGER, host VARCHAR);
CREATE TABLE IF NOT EXISTS _dp.check_results (
    run_id VARCHAR, product VARCHAR, target VARCHAR, kind VARCHAR, name VARCHAR, success BOOLEAN,
    unexpected_count BIGINT, unexpected_percent DOUBLE, message VARCHAR, checked_at TIMESTAMPTZ,
    severity VARCHAR DEFAULT 'error');
CREATE TABLE IF NOT EXISTS _dp.quality_history (
    product VARCHAR, target VARCHAR, slo VARCHAR, checked_at TIMESTAMPTZ, value DOUBLE,
    success BOOLEAN, message VARCHAR);
CREATE TABLE IF NOT EXISTS _dp.costs (
    run_id VARCHAR, product VARCHAR, target VARCHAR, wall_s DOUBLE, cpu_s DOUBLE, rows_scanned BIGINT,
    bytes_scanned BIGINT, rows_written BIGINT, recorded_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS _dp.names (kind VARCHAR, name VARCHAR, product VARCHAR, claimed_at TIMESTAMPTZ);
""" + _VERSION_TABLES



# one entry per format step: the statements that bring format n-1 to n
_MIGRATIONS = {
    2: ["ALTER TABLE _dp.check_results ADD COLUMN IF NOT EXISTS severity VARCHAR DEFAULT 'error'"],
    # versions and increments are new tables (created above); a port built before format 3 is a plain
    # table, adopted as its first version by the engine at its next build (see engine/duckdb.py)
    3: [],
}


def _rows(cur: Any) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


class Metadata:
    """The ``_dp`` schema over one open workspace connection."""

    def __init__(self, con: Any) -> None:
        self.con = con

    # -- format ----------------------------------------------------------------------------------
    def prepare(self, where: str) -> None:
        """Create the schema, migrate older formats, refuse newer ones (``where`` names the file)."""
        self.con.execute(_SCHEMA_SQL)
        row = self.con.execute("SELECT value FROM _dp.meta WHERE key = 'format_version'").fetchone()
        if row is None:
            self.con.execute("INSERT INTO _dp.meta VALUES ('format_version', ?)", [str(FORMAT_VERSION)])
            return
        found = int(row[0])
        if found > FORMAT_VERSION:
            raise DataProductError(f"{where} has workspace format {found}, newer than this dp-notebook ({FORMAT_VERSION}); upgrade dp-notebook")
        for step in range(found + 1, FORMAT_VERSION + 1):
            for statement in _MIGRATIONS.get(step, []):
                self.con.execute(statement)
        if found < FORMAT_VERSION:
            self.con.execute("UPDATE _dp.meta SET value = ? WHERE key = 'format_version'", [str(FORMAT_VERSION)])

    def abort_stale_runs(self, alive) -> None:
        """Runs left 'running' by a dead process on this host become 'aborted'."""
        host = socket.gethostname()
        stale = self.con.execute("SELECT run_id, pid FROM _dp.runs WHERE status = 'running' AND host = ?", [host]).fetchall()
        for run_id, pid in stale:
            if pid is None or (pid != os.getpid() and not alive(pid)):
                self.con.execute(
                    "UPDATE _dp.runs SET status = 'aborted', ended_at = now(), "
                    "error = coalesce(error, 'the process running it ended before it finished (killed or crashed)') WHERE run_id = ?",
                    [run_id],
                )

    # -- runs and costs ---------------------------------------------------------------------------
    def start_run(self, run_id: str, product: str, target: str, kind: str, sql_hash: str, values: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT INTO _dp.runs (run_id, product, target, kind, started_at, status, sql_hash, params_json, pid, host) "
            "VALUES (?, ?, ?, ?, now(), 'running', ?, ?, ?, ?)",
            [run_id, product, target, kind, sql_hash, json.dumps(values, default=str), os.getpid(), socket.gethostname()],
        )

    def end_run(self, run_id: str, status: str, rows: int | None, error: str | None, elapsed_s: float) -> None:
        self.con.execute(
            "UPDATE _dp.runs SET status = ?, ended_at = now(), rows = ?, error = ?, elapsed_s = ? WHERE run_id = ?",
            [status, rows, error, elapsed_s, run_id],
        )

    def record_cost(self, run_id: str, product: str, target: str, profile: dict[str, Any], rows: int) -> None:
        self.con.execute(
            "INSERT INTO _dp.costs VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
            [run_id, product, target, profile.get("wall_s"), profile.get("cpu_s"), profile.get("rows_scanned"), profile.get("bytes_scanned"), rows],
        )

    def sql_hash(self, run_id: str) -> str | None:
        row = self.con.execute("SELECT sql_hash FROM _dp.runs WHERE run_id = ?", [run_id]).fetchone()
        return row[0] if row else None

    def runs(self, product: str | None = None) -> Any:
        """Runs, newest first, with the version each built (``version``) and whether it is served now (``serving``)."""
        where = "WHERE r.product = ?" if product else ""
        return self.con.execute(
            "SELECT r.* EXCLUDE (pid, host), v.seq AS version, coalesce(v.serving, false) AS serving FROM _dp.runs r "
            f"LEFT JOIN _dp.versions v ON v.product = r.product AND v.target = r.target AND v.run_id = r.run_id {where} "
            "ORDER BY r.started_at DESC",
            [product] if product else None,
        ).df()

    def costs(self, product: str) -> list[dict[str, Any]]:
        return _rows(self.con.execute("SELECT * FROM _dp.costs WHERE product = ? ORDER BY recorded_at", [product]))

    # -- checks ---------------------------------------------------------------------------------------
    def record_checks(self, product: str, results: list[Any], stamp: datetime, run_id: str | None = None) -> None:
        for r in results:
            self.con.execute(
                "INSERT INTO _dp.check_results (run_id, product, target, kind, name, success, unexpected_count, "
                "unexpected_percent, message, checked_at, severity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, product, r.target, r.kind, r.name, r.success, r.unexpected_count, r.unexpected_percent, r.message, stamp, r.severity],
            )

    def append_quality(self, product: str, rows: list[dict[str, Any]], stamp: datetime | None = None) -> None:
        stamp = stamp or datetime.now(timezone.utc)
        for r in rows:
            value = r.get("value")
            self.con.execute(
                "INSERT INTO _dp.quality_history VALUES (?, ?, ?, ?, ?, ?, ?)",
                [product, r["target"], r["name"], stamp, float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None, r["success"], r["message"]],
            )

    def quality_history(self, product: str) -> Any:
        return self.con.execute("SELECT * FROM _dp.quality_history WHERE product = ? ORDER BY checked_at", [product]).df()

    def quality_series(self, product: str) -> dict[str, list[tuple[Any, float | None, bool]]]:
        """``{"<port>: <slo>": [(checked_at, value, success), ...]}`` in time order."""
        out: dict[str, list[tuple[Any, float | None, bool]]] = {}
        cur = self.con.execute("SELECT target, slo, checked_at, value, success FROM _dp.quality_history WHERE product = ? ORDER BY checked_at", [product])
        for target, slo, at, value, success in cur.fetchall():
            out.setdefault(f"{target}: {slo}", []).append((at, None if value is None or value != value else float(value), bool(success)))
        return out

    # -- names ------------------------------------------------------------------------------------------
    def claim(self, kind: str, name: str, product: str) -> None:
        """Claim a private schema or a public view for ``product``; ``SpecError`` names the owner if taken.

        A view may not live in another product's private schema, and a private
        schema may not be a schema other products' views live in.
        """
        owner = self.con.execute("SELECT product FROM _dp.names WHERE kind = ? AND name = ?", [kind, name]).fetchone()
        if owner and owner[0] != product:
            what = "public view" if kind == "view" else "private schema"
            raise SpecError(
                f"the {what} {name} belongs to data product {owner[0]!r} in this workspace; "
                f"{product!r} cannot use it: give its port another location"
            )
        schema = name.split(".", 1)[0]
        if kind == "view":
            private = self.con.execute("SELECT product FROM _dp.names WHERE kind = 'schema' AND name = ?", [schema]).fetchone()
            if private and private[0] != product:
                raise SpecError(f"location {name}: {schema} is the private schema of data product {private[0]!r}; choose another schema")
        else:
            public = self.con.execute("SELECT product FROM _dp.names WHERE kind = 'view' AND split_part(name, '.', 1) = ? AND product <> ?", [name, product]).fetchone()
            if public:
                raise SpecError(f"the private schema {name} of {product!r} already serves views of data product {public[0]!r}")
        if not owner:
            self.con.execute("INSERT INTO _dp.names VALUES (?, ?, ?, now())", [kind, name, product])

    def owners(self) -> dict[tuple[str, str], str]:
        return {(k, n): p for k, n, p in self.con.execute("SELECT kind, name, product FROM _dp.names").fetchall()}

    # -- versions and increments (format 3) -------------------------------------------------------------
    def versions(self, product: str, target: str | None = None) -> list[dict[str, Any]]:
        """Versions of ``product``'s targets (or one target), newest first."""
        where, args = ("AND target = ?", [product, target]) if target else ("", [product])
        return _rows(self.con.execute(f"SELECT * FROM _dp.versions WHERE product = ? {where} ORDER BY target, seq DESC", args))

    def serving(self, product: str, target: str) -> dict[str, Any] | None:
        """The version ``target`` serves now, or None (never built, or built before format 3)."""
        rows = _rows(self.con.execute("SELECT * FROM _dp.versions WHERE product = ? AND target = ? AND serving", [product, target]))
        return rows[0] if rows else None

    def next_seq(self, product: str, target: str) -> int:
        return int(self.con.execute("SELECT coalesce(max(seq), 0) + 1 FROM _dp.versions WHERE product = ? AND target = ?", [product, target]).fetchone()[0])

    def record_version(self, version: dict[str, Any], increments: list[dict[str, Any]]) -> None:
        """A new version of a target, served from now on, and what its run processed."""
        cols = ("product", "target", "run_id", "seq", "parent_run_id", "relation", "layered", "mode", "rows", "inserted", "replaced", "checks_hash", "config_json", "columns_json")
        self.con.execute(
            f"INSERT INTO _dp.versions ({', '.join(cols)}, created_at, serving, discarded) VALUES ({', '.join('?' for _ in cols)}, now(), false, false)",
            [version.get(c) for c in cols],
        )
        for inc in increments:
            self.con.execute(
                "INSERT INTO _dp.increments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [version["product"], version["target"], version["run_id"], inc["kind"], inc.get("start_at"), inc.get("end_at"), inc.get("path"), inc.get("size"), inc.get("mtime"), inc.get("rows")],
            )
        self.serve(version["product"], version["target"], version["run_id"])

    def serve(self, product: str, target: str, run_id: str) -> None:
        """Make ``run_id``'s version the one ``target`` serves (exactly one does)."""
        self.con.execute("UPDATE _dp.versions SET serving = (run_id = ?) WHERE product = ? AND target = ?", [run_id, product, target])

    def mark_dropped(self, product: str, target: str, run_ids: list[str]) -> None:
        for run_id in run_ids:
            self.con.execute("UPDATE _dp.versions SET dropped_at = now() WHERE product = ? AND target = ? AND run_id = ?", [product, target, run_id])

    def mark_discarded(self, product: str, target: str, run_ids: list[str]) -> None:
        """Versions abandoned by a rollback and then built over: their rows are gone for good."""
        for run_id in run_ids:
            self.con.execute("UPDATE _dp.versions SET discarded = true, dropped_at = coalesce(dropped_at, now()) WHERE product = ? AND target = ? AND run_id = ?", [product, target, run_id])

    def lineage(self, product: str, target: str, run_id: str) -> list[str]:
        """``run_id`` and the versions it was built on, back to (and with) the last full build."""
        rows = self.con.execute(
            """WITH RECURSIVE chain(run_id, parent_run_id, mode, depth) AS (
                   SELECT run_id, parent_run_id, mode, 0 FROM _dp.versions WHERE product = $p AND target = $t AND run_id = $r
                   UNION ALL
                   SELECT v.run_id, v.parent_run_id, v.mode, c.depth + 1 FROM _dp.versions v JOIN chain c
                     ON v.run_id = c.parent_run_id AND v.product = $p AND v.target = $t
                   WHERE c.mode <> 'full' AND c.depth < 100000)
               SELECT run_id FROM chain ORDER BY depth""",
            {"p": product, "t": target, "r": run_id},
        ).fetchall()
        return [r[0] for r in rows]

    def increments(self, product: str, target: str, run_ids: list[str]) -> list[dict[str, Any]]:
        """What the runs ``run_ids`` processed (intervals and files)."""
        if not run_ids:
            return []
        return _rows(self.con.execute("SELECT * FROM _dp.increments WHERE product = ? AND target = ? AND list_contains(?, run_id)", [product, target, run_ids]))

    def record_rollback(self, run_id: str, product: str, target: str, to_run: str, rows: int | None, note: str) -> None:
        """A rollback is a run of its own in the history (kind ``rollback``), finished when recorded."""
        self.con.execute(
            "INSERT INTO _dp.runs (run_id, product, target, kind, started_at, ended_at, status, rows, error, sql_hash, params_json, elapsed_s, pid, host) "
            "VALUES (?, ?, ?, 'rollback', now(), now(), 'success', ?, NULL, NULL, ?, 0, ?, ?)",
            [run_id, product, target, rows, json.dumps({"to": to_run, "note": note}), os.getpid(), socket.gethostname()],
        )
