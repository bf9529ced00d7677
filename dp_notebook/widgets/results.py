"""Interactive results: the product's latest checks, SLO history and cost as sortable tables.

An anywidget like the port browser; the SLO trends are the same SVG charts as in the docs page
(time on x, threshold, pass/fail per point), sent as data URIs and drawn inline by the front end
so they take the notebook's theme. Static HTML/text is kept in the bundle for nbconvert and
terminals.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import anywidget
import traitlets


def widget_css() -> str:
    """The components' stylesheet (render/static/dpn.css) and the widgets' layout (browser.css)."""
    from ..render.html import component_css

    return component_css() + Path(__file__).with_name("browser.css").read_text(encoding="utf-8")


class ResultsWidget(anywidget.AnyWidget):
    _esm = Path(__file__).with_name("results.js")
    _css = widget_css()

    title = traitlets.Unicode("").tag(sync=True)
    # [{"name", "columns": [...], "rows": [[...]], "kinds": {column: "status"|"time"|"percent"|"count"|"duration"|"money"}}]
    tables = traitlets.List().tag(sync=True)
    images = traitlets.List().tag(sync=True)  # data: URIs of SVG charts

    def __init__(self, title: str, tables: list[dict[str, Any]], svgs: list[str] | None = None, *, static_html: str = "", static_text: str = "") -> None:
        super().__init__(title=title, tables=tables, images=[_data_uri(s) for s in svgs or []])
        self._static_html = static_html
        self._static_text = static_text

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        data["text/plain"] = self._static_text or self.title
        if self._static_html:
            data["text/html"] = self._static_html
        return (data, meta) if isinstance(bundle, tuple) else data


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def product_results(dp: Any) -> ResultsWidget:
    """Latest checks, the SLO history and the cost of ``dp`` as one widget."""
    from ..checks.model import CheckResult, SuiteResult
    from ..checks.runner import latest_results
    from ..render.charts import trend_chart
    from ..render.checks import checks_html, checks_text
    from ..render.html import check_status
    from ..render.quality import QualityReport, value_formatter

    checks = latest_results(dp.workspace, dp.id)
    tables = [
        {
            "name": "Checks",
            "columns": ["status", "kind", "target", "check", "unexpected", "unexpected %", "details", "checked"],
            "kinds": {"status": "status", "unexpected": "count", "unexpected %": "percent", "checked": "time"},
            "rows": [[check_status(c), c.get("kind"), c.get("target"), c.get("name"), c.get("unexpected_count"), c.get("unexpected_percent"), c.get("message"), c.get("checked_at")] for c in checks],
        }
    ]
    with dp.workspace.metadata() as md:
        hist = md.quality_history(dp.id)[["checked_at", "target", "slo", "value", "success", "message"]].iloc[::-1]
    series = QualityReport(None, hist, spec=getattr(dp, "spec", None)).series()
    svgs = [trend_chart(s["points"], title=label, threshold=s["threshold"], value_format=value_formatter(s["kind"]), inline_only=True) for label, s in series.items() if len(s["points"]) > 1]
    tables.append(
        {
            "name": "SLO history",
            "columns": ["checked", "target", "SLO", "value", "status", "message"],
            "kinds": {"checked": "time", "status": "status"},
            "rows": [[_plain(r.checked_at), r.target, r.slo, _plain(r.value), "passed" if r.success else "failed", r.message] for r in hist.itertuples(index=False)],
        }
    )
    cost = dp.docs_model()["cost"]
    tables.append(
        {
            "name": f"Cost ({cost['currency']})",
            "columns": ["transform", "wall time", "CPU time", "rows scanned", "bytes scanned", "per run", "per month"],
            "kinds": {"wall time": "duration", "CPU time": "duration", "rows scanned": "count", "bytes scanned": "bytes", "per run": "money", "per month": "money"},
            "currency": cost["currency"],
            "rows": [[t["target"], t["wall_s"], t["cpu_s"], t.get("rows_scanned"), t.get("bytes_scanned"), t["cost_per_run"], t["monthly"]] for t in cost["transforms"]],
        }
    )
    suite = SuiteResult(dp.id, [CheckResult.from_row(c) for c in checks])
    return ResultsWidget(f"Results of {dp.id}", tables, svgs, static_html=checks_html(suite), static_text=checks_text(suite))


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return None if isinstance(v, float) and v != v else v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)
