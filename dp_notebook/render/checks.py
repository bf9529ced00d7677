"""Check results as one table everywhere (notebook card, docs page, text): a status pill per row
(passed / warning / failed — a failed check of severity ``warning`` is a warning), failures first
and marked, and a sample of failing rows (PII already masked by the checks) under each failure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import format as fmt
from .html import badge, card, check_status, esc, status_badge, table, text_table

_ORDER = {"failed": 0, "warning": 1, "passed": 2}
HEADERS = ["status", "kind", "target", "check", "unexpected", "details"]


def _get(row: Any, key: str, default: Any = None) -> Any:
    return row.get(key, default) if isinstance(row, dict) else getattr(row, key, default)


def counts(rows: Iterable[Any]) -> dict[str, int]:
    """``{"passed": n, "warning": n, "failed": n}``."""
    out = {"passed": 0, "warning": 0, "failed": 0}
    for r in rows:
        out[check_status(r)] += 1
    return out


def summary_badges(rows: list[Any]) -> str:
    """``12 passed`` / ``1 warning`` / ``2 failed`` pills (zero counts left out, all-pass in one pill)."""
    c = counts(rows)
    if not rows:
        return badge("no checks")
    if c["warning"] == c["failed"] == 0:
        return status_badge("passed", f"all {len(rows)} passed" if len(rows) > 1 else "passed")
    parts = []
    if c["failed"]:
        parts.append(status_badge("failed", f"{c['failed']} failing"))
    if c["warning"]:
        parts.append(status_badge("warning", fmt.count(c["warning"], "warning")))
    parts.append(badge(f"{c['passed']} passed"))
    return "".join(parts)


def unexpected_text(row: Any) -> str:
    """``'3 (0.2%)'`` from the unexpected count and percent."""
    n, pct = _get(row, "unexpected_count"), _get(row, "unexpected_percent")
    if n is None and pct is None:
        return ""
    if n is None:
        return fmt.percent(pct)
    return fmt.count(n) + ("" if pct is None else f" ({fmt.percent(pct)})")


def _sample_html(sample: list[dict[str, Any]], status: str) -> str:
    cols = list(sample[0])
    opened = " open" if status == "failed" else ""
    return f"<details{opened}><summary>{esc(fmt.count(len(sample), 'failing row'))} (sample)</summary>" + table(cols, [[row.get(c) for c in cols] for row in sample]) + "</details>"


def checks_table_html(rows: list[Any], *, with_time: bool = False) -> str:
    """The rows (``CheckResult`` objects or check-row dicts) as a table, failures first."""
    ordered = sorted(rows, key=lambda r: (_ORDER[check_status(r)], str(_get(r, "target") or ""), str(_get(r, "kind") or "")))
    body, classes = [], []
    for r in ordered:
        status = check_status(r)
        details = esc(_get(r, "message") or "")
        sample = _get(r, "unexpected_sample") or []
        if sample and status != "passed":
            details += _sample_html(sample, status)
        cells = [status_badge(status), esc(_get(r, "kind")), f"<code>{esc(_get(r, 'target'))}</code>", esc(_get(r, "name")), esc(unexpected_text(r)), details]
        if with_time:
            cells.append(_time(_get(r, "checked_at")))
        body.append(cells)
        classes.append({"failed": "dpn-row-fail", "warning": "dpn-row-warn"}.get(status, ""))
    headers = HEADERS + (["checked"] if with_time else [])
    return table(headers, body, raw=True, numeric=(4,), wrap=(5,), row_classes=classes)


def _time(value: Any) -> str:
    from .html import time_html

    return time_html(value) if value else ""


def checks_html(suite: Any) -> str:
    """A ``SuiteResult`` as a card: a head with the counts, then the table."""
    rows = list(suite.results)
    if suite.note and not rows:
        return card(f"<div>{esc(suite.note)}</div>")
    elapsed = getattr(suite, "elapsed_s", None)
    took = f' <span class="dpn-muted">in {esc(fmt.duration(elapsed))}</span>' if elapsed else ""
    head = f'<h4>Checks on <code>{esc(suite.target)}</code> {summary_badges(rows)}{took}</h4>'
    return card(head + checks_table_html(rows))


def checks_text(suite: Any) -> str:
    """The same table for terminals: ``ok`` / ``WARN`` / ``FAIL`` per row, failures first."""
    rows = list(suite.results)
    if suite.note and not rows:
        return suite.note
    c = counts(rows)
    word = {"passed": "ok", "warning": "WARN", "failed": "FAIL"}
    ordered = sorted(rows, key=lambda r: _ORDER[check_status(r)])
    lines = [[word[check_status(r)], _get(r, "kind"), _get(r, "target"), _get(r, "name"), unexpected_text(r), _get(r, "message") or ""] for r in ordered]
    head = f"checks on {suite.target}: {c['passed']} passed, {c['warning']} warning(s), {c['failed']} failed"
    return head + "\n" + text_table(["", "kind", "target", "check", "unexpected", "details"], lines)
