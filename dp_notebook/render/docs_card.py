"""What ``docs`` returns: the page's path, and the same content as the ``declare`` card, headed by
the checks, cost and a link to the page.

The link is a ``file://`` URI (right for VS Code and a local browser) marked ``dpn-docs-link``; in
JupyterLab and Notebook 7 the lab extension catches the click and opens the page through the
server extension (``/dp-notebook/api/docs/<product>/index.html``) in a tab, since browsers refuse
``file://`` links from an ``http://`` page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import format as fmt
from .bundle import mimebundle
from .checks import counts
from .html import badge, esc, status_badge


def docs_link(path: Path, product: str, *, source: str = "workspace", label: str = "Open the documentation page") -> str:
    """A link to a docs page that the lab extension opens in a JupyterLab tab (see module doc)."""
    # the target also rides in classes: untrusted outputs lose data-* attributes and file:// hrefs
    return (
        f'<a class="dpn-docs-link dpn-docs-product--{esc(product)} dpn-docs-source--{esc(source)}" href="{esc(path.as_uri())}" target="_blank" rel="noopener" '
        f'data-dpn-product="{esc(product)}" data-dpn-source="{esc(source)}" data-dpn-file="{esc(path.name)}">{esc(label)}</a>'
    )


class DocsResult:
    def __init__(self, path: Path, model: dict[str, Any], specs: list[Path]) -> None:
        self.path = path
        self.model = model
        self.specs = specs

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "specs": [str(p) for p in self.specs], "product": self.model["product"]["id"]}

    def _status(self) -> tuple[int, int]:
        checks = self.model.get("checks") or []
        c = counts(checks)
        return len(checks), c["failed"]

    def __str__(self) -> str:
        checks = self.model.get("checks") or []
        c = counts(checks)
        cost = self.model.get("cost") or {}
        lines = [f"docs of {self.model['product']['id']}: {self.path}", f"  checks: {c['passed']} of {len(checks)} passing" + (f", {c['warning']} warning(s)" if c["warning"] else "")]
        if cost:
            lines.append(f"  cost: {fmt.money(cost['total_monthly'], cost['currency'])} a month projected")
        lines.append(f"  specs: {len(self.specs)} files beside the page")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .product import product_html

        checks = self.model.get("checks") or []
        c = counts(checks)
        if not checks:
            status = badge("no checks run yet")
        elif c["failed"]:
            status = status_badge("failed", f"{c['failed']} of {len(checks)} checks failing")
        elif c["warning"]:
            status = status_badge("warning", f"{c['passed']} of {len(checks)} checks passing, {fmt.count(c['warning'], 'warning')}")
        else:
            status = status_badge("passed", f"{len(checks)} checks passing")
        cost = self.model.get("cost") or {}
        cost_txt = f'<span>cost {esc(fmt.money(cost["total_monthly"], cost["currency"]))} a month</span>' if cost else ""
        link = docs_link(self.path, self.model["product"]["id"])
        head = (
            f'<div class="dpn-row" style="margin:6px 0">{status}{cost_txt}<b>{link}</b></div>'
            f'<div class="dpn-muted">written to <code>{esc(self.path)}</code> with {esc(fmt.count(len(self.specs), "spec file"))} beside it</div>'
        )
        html = product_html(self.model["product"], head=head)
        return mimebundle("docs", self.to_dict(), html, str(self))
