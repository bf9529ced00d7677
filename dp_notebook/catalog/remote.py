"""The Data Mesh Manager–compatible REST API, as a client: read by the catalog, written by publish.

    PUT  {url}/api/datacontracts/{contract id}   one per output port (ODCS as JSON)
    PUT  {url}/api/dataproducts/{product id}     the product (DPS as JSON)
    POST {url}/api/test-results                  one TestResults document per contract
    GET  {url}/api/dataproducts[/{id}]           reads for the port browser (``CatalogError``); the listing page by page
    GET  {url}/api/datacontracts/{id}

The API key comes from ``DATAMESH_MANAGER_API_KEY`` (read by
``dp_notebook.settings`` and handed over as a ``Secret``) and is sent as the
``x-api-key`` header (required to publish, optional to read); it never
appears in reports, errors or logs, and text taken from an answer is
scrubbed of it. Redirects are never followed (the key must not travel to
another origin): a 3xx answer is a failure. Ids in paths are URL-encoded.
Requests time out, and 5xx answers and connection errors are retried with
exponential backoff; 4xx answers are not retried. Built on the standard
library's ``urllib`` — a handful of JSON requests need no HTTP client dependency.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from ..errors import CatalogError, DataProductError, PublishError
from ..settings import API_KEY_ENV


def segment(value: str) -> str:
    """An id as one URL path segment (``/`` and ``..`` cannot leave it)."""
    return urllib.parse.quote(str(value), safe="")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib API
        return None  # urllib then raises HTTPError for the 3xx: the key never follows a redirect


_OPENER = urllib.request.build_opener(_NoRedirects)
_MAX_PAGES = 100_000


class DataMeshManagerClient:
    """A Data Mesh Manager (or Entropy Data) API client; ``api_key`` a ``settings.Secret`` or text."""

    def __init__(self, url: str, *, api_key: Any = None, timeout: float = 10.0, retries: int = 3, backoff: float = 0.5) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key.reveal() if hasattr(api_key, "reveal") else (api_key or None)
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff

    def __repr__(self) -> str:  # never show the key
        return f"<DataMeshManagerClient {self.url} key={'set' if self._api_key else 'missing'}>"

    def send(self, req: Any) -> dict[str, Any]:
        """Send one request; returns ``{method, url, status, attempts}``; ``PublishError`` on failure."""
        if not self._api_key:
            raise PublishError(f"no API key: set the environment variable {API_KEY_ENV} to publish to {self.url}")
        data = json.dumps(req.body, default=str).encode("utf-8")
        status, _, attempts = self._request(req.method, req.path, data, PublishError)
        return {"method": req.method, "url": self.url + req.path, "status": status, "attempts": attempts}

    def get(self, path: str) -> Any:
        """The JSON answer to ``GET {url}{path}``; ``CatalogError`` on failure.

        >>> DataMeshManagerClient("https://dmm.example.com").get("/api/dataproducts")  # doctest: +SKIP
        [{'id': 'shelf_warmers', 'info': {...}, 'outputPorts': [...]}]
        """
        return self._request("GET", path, None, CatalogError)[1]

    def list_products(self) -> list[dict[str, Any]]:
        """Every data product (DPS documents). The answer may be a list, or a page
        ``{"content"|"items": [...]}`` whose next pages are followed: a ``next`` link on this
        server, or Spring-style ``number``/``totalPages``/``last`` (next page ``?p=<number + 1>``)."""
        return [doc for page in self.pages() for doc in page]

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """The listing one page at a time (see ``list_products``): a browser shows the first page
        while the others load. ``total`` is the number of products the server announced, if it did."""
        path: str | None = "/api/dataproducts"
        self.total: int | None = None
        for _ in range(_MAX_PAGES):
            data = self.get(path)
            page = data if isinstance(data, list) else next((data[k] for k in ("content", "items") if k in data), None) if isinstance(data, dict) else None
            if not isinstance(page, list) or not all(isinstance(p, dict) for p in page):
                raise CatalogError(f"GET {self.url}{path}: expected a list of data products, got {_short(json.dumps(data).encode())}")
            if isinstance(data, dict) and isinstance(data.get("totalElements"), int):
                self.total = data["totalElements"]
            path = self._next_page(data) if isinstance(data, dict) and page else None
            yield page
            if path is None:
                return
        raise CatalogError(f"GET {self.url}/api/dataproducts: more than {_MAX_PAGES} pages; is the server paging in a circle?")

    def _next_page(self, page: dict[str, Any]) -> str | None:
        links = page.get("links")
        link = page.get("next") or (links.get("next") if isinstance(links, dict) else None)
        if isinstance(link, str) and link:
            if link.startswith(self.url + "/"):
                return link[len(self.url):]
            if link.startswith("/"):
                return link
            raise CatalogError(f"GET {self.url}/api/dataproducts: the next page is on another server ({_short(link)}); not followed (the API key stays here)")
        number, total, size = page.get("number"), page.get("totalPages"), page.get("size")
        more = page.get("last") is False or (isinstance(number, int) and isinstance(total, int) and number + 1 < total)
        if not more or not isinstance(number, int):
            return None
        return f"/api/dataproducts?p={number + 1}" + (f"&size={size}" if isinstance(size, int) else "")

    def get_product(self, product_id: str) -> dict[str, Any]:
        """One data product's DPS document."""
        return self.get(f"/api/dataproducts/{segment(product_id)}")

    def get_contract(self, contract_id: str) -> dict[str, Any]:
        """One ODCS data contract."""
        return self.get(f"/api/datacontracts/{segment(contract_id)}")

    def _request(self, method: str, path: str, data: bytes | None, error: type[DataProductError]) -> tuple[int, Any, int]:
        """``(status, parsed JSON or None, attempts)``; failures raise ``error`` naming the URL, never the key."""
        url = self.url + path
        headers = {"accept": "application/json"}
        if data is not None:
            headers["content-type"] = "application/json"
        if self._api_key:
            headers["x-api-key"] = self._api_key
        last: str = ""
        for attempt in range(1, self.retries + 1):
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with _OPENER.open(request, timeout=self.timeout) as resp:
                    return resp.status, _parse_json(resp.read(), resp.headers.get("content-type", ""), url, error, self._scrub), attempt
            except urllib.error.HTTPError as exc:
                if 300 <= exc.code < 400:
                    where = exc.headers.get("location", "elsewhere") if exc.headers else "elsewhere"
                    raise error(f"{method} {url}: {exc.code} redirect to {self._scrub(where)} refused (the API key is not sent to other addresses); use the final URL") from None
                if exc.code in (401, 403):
                    raise error(f"{method} {url}: {exc.code} authentication failed: {'check' if self._api_key else 'set'} {API_KEY_ENV}") from None
                if exc.code < 500:
                    detail = _short(self._scrub(exc.read().decode("utf-8", "replace")))
                    raise error(f"{method} {url}: {exc.code} {exc.reason}{': ' + detail if detail else ''}") from None
                last = f"{exc.code} {exc.reason}"
            except (urllib.error.URLError, http.client.HTTPException, socket.timeout, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last = "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in str(reason) else f"cannot connect ({reason})"
            if attempt < self.retries:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
        raise error(f"{method} {url}: {last} after {self.retries} attempts")

    def _scrub(self, text: str) -> str:
        """Text from an answer, with the API key cut out (a server may echo it back)."""
        return text.replace(self._api_key, "***") if self._api_key else text


def _parse_json(body: bytes, content_type: str, url: str, error: type[DataProductError], scrub: Any = str) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        raise error(f"{url} answered with something that is not JSON ({content_type or 'no content type'}): {_short(scrub(body.decode('utf-8', 'replace')))}") from None


def _short(body: bytes | str, limit: int = 160) -> str:
    text = (body.decode("utf-8", "replace") if isinstance(body, bytes) else body).strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
