"""Unit tests of transforms, dbt-style: fixed ``given`` rows in, ``expect`` rows out.

    %%dataproduct unittest shelf_warmers_v1
    - name: an article without sales for months is a shelf warmer
      given:
        stock: [{sku: A, location: L1, available: 5}]
        sales: [{sku: A, sold_at: 2026-01-01 00:00:00, quantity: 1}]
      params: {as_of: "2026-11-01", months: 3}
      expect:
        - {sku: A, location: L1}

Each case runs in its own in-memory DuckDB: the real workspace is never
touched. Only the columns listed in ``expect`` are compared; row order is
ignored unless ``ordered: true``. A failed case shows a row diff.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import SpecError
from ..names import is_valid_id, quote

_CASE_KEYS = {"name", "given", "expect", "ordered", "params", "description"}


@dataclass
class UnitCase:
    name: str
    given: dict[str, list[dict[str, Any]]]
    expect: list[dict[str, Any]]
    ordered: bool = False
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnitResult:
    target: str
    case: str
    success: bool
    message: str
    missing: list[dict[str, Any]] = field(default_factory=list)  # expected, not produced
    unexpected: list[dict[str, Any]] = field(default_factory=list)  # produced, not expected
    actual_rows: int = 0

    def to_row(self) -> dict[str, Any]:
        """The common check-row shape shared with expectation and quality results."""
        return {
            "name": self.case,
            "target": self.target,
            "kind": "unit",
            "success": self.success,
            "unexpected_count": len(self.missing) + len(self.unexpected),
            "unexpected_percent": None,
            "message": self.message,
            "details": {"missing": self.missing, "unexpected": self.unexpected},
        }

    def diff_text(self) -> str:
        lines = []
        for row in self.missing:
            lines.append(f"- {_fmt_row(row)}")
        for row in self.unexpected:
            lines.append(f"+ {_fmt_row(row)}")
        return "\n".join(lines)


def parse_cases(data: Any, *, target: str, positions: Any = None) -> list[UnitCase]:
    """The YAML body of a ``unittest`` cell → cases; ``SpecError`` naming the case and field."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise SpecError("a unittest cell holds one case (a mapping) or a list of cases with 'given' and 'expect'")
    cases = []
    for i, raw in enumerate(data):
        where = f"cases[{i}]"
        line = _line(positions, (i,) if len(data) > 1 or isinstance(data, list) else ())
        if not isinstance(raw, dict):
            raise SpecError("each case must be a mapping with 'given' and 'expect'", path=where, line=line)
        unknown = set(raw) - _CASE_KEYS
        if unknown:
            raise SpecError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; a case has {', '.join(sorted(_CASE_KEYS))}", path=where, line=line)
        given = raw.get("given")
        if not isinstance(given, dict) or not given:
            raise SpecError("'given' must map each input port or model id to a list of rows", path=f"{where}.given", line=line)
        for name, rows in given.items():
            if not is_valid_id(str(name)):
                raise SpecError(f"{name!r} is not an input or model id (letters, digits, '_' and '-')", path=f"{where}.given", line=line)
            _check_rows(rows, f"{where}.given.{name}", line)
        expect = raw.get("expect")
        if expect is None:
            raise SpecError("'expect' is missing: list the rows the transform must produce", path=f"{where}.expect", line=line)
        _check_rows(expect, f"{where}.expect", line, allow_empty=True)
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            raise SpecError("'params' must be a mapping of name: value", path=f"{where}.params", line=line)
        cases.append(
            UnitCase(
                name=str(raw.get("name") or f"{target} case {i + 1}"),
                given={str(k): list(v) for k, v in given.items()},
                expect=list(expect),
                ordered=bool(raw.get("ordered", False)),
                params=params,
            )
        )
    return cases


def _line(positions: Any, path: tuple) -> int | None:
    if positions is None:
        return None
    hit = positions.find(path)
    return hit[0] if hit else None


def _check_rows(rows: Any, where: str, line: int | None, *, allow_empty: bool = False) -> None:
    if not isinstance(rows, list):
        raise SpecError("must be a list of rows (mappings of column: value)", path=where, line=line)
    if not rows and not allow_empty:
        raise SpecError("needs at least one row: the columns of a given table are read from its rows", path=where, line=line)
    for j, row in enumerate(rows):
        if not isinstance(row, dict):
            raise SpecError("each row must be a mapping of column: value", path=f"{where}[{j}]", line=line)
        if not row and not allow_empty:
            raise SpecError("a row needs at least one column: value", path=f"{where}[{j}]", line=line)
        for key in row:
            if not isinstance(key, str) or not key:
                raise SpecError(f"column names are text, not {key!r}", path=f"{where}[{j}]", line=line)


def run_case(
    case: UnitCase,
    *,
    target: str,
    build: Callable[[Any, dict[str, Any]], str],
    connect: Callable[[], Any] | None = None,
) -> UnitResult:
    """Run one case: load ``given`` into a fresh in-memory DuckDB (or ``connect()``), ``build(con, params)`` → table name.

    ``build`` runs the transform (and the models it depends on) against the
    given tables and returns the name of the relation holding the result.
    """
    if connect is None:
        import duckdb

        connect = lambda: duckdb.connect(":memory:")  # noqa: E731
    con = connect()
    try:
        for name, rows in case.given.items():
            _load_rows(con, name, rows)
        relation = build(con, dict(case.params))
        cur = con.execute(f"SELECT * FROM {relation}")
        columns = [d[0] for d in cur.description]
        actual = [dict(zip(columns, r)) for r in cur.fetchall()]
    finally:
        con.close()
    return compare(case, actual, target=target, actual_columns=columns)


def _load_rows(con: Any, name: str, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    try:
        frame = pd.DataFrame(rows)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"the given rows of {name!r} are not a table: {exc}") from None
    for column in frame.columns:
        # YAML gives datetimes/dates as Python objects; keep them typed for DuckDB
        if frame[column].map(lambda v: isinstance(v, _dt.datetime)).any():
            frame[column] = pd.to_datetime(frame[column])
    try:
        con.register("__given", frame)
    except Exception as exc:  # noqa: BLE001 - DuckDB's or pandas' refusal of the rows, in the toolkit's words
        raise SpecError(f"the given rows of {name!r} cannot be loaded: {str(exc).splitlines()[0]}") from None
    con.execute(f"CREATE OR REPLACE TABLE {quote(name)} AS SELECT * FROM __given")
    con.unregister("__given")


def compare(case: UnitCase, actual: list[dict[str, Any]], *, target: str, actual_columns: Sequence[str]) -> UnitResult:
    """Compare produced rows to expected ones on the expected columns only."""
    wanted = sorted({c for row in case.expect for c in row}) if case.expect else list(actual_columns)
    missing_cols = [c for c in wanted if c not in actual_columns]
    if missing_cols:
        return UnitResult(
            target, case.name, False,
            f"expected column(s) {', '.join(missing_cols)} not produced (columns: {', '.join(actual_columns)})",
            actual_rows=len(actual),
        )
    exp_rows = [tuple(_norm(row.get(c)) for c in wanted) for row in case.expect]
    act_rows = [tuple(_norm(row.get(c)) for c in wanted) for row in actual]
    if case.ordered:
        ok = exp_rows == act_rows
        missing = [r for r in exp_rows if r not in act_rows] if not ok else []
        unexpected = [r for r in act_rows if r not in exp_rows] if not ok else []
        if not ok and not missing and not unexpected:
            return UnitResult(target, case.name, False, "same rows in a different order (ordered: true)", actual_rows=len(actual))
    else:
        diff_missing = Counter(exp_rows) - Counter(act_rows)
        diff_unexpected = Counter(act_rows) - Counter(exp_rows)
        missing = list(diff_missing.elements())
        unexpected = list(diff_unexpected.elements())
        ok = not missing and not unexpected
    as_dicts = lambda rows: [dict(zip(wanted, r)) for r in rows]  # noqa: E731
    if ok:
        msg = f"{len(actual)} row(s) as expected"
    else:
        msg = f"{len(missing)} expected row(s) missing, {len(unexpected)} unexpected row(s)"
    return UnitResult(target, case.name, ok, msg, as_dicts(missing), as_dicts(unexpected), len(actual))


def _norm(value: Any) -> Any:
    """One comparable form per value: numbers as rounded floats, times as ISO text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return round(float(value), 9)
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ") if value.tzinfo is None else value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat(sep=" ")
    return str(value)


def _fmt_row(row: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in row.items()) + "}"
