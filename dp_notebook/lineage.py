"""Lineage from the transforms' SQL with sqlglot: table level (inputs → models → ports)
and column level (each output column → the input/model columns it reads).

    >>> g = lineage_graph({"t_v1": "SELECT a.x, b.y FROM a JOIN b USING (k)"}, {"a": {"x": "INT", "k": "INT"}, "b": {"y": "INT", "k": "INT"}}, ports={"t_v1"})
    >>> sorted(e["from"] for e in g["edges"])
    ['a', 'b']
"""

from __future__ import annotations

import re
from typing import Any

_PARAM = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")


def _parse(sql: str):
    import sqlglot

    return sqlglot.parse_one(_PARAM.sub("NULL", sql), dialect="duckdb")


def tables_read(sql: str) -> set[str]:
    """Names of the tables a query reads (CTE names excluded)."""
    from sqlglot import exp

    tree = _parse(sql)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


def column_lineage(sql: str, columns: list[str], schema: dict[str, dict[str, str]]) -> dict[str, list[list[str]]]:
    """``{output column: [[source table, source column], ...]}``; empty lists where unknown."""
    from sqlglot.lineage import lineage

    clean = _PARAM.sub("NULL", sql)
    out: dict[str, list[list[str]]] = {}
    for col in columns:
        try:
            node = lineage(col, clean, schema=schema or None, dialect="duckdb")
        except Exception:  # noqa: BLE001 - sqlglot raises many kinds of errors on SQL it cannot trace
            out[col] = []
            continue
        sources = set()
        for n in node.walk():
            if n.downstream:
                continue
            table = getattr(n.source, "name", None) or ""
            name = n.name.split(".")[-1]
            if table and table in schema:
                sources.add((table, name))
        out[col] = sorted([list(s) for s in sources])
    return out


def lineage_graph(
    transforms: dict[str, str],
    schema: dict[str, dict[str, str]],
    *,
    ports: set[str],
    inputs: set[str] | None = None,
    output_columns: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Nodes and edges for inputs → models → ports, plus column lineage per port."""
    inputs = set(inputs or ())
    nodes: dict[str, dict[str, str]] = {}
    edges = []
    columns: dict[str, dict[str, list[list[str]]]] = {}
    notes = []
    for name in inputs:
        nodes[name] = {"id": name, "kind": "input", "label": name}
    for target, sql in transforms.items():
        kind = "port" if target in ports else "model"
        nodes[target] = {"id": target, "kind": kind, "label": target}
        try:
            read = tables_read(sql)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"{target}: lineage unavailable ({str(exc).splitlines()[0][:120]})")
            continue
        for src in sorted(read):
            if src not in nodes:
                nodes[src] = {"id": src, "kind": "input" if src not in transforms else "model", "label": src}
            edges.append({"from": src, "to": target})
        if kind == "port":
            cols = (output_columns or {}).get(target) or []
            columns[target] = column_lineage(sql, cols, schema) if cols else {}
    order = {"input": 0, "model": 1, "port": 2}
    return {"nodes": sorted(nodes.values(), key=lambda n: (order[n["kind"]], n["id"])), "edges": edges, "columns": columns, "notes": notes}
