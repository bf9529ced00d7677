"""Loading declarations: both standards, round trips, and clear errors for bad input."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dp_notebook.errors import SpecError
from dp_notebook.spec import load_spec, spec_findings
from dp_notebook.spec.dps import to_dps
from dp_notebook.spec.odps import to_odps

from .conftest import FIXTURES


def test_seed_loads_as_is_and_exports_official_form():
    spec = load_spec((FIXTURES / "shelf_warmers_seed.yaml").read_text()).spec
    assert (spec.id, spec.title, spec.owner) == ("shelf_warmers", "Shelf Warmers", "fulfillment")
    assert spec.inputPorts[0].sourceSystemId == "stock-service"
    doc = to_dps(spec)
    assert doc["info"]["title"] == "Shelf Warmers" and doc["info"]["owner"] == "fulfillment"
    assert "teamId" not in doc and "name" not in doc
    assert doc["inputPorts"][0] == {"id": "stock-service", "name": "stock-service", "sourceSystemId": "stock-service", "type": "Kafka Topic", "location": ""}
    assert doc["outputPorts"][0]["links"]["jdbc_endpoint"].startswith("jdbc:awsathena")


def test_legacy_info_block_form():
    spec = load_spec("dataProductSpecification: 0.0.1\ninfo:\n  id: p\n  name: P\n  teamId: t\n").spec
    assert (spec.id, spec.title, spec.owner) == ("p", "P", "t")


def test_dps_round_trip_keeps_every_field():
    text = (FIXTURES / "shelf_warmers.dps.yaml").read_text()
    assert to_dps(load_spec(text).spec) == yaml.safe_load(text)


def test_odps_round_trip_keeps_every_field():
    text = (FIXTURES / "orders.odps.yaml").read_text()
    spec = load_spec(text).spec
    assert spec.source_format == "odps" and spec.owner == "checkout"
    port = spec.output_port("orders_v1")
    assert port.rolesAllowed == ["checkout", "finance"] and port.pii_columns == ["email"]
    assert to_odps(spec) == yaml.safe_load(text)


def test_dps_to_odps_to_dps_keeps_toolkit_fields():
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    again = load_spec(yaml.safe_dump(to_odps(spec), sort_keys=False)).spec
    port, port2 = spec.output_port("shelf_warmers_v1"), again.output_port("shelf_warmers_v1")
    assert port2.columns == port.columns
    assert port2.rolesAllowed == port.rolesAllowed and port2.serviceLevelObjectives == port.serviceLevelObjectives
    assert again.schedule == spec.schedule and again.price == spec.price


GOOD_HEAD = "dataProductSpecification: 0.0.1\nid: p\ninfo: {title: P, owner: t}\n"

BAD_SPECS = [
    # (yaml, expected line, expected fragment of the message)
    ("id: [unclosed\n", 2, "malformed YAML"),
    ("- just\n- a list\n", 1, "must be a YAML mapping"),
    ("", 1, "empty"),
    ("dataProductSpecification: 0.0.1\ninfo: {title: P, owner: t}\n", 1, "every data product needs an 'id'"),
    ("dataProductSpecification: 0.0.2\nid: p\ninfo: {owner: t}\n", 1, "unsupported version '0.0.2'"),
    ("dataProductSpecification: 0.0.1\nid: 'has space'\ninfo: {owner: t}\n", 2, "id: must match"),
    ("dataProductSpecification: 0.0.1\nid: p\n", 1, "info.owner: required field is missing"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n  - id: b\n    type: Kafak Topic\n", 7, "outputPorts[1].type: unknown port type 'Kafak Topic'"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n  - id: a\n", 6, "duplicate port id 'a'"),
    (GOOD_HEAD + "inputPorts:\n  - {id: a, sourceSystemId: s}\noutputPorts:\n  - id: a\n", 7, "duplicate port id 'a'"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    schema:\n      - {name: c, type: strng}\n", 7, "outputPorts[0].schema[0].type: unknown column type 'strng'"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    schema:\n      - {name: c}\n      - {name: c}\n", 8, "duplicate column 'c'"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    schema:\n      - {type: string}\n", 7, "outputPorts[0].schema[0].name: required field is missing"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    containsPii: maybe\n", 6, "outputPorts[0].containsPii: Input should be a valid boolean"),
    (GOOD_HEAD + "outputPorts: {a: 1}\n", 4, "outputPorts: Input should be a valid list"),
    (GOOD_HEAD + "schedule: '0 0 * * ? *'\n", 4, "has 6 fields"),
    (GOOD_HEAD + "schedule: '99 * * * *'\n", 4, "not a valid cron"),
    (GOOD_HEAD + "id: again\n", 4, "duplicate key 'id'"),
    (GOOD_HEAD + "outputPorts:\n\t- id: a\n", 5, "malformed YAML"),
    (GOOD_HEAD + "price: {priceAmount: lots}\n", 4, "price.priceAmount: Input should be a valid number"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    serviceLevelObjectives:\n      - {type: freshness, column: ts}\n", 7, "a freshness objective needs 'threshold'"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    serviceLevelObjectives:\n      - {type: uptime}\n", 7, "serviceLevelObjectives[0].type"),
    (GOOD_HEAD + "outputPorts:\n  - id: a\n    schema:\n      - {name: c, colour: red}\n", 7, "outputPorts[0].schema[0].colour: unknown field"),
    ("apiVersion: v1.0.0\nkind: DataProduct\nid: p\nstatus: active\nowner: t\n", 5, "owner: unknown field 'owner'"),
    ("apiVersion: v1.0.0\nkind: DataProduct\nid: p\nname: P\n", 1, "status: required field is missing"),
    ("apiVersion: v1.0.0\nkind: DataProduct\nid: p\nstatus: active\noutputPorts:\n  - name: a\n    version: 1.0.0\n    colour: red\n", 8, "outputPorts[0].colour: unknown field"),
    ("apiVersion: v9\nkind: DataProduct\nid: p\nstatus: active\n", 1, "apiVersion"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_SPECS)
def test_bad_specs_name_line_and_field(text, line, fragment):
    with pytest.raises(SpecError) as err:
        load_spec(text)
    msg = str(err.value)
    assert fragment in msg
    assert f"line {line}" in msg
    for leak in ("pydantic", "Traceback", "For further information", "errors.pydantic.dev"):
        assert leak not in msg


def test_all_findings_are_listed_for_lint():
    text = GOOD_HEAD + "outputPorts:\n  - id: a\n    type: Kafak\n  - id: a\nschedule: nope\n"
    _, findings = spec_findings(text)
    rules = sorted(f.rule for f in findings if f.severity == "error")
    assert rules == ["cron", "port-type", "unique-port-id"]


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
keys = st.sampled_from(["dataProductSpecification", "id", "info", "inputPorts", "outputPorts", "schema", "type", "name", "apiVersion", "kind", "status", "price", "schedule", "x"])
structured = st.dictionaries(keys, yaml_values | st.lists(st.dictionaries(keys, yaml_values, max_size=5), max_size=3), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), structured.map(lambda d: yaml.safe_dump(d))))
def test_fuzz_loader_raises_only_spec_errors(text):
    try:
        load_spec(text)
    except SpecError:
        pass
