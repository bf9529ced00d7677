"""Publishing to a Data Mesh Manager–compatible REST API.

    PUT  {url}/api/datacontracts/{contract id}   one per output port (ODCS as JSON)
    PUT  {url}/api/dataproducts/{product id}     the product (DPS as JSON)
    POST {url}/api/test-results                  the latest check results, once per run id

The API key comes from ``DATAMESH_MANAGER_API_KEY`` and is sent as the
``x-api-key`` header; it never appears in reports, errors or logs. Requests
time out, and 5xx answers and connection errors are retried with
exponential backoff; 4xx answers are not retried. Built on the standard
library's ``urllib`` — three JSON requests need no HTTP client dependency.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from ..errors import PublishError

API_KEY_ENV = "DATAMESH_MANAGER_API_KEY"


@dataclass
class Request:
    method: str
    path: str
    body: dict[str, Any]


def plan_requests(product_doc: dict[str, Any], contracts: dict[str, dict[str, Any]], test_results: dict[str, Any] | None) -> list[Request]:
    """The requests of one publish, in order: contracts, product, test results."""
    out = [Request("PUT", f"/api/datacontracts/{cid}", doc) for cid, doc in contracts.items()]
    out.append(Request("PUT", f"/api/dataproducts/{product_doc['id']}", product_doc))
    if test_results:
        out.append(Request("POST", "/api/test-results", test_results))
    return out


class DataMeshManagerClient:
    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 10.0, retries: int = 3, backoff: float = 0.5) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff

    def __repr__(self) -> str:  # never show the key
        return f"<DataMeshManagerClient {self.url} key={'set' if self._api_key else 'missing'}>"

    def send(self, req: Request) -> dict[str, Any]:
        """Send one request; returns ``{method, url, status, attempts}``; ``PublishError`` on failure."""
        if not self._api_key:
            raise PublishError(f"no API key: set the environment variable {API_KEY_ENV} to publish to {self.url}")
        url = self.url + req.path
        data = json.dumps(req.body, default=str).encode("utf-8")
        last: str = ""
        for attempt in range(1, self.retries + 1):
            request = urllib.request.Request(url, data=data, method=req.method, headers={"content-type": "application/json", "accept": "application/json", "x-api-key": self._api_key})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                    body = resp.read()
                    _check_json(body, resp.headers.get("content-type", ""), url)
                    return {"method": req.method, "url": url, "status": resp.status, "attempts": attempt}
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise PublishError(f"{req.method} {url}: {exc.code} authentication failed: check {API_KEY_ENV}") from None
                if exc.code < 500:
                    detail = _short(exc.read())
                    raise PublishError(f"{req.method} {url}: {exc.code} {exc.reason}{': ' + detail if detail else ''}") from None
                last = f"{exc.code} {exc.reason}"
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last = "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in str(reason) else f"cannot connect ({reason})"
            if attempt < self.retries:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
        raise PublishError(f"{req.method} {url}: {last} after {self.retries} attempts")


def _check_json(body: bytes, content_type: str, url: str) -> None:
    if not body.strip():
        return
    try:
        json.loads(body)
    except ValueError:
        raise PublishError(f"{url} answered with something that is not JSON ({content_type or 'no content type'}): {_short(body)}") from None


def _short(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
