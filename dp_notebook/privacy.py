"""PII in what the toolkit shows and stores: one rule for which columns are PII, one mask.

A column is PII when the spec flags it (``pii: true``), or when its port says
``containsPii: true`` without flagging any column — then every column counts
(``ALL``), because nobody said which one holds it. Inputs and models have no
declared schema: a column there is PII when a column of that name is PII
anywhere in the product (its output ports, the contracts of the ports it
consumes), and every column is when any of those is ``ALL``.

What is masked, wherever it would otherwise appear: sample rows of failing
checks, values a check observed (a column's max, its distinct values) and the
messages built from them, and transform previews. Stored texts (the run
history, status files, published test results) are built from those masked
values, so they hold no PII either. An ad-hoc ``%dataproduct sql`` is the
author reading their own data and is not masked.

    >>> sorted(pii_of_columns([{"name": "email", "pii": True}, {"name": "id"}], contains_pii=None))
    ['email']
    >>> is_pii("id", pii_of_columns([{"name": "id"}], contains_pii=True))
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

MASK = "***"
ALL = "*"  # in a PII set: every column


def pii_of_columns(columns: Iterable[Any], *, contains_pii: bool | None) -> set[str]:
    """The PII columns of a port, from its column list (models or catalog dicts)."""
    flagged = set()
    for c in columns or []:
        name, flag = (c.get("name"), c.get("pii")) if isinstance(c, dict) else (getattr(c, "name", None), getattr(c, "pii", False))
        if flag and isinstance(name, str):
            flagged.add(name)
    if flagged:
        return flagged
    return {ALL} if contains_pii else set()


def port_pii(port: Any) -> set[str]:
    """An output port's PII columns (``ALL`` for ``containsPii`` without column flags)."""
    return pii_of_columns(port.columns, contains_pii=port.containsPii)


def is_pii(column: Any, pii: Iterable[str]) -> bool:
    return ALL in pii or column in pii


def mask_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], pii: Iterable[str]) -> list[tuple]:
    """Rows with every non-null value of a PII column replaced by ``MASK``."""
    pii = set(pii)
    if not pii:
        return [tuple(r) for r in rows]
    hidden = [is_pii(c, pii) for c in columns]
    return [tuple(MASK if (h and v is not None) else v for h, v in zip(hidden, row)) for row in rows]


def columns_of(kwargs: dict[str, Any]) -> list[str]:
    """Every column an expectation's kwargs name."""
    out = []
    for key in ("column", "column_A", "column_B"):
        if isinstance(kwargs.get(key), str):
            out.append(kwargs[key])
    for key in ("column_list",):
        if isinstance(kwargs.get(key), (list, tuple)):
            out += [c for c in kwargs[key] if isinstance(c, str)]
    return out


def mask_observed(result: Any, pii: Iterable[str], message: Any = None) -> None:
    """Hide what a check observed on a PII column (a max, the distinct values) and rebuild its message.

    ``message``: a function of the result that builds its message (called after masking).
    """
    pii = set(pii)
    if not pii or result.observed_value is None:
        return
    touched = columns_of(result.kwargs) or ([result.column] if result.column else [])
    if any(is_pii(c, pii) for c in touched):  # table-level values (row counts, column names) are not data
        result.observed_value = MASK
        if message is not None:
            result.message = message(result)


def scrub_quoted(text: str) -> str:
    """Text with every single-quoted literal replaced by ``'***'``: engine errors quote the value they failed on.

        >>> scrub_quoted("Could not convert string 'carol@example.com' to INT32")
        "Could not convert string '***' to INT32"
    """
    import re

    return re.sub(r"'(?:[^']|'')*'", "'***'", text)
