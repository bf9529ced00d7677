"""Engines run a product's SQL: the embedded DuckDB (default) or Apache Spark.

The boundary is ``engine/base.py`` (the ``Engine`` protocol, ``BuildPlan``,
``Staged``); ``duckdb.py`` and ``spark.py`` implement it; ``translate.py``
turns DuckDB SQL into Spark SQL. Write-audit-publish itself is written once,
in ``dp_notebook.build``. Which engine a product uses is a setting
(``dp_notebook.settings``): the product's ``engine:`` field, then
``DP_NOTEBOOK_ENGINE``, then ``engine:`` in dp-notebook.yaml, else ``duckdb``.
"""

from __future__ import annotations

from typing import Any

from ..settings import ENGINES
from .base import BuildPlan, Engine, Staged


def get_engine(ws: Any, settings: Any) -> Engine:
    """The engine named by ``settings`` (``dp_notebook.settings.EngineSettings``) for workspace ``ws``."""
    if settings.name == "spark":
        from .spark import SparkEngine

        return SparkEngine(ws, settings)
    from .duckdb import DuckDBEngine

    return DuckDBEngine(ws)


__all__ = ["ENGINES", "BuildPlan", "Engine", "Staged", "get_engine"]
