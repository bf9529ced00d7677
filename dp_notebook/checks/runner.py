"""Running a product's checks against its workspace, and recording the results.

Expectation suites live on their target (an output port, an input port or a
model); ``expect`` replaces a target's suite and runs it at once on the
current data; every transform of the target runs it again as its audit.
``test`` runs expectations, unit tests, the port contracts and the SLOs.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ..errors import DataProductError, PortNotFound
from ..workspace import private_schema, quote
from .model import CheckResult, SuiteResult


def relation_of(dp: Any, target: str, con: Any) -> str | None:
    """The private table/view holding ``target``'s data, or None when it is not built yet."""
    schema = private_schema(dp.id)
    known = (
        any(p.id == target for p in dp.spec.outputPorts)
        or dp.spec.input_port(target) is not None
        or target in dp._transforms
        or target in dp._inputs
    )
    if not known:
        ports = ", ".join([p.id for p in dp.spec.outputPorts] + [p.id for p in dp.spec.inputPorts] + list(dp._transforms)) or "none"
        raise PortNotFound(f"{target!r} is not a port, input or model of {dp.id!r} (known: {ports})")
    return f"{quote(schema)}.{quote(target)}" if dp.engine.has_relation(con, schema, target) else None


def pii_columns(dp: Any, target: str) -> set[str]:
    port = next((p for p in dp.spec.outputPorts if p.id == target), None)
    return set(port.pii_columns) if port else set()


def run_expectations(dp: Any, target: str, con: Any, relation: str) -> SuiteResult:
    from .run import run_suite

    return run_suite(con, relation, dp._suites.get(target, []), target=target, pii_columns=pii_columns(dp, target))


def expect(dp: Any, target: str, data: Any, *, positions: Any = None, source: str | None = None) -> SuiteResult:
    """Store ``target``'s suite (replacing the previous one) and run it on the current data."""
    from .run import parse_suite

    suite = parse_suite(data, source=source, positions=positions)
    with dp.engine.connect(where=f"expect {target}") as con:
        relation = relation_of(dp, target, con)  # validates the target name
        dp._suites[target] = suite
        if relation is None:
            return SuiteResult(target, [], note=f"{len(suite)} expectation(s) stored on {target}; they run when it is built")
        result = run_expectations(dp, target, con, relation)
    record(dp, result)
    return result


def run_contract(dp: Any, port: Any, con: Any, relation: str) -> list[CheckResult]:
    from ..errors import ContractViolation
    from ..transform import check_contract

    if not port.columns:
        return []
    columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]
    try:
        check_contract(con, relation, dp.spec, port, columns)
    except ContractViolation as exc:
        return [CheckResult(name="contract", target=port.id, kind="contract", success=False, message=str(exc))]
    return [CheckResult(name="contract", target=port.id, kind="contract", success=True, message=f"{len(port.columns)} declared columns hold")]


def run_port_quality_rules(dp: Any, port: Any, con: Any, relation: str) -> list[CheckResult]:
    """The ODCS ``quality`` rules declared on a port: library/custom rules as expectations, sql as queries."""
    from .odcs import from_odcs_rules, run_sql_rules
    from .run import run_suite

    if not port.quality:
        return []
    expectations, sql_rules = from_odcs_rules(port.quality, where=f"{port.id}.quality")
    results = run_suite(con, relation, expectations, target=port.id, pii_columns=set(port.pii_columns)).results if expectations else []
    schema, view = dp.spec.view_name(port)
    return results + run_sql_rules(con, relation, sql_rules, target=port.id, view=f"{schema}.{view}")


def run_units(dp: Any, target: str | None = None) -> list[CheckResult]:
    """Run stored unit-test cases (all targets, or one) in isolated in-memory databases."""
    from .unit import run_case

    results = []
    for port_id, cases in dp._unit_cases.items():
        if target is not None and port_id != target:
            continue
        for case in cases:
            res = run_case(case, target=port_id, build=_builder(dp, port_id, case), connect=dp.engine.unit_connection)
            results.append(
                CheckResult(
                    name=res.case, target=port_id, kind="unit", success=res.success,
                    message=res.message + (("\n" + res.diff_text()) if not res.success and (res.missing or res.unexpected) else ""),
                    unexpected_count=len(res.missing) + len(res.unexpected),
                )
            )
    return results


def _builder(dp: Any, port_id: str, case: Any):
    import duckdb

    from ..errors import SQLError
    from ..transform import render_params

    if port_id not in dp._transforms:
        raise DataProductError(f"unittest {port_id}: run its %%dataproduct transform cell first, the test needs its SQL")

    def build(con, params):
        namespace = dp._namespace or {}
        # models the port may read, in the order they were defined, unless given
        for name, t in dp._transforms.items():
            if name == port_id or not t.model or name in case.given:
                continue
            sql, values = render_params(t.sql, {**t.params, **params}, namespace)
            _exec(con, f'CREATE OR REPLACE TABLE "{name}" AS {sql}', values, port_id)
        t = dp._transforms[port_id]
        sql, values = render_params(t.sql, {**t.params, **params}, namespace)
        _exec(con, f"CREATE OR REPLACE TABLE __unit_result AS {sql}", values, port_id)
        return "__unit_result"

    def _exec(con, sql, values, target):
        try:
            con.execute(sql, values or None)
        except (duckdb.Error, SQLError) as exc:
            first = str(exc).strip().splitlines()[0]
            hint = " (give its rows under 'given')" if "does not exist" in first else ""
            raise SQLError(f"unittest {target}: {first}{hint}") from None

    return build


def run_quality(dp: Any, *, now: datetime | None = None) -> SuiteResult:
    """Check every port's SLOs (port-level, else the product's) on the served data; append history."""
    from .quality import evaluate_slo

    rows: list[dict[str, Any]] = []
    with dp.engine.connect(where="quality") as con:
        for port in dp.spec.outputPorts:
            slos = list(port.serviceLevelObjectives) or list(dp.spec.serviceLevelObjectives)
            if not slos:
                continue
            relation = relation_of(dp, port.id, con)
            if relation is None:
                rows.append({"name": "built", "target": port.id, "kind": "quality", "success": False, "severity": "error", "message": f"{port.id} has not been built yet", "value": None})
                continue
            for slo in slos:
                rows.append(evaluate_slo(con, relation, slo, target=port.id, now=now))
    stamp = now or datetime.now(timezone.utc)
    with dp.workspace.connect() as con:
        for r in rows:
            value = r.get("value")
            con.execute(
                "INSERT INTO _dp.quality_history VALUES (?, ?, ?, ?, ?, ?, ?)",
                [dp.id, r["target"], r["name"], stamp, float(value) if isinstance(value, (int, float)) else None, r["success"], r["message"]],
            )
    results = [
        CheckResult(name=r["name"], target=r["target"], kind="quality", success=r["success"], message=r["message"], unexpected_count=r.get("unexpected_count"), observed_value=r.get("value"), severity=r.get("severity", "error"))
        for r in rows
    ]
    suite = SuiteResult("quality", results)
    record(dp, suite)
    return suite


def quality_history(dp: Any):
    return dp.workspace.sql("SELECT * FROM _dp.quality_history WHERE product = ? ORDER BY checked_at", [dp.id])


def run_all(dp: Any) -> SuiteResult:
    """Expectations, contracts and unit tests of every target, then the SLOs."""
    results: list[CheckResult] = []
    with dp.engine.connect(where="test") as con:
        targets = list(dict.fromkeys([p.id for p in dp.spec.outputPorts] + list(dp._suites)))
        for target in targets:
            relation = relation_of(dp, target, con)
            port = next((p for p in dp.spec.outputPorts if p.id == target), None)
            if relation is None:
                if port is not None and (dp._suites.get(target) or port.columns):
                    results.append(CheckResult(name="built", target=target, kind="contract", success=False, message=f"{target} has not been built: run its transform"))
                continue
            if port is not None:
                results += run_contract(dp, port, con, relation)
                results += run_port_quality_rules(dp, port, con, relation)
            if dp._suites.get(target):
                results += run_expectations(dp, target, con, relation).results
    results += run_units(dp)
    suite = SuiteResult("all", results)
    record(dp, suite)
    quality = run_quality(dp) if any(p.serviceLevelObjectives for p in dp.spec.outputPorts) or dp.spec.serviceLevelObjectives else SuiteResult("quality", [])
    return SuiteResult(dp.id, results + quality.results)


def record(dp: Any, suite: SuiteResult) -> None:
    """Persist results in ``_dp.check_results`` and the product's status file."""
    if not suite.results:
        return
    stamp = datetime.now(timezone.utc)
    with dp.workspace.connect() as con:
        for r in suite.results:
            con.execute(
                "INSERT INTO _dp.check_results VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [dp.id, r.target, r.kind, r.name, r.success, r.unexpected_count, r.unexpected_percent, r.message, stamp],
            )
    latest = dp.workspace.read_status(dp.id).get("checks", {})
    for r in suite.results:
        latest[f"{r.kind}:{r.target}:{r.name}"] = r.to_row() | {"checked_at": stamp.isoformat()}
    dp.workspace.write_status(dp.id, {"checks": latest})


def latest_results(dp: Any) -> list[dict[str, Any]]:
    """The latest result of every check of the product (from its status file)."""
    return list(dp.workspace.read_status(dp.id).get("checks", {}).values())


def results_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps({"version": 1, "results": rows}, indent=2, default=str)
