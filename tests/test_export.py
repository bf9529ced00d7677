"""Exporters: every export validates against its official schema; golden files pin the output."""

from __future__ import annotations

import json

import duckdb
import pytest
import yaml
from jsonschema import Draft202012Validator

from dp_notebook.errors import DataProductError, PortNotFound
from dp_notebook.spec import load_spec
from dp_notebook.spec.export import export, to_dbt, to_ddl, to_jsonschema, to_odcs, validate_export
from dp_notebook.spec.dps import to_dps
from dp_notebook.spec.odps import to_odps

from .conftest import FIXTURES

SPECS = ["shelf_warmers_seed.yaml", "shelf_warmers.dps.yaml", "orders.odps.yaml"]


@pytest.fixture(params=SPECS)
def spec(request):
    return load_spec((FIXTURES / request.param).read_text()).spec


def test_every_export_validates(spec):
    validate_export("dps", to_dps(spec))
    validate_export("odps", to_odps(spec))
    for port in spec.outputPorts:
        validate_export("odcs", to_odcs(spec, port, database_path="/w/.dp/warehouse.duckdb", parquet_path="/w/p.parquet"))
        validate_export("jsonschema", to_jsonschema(spec, port))
    duckdb.connect().execute(to_ddl(spec))  # the DDL runs


def test_validation_catches_a_broken_document(spec):
    doc = to_odps(spec)
    doc["unexpected"] = 1
    with pytest.raises(DataProductError, match="unexpected"):
        validate_export("odps", doc)


def test_odcs_contract_content():
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    doc = to_odcs(spec, spec.output_port("shelf_warmers_v1"), database_path="/db.duckdb")
    assert doc["id"] == "shelf-warmers-v1" and doc["version"] == "1.2.0"
    obj = doc["schema"][0]
    assert obj["physicalName"] == "shelf_warmers_v1"  # bare: datacontract-cli reads it (the schema is the server's)
    props = {p["name"]: p for p in obj["properties"]}
    assert props["price_eur"]["logicalType"] == "number" and props["price_eur"]["physicalType"] == "DECIMAL(10, 2)"
    assert props["sku"]["required"] is True and props["sku"]["primaryKey"] is True
    assert props["buyer_email"]["customProperties"] == [{"property": "pii", "value": True}]
    assert doc["roles"] == [{"role": "coo", "access": "read"}, {"role": "fulfillment", "access": "read"}]
    assert doc["price"] == {"priceAmount": 10.0, "priceCurrency": "EUR", "priceUnit": "month"}
    assert {k: v for k, v in doc["servers"][0].items() if k != "description"} == {"server": "local-duckdb", "type": "duckdb", "database": "/db.duckdb", "schema": "fulfillment"}
    assert obj["quality"][0]["mustBe"] == 0
    assert {s["property"] for s in doc["slaProperties"]} >= {"frequency", "latency", "completeness"}


def test_jsonschema_validates_rows():
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    schema = to_jsonschema(spec, spec.output_port("shelf_warmers_v1"))
    v = Draft202012Validator(schema)
    good = {"sku": "A", "location": "L", "available": 3, "last_sold_at": None, "price_eur": 1.5, "buyer_email": None}
    assert not list(v.iter_errors(good))
    assert list(v.iter_errors({**good, "available": "three"}))
    assert list(v.iter_errors({k: val for k, val in good.items() if k != "sku"}))


def test_dbt_schema_contract():
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    model = to_dbt(spec)["models"][0]
    assert model["config"]["contract"] == {"enforced": True}
    sku = model["columns"][0]
    assert sku["data_type"] == "VARCHAR" and {"type": "not_null"} in sku["constraints"]


def test_export_dispatch_errors(spec):
    with pytest.raises(DataProductError, match="choose one of"):
        export(spec, "xml")
    with pytest.raises(PortNotFound):
        export(spec, "odcs", "no_such_port")


@pytest.mark.parametrize("fmt", ["dps", "odps", "odcs", "jsonschema", "dbt", "ddl"])
def test_golden_exports(fmt, golden):
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    files = export(spec, fmt, database_path="/workspace/.dp/warehouse.duckdb")
    text = "".join(f"# {name}\n{body}" for name, body in sorted(files.items()))
    golden(f"export/{fmt}.txt", text)
    if fmt in ("dps", "odps", "odcs", "dbt"):
        for body in files.values():
            yaml.safe_load(body)
    if fmt == "jsonschema":
        for body in files.values():
            json.loads(body)
