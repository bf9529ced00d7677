"""What a check's value is, told without showing it (a value may be PII)."""

from __future__ import annotations

import datetime as _dt
from typing import Any


def is_number(value: Any) -> bool:
    """A value a ``mustBe*`` bound can judge: a number (booleans count as 0 and 1), not text or a date."""
    import decimal

    return isinstance(value, (int, float, decimal.Decimal))


def kind_of(value: Any) -> str:
    """What a value is, in words, without showing it (it may be PII)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "text"
    if isinstance(value, _dt.datetime):
        return "a timestamp"
    if isinstance(value, _dt.date):
        return "a date"
    return f"a {type(value).__name__} value"
