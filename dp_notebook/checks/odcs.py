"""ODCS v3 ``quality`` rules ⇄ expectations.

ODCS's five library metrics (nullValues, missingValues, invalidValues,
duplicateValues, rowCount) map to GX expectations both ways; every other
expectation exports as an ODCS ``custom`` rule with engine
``great-expectations`` and the expectation as its implementation, which
imports back unchanged. ODCS ``sql`` rules run as a query whose single value
is compared with the rule's operator. Rules carry ``column`` for placement;
the contract exporter moves them under the column's property.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExpectationError
from .model import Expectation

_OPERATORS = ("mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan", "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween")


def _percent_bound(kw: dict[str, Any]) -> dict[str, Any]:
    mostly = kw.get("mostly")
    if mostly is None:
        return {"mustBe": 0}
    return {"mustBeLessOrEqualTo": round((1 - float(mostly)) * 100, 6), "unit": "percent"}


def to_odcs_rules(expectations: list[Expectation]) -> list[dict[str, Any]]:
    """Expectations → ODCS quality rules (with a ``column`` key where the rule belongs to one)."""
    out = []
    for e in expectations:
        kw = e.kwargs
        rule: dict[str, Any]
        if e.name == "expect_column_values_to_not_be_null":
            rule = {"type": "library", "metric": "nullValues", **_percent_bound(kw)}
        elif e.name == "expect_column_values_to_be_unique" and "mostly" not in kw:
            rule = {"type": "library", "metric": "duplicateValues", "mustBe": 0}
        elif e.name == "expect_column_values_to_be_in_set":
            rule = {"type": "library", "metric": "invalidValues", "arguments": {"validValues": list(kw["value_set"])}, **_percent_bound(kw)}
        elif e.name == "expect_column_values_to_match_regex":
            rule = {"type": "library", "metric": "invalidValues", "arguments": {"pattern": kw["regex"]}, **_percent_bound(kw)}
        elif e.name == "expect_table_row_count_to_be_between" and (kw.get("min_value") is not None or kw.get("max_value") is not None):
            lo, hi = kw.get("min_value"), kw.get("max_value")
            if lo is not None and hi is not None:
                rule = {"type": "library", "metric": "rowCount", "mustBeBetween": [lo, hi]}
            elif lo is not None:
                rule = {"type": "library", "metric": "rowCount", "mustBeGreaterOrEqualTo": lo}
            else:
                rule = {"type": "library", "metric": "rowCount", "mustBeLessOrEqualTo": hi}
        else:
            rule = {"type": "custom", "engine": "great-expectations", "implementation": e.to_gx()}
        rule["description"] = e.label()
        if e.column:
            rule["column"] = e.column
        out.append(rule)
    return out


def from_odcs_rules(rules: list[dict[str, Any]], *, where: str = "quality") -> tuple[list[Expectation], list[dict[str, Any]]]:
    """ODCS rules → (expectations, sql rules to run as queries); ``text`` rules are documentation only."""
    from .run import parse_suite

    items: list[dict[str, Any]] = []
    sql_rules = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise ExpectationError(f"{where}[{i}]: a quality rule must be a mapping")
        kind = rule.get("type") or ("library" if "metric" in rule else None)
        column = rule.get("column")
        if kind == "text":
            continue
        if kind == "sql":
            if "query" not in rule or not any(op in rule for op in _OPERATORS):
                raise ExpectationError(f"{where}[{i}]: an sql rule needs 'query' and an operator (mustBe, mustBeLessThan, ...)")
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
        items.append(_library(rule, column, f"{where}[{i}]"))
    return parse_suite(items, source=where), sql_rules


def _library(rule: dict[str, Any], column: str | None, where: str) -> dict[str, Any]:
    metric = rule.get("metric") or rule.get("rule")
    percent = rule.get("unit") == "percent"
    mostly = None
    if percent and "mustBeLessOrEqualTo" in rule:
        mostly = 1 - float(rule["mustBeLessOrEqualTo"]) / 100
    elif not (rule.get("mustBe") == 0 or rule.get("mustBeLessOrEqualTo") == 0 or metric == "rowCount"):
        raise ExpectationError(f"{where}: {metric} with this operator is not supported; use mustBe: 0 or a percent bound")
    extra = {"mostly": mostly} if mostly is not None else {}
    args = rule.get("arguments") or {}
    if metric in ("nullValues", "missingValues"):
        if not column:
            raise ExpectationError(f"{where}: {metric} needs a column")
        return {"expect_column_values_to_not_be_null": {"column": column, **extra}}
    if metric == "duplicateValues":
        if not column:
            raise ExpectationError(f"{where}: duplicateValues needs a column")
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
        return {"expect_table_row_count_to_be_between": {"min_value": lo, "max_value": hi}}
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


def run_sql_rules(con: Any, relation: str, rules: list[dict[str, Any]], *, target: str, view: str) -> list[Any]:
    """Run ODCS ``sql`` rules: ``${table}``/``{port}`` name the port; the view name works too."""
    import duckdb

    from ..errors import SQLError
    from .model import CheckResult

    out = []
    for rule in rules:
        query = rule["query"].replace("${table}", relation).replace("{port}", relation).replace("{table}", relation)
        name = rule.get("name") or rule.get("description") or "sql rule"
        try:
            row = con.execute(query).fetchone()
        except (duckdb.Error, SQLError) as exc:
            out.append(CheckResult(name=name, target=target, kind="quality", success=False, message=f"the rule's query failed: {str(exc).splitlines()[0]}"))
            continue
        value = row[0] if row else None
        ok = compare_rule(rule, value)
        ops = ", ".join(f"{k} {rule[k]}" for k in _OPERATORS if k in rule)
        out.append(CheckResult(name=name, target=target, kind="quality", success=ok, observed_value=value, message=f"value {value} ({ops})", severity=str(rule.get("severity", "error"))))
    return out
