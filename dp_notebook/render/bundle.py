"""``_repr_mimebundle_`` in one place: text/plain, text/html and the JSON media type."""

from __future__ import annotations

from typing import Any


def mimebundle(kind: str, payload: dict[str, Any], html: str, text: str) -> dict[str, Any]:
    """The bundle every rich result returns; the JSON payload carries ``"version": 1``."""
    return {
        "text/plain": text,
        "text/html": html,
        f"application/vnd.dp-notebook.{kind}+json": {"version": 1, "kind": kind, **payload},
    }
