"""Human numbers and times (dp_notebook/render/format.py): the words every output uses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dp_notebook.render import format as fmt


@pytest.mark.parametrize(("value", "unit", "text"), [(50_000_000, "row", "50,000,000 rows"), (1, "row", "1 row"), (2918.0, "", "2,918"), (0, "run", "0 runs"), (None, "", "—"), (3, "query", "3 queries")])
def test_count(value, unit, text):
    assert fmt.count(value, unit) == text


@pytest.mark.parametrize(("value", "text"), [(9.63657e-7, "0.000000964"), (30.4167, "30.4"), (2918.0, "2,918"), (1234.5678, "1,235"), (0.5, "0.5"), (-0.0004567, "-0.000457"), (float("nan"), "—"), (True, "yes")])
def test_number_never_uses_scientific_notation(value, text):
    assert fmt.number(value) == text


@pytest.mark.parametrize(("value", "text"), [(0, "0 B"), (512, "512 B"), (262_144, "256 KiB"), (1.5 * 1024**3, "1.5 GiB"), (5 * 1024**5, "5,120 TiB")])
def test_size(value, text):
    assert fmt.size(value) == text


@pytest.mark.parametrize(
    ("amount", "currency", "exact", "text"),
    [(0.0000315, "EUR", False, "< €0.01"), (0.0000315, "EUR", True, "€0.0000315"), (1234.5, "EUR", False, "€1,234.50"), (1500.4, "JPY", False, "¥1,500"),
     (12.5, "CHF", False, "12.50 CHF"), (0.0004, "KWD", False, "< 0.001 KWD"), (-3.5, "USD", False, "-$3.50"), (0, "EUR", False, "€0.00"), (25, "", False, "25.00")],
)
def test_money_in_the_currency_precision(amount, currency, exact, text):
    assert fmt.money(amount, currency, exact=exact) == text


@pytest.mark.parametrize(("seconds", "text"), [(0.0123, "12 ms"), (0.0004, "< 1 ms"), (2.345, "2.3 s"), (23.4, "23 s"), (245, "4 min 5 s"), (1500, "25 min"), (12_000, "3 h 20 min"),
                                               (700.5 * 3600, "29 days"), (400 * 86400, "400 days"), (3 * 365 * 86400, "3 years")])
def test_duration(seconds, text):
    assert fmt.duration(seconds) == text


def test_percent_and_bounds():
    assert fmt.percent(1.5) == "1.5%" and fmt.percent(0.004) == "< 0.01%" and fmt.percent(100) == "100%"
    assert fmt.percent(0.995, of_one=True) == "99.5%" and fmt.percent(99.999) == "> 99.99%"
    assert fmt.bounds(100, None) == "≥ 100" and fmt.bounds(None, 5) == "≤ 5" and fmt.bounds(100, 2000, "rows") == "100 – 2,000 rows" and fmt.bounds() == "any"


def test_times_relative_with_utc_for_hovers():
    now = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    assert fmt.relative_time(now - timedelta(seconds=10), now) == "just now"
    assert fmt.relative_time(now - timedelta(minutes=3), now) == "3 min ago"
    assert fmt.relative_time("2026-11-30T01:00:00+00:00", now) == "2 h ago"
    assert fmt.relative_time(now - timedelta(hours=30), now) == "yesterday"
    assert fmt.relative_time(now - timedelta(days=12), now) == "12 days ago"
    assert fmt.relative_time(now + timedelta(minutes=5), now) == "in 5 min"
    assert fmt.utc_text("2026-11-30T02:40:13.744909+00:00") == "2026-11-30 02:40:13 UTC"
    assert fmt.utc_text("2026-11-30T02:40:13") == "2026-11-30 02:40:13 UTC"  # naive = UTC
    assert fmt.parse_time("not a time") is None and fmt.relative_time(None) == "—"
