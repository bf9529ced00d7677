"""Lint: the spec's own findings, the id rules and the workspace's policies — the same through every door.

``%dataproduct lint``, ``publish`` and ``dp-notebook lint`` all call
``lint_product`` with the policy from the workspace's settings, so a spec
that one of them refuses, the others refuse too.

    >>> from dp_notebook.spec import load_spec
    >>> report = lint_product(load_spec("id: p\\ninfo: {owner: t}\\n"))
    >>> report.success, [f.rule for f in report.errors]
    (True, [])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import SpecError
from .names import ID_MAX_LENGTH, RESERVED_SCHEMAS, is_valid_id, private_schema
from .spec.load import Finding
from .spec.model import split_location


@dataclass
class LintReport:
    """Findings of ``lint``: ``.success`` is False when any finding is an error."""

    product_id: str | None
    findings: list[Finding]

    @property
    def success(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def raise_for_failure(self) -> LintReport:
        if not self.success:
            lines = "\n".join(str(f) for f in self.errors)
            raise SpecError(f"lint found {len(self.errors)} error(s):\n{lines}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"product": self.product_id, "success": self.success, "findings": [f.__dict__ for f in self.findings]}

    def __str__(self) -> str:
        if not self.findings:
            return f"lint: {self.product_id or 'spec'}: no findings"
        head = f"lint: {self.product_id or 'spec'}: {len(self.errors)} error(s), {len(self.findings) - len(self.errors)} warning(s)"
        return "\n".join([head, *(f"  {f}" for f in self.findings)])

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.html import card, esc, table

        status = "no findings" if not self.findings else f"{len(self.errors)} error(s), {len(self.findings) - len(self.errors)} warning(s)"
        rows = [
            [f'<span class="dpn-badge dpn-{"fail" if f.severity == "error" else "warn"}">{esc(f.severity)}</span>', esc(f.line or ""), f"<code>{esc(f.path)}</code>", esc(f.message), esc(f.rule), esc(f.fix or "")]
            for f in self.findings
        ]
        body = f"<h4>Lint {esc(self.product_id or '')}: {esc(status)}</h4>"
        if rows:
            body += table(["severity", "line", "field", "finding", "rule", "fix"], rows, raw=True)
        return mimebundle("lint", self.to_dict(), card(body), str(self))


def id_findings(spec: Any, positions: Any = None) -> list[Finding]:
    """Ids that would become unsafe file names, URL segments or SQL names, and names two things share."""
    out: list[Finding] = []

    def add(path: tuple, message: str, fix: str) -> None:
        hit = positions.find(path) if positions is not None else None
        line, col = hit if hit else (None, None)
        from .spec.yamlpos import format_path

        out.append(Finding("error", "ids", format_path(path), message, line, col, fix))

    rule = f"letters, digits, '_' and '-', at most {ID_MAX_LENGTH} characters"
    if not is_valid_id(spec.id):
        add(("id",), f"product id {spec.id!r} is not a valid id", rule)
    outputs = {p.id for p in spec.outputPorts}
    for i, port in enumerate(spec.inputPorts):
        if port.id in outputs:
            add(("inputPorts", i, "id"), f"input port {port.id!r} has the name of an output port (they would share one table)", "rename one of them")
        if port.contractId is not None and not is_valid_id(port.contractId):
            add(("inputPorts", i, "contractId"), f"contract id {port.contractId!r} is not a valid id", rule)
    seen_views: dict[tuple[str, str], str] = {}
    for i, port in enumerate(spec.outputPorts):
        if len(port.id) > ID_MAX_LENGTH:
            add(("outputPorts", i, "id"), f"port id of {len(port.id)} characters is too long", rule)
        cid = spec.contract_id(port)
        if not is_valid_id(cid):
            add(("outputPorts", i, "dataContractId"), f"contract id {cid!r} is not a valid id: it becomes a file name and a URL segment", rule)
        if port.location and port.kind in ("sql", "files") and not any(c in port.location for c in "/\\:") and split_location(port.location) is None:
            # the view consumers query is built here: a location that is no schema.view would be replaced silently
            add(("outputPorts", i, "location"), f"location {port.location!r} is not <schema>.<view> (two SQL names of letters, digits and _)",
                "write it as schema.view, e.g. fulfillment.shelf_warmers_v1")
        schema, view = spec.view_name(port)
        if schema.lower() in RESERVED_SCHEMAS or schema == private_schema(spec.id) or view.startswith("__"):
            add(("outputPorts", i, "location"), f"location {schema}.{view} is reserved for the toolkit's metadata or the product's private tables", "choose another schema, e.g. the owning team's name")
        other = seen_views.get((schema, view))
        if other is not None:
            add(("outputPorts", i, "location"), f"location {schema}.{view} is already the location of port {other!r}", "give each port its own location")
        seen_views[(schema, view)] = port.id
    return out


def check_findings(spec: Any, positions: Any = None) -> list[Finding]:
    """Checks written in the spec that cannot run: malformed ODCS quality rules, SQL that does more than read."""
    from .checks.odcs import from_odcs_rules
    from .checks.readonly import read_only_query
    from .errors import DataProductError
    from .spec.yamlpos import format_path

    out: list[Finding] = []
    own_schemas = [private_schema(spec.id)] if is_valid_id(spec.id) else []
    own_tables = [spec.view_name(p) for p in spec.outputPorts]

    def add(path: tuple, exc: Exception) -> None:
        hit = positions.find(path) if positions is not None else None
        line, col = hit if hit else (None, None)
        message = (getattr(exc, "message", None) or str(exc)).removeprefix(format_path(path) + ": ")
        out.append(Finding("error", "checks", format_path(path), message, line, col, "a check is one SELECT over the product's own port, inputs and models"))

    def guard(path: tuple, query: str) -> None:
        placeholder = query
        for name in ("${model}", "{model}", "${table}", "{table}", "{port}", "${object}", "{object}"):
            placeholder = placeholder.replace(name, "__port__")
        for name in ("${column}", "{column}", "${field}", "{field}", "${property}", "{property}"):
            placeholder = placeholder.replace(name, "__column__")
        try:
            read_only_query(placeholder, where=format_path(path), own_schemas=own_schemas, own_tables=own_tables)
        except DataProductError as exc:
            add(path, exc)

    for i, port in enumerate(spec.outputPorts):
        if port.quality:
            try:
                _, sql_rules = from_odcs_rules(list(port.quality), where=f"outputPorts[{i}].quality")
            except DataProductError as exc:
                add(("outputPorts", i, "quality"), exc)
            else:
                for j, rule in enumerate(port.quality):
                    if rule in sql_rules:
                        guard(("outputPorts", i, "quality", j, "query"), rule["query"])
        for j, slo in enumerate(port.serviceLevelObjectives):
            if slo.type == "sql":
                guard(("outputPorts", i, "serviceLevelObjectives", j, "query"), slo.query)
    for j, slo in enumerate(spec.serviceLevelObjectives):
        if slo.type == "sql":
            guard(("serviceLevelObjectives", j, "query"), slo.query)
    return out


def lint_product(loaded: Any, policy: Any = None) -> LintReport:
    """The spec's findings, the id rules and the policies (``policy``: from the workspace settings)."""
    from .policies import check_policies

    findings = list(loaded.findings) + id_findings(loaded.spec, loaded.positions) + check_findings(loaded.spec, loaded.positions) + check_policies(loaded.spec, loaded.positions, policy)
    return LintReport(loaded.spec.id, findings)
