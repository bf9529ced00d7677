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
from typing import Any

from ..errors import SpecError, SQLError
from ..render import format as fmt
from ..spec.slo import parse_duration, parse_ratio, slo_name  # noqa: F401 - the SLO vocabulary, used here and re-exported
from .values import is_number, kind_of



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
