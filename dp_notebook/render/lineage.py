"""``%dataproduct lineage`` as a result: the docs page's graph in the notebook, with the column-level
sources in a table, text for terminals and the graph as JSON (``application/vnd.dp-notebook.lineage+json``)
for tools::

    LineageResult(dp.lineage())   # {"nodes": [...], "edges": [...], "columns": {...}, "notes": [...]}
"""

from __future__ import annotations

from typing import Any

from .bundle import mimebundle
from .charts import figure
from .html import card, esc, table
from .lineage_svg import lineage_svg


class LineageResult:
    """A lineage graph that draws itself (``_repr_mimebundle_``) and is still the dict underneath."""

    def __init__(self, graph: dict[str, Any]) -> None:
        self.graph = graph or {}

    def to_dict(self) -> dict[str, Any]:
        return self.graph

    def __getitem__(self, key: str) -> Any:  # reads like the dict it used to be
        return self.graph[key]

    def _column_rows(self) -> list[list[str]]:
        rows = []
        for port, cols in sorted((self.graph.get("columns") or {}).items()):
            for col, sources in cols.items():
                rows.append([port, col, ", ".join(f"{t}.{c}" for t, c in sources) or "(computed or unknown)"])
        return rows

    def __str__(self) -> str:
        nodes = self.graph.get("nodes") or []
        if not nodes:
            return "lineage: no transforms have run yet"
        by_id = {n["id"]: n for n in nodes}
        lines = ["lineage (table level):"]
        for e in self.graph.get("edges") or []:
            src, dst = by_id.get(e["from"], {}), by_id.get(e["to"], {})
            lines.append(f"  {src.get('kind', '?')} {e['from']} -> {dst.get('kind', '?')} {e['to']}")
        rows = self._column_rows()
        if rows:
            lines.append("columns:")
            lines.extend(f"  {p}.{c} <- {s}" for p, c, s in rows)
        lines.extend(f"  note: {n}" for n in self.graph.get("notes") or [])
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not self.graph.get("nodes"):
            html = card('<div class="dpn-muted">No lineage yet: run a transform cell first.</div>')
        else:
            rows = self._column_rows()
            cols = ""
            if rows:
                body = table(["port", "column", "comes from"], [[f"<code>{esc(p)}</code>", f"<code>{esc(c)}</code>", esc(s)] for p, c, s in rows], raw=True, wrap=(2,))
                cols = f"<details><summary>Column-level lineage ({len(rows)} columns)</summary>{body}</details>"
            notes = "".join(f'<div class="dpn-muted">{esc(n)}</div>' for n in self.graph.get("notes") or [])
            html = card(f'<h4>Lineage</h4><div class="dpn-scroll">{figure(lineage_svg(self.graph), "lineage")}</div>{cols}{notes}')
        # no plain application/json: JupyterLab ranks its JSON tree above text/html and would show
        # the collapsed tree instead of the graph; tools read the vnd media type (or .to_dict())
        return mimebundle("lineage", {"graph": self.graph}, html, str(self))
