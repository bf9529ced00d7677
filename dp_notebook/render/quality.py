"""The quality report: the latest SLO results and their trend."""

from __future__ import annotations

from typing import Any

from .bundle import mimebundle
from .charts import line_chart
from .checks import checks_html
from .html import card, esc


class QualityReport:
    """SLO results of this run plus the history (a DataFrame of ``_dp.quality_history``)."""

    def __init__(self, result: Any, history: Any) -> None:
        self.result = result
        self.history = history

    @property
    def success(self) -> bool:
        return self.result.success

    def raise_for_failure(self) -> QualityReport:
        self.result.raise_for_failure()
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"results": self.result.to_dict()["results"], "history": self.trend()}

    def trend(self) -> dict[str, list]:
        """``{"<port>: <slo>": [value per check run]}`` in time order."""
        out: dict[str, list] = {}
        if self.history is None or not len(self.history):
            return out
        for _, row in self.history.iterrows():
            value = row["value"]
            out.setdefault(f"{row['target']}: {row['slo']}", []).append(None if value != value else float(value))
        return out

    def __str__(self) -> str:
        lines = [str(self.result)]
        for name, values in self.trend().items():
            shown = ", ".join("-" if v is None else f"{v:.4g}" for v in values[-8:])
            lines.append(f"  trend {name}: {shown}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        charts = ""
        trend = self.trend()
        for name, values in trend.items():
            if len(values) > 1:
                charts += line_chart({name: values}, title=f"SLO trend — {name}", height=120)
        inner = checks_html(self.result)
        if charts:
            inner += card(f"<h4>{esc('SLO trend')}</h4>{charts}")
        return mimebundle("quality", self.to_dict(), inner, str(self))
