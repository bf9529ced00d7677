"""Check results as an HTML table with pass/fail badges and (masked) failing examples."""

from __future__ import annotations

from .html import badge, card, esc, table


def checks_html(suite) -> str:
    ok = suite.success
    n_fail = len([r for r in suite.results if not r.success])
    head = f"<h4>Checks on <code>{esc(suite.target)}</code> " + (badge("passed", "ok") if ok else badge(f"{n_fail} failed", "fail")) + "</h4>"
    if suite.note and not suite.results:
        return card(f"<div>{esc(suite.note)}</div>")
    rows = []
    for r in suite.results:
        status = badge("ok", "ok") if r.success else badge("fail" if r.severity == "error" else r.severity, "fail" if r.severity == "error" else "warn")
        pct = "" if r.unexpected_percent is None else f"{r.unexpected_percent:.2f}%"
        details = esc(r.message)
        if r.unexpected_sample:
            cols = list(r.unexpected_sample[0])
            details += "<details><summary>examples</summary>" + table(cols, [[row.get(c) for c in cols] for row in r.unexpected_sample]) + "</details>"
        rows.append([status, esc(r.kind), f"<code>{esc(r.target)}</code>", esc(r.name), esc("" if r.unexpected_count is None else r.unexpected_count), esc(pct), details])
    return card(head + table(["", "kind", "target", "check", "unexpected", "%", "details"], rows, raw=True))
