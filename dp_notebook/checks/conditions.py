"""Row conditions → one DuckDB predicate, with the semantics of the engine GX would use.

An expectation's ``row_condition`` comes in five forms; each compiles here, or is
refused with an ``ExpectationError`` that names the construct:

    structured (GX ≥ 1.6 saves these)   {"type": "comparison"|"nullity"|"and"|"or", ...}
        → SQL with SQL's null logic, as GX's SQL engines run them (a null matches no comparison)
    {"type": "pass_through", "pass_through_filter": ...}
        → the filter in the syntax of ``condition_parser`` (``pandas`` unless ``spark``)
    condition_parser "great_expectations"    col("country")=="AT", col("x").notnull(), date("...")
        → GX's own one-comparison grammar, SQL null logic (GX runs it on SQL and Spark only)
    condition_parser "pandas"                country == "AT" and n > 2   (DataFrame.query)
        → pandas' null logic: a null satisfies ``!=`` and ``not in``, and nothing else
    condition_parser "sql" (default) / "spark"    DuckDB / Spark SQL text, translated by sqlglot

    >>> condition_sql({"type": "comparison", "column": {"name": "country"}, "operator": "==", "parameter": "AT"}, None, ["country"])
    '("country" = \\'AT\\')'
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Any

from ..errors import ExpectationError

GE_PARSERS = ("great_expectations", "great_expectations__experimental__")
PARSERS = ("sql", "spark", "pandas", *GE_PARSERS)
_COMPARISON_OPS = {"==": "EQ", "!=": "NEQ", "<": "LT", "<=": "LTE", ">": "GT", ">=": "GTE"}


def condition_sql(cond: Any, parser: str | None, columns: list[str], where: str = "") -> str:
    """The DuckDB predicate for ``cond`` (``'true'`` when there is none), parenthesised."""
    if cond is None or cond == "" or cond == {}:
        return "true"
    tree = condition_tree(cond, parser, where)
    for col in tree.find_all(_exp().Column):
        if col.name not in columns:
            raise ExpectationError(f"{where}row_condition names unknown column {col.name!r} (columns: {', '.join(columns)})")
    return "(" + tree.sql(dialect="duckdb") + ")"


def condition_tree(cond: Any, parser: str | None, where: str = "") -> Any:
    """The condition as a sqlglot expression (columns unchecked)."""
    parser = parser or ("great_expectations" if isinstance(cond, dict) else "sql")
    if parser not in PARSERS:
        raise ExpectationError(f"{where}row_condition: condition_parser {parser!r} is not supported (use one of {', '.join(PARSERS)})")
    if isinstance(cond, dict):
        if cond.get("type") == "pass_through":
            text = cond.get("pass_through_filter")
            if not isinstance(text, str):
                raise ExpectationError(f"{where}row_condition: a pass_through condition needs a 'pass_through_filter' string")
            return _text(text, "spark" if parser == "spark" else "pandas", where)
        return _structured(cond, where)
    if not isinstance(cond, str):
        raise ExpectationError(f"{where}row_condition must be text or a GX condition object, got {type(cond).__name__}")
    return _text(cond, parser, where)


def _exp():
    from sqlglot import exp

    return exp


def _col(name: str) -> Any:
    exp = _exp()
    return exp.Column(this=exp.to_identifier(str(name), quoted=True))


def _literal(value: Any, where: str) -> Any:
    if isinstance(value, bool) or isinstance(value, (int, float, str)):
        return _exp().convert(value)
    raise ExpectationError(f"{where}row_condition: cannot compare with {value!r} ({type(value).__name__}); use a string, number or boolean")


def _text(text: str, parser: str, where: str) -> Any:
    if parser in GE_PARSERS:
        return _great_expectations(text, where)
    if parser == "pandas":
        return _pandas(text, where)
    return _sql(text, "spark" if parser == "spark" else "duckdb", where)


# -- structured (GX row_conditions: comparison, nullity, and, or) ---------------------------------


def _structured(cond: dict, where: str, depth: int = 0) -> Any:
    exp = _exp()
    kind = cond.get("type")
    if depth > 20:
        raise ExpectationError(f"{where}row_condition is nested too deeply")
    if kind in ("and", "or"):
        parts = cond.get("conditions")
        if not isinstance(parts, list) or not parts:
            raise ExpectationError(f"{where}row_condition: an {kind!r} condition needs a non-empty 'conditions' list")
        trees = [_structured(c, where, depth + 1) if isinstance(c, dict) else _bad(c, where) for c in parts]
        return exp.and_(*trees) if kind == "and" else exp.or_(*trees)
    column = cond.get("column")
    name = column.get("name") if isinstance(column, dict) else column
    if kind in ("comparison", "nullity") and not isinstance(name, str):
        raise ExpectationError(f"{where}row_condition: a {kind} condition needs 'column': {{'name': ...}}")
    if kind == "nullity":
        test = exp.Is(this=_col(name), expression=exp.Null())
        return test if cond.get("is_null", True) else exp.Not(this=test)
    if kind == "comparison":
        op, value = cond.get("operator"), cond.get("parameter")
        if op in ("IN", "NOT_IN"):
            if not isinstance(value, list):
                raise ExpectationError(f"{where}row_condition: {op} needs a list parameter, got {value!r}")
            test = exp.In(this=_col(name), expressions=[_literal(v, where) for v in value])
            return test if op == "IN" else exp.Not(this=test)
        if op not in _COMPARISON_OPS:
            raise ExpectationError(f"{where}row_condition: unknown comparison operator {op!r} (==, !=, <, <=, >, >=, IN, NOT_IN)")
        if value is None:
            raise ExpectationError(f"{where}row_condition: comparing {name!r} {op} null matches no row; use a nullity condition")
        return getattr(exp, _COMPARISON_OPS[op])(this=_col(name), expression=_literal(value, where))
    raise ExpectationError(f"{where}row_condition: unknown condition type {kind!r} (comparison, nullity, and, or, pass_through)")


def _bad(item: Any, where: str) -> Any:
    raise ExpectationError(f"{where}row_condition: each of 'conditions' must be a condition object, got {item!r}")


# -- GX's legacy grammar: col("x") <op> value | col("x").notnull() --------------------------------

_GE_VALUE = r"""(?P<number>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|"(?P<dq>[^"']+)"|'(?P<sq>[^"']+)'|date\(\s*(?:"(?P<ddq>[^"']+)"|'(?P<dsq>[^"']+)')\s*\)"""
_GE_CONDITION = re.compile(
    r'^\s*col\("(?P<column>[^"]+)"\)\s*(?:(?P<notnull>\.notnull\(\))|(?P<op>>=|<=|==|!=|>|<)\s*(?:' + _GE_VALUE + r"))\s*$",
    re.IGNORECASE,
)


def _great_expectations(text: str, where: str) -> Any:
    """GX's pyparsing grammar (legacy_row_conditions.py): exactly one comparison or ``.notnull()``."""
    exp = _exp()
    m = _GE_CONDITION.match(text)
    if not m or (m.group("notnull") is None and m.group("op") is None):
        raise ExpectationError(
            f"{where}row_condition {text!r} is not in GX's great_expectations syntax: one comparison "
            'col("name") <op> value or col("name").notnull(); combine several with the structured and/or form'
        )
    column = _col(m.group("column"))
    if m.group("notnull"):
        return exp.Not(this=exp.Is(this=column, expression=exp.Null()))
    if m.group("number") is not None:
        raw = m.group("number")
        value: Any = int(raw) if raw.isdigit() else float(raw)  # as GX: int only for plain digits
    else:
        value = next(m.group(g) for g in ("dq", "sq", "ddq", "dsq") if m.group(g) is not None)
    return getattr(exp, _COMPARISON_OPS[m.group("op")])(this=column, expression=exp.convert(value))


# -- SQL text (DuckDB or Spark SQL) ---------------------------------------------------------------


def _sql(text: str, dialect: str, where: str) -> Any:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(text, dialect=dialect, into=exp.Condition)
    except Exception:  # noqa: BLE001 - sqlglot raises several error types for bad text
        raise ExpectationError(f"{where}row_condition {text!r} is not a condition {'Spark SQL' if dialect == 'spark' else 'DuckDB'} can evaluate") from None
    if tree.find(exp.Select, exp.Subquery):
        raise ExpectationError(f"{where}row_condition {text!r}: subqueries are not allowed")
    from ..errors import SpecError
    from .readonly import check_function

    for func in tree.find_all(exp.Func):  # a spec's condition reads its row, not files or settings
        try:
            check_function(func, f"{where}row_condition {text!r}")
        except SpecError as exc:
            raise ExpectationError(str(exc)) from None
    return tree


# -- pandas DataFrame.query syntax ---------------------------------------------------------------

_NULL_TESTS = {"isnull": True, "isna": True, "notnull": False, "notna": False}


def _pandas(text: str, where: str) -> Any:
    """``DataFrame.query`` text → SQL with pandas' null logic.

    pandas compares nulls as NaN: every comparison with a null is False except ``!=``
    (True), ``in`` is False and ``not in`` True. Each comparison is therefore closed
    with ``coalesce(…, False|True)``, after which ``and``/``or``/``not`` agree.
    """
    source, names = _pandas_tokens(text, where)
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise ExpectationError(f"{where}row_condition {text!r} is not pandas query syntax: {exc.msg}") from None
    return _PandasCompiler(text, names, where).visit(tree)


def _pandas_tokens(text: str, where: str) -> tuple[str, dict[str, str]]:
    """pandas' own preparsing: backtick-quoted names, and ``&``/``|`` as ``and``/``or``."""
    names: dict[str, str] = {}

    def backtick(m: re.Match) -> str:
        key = f"__dp_col_{len(names)}__"
        names[key] = m.group(1)
        return key

    text = re.sub(r"`([^`]*)`", backtick, text)
    if "@" in text:
        raise ExpectationError(f"{where}row_condition {text!r}: '@variable' references cannot be resolved outside pandas; write the value")
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ExpectationError(f"{where}row_condition {text!r} is not pandas query syntax: {exc}") from None
    out = []
    for tok in toks:
        if tok.type == tokenize.OP and tok.string in ("&", "|"):
            tok = tok._replace(type=tokenize.NAME, string=" and " if tok.string == "&" else " or ")
        out.append((tok.type, tok.string))
    return tokenize.untokenize(out), names


class _PandasCompiler:
    def __init__(self, text: str, names: dict[str, str], where: str) -> None:
        self.text, self.names, self.where = text, names, where
        self.exp = _exp()

    def refuse(self, what: str) -> ExpectationError:
        return ExpectationError(f"{self.where}row_condition {self.text!r}: {what} is not supported in pandas conditions (comparisons, in/not in, and/or/not, .isnull()/.notnull())")

    def visit(self, node: ast.AST) -> Any:
        exp = self.exp
        if isinstance(node, ast.BoolOp):
            parts = [self.visit(v) for v in node.values]
            return exp.and_(*parts) if isinstance(node.op, ast.And) else exp.or_(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.Invert)):
            return exp.Not(this=exp.Paren(this=self.visit(node.operand)))
        if isinstance(node, ast.Compare):
            parts, left = [], node.left
            for op, right in zip(node.ops, node.comparators):
                parts.append(self.compare(left, op, right))
                left = right
            return exp.and_(*parts) if len(parts) > 1 else parts[0]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _NULL_TESTS and not node.args:
            test = exp.Is(this=self.value(node.func.value), expression=exp.Null())
            return test if _NULL_TESTS[node.func.attr] else exp.Not(this=test)
        if isinstance(node, ast.Name) and node.id not in ("True", "False"):
            return exp.func("coalesce", self.value(node), exp.false())  # a boolean column
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return exp.true() if node.value else exp.false()
        raise self.refuse(_describe(node))

    def compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> Any:
        exp = self.exp
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(right, (ast.List, ast.Tuple, ast.Set)):
                raise self.refuse("'in' with something other than a literal list")
            test = exp.In(this=self.value(left), expressions=[self.value(v) for v in right.elts])
            closed = exp.func("coalesce", test, exp.false())
            return closed if isinstance(op, ast.In) else exp.Not(this=closed)
        ops = {ast.Eq: ("EQ", False), ast.NotEq: ("NEQ", True), ast.Lt: ("LT", False), ast.LtE: ("LTE", False), ast.Gt: ("GT", False), ast.GtE: ("GTE", False)}
        if type(op) not in ops:
            raise self.refuse(f"the operator {type(op).__name__}")
        name, null_result = ops[type(op)]
        test = getattr(exp, name)(this=self.value(left), expression=self.value(right))
        return exp.func("coalesce", test, exp.true() if null_result else exp.false())

    def value(self, node: ast.AST) -> Any:
        exp = self.exp
        if isinstance(node, ast.Name):
            if node.id in ("True", "False"):
                return exp.true() if node.id == "True" else exp.false()
            return _col(self.names.get(node.id, node.id))
        if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
            return exp.convert(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return exp.Neg(this=self.value(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
            cls = {ast.Add: exp.Add, ast.Sub: exp.Sub, ast.Mult: exp.Mul, ast.Div: exp.Div}[type(node.op)]
            return exp.Paren(this=cls(this=self.value(node.left), expression=self.value(node.right)))
        raise self.refuse(_describe(node))


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "a call")
        return f"the call {name}()"
    if isinstance(node, ast.Attribute):
        return f"the attribute .{node.attr}"
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    return f"the construct {type(node).__name__}"


# -- back to GX: a condition as GX 1.x writes it -------------------------------------------------


def to_gx_condition(cond: Any, parser: str | None) -> tuple[Any, str | None]:
    """``(row_condition, condition_parser)`` for a GX 1.x suite.

    Structured dicts and GX's own parsers pass through; pandas text becomes a
    ``pass_through`` condition (as GX 1.24 saves it); DuckDB SQL becomes a structured
    condition when it is one (comparisons, IN, IS [NOT] NULL, AND/OR), else Spark SQL
    in a ``pass_through`` for GX's Spark engine.
    """
    if cond is None or isinstance(cond, dict):
        return cond, parser if isinstance(cond, dict) and cond.get("type") == "pass_through" else None
    parser = parser or "sql"
    if parser == "pandas":
        return {"type": "pass_through", "pass_through_filter": cond}, "pandas"
    if parser in GE_PARSERS:
        structured = _from_tree(condition_tree(cond, parser))
        return (structured, None) if structured is not None else (cond, parser)
    tree = condition_tree(cond, parser)
    structured = _from_tree(tree)
    if structured is not None:
        return structured, None
    return {"type": "pass_through", "pass_through_filter": tree.sql(dialect="spark")}, "spark"


def _from_tree(tree: Any) -> dict | None:
    exp = _exp()
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, (exp.And, exp.Or)):
        parts = [_from_tree(p) for p in tree.flatten()]
        if any(p is None for p in parts):
            return None
        return {"type": "and" if isinstance(tree, exp.And) else "or", "conditions": parts}
    if isinstance(tree, exp.Not) and isinstance(tree.this, exp.Is) and isinstance(tree.this.expression, exp.Null) and isinstance(tree.this.this, exp.Column):
        return {"type": "nullity", "column": {"name": tree.this.this.name}, "is_null": False}
    if isinstance(tree, exp.Is) and isinstance(tree.expression, exp.Null) and isinstance(tree.this, exp.Column):
        return {"type": "nullity", "column": {"name": tree.this.name}, "is_null": True}
    negated = isinstance(tree, exp.Not) and isinstance(tree.this, exp.In)
    node = tree.this if negated else tree
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.expressions and all(_const(v) is not _NO for v in node.expressions):
        return {"type": "comparison", "column": {"name": node.this.name}, "operator": "NOT_IN" if negated else "IN", "parameter": [_const(v) for v in node.expressions]}
    ops = {exp.EQ: "==", exp.NEQ: "!=", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}
    if type(tree) in ops and isinstance(tree.this, exp.Column) and _const(tree.expression) is not _NO:
        return {"type": "comparison", "column": {"name": tree.this.name}, "operator": ops[type(tree)], "parameter": _const(tree.expression)}
    return None


_NO = object()


def _const(node: Any) -> Any:
    exp = _exp()
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        value = _const(node.this)
        return -value
    return _NO
