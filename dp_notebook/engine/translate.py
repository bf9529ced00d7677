"""DuckDB SQL → Spark SQL with sqlglot, with errors that name the construct and the cell line.

Products keep one dialect (DuckDB's); other engines get a translation. A
construct sqlglot cannot express in Spark (``UnsupportedError``) and a DuckDB
function Spark does not know (Spark's ``UNRESOLVED_ROUTINE``) both become an
``SQLError`` naming the construct and its line in the cell.
"""

from __future__ import annotations

import re

from ..errors import SQLError


def to_spark(sql: str, *, where: str, line_offset: int = 0) -> str:
    """``sql`` (DuckDB dialect, ``$name`` parameters) in Spark SQL (``:name`` parameters)."""
    import sqlglot
    from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

    try:
        trees = sqlglot.parse(sql, read="duckdb")
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        line = err.get("line")
        at = f" (cell line {line + line_offset})" if line else ""
        raise SQLError(f"{where}{at}: cannot parse the SQL: {err.get('description') or exc}") from None
    out = []
    for tree in trees:
        if tree is None:
            continue
        tree = tree.transform(_rewrite)
        try:
            out.append(tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE))
        except UnsupportedError as exc:
            node = _unsupported_node(tree)
            line = _line_of(node) if node is not None else None
            at = f" (cell line {line + line_offset})" if line else ""
            construct = node.sql(dialect="duckdb") if node is not None else ""
            raise SQLError(f"{where}{at}: {construct or 'this SQL'} has no Spark SQL translation: {exc}") from None
    return ";\n".join(out)


# DuckDB functions sqlglot passes through unchanged but Spark spells differently: name → (Spark
# function, where the argument goes among its zero-filled arguments)
_FUNCTIONS = {
    "TO_YEARS": ("MAKE_YM_INTERVAL", 0, 2),
    "TO_MONTHS": ("MAKE_YM_INTERVAL", 1, 2),
    "TO_DAYS": ("MAKE_DT_INTERVAL", 0, 4),
    "TO_HOURS": ("MAKE_DT_INTERVAL", 1, 4),
    "TO_MINUTES": ("MAKE_DT_INTERVAL", 2, 4),
    "TO_SECONDS": ("MAKE_DT_INTERVAL", 3, 4),
}


def _rewrite(node):
    """Where DuckDB and Spark differ in meaning, not only in spelling (sqlglot keeps the spelling)."""
    from sqlglot import exp

    fn = None
    if isinstance(node, exp.Anonymous):
        fn, args = str(node.this).upper(), list(node.expressions)
    elif type(node).__name__ in ("ToDays", "ToMonths", "ToYears", "ToHours", "ToMinutes", "ToSeconds"):
        fn, args = "TO_" + type(node).__name__[2:].upper(), [node.this]
    if fn in _FUNCTIONS and len(args) == 1:
        name, at, arity = _FUNCTIONS[fn]
        zeros = [exp.Literal.number(0) for _ in range(arity)]
        zeros[at] = args[0]
        return exp.Anonymous(this=name, expressions=zeros)
    if fn == "DATE_SUB" and len(args) == 3 and isinstance(args[0], exp.Literal):
        # DuckDB's date_sub counts complete units, as Spark's timestampdiff does
        return exp.Anonymous(this="TIMESTAMPDIFF", expressions=[exp.var(args[0].name.upper()), args[1], args[2]])
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary") and node.args.get("unit") is not None:
        # DuckDB's date_diff counts unit boundaries crossed; Spark's counts complete units: truncate
        # both ends to the unit first and the two agree (2026-03-01 10:00 → 2026-11-01 is 245 days)
        unit = node.args["unit"].name.upper()
        trunc = lambda e: exp.Anonymous(this="DATE_TRUNC", expressions=[exp.Literal.string(unit), e])  # noqa: E731
        return exp.Anonymous(this="TIMESTAMPDIFF", expressions=[exp.var(unit), trunc(node.expression), trunc(node.this)])
    return node


def _unsupported_node(tree):
    """The smallest sub-expression whose Spark translation fails."""
    from sqlglot.errors import ErrorLevel, UnsupportedError

    found = None
    for node in tree.walk(bfs=True):
        try:
            node.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
        except UnsupportedError:
            found = node  # deeper failing nodes come later in BFS order
        except Exception:  # noqa: BLE001 - fragments that do not render alone
            continue
    return found


def _line_of(node) -> int | None:
    for sub in node.walk():
        line = sub.meta.get("line") if hasattr(sub, "meta") else None
        if line:
            return int(line)
    return None


_ROUTINE = re.compile(r"UNRESOLVED_ROUTINE\].*?routine `?([A-Za-z0-9_.]+)`?")
_POS = re.compile(r"line (\d+),? pos (\d+)|SQLSTATE.*?\n.*?line (\d+)", re.S)
_NEAR = re.compile(r"PARSE_SYNTAX_ERROR\].*?at or near '([^']+)'")
_CONTEXT = re.compile(r"== SQL \(line (\d+), position (\d+)\) ==")


def spark_error(exc: BaseException, *, where: str, sql: str, line_offset: int = 0) -> SQLError:
    """A Spark analysis/parse error as an ``SQLError``: the first line, the construct, the cell line.

    Lines are counted in the *translated* SQL, which keeps the statement's line breaks
    only approximately; the construct's name is the reliable part.
    """
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    m = _CONTEXT.search(text) or _POS.search(text)
    line = None
    if m:
        line = next((int(g) for g in m.groups() if g), None)
    routine = _ROUTINE.search(text)
    if routine:
        name = routine.group(1).replace("`", "").split(".")[-1]
        line = _find_line(sql, name) or line
        at = f" (cell line {line + line_offset})" if line else ""
        return SQLError(f"{where}{at}: the DuckDB function {name}() has no Spark equivalent (Spark: {first})")
    near = _NEAR.search(text)
    if near:
        line = _find_token_line(sql, near.group(1)) or line
        at = f" (cell line {line + line_offset})" if line else ""
        return SQLError(f"{where}{at}: Spark SQL cannot parse the translation near {near.group(1)!r}: this DuckDB construct has no Spark equivalent ({first})")
    at = f" (cell line {line + line_offset})" if line else ""
    return SQLError(f"{where}{at}: {first}")


def _find_token_line(sql: str, token: str) -> int | None:
    for i, text in enumerate(sql.splitlines(), start=1):
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(token)}(?![A-Za-z0-9_])", text, re.I):
            return i
    return None


def _find_line(sql: str, name: str) -> int | None:
    for i, text in enumerate(sql.splitlines(), start=1):
        if re.search(rf"\b{re.escape(name)}\s*\(", text, re.I):
            return i
    return None
