"""Parse a suite, compile it to as few DuckDB scans as possible, run it, judge the results.

    parse_suite(yaml list) → [Expectation]
    run_suite(con, relation, expectations) → SuiteResult
        compiled onto a FusedScan (scan.py): one fused aggregate query for the whole suite
        (uniqueness proven by distinct counts, failing-row numbers kept in the same scan)
        + a GROUP BY only for a uniqueness check that has duplicates
        + one query by row number for the examples of every failed expectation
"""

from __future__ import annotations

import difflib
import inspect
import time
from typing import Any

from ..errors import ExpectationError, SQLError
from ..privacy import is_pii, mask_observed
from .builtin import ALIASES, COLUMN_KWARGS, COMMON_KWARGS, EXPECTATIONS, Params
from .model import CheckResult, Expectation, SuiteResult

_MASK = "***"


def canonical_name(name: str) -> str | None:
    if name in EXPECTATIONS:
        return name
    return ALIASES.get(name)


# GX's top-level item fields besides type and kwargs; ``id`` and ``rendered_content`` are GX's own
_GX_ITEM_FIELDS = ("meta", "severity", "description", "notes")
_GX_IGNORED_FIELDS = ("id", "rendered_content", "expectation_context")
SEVERITIES = {"error": "error", "critical": "error", "warning": "warning", "info": "info"}


def parse_suite(data: Any, *, source: str | None = None, positions: Any = None) -> list[Expectation]:
    """A YAML list of ``{name: {kwargs}}`` (or GX ``{type|expectation_type, kwargs}`` items, or a GX suite).

    GX items keep their top-level ``severity`` (``critical`` is ``error``), ``meta``,
    ``description`` and ``notes``. Every item is checked; all problems are reported
    together in one ``ExpectationError``, so no expectation is dropped unnoticed.

        >>> [e.name for e in parse_suite([{"not_null": {"column": "id"}}])]
        ['expect_column_values_to_not_be_null']
    """
    if isinstance(data, dict) and "expectations" in data:
        data = data["expectations"]  # a whole GX suite
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ExpectationError(_where(source, None, None) + "expectations must be a YAML list of {expectation_name: {kwargs}}")
    out = []
    problems: list[str] = []
    for i, item in enumerate(data):
        line = _line(positions, (i,))
        try:
            out.append(_parse_item(item, i, line, source))
        except ExpectationError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise ExpectationError(problems[0])
    if problems:
        raise ExpectationError(f"{len(problems)} of {len(data)} expectations cannot be used:\n" + "\n".join(f"  - {p}" for p in problems))
    return out


def _parse_item(item: Any, i: int, line: int | None, source: str | None) -> Expectation:
    where = _where(source, i, line)
    if isinstance(item, str):
        raw_name, kwargs = item, {}
    elif isinstance(item, dict) and ("expectation_type" in item or "type" in item) and "kwargs" in item:
        raw_name, kwargs = item.get("expectation_type") or item.get("type"), item.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise ExpectationError(where + f"{raw_name}: kwargs must be a mapping, got {type(kwargs).__name__}")
        kwargs = dict(kwargs)
        unknown = [k for k in item if k not in ("type", "expectation_type", "kwargs", *_GX_ITEM_FIELDS, *_GX_IGNORED_FIELDS)]
        if unknown:
            raise ExpectationError(where + f"{raw_name}: unknown field {unknown[0]!r} beside kwargs (GX items have {', '.join(_GX_ITEM_FIELDS)})")
        for key in _GX_ITEM_FIELDS:
            if item.get(key) not in (None, {}, "") and key not in kwargs:
                kwargs[key] = item[key]
    elif isinstance(item, dict) and len(item) == 1:
        raw_name, kwargs = next(iter(item.items()))
        kwargs = {} if kwargs is None else kwargs
    else:
        raise ExpectationError(where + "write each expectation as {expectation_name: {kwargs}}")
    if not isinstance(kwargs, dict):
        raise ExpectationError(where + f"{raw_name}: kwargs must be a mapping, got {type(kwargs).__name__}")
    name = canonical_name(str(raw_name))
    if name is None:
        hints = difflib.get_close_matches(str(raw_name), list(EXPECTATIONS) + list(ALIASES), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(hints)}?" if hints else ""
        raise ExpectationError(where + f"unknown expectation {raw_name!r}{hint}")
    spec = EXPECTATIONS[name]
    missing = [k for k in spec.required if k not in kwargs and not (k == "type_list" and "type_" in kwargs)]
    if name == "expect_column_values_to_be_between" and "min_value" not in kwargs and "max_value" not in kwargs:
        missing.append("min_value or max_value")
    if missing:
        raise ExpectationError(where + f"{name}: missing kwarg(s) {', '.join(missing)}")
    allowed = set(spec.required) | set(spec.optional) | COMMON_KWARGS
    unknown = [k for k in kwargs if k not in allowed]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], sorted(allowed), n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else f" (allowed: {', '.join(sorted(set(spec.required) | set(spec.optional)))}, mostly)"
        raise ExpectationError(where + f"{name}: unknown kwarg {unknown[0]!r}{extra}")
    _check_kwarg_types(name, kwargs, where)
    if "severity" in kwargs:
        severity = SEVERITIES.get(str(kwargs["severity"]).lower())
        if severity is None:
            raise ExpectationError(where + f"{name}: severity {kwargs['severity']!r} is not one of error (GX: critical), warning, info")
        kwargs = {**kwargs, "severity": severity}
    if kwargs.get("row_condition") not in (None, ""):
        from .conditions import condition_tree

        condition_tree(kwargs["row_condition"], kwargs.get("condition_parser"), where + f"{name}: ")
    return Expectation(name, dict(kwargs), index=i, line=line, written_as=str(raw_name))


def _check_kwarg_types(name: str, kw: dict, where: str) -> None:
    for key, value in kw.items():
        if isinstance(value, dict) and "$PARAMETER" in value:
            raise ExpectationError(where + f"{name}: {key} is a GX suite parameter ({value['$PARAMETER']!r}); write its value instead")
    mostly = kw.get("mostly")
    if mostly is not None and (not isinstance(mostly, (int, float)) or isinstance(mostly, bool) or not 0 <= mostly <= 1):
        raise ExpectationError(where + f"{name}: mostly must be a number between 0 and 1, got {mostly!r}")
    for key in ("value_set", "column_list", "regex_list", "type_list"):
        if key in kw and not isinstance(kw[key], (list, tuple)):
            raise ExpectationError(where + f"{name}: {key} must be a list, got {type(kw[key]).__name__}")
    for key in ("column", "column_A", "column_B", "regex", "like_pattern", "type_"):
        if key in kw and not isinstance(kw[key], str):
            raise ExpectationError(where + f"{name}: {key} must be text, got {kw[key]!r}")
    for key in ("min_value", "max_value", "value", "sum_total"):
        if key in kw and isinstance(kw[key], (list, dict)):
            raise ExpectationError(where + f"{name}: {key} must be a single value")



def _where(source: str | None, index: int | None, line: int | None) -> str:
    parts = []
    if source:
        parts.append(source)
    if line is not None:
        parts.append(f"line {line}")
    if index is not None:
        parts.append(f"expectations[{index}]")
    return (", ".join(parts) + ": ") if parts else ""


def _line(positions: Any, path: tuple) -> int | None:
    if positions is None:
        return None
    hit = positions.find(path)
    return hit[0] if hit else None


# -- running ------------------------------------------------------------------------------------


def _scope(kw: dict, columns: list[str], where: str) -> str:
    """The expectation's ``row_condition`` as a DuckDB predicate (see ``conditions.py``)."""
    from .conditions import condition_sql

    return condition_sql(kw.get("row_condition"), kw.get("condition_parser"), columns, where)


def run_suite(
    con: Any,
    relation: str,
    expectations: list[Expectation],
    *,
    target: str = "data",
    pii_columns: set[str] | frozenset[str] = frozenset(),
    sample_size: int = 5,
    numbered: tuple[str, str] | None = None,
) -> SuiteResult:
    """Run ``expectations`` on ``relation`` (SQL FROM text) over a DuckDB connection.

    ``numbered``: the same rows with a row-number column, as ``(FROM text, column)``, when the
    caller knows one (``validate`` reads Parquet with ``file_row_number``); a DuckDB table's
    ``rowid`` is found without it.
    """
    started = time.perf_counter()
    scan = suite_scan(con, relation, expectations, target=target, sample_size=sample_size, numbered=numbered)
    scan.run()
    return SuiteResult(target, judge_suite(scan, pii_columns), elapsed_s=time.perf_counter() - started)


class SuiteScan:
    """A suite compiled onto a ``FusedScan`` (which may carry other checks, e.g. the contract's)."""

    def __init__(self, scan: Any, planned: list[tuple[Expectation, Any, str, int]], target: str) -> None:
        self.scan = scan
        self.planned = planned
        self.target = target

    def run(self) -> None:
        self._wrap(self.scan.run)

    def _wrap(self, fn: Any) -> Any:
        import duckdb

        try:
            return fn()
        except (duckdb.Error, SQLError) as exc:
            raise ExpectationError(f"{self.target}: the checks could not run: {str(exc).strip().splitlines()[0]}") from None


def suite_scan(con: Any, relation: str, expectations: list[Expectation], *, target: str = "data", sample_size: int = 5,
               numbered: tuple[str, str] | None = None, scan: Any = None, described: list[tuple[str, str]] | None = None) -> SuiteScan:
    """Compile ``expectations`` onto ``scan`` (a new ``FusedScan`` on ``relation`` unless given)."""
    from .scan import FusedScan

    if described is None:
        described = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    columns = [r[0] for r in described]
    types = dict(described)
    if scan is None:
        scan = FusedScan(con, relation, columns, types, Params(), numbered=numbered, sample_size=sample_size)
    params = scan.params
    planned = []
    for e in expectations:
        where = f"{target}: expectations[{e.index}] {e.name}: "
        for key in COLUMN_KWARGS:
            names = e.kwargs.get(key)
            for name in names if isinstance(names, list) else ([names] if names else []):
                if name not in columns and e.name != "expect_column_to_exist":
                    raise ExpectationError(f"{where}no column {name!r} in {target} (columns: {', '.join(columns)})")
        if "regex" in e.kwargs or "regex_list" in e.kwargs:
            for rx in [e.kwargs["regex"]] if "regex" in e.kwargs else e.kwargs["regex_list"]:
                _check_regex(con, rx, where)
        kw = dict(e.kwargs)
        kw["__columns__"] = columns
        scope = _scope(kw, columns, where)
        fn = EXPECTATIONS[e.name].compile
        col_type = types.get(kw.get("column") or "", "VARCHAR")
        if "relation" in inspect.signature(fn).parameters:
            compiled = fn(kw, params, col_type, scope, relation=relation)
        else:
            compiled = fn(kw, params, col_type, scope)
        planned.append((e, compiled, scope, scan.add(compiled, scope)))
    return SuiteScan(scan, planned, target)


def judge_suite(suite: SuiteScan, pii_columns: set[str] | frozenset[str] = frozenset()) -> list[CheckResult]:
    """The results of a suite whose scan has run; failing-row samples fetched in one query."""
    results = []
    for e, compiled, _scope_sql, handle in suite.planned:
        verdict = compiled.judge(suite.scan.values(handle))
        result = CheckResult(
            name=e.label(),
            target=suite.target,
            kind="expectation",
            success=bool(verdict["success"]),
            unexpected_count=verdict.get("unexpected_count"),
            unexpected_percent=verdict.get("unexpected_percent"),
            element_count=verdict.get("element_count"),
            observed_value=verdict.get("observed_value"),
            kwargs=dict(e.kwargs),
            column=e.column,
            severity=str(e.kwargs.get("severity", "error")),
        )
        result.message = _message(result)
        mask_observed(result, pii_columns, _message)  # a PII column's max or distinct values are PII
        results.append(result)
    failed = [handle for (_e, compiled, _s, handle), r in zip(suite.planned, results) if not r.success and (compiled.unexpected_where or compiled.duplicates)]
    if failed:
        samples = suite._wrap(lambda: suite.scan.samples(failed))
        for (_e, _c, _s, handle), result in zip(suite.planned, results):
            if handle in samples:
                result.unexpected_sample = _sample(samples[handle], pii_columns)
    return results


def _check_regex(con: Any, regex: str, where: str) -> None:
    import duckdb

    try:
        con.execute("SELECT regexp_matches('', ?)", [regex]).fetchone()
    except (duckdb.Error, SQLError) as exc:
        detail = str(exc).strip().splitlines()[0]
        raise ExpectationError(f"{where}DuckDB (RE2) cannot run the regex {regex!r}: {detail}") from None


def _sample(rows: list[tuple[list[str], tuple]], pii) -> list[dict[str, Any]]:
    """Failing rows as JSON-able dicts, PII columns masked."""
    out = []
    for cols, row in rows:
        out.append({c: (_MASK if is_pii(c, pii) and v is not None else _jsonable(v)) for c, v in zip(cols, row)})
    return out


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _message(r: CheckResult) -> str:
    if r.unexpected_count is not None and r.element_count is not None:
        from ..render import format as fmt

        pct = f" ({fmt.percent(r.unexpected_percent)})" if r.unexpected_percent is not None else ""
        mostly = r.kwargs.get("mostly")
        need = f", mostly {mostly}" if mostly is not None else ""
        return f"{fmt.count(r.unexpected_count)} of {fmt.count(r.element_count)} unexpected{pct}{need}"
    if r.observed_value is not None:
        bounds = []
        for key in ("min_value", "max_value", "value"):
            if key in r.kwargs:
                bounds.append(f"{key.split('_')[0]} {r.kwargs[key]}")
        return f"observed {r.observed_value}" + (f" ({', '.join(bounds)})" if bounds else "")
    return ""
