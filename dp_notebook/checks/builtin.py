"""The expectation vocabulary: Great Expectations 1.x names and kwargs, compiled to DuckDB SQL.

One table (``EXPECTATIONS``) holds, per canonical name, its kwargs and how it
compiles; short aliases come from ``ALIASES``. Each expectation compiles to
aggregate expressions that ``run.py`` fuses into one scan, plus, for
row-level ("map") expectations, the predicate of an unexpected row used to
fetch failing examples. Semantics follow GX: ``mostly`` and
``unexpected_percent`` use non-null rows as the denominator (all rows for the
null checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

COMMON_KWARGS = {"mostly", "row_condition", "condition_parser", "result_format", "meta", "catch_exceptions", "include_config", "notes", "severity", "description"}


@dataclass(frozen=True)
class Duplicates:
    """Rows whose ``columns`` (quoted SQL) hold a value that occurs more than once among the
    ``considered`` rows: GX's unexpected rows of the uniqueness checks.

    ``run.py`` answers it as cheaply as it can: a distinct count in the fused scan proves
    there are none (the common case); only then is the exact count a GROUP BY of its own.
    A check with ``duplicates`` has one aggregate, the number of rows considered; the fused
    scan may answer it together with the exact count (``checks/scan.py``).
    """

    columns: tuple[str, ...]
    considered: str


@dataclass
class Compiled:
    """SQL for one expectation: aggregate expressions and how to judge their values.

    ``judge`` sees the aggregates' values, then the exact duplicate count (``duplicates``) or
    the value of ``separate_query``, if the expectation has one.
    """

    aggregates: list[str]
    judge: Callable[[list[Any]], dict[str, Any]]
    unexpected_where: str | None = None  # predicate of an unexpected row, for examples
    separate_query: str | None = None  # a query of its own (order checks need a window)
    duplicates: Duplicates | None = None
    # a row-level check of one column's values (aggregates: [unexpected, non-null rows]) whose
    # verdict depends on the value alone; ``costly`` (regex, LIKE) makes it worth judging each
    # distinct value once when the column repeats its values
    value_column: str | None = None
    costly: bool = False
    # the predicate of an expected value of ``value_column`` (a row-level check of one column): the
    # fused scan on DuckDB counts unexpected rows as ``count(CASE WHEN expected THEN NULL ELSE col END)``,
    # one CASE instead of ``col IS NOT NULL AND NOT coalesce(expected, false)`` (about 10% of a scan)
    expected: str | None = None
    # the first aggregate counts the NULLs of this (quoted) column: on DuckDB, a column no other check
    # reads is counted as ``count(*) - count(col)``, which DuckDB answers from statistics (Parquet,
    # tables) without reading the column when it holds no NULLs
    nulls_of: str | None = None


@dataclass(frozen=True)
class Spec:
    kind: str  # map | column_agg | table | pair | multi
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    compile: Callable[..., Compiled] | None = field(default=None, compare=False)


# -- helpers ------------------------------------------------------------------------------------


def q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


class Params:
    """Collects bound parameters; values never enter the SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


class InlineParams(Params):
    """Values written as SQL literals (by sqlglot), for SQL that leaves dp-notebook: ODCS ``sql`` rules
    that other tools run, dbt tests. Never for SQL run with user input at hand."""

    def add(self, value: Any) -> str:
        from sqlglot import exp

        return exp.convert(value).sql(dialect="duckdb")


def _cast_param(params: Params, value: Any, col_type: str | None) -> str:
    # without a known column type (a contract's SQL written before the data exists) DuckDB's
    # implicit literal casts compare like with like
    return params.add(value) if col_type is None else f"CAST({params.add(value)} AS {col_type})"


def _map_result(unexpected: int, denominator: int, mostly: float | None, extra: dict | None = None) -> dict[str, Any]:
    pct = (100.0 * unexpected / denominator) if denominator else 0.0
    threshold = 1.0 if mostly is None else float(mostly)
    success = (1 - pct / 100.0) >= threshold - 1e-12 if denominator else True
    out = {"success": success, "unexpected_count": int(unexpected), "unexpected_percent": pct, "element_count": int(denominator)}
    out.update(extra or {})
    return out


def _column_map(pred: str, col: str, scope: str, mostly: float | None, *, costly: bool = False) -> Compiled:
    """A row-level expectation on non-null values of ``col``: ``pred`` is true for expected rows."""
    c = q(col)
    unexpected = f"{c} IS NOT NULL AND NOT coalesce(({pred}), false)"
    return Compiled(
        aggregates=[f"count(*) FILTER (WHERE {scope} AND {unexpected})", f"count({c}) FILTER (WHERE {scope})"],
        judge=lambda v: _map_result(v[0], v[1], mostly),
        unexpected_where=unexpected,
        value_column=c,
        costly=costly,
        expected=pred,
    )


def _between(value: Any, lo: Any, hi: Any, strict_min: bool = False, strict_max: bool = False) -> bool:
    if value is None:
        return False
    lo, hi = _like(value, lo), _like(value, hi)
    if lo is not None and (value <= lo if strict_min else value < lo):
        return False
    if hi is not None and (value >= hi if strict_max else value > hi):
        return False
    return True


def _like(value: Any, bound: Any) -> Any:
    """A text bound read as the observed value's type: '2030-01-01' against a timestamp, as DuckDB would."""
    import datetime as dt

    if not isinstance(bound, str) or isinstance(value, str):
        return bound
    try:
        if isinstance(value, dt.datetime):
            parsed = dt.datetime.fromisoformat(bound)
            if value.tzinfo is not None and parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=value.tzinfo)
            return parsed
        if isinstance(value, dt.date):
            return dt.date.fromisoformat(bound)
        if isinstance(value, (int, float)):
            return float(bound)
    except ValueError:
        pass
    return bound


def _values_list(params: Params, values: list[Any], col_type: str) -> tuple[str, str]:
    """(list parameter, column cast) so that IN-set comparisons compare like with like."""
    if all(isinstance(v, bool) for v in values):
        return params.add(list(values)), "BOOLEAN"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return params.add([float(v) for v in values]), "DOUBLE"
    return params.add([str(v) for v in values]), "VARCHAR"


# -- compilers (kw: kwargs; col_type: DuckDB type of the column; scope: row_condition SQL) --------


def _null_check(unexpected: str) -> Callable:
    """Null checks count over all rows (GX: their denominator includes the nulls)."""

    def compile_(kw, params, col_type, scope):
        cond = unexpected.format(c=q(kw["column"]))
        mostly = kw.get("mostly")
        return Compiled(
            [f"count(*) FILTER (WHERE {scope} AND {cond})", f"count(*) FILTER (WHERE {scope})"],
            lambda v: _map_result(v[0], v[1], mostly),
            unexpected_where=cond,
            nulls_of=q(kw["column"]) if unexpected == "{c} IS NULL" else None,
        )

    return compile_


c_not_null = _null_check("{c} IS NULL")
c_null = _null_check("{c} IS NOT NULL")


def duplicates_query(relation: str, scope: str, dup: Duplicates) -> str:
    """The exact count of rows whose value occurs more than once (GX's unexpected count), in portable SQL."""
    return (
        f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {relation} WHERE {scope} AND {dup.considered} "
        f"GROUP BY {', '.join(dup.columns)} HAVING count(*) > 1)"
    )


def c_unique(kw, params, col_type, scope, *, relation="__rel__"):
    c = q(kw["column"])
    mostly = kw.get("mostly")
    # GX counts every row whose value occurs more than once
    dup = Duplicates((c,), f"{c} IS NOT NULL")
    return Compiled(
        [f"count({c}) FILTER (WHERE {scope})"],
        lambda v: _map_result(v[-1], v[0], mostly),
        unexpected_where=f"{c} IN (SELECT {c} FROM {relation} WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1)",
        separate_query=duplicates_query(relation, scope, dup),
        duplicates=dup,
    )


def c_in_set(kw, params, col_type, scope):
    plist, cast = _values_list(params, list(kw["value_set"]), col_type)
    return _column_map(f"list_contains({plist}, CAST({q(kw['column'])} AS {cast}))", kw["column"], scope, kw.get("mostly"))


def c_not_in_set(kw, params, col_type, scope):
    plist, cast = _values_list(params, list(kw["value_set"]), col_type)
    return _column_map(f"NOT list_contains({plist}, CAST({q(kw['column'])} AS {cast}))", kw["column"], scope, kw.get("mostly"))


def c_between(kw, params, col_type, scope):
    c = q(kw["column"])
    parts = []
    if kw.get("min_value") is not None:
        parts.append(f"{c} {'>' if kw.get('strict_min') else '>='} {_cast_param(params, kw['min_value'], col_type)}")
    if kw.get("max_value") is not None:
        parts.append(f"{c} {'<' if kw.get('strict_max') else '<='} {_cast_param(params, kw['max_value'], col_type)}")
    pred = " AND ".join(parts) or "true"
    return _column_map(pred, kw["column"], scope, kw.get("mostly"))


def c_regex(kw, params, col_type, scope):
    return _column_map(f"regexp_matches(CAST({q(kw['column'])} AS VARCHAR), {params.add(kw['regex'])})", kw["column"], scope, kw.get("mostly"), costly=True)


def c_not_regex(kw, params, col_type, scope):
    return _column_map(f"NOT regexp_matches(CAST({q(kw['column'])} AS VARCHAR), {params.add(kw['regex'])})", kw["column"], scope, kw.get("mostly"), costly=True)


def c_regex_list(kw, params, col_type, scope):
    c = f"CAST({q(kw['column'])} AS VARCHAR)"
    tests = [f"regexp_matches({c}, {params.add(r)})" for r in kw["regex_list"]]
    joiner = " AND " if kw.get("match_on", "any") == "all" else " OR "
    return _column_map("(" + joiner.join(tests) + ")", kw["column"], scope, kw.get("mostly"), costly=True)


def c_like(kw, params, col_type, scope):
    return _column_map(f"CAST({q(kw['column'])} AS VARCHAR) LIKE {params.add(kw['like_pattern'])}", kw["column"], scope, kw.get("mostly"), costly=True)


def c_lengths_between(kw, params, col_type, scope):
    n = f"length(CAST({q(kw['column'])} AS VARCHAR))"
    parts = []
    if kw.get("min_value") is not None:
        parts.append(f"{n} >= {params.add(int(kw['min_value']))}")
    if kw.get("max_value") is not None:
        parts.append(f"{n} <= {params.add(int(kw['max_value']))}")
    return _column_map(" AND ".join(parts) or "true", kw["column"], scope, kw.get("mostly"))


def c_lengths_equal(kw, params, col_type, scope):
    return _column_map(f"length(CAST({q(kw['column'])} AS VARCHAR)) = {params.add(int(kw['value']))}", kw["column"], scope, kw.get("mostly"))


def c_of_type(kw, params, col_type, scope):
    wanted = [kw["type_"]] if "type_" in kw else list(kw["type_list"])
    ok = any(_same_type(col_type, w) for w in wanted)
    return Compiled([], lambda v: {"success": ok, "observed_value": col_type})


def _same_type(actual: str, wanted: str) -> bool:
    from ..spec.types import UnknownType, resolve_type

    a = actual.upper().split("(")[0]
    w = str(wanted).strip()
    if a == w.upper().split("(")[0]:
        return True
    try:
        return resolve_type(w).physical.upper().split("(")[0] == a
    except UnknownType:
        return False


def _agg_between(expr_fn: Callable[[str], str]) -> Callable:
    def compile_(kw, params, col_type, scope):
        c = q(kw["column"])
        expr = expr_fn(c)
        lo, hi = kw.get("min_value"), kw.get("max_value")

        def judge(v):
            value = v[0]
            if value is not None and hasattr(value, "__float__") and not isinstance(value, (int, float)):
                value = float(value)
            return {"success": _between(value, lo, hi, kw.get("strict_min", False), kw.get("strict_max", False)), "observed_value": value}

        return Compiled([f"{expr.replace('__SCOPE__', scope)}"], judge)

    return compile_


c_min = _agg_between(lambda c: f"min({c}) FILTER (WHERE __SCOPE__)")
c_max = _agg_between(lambda c: f"max({c}) FILTER (WHERE __SCOPE__)")
c_mean = _agg_between(lambda c: f"avg({c}) FILTER (WHERE __SCOPE__)")
c_median = _agg_between(lambda c: f"median({c}) FILTER (WHERE __SCOPE__)")
c_sum = _agg_between(lambda c: f"sum({c}) FILTER (WHERE __SCOPE__)")
c_stdev = _agg_between(lambda c: f"stddev_samp({c}) FILTER (WHERE __SCOPE__)")
c_unique_count = _agg_between(lambda c: f"count(DISTINCT {c}) FILTER (WHERE __SCOPE__)")
c_proportion_unique = _agg_between(
    lambda c: f"CASE WHEN count({c}) FILTER (WHERE __SCOPE__) = 0 THEN NULL ELSE count(DISTINCT {c}) FILTER (WHERE __SCOPE__) / count({c}) FILTER (WHERE __SCOPE__) END"
)


def _distinct_set(mode: str) -> Callable:
    def compile_(kw, params, col_type, scope):
        c = q(kw["column"])
        expected = {str(v) for v in kw["value_set"]}

        def judge(v):
            observed = {str(x) for x in (v[0] or [])}
            if mode == "in":
                ok = observed <= expected
            elif mode == "contain":
                ok = expected <= observed
            else:
                ok = observed == expected
            return {"success": ok, "observed_value": sorted(observed)}

        return Compiled([f"list_distinct(list(CAST({c} AS VARCHAR)) FILTER (WHERE {scope} AND {c} IS NOT NULL))"], judge)

    return compile_


def c_increasing(kw, params, col_type, scope, *, relation="__rel__"):
    # needs row order: DuckDB keeps insertion order for a single-threaded scan of a table
    c = q(kw["column"])
    op = ">" if kw.get("strictly") else ">="
    sep = f"SELECT count(*) FROM (SELECT {c} AS v, lag({c}) OVER () AS prev FROM {relation} WHERE {scope} AND {c} IS NOT NULL) WHERE prev IS NOT NULL AND NOT (v {op} prev)"
    return Compiled([f"count({c}) FILTER (WHERE {scope})"], lambda v: _map_result(v[-1], v[0], kw.get("mostly")), separate_query=sep)


def c_decreasing(kw, params, col_type, scope, *, relation="__rel__"):
    c = q(kw["column"])
    op = "<" if kw.get("strictly") else "<="
    sep = f"SELECT count(*) FROM (SELECT {c} AS v, lag({c}) OVER () AS prev FROM {relation} WHERE {scope} AND {c} IS NOT NULL) WHERE prev IS NOT NULL AND NOT (v {op} prev)"
    return Compiled([f"count({c}) FILTER (WHERE {scope})"], lambda v: _map_result(v[-1], v[0], kw.get("mostly")), separate_query=sep)


# table-level: the judge sees (row_count, columns) through kw["__table__"]


def c_row_count_between(kw, params, col_type, scope):
    return Compiled([f"count(*) FILTER (WHERE {scope})"], lambda v: {"success": _between(v[0], kw.get("min_value"), kw.get("max_value")), "observed_value": v[0]})


def c_row_count_equal(kw, params, col_type, scope):
    return Compiled([f"count(*) FILTER (WHERE {scope})"], lambda v: {"success": v[0] == kw["value"], "observed_value": v[0]})


def _columns_judge(fn: Callable[[list[str], dict], bool]) -> Callable:
    def compile_(kw, params, col_type, scope):
        cols = kw["__columns__"]
        return Compiled([], lambda v: {"success": fn(cols, kw), "observed_value": cols})

    return compile_


c_column_exists = _columns_judge(lambda cols, kw: kw["column"] in cols)
c_column_count_equal = _columns_judge(lambda cols, kw: len(cols) == kw["value"])
c_column_count_between = _columns_judge(lambda cols, kw: _between(len(cols), kw.get("min_value"), kw.get("max_value")))
c_columns_ordered = _columns_judge(lambda cols, kw: cols == list(kw["column_list"]))
c_columns_set = _columns_judge(
    lambda cols, kw: set(cols) == set(kw["column_list"]) if kw.get("exact_match", True) else set(kw["column_list"]) <= set(cols)
)


def _pair(op: Callable[[str, str, dict], str]) -> Callable:
    def compile_(kw, params, col_type, scope):
        a, b = q(kw["column_A"]), q(kw["column_B"])
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        if ignore == "either_value_is_missing":
            considered = f"{a} IS NOT NULL AND {b} IS NOT NULL"
        elif ignore == "neither":
            considered = "true"
        else:
            considered = f"NOT ({a} IS NULL AND {b} IS NULL)"
        unexpected = f"{considered} AND NOT coalesce(({op(a, b, kw)}), false)"
        mostly = kw.get("mostly")
        return Compiled(
            [f"count(*) FILTER (WHERE {scope} AND {unexpected})", f"count(*) FILTER (WHERE {scope} AND {considered})"],
            lambda v: _map_result(v[0], v[1], mostly),
            unexpected_where=unexpected,
        )

    return compile_


c_pair_equal = _pair(lambda a, b, kw: f"{a} = {b}")
c_pair_greater = _pair(lambda a, b, kw: f"{a} {'>=' if kw.get('or_equal') else '>'} {b}")


def _multi(kind: str) -> Callable:
    def compile_(kw, params, col_type, scope, *, relation="__rel__"):
        cols = [q(c) for c in kw["column_list"]]
        ignore = kw.get("ignore_row_if", "all_values_are_missing")
        if ignore == "any_value_is_missing":
            considered = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        elif ignore == "never":
            considered = "true"
        else:
            considered = "NOT (" + " AND ".join(f"{c} IS NULL" for c in cols) + ")"
        mostly = kw.get("mostly")
        if kind == "compound_unique":
            dup = Duplicates(tuple(cols), considered)
            return Compiled(
                [f"count(*) FILTER (WHERE {scope} AND {considered})"],
                lambda v: _map_result(v[-1], v[0], mostly),
                separate_query=duplicates_query(relation, scope, dup),
                duplicates=dup,
            )
        if kind == "unique_within_record":
            pred = f"len(list_distinct([{', '.join(cols)}])) = len(list_filter([{', '.join(cols)}], lambda x: x IS NOT NULL))"
        else:  # multicolumn sum
            pred = f"({' + '.join(f'coalesce({c}, 0)' for c in cols)}) = {params.add(kw['sum_total'])}"
        unexpected = f"{considered} AND NOT coalesce(({pred}), false)"
        return Compiled(
            [f"count(*) FILTER (WHERE {scope} AND {unexpected})", f"count(*) FILTER (WHERE {scope} AND {considered})"],
            lambda v: _map_result(v[0], v[1], mostly),
            unexpected_where=unexpected,
        )

    return compile_


_BOUNDS = ("min_value", "max_value", "strict_min", "strict_max")

EXPECTATIONS: dict[str, Spec] = {
    "expect_column_values_to_not_be_null": Spec("map", ("column",), (), c_not_null),
    "expect_column_values_to_be_null": Spec("map", ("column",), (), c_null),
    "expect_column_values_to_be_unique": Spec("map", ("column",), (), c_unique),
    "expect_column_values_to_be_in_set": Spec("map", ("column", "value_set"), ("parse_strings_as_datetimes",), c_in_set),
    "expect_column_values_to_not_be_in_set": Spec("map", ("column", "value_set"), (), c_not_in_set),
    "expect_column_values_to_be_between": Spec("map", ("column",), _BOUNDS, c_between),
    "expect_column_values_to_match_regex": Spec("map", ("column", "regex"), (), c_regex),
    "expect_column_values_to_not_match_regex": Spec("map", ("column", "regex"), (), c_not_regex),
    "expect_column_values_to_match_regex_list": Spec("map", ("column", "regex_list"), ("match_on",), c_regex_list),
    "expect_column_values_to_match_like_pattern": Spec("map", ("column", "like_pattern"), (), c_like),
    "expect_column_value_lengths_to_be_between": Spec("map", ("column",), ("min_value", "max_value"), c_lengths_between),
    "expect_column_value_lengths_to_equal": Spec("map", ("column", "value"), (), c_lengths_equal),
    "expect_column_values_to_be_of_type": Spec("column_agg", ("column", "type_"), (), c_of_type),
    "expect_column_values_to_be_in_type_list": Spec("column_agg", ("column", "type_list"), (), c_of_type),
    "expect_column_values_to_be_increasing": Spec("map", ("column",), ("strictly",), c_increasing),
    "expect_column_values_to_be_decreasing": Spec("map", ("column",), ("strictly",), c_decreasing),
    "expect_column_min_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_min),
    "expect_column_max_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_max),
    "expect_column_mean_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_mean),
    "expect_column_median_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_median),
    "expect_column_sum_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_sum),
    "expect_column_stdev_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_stdev),
    "expect_column_unique_value_count_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_unique_count),
    "expect_column_proportion_of_unique_values_to_be_between": Spec("column_agg", ("column",), _BOUNDS, c_proportion_unique),
    "expect_column_distinct_values_to_be_in_set": Spec("column_agg", ("column", "value_set"), (), _distinct_set("in")),
    "expect_column_distinct_values_to_contain_set": Spec("column_agg", ("column", "value_set"), (), _distinct_set("contain")),
    "expect_column_distinct_values_to_equal_set": Spec("column_agg", ("column", "value_set"), (), _distinct_set("equal")),
    "expect_column_to_exist": Spec("table", ("column",), ("column_index",), c_column_exists),
    "expect_table_row_count_to_be_between": Spec("table", (), ("min_value", "max_value"), c_row_count_between),
    "expect_table_row_count_to_equal": Spec("table", ("value",), (), c_row_count_equal),
    "expect_table_column_count_to_equal": Spec("table", ("value",), (), c_column_count_equal),
    "expect_table_column_count_to_be_between": Spec("table", (), ("min_value", "max_value"), c_column_count_between),
    "expect_table_columns_to_match_ordered_list": Spec("table", ("column_list",), (), c_columns_ordered),
    "expect_table_columns_to_match_set": Spec("table", ("column_list",), ("exact_match",), c_columns_set),
    "expect_column_pair_values_to_be_equal": Spec("pair", ("column_A", "column_B"), ("ignore_row_if",), c_pair_equal),
    "expect_column_pair_values_a_to_be_greater_than_b": Spec("pair", ("column_A", "column_B"), ("or_equal", "ignore_row_if"), c_pair_greater),
    "expect_compound_columns_to_be_unique": Spec("multi", ("column_list",), ("ignore_row_if",), _multi("compound_unique")),
    "expect_select_column_values_to_be_unique_within_record": Spec("multi", ("column_list",), ("ignore_row_if",), _multi("unique_within_record")),
    "expect_multicolumn_sum_to_equal": Spec("multi", ("column_list", "sum_total"), ("ignore_row_if",), _multi("multicolumn_sum")),
}

# short names -> canonical GX names (the one alias table)
ALIASES: dict[str, str] = {
    "not_null": "expect_column_values_to_not_be_null",
    "null": "expect_column_values_to_be_null",
    "unique": "expect_column_values_to_be_unique",
    "in_set": "expect_column_values_to_be_in_set",
    "accepted_values": "expect_column_values_to_be_in_set",
    "not_in_set": "expect_column_values_to_not_be_in_set",
    "between": "expect_column_values_to_be_between",
    "match_regex": "expect_column_values_to_match_regex",
    "not_match_regex": "expect_column_values_to_not_match_regex",
    "like": "expect_column_values_to_match_like_pattern",
    "value_lengths_between": "expect_column_value_lengths_to_be_between",
    "of_type": "expect_column_values_to_be_of_type",
    "min_between": "expect_column_min_to_be_between",
    "max_between": "expect_column_max_to_be_between",
    "mean_between": "expect_column_mean_to_be_between",
    "median_between": "expect_column_median_to_be_between",
    "sum_between": "expect_column_sum_to_be_between",
    "row_count_between": "expect_table_row_count_to_be_between",
    "row_count_equal": "expect_table_row_count_to_equal",
    "column_exists": "expect_column_to_exist",
    "compound_unique": "expect_compound_columns_to_be_unique",
    "pair_equal": "expect_column_pair_values_to_be_equal",
    "a_greater_than_b": "expect_column_pair_values_a_to_be_greater_than_b",
}

# kwargs that name columns, checked against the relation before any SQL runs
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
