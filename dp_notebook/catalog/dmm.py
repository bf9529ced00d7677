"""A Data Mesh Manager read like a catalog directory: the listing (followed page by page), contracts on demand.

    >>> DataMeshManagerCatalog(DataMeshManagerClient("https://dmm.example.com")).products()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from ..errors import CatalogError, PortNotFound
from .remote import DataMeshManagerClient

PII_CLASSIFICATIONS = ("restricted", "confidential", "pii")  # ODCS classifications read as PII from a DMM contract


def dmm_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """A DPS 0.0.1 document from Data Mesh Manager → the listing entry a catalog's ``summary.json`` holds.

    ``columns`` is ``None`` until the port's data contract is fetched (see ``DataMeshManagerCatalog.port``).

    >>> dmm_summary({"id": "p", "info": {"title": "P", "owner": "t"}, "outputPorts": [{"id": "o", "dataContractId": "c"}]})["outputPorts"][0]["contractId"]
    'c'
    """
    from ..spec.dps import from_dps  # lazily: the spec package loads pydantic, local catalogs never need it

    from ..names import is_valid_id

    p, _ = from_dps(doc)  # the one DPS reader: also takes the earlier name/teamId form
    if not p.get("id"):
        raise CatalogError(f"a data product from Data Mesh Manager has no id: {json.dumps(doc, default=str)[:120]}")
    if not is_valid_id(p["id"]):
        raise CatalogError(f"a data product from Data Mesh Manager has the id {str(p['id'])[:60]!r}, which is not a valid id")
    ports = []
    outputs = p.get("outputPorts") or []
    if not isinstance(outputs, list):
        raise CatalogError(f"data product {p['id']!r} from Data Mesh Manager: outputPorts is not a list")
    for port in outputs:
        if not isinstance(port, dict) or not port.get("id"):
            raise CatalogError(f"data product {p['id']!r} from Data Mesh Manager has an output port without an id")
        if not is_valid_id(port["id"]):
            raise CatalogError(f"data product {p['id']!r} from Data Mesh Manager has the port id {str(port['id'])[:60]!r}, which is not a valid id")
        ports.append(
            {
                "id": port["id"],
                "name": port.get("name") or port["id"],
                "description": port.get("description"),
                "type": port.get("type"),
                "location": port.get("location"),
                "containsPii": bool(port.get("containsPii")),
                "rolesAllowed": _texts(port.get("rolesAllowed"), f"{p['id']}.{port['id']}.rolesAllowed"),  # never a string split into letters
                "contractId": port.get("dataContractId"),
                "tags": _texts(port.get("tags"), f"{p['id']}.{port['id']}.tags"),
                "columns": None,
            }
        )
    keys = ("title", "owner", "domain", "description", "status", "archetype", "maturity")
    return {"id": p["id"], **{k: p.get(k) for k in keys}, "tags": _texts(p.get("tags"), f"{p['id']}.tags"), "docs": None, "outputPorts": ports}


def _texts(value: Any, where: str) -> list[str]:
    """A list of strings from an API answer, or ``CatalogError``: a string is not a list of its letters."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"Data Mesh Manager answered {where} = {json.dumps(value, default=str)[:80]}: expected a list of strings")
    return list(value)


def odcs_columns(contract: dict[str, Any]) -> list[dict[str, Any]]:
    """The columns of an ODCS v3 contract (its first schema object) in the summary's column shape.

    >>> odcs_columns({"schema": [{"properties": [{"name": "email", "logicalType": "string", "classification": "restricted"}]}]})[0]["pii"]
    True
    """
    schema = contract.get("schema") if isinstance(contract, dict) else None
    props = (schema[0].get("properties") if schema and isinstance(schema[0], dict) else None) or []
    return [
        {
            "name": prop.get("name"),
            "type": prop.get("logicalType") or prop.get("physicalType"),
            "physicalType": prop.get("physicalType"),
            "description": prop.get("description"),
            "required": bool(prop.get("required")),
            "unique": bool(prop.get("unique")),
            "classification": prop.get("classification"),
            "pii": str(prop.get("classification") or "").lower() in PII_CLASSIFICATIONS
            or any(c.get("property") == "pii" and c.get("value") in (True, "true") for c in prop.get("customProperties") or [] if isinstance(c, dict)),
        }
        for prop in props
    ]


class DataMeshManagerCatalog:
    """A Data Mesh Manager read like a catalog directory: ``root``, ``products()``, ``port()``.

    Products come from the listing (one request per page of it); a port's columns from its data
    contract, fetched when the port is opened. With ``background=True`` the first page is read
    and indexed before the constructor returns and the other pages load in a thread (a browser's
    first view of a company's mesh need not wait for all of it): ``loading`` says whether they
    still are, ``wait()`` waits for them (and raises what stopped them), ``on_loaded`` is called
    when they are in. ``products()``, ``summary()`` and ``port()`` wait when they must.

    >>> DataMeshManagerCatalog(DataMeshManagerClient("https://dmm.example.com")).products()  # doctest: +SKIP
    """

    def __init__(self, client: DataMeshManagerClient, *, background: bool = False) -> None:
        import threading

        from .search import PortIndex

        self.client = client
        self.root = client.url
        self._summaries: dict[str, dict[str, Any]] = {}
        self._index = PortIndex.in_memory()
        self._problems: list[str] = []  # products left out of pages read in the background, warned in wait()
        self._failure: BaseException | None = None
        self._done = threading.Event()
        self._callbacks: list[Any] = []
        pages = client.pages()
        self._add(next(pages, []), warn=True)  # what stops the first page (unreachable, not a listing) raises here
        if background:
            threading.Thread(target=self._load, args=(pages,), name="dp-notebook DMM listing", daemon=True).start()
        else:
            self._load(pages, warn=True)
            self.wait()

    # -- loading ---------------------------------------------------------------------------------
    def _add(self, docs: list[dict[str, Any]], *, warn: bool) -> None:
        import warnings

        summaries = []
        for doc in docs:
            try:
                summaries.append(dmm_summary(doc))
            except CatalogError as exc:  # as in a catalog folder: one malformed product does not hide the others
                if warn:
                    warnings.warn(f"{self.client.url}: a product left out: {exc}", stacklevel=4)
                else:
                    self._problems.append(f"{self.client.url}: a product left out: {exc}")
        self._index.put_many(summaries)
        for summary in summaries:
            self._summaries[summary["id"]] = summary

    def _load(self, pages: Any, *, warn: bool = False) -> None:
        try:
            for docs in pages:
                self._add(docs, warn=warn)
        except BaseException as exc:  # noqa: BLE001 - kept and raised by wait(), shown by the browser
            self._failure = exc
            if warn:
                raise
        finally:
            self._done.set()
            for callback in list(self._callbacks):
                callback(self)

    @property
    def loading(self) -> bool:
        """The listing's later pages are still being read."""
        return not self._done.is_set()

    @property
    def announced(self) -> int | None:
        """How many products the server said it lists (None if it did not say)."""
        return getattr(self.client, "total", None)

    def on_loaded(self, callback: Any) -> None:
        """Call ``callback(catalog)`` once the listing is in (now, if it is)."""
        self._callbacks.append(callback)
        if not self.loading:
            callback(self)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the whole listing; raises what stopped it (``CatalogError``), warns of products left out."""
        import warnings

        self._done.wait(timeout)
        for problem in self._problems:
            warnings.warn(problem, stacklevel=2)
        self._problems.clear()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    # -- reading -----------------------------------------------------------------------------------
    def products(self) -> list[dict[str, Any]]:
        self.wait()
        return [self._summaries[k] for k in sorted(self._summaries)]

    def _summary(self, product_id: str) -> dict[str, Any]:
        if product_id not in self._summaries:
            self.wait()  # perhaps on a page still loading
        if product_id not in self._summaries:
            raise PortNotFound(f"no product {product_id!r} in Data Mesh Manager {self.root} (products: {', '.join(sorted(self._summaries)) or 'none'})")
        return self._summaries[product_id]

    def summary(self, product_id: str) -> dict[str, Any]:
        return self._summary(product_id)

    def index(self) -> Any:
        """The listing as a searchable port index (in memory; while ``loading``, the pages read so far)."""
        return self._index

    def port(self, product_id: str, port_id: str) -> dict[str, Any]:
        """One port's summary entry, with its columns from the data contract; ``PortNotFound`` lists what there is."""
        summary = self._summary(product_id)
        port = next((p for p in summary["outputPorts"] if p["id"] == port_id), None)
        if port is None:
            raise PortNotFound(f"product {product_id!r} has no output port {port_id!r} (ports: {', '.join(p['id'] for p in summary['outputPorts']) or 'none'})")
        if port["columns"] is None:
            port["columns"] = odcs_columns(self.client.get_contract(port["contractId"])) if port["contractId"] else []
        return port

    def product_url(self, product_id: str) -> str:
        return f"{self.root}/dataproducts/{urllib.parse.quote(product_id, safe='')}"

    def check_status(self, product_id: str) -> dict[str, Any]:
        return {}  # unknown: DMM keeps test results, but the listing does not carry them
