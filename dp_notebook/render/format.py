"""Human numbers and times: one place that turns values into the words people read.

Every renderer (notebook cards, the docs page, text, widgets) formats through these, so the
same value reads the same everywhere::

    >>> count(50_000_000, "row")
    '50,000,000 rows'
    >>> size(262_144)
    '256 KiB'
    >>> money(0.0000315, "EUR")
    '< €0.01'
    >>> duration(2_521_800)
    '29 days'
    >>> number(2918.0), number(9.63657e-7), number(30.4167)
    ('2,918', '0.000000964', '30.4')

Pure functions of the standard library only: importing this module costs nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

__all__ = ["count", "number", "percent", "size", "money", "duration", "relative_time", "utc_text", "local_text", "parse_time", "bounds", "plural"]

# minor units per ISO 4217 where they differ from 2, and the symbols people know
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}


def plural(n: int | float, unit: str) -> str:
    """``unit`` with an English plural ``s`` unless ``n`` is exactly one (``'1 row'``, ``'2 rows'``)."""
    return unit if n == 1 else (unit[:-1] + "ies" if unit.endswith("y") and unit[-2:-1] not in "aeiou" else unit + "s")


def count(n: Any, unit: str = "") -> str:
    """A whole count with thousands separators; ``unit`` (singular) is pluralised.

    >>> count(2918.0), count(1, "run")
    ('2,918', '1 run')
    """
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "—"
    value = int(round(float(n)))
    text = f"{value:,}"
    return f"{text} {plural(value, unit)}" if unit else text


def number(x: Any, digits: int = 3) -> str:
    """A measurement: whole numbers as counts, others with ``digits`` significant digits and no
    scientific notation (``9.63657e-7`` → ``0.000000964``; ``30.4167`` → ``30.4``).

    >>> number(1234.5678), number(0.5), number(-0.0004567)
    ('1,235', '0.5', '-0.000457')
    """
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 10 ** (digits - 1):
        return f"{v:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def percent(p: Any, *, of_one: bool = False) -> str:
    """A percentage (``p`` in 0–100, or 0–1 with ``of_one``): ``'1.5%'``, ``'< 0.01%'``, ``'100%'``."""
    if p is None:
        return "—"
    v = float(p) * (100 if of_one else 1)
    if math.isnan(v):
        return "—"
    if v == 0 or v == 100:
        return f"{v:.0f}%"
    if 0 < abs(v) < 0.01:
        return "< 0.01%"
    if 99.99 < v < 100:
        return "> 99.99%"
    return f"{number(v, 3)}%"


def size(n: Any) -> str:
    """Bytes in binary units: ``'512 B'``, ``'256 KiB'``, ``'1.5 GiB'``."""
    if n is None:
        return "—"
    v = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(v) < 1024 or unit == "TiB":
            return f"{int(v)} B" if unit == "B" else f"{number(v, 3)} {unit}"
        v /= 1024
    raise AssertionError("unreachable")


def money(amount: Any, currency: str = "", *, exact: bool = False) -> str:
    """An amount in its currency's precision (cents for EUR, none for JPY). Non-zero amounts below the
    smallest coin read ``'< €0.01'``; ``exact`` keeps three significant digits instead (for tooltips).

    >>> money(1234.5, "EUR"), money(1500, "JPY"), money(12.5, "CHF"), money(0.0000315, "EUR", exact=True)
    ('€1,234.50', '¥1,500', '12.50 CHF', '€0.0000315')
    """
    if amount is None:
        return "—"
    v = float(amount)
    code = (currency or "").upper()
    decimals = _MINOR_UNITS.get(code, 2)
    smallest = 10 ** -decimals
    sign = "-" if v < 0 else ""
    a = abs(v)
    if exact and 0 < a < smallest * 100:
        body = number(a, 3)
    elif 0 < a < smallest:
        return f"< {_with_currency(f'{smallest:.{decimals}f}', code)}"
    else:
        body = f"{a:,.{decimals}f}"
    return sign + _with_currency(body, code)


def _with_currency(body: str, code: str) -> str:
    symbol = _SYMBOLS.get(code)
    if symbol:
        return f"{symbol}{body}"
    return f"{body} {code}".strip()


def duration(seconds: Any) -> str:
    """A span of time in the unit people would say: ``'12 ms'``, ``'2.3 s'``, ``'4 min 5 s'``,
    ``'3 h 20 min'``, ``'29 days'``."""
    if seconds is None:
        return "—"
    s = float(seconds)
    if math.isnan(s):
        return "—"
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s == 0:
        return "0 s"
    if s < 1:
        ms = s * 1000
        return f"{sign}{number(ms, 2) if ms < 10 else round(ms):} ms" if ms >= 1 else f"{sign}< 1 ms"
    if s < 60:
        return f"{sign}{number(s, 2) if s < 10 else round(s)} s"
    if s < 3600:
        m, r = divmod(round(s), 60)
        return f"{sign}{m} min" + (f" {r} s" if r and m < 10 else "")
    if s < 86400 * 2:
        h, r = divmod(round(s / 60), 60)
        return f"{sign}{h} h" + (f" {r} min" if r and h < 10 else "")
    days = s / 86400
    return f"{sign}{round(days)} days" if days < 365 * 2 else f"{sign}{number(days / 365.25, 2)} years"


def parse_time(value: Any) -> datetime | None:
    """A timezone-aware datetime from an ISO string, a datetime or a pandas Timestamp (naive = UTC)."""
    if value is None or value == "":
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def utc_text(value: Any) -> str:
    """``'2026-11-30 02:40:13 UTC'``: the exact moment, for hovers and logs."""
    t = parse_time(value)
    return "" if t is None else t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def local_text(value: Any) -> str:
    """``'2026-11-30 03:40'`` in the local time zone of the process (the kernel's)."""
    t = parse_time(value)
    return "" if t is None else t.astimezone().strftime("%Y-%m-%d %H:%M")


def relative_time(value: Any, now: datetime | None = None) -> str:
    """``'just now'``, ``'3 min ago'``, ``'5 h ago'``, ``'yesterday'``, ``'12 days ago'``, then the date."""
    t = parse_time(value)
    if t is None:
        return "—"
    now = now or datetime.now(timezone.utc)
    delta = (now - t).total_seconds()
    future = delta < 0
    d = abs(delta)
    if d < 45:
        return "just now"
    if d < 3600:
        text = f"{max(1, round(d / 60))} min"
    elif d < 86400:
        text = f"{round(d / 3600)} h"
    elif d < 2 * 86400 and not future:
        return "yesterday"
    elif d < 30 * 86400:
        text = f"{round(d / 86400)} days"
    else:
        return t.astimezone().strftime("%Y-%m-%d")
    return f"in {text}" if future else f"{text} ago"


def bounds(lo: Any = None, hi: Any = None, unit: str = "") -> str:
    """A range as words: ``'≥ 100'``, ``'≤ 5'``, ``'100 – 200'``, ``'any'``."""
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"{number(lo)} – {number(hi)}{u}"
    if lo is not None:
        return f"≥ {number(lo)}{u}"
    if hi is not None:
        return f"≤ {number(hi)}{u}"
    return "any"
