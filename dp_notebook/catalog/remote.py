"""The Data Mesh Manager–compatible REST API, as a client: read by the catalog, written by publish.

    PUT  {url}/api/datacontracts/{contract id}   one per output port (ODCS as JSON)
    PUT  {url}/api/dataproducts/{product id}     the product (DPS as JSON)
    POST {url}/api/test-results                  one TestResults document per contract
    GET  {url}/api/dataproducts[/{id}]           reads for the port browser (``CatalogError``); the listing page by page
    GET  {url}/api/datacontracts/{id}

The API key comes from ``DATAMESH_MANAGER_API_KEY`` (read by
``dp_notebook.settings`` and handed over as a ``Secret``) and is sent as the
``x-api-key`` header (required to publish, optional to read); it never
appears in reports, errors or logs: an answer is scrubbed of it (as sent,
URL-quoted, JSON-escaped or base64-encoded, alone or in ``user:key``) before
anything reads it, so no message, warning or listing built from it can carry
it. The URL is checked once, here (``dmm_url``): credentials, a query string
or a fragment in it are refused. Redirects are never followed (the key must
not travel to another origin): a 3xx answer is a failure. Ids in paths are URL-encoded.
Requests time out, and 5xx answers and connection errors are retried with
exponential backoff; 4xx answers are not retried. Built on the standard
library's ``urllib`` — a handful of JSON requests need no HTTP client dependency.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from ..errors import DataProductError, PublishError, RemoteCatalogError, SpecError
from ..settings import API_KEY_ENV


def segment(value: str) -> str:
    """An id as one URL path segment (``/`` and ``..`` cannot leave it)."""
    return urllib.parse.quote(str(value), safe="")


def dmm_url(url: str) -> str:
    """The base URL of a Data Mesh Manager, checked: ``SpecError`` for credentials, a query or a fragment.

    Every door (``--to``, ``--catalog``, ``publish_to``, ``browse``) reaches a server through a client
    made here. Credentials in a URL would be sent as part of the host name and printed in errors; a
    query string would come before the API paths appended to it. Neither is echoed.

    >>> dmm_url("https://dmm.example.com/")
    'https://dmm.example.com'
    >>> dmm_url("https://me:s3cret@dmm.example.com")
    Traceback (most recent call last):
    dp_notebook.errors.SpecError: Data Mesh Manager URL https://me:***@dmm.example.com: credentials in the URL are not supported; give the key in DATAMESH_MANAGER_API_KEY
    """
    text = str(url).strip()
    parts = urllib.parse.urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        masked = f"{user.partition(':')[0]}:***@{host}" if ":" in user else f"***@{host}"
        shown = urllib.parse.urlunsplit((parts.scheme, masked, parts.path, "", ""))
        raise SpecError(f"Data Mesh Manager URL {shown}: credentials in the URL are not supported; give the key in {API_KEY_ENV}")
    shown = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SpecError(f"Data Mesh Manager URL {shown!r}: expected http(s)://HOST[:PORT][/PATH]")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise SpecError(
            f"Data Mesh Manager URL {shown}?***: a query string or fragment is not supported (the API paths are appended "
            f"to the URL); give the base URL only, and the key in {API_KEY_ENV}"
        )
    return shown.rstrip("/")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib API
        return None  # urllib then raises HTTPError for the 3xx: the key never follows a redirect


_OPENER = urllib.request.build_opener(_NoRedirects)
_MAX_PAGES = 100_000


class DataMeshManagerClient:
    """A Data Mesh Manager (or Entropy Data) API client; ``api_key`` a ``settings.Secret`` or text."""

    def __init__(self, url: str, *, api_key: Any = None, timeout: float = 10.0, retries: int = 3, backoff: float = 0.5) -> None:
        self.url = dmm_url(url)
        self._api_key = api_key.reveal() if hasattr(api_key, "reveal") else (api_key or None)
        self._scrubber = _Scrubber(self._api_key)
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
        return self._request("GET", path, None, RemoteCatalogError)[1]

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
                raise RemoteCatalogError(f"GET {self.url}{path}: expected a list of data products, got {_short(json.dumps(data, ensure_ascii=False))}")
            if isinstance(data, dict) and isinstance(data.get("totalElements"), int):
                self.total = data["totalElements"]
            path = self._next_page(data) if isinstance(data, dict) and page else None
            yield page
            if path is None:
                return
        raise RemoteCatalogError(f"GET {self.url}/api/dataproducts: more than {_MAX_PAGES} pages; is the server paging in a circle?")

    def _next_page(self, page: dict[str, Any]) -> str | None:
        links = page.get("links")
        link = page.get("next") or (links.get("next") if isinstance(links, dict) else None)
        if isinstance(link, str) and link:
            if link.startswith(self.url + "/"):
                return link[len(self.url):]
            if link.startswith("/"):
                return link
            raise RemoteCatalogError(f"GET {self.url}/api/dataproducts: the next page is on another server ({_short(link)}); not followed (the API key stays here)")
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
                    # scrubbed on arrival: every message, warning and listing built from it is free of the key
                    return resp.status, self._scrubber.json(_parse_json(resp.read(), resp.headers.get("content-type", ""), url, error, self._scrub)), attempt
            except urllib.error.HTTPError as exc:
                if 300 <= exc.code < 400:
                    where = exc.headers.get("location", "elsewhere") if exc.headers else "elsewhere"
                    raise error(self._scrub(f"{method} {url}: {exc.code} redirect to {where} refused (the API key is not sent to other addresses); use the final URL")) from None
                if exc.code in (401, 403):
                    raise error(self._scrub(f"{method} {url}: {exc.code} authentication failed: {'check' if self._api_key else 'set'} {API_KEY_ENV}")) from None
                if exc.code < 500:
                    detail = _short(self._scrub(exc.read().decode("utf-8", "replace")))
                    raise error(self._scrub(f"{method} {url}: {exc.code} {exc.reason}{': ' + detail if detail else ''}")) from None
                last = f"{exc.code} {exc.reason}"
            except (urllib.error.URLError, http.client.HTTPException, socket.timeout, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last = "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in str(reason) else f"cannot connect ({reason})"
            if attempt < self.retries:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
        raise error(self._scrub(f"{method} {url}: {last} after {self.retries} attempts"))

    def _scrub(self, text: str) -> str:
        """Text from an answer, with the API key cut out (a server may echo it back)."""
        return self._scrubber.text(text)


class _Scrubber:
    """Cuts a secret out of text and parsed JSON: as is, URL-quoted, JSON-escaped, and inside any
    base64 token that decodes to bytes containing it (``key`` or ``user:key`` of a basic auth header)."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        if not secret:
            return
        raw = secret.encode("utf-8")
        forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), json.dumps(secret)[1:-1]}
        for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
            forms |= {encoded, encoded.rstrip("=")}
        self.forms = sorted((f for f in forms if f), key=len, reverse=True)
        self.raw = raw
        # a base64 token decodes to 3 bytes per 4 characters: shorter ones cannot hold the key, and
        # are not decoded (ids and names of a 10,000-product listing are mostly such tokens)
        self.tokens = re.compile(r"[A-Za-z0-9+/_-]{%d,}={0,2}" % max(8, 4 * len(raw) // 3))

    def text(self, text: str) -> str:
        if not self.secret or not isinstance(text, str):
            return text
        for form in self.forms:
            text = text.replace(form, "***")
        return self.tokens.sub(self._token, text)

    def _token(self, match: re.Match) -> str:
        token = match.group()
        padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
        for altchars in (b"+/", b"-_"):
            try:
                if self.raw in base64.b64decode(padded, altchars=altchars):
                    return "***"
            except (binascii.Error, ValueError):
                continue
        return token

    def json(self, value: Any) -> Any:
        if not self.secret:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self.json(v) for k, v in value.items()}
        return value


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
