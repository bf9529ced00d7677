"""Check results: one row shape for expectations, unit tests, quality (SLOs) and contracts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ChecksFailed


@dataclass
class Expectation:
    """One parsed expectation: canonical GX 1.x name, kwargs, and where it was written."""

    name: str
    kwargs: dict[str, Any]
    index: int = 0
    line: int | None = None
    written_as: str | None = None

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    def label(self) -> str:
        cols = self.kwargs.get("column") or self.kwargs.get("column_list") or (
            f"{self.kwargs.get('column_A')},{self.kwargs.get('column_B')}" if "column_A" in self.kwargs else None
        )
        return f"{self.name}({cols})" if cols else self.name

    def to_gx(self) -> dict[str, Any]:
        return {"type": self.name, "kwargs": dict(self.kwargs), "meta": {}}


@dataclass
class CheckResult:
    name: str
    target: str
    kind: str  # expectation | unit | quality | contract
    success: bool
    message: str = ""
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    element_count: int | None = None
    observed_value: Any = None
    unexpected_sample: list[dict[str, Any]] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    column: str | None = None
    severity: str = "error"

    @property
    def failed(self) -> bool:
        """A failure that fails the run: only checks of severity ``error`` do."""
        return not self.success and self.severity == "error"

    @property
    def status(self) -> str:
        """``passed``, ``warning`` (failed, severity warning/info) or ``failed``."""
        return "passed" if self.success else ("failed" if self.severity == "error" else "warning")

    def to_row(self) -> dict[str, Any]:
        """The row shape of status files, catalog test results and the checks media type."""
        return {
            "name": self.name,
            "target": self.target,
            "kind": self.kind,
            "success": self.success,
            "severity": self.severity,
            "status": self.status,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "message": self.message,
            "unexpected_sample": list(self.unexpected_sample),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CheckResult:
        """Back from ``to_row`` (a row without severity is an error-severity check, as before format 2)."""
        keys = ("name", "target", "kind", "success", "message", "unexpected_count", "unexpected_percent")
        return cls(**{k: row.get(k) for k in keys}, severity=str(row.get("severity") or "error"), unexpected_sample=list(row.get("unexpected_sample") or []))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not isinstance(data.get("observed_value"), (int, float, str, bool, type(None), list, dict)):
            data["observed_value"] = str(data["observed_value"])
        return data


@dataclass
class SuiteResult:
    """Results of a run of checks. ``.success`` is False when any error-severity check failed."""

    target: str
    results: list[CheckResult] = field(default_factory=list)
    elapsed_s: float | None = None
    note: str | None = None

    @property
    def success(self) -> bool:
        return not any(r.failed for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]

    def __add__(self, other: SuiteResult) -> SuiteResult:
        return SuiteResult(self.target if self.target == other.target else "all", self.results + other.results)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "success": self.success, "results": [r.to_dict() for r in self.results]}

    def summary(self) -> str:
        failed = [r for r in self.results if not r.success]
        head = f"{len(self.results) - len(failed)} of {len(self.results)} checks passed on {self.target}"
        if not failed:
            return head
        lines = [head + "; failed:"]
        for r in failed[:10]:
            sev = "" if r.severity == "error" else f" [{r.severity}]"
            lines.append(f"  ✗ {r.target}: {r.name}{sev}: {r.message}")
        if len(failed) > 10:
            lines.append(f"  … and {len(failed) - 10} more")
        return "\n".join(lines)

    def raise_for_failure(self) -> SuiteResult:
        if not self.success:
            raise ChecksFailed(self.summary(), self)
        return self

    def to_junit_xml(self, suite_name: str = "dp-notebook") -> str:
        from .junit import junit_xml

        return junit_xml(self, suite_name)

    def __str__(self) -> str:
        from ..render.checks import checks_text

        return checks_text(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from ..render.bundle import mimebundle
        from ..render.checks import checks_html

        payload = {"success": self.success, "target": self.target, "note": self.note, "results": [r.to_row() for r in self.results]}
        return mimebundle("checks", payload, checks_html(self), str(self))
