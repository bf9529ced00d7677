"""Widgets: the port browser (``browse``). Imported only when used: anywidget stays off the start-up path."""

from .browser import BrowserState, build_index, search_index


def browse(catalog_dir, *, role=None):
    """The port browser widget over a catalog directory (static HTML where widgets cannot render)."""
    from .widget import PortBrowser

    return PortBrowser(catalog_dir, role=role)


__all__ = ["BrowserState", "browse", "build_index", "search_index"]
