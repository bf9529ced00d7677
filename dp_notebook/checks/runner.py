"""Running a product's checks against its workspace, and recording the results.

Everything here reads the public ``ProductState`` (``dp_notebook.state``),
the product's engine and its workspace — never a facade's private fields.

Expectation suites live on their target (an output port, an input port or a
model); ``expect`` replaces a target's suite and runs it at once on the
current data; every transform of the target runs it again as its audit.
Unit tests are stored first and run whenever their transform exists, so a
notebook can be written test-first. ``test`` runs contracts, port quality
rules, expectations, unit tests and the SLOs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import SQLError
from ..names import private_schema, quote
from .model import CheckResult, SuiteResult


def relation_of(engine: Any, state: Any, target: str, con: Any) -> str | None:
    """The private table/view holding ``target``'s data, or None when it is not built yet."""
    state.require_target(target)
    schema = private_schema(state.id)
    return f"{quote(schema)}.{quote(target)}" if engine.has_relation(con, schema, target) else None


def run_expectations(state: Any, target: str, con: Any, relation: str) -> SuiteResult:
    from .run import run_suite

    return run_suite(con, relation, state.suites.get(target, []), target=target, pii_columns=state.pii_columns(target))


def expect(ws: Any, engine: Any, state: Any, target: str, suite: list[Any], source: Any = None) -> SuiteResult:
    """Store ``target``'s suite (replacing the previous one) and run it on the current data."""
    state.require_target(target)
    with engine.connect(where=f"expect {target}") as con:
        relation = relation_of(engine, state, target, con)
        state.set_suite(target, suite, source)
        if relation is None:
            return SuiteResult(target, [], note=f"{len(suite)} expectation(s) stored on {target}; they run when it is built")
        result = run_expectations(state, target, con, relation)
    ws.record_checks(state.id, result.results)
    return result


def run_contract(port: Any, con: Any, relation: str) -> list[CheckResult]:
    from .contract import contract_results

    if not port.columns:
        return []
    columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation}").fetchall()]
    return contract_results(con, relation, port, columns)[0]


def run_port_quality_rules(state: Any, port: Any, con: Any, relation: str) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    """The ODCS ``quality`` rules declared on a port: library/custom rules run now as expectations;
    the ``sql`` rules are returned, to run on a read-only connection (``run_guarded_sql_rules``)."""
    from ..privacy import port_pii
    from .odcs import from_odcs_rules
    from .run import run_suite

    if not port.quality:
        return [], []
    expectations, sql_rules = from_odcs_rules(port.quality, where=f"{port.id}.quality")
    results = run_suite(con, relation, expectations, target=port.id, pii_columns=port_pii(port)).results if expectations else []
    return results, sql_rules


def run_guarded_sql_rules(engine: Any, state: Any, pending: list[tuple[Any, str, list[dict[str, Any]]]]) -> list[CheckResult]:
    """ODCS ``sql`` rules of ``(port, relation, rules)``: each validated as one read-only query over the
    product's own tables, and run where the engine refuses writes (``checks/readonly.py``)."""
    from .odcs import run_sql_rules
    from .readonly import guard_for, read_only

    if not pending:
        return []
    out: list[CheckResult] = []
    with read_only(engine, where="quality rules", schema=private_schema(state.id)) as con:
        for port, relation, rules in pending:
            schema, view = state.spec.view_name(port)
            out += run_sql_rules(con, relation, rules, target=port.id, view=f"{schema}.{view}", guard=lambda q, w: guard_for(state, w, q, engine.dialect))
    return out


def run_units(engine: Any, state: Any, namespace: dict[str, Any] | None, target: str | None = None) -> list[CheckResult]:
    """Run the stored unit-test cases (all targets, or one) in isolated in-memory databases.

    A case whose transform is not declared yet is reported as not run (a warning),
    so tests can be written before the transform.
    """
    from .unit import run_case

    results = []
    for port_id, cases in state.unit_cases.items():
        if target is not None and port_id != target:
            continue
        for case in cases:
            if port_id not in state.transforms:
                results.append(CheckResult(name=case.name, target=port_id, kind="unit", success=False, severity="warning",
                                           message=f"not run: {port_id} has no transform yet (it runs when the %%dataproduct transform {port_id} cell has run)"))
                continue
            res = run_case(case, target=port_id, build=_builder(state, port_id, case, namespace), connect=engine.unit_connection)
            results.append(
                CheckResult(
                    name=res.case, target=port_id, kind="unit", success=res.success,
                    message=res.message + (("\n" + res.diff_text()) if not res.success and (res.missing or res.unexpected) else ""),
                    unexpected_count=len(res.missing) + len(res.unexpected),
                )
            )
    return results


def _builder(state: Any, port_id: str, case: Any, namespace: dict[str, Any] | None):
    from ..params import render_params

    def build(con, params):
        # values bound at the last run fill in what the case and the namespace do not give
        defined = state.transforms[port_id]
        values_from = {**defined.bound, **(namespace or {})}
        # models the port may read, in the order they were defined, unless given
        for name, t in state.transforms.items():
            if name == port_id or not t.model or name in case.given:
                continue
            sql, values = render_params(t.sql, {**t.params, **params}, {**t.bound, **(namespace or {})})
            _exec(con, f"CREATE OR REPLACE TABLE {quote(name)} AS {sql}", values, port_id)
        sql, values = render_params(defined.sql, {**defined.params, **params}, values_from)
        _exec(con, f"CREATE OR REPLACE TABLE __unit_result AS {sql}", values, port_id)
        return "__unit_result"

    def _exec(con, sql, values, target):
        try:
            con.execute(sql, values or None)
        except SQLError as exc:
            first = str(exc).split(": ", 1)[-1]
            hint = " (give its rows under 'given')" if "does not exist" in first else ""
            raise SQLError(f"unittest {target}: {first}{hint}") from None

    return build


def run_quality(ws: Any, engine: Any, state: Any, *, now: datetime | None = None, record: bool = True) -> SuiteResult:
    """Check every port's SLOs (port-level, else the product's) on the served data; append history (``record``)."""
    from .quality import evaluate_slo

    from .readonly import guard_for, read_only

    spec = state.spec
    rows: list[dict[str, Any]] = []
    guard = lambda query, where: guard_for(state, where, query, engine.dialect)  # noqa: E731 - one SELECT over the product's own tables
    with read_only(engine, where="quality", schema=private_schema(state.id)) as con:  # SLO SQL comes from the spec: it may only read
        for port in spec.outputPorts:
            slos = list(port.serviceLevelObjectives) or list(spec.serviceLevelObjectives)
            if not slos:
                continue
            relation = relation_of(engine, state, port.id, con)
            if relation is None:
                rows.append({"name": "built", "target": port.id, "kind": "quality", "success": False, "severity": "error", "message": f"{port.id} has not been built yet", "value": None})
                continue
            for slo in slos:
                rows.append(evaluate_slo(con, relation, slo, target=port.id, now=now, guard=guard))
    if record:
        with ws.metadata() as md:
            md.append_quality(state.id, rows, now)
    results = [
        CheckResult(name=r["name"], target=r["target"], kind="quality", success=r["success"], message=r["message"], unexpected_count=r.get("unexpected_count"), observed_value=r.get("value"), severity=r.get("severity", "error"))
        for r in rows
    ]
    if record:
        ws.record_checks(state.id, results)
    return SuiteResult("quality", results)


def has_slos(spec: Any) -> bool:
    return bool(spec.serviceLevelObjectives) or any(p.serviceLevelObjectives for p in spec.outputPorts)


def run_all(ws: Any, engine: Any, state: Any, namespace: dict[str, Any] | None = None, *, record: bool = True) -> SuiteResult:
    """Contracts, port quality rules and expectations of every target, unit tests, then the SLOs.

    ``record=False`` (a dry run) records nothing: no results, no quality history.
    """
    spec = state.spec
    results: list[CheckResult] = []
    pending_sql: list[tuple[Any, str, list[dict[str, Any]]]] = []  # run once the read-write connection is closed
    with engine.connect(where="test") as con:
        targets = list(dict.fromkeys([p.id for p in spec.outputPorts] + list(state.suites)))
        for target in targets:
            relation = relation_of(engine, state, target, con)
            port = next((p for p in spec.outputPorts if p.id == target), None)
            if relation is None:
                if port is not None and (state.suites.get(target) or port.columns):
                    results.append(CheckResult(name="built", target=target, kind="contract", success=False, message=f"{target} has not been built: run its transform"))
                continue
            if port is not None:
                results += run_contract(port, con, relation)
                rule_results, sql_rules = run_port_quality_rules(state, port, con, relation)
                results += rule_results
                if sql_rules:
                    pending_sql.append((port, relation, sql_rules))
            if state.suites.get(target):
                results += run_expectations(state, target, con, relation).results
    results += run_guarded_sql_rules(engine, state, pending_sql)
    results += run_units(engine, state, namespace)
    if record:
        ws.record_checks(state.id, results)
    quality = run_quality(ws, engine, state, record=record) if has_slos(spec) else SuiteResult("quality", [])
    return SuiteResult(state.id, results + quality.results)


def latest_results(ws: Any, product_id: str) -> list[dict[str, Any]]:
    """The latest result of every check of the product (from its status file)."""
    return list(ws.read_status(product_id).get("checks", {}).values())


def results_json(rows: list[dict[str, Any]]) -> str:
    import json

    return json.dumps({"version": 1, "results": rows}, indent=2, default=str)
