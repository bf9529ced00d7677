"""Small HTML building blocks shared by every output. Every piece of user text goes through ``esc``.

The look lives in one stylesheet, ``render/static/dpn.css`` (JupyterLab's ``--jp-*`` variables with
VS Code and plain fallbacks), which each card carries inline so an output stays readable wherever
the notebook goes (JupyterLab light/dark, Notebook 7, VS Code, nbconvert HTML)::

    card("<h4>Checks</h4>" + table(["check", "rows"], [["not_null(id)", 1500]]))
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

_CSS_PATH = Path(__file__).with_name("static") / "dpn.css"


@lru_cache(maxsize=1)
def component_css() -> str:
    """The components' stylesheet, comments and indentation stripped (each card carries a copy)."""
    text = _CSS_PATH.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([{};,>])\s*", r"\1", text)
    return re.sub(r":\s+", ":", text).replace(";}", "}")


def __getattr__(name: str) -> Any:  # CARD_CSS kept for callers of the first round
    if name == "CARD_CSS":
        return component_css()
    raise AttributeError(name)


def esc(value: Any) -> str:
    """HTML-escape any value (``None`` → empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def badge(text: Any, kind: str = "", *, title: str | None = None) -> str:
    """A pill: ``kind`` is ``ok``, ``fail``, ``warn``, ``pii``, ``info`` or empty (a neutral tag)."""
    cls = f"dpn-badge dpn-{kind}" if kind else "dpn-badge"
    tip = f' title="{esc(title)}"' if title else ""
    return f'<span class="{cls}"{tip}>{esc(text)}</span>'


_STATUS_KIND = {"passed": "ok", "warning": "warn", "failed": "fail"}
_STATUS_WORD = {"passed": "passed", "warning": "warning", "failed": "FAILED"}


def check_status(row: Any) -> str:
    """``passed``, ``warning`` or ``failed`` for a check row (dict or object).

    Rows carry ``status`` (catalog schema); older rows only ``success`` and ``severity``: a failed
    check of severity ``warning``/``info`` is a warning, not a failure.
    """
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    status = get("status")
    if status in _STATUS_KIND:
        return status
    if get("success"):
        return "passed"
    return "failed" if (get("severity") or "error") == "error" else "warning"


def status_badge(status: str, text: str | None = None) -> str:
    """The pill of a check status: ``passed`` (green), ``warning`` (amber), ``failed`` (red)."""
    return badge(text or _STATUS_WORD.get(status, status), _STATUS_KIND.get(status, ""))


def time_html(value: Any, *, relative: bool = True) -> str:
    """A moment as ``<time>``: relative (``3 min ago``) or local, with the UTC value on hover."""
    from .format import local_text, parse_time, relative_time, utc_text

    t = parse_time(value)
    if t is None:
        return esc(value or "")
    shown = relative_time(t) if relative else local_text(t)
    return f'<time datetime="{esc(t.isoformat())}" title="{esc(utc_text(t))}">{esc(shown)}</time>'


_TAG = re.compile(r"<[^>]+>")


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment (for ``title`` tooltips of cells)."""
    return html.unescape(_TAG.sub("", fragment)).strip()


def cell_value(value: Any) -> str:
    """A data value as shown in a cell: integral floats without ``.0``, no scientific notation."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        if 1e-6 <= abs(value) < 1e15:
            return f"{value:.10f}".rstrip("0").rstrip(".") if abs(value) < 1e-3 else f"{value:.10g}"
        return f"{value:.6g}"
    return str(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return type(value).__name__ in ("Decimal", "int64", "float64", "int32", "float32")


def table(
    headers: Iterable[str],
    rows: Iterable[Iterable[Any]],
    *,
    raw: bool = False,
    numeric: Sequence[int] = (),
    wrap: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
    titles: bool = True,
) -> str:
    """An HTML table that scrolls sideways instead of overflowing.

    Cells are escaped unless ``raw`` (then the caller escaped them). Long values end in an ellipsis
    with the full value on hover; numbers are right-aligned (``numeric`` marks columns of
    pre-formatted numbers); ``wrap`` marks columns of prose that may wrap (descriptions);
    ``row_classes`` e.g. ``dpn-row-fail`` per row.
    """
    headers = list(headers)
    rows = [list(r) for r in rows]
    numeric_cols, wrap_cols = set(numeric), set(wrap)
    if not raw:  # a column of numbers (and blanks) is right-aligned, header included
        for i in range(len(headers)):
            values = [r[i] for r in rows if i < len(r) and r[i] is not None and r[i] != ""]
            if values and all(_is_number(v) for v in values):
                numeric_cols.add(i)

    def cls(i: int, value: Any = None) -> str:
        names = []
        if i in numeric_cols:
            names.append("dpn-num")
        if i in wrap_cols:
            names.append("dpn-wrap")
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, c in enumerate(row):
            shown = c if raw else esc(cell_value(c))
            text = plain_text(shown) if raw else cell_value(c)
            tip = f' title="{esc(text)}"' if titles and len(text) > 24 and i not in wrap_cols else ""
            cells.append(f"<td{cls(i, c)}{tip}>{shown}</td>")
        rc = row_classes[r] if row_classes and r < len(row_classes) and row_classes[r] else ""
        body.append((f'<tr class="{esc(rc)}">' if rc else "<tr>") + "".join(cells) + "</tr>")
    return f'<div class="dpn-scroll"><table class="dpn-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def card(inner: str, *, extra_class: str = "") -> str:
    """One output's frame: the components' stylesheet and ``inner`` in a themed card."""
    # tex2jax_ignore/mathjax_ignore: JupyterLab and nbconvert would typeset "$0.05 … $0.02" as LaTeX
    cls = f"dpn dpn-card tex2jax_ignore mathjax_ignore {extra_class}".strip()
    return f'<div class="{esc(cls)}"><style>{component_css()}</style>{inner}</div>'


def facts(items: Iterable[tuple[str, str]]) -> str:
    """A definition list of ``(label, html)`` pairs (labels escaped, values raw)."""
    return '<dl class="dpn-facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def text_table(headers: list[str], rows: list[list[Any]], *, max_width: int | None = None) -> str:
    """A plain-text table with aligned columns, for terminals (``max_width`` cuts long cells with …)."""

    def fit(c: Any) -> str:
        s = cell_value(c) if isinstance(c, float) else ("" if c is None else str(c))
        return s if max_width is None or len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[fit(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join([line, sep, *body])
