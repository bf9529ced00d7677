"""Interactive results: the product's latest checks, SLO history and cost as sortable tables.

An anywidget like the port browser; the SLO trend is the same SVG as in the
docs page, shown as an image (an <img> cannot run script, whatever it holds).
Static HTML/text is kept in the bundle for nbconvert and terminals.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import anywidget
import traitlets


class ResultsWidget(anywidget.AnyWidget):
    _esm = Path(__file__).with_name("results.js")
    _css = Path(__file__).with_name("browser.css")

    title = traitlets.Unicode("").tag(sync=True)
    tables = traitlets.List().tag(sync=True)  # [{"name", "columns": [...], "rows": [[...]]}]
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
    from ..checks.runner import latest_results
    from ..render.charts import line_chart

    checks = latest_results(dp.workspace, dp.id)
    tables = [
        {
            "name": "Checks",
            "columns": ["status", "kind", "target", "check", "unexpected", "unexpected %", "details", "checked at"],
            "rows": [["ok" if c.get("success") else "FAIL", c.get("kind"), c.get("target"), c.get("name"), c.get("unexpected_count"), c.get("unexpected_percent"), c.get("message"), c.get("checked_at")] for c in checks],
        }
    ]
    model = dp.docs_model()
    history = model.get("quality_history") or {}
    svgs = [line_chart({name: values}, title=f"SLO trend — {name}", height=120) for name, values in history.items() if len(values) > 1]
    with dp.workspace.metadata() as md:
        hist = md.quality_history(dp.id)[["checked_at", "target", "slo", "value", "success", "message"]].iloc[::-1]
    tables.append({"name": "SLO history", "columns": list(hist.columns), "rows": [[_plain(v) for v in row] for row in hist.itertuples(index=False)]})
    cost = model["cost"]
    tables.append(
        {
            "name": f"Cost ({cost['currency']}/month)",
            "columns": ["transform", "wall s", "CPU s", "rows scanned", "bytes scanned", "per run", "per month"],
            "rows": [[t["target"], t["wall_s"], t["cpu_s"], t.get("rows_scanned"), t.get("bytes_scanned"), t["cost_per_run"], t["monthly"]] for t in cost["transforms"]],
        }
    )
    from ..checks.model import CheckResult, SuiteResult
    from ..render.checks import checks_html

    suite = SuiteResult(dp.id, [CheckResult.from_row(c) for c in checks])
    return ResultsWidget(f"Results of {dp.id}", tables, svgs, static_html=checks_html(suite), static_text=str(suite))


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return None if isinstance(v, float) and v != v else v
    return str(v)
