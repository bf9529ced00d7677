"""Incremental builds: what is new since the last successful run, decided before anything is written.

A transform is incremental when its cell says ``--incremental`` or its port declares
``incremental:``. What counts as new, in order:

    --time-column C     the time range after the newest C already built, minus ``--lookback``; the
                        range is recomputed and replaces the port's rows in it (late data inside the
                        lookback window is picked up; re-running a range is idempotent)
    a globbed input     the files of a ``--from 'data/*.parquet'`` input that no earlier run read
                        (a file is known by its path: one that changed after it was read is not
                        re-read, and the result says so; ``--full-refresh`` reads all again)
    --unique-key K      rows of the transform whose key is new or whose values changed

With ``--unique-key`` the new rows are merged by key (the port's rows with those keys are replaced);
without it a time range is replaced and new files are appended. ``--full-refresh`` rebuilds from
everything; ``--from``/``--to`` (re)build one time range. The first run, a change of the incremental
settings, or a served version that was not built incrementally make a full build.

The plan is a value (``IncrementPlan``) in the ``BuildPlan``; the engines write it (``engine/``),
``build.run_build`` audits and records it. What each run processed is recorded with its version
(``_dp.increments``), so a failed run changes nothing and a rollback takes the processed intervals
back with the data.

    >>> parse_duration("2d"), parse_duration("90min"), parse_duration(3600)
    (datetime.timedelta(days=2), datetime.timedelta(seconds=5400), 3600.0)
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, replace
from typing import Any

from .errors import SpecError

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+?)s?\s*$")


def parse_duration(value: Any, *, where: str = "--lookback") -> dt.timedelta | float:
    """``2d``, ``6h``, ``30min``, ``1w``, ``90s`` → a timedelta; a bare number stays a number (for integer time columns)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    m = _DURATION.match(text)
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _UNITS:
        raise SpecError(f"{where}: {value!r} is not a duration: write e.g. 2d, 6h, 30min, 1w or 90s (or a number for a numeric time column)")
    return dt.timedelta(seconds=float(m.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class IncrementalConfig:
    """What makes a target incremental: a time column, a unique key, a lookback (as written)."""

    time_column: str | None = None
    unique_key: tuple[str, ...] = ()
    lookback: str | None = None

    @classmethod
    def of(cls, port: Any, cell: dict[str, Any] | None) -> IncrementalConfig | None:
        """The cell's ``--incremental`` options over the port's ``incremental:`` field; None when neither says so."""
        declared = getattr(port, "incremental", None) if port is not None else None
        if cell is None and declared is None:
            return None
        base = cls(declared.timeColumn, tuple(declared.uniqueKey), None if declared.lookback is None else str(declared.lookback)) if declared is not None else cls()
        cell = cell or {}
        keys = cell.get("unique_key") or ()
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        lookback = cell.get("lookback") if cell.get("lookback") is not None else base.lookback
        config = cls(cell.get("time_column") or base.time_column, tuple(keys) or base.unique_key, None if lookback is None else str(lookback))
        if config.lookback is not None:
            if not config.time_column:
                raise SpecError(f"--lookback {config.lookback} needs --time-column: the lookback is a time range to rebuild")
            parse_duration(config.lookback)
        return config

    @property
    def strategy(self) -> str:
        """``merge`` (by unique key), ``replace`` (a time range) or ``append`` (new files)."""
        return "merge" if self.unique_key else ("replace" if self.time_column else "append")

    def to_dict(self) -> dict[str, Any]:
        return {"time_column": self.time_column, "unique_key": list(self.unique_key), "lookback": self.lookback}

    def describe(self) -> str:
        parts = [f"time column {self.time_column}"] if self.time_column else []
        if self.unique_key:
            parts.append(f"unique key {', '.join(self.unique_key)}")
        if self.lookback:
            parts.append(f"lookback {self.lookback}")
        return ", ".join(parts) or "new files"


@dataclass(frozen=True)
class FileRef:
    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class IncrementPlan:
    """One incremental run, decided before anything is written.

    ``base`` is None for a full (re)build (``reason`` says why); otherwise the run builds on the
    served version ``base`` (an ``engine.base.VersionRef``).
    """

    config: IncrementalConfig
    mode: str  # time | files | key
    base: Any = None
    reason: str = ""
    start: Any = None  # the time window, typed values (None: open)
    end: Any = None
    files_input: str | None = None  # the globbed input read for its new files
    reader: str | None = None
    files: tuple[FileRef, ...] = ()
    changed_files: tuple[str, ...] = ()  # read before, changed since: not re-read
    full_audit: bool = True  # audit every row (a full build, or the contract/suite changed)
    notes: tuple[str, ...] = ()

    @property
    def strategy(self) -> str:
        return self.config.strategy if self.base is not None else "full"

    @property
    def nothing_new(self) -> bool:
        return self.base is not None and self.mode == "files" and not self.files

    def window_text(self) -> str:
        lo = "…" if self.start is None else _text(self.start)
        hi = "…" if self.end is None else _text(self.end)
        return f"[{lo}, {hi})"

    def describe(self) -> str:
        """One line: what this run processes."""
        if self.base is None:
            head = f"full build ({self.reason})" if self.reason else "full build"
        elif self.mode == "time":
            head = f"time range {self.window_text()} of {self.config.time_column}, {self.config.strategy}d into version {self.base.seq}"
        elif self.mode == "files":
            if not self.files:
                head = f"no new files of input {self.files_input}"
            else:
                head = f"{len(self.files)} new file(s) of input {self.files_input}, {'merged' if self.config.unique_key else 'appended'}"
        else:
            head = f"rows with a new or changed {', '.join(self.config.unique_key)}, merged"
        return "; ".join((head, *self.notes))


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# -- planning ------------------------------------------------------------------------------------------


def plan_increment(
    state: Any,
    target: str,
    config: IncrementalConfig,
    *,
    serving: Any,
    history: list[dict[str, Any]],
    base_row: dict[str, Any] | None,
    sql_hash: str,
    checks_hash: str,
    full_refresh: bool = False,
    start: Any = None,
    end: Any = None,
) -> IncrementPlan:
    """What the run of ``target`` processes.

    ``serving``: the served version (``VersionRef`` or None); ``history``: the increments of its
    lineage (``_dp.increments`` rows); ``base_row``: its ``_dp.versions`` row with the run's sql hash.
    """
    port = next((p for p in state.spec.outputPorts if p.id == target), None)
    mode = _mode(state, target, config)
    if (start is not None or end is not None) and mode != "time":
        raise SpecError(f"transform {target}: --from/--to select a time range: give --time-column (or the port's incremental.timeColumn)")
    col_type = _time_type(config.time_column, serving, port)
    lo, hi = _typed(start, col_type, "--from"), _typed(end, col_type, "--to")
    if lo is not None and hi is not None and not lo < hi:
        raise SpecError(f"transform {target}: --from {start} is not before --to {end}")
    full_reason = _full_reason(config, serving, base_row, full_refresh)
    files_input, reader, current = _files(state, target) if mode == "files" else (None, None, ())
    if full_reason and (lo is not None or hi is not None) and full_reason not in ("--full-refresh", "first incremental run"):
        raise SpecError(
            f"transform {target}: cannot backfill [{start or '…'}, {end or '…'}): {full_reason}, so this run would rebuild the port "
            "from that range alone; run it once with --full-refresh (without --from/--to) first"
        )
    if full_reason:
        return IncrementPlan(config, mode, None, full_reason, lo, hi, files_input, reader, tuple(current), full_audit=True)
    notes = []
    if base_row and base_row.get("sql_hash") and sql_hash != base_row["sql_hash"]:
        notes.append(f"the SQL changed since version {serving.seq}: rows built before keep the old logic (--full-refresh rebuilds them)")
    full_audit = base_row is None or base_row.get("checks_hash") != checks_hash
    if mode == "time" and lo is None and hi is None:
        watermark = _watermark(history, col_type)
        if watermark is not None:
            lo = watermark
            if config.lookback:
                lo = _minus(watermark, parse_duration(config.lookback), config)
    if mode == "files":
        seen = {h["path"]: (h.get("size"), h.get("mtime")) for h in history if h["kind"] == "file"}
        new = tuple(f for f in current if f.path not in seen)
        changed = tuple(f.path for f in current if f.path in seen and seen[f.path] != (f.size, f.mtime))
        if changed:
            notes.append(f"{len(changed)} file(s) read before changed since and were not re-read (--full-refresh reads all)")
        return IncrementPlan(config, mode, serving, "", None, None, files_input, reader, new, changed, full_audit, tuple(notes))
    return IncrementPlan(config, mode, serving, "", lo, hi, full_audit=full_audit, notes=tuple(notes))


def _mode(state: Any, target: str, config: IncrementalConfig) -> str:
    if config.time_column:
        return "time"
    if _globbed_inputs(state, target):
        return "files"
    if config.unique_key:
        return "key"
    raise SpecError(
        f"transform {target} --incremental: say what is new: --time-column C (a time range), --unique-key K "
        "(new or changed rows), or read a globbed file input (%dataproduct input X --from 'data/*.parquet')"
    )


def _full_reason(config: IncrementalConfig, serving: Any, base_row: dict[str, Any] | None, full_refresh: bool) -> str:
    if full_refresh:
        return "--full-refresh"
    if serving is None:
        return "first incremental run"
    if base_row is None or not base_row.get("config_json"):
        return "the served version was not built incrementally"
    if base_row is not None and base_row.get("config_json"):
        before = json.loads(base_row["config_json"])
        # a new lookback applies from the next run on; a new time column or key changes what a row is
        if (before.get("time_column"), list(before.get("unique_key") or [])) != (config.time_column, list(config.unique_key)):
            return "the incremental settings changed"
    return ""


def referenced_tables(sql: str) -> set[str]:
    """Table names a transform reads (sqlglot; a word match when it cannot parse the SQL)."""
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(sql, read="duckdb")
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
    except Exception:  # noqa: BLE001 - templated or exotic SQL: fall back to words
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql))


def _globbed_inputs(state: Any, target: str) -> list[str]:
    used = referenced_tables(state.transforms[target].sql)
    return [name for name, src in state.inputs.items() if src.kind == "file" and glob.has_magic(str(src.value)) and name in used]


def _files(state: Any, target: str) -> tuple[str, str, list[FileRef]]:
    names = _globbed_inputs(state, target)
    if len(names) > 1:
        raise SpecError(
            f"transform {target} --incremental: inputs {', '.join(names)} are all globs; new files are read from one input only: "
            "give --time-column or --unique-key to say what is new"
        )
    source = state.inputs[names[0]]
    refs = []
    for path in sorted(glob.glob(str(source.value))):
        try:
            st = os.stat(path)
        except OSError:
            continue
        refs.append(FileRef(os.path.abspath(path), int(st.st_size), float(st.st_mtime)))
    return names[0], source.info.get("reader", "read_parquet"), refs


def _time_type(column: str | None, serving: Any, port: Any) -> str | None:
    if not column:
        return None
    if serving is not None:
        for name, typ in serving.columns:
            if name == column:
                return typ
    declared = port.column(column) if port is not None else None
    if declared is not None:
        from .spec.types import resolve_type

        return resolve_type(declared.type).physical
    return None


def _numeric(col_type: str | None) -> bool:
    t = (col_type or "").upper()
    return any(k in t for k in ("INT", "DECIMAL", "DOUBLE", "FLOAT", "REAL", "NUMERIC"))


def _typed(value: Any, col_type: str | None, where: str) -> Any:
    """A bound as the Python value DuckDB and Spark bind with the column's type."""
    if value is None or not isinstance(value, str):
        return value
    text = value.strip()
    if _numeric(col_type):
        try:
            number = float(text)
        except ValueError:
            raise SpecError(f"{where} {value!r}: the time column is numeric ({col_type}); give a number") from None
        return int(number) if number.is_integer() and "INT" in (col_type or "").upper() else number
    t = (col_type or "").upper()
    try:
        if t == "DATE":
            return dt.date.fromisoformat(text[:10])
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SpecError(f"{where} {value!r}: not a date or time (write e.g. 2026-01-31 or 2026-01-31T12:00)") from None
    if "WITH TIME ZONE" in t or t == "TIMESTAMPTZ":
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.replace(tzinfo=None) if parsed.tzinfo and t.startswith("TIMESTAMP") else parsed


def _watermark(history: list[dict[str, Any]], col_type: str | None) -> Any:
    ends = [_typed(h["end_at"], col_type, "recorded interval") for h in history if h["kind"] == "interval" and h.get("end_at") is not None]
    ends = [e for e in ends if e is not None]
    return max(ends) if ends else None


def _minus(value: Any, lookback: dt.timedelta | float, config: IncrementalConfig) -> Any:
    if isinstance(value, (int, float)):
        if isinstance(lookback, dt.timedelta):
            raise SpecError(f"--lookback {config.lookback}: {config.time_column} is numeric; give the lookback as a number")
        return type(value)(value - lookback) if isinstance(value, int) and float(lookback).is_integer() else value - lookback
    if isinstance(lookback, float):
        raise SpecError(f"--lookback {config.lookback}: {config.time_column} is a date/time; give a duration such as 2d or 6h")
    if isinstance(value, dt.datetime):
        return value - lookback
    return value - dt.timedelta(days=math.ceil(lookback.total_seconds() / 86400))


def window_params(plan: IncrementPlan, col_type: str | None) -> dict[str, Any]:
    """``{{start}}``/``{{end}}`` for the transform's SQL: the window, or the widest values of the type when open."""
    if plan.mode != "time":
        return {}
    t = (col_type or "").upper()
    if _numeric(col_type):
        lo, hi = -(2**63), 2**63 - 1
    elif t == "DATE":
        lo, hi = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    else:
        tz = dt.timezone.utc if ("WITH TIME ZONE" in t or t == "TIMESTAMPTZ") else None
        lo, hi = dt.datetime(1, 1, 1, tzinfo=tz), dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=tz)
    return {"start": lo if plan.start is None else plan.start, "end": hi if plan.end is None else plan.end}


def time_type(plan: IncrementPlan, port: Any) -> str | None:
    return _time_type(plan.config.time_column, plan.base, port)


def window_sql(plan: IncrementPlan, quote: Any) -> tuple[str, dict[str, Any]]:
    """The increment's row filter on the transform's output (DuckDB SQL) and its bound values."""
    if plan.mode != "time" or (plan.start is None and plan.end is None):
        return "", {}
    col = quote(plan.config.time_column)
    parts, values = [], {}
    if plan.start is not None:
        parts.append(f"{col} >= $__dp_start")
        values["__dp_start"] = plan.start
    if plan.end is not None:
        parts.append(f"{col} < $__dp_end")
        values["__dp_end"] = plan.end
    return " AND ".join(parts), values


def records(plan: IncrementPlan, processed: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    """The ``_dp.increments`` rows of a successful run: its time interval or its files."""
    if plan.mode == "time":
        newest = processed.get("end_at")
        end = plan.end if plan.end is not None else newest
        if end is None and plan.start is None:
            return []
        return [{"kind": "interval", "start_at": None if plan.start is None else _text(plan.start), "end_at": None if end is None else _text(end), "rows": rows}]
    if plan.mode == "files":
        return [{"kind": "file", "path": f.path, "size": f.size, "mtime": f.mtime, "rows": None} for f in plan.files]
    return []


def checks_hash(port: Any, suite: Any) -> str:
    """What the audit checks: the port's contract and the expectation suite."""
    h = hashlib.sha256()
    if port is not None:
        h.update(json.dumps([c.model_dump() for c in port.columns], sort_keys=True, default=str).encode())
    h.update(json.dumps([e.to_gx() for e in suite or ()], sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


# -- the audit of an increment ----------------------------------------------------------------------------

# row-level expectations: a row passes or fails on its own values, so the rows an increment did not
# touch passed them when they were written (``mostly`` and ``row_condition`` need every row)
_ROW_LOCAL = {
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null", "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set", "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_values_to_match_regex_list", "expect_column_values_to_match_like_pattern",
    "expect_column_value_lengths_to_be_between", "expect_column_value_lengths_to_equal", "expect_column_pair_values_to_be_equal",
    "expect_column_pair_values_a_to_be_greater_than_b", "expect_select_column_values_to_be_unique_within_record",
    "expect_multicolumn_sum_to_equal",
}
_UNIQUE = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


def _plain(e: Any) -> bool:
    return "mostly" not in e.kwargs and "row_condition" not in e.kwargs


def audit_increment(con: Any, plan: Any, staged: Any, audit: Any) -> tuple[list[Any], list[str]]:
    """The audit of an incremental run, with the answers a full audit of the new version would give.

    Row-level checks (types, required, not-null, ranges, regexes…) read the new rows only: the
    others passed them when they were written. Uniqueness — of contract ``unique`` columns and of
    unique expectations — is checked across the whole new version, old and new rows together, by
    looking up the new rows' values only. Everything else (aggregates, row counts, ``mostly``) runs
    on the whole new version. When the contract or the suite changed since the served version was
    audited, every row is audited (``audit`` is ``build.audit``).
    """
    from .checks.model import CheckResult
    from .checks.run import run_suite

    increment = plan.increment
    if increment.full_audit or staged.increment is None:
        return audit(con, staged.relation, plan, staged.columns)
    port = plan.port
    unique_cols = [c.name for c in port.columns if c.unique] if port is not None else []
    row_local = tuple(e for e in plan.suite if e.name in _ROW_LOCAL and _plain(e))
    uniques = [e for e in plan.suite if e.name in _UNIQUE and _plain(e) and e.kwargs.get("ignore_row_if", "all_values_are_missing") != "never"]
    rest = [e for e in plan.suite if e not in row_local and e not in uniques]
    row_port = port.model_copy(update={"columns": [c.model_copy(update={"unique": False}) for c in port.columns]}) if port is not None else None
    results, undeclared = audit(con, staged.increment, replace(plan, suite=row_local, port=row_port), staged.columns)
    if any(r.kind == "contract" and r.name == "columns" and not r.success for r in results):
        return results, undeclared
    pii = set(plan.pii_columns)
    for col in unique_cols:
        dups, example = _duplicates(con, staged, [col], "extra")
        if dups:
            shown = "***" if col in pii else repr(example)
            message = f"column {col}: {dups} duplicate value(s) but the column is unique, e.g. {shown} (new rows against the whole port)"
            results.insert(0, CheckResult(name=f"unique({col})", target=plan.target, kind="contract", success=False, message=message, unexpected_count=dups, column=col))
    if port is not None and port.columns and not any(r.kind == "contract" and not r.success for r in results):
        for r in results:  # the passing contract line speaks for the whole port
            if r.kind == "contract" and r.name == "contract":
                r.message = f"{len(port.columns)} declared columns hold (new rows; uniqueness across the port)"
    for e in uniques:
        cols = [e.kwargs["column"]] if e.name == "expect_column_values_to_be_unique" else list(e.kwargs["column_list"])
        rows_dup, _ = _duplicates(con, staged, cols, "rows", ignore=e.kwargs.get("ignore_row_if", "all_values_are_missing"))
        total = _count(con, staged.relation, cols, e.kwargs.get("ignore_row_if", "all_values_are_missing") if len(cols) > 1 else "any_value_is_missing")
        pct = 100.0 * rows_dup / total if total else 0.0
        result = CheckResult(
            name=e.label(), target=plan.target, kind="expectation", success=rows_dup == 0, unexpected_count=rows_dup,
            unexpected_percent=pct, element_count=total, kwargs=dict(e.kwargs), column=e.column, severity=str(e.kwargs.get("severity", "error")),
        )
        result.message = f"{rows_dup} of {total} unexpected ({pct:.2f}%)"
        results.append(result)
    if rest:
        results += run_suite(con, staged.relation, rest, target=plan.target, pii_columns=pii).results
    return results, undeclared


def _considered(cols: list[str], ignore: str, alias: str = "") -> str:
    from .names import quote

    refs = [f"{alias}{quote(c)}" for c in cols]
    if ignore == "any_value_is_missing":
        return " AND ".join(f"{r} IS NOT NULL" for r in refs)
    if ignore == "never":
        return "true"
    return "NOT (" + " AND ".join(f"{r} IS NULL" for r in refs) + ")"


def _duplicates(con: Any, staged: Any, cols: list[str], count: str, ignore: str = "any_value_is_missing") -> tuple[int, Any]:
    """Duplicates in the new version among the values the increment wrote.

    The served version was unique, so a duplicate needs a new row: group only the rows whose values
    a new row has (a semi-join on the new rows' keys, which DuckDB prunes with min/max filters).
    ``count``: ``extra`` (duplicates beyond the first, as the contract counts) or ``rows`` (every
    row of a duplicated value, as Great Expectations counts).
    """
    from .names import quote

    keys = ", ".join(quote(c) for c in cols)
    cond = _considered(cols, ignore)
    agg = "sum(n - 1)" if count == "extra" else "sum(n)"
    sql = (
        f"SELECT coalesce({agg}, 0), any_value(k) FROM (SELECT ({keys}) AS k, count(*) AS n FROM {staged.relation} "
        f"WHERE {cond} AND ({keys}) IN (SELECT ({keys}) FROM {staged.increment} WHERE {cond}) GROUP BY ALL HAVING count(*) > 1)"
    ) if len(cols) > 1 else (
        f"SELECT coalesce({agg}, 0), any_value(k) FROM (SELECT {keys} AS k, count(*) AS n FROM {staged.relation} "
        f"WHERE {cond} AND {keys} IN (SELECT {keys} FROM {staged.increment} WHERE {cond}) GROUP BY ALL HAVING count(*) > 1)"
    )
    n, example = con.execute(sql).fetchone()
    return int(n or 0), example


def _count(con: Any, relation: str, cols: list[str], ignore: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {relation} WHERE {_considered(cols, ignore)}").fetchone()[0])


__all__ = [
    "FileRef", "IncrementPlan", "IncrementalConfig", "audit_increment", "checks_hash", "parse_duration",
    "plan_increment", "records", "referenced_tables", "window_params", "window_sql",
]
