"""Quality tests: service-level objectives checked on the live output ports.

Each SLO (see ``dp_notebook.spec.model.SLO``) becomes one SQL query on the
port's table; the result row carries the measured value so runs append to a
history that renders as a trend.

    freshness     now() - max(column) <= threshold ("24h", "7d", "30m", "2w")
    completeness  count(column) / count(*) >= threshold (0.99 or "99%")
    rowCount      min <= count(*) <= max
    sql           the query's single number satisfies mustBe / mustBeGreaterThan / ...
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ..errors import SpecError, SQLError
from ..render import format as fmt
from .values import is_number, kind_of

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(text: Any) -> float:
    """``'24h'`` → 86400.0 seconds; plain numbers are hours."""
    if isinstance(text, (int, float)):
        return float(text) * 3600
    m = _DURATION.match(str(text))
    if not m:
        raise SpecError(f"freshness threshold {text!r} is not a duration like '24h', '7d', '30m'")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_ratio(value: Any) -> float:
    """``0.99`` or ``'99%'`` → 0.99; ``SpecError`` for anything else."""
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            ratio = float(value.strip()[:-1]) / 100
        elif isinstance(value, bool):
            raise ValueError
        else:
            ratio = float(value)
            ratio = ratio / 100 if ratio > 1 else ratio
    except (TypeError, ValueError):
        raise SpecError(f"completeness threshold {value!r} is not a share like 0.99 or '99%'") from None
    if not 0 <= ratio <= 1:
        raise SpecError(f"completeness threshold {value!r} is not a share between 0 and 100%")
    return ratio


def slo_name(slo) -> str:
    if slo.name:
        return slo.name
    if slo.type in ("freshness", "completeness"):
        return f"{slo.type}({slo.column})"
    return slo.type


def evaluate_slo(con: Any, relation: str, slo, *, target: str, now: _dt.datetime | None = None, guard: Any = None) -> dict[str, Any]:
    """Check one SLO against ``relation`` (quoted SQL name); returns a check row with ``value``.

    ``guard(query, where)``: validates an ``sql`` SLO's query before it runs (default:
    ``readonly.read_only_query``, one SELECT); run it on a read-only connection.
    """
    import duckdb

    from .readonly import read_only_query

    name = slo_name(slo)
    try:
        if slo.type == "freshness":
            newest = con.execute(f'SELECT max("{_ident(slo.column)}") FROM {relation}').fetchone()[0]
            limit = parse_duration(slo.threshold)
            if newest is None:
                return _row(name, target, slo, False, None, f"no value in {slo.column}: cannot tell freshness")
            if not isinstance(newest, _dt.date):
                return _row(name, target, slo, False, None, f"column {slo.column} holds {kind_of(newest)}, not dates or times: freshness cannot be measured")
            if isinstance(newest, _dt.date) and not isinstance(newest, _dt.datetime):
                newest = _dt.datetime.combine(newest, _dt.time())
            ref = now or _dt.datetime.now(_dt.timezone.utc)
            if newest.tzinfo is None:
                ref = ref.replace(tzinfo=None) if ref.tzinfo else ref
            age = (ref - newest).total_seconds()
            ok = age <= limit
            return _row(name, target, slo, ok, age / 3600, f"newest {slo.column} is {fmt.duration(age)} old (limit {slo.threshold})")
        if slo.type == "completeness":
            total, filled = con.execute(f'SELECT count(*), count("{_ident(slo.column)}") FROM {relation}').fetchone()
            ratio = (filled / total) if total else 0.0
            need = parse_ratio(slo.threshold)
            ok = total > 0 and ratio >= need
            return _row(name, target, slo, ok, ratio, f"{fmt.percent(ratio, of_one=True)} of {fmt.count(total, 'row')} have {slo.column} (need {fmt.percent(need, of_one=True)})", unexpected=total - filled)
        if slo.type == "rowCount":
            count = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
            ok = (slo.min is None or count >= slo.min) and (slo.max is None or count <= slo.max)
            return _row(name, target, slo, ok, count, f"{fmt.count(count, 'row')} (expected {fmt.bounds(slo.min, slo.max)})")
        if slo.type == "sql":
            from .odcs import render_rule_query

            where = f"SLO {name!r} on {target}"
            query = render_rule_query(slo.query, relation)
            (guard or (lambda q, w: read_only_query(q, where=w)))(query, where)
            result = con.execute(query).fetchone()
            if not result:
                return _row(name, target, slo, False, None, "the query returned no row; it must return one number")
            if len(result) != 1:
                return _row(name, target, slo, False, None, f"the query returned {len(result)} columns; it must return one number")
            value = result[0]
            if not is_number(value):
                return _row(name, target, slo, False, None, f"the query returned {kind_of(value)}, not a number")
            ok, rule = _compare(slo, value)
            return _row(name, target, slo, ok, value, f"value {value} ({rule})")
    except (duckdb.Error, SQLError) as exc:
        detail = str(exc).splitlines()[0].split(": ", 1)[-1] if isinstance(exc, SQLError) else str(exc).splitlines()[0]
        raise SQLError(f"SLO {name!r} on {target}: {detail}") from None
    raise SpecError(f"unknown SLO type {slo.type!r}")


def _ident(name: str | None) -> str:
    return (name or "").replace('"', '""')


def _compare(slo, value: Any) -> tuple[bool, str]:
    if value is None:
        return False, "the query returned NULL"
    checks = [
        ("mustBe", lambda v, t: v == t, "="),
        ("mustBeGreaterThan", lambda v, t: v > t, ">"),
        ("mustBeGreaterOrEqualTo", lambda v, t: v >= t, ">="),
        ("mustBeLessThan", lambda v, t: v < t, "<"),
        ("mustBeLessOrEqualTo", lambda v, t: v <= t, "<="),
    ]
    rules = []
    ok = True
    for attr, fn, sym in checks:
        bound = getattr(slo, attr)
        if bound is not None:
            rules.append(f"{sym} {bound}")
            ok = ok and fn(float(value), float(bound))
    if not rules:
        return bool(value), "truthy"
    return ok, "must be " + " and ".join(rules)


def _row(name: str, target: str, slo, ok: bool, value: Any, message: str, *, unexpected: int | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "target": target,
        "kind": "quality",
        "success": bool(ok),
        "severity": slo.severity,
        "unexpected_count": unexpected,
        "unexpected_percent": None,
        "value": float(value) if isinstance(value, (int, float)) else value,
        "message": message,
    }
