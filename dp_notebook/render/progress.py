"""Progress of long work (a build: staging → contract → checks → swap → publish) in a notebook::

    p = Progress("orders_v1", enabled=True)
    p.stage("staging")
    p.stage("checks", rows=1500, elapsed=2.1)
    p.done("orders_v1: 1,500 rows in 2.3 s", success=True)

In a Jupyter kernel it is one display, updated in place (no widget: it is saved with the notebook
and renders in nbconvert HTML and in both themes), showing the stages, rows and elapsed time; when
done it collapses to one line. Disabled (``enabled=False``, as under ``dp-notebook run`` and CI) or
outside a kernel it does nothing.
"""

from __future__ import annotations

import time
from typing import Any

from . import format as fmt
from .html import component_css, esc

STAGES = ("staging", "contract", "checks", "swap", "publish")
_MIN_INTERVAL = 0.2  # seconds between redraws of the same stage


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


class Progress:
    """A build's progress as a small themed line in the output (see the module docstring)."""

    def __init__(self, title: str, enabled: bool = True, *, stages: tuple[str, ...] = STAGES) -> None:
        self.title = title
        self.enabled = bool(enabled) and _in_kernel()
        self.stages = list(stages)
        self.current: str | None = None
        self.info: dict[str, Any] = {}
        self.started = time.monotonic()
        self.finished: tuple[str, bool] | None = None
        self._handle = None
        self._last_draw = 0.0

    # -- what the build calls ------------------------------------------------------------------
    def stage(self, name: str, **info: Any) -> None:
        """Enter stage ``name`` (``info`` may carry ``rows`` and ``elapsed`` seconds)."""
        changed = name != self.current
        if name not in self.stages:
            self.stages.append(name)
        self.current = name
        self.info.update({k: v for k, v in info.items() if v is not None})
        if self.enabled and (changed or time.monotonic() - self._last_draw >= _MIN_INTERVAL):
            self._draw()

    def done(self, summary_text: str, success: bool) -> None:
        """Collapse to one line: ``summary_text`` with a passed/failed mark."""
        self.finished = (summary_text, bool(success))
        if self.enabled:
            self._draw()

    # -- what it shows ---------------------------------------------------------------------------
    def elapsed(self) -> float:
        return float(self.info.get("elapsed") or (time.monotonic() - self.started))

    def text(self) -> str:
        """One line for terminals and ``text/plain``."""
        if self.finished:
            summary, ok = self.finished
            return f"{'✓' if ok else '✗'} {summary}"
        parts = [f"{self.title}: {self.current or 'starting'}"]
        if self.info.get("rows") is not None:
            parts.append(fmt.count(self.info["rows"], "row"))
        parts.append(fmt.duration(self.elapsed()))
        return " · ".join(parts)

    def html(self) -> str:
        style = f"<style>{component_css()}</style>"
        if self.finished:
            summary, ok = self.finished
            pill = f'<span class="dpn-badge dpn-{"ok" if ok else "fail"}">{"done" if ok else "failed"}</span>'
            return f'<div class="dpn dpn-progress dpn-progress-done tex2jax_ignore mathjax_ignore" role="status">{style}{pill}<span>{esc(summary)}</span></div>'
        pills = []
        reached = self.stages.index(self.current) if self.current in self.stages else -1
        for i, name in enumerate(self.stages):
            cls = "dpn-now" if i == reached else ("dpn-done" if i < reached else "")
            mark = "✓ " if i < reached else ""
            pills.append(f'<span class="dpn-stage {cls}">{esc(mark + name)}</span>')
        facts = []
        if self.info.get("rows") is not None:
            facts.append(esc(fmt.count(self.info["rows"], "row")))
        facts.append(esc(fmt.duration(self.elapsed())))
        return (
            f'<div class="dpn dpn-progress tex2jax_ignore mathjax_ignore" role="status" aria-live="polite">{style}<b>{esc(self.title)}</b>'
            f'<span class="dpn-stages">{"".join(pills)}</span><span class="dpn-muted">{" · ".join(facts)}</span></div>'
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text(), "text/html": self.html()}

    def _draw(self) -> None:
        from IPython.display import display

        self._last_draw = time.monotonic()
        if self._handle is None:
            self._handle = display(self, display_id=True)
        else:
            self._handle.update(self)
