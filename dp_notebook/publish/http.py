"""Publishing to a Data Mesh Manager–compatible REST API: the requests of one publish, in order.

The client itself lives with the catalog (``dp_notebook.catalog.remote``), which also reads
from the API; publishing and reading share its key handling, retries and redirect refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog.remote import DataMeshManagerClient, segment

__all__ = ["DataMeshManagerClient", "Request", "plan_requests", "segment"]


@dataclass
class Request:
    method: str
    path: str
    body: dict[str, Any]


def plan_requests(product_doc: dict[str, Any], contracts: dict[str, dict[str, Any]], test_results: list[dict[str, Any]] | dict[str, Any] | None) -> list[Request]:
    """The requests of one publish, in order: contracts, product, test results (one document per contract)."""
    out = [Request("PUT", f"/api/datacontracts/{segment(cid)}", doc) for cid, doc in contracts.items()]
    out.append(Request("PUT", f"/api/dataproducts/{segment(product_doc['id'])}", product_doc))
    docs = test_results if isinstance(test_results, list) else ([test_results] if test_results else [])
    out += [Request("POST", "/api/test-results", doc) for doc in docs]
    return out
