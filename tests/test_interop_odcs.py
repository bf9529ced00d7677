"""Contract-first: ODCS v3 contracts declare output ports. Contracts dp-notebook writes import back
equal; declarations name contracts by path; errors name the contract file, line and field."""

from __future__ import annotations

import pytest

from dp_notebook.checks.odcs import from_odcs_rules, to_odcs_rules
from dp_notebook.checks.run import parse_suite
from dp_notebook.errors import SpecError
from dp_notebook.spec import load_spec, spec_findings
from dp_notebook.spec.export import dump_yaml, to_odcs, validate_export
from dp_notebook.spec.odcs import output_port_from_contract, read_contract
from dp_notebook.spec.types import resolve_type

from .conftest import FIXTURES

SUITE = [
    {"not_null": {"column": "sku"}},
    {"in_set": {"column": "location", "value_set": ["A", "B"], "mostly": 0.9, "severity": "warning"}},
    {"between": {"column": "available", "min_value": 0, "row_condition": "location = 'A'"}},
    {"row_count_between": {"min_value": 1}},
    {"expect_column_mean_to_be_between": {"column": "available", "min_value": 0, "max_value": 100}},
]


def _columns(port):
    return [(c.name, resolve_type(c.type).physical, c.required, c.unique, c.primaryKey, c.classification, c.pii, c.description) for c in port.columns]


@pytest.mark.parametrize("fixture", ["shelf_warmers.dps.yaml", "orders.odps.yaml", "shelf_warmers_seed.yaml"])
def test_contracts_dp_notebook_writes_import_back_equal(tmp_path, fixture):
    spec = load_spec((FIXTURES / fixture).read_text()).spec
    for port in spec.outputPorts:
        suite = parse_suite([e for e in SUITE if not port.columns or all(port.column(c) for c in _named_columns(e))])
        doc = to_odcs(spec, port, parquet_path="data/x.parquet", quality=to_odcs_rules(suite))
        path = tmp_path / f"{port.id}.odcs.yaml"
        path.write_text(dump_yaml(doc))
        back = output_port_from_contract(path)
        assert back.id == port.id and back.dataContractId == spec.contract_id(port)
        assert back.semantic_version == port.semantic_version
        assert _columns(back) == _columns(port)
        assert back.rolesAllowed == port.rolesAllowed
        assert back.price == (port.price or spec.price)
        assert _slos(back.serviceLevelObjectives) == _slos(port.serviceLevelObjectives or spec.serviceLevelObjectives)
        expectations, sql_rules = from_odcs_rules(back.quality)
        declared, declared_sql = from_odcs_rules(port.quality)
        # the contract groups rules by column: the same rules, in the contract's order
        assert sorted(map(_key, expectations)) == sorted(map(_key, declared + suite))
        assert sorted(map(repr, sql_rules)) == sorted(map(repr, declared_sql))


def _key(e):
    return repr((e.name, sorted(e.kwargs.items())))


def _slos(slos):
    """SLOs by meaning (ODCS keeps no severity on an SLA; thresholds normalised)."""
    from dp_notebook.checks.quality import parse_duration, parse_ratio

    out = []
    for s in slos:
        d = s.model_dump(exclude={"severity", "description"})
        if s.type == "freshness":
            d["threshold"] = parse_duration(s.threshold)
        if s.type == "completeness":
            d["threshold"] = parse_ratio(s.threshold)
        out.append(d)
    return out


def _named_columns(item):
    (kwargs,) = item.values()
    return [kwargs["column"]] if "column" in kwargs else []


def _declaration(contract_ref: str) -> str:
    return f"""
dataProductSpecification: 0.0.1
id: shelf_warmers
info: {{title: Shelf warmers, owner: fulfillment}}
outputPorts:
  - id: shelf_warmers_v1
    contract: {contract_ref}
"""


def _written_contract(folder):
    spec = load_spec((FIXTURES / "shelf_warmers.dps.yaml").read_text()).spec
    port = spec.output_port("shelf_warmers_v1")
    doc = to_odcs(spec, port, quality=to_odcs_rules(parse_suite(SUITE)))
    (folder / "contracts").mkdir(exist_ok=True)
    path = folder / "contracts" / "shelf-warmers-v1.odcs.yaml"
    path.write_text(dump_yaml(doc))
    return spec, port, doc, path


def test_a_declaration_names_its_contract_and_exports_it_unchanged(tmp_path):
    spec, port, doc, contract = _written_contract(tmp_path)
    declaration = tmp_path / "product.yaml"
    declaration.write_text(_declaration("contracts/shelf-warmers-v1.odcs.yaml"))
    loaded = load_spec(declaration).spec  # relative to the declaring file
    mine = loaded.output_port("shelf_warmers_v1")
    assert _columns(mine) == _columns(port)
    again = to_odcs(loaded, mine)
    validate_export("odcs", again)
    # the contract round-trips: what dp-notebook writes from the contract-first port is the contract
    assert again["schema"] == doc["schema"]
    assert {k: again[k] for k in ("id", "version", "roles", "price")} == {k: doc[k] for k in ("id", "version", "roles", "price")}
    # the schedule is the declaring product's, not the port's contract
    assert again["slaProperties"] == [p for p in doc["slaProperties"] if p["property"] != "frequency"]


def test_contract_paths_resolve_against_the_base_dir_the_caller_gives(tmp_path):
    _written_contract(tmp_path)
    loaded = load_spec(_declaration("contracts/shelf-warmers-v1.odcs.yaml"), base_dir=tmp_path).spec
    assert loaded.output_port("shelf_warmers_v1").columns
    _, findings = spec_findings(_declaration("contracts/shelf-warmers-v1.odcs.yaml"), base_dir=tmp_path / "elsewhere")
    (finding,) = [f for f in findings if f.severity == "error"]
    assert finding.path == "outputPorts[0].contract" and finding.line == 7 and "cannot read the data contract" in finding.message


def test_odps_ports_name_contracts_in_custom_properties(tmp_path):
    _written_contract(tmp_path)
    odps = """
apiVersion: v1.0.0
kind: DataProduct
id: shelf_warmers
status: active
outputPorts:
  - name: shelf_warmers_v1
    version: 1.2.0
    customProperties:
      - {property: contract, value: contracts/shelf-warmers-v1.odcs.yaml}
"""
    loaded = load_spec(odps, base_dir=tmp_path).spec
    port = loaded.output_port("shelf_warmers_v1")
    assert [c.name for c in port.columns][:2] == ["sku", "location"] and port.quality


def test_declared_columns_must_agree_with_the_contract(tmp_path):
    _written_contract(tmp_path)
    text = _declaration("contracts/shelf-warmers-v1.odcs.yaml") + "    schema:\n      - {name: other, type: string}\n"
    with pytest.raises(SpecError, match="differ from its contract"):
        load_spec(text, base_dir=tmp_path)


def test_a_broken_contract_is_reported_with_file_line_and_field(tmp_path):
    _, _, doc, contract = _written_contract(tmp_path)
    text = contract.read_text().replace("logicalType: integer", "logicalType: integr", 1)
    contract.write_text(text)
    with pytest.raises(SpecError) as info:
        read_contract(contract)
    err = info.value
    assert err.source == str(contract) and err.line == text[: text.index("integr")].count("\n") + 1
    assert err.path.startswith("schema[0].properties[") and "integr" in str(err)
    _, findings = spec_findings(_declaration("contracts/shelf-warmers-v1.odcs.yaml"), base_dir=tmp_path)
    assert any(f.path == "outputPorts[0].contract" and "integr" in f.message for f in findings)


def test_a_contract_declares_a_product_by_itself(tmp_path):
    """`%%dataproduct declare` with an ODCS contract body: one output port per schema object."""
    _, port, doc, contract = _written_contract(tmp_path)
    loaded = load_spec(contract.read_text())
    spec = loaded.spec
    assert spec.id == "shelf_warmers" and spec.owner == "fulfillment"
    assert [p.id for p in spec.outputPorts] == ["shelf_warmers_v1"]
    assert _columns(spec.outputPorts[0]) == _columns(port)
    assert not [f for f in loaded.findings if f.severity == "error"]


def test_not_a_contract():
    with pytest.raises(SpecError, match="not an ODCS data contract"):
        read_contract("kind: DataProduct\nid: x\n")
