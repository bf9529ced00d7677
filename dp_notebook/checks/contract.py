"""The port contract as checks: declared columns present, values castable, required, unique.

One aggregate scan answers every column property (in the audit, the same scan as the
expectations); an example of a bad value is fetched only for a property that failed (PII
columns show ``***``). The same checks run as the audit of every transform and in ``test``
on the served data.
"""

from __future__ import annotations

from typing import Any

from ..names import quote
from .model import CheckResult

_MASK = "***"
_SYNONYMS = {"TEXT": "VARCHAR", "STRING": "VARCHAR", "INT": "INTEGER", "INT4": "INTEGER", "INT8": "BIGINT", "LONG": "BIGINT", "FLOAT8": "DOUBLE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}


def _same_type(actual: str, declared: str) -> bool:
    def norm(t: str) -> str:
        t = t.upper().replace(", ", ",")
        return _SYNONYMS.get(t, t)

    return norm(actual) == norm(declared)


def contract_results(con: Any, relation: str, port: Any, columns: list[tuple[str, str]]) -> tuple[list[CheckResult], list[str]]:
    """Check ``relation`` against ``port``'s declared columns.

    Returns ``(results, undeclared)``: one failed result per broken property
    (or one passing ``contract`` result), and the produced columns the contract
    does not declare (they are not served).
    """
    from .builtin import Params
    from .scan import FusedScan

    scan = FusedScan(con, relation, [n for n, _ in columns], dict(columns), Params())
    contract = ContractScan(scan, port, columns)
    if contract.ready:
        scan.run()
    return contract.results(), contract.undeclared


class ContractScan:
    """The contract's properties compiled onto a ``FusedScan``, so that the audit answers them in the
    same pass as the expectations (``build.audit``). Uniqueness is a distinct count (a bitmap for
    integer columns), never a GROUP BY unless it fails and an example is shown."""

    def __init__(self, scan: Any, port: Any, columns: list[tuple[str, str]]) -> None:
        from ..spec.types import resolve_type
        from .builtin import Compiled, Duplicates

        self.scan, self.port, self.columns = scan, port, columns
        have = dict(columns)
        declared = {c.name for c in port.columns}
        self.undeclared = [n for n, _ in columns if n not in declared]
        self.missing = [c.name for c in port.columns if c.name not in have]
        self.ready = not self.missing  # the columns exist: the properties can be checked
        self.labels: list[tuple[str, Any, str | None, int]] = []
        if not self.ready:
            return
        for c in port.columns:
            col = quote(c.name)
            physical = resolve_type(c.type).physical
            if not _same_type(have[c.name], physical):  # a column already of the declared type cannot fail the cast
                h = scan.add(Compiled([f"count(*) FILTER (WHERE {col} IS NOT NULL AND TRY_CAST({col} AS {physical}) IS NULL)"], _first))
                self.labels.append(("type", c, physical, h))
            if c.required:
                self.labels.append(("required", c, None, scan.add(Compiled([f"count(*) FILTER (WHERE {col} IS NULL)"], _first, nulls_of=col))))
            if c.unique:
                h = scan.add(Compiled([], _first, duplicates=Duplicates((col,), f"{col} IS NOT NULL")), exact_duplicates=False)
                self.labels.append(("unique", c, None, h))

    def results(self) -> list[CheckResult]:
        port, con, relation = self.port, self.scan.con, self.scan.relation
        if not self.ready:
            message = f"the data does not have declared column(s) {', '.join(self.missing)} (it has: {', '.join(n for n, _ in self.columns)})"
            return [CheckResult(name="columns", target=port.id, kind="contract", success=False, message=message)]
        pii = set(port.pii_columns) if not port.containsPii or port.pii_columns else {c.name for c in port.columns}
        results = []
        for kind, c, physical, handle in self.labels:
            if kind == "unique":
                rows, distinct = self.scan.distinct(handle)
                bad = rows - distinct
            else:
                bad = self.scan.values(handle)[0]
            if not bad:
                continue
            col = quote(c.name)

            def example(sql: str) -> str:
                if c.name in pii:
                    return _MASK
                return repr(con.execute(sql).fetchone()[0])

            if kind == "type":
                value = example(f"SELECT {col} FROM {relation} WHERE {col} IS NOT NULL AND TRY_CAST({col} AS {physical}) IS NULL LIMIT 1")
                message = f"column {c.name}: {bad} value(s) not castable to {c.type} ({physical}), e.g. {value}"
            elif kind == "required":
                message = f"column {c.name}: {bad} NULL value(s) but the column is required"
            else:
                value = example(f"SELECT {col} FROM {relation} WHERE {col} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1")
                message = f"column {c.name}: {bad} duplicate value(s) but the column is unique, e.g. {value}"
            results.append(CheckResult(name=f"{kind}({c.name})", target=port.id, kind="contract", success=False, message=message, unexpected_count=int(bad), column=c.name))
        if not results:
            results.append(CheckResult(name="contract", target=port.id, kind="contract", success=True, message=f"{len(port.columns)} declared columns hold"))
        return results


def _first(values: list[Any]) -> dict[str, Any]:
    return {"success": not values[0]}
