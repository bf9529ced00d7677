"""A product's ports over time, for the facade: rollback, and data diffs of a change.

Above ``build`` (it plans a dry build to diff what a transform would write) and
``versions`` (the kept versions and their history).
"""

from __future__ import annotations

from typing import Any

from .versions import RollbackResult, choose, read_history, rollback

def rollback_port(dp: Any, port: str, to: str | None = None) -> RollbackResult:
    """``DataProduct.rollback``: point the views back, rewrite a files port's Parquet, update the status."""
    from .build import _status_of, serving_select

    result = rollback(dp.workspace, dp.engine, dp.spec, port, to, serving_select=serving_select)
    port_spec = next((p for p in dp.spec.outputPorts if p.id == port), None)
    if port_spec is not None and port_spec.kind == "files":
        from .build import write_parquet_of

        write_parquet_of(dp.engine, dp.workspace, dp.id, port, dp.spec.view_name(port_spec))
    _status_of(dp.workspace, dp.id, port, "success", None, rows=result.rows, version=result.to_seq, run_id=result.to_run, rolled_back_from=result.from_seq)
    return result


def port_diff(dp: Any, port: str, *, against: str | None = None, sample: int = 10, namespace: dict[str, Any] | None = None):
    """``DataProduct.data_diff`` (see there)."""
    from .build import plan_build, serving_select
    from .datadiff import compare
    from .errors import DataProductError
    from .names import private_schema, quote

    spec_port = dp.spec.output_port(port)
    view_schema, view = dp.spec.view_name(spec_port)
    served = f"{quote(view_schema)}.{quote(view)}"
    key = spec_port.key_columns
    pii = frozenset(dp.state.pii_columns(port))
    engine = dp.engine
    with dp.workspace.metadata() as md:
        rows = md.versions(dp.id, port)
    current = next((r for r in rows if r["serving"]), None)
    served_label = f"served (version {current['seq']})" if current else "served"
    with engine.connect(where=f"data diff of {port}") as con:
        built = engine.has_relation(con, view_schema, view)
        if against is not None:
            if not built:
                raise DataProductError(f"diff --data {port} --against {against}: {port} is not built yet")
            _, wanted = choose(rows, port, against)
            from .engine.base import VersionRef

            version = VersionRef.from_row(wanted)
            old = f"({serving_select(spec_port, engine.version_relation(private_schema(dp.id), version), list(version.columns))}) AS __dp_old"
            return compare(con, old, served, target=port, key=key, pii=pii, sample=sample, old_label=f"version {wanted['seq']} (run {wanted['run_id']})", new_label=served_label)
    if port not in dp.state.transforms:
        raise DataProductError(f"diff --data {port}: no transform builds {port} in this session: run its %%dataproduct transform cell first (or use --against RUN)")
    if namespace is not None:
        dp.namespace = namespace
    plan = plan_build(dp.state, port, params=None, namespace=dp.namespace, history=read_history(dp.workspace, dp.id, port), keep_versions=dp.settings.keep_versions)
    label = f"transform now (would be version {plan.seq}" + (f"; {plan.increment.describe()}" if plan.increment is not None else "") + ")"
    if plan.increment is not None and plan.increment.nothing_new:
        with engine.connect(where=f"data diff of {port}") as con:
            return compare(con, served, served, target=port, key=key, pii=pii, sample=0, old_label=served_label, new_label=label)
    with engine.transaction(plan, dry=True) as tx:
        staged = tx.stage(plan)
        new = f"({serving_select(spec_port, staged.relation, staged.columns)}) AS __dp_new"
        return compare(tx.con, served if built else None, new, target=port, key=key, pii=pii, sample=sample, old_label=served_label, new_label=label)


def write_run_diff(dp: Any, port: str, plan: Any) -> None:
    """Under ``dp-notebook run``: what this build changed (the data diff against the version it
    replaced) into ``<run dir>/<product>/data-diff-<port>.txt`` and ``.json``; the CLI prints it."""
    import json

    from .errors import DataProductError
    from .files import atomic_write

    previous = plan.serving
    if previous is None or not any(v.run_id == previous.run_id for v in plan.versions) or plan.keep_versions < 2:
        return  # a first build, or no earlier version kept to compare with
    try:
        diff = port_diff(dp, port, against=previous.run_id)
    except DataProductError as exc:  # the build succeeded; the diff is a report about it
        import warnings

        warnings.warn(f"{port} was built, but its data diff could not be computed: {exc}", stacklevel=4)
        return
    folder = dp.settings.run_dir / dp.id
    atomic_write(folder / f"data-diff-{port}.txt", str(diff) + "\n")
    atomic_write(folder / f"data-diff-{port}.json", json.dumps(diff.to_dict(), indent=2, default=str))
