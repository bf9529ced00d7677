"""What ``docs`` returns: the page's path, and the same content as a compact notebook card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bundle import mimebundle
from .html import badge, card, esc


class DocsResult:
    def __init__(self, path: Path, model: dict[str, Any], specs: list[Path]) -> None:
        self.path = path
        self.model = model
        self.specs = specs

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "specs": [str(p) for p in self.specs], "product": self.model["product"]["id"]}

    def _status(self) -> tuple[int, int]:
        checks = self.model.get("checks") or []
        return len(checks), sum(1 for c in checks if not c.get("success"))

    def __str__(self) -> str:
        total, failed = self._status()
        cost = self.model.get("cost") or {}
        lines = [f"docs of {self.model['product']['id']}: {self.path}", f"  checks: {total - failed} of {total} passing"]
        if cost:
            lines.append(f"  cost: {cost['total_monthly']:.4f} {cost['currency']}/month projected")
        lines.append(f"  specs: {len(self.specs)} files beside the page")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .product import product_html

        total, failed = self._status()
        status = badge(f"{total} checks passing", "ok") if not failed else badge(f"{failed} of {total} checks failing", "fail")
        cost = self.model.get("cost") or {}
        cost_txt = f" · cost {cost['total_monthly']:.4f} {cost['currency']}/month" if cost else ""
        head = f"<div>{status}{esc(cost_txt)} · documentation: <a href=\"{esc(self.path.as_uri())}\" target=\"_blank\"><code>{esc(self.path)}</code></a></div>"
        return mimebundle("docs", self.to_dict(), card(head) + product_html(self.model["product"]), str(self))
