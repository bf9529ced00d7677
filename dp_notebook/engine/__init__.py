"""Engines run a product's SQL. The embedded default is DuckDB (``engine/duckdb.py``).

An engine implements this interface; metadata (runs, results, costs) stays in
the workspace's local ``_dp`` schema whatever the engine.
"""

from __future__ import annotations

from typing import Any, Protocol


class Engine(Protocol):
    dialect: str

    def register_input(self, schema: str, name: str, source: Any) -> dict[str, Any]:
        """Make ``source`` readable as ``schema.name``; returns rows/columns."""

    def materialize(self, schema: str, target: str, sql: str, params: dict[str, Any], *, audit: Any = None) -> dict[str, Any]:
        """Write-audit-publish ``sql`` into ``schema.target``; atomic."""

    def swap_port(self, schema: str, target: str, view_schema: str, view: str, columns: list[tuple[str, str]] | None) -> None:
        """Point the public view at the table (inside the materialize transaction)."""

    def table_schema(self, relation: str) -> list[tuple[str, str]]:
        """``[(column, type)]`` of a relation."""

    def profile(self) -> dict[str, Any]:
        """Measured cost of the last statement: wall/CPU time, rows and bytes scanned."""


__all__ = ["Engine"]
