"""The anywidget front end of the port browser: Python state, one ES module (``browser.js``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..errors import DataProductError
from .browser import MAX_LISTED, BrowserState
from .results import widget_css
from .static import static_html, static_text


class PortBrowser(anywidget.AnyWidget):
    _esm = Path(__file__).with_name("browser.js")
    _css = widget_css()

    query = traitlets.Unicode("").tag(sync=True)
    filters = traitlets.Dict().tag(sync=True)
    facets = traitlets.Dict().tag(sync=True)
    rows = traitlets.List().tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    detail = traitlets.Dict().tag(sync=True)
    preview_data = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    loading = traitlets.Unicode("").tag(sync=True)  # what is still arriving, in words ("" when all is in)

    def __init__(self, catalog_dir: str | Path, *, role: str | None = None, api_key: Any = None, **kwargs: Any) -> None:
        # a Data Mesh Manager's first page shows at once; the rest of its listing arrives in the background
        self.state = BrowserState(catalog_dir, role=role, api_key=api_key, background=True)
        super().__init__(facets=self.state.facets(), **kwargs)
        self._refresh()
        if self.state.loading:
            announced = getattr(self.state.catalog, "announced", None)
            self.loading = f"loading the rest of {announced:,} products…" if announced else "loading more products…"
        if hasattr(self.state.catalog, "on_loaded"):
            # also when the rest came in (or failed) before this line: then it is called at once
            self.state.catalog.on_loaded(self._loaded)

    def _loaded(self, catalog: Any) -> None:
        """The whole listing is in (called from the loading thread): counts, facets and rows of all of it."""
        try:
            catalog.wait()
        except DataProductError as exc:
            self.error = f"the listing is incomplete: {exc}"
        self.facets = self.state.facets()
        self._refresh()
        self.loading = ""

    @traitlets.observe("query", "filters")
    def _on_query(self, change: Any) -> None:
        self.state.query = self.query
        self.state.filters = dict(self.filters)
        self._refresh()

    @traitlets.observe("selected")
    def _on_select(self, change: Any) -> None:
        if not self.selected:
            self.detail, self.preview_data = {}, {}
            return
        try:
            self.detail = self.state.select(self.selected)
            self.error = ""
        except DataProductError as exc:
            self.error = str(exc)
            self.preview_data = {}
            return
        try:
            self.preview_data = self.state.preview()
        except DataProductError as exc:  # e.g. Data Mesh Manager serves no data: the schema still shows
            self.preview_data = {"note": str(exc)}

    def _refresh(self) -> None:
        found = self.state.results(limit=MAX_LISTED)
        self.total = self.state.count()
        self.rows = [{k: v for k, v in e.items() if k != "_text"} for e in found]

    # Python-side actions, also what the buttons do
    def search(self, text: str) -> list[dict[str, Any]]:
        self.query = text
        return self.rows

    def select(self, key: str) -> dict[str, Any]:
        self.selected = key
        if self.error:
            raise DataProductError(self.error)
        return self.detail

    def use_snippet(self) -> str:
        return self.state.use_snippet()

    def insert_snippet(self) -> str:
        """Put the ``use`` cell below the current one (works when called from a cell)."""
        from IPython import get_ipython

        snippet = self.state.use_snippet()
        ip = get_ipython()
        if ip is not None:
            ip.set_next_input(snippet, replace=False)
        return snippet

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        # where no widget front end runs (nbconvert HTML, terminals) the same information stays readable
        data = dict(data)
        data["text/plain"] = static_text(self.state)
        data["text/html"] = static_html(self.state)
        return (data, meta) if isinstance(bundle, tuple) else data
