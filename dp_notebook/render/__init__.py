"""Render stage: the same model as HTML (Jupyter, docs), text (terminals) and JSON
(``application/vnd.dp-notebook.<kind>+json`` for the lab extension)."""

from .bundle import mimebundle

__all__ = ["mimebundle"]
