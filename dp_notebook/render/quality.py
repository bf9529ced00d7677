"""The quality report: the latest SLO results, then one small trend per SLO (time on x, the SLO's
threshold as a dashed line, each check run marked passed or failed), laid out side by side below
the table so the results stay on top."""

from __future__ import annotations

import re
from typing import Any

from . import format as fmt
from .bundle import mimebundle
from .charts import trend_chart
from .checks import checks_html, checks_text
from .html import card, esc


def slo_kind(name: str, declared_type: str | None = None) -> str:
    """``freshness``, ``completeness``, ``rowCount`` or ``sql`` from the declared type or the SLO's name."""
    if declared_type:
        return declared_type
    for kind in ("freshness", "completeness", "rowCount"):
        if name.startswith(kind):
            return kind
    return "sql"


def value_formatter(kind: str):
    """How an SLO's measured value reads: hours of age, a share of rows, a row count, a number."""
    if kind == "freshness":
        return lambda v: fmt.duration(v * 3600)
    if kind == "completeness":
        return lambda v: fmt.percent(v, of_one=True)
    if kind == "rowCount":
        return lambda v: fmt.count(v)
    return fmt.number


def slo_threshold(slo: Any) -> dict[str, float]:
    """``{"min": …}`` / ``{"max": …}`` of a declared SLO, in the unit of its history values."""
    from ..spec.slo import parse_duration, parse_ratio

    kind = getattr(slo, "type", None)
    if kind == "freshness" and getattr(slo, "threshold", None) is not None:
        return {"max": parse_duration(slo.threshold) / 3600}
    if kind == "completeness" and getattr(slo, "threshold", None) is not None:
        return {"min": parse_ratio(slo.threshold)}
    if kind == "rowCount":
        return {k: float(v) for k, v in (("min", slo.min), ("max", slo.max)) if v is not None}
    if kind == "sql":
        out: dict[str, float] = {}
        for attr, key in (("mustBeGreaterThan", "min"), ("mustBeGreaterOrEqualTo", "min"), ("mustBeLessThan", "max"), ("mustBeLessOrEqualTo", "max")):
            if getattr(slo, attr, None) is not None:
                out[key] = float(getattr(slo, attr))
        return out
    return {}


_NEED = re.compile(r"\(need ([\d.]+)%\)")
_BOUNDS = re.compile(r"\(bounds \[([\d.]*), ?([\d.]*)\]\)")  # before 2026-11-30
_EXPECTED = re.compile(r"\(expected (?:(≥|≤) ([\d,.]+)|([\d,.]+) – ([\d,.]+))\)")
_LIMIT = re.compile(r"\(limit ([^)]+)\)")
_RULE = re.compile(r"must be ([<>]=?) ([-\d.e]+)")


def threshold_from_message(kind: str, message: str | None) -> dict[str, float]:
    """The threshold as the check's message states it (history rows of runs whose spec is not at hand)."""
    message = message or ""
    try:
        if kind == "completeness" and (m := _NEED.search(message)):
            return {"min": float(m.group(1)) / 100}
        if kind == "rowCount" and (m := _BOUNDS.search(message)):
            return {k: float(v) for k, v in (("min", m.group(1)), ("max", m.group(2))) if v}
        if kind == "rowCount" and (m := _EXPECTED.search(message)):
            op, one, lo, hi = m.groups()
            num = lambda text: float(text.replace(",", ""))  # noqa: E731
            return {"min": num(lo), "max": num(hi)} if lo else {("min" if op == "≥" else "max"): num(one)}
        if kind == "freshness" and (m := _LIMIT.search(message)):
            from ..spec.slo import parse_duration

            return {"max": parse_duration(m.group(1)) / 3600}
        if kind == "sql":
            return {("min" if op.startswith(">") else "max"): float(v) for op, v in _RULE.findall(message)}
    except Exception:  # a message we cannot read only costs the dashed line
        return {}
    return {}


def _declared(spec: Any) -> dict[tuple[str, str], Any]:
    if spec is None:
        return {}
    from ..spec.slo import slo_name

    out = {}
    for port in getattr(spec, "outputPorts", []) or []:
        for slo in list(getattr(port, "serviceLevelObjectives", []) or []) or list(getattr(spec, "serviceLevelObjectives", []) or []):
            out[(port.id, slo_name(slo))] = slo
    return out


def trend_charts_html(series: dict[str, dict[str, Any]]) -> str:
    """``{label: {"points": [...], "kind": ..., "threshold": {...}}}`` as small charts side by side."""
    charts = []
    for label, s in series.items():
        fmt_value = value_formatter(s.get("kind") or "sql")
        charts.append(f"<div>{trend_chart(s['points'], title=label, threshold=s.get('threshold'), value_format=fmt_value, unit=s.get('unit', ''))}</div>")
    return f'<div class="dpn-charts">{"".join(charts)}</div>' if charts else ""


class QualityReport:
    """SLO results of this run plus the history (a DataFrame of ``_dp.quality_history``).

    ``spec`` (optional) is the product's spec: it gives each trend its declared threshold.
    """

    def __init__(self, result: Any, history: Any, spec: Any = None) -> None:
        self.result = result
        self.history = history
        self.spec = spec

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

    def series(self) -> dict[str, dict[str, Any]]:
        """Per ``"<port>: <slo>"``: its kind, threshold and time-stamped points with pass/fail."""
        out: dict[str, dict[str, Any]] = {}
        if self.history is None or not len(self.history):
            return out
        declared = _declared(self.spec)
        for _, row in self.history.iterrows():
            label = f"{row['target']}: {row['slo']}"
            slo = declared.get((row["target"], row["slo"]))
            kind = slo_kind(str(row["slo"]), getattr(slo, "type", None))
            entry = out.setdefault(label, {"kind": kind, "points": [], "threshold": slo_threshold(slo) if slo is not None else {}})
            value = row["value"]
            entry["points"].append({"at": row["checked_at"], "value": None if value != value else value, "success": None if row.get("success") is None else bool(row["success"])})
            if slo is None:  # the latest message states the threshold in force
                entry["threshold"] = threshold_from_message(kind, row.get("message")) or entry["threshold"]
        return out

    def __str__(self) -> str:
        lines = [checks_text(self.result)]
        for name, s in self.series().items():
            shown = ", ".join(value_formatter(s["kind"])(p["value"]) for p in s["points"][-8:] if p["value"] is not None)
            lines.append(f"  trend {name}: {shown}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        inner = checks_html(self.result)
        charts = trend_charts_html(self.series())
        if charts:
            inner += card(f"<h4>{esc('SLO trends')}</h4>{charts}")
        return mimebundle("quality", self.to_dict(), inner, str(self))
