"""Policies as code: each rule fires with its line, severities are configurable, errors block publish."""

from __future__ import annotations

import pytest

import dp_notebook
from dp_notebook.errors import SpecError
from dp_notebook.policies import Policy, check_policies
from dp_notebook.spec import load_spec

CLEAN = """dataProductSpecification: 0.0.1
id: orders
info: {title: Orders, owner: checkout, description: Orders.}
outputPorts:
  - id: orders_v1
    description: Orders with PII.
    containsPii: true
    rolesAllowed: [finance]
    schema:
      - {name: order_id, type: string, classification: internal, description: Key.}
      - {name: email, type: string, classification: restricted, pii: true, description: Mail.}
"""


def rules(text, policy=None):
    loaded = load_spec(text)
    return {(f.rule, f.severity, f.line) for f in check_policies(loaded.spec, loaded.positions, policy)}


def test_clean_spec_passes_defaults():
    assert rules(CLEAN) == set()


def test_each_rule_fires_with_its_line():
    bad = """dataProductSpecification: 0.0.1
id: Orders-Prod
info: {title: Orders, owner: checkout}
outputPorts:
  - id: OrdersPort
    containsPii: false
    schema:
      - {name: OrderId, type: string}
      - {name: email, type: string, classification: secret, pii: true, description: Mail.}
"""
    found = rules(bad)
    assert ("naming-product", "error", 2) in found
    assert ("description-product", "warning", 3) in found
    assert ("naming-port", "warning", 5) in found
    assert ("description-port", "warning", 5) in found
    assert ("contains-pii", "error", 6) in found
    assert ("pii-roles", "error", 5) in found
    assert ("naming-column", "error", 8) in found
    assert ("column-classified", "warning", 8) in found
    assert ("classification-scheme", "error", 9) in found


def test_policy_config():
    policy = Policy.from_config({"rules": {"pii-roles": "off", "column-classified": "error"}, "classification_scheme": ["open", "secret"], "naming": {"port": "^[a-z_]+$"}})
    text = CLEAN.replace("rolesAllowed: [finance]", "rolesAllowed: []").replace("restricted", "secret").replace("internal", "open")
    assert rules(text, policy) == {("naming-port", "warning", 5)}
    with pytest.raises(SpecError, match="unknown rule 'nope'"):
        Policy.from_config({"rules": {"nope": "error"}})
    with pytest.raises(SpecError, match="severity must be"):
        Policy.from_config({"rules": {"owner": "fatal"}})
    with pytest.raises(SpecError, match="invalid regex"):
        Policy.from_config({"naming": {"column": "("}})


def test_policy_errors_block_publish(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = CLEAN.replace("    rolesAllowed: [finance]\n", "")
    dp = dp_notebook.load(text, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    report = dp.lint()
    assert not report.success and "pii-roles" in str(report)
    with pytest.raises(SpecError, match="publish of orders refused: lint found 1 error"):
        dp.publish()
    (tmp_path / "dp-notebook.yaml").write_text("policies:\n  rules:\n    pii-roles: warning\n")
    assert dp.lint().success


def test_examples_on_pii_columns_are_refused_by_lint():
    """Examples travel into contracts and docs: real values of a PII column must not."""
    from dp_notebook.policies import check_policies
    from dp_notebook.spec import load_spec

    loaded = load_spec(CLEAN.replace("pii: true, description: Mail.}", "pii: true, description: Mail., examples: [carol@example.com]}"))
    found = [(f.rule, f.severity, f.line) for f in check_policies(loaded.spec, loaded.positions)]
    assert ("pii-examples", "warning", 11) in found
