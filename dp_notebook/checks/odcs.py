"""ODCS v3 ``quality`` rules ⇄ expectations, written so that datacontract-cli runs them too.

Export (``to_odcs_rules``): an expectation becomes an ODCS *library* metric only where
datacontract-cli computes it with the same verdict as GX (``nullValues`` — with ``mostly``
as a percent of all rows —, ``duplicateValues``, ``invalidValues`` and ``rowCount``, all
without row conditions). Every other expectation becomes a ``type: sql`` rule whose query
is the expectation's own compiled SQL (``builtin.py``) with its values inlined and
``{model}`` for the table, and which carries the expectation itself in
``customProperties`` (property ``expectation``, a GX 1.x item) so that it imports back
unchanged. Only an expectation no SQL can judge stays a ``custom`` GX rule, which
datacontract-cli does not run (see docs/interop.md).

Import (``from_odcs_rules``): library metrics map back to expectations; ``sql`` rules
carrying an ``expectation`` run as that expectation, other ``sql`` rules as their query;
``custom`` great-expectations rules as their implementation; ``text`` is documentation.
Rules carry ``column`` for placement; the contract exporter moves them under the column.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExpectationError
from .model import Expectation

_OPERATORS = ("mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan", "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween")
EXPECTATION_PROPERTY = "expectation"
# placeholders datacontract-cli substitutes in sql rules; dp-notebook's older {port} too
_TABLE_PLACEHOLDERS = ("${model}", "{model}", "${table}", "{table}", "{port}", "${object}", "{object}")
_COLUMN_PLACEHOLDERS = ("${column}", "{column}", "${field}", "{field}", "${property}", "{property}")


def to_odcs_rules(expectations: list[Expectation], *, column_types: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Expectations → ODCS quality rules (with a ``column`` key where the rule belongs to one).

    ``column_types``: DuckDB types of the port's columns, used to cast compared values.

        >>> from .run import parse_suite
        >>> to_odcs_rules(parse_suite([{"not_null": {"column": "id"}}]))[0]["metric"]
        'nullValues'
    """
    out = []
    for i, e in enumerate(expectations):
        rule = _library_rule(e) or _sql_rule(e, column_types or {}) or _custom_rule(e)
        # a stable id: datacontract-cli reports it with each result (qualityId)
        rule = {"id": _rule_id(e, i), **rule}
        rule.setdefault("description", e.kwargs.get("description") or e.label())
        severity = e.kwargs.get("severity")
        if severity and severity != "error":
            rule["severity"] = severity
        if e.column:
            rule["column"] = e.column
        out.append(rule)
    return out


def _rule_id(e: Expectation, i: int) -> str:
    import re

    what = e.name.removeprefix("expect_")
    on = e.column or "_".join(e.kwargs.get("column_list") or []) or "table"
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{on}-{what}-{i}")


def _percent_bound(kw: dict[str, Any]) -> dict[str, Any]:
    mostly = kw.get("mostly")
    if mostly is None:
        return {"mustBe": 0}
    return {"mustBeLessOrEqualTo": round((1 - float(mostly)) * 100, 6), "unit": "percent"}


def _library_rule(e: Expectation) -> dict[str, Any] | None:
    """A library metric where datacontract-cli's verdict equals GX's, else None."""
    kw = e.kwargs
    if kw.get("row_condition") not in (None, ""):
        return None
    if e.name == "expect_column_values_to_not_be_null":
        # nullValues in percent divides by all rows, as GX's not_null mostly does
        return {"type": "library", "metric": "nullValues", **_percent_bound(kw)}
    if "mostly" in kw:  # the other metrics' percents divide by all rows, GX's by non-null rows
        return None
    if e.name == "expect_column_values_to_be_unique":
        # datacontract-cli counts duplicated values, GX the rows holding them: equal verdicts at 0
        return {"type": "library", "metric": "duplicateValues", "mustBe": 0}
    if e.name == "expect_column_values_to_be_in_set" and not kw.get("parse_strings_as_datetimes"):
        return {"type": "library", "metric": "invalidValues", "arguments": {"validValues": list(kw["value_set"])}, "mustBe": 0}
    if e.name == "expect_column_values_to_match_regex":
        # both search (unanchored), as GX does
        return {"type": "library", "metric": "invalidValues", "arguments": {"pattern": kw["regex"]}, "mustBe": 0}
    if e.name == "expect_table_row_count_to_equal":
        return {"type": "library", "metric": "rowCount", "mustBe": kw["value"]}
    if e.name == "expect_table_row_count_to_be_between" and (kw.get("min_value") is not None or kw.get("max_value") is not None):
        lo, hi = kw.get("min_value"), kw.get("max_value")
        if lo is not None and hi is not None:
            return {"type": "library", "metric": "rowCount", "mustBeBetween": [lo, hi]}
        if lo is not None:
            return {"type": "library", "metric": "rowCount", "mustBeGreaterOrEqualTo": lo}
        return {"type": "library", "metric": "rowCount", "mustBeLessOrEqualTo": hi}
    return None


def _custom_rule(e: Expectation) -> dict[str, Any]:
    from .gx import to_gx_item

    return {"type": "custom", "engine": "great-expectations", "implementation": to_gx_item(e)}


# -- sql rules: the expectation's own SQL -------------------------------------------------------


def expectation_sql(e: Expectation, column_types: dict[str, str] | None = None, *, table: str = "{model}") -> tuple[str, dict[str, Any]] | None:
    """``(query, ODCS operator)`` that judges ``e`` on ``table`` as dp-notebook does, or None.

    The query returns one number; the operator (``mustBe: 0``, ``mustBeBetween`` …) is the
    verdict. Values are inlined as SQL literals, so the query runs anywhere DuckDB does.
    """
    from .builtin import EXPECTATIONS, InlineParams
    from .conditions import condition_tree

    kw = dict(e.kwargs)
    spec = EXPECTATIONS[e.name]
    scope = "true"
    if kw.get("row_condition") not in (None, ""):
        scope = "(" + condition_tree(kw["row_condition"], kw.get("condition_parser")).sql(dialect="duckdb") + ")"
    table_sql = _table_rule(e, table)
    if table_sql is not None:
        return table_sql
    if spec.kind == "table" and e.name not in ("expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"):
        return None
    col_type = (column_types or {}).get(kw.get("column") or "")
    kw["__columns__"] = []
    import inspect

    fn = spec.compile
    if "relation" in inspect.signature(fn).parameters:
        compiled = fn(kw, InlineParams(), col_type, scope, relation=table)
    else:
        compiled = fn(kw, InlineParams(), col_type, scope)
    mostly = kw.get("mostly")
    if spec.kind in ("map", "pair", "multi") and spec.kind != "column_agg":
        if compiled.separate_query:
            unexpected, denominator = f"({compiled.separate_query})", f"(SELECT {compiled.aggregates[0]} FROM {table})"
        elif len(compiled.aggregates) == 2:
            unexpected, denominator = f"(SELECT {compiled.aggregates[0]} FROM {table})", f"(SELECT {compiled.aggregates[1]} FROM {table})"
        else:
            return None
        if mostly is None:
            return f"SELECT {unexpected}", {"mustBe": 0}
        query = f"SELECT CASE WHEN d = 0 THEN 0 ELSE 100.0 * u / d END FROM (SELECT {unexpected} AS u, {denominator} AS d)"
        return query, {"mustBeLessOrEqualTo": round((1 - float(mostly)) * 100, 6)}
    if e.name in ("expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"):
        value = f"(SELECT {compiled.aggregates[0]} FROM {table})"
        if e.name == "expect_table_row_count_to_equal":
            return f"SELECT {value}", {"mustBe": kw["value"]}
        return _between_rule(value, kw.get("min_value"), kw.get("max_value"), False, False)
    if e.name.startswith("expect_column_distinct_values_to_"):
        values = InlineParams().add([str(v) for v in kw["value_set"]])
        observed = f"(SELECT {compiled.aggregates[0]} FROM {table})"
        test = {
            "expect_column_distinct_values_to_be_in_set": f"list_has_all({values}, v)",
            "expect_column_distinct_values_to_contain_set": f"list_has_all(v, {values})",
            "expect_column_distinct_values_to_equal_set": f"list_has_all({values}, v) AND list_has_all(v, {values})",
        }[e.name]
        return f"SELECT CASE WHEN {test} THEN 0 ELSE 1 END FROM (SELECT coalesce({observed}, []) AS v)", {"mustBe": 0}
    if spec.kind == "column_agg" and compiled.aggregates and ("min_value" in kw or "max_value" in kw):
        value = f"(SELECT {compiled.aggregates[0]} FROM {table})"
        return _between_rule(value, kw.get("min_value"), kw.get("max_value"), bool(kw.get("strict_min")), bool(kw.get("strict_max")))
    return None


def _between_rule(value: str, lo: Any, hi: Any, strict_min: bool, strict_max: bool) -> tuple[str, dict[str, Any]]:
    from .builtin import InlineParams

    numeric = all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in (lo, hi))
    if numeric and not strict_min and not strict_max and lo is not None and hi is not None:
        return f"SELECT {value}", {"mustBeBetween": [lo, hi]}
    if numeric and (lo is None) != (hi is None):
        if lo is not None:
            return f"SELECT {value}", {"mustBeGreaterThan" if strict_min else "mustBeGreaterOrEqualTo": lo}
        return f"SELECT {value}", {"mustBeLessThan" if strict_max else "mustBeLessOrEqualTo": hi}
    # dates, strings, strict bounds on both sides: the query says 0 (pass) or 1 (fail)
    inline = InlineParams()
    tests = ["v IS NOT NULL"]
    if lo is not None:
        tests.append(f"v {'>' if strict_min else '>='} {inline.add(lo)}")
    if hi is not None:
        tests.append(f"v {'<' if strict_max else '<='} {inline.add(hi)}")
    return f"SELECT CASE WHEN {' AND '.join(tests)} THEN 0 ELSE 1 END FROM (SELECT {value} AS v)", {"mustBe": 0}


def _table_rule(e: Expectation, table: str) -> tuple[str, dict[str, Any]] | None:
    """Structure expectations judged from ``DESCRIBE``: the columns the reader sees."""
    from .builtin import InlineParams

    kw = e.kwargs
    described = f"(DESCRIBE SELECT * FROM {table})"
    lit = InlineParams().add
    if e.name == "expect_column_to_exist":
        return f"SELECT count(*) FROM {described} WHERE column_name = {lit(kw['column'])}", {"mustBe": 1}
    if e.name == "expect_table_column_count_to_equal":
        return f"SELECT count(*) FROM {described}", {"mustBe": kw["value"]}
    if e.name == "expect_table_column_count_to_be_between":
        return _between_rule(f"(SELECT count(*) FROM {described})", kw.get("min_value"), kw.get("max_value"), False, False)
    if e.name == "expect_table_columns_to_match_ordered_list":
        return f"SELECT CASE WHEN list(column_name) = {lit(list(kw['column_list']))} THEN 0 ELSE 1 END FROM {described}", {"mustBe": 0}
    if e.name == "expect_table_columns_to_match_set":
        wanted = lit(sorted(kw["column_list"]))
        test = f"list_sort(list(column_name)) = {wanted}" if kw.get("exact_match", True) else f"list_has_all(list(column_name), {wanted})"
        return f"SELECT CASE WHEN {test} THEN 0 ELSE 1 END FROM {described}", {"mustBe": 0}
    if e.name in ("expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list"):
        from ..spec.types import UnknownType, resolve_type

        wanted = [kw["type_"]] if "type_" in kw else list(kw["type_list"])
        families = set()
        for w in wanted:
            families.add(str(w).upper().split("(")[0])
            try:
                families.add(resolve_type(str(w)).physical.upper().split("(")[0])
            except UnknownType:
                pass
        test = f"upper(split_part(column_type, '(', 1)) IN ({', '.join(lit(f) for f in sorted(families))})"
        return f"SELECT count(*) FROM {described} WHERE column_name = {lit(kw['column'])} AND {test}", {"mustBe": 1}
    return None


def _sql_rule(e: Expectation, column_types: dict[str, str]) -> dict[str, Any] | None:
    found = expectation_sql(e, column_types)
    if found is None:
        return None
    query, operator = found
    # the expectation as dp-notebook wrote it (row condition text and all), so it imports back equal
    carried = {"type": e.name, "kwargs": dict(e.kwargs)}
    return {"type": "sql", "query": query, **operator, "customProperties": [{"property": EXPECTATION_PROPERTY, "value": carried}]}


def table_level_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A column rule for a contract that declares no such property: as an sql rule on the table
    (the column is named in its query and in the carried expectation)."""
    out = {k: v for k, v in rule.items() if k != "column"}
    if rule.get("type") in ("sql", "custom", "text"):
        return out
    (e,), _ = from_odcs_rules([rule])
    found = _sql_rule(e, {})
    if found is None:
        return out
    head = {"id": rule["id"]} if "id" in rule else {}
    return {**head, **found, **{k: rule[k] for k in ("description", "severity") if k in rule}}


# -- import -------------------------------------------------------------------------------------


def from_odcs_rules(rules: list[dict[str, Any]], *, where: str = "quality") -> tuple[list[Expectation], list[dict[str, Any]]]:
    """ODCS rules → (expectations, sql rules to run as queries); ``text`` rules are documentation only."""
    from .run import parse_suite

    items: list[dict[str, Any]] = []
    sql_rules = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise ExpectationError(f"{where}[{i}]: a quality rule must be a mapping")
        kind = rule.get("type") or ("library" if "metric" in rule or "rule" in rule else None)
        column = rule.get("column")
        if kind == "text":
            continue
        carried = _carried_expectation(rule)
        if carried is not None:
            items.append(carried)
            continue
        check_operators(rule, f"{where}[{i}]")
        if kind == "sql":
            if "query" not in rule or not any(op in rule for op in _OPERATORS):
                raise ExpectationError(f"{where}[{i}]: an sql rule needs 'query' and an operator (mustBe, mustBeLessThan, ...)")
            if not isinstance(rule["query"], str) or not rule["query"].strip():
                raise ExpectationError(f"{where}[{i}].query: must be SQL text, not {type(rule['query']).__name__}")
            sql_rules.append(rule)
            continue
        if kind == "custom":
            if rule.get("engine") not in ("great-expectations", "greatExpectations", "gx"):
                raise ExpectationError(f"{where}[{i}]: custom rules of engine {rule.get('engine')!r} cannot run here (great-expectations can)")
            impl = rule.get("implementation")
            if not isinstance(impl, dict):
                raise ExpectationError(f"{where}[{i}]: a great-expectations rule needs an implementation mapping {{type, kwargs}}")
            items.append(impl)
            continue
        if kind != "library":
            raise ExpectationError(f"{where}[{i}]: unknown quality rule type {kind!r} (text, library, sql, custom)")
        item = _library(rule, column, f"{where}[{i}]")
        if rule.get("severity"):
            name, kwargs = next(iter(item.items()))
            item = {name: {**kwargs, "severity": rule["severity"]}}
        items.append(item)
    return parse_suite(items, source=where), sql_rules


def check_operators(rule: dict[str, Any], where: str) -> None:
    """``mustBe*`` operators hold numbers (``mustBeBetween``: two), else ``ExpectationError`` naming the field."""
    for op in _OPERATORS:
        if op not in rule:
            continue
        value = rule[op]
        if op.endswith("Between"):
            if not (isinstance(value, list) and len(value) == 2 and all(_is_bound(v) for v in value)):
                raise ExpectationError(f"{where}.{op}: must be a list of two numbers [low, high], not {value!r}")
        elif not _is_bound(value):
            raise ExpectationError(f"{where}.{op}: must be a number, not {value!r}")


def _is_bound(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _carried_expectation(rule: dict[str, Any]) -> dict[str, Any] | None:
    for prop in rule.get("customProperties") or []:
        if isinstance(prop, dict) and prop.get("property") == EXPECTATION_PROPERTY and isinstance(prop.get("value"), dict):
            return prop["value"]
    return None


def _library(rule: dict[str, Any], column: str | None, where: str) -> dict[str, Any]:
    metric = rule.get("metric") or rule.get("rule")
    percent = rule.get("unit") == "percent"
    mostly = None
    if percent and "mustBeLessOrEqualTo" in rule:
        mostly = round(1 - float(rule["mustBeLessOrEqualTo"]) / 100, 12)
    elif not (rule.get("mustBe") == 0 or rule.get("mustBeLessOrEqualTo") == 0 or metric == "rowCount"):
        raise ExpectationError(f"{where}: {metric} with this operator is not supported; use mustBe: 0 or a percent bound")
    extra = {"mostly": mostly} if mostly is not None else {}
    args = rule.get("arguments") or {}
    if metric in ("nullValues", "missingValues"):
        if not column:
            raise ExpectationError(f"{where}: {metric} needs a column")
        if metric == "missingValues" and args.get("missingValues"):
            raise ExpectationError(f"{where}: missingValues with arguments.missingValues (values counted as missing) has no GX expectation; write an sql rule")
        return {"expect_column_values_to_not_be_null": {"column": column, **extra}}
    if metric == "duplicateValues":
        if not column:
            props = args.get("properties")
            if isinstance(props, list) and props:
                return {"expect_compound_columns_to_be_unique": {"column_list": list(props), **extra}}
            raise ExpectationError(f"{where}: duplicateValues needs a column or arguments.properties")
        return {"expect_column_values_to_be_unique": {"column": column, **extra}}
    if metric == "invalidValues":
        if "validValues" in args:
            return {"expect_column_values_to_be_in_set": {"column": column, "value_set": list(args["validValues"]), **extra}}
        if "pattern" in args:
            return {"expect_column_values_to_match_regex": {"column": column, "regex": args["pattern"], **extra}}
        raise ExpectationError(f"{where}: invalidValues needs arguments.validValues or arguments.pattern")
    if metric == "rowCount":
        if "mustBeBetween" in rule:
            lo, hi = rule["mustBeBetween"]
            return {"expect_table_row_count_to_be_between": {"min_value": lo, "max_value": hi}}
        if "mustBe" in rule:
            return {"expect_table_row_count_to_equal": {"value": rule["mustBe"]}}
        lo = rule.get("mustBeGreaterOrEqualTo", (rule["mustBeGreaterThan"] + 1) if "mustBeGreaterThan" in rule else None)
        hi = rule.get("mustBeLessOrEqualTo", (rule["mustBeLessThan"] - 1) if "mustBeLessThan" in rule else None)
        bounds = {k: v for k, v in (("min_value", lo), ("max_value", hi)) if v is not None}
        return {"expect_table_row_count_to_be_between": bounds}
    raise ExpectationError(f"{where}: unknown ODCS metric {metric!r}")


def compare_rule(rule: dict[str, Any], value: Any) -> bool:
    """Does ``value`` satisfy the rule's ODCS operator?"""
    if value is None:
        return False
    v = float(value)
    if "mustBe" in rule:
        return v == float(rule["mustBe"])
    if "mustNotBe" in rule:
        return v != float(rule["mustNotBe"])
    if "mustBeGreaterThan" in rule:
        return v > float(rule["mustBeGreaterThan"])
    if "mustBeGreaterOrEqualTo" in rule:
        return v >= float(rule["mustBeGreaterOrEqualTo"])
    if "mustBeLessThan" in rule:
        return v < float(rule["mustBeLessThan"])
    if "mustBeLessOrEqualTo" in rule:
        return v <= float(rule["mustBeLessOrEqualTo"])
    if "mustBeBetween" in rule:
        lo, hi = rule["mustBeBetween"]
        return float(lo) <= v <= float(hi)
    if "mustNotBeBetween" in rule:
        lo, hi = rule["mustNotBeBetween"]
        return not float(lo) <= v <= float(hi)
    return bool(value)


def render_rule_query(query: str, relation: str, column: str | None = None) -> str:
    """An sql rule's query with the table (``{model}``, ``${table}``, ``{port}`` …) and column placeholders filled."""
    from .builtin import q

    for placeholder in _TABLE_PLACEHOLDERS:
        query = query.replace(placeholder, relation)
    if column is not None:
        for placeholder in _COLUMN_PLACEHOLDERS:
            query = query.replace(placeholder, q(column))
    return query


def run_sql_rules(con: Any, relation: str, rules: list[dict[str, Any]], *, target: str, view: str, guard: Any = None) -> list[Any]:
    """Run ODCS ``sql`` rules: ``{model}``/``${table}``/``{port}`` name the port; the view name works too.

    ``guard(query, where)`` validates each query first (default: one read-only SELECT,
    ``readonly.read_only_query``); a refused or failing query is a failed check.
    """
    import duckdb

    from ..errors import SpecError, SQLError
    from .model import CheckResult
    from .values import is_number, kind_of
    from .readonly import read_only_query

    guard = guard or (lambda q, w: read_only_query(q, where=w))
    out = []
    for rule in rules:
        name = str(rule.get("name") or rule.get("description") or "sql rule")
        severity = str(rule.get("severity", "error"))
        failed = lambda message: CheckResult(name=name, target=target, kind="quality", success=False, message=message, severity=severity)  # noqa: E731
        if not isinstance(rule.get("query"), str):
            out.append(failed(f"the rule's query must be SQL text, not {type(rule.get('query')).__name__}"))
            continue
        query = render_rule_query(rule["query"], relation, rule.get("column") if isinstance(rule.get("column"), str) else None)
        try:
            guard(query, f"quality rule {name!r} on {target}")
            row = con.execute(query).fetchone()
        except SpecError as exc:
            out.append(failed(f"refused: {exc}"))
            continue
        except (duckdb.Error, SQLError) as exc:
            out.append(failed(f"the rule's query failed: {str(exc).splitlines()[0]}"))
            continue
        value = row[0] if row else None
        if value is not None and not is_number(value):
            out.append(failed(f"the rule's query returned {kind_of(value)}, not a number"))
            continue
        ok = compare_rule(rule, value)
        ops = ", ".join(f"{k} {rule[k]}" for k in _OPERATORS if k in rule)
        out.append(CheckResult(name=name, target=target, kind="quality", success=ok, observed_value=value, message=f"value {value} ({ops})", severity=severity))
    return out
