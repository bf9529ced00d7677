"""The port browser over a Data Mesh Manager REST API, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler

import pytest

from dp_notebook.errors import CatalogError, PortNotFound
from dp_notebook.publish.http import DataMeshManagerClient
from dp_notebook.widgets import BrowserState

from ._http import serve, url

PRODUCTS = {
    "customers": {
        "dataProductSpecification": "0.0.1",
        "id": "customers",
        "info": {"title": "Customers", "owner": "crm", "domain": "sales", "status": "active", "archetype": "source-aligned", "description": "Everyone who bought."},
        "outputPorts": [
            {"id": "people_v1", "name": "people", "description": "Customers with contact data.", "type": "SQL", "location": "crm.people_v1",
             "containsPii": True, "tags": ["gdpr"], "rolesAllowed": ["hr"], "dataContractId": "customers-people_v1"},
        ],
        "tags": ["people"],
    },
    "orders": {
        "dataProductSpecification": "0.0.1",
        "id": "orders",
        "info": {"title": "Orders", "owner": "fulfilment", "domain": "logistics", "status": "active", "archetype": "consumer-aligned", "description": "Orders shipped."},
        "outputPorts": [
            {"id": "orders_v1", "description": "One row per order.", "location": "s3://lake/orders", "containsPii": False, "dataContractId": "orders-orders_v1"},
            {"id": "returns_v1", "description": "Returned orders.", "dataContractId": "gone"},
        ],
        "tags": ["sales"],
    },
    # the earlier DPS form: top-level name/teamId, no contract
    "stock": {"id": "stock", "name": "Stock levels", "teamId": "warehouse", "outputPorts": [{"id": "levels_v1", "description": "Units on hand."}]},
}

CONTRACTS = {
    "customers-people_v1": {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "customers-people_v1",
        "schema": [
            {
                "name": "people_v1",
                "properties": [
                    {"name": "id", "logicalType": "integer", "physicalType": "BIGINT", "required": True, "classification": "internal"},
                    {"name": "email", "logicalType": "string", "classification": "restricted", "description": "Contact."},
                    {"name": "phone", "physicalType": "VARCHAR", "customProperties": [{"property": "pii", "value": True}]},
                    {"name": "city", "logicalType": "string", "classification": "public"},
                ],
            }
        ],
    },
    "orders-orders_v1": {"id": "orders-orders_v1", "schema": [{"name": "orders_v1", "properties": [{"name": "order_id", "logicalType": "string", "required": True}]}]},
}


class FakeDMM(BaseHTTPRequestHandler):
    """Serves the DMM read API; records requests, checks the key when one is set, fails on demand."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("x-api-key")))
        if srv.key is not None and self.headers.get("x-api-key") != srv.key:
            return self._reply(401, {"error": "unauthorized"})
        if srv.fail_5xx > 0:
            srv.fail_5xx -= 1
            return self._reply(503, {"error": "busy"})
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if parts == ["api", "dataproducts"]:
            listing = sorted(PRODUCTS.values(), key=lambda p: p.get("id", ""), reverse=True)
            if srv.page_size:  # Spring-style pages; later pages wait for srv.hold and may fail
                number = int(dict(q.split("=", 1) for q in query.split("&") if "=" in q).get("p", 0))
                if number and srv.hold is not None:
                    srv.hold.wait(10)
                if number == srv.fail_page:
                    return self._reply(404, {"error": "page gone"})
                size = srv.page_size
                return self._reply(200, {"content": listing[number * size:(number + 1) * size], "number": number, "size": size,
                                         "totalPages": -(-len(listing) // size), "totalElements": len(listing)})
            return self._reply(200, listing if srv.page_key is None else {srv.page_key: listing, "totalElements": len(listing)})
        if len(parts) == 3 and parts[:2] == ["api", "dataproducts"] and parts[2] in PRODUCTS:
            return self._reply(200, PRODUCTS[parts[2]])
        if len(parts) == 3 and parts[:2] == ["api", "datacontracts"] and parts[2] in CONTRACTS:
            return self._reply(200, CONTRACTS[parts[2]])
        return self._reply(404, {"error": "not found"})

    def _reply(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(autouse=True)
def no_key(monkeypatch):
    monkeypatch.delenv("DATAMESH_MANAGER_API_KEY", raising=False)


@pytest.fixture
def dmm():
    with serve(FakeDMM, requests=[], key=None, fail_5xx=0, page_key=None, page_size=0, hold=None, fail_page=None) as srv:
        yield srv


def fast_client(srv_url, **kwargs):
    return DataMeshManagerClient(srv_url, backoff=0.01, **kwargs)


@pytest.mark.parametrize("page_key", [None, "content", "items"])
def test_listing_search_and_filters_cost_one_request(dmm, page_key):
    dmm.page_key = page_key
    state = BrowserState(url(dmm) + "/")
    assert [path for path, _ in dmm.requests] == ["/api/dataproducts"]  # no request per product or port
    assert [e["key"] for e in state.results()] == ["customers.people_v1", "orders.orders_v1", "orders.returns_v1", "stock.levels_v1"]
    people = state.results()[0]
    assert (people["title"], people["owner"], people["domain"], people["archetype"], people["location"], people["pii"]) == ("Customers", "crm", "sales", "source-aligned", "crm.people_v1", True)
    assert people["tags"] == ["gdpr", "people"] and people["checks"] == {}
    assert [e["key"] for e in state.search("returned")] == ["orders.returns_v1"]
    assert [e["key"] for e in state.search("warehouse")] == ["stock.levels_v1"]  # the earlier DPS form is read too
    state.search("")
    assert [e["key"] for e in state.filter(pii="yes")] == ["customers.people_v1"]
    assert [e["key"] for e in state.filter(pii="", domain="logistics")] == ["orders.orders_v1", "orders.returns_v1"]
    assert state.facets()["archetype"] == ["consumer-aligned", "source-aligned"]
    assert len(dmm.requests) == 1


def test_select_fetches_the_contract_once_and_flags_pii(dmm):
    state = BrowserState(url(dmm), role="marketing")
    detail = state.select("customers.people_v1")
    assert [path for path, _ in dmm.requests] == ["/api/dataproducts", "/api/datacontracts/customers-people_v1"]
    cols = {c["name"]: c for c in detail["port"]["columns"]}
    assert {n: c["pii"] for n, c in cols.items()} == {"id": False, "email": True, "phone": True, "city": False}
    assert (cols["id"]["type"], cols["id"]["required"], cols["phone"]["type"], cols["email"]["description"]) == ("integer", True, "VARCHAR", "Contact.")
    assert detail["port"]["contractId"] == "customers-people_v1" and detail["access"] is False and detail["checks"] == {}
    assert detail["product"]["title"] == "Customers"
    assert detail["docs"] == f"{url(dmm)}/dataproducts/customers"
    state.select("customers", "people_v1")
    assert len(dmm.requests) == 2  # the contract is cached
    assert state.select("stock.levels_v1")["port"]["columns"] == [] and len(dmm.requests) == 2  # no contract, no request
    assert BrowserState(url(dmm), role="hr").select("customers.people_v1")["access"] is True


def test_unknown_product_port_and_missing_contract(dmm):
    state = BrowserState(url(dmm))
    with pytest.raises(PortNotFound, match="ports: orders_v1, returns_v1"):
        state.select("orders.nope")
    with pytest.raises(PortNotFound, match="products: customers, orders, stock"):
        state.select("nope.x")
    with pytest.raises(CatalogError, match=r"GET http://127\.0\.0\.1:\d+/api/datacontracts/gone: 404"):
        state.select("orders.returns_v1")
    client = fast_client(url(dmm))
    with pytest.raises(CatalogError, match=r"/api/dataproducts/nope: 404 Not Found"):
        client.get_product("nope")
    assert client.get_product("orders")["info"]["owner"] == "fulfilment"
    assert client.get_contract("orders-orders_v1")["schema"][0]["properties"][0]["name"] == "order_id"


def test_5xx_is_retried_then_reported(dmm):
    dmm.fail_5xx = 2
    state = BrowserState(fast_client(url(dmm)))
    assert len(state.results()) == 4 and len(dmm.requests) == 3
    dmm.fail_5xx = 5
    with pytest.raises(CatalogError, match="503 Service Unavailable after 3 attempts"):
        BrowserState(fast_client(url(dmm)))


def test_auth_failure_names_the_variable_never_the_key(dmm, monkeypatch):
    dmm.key = "s3cret-key"
    with pytest.raises(CatalogError, match="401 authentication failed: set DATAMESH_MANAGER_API_KEY"):
        BrowserState(url(dmm))
    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "wrong-key")
    with pytest.raises(CatalogError, match="401 authentication failed: check DATAMESH_MANAGER_API_KEY") as err:
        BrowserState(url(dmm))
    assert "wrong-key" not in str(err.value)
    assert len(dmm.requests) == 2  # 4xx is not retried
    monkeypatch.setenv("DATAMESH_MANAGER_API_KEY", "s3cret-key")
    state = BrowserState(url(dmm))
    state.select("customers.people_v1")
    assert {key for _, key in dmm.requests[2:]} == {"s3cret-key"}


def test_unreachable_server_is_a_catalog_error(dmm):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(CatalogError, match=rf"GET http://127\.0\.0\.1:{closed}/api/dataproducts: cannot connect .* after 2 attempts") as err:
        BrowserState(fast_client(f"http://127.0.0.1:{closed}", retries=2))
    assert err.value.__context__ is None  # no urllib traceback chained below the message


def test_answers_that_are_not_a_product_list(dmm, monkeypatch):
    monkeypatch.setitem(PRODUCTS, "broken", {"info": {"title": "no id"}})
    with pytest.warns(UserWarning, match="has no id"):  # left out of the listing; the others stay browsable
        assert "customers" in BrowserState(url(dmm)).products
    dmm.page_key = "data"
    with pytest.raises(CatalogError, match="expected a list of data products"):
        BrowserState(url(dmm))


def test_preview_refused_and_use_snippet(dmm):
    state = BrowserState(url(dmm), role="hr")
    state.select("customers.people_v1")
    with pytest.raises(CatalogError, match=r"previews need a local catalog snapshot; Data Mesh Manager \(http://127\.0\.0\.1:\d+\) does not serve data"):
        state.preview()
    assert state.use_snippet() == "%dataproduct use customers.people_v1 --as people_v1 --role hr"
    assert len(dmm.requests) == 2


def test_widget_and_magic_browse_dmm_from_publish_to(dmm, ip, tmp_path):
    # a team that publishes to Data Mesh Manager browses it by default; selecting shows the schema
    # and says why there is no preview instead of failing
    (tmp_path / "dp-notebook.yaml").write_text(f"publish_to: {url(dmm)}\n")
    widget = ip.run_line_magic("dataproduct", "browse")
    assert widget.total == 4 and widget.state.catalog.root == url(dmm)
    detail = widget.select("customers.people_v1")
    assert [c["name"] for c in detail["port"]["columns"]] == ["id", "email", "phone", "city"]
    assert widget.error == "" and "does not serve data" in widget.preview_data["note"]
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="nowhere does not exist"):
        ip.run_line_magic("dataproduct", f"browse --catalog {tmp_path / 'nowhere'}")


ALL_PORTS = ["customers.people_v1", "orders.orders_v1", "orders.returns_v1", "stock.levels_v1"]


def test_a_paged_listing_shows_its_first_page_while_the_rest_loads(dmm):
    import threading

    dmm.page_size, dmm.hold = 1, threading.Event()  # one product a page; pages after the first wait
    state = BrowserState(url(dmm), background=True)
    assert state.loading and [e["key"] for e in state.results()] == ["stock.levels_v1"]  # the first page, at once
    assert state.count() == 1 and state.facets()["domain"] == ["warehouse"]
    dmm.hold.set()
    state.catalog.wait()
    assert not state.loading and [e["key"] for e in state.results()] == ALL_PORTS and state.count() == 4
    assert state.facets()["domain"] == ["logistics", "sales", "warehouse"] and state.catalog.announced == 3
    assert state.select("customers.people_v1")["port"]["columns"][1]["pii"] is True
    # without background, every page is read before the listing is shown (the CLI, scripts)
    dmm.requests.clear()
    assert [e["key"] for e in BrowserState(url(dmm)).results()] == ALL_PORTS
    assert [p for p, _ in dmm.requests] == ["/api/dataproducts", "/api/dataproducts?p=1&size=1", "/api/dataproducts?p=2&size=1"]


def test_a_product_on_a_page_still_loading_is_waited_for(dmm):
    import threading

    dmm.page_size, dmm.hold = 1, threading.Event()
    state = BrowserState(url(dmm), background=True)
    threading.Timer(0.2, dmm.hold.set).start()
    assert state.catalog.summary("customers")["title"] == "Customers"  # on the last page: summary() waits for it


def test_a_later_page_that_fails_is_reported_not_lost(dmm, ip):
    from dp_notebook.widgets.widget import PortBrowser

    dmm.page_size, dmm.fail_page = 1, 2
    state = BrowserState(url(dmm), background=True)
    with pytest.raises(CatalogError, match=r"p=2&size=1: 404"):
        state.catalog.wait()
    assert [e["key"] for e in state.results()] == ["orders.orders_v1", "orders.returns_v1", "stock.levels_v1"]
    widget = PortBrowser(url(dmm))
    _until(lambda: widget.loading == "")
    assert "the listing is incomplete" in widget.error and "404" in widget.error and widget.total == 3


def test_the_widget_counts_everything_once_the_listing_is_in(dmm):
    import threading

    from dp_notebook.widgets.widget import PortBrowser

    dmm.page_size, dmm.hold = 1, threading.Event()
    widget = PortBrowser(url(dmm))
    assert widget.total == 1 and widget.loading == "loading the rest of 3 products…"
    html = widget._repr_mimebundle_()
    html = (html[0] if isinstance(html, tuple) else html)["text/html"]
    assert "more products still loading" in html and "Stock levels" in html
    dmm.hold.set()
    _until(lambda: widget.loading == "")
    assert widget.total == 4 and [r["key"] for r in widget.rows] == ALL_PORTS and widget.facets["domain"] == ["logistics", "sales", "warehouse"]
    assert widget.error == ""


def _until(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
