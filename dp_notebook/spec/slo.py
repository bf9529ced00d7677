"""The SLO vocabulary of a declaration: durations, shares and names, read the same by checks and renderers."""

from __future__ import annotations

import re
from typing import Any

from ..errors import SpecError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(text: Any) -> float:
    """``'24h'`` → 86400.0 seconds; plain numbers are hours."""
    if isinstance(text, (int, float)):
        return float(text) * 3600
    m = _DURATION.match(str(text))
    if not m:
        raise SpecError(f"freshness threshold {text!r} is not a duration like '24h', '7d', '30m'")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_ratio(value: Any) -> float:
    """``0.99`` or ``'99%'`` → 0.99; ``SpecError`` for anything else."""
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            ratio = float(value.strip()[:-1]) / 100
        elif isinstance(value, bool):
            raise ValueError
        else:
            ratio = float(value)
            ratio = ratio / 100 if ratio > 1 else ratio
    except (TypeError, ValueError):
        raise SpecError(f"completeness threshold {value!r} is not a share like 0.99 or '99%'") from None
    if not 0 <= ratio <= 1:
        raise SpecError(f"completeness threshold {value!r} is not a share between 0 and 100%")
    return ratio


def slo_name(slo) -> str:
    if slo.name:
        return slo.name
    if slo.type in ("freshness", "completeness"):
        return f"{slo.type}({slo.column})"
    return slo.type
