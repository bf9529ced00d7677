"""Widgets: the port browser (``browse``). Imported only when used: anywidget stays off the start-up path."""

from ..catalog.search import build_index, search_index
from .browser import BrowserState


def browse(catalog, *, role=None, api_key=None):
    """The port browser widget over a catalog directory or a Data Mesh Manager URL (static HTML where widgets cannot render)."""
    from .widget import PortBrowser

    return PortBrowser(catalog, role=role, api_key=api_key)


__all__ = ["BrowserState", "browse", "build_index", "search_index"]
