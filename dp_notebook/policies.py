"""Policies as code: the mesh's global rules, checked by ``lint`` and enforced by ``publish``.

Built-in defaults, overridable in ``dp-notebook.yaml``::

    policies:
      classification_scheme: [public, internal, confidential, restricted]
      naming:
        product: "^[a-z][a-z0-9_]*$"
        port: "^[a-z][a-z0-9_]*_v[0-9]+$"
        column: "^[a-z][a-z0-9_]*$"
      rules:                       # severity per rule: error | warning | off
        column-classified: error

Rules: ``naming-product``, ``naming-port``, ``naming-column``, ``owner``,
``description-product``, ``description-port``, ``description-column``,
``column-classified``, ``classification-scheme``, ``pii-roles`` (PII columns
only on ports that restrict ``rolesAllowed``), ``pii-examples`` (no example
values on PII columns: contracts and docs publish them), ``contains-pii`` (the flag
agrees with the columns). Each finding names the rule, the field and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .spec.load import Finding
from .spec.model import CLASSIFICATIONS

DEFAULT_SEVERITY = {
    "naming-product": "error",
    "naming-port": "warning",
    "naming-column": "error",
    "owner": "error",
    "description-product": "warning",
    "description-port": "warning",
    "description-column": "warning",
    "column-classified": "warning",
    "classification-scheme": "error",
    "pii-roles": "error",
    "contains-pii": "error",
    "pii-examples": "warning",  # examples may be synthetic: say it, do not block
}
DEFAULT_NAMING = {"product": r"^[a-z][a-z0-9_]*$", "port": r"^[a-z][a-z0-9_]*_v[0-9]+$", "column": r"^[a-z_][a-z0-9_]*$"}


@dataclass
class Policy:
    classification_scheme: tuple[str, ...] = CLASSIFICATIONS
    naming: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_NAMING))
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    @classmethod
    def from_config(cls, data: dict[str, Any] | None) -> Policy:
        policy = cls()
        if not data:
            return policy
        if not isinstance(data, dict):
            raise SpecError("policies: must be a mapping (classification_scheme, naming, rules)")
        unknown = set(data) - {"classification_scheme", "naming", "rules"}
        if unknown:
            raise SpecError(f"policies: unknown key(s) {', '.join(sorted(unknown))} (known: classification_scheme, naming, rules)")
        if "classification_scheme" in data:
            policy.classification_scheme = tuple(str(x) for x in data["classification_scheme"])
        for key, rx in (data.get("naming") or {}).items():
            if key not in DEFAULT_NAMING:
                raise SpecError(f"policies.naming: unknown target {key!r} (product, port, column)")
            try:
                re.compile(rx)
            except re.error as exc:
                raise SpecError(f"policies.naming.{key}: invalid regex {rx!r}: {exc}") from None
            policy.naming[key] = rx
        for rule, sev in (data.get("rules") or {}).items():
            if rule not in DEFAULT_SEVERITY:
                raise SpecError(f"policies.rules: unknown rule {rule!r} (rules: {', '.join(DEFAULT_SEVERITY)})")
            if sev not in ("error", "warning", "off"):
                raise SpecError(f"policies.rules.{rule}: severity must be error, warning or off, not {sev!r}")
            policy.severity[rule] = sev
        return policy


def check_policies(spec: Any, positions: Any = None, policy: Policy | None = None) -> list[Finding]:
    """Findings of every policy rule on ``spec`` (line numbers when ``positions`` are given)."""
    policy = policy or Policy()
    out: list[Finding] = []

    def add(rule: str, path: tuple, message: str, fix: str) -> None:
        sev = policy.severity.get(rule, "warning")
        if sev == "off":
            return
        hit = positions.find(path) if positions is not None else None
        line, col = hit if hit else (None, None)
        out.append(Finding(sev, rule, _fmt(path), message, line, col, fix))

    if not re.search(policy.naming["product"], spec.id):
        add("naming-product", ("id",), f"product id '{spec.id}' breaks the naming convention {policy.naming['product']}", "rename the product (snake_case)")
    if not spec.owner:
        add("owner", ("info", "owner"), "the product has no owner", "set info.owner to the owning team")
    if not spec.description:
        add("description-product", ("info", "description"), "the product has no description", "describe what the data means and who it is for")
    for i, port in enumerate(spec.outputPorts):
        base = ("outputPorts", i)
        if not re.search(policy.naming["port"], port.id):
            add("naming-port", base + ("id",), f"port id '{port.id}' breaks the naming convention {policy.naming['port']}", "use snake_case with a version suffix, e.g. orders_v1")
        if not port.description:
            add("description-port", base, f"port '{port.id}' has no description", "add a description")
        pii_cols = [c.name for c in port.columns if c.pii]
        if pii_cols and not port.rolesAllowed:
            add("pii-roles", base, f"port '{port.id}' has PII column(s) {', '.join(pii_cols)} but no rolesAllowed", "restrict rolesAllowed, or derive a redacted port with %dataproduct redact")
        if port.containsPii is False and pii_cols:
            add("contains-pii", base + ("containsPii",), f"containsPii is false but {', '.join(pii_cols)} are marked pii", "set containsPii: true")
        if port.containsPii and port.columns and not pii_cols:
            add("contains-pii", base + ("containsPii",), "containsPii is true but no column is marked pii", "mark the PII columns with pii: true")
        for j, col in enumerate(port.columns):
            cpath = base + ("schema", j)
            if not re.search(policy.naming["column"], col.name):
                add("naming-column", cpath + ("name",), f"column '{col.name}' breaks the naming convention {policy.naming['column']}", "rename the column (snake_case)")
            if col.pii and col.examples:
                add("pii-examples", cpath + ("examples",), f"column '{port.id}.{col.name}' is PII but declares example values, which contracts and docs publish", "remove the examples or make them synthetic and unmark pii")
            if not col.description:
                add("description-column", cpath, f"column '{port.id}.{col.name}' has no description", "add a description")
            if not col.classification:
                add("column-classified", cpath, f"column '{port.id}.{col.name}' is not classified", f"set classification to one of {', '.join(policy.classification_scheme)}")
            elif col.classification not in policy.classification_scheme:
                add("classification-scheme", cpath + ("classification",), f"classification '{col.classification}' is not in the scheme", f"use one of {', '.join(policy.classification_scheme)}")
    return out


def _fmt(path: tuple) -> str:
    from .spec.yamlpos import format_path

    return format_path(path)
