"""The Python API: a declared data product with one method per magic.

    >>> import dp_notebook
    >>> dp = dp_notebook.load("tests/fixtures/shelf_warmers_seed.yaml")   # doctest: +SKIP
    >>> dp.export("odcs")                                                  # doctest: +SKIP

``DataProduct`` is a thin facade: its public ``state`` (``dp_notebook.state``)
holds what the notebook declared and built; each method asks one stage of the
pipeline (build, checks, docs, cost, publish) to act on that state, in the
product's workspace, on the product's engine, with the workspace's settings.
Magics and the CLI call these methods; a plain script can do the same.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import DataProductError
from .exports import EXPORT_FORMATS, ExportResult
from .lint import LintReport
from .render.bundle import mimebundle
from .spec.load import Finding, LoadedSpec, load_spec, spec_path
from .spec.summary import product_summary
from .state import ProductState, Source, TransformDef

__all__ = ["EXPORT_FORMATS", "DataProduct", "ExportResult", "LintReport", "load"]


class DataProduct:
    """A declared data product: its state, its workspace and engine, and one method per magic."""

    def __init__(self, loaded: LoadedSpec, *, workspace: Any = None, state: ProductState | None = None) -> None:
        self.state = state or ProductState(loaded)
        self._workspace = workspace
        self._engine: Any = None
        self._engine_settings: Any = None
        self.namespace: dict[str, Any] | None = None  # the notebook's variables, for {{name}} at test time
        # the version (run id) this process made each port serve: publish refuses to ship another
        # process's build under this notebook's tests and outputs
        self.served_here: dict[str, str] = {}

    # -- the declaration ---------------------------------------------------------------------
    def redeclare(self, other: DataProduct) -> None:
        """Take ``other``'s spec (a re-run declare cell) and keep this product's inputs, transforms and checks."""
        self.state.redeclare(other.state.loaded)
        self._save()

    @property
    def spec(self):
        return self.state.spec

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def findings(self) -> list[Finding]:
        return list(self.state.loaded.findings)

    def summary(self) -> dict[str, Any]:
        return product_summary(self.spec)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.product import product_html, product_text

        summary = self.summary()
        return mimebundle("product", {"product": summary}, product_html(summary), product_text(summary))

    def __repr__(self) -> str:
        return f"<DataProduct {self.id!r}: {len(self.spec.inputPorts)} input, {len(self.spec.outputPorts)} output ports>"

    # -- where it runs -------------------------------------------------------------------------
    @property
    def workspace(self):
        """The workspace this product builds in (``.dp/`` by default, see DESIGN §9)."""
        if self._workspace is None:
            from .workspace import Workspace

            self._workspace = Workspace()
        return self._workspace

    @property
    def settings(self):
        """The workspace's settings (``dp_notebook.settings.Settings``)."""
        return self.workspace.settings

    @property
    def engine(self):
        """The engine that runs this product's SQL: its ``engine:`` field, else the workspace default.

        Re-declaring the product with another engine switches to it.
        """
        wanted = self.settings.engine_for(self.spec)
        if self._engine is None or wanted != self._engine_settings:
            from .engine import get_engine

            self._engine, self._engine_settings = get_engine(self.workspace, wanted), wanted
        return self._engine

    def _save(self) -> None:
        """The state beside the workspace, for the CLI (best effort: the notebook goes on without it)."""
        try:
            self.state.save(self.workspace.state_path(self.id))
        except DataProductError as exc:
            import warnings

            warnings.warn(f"dp-notebook could not save the state of {self.id}: {exc}", stacklevel=3)

    # -- lint and export -----------------------------------------------------------------------
    def lint(self, *, policy: Any = None) -> LintReport:
        """The spec's findings, the id rules and the workspace's policies (``dp-notebook.yaml``)."""
        from .lint import lint_product

        return lint_product(self.state.loaded, policy if policy is not None else self.settings.policy)

    def export(self, fmt: str, port: str | None = None, *, out: str | os.PathLike | None = None) -> ExportResult:
        """Export as ``dps|odps|odcs|jsonschema|dbt|ddl``; with ``out`` also write the files."""
        from .exports import export_product

        return export_product(self.workspace, self.engine, self.state, fmt, port, out=out)

    def write_specs(self, folder: Path) -> list[Path]:
        """Write DPS, ODPS and one ODCS contract per port into ``folder``."""
        from .exports import write_specs

        return write_specs(self.workspace, self.engine, self.state, Path(folder))

    # -- inputs and transforms -----------------------------------------------------------------------
    def input(self, port: str, source: Any, *, namespace: dict[str, Any] | None = None, auto_declare: bool = False, base_dir: str | os.PathLike | None = None):
        """Bind input ``port`` to a path/glob, a DataFrame, ``table:x`` or ``product.port``.

        ``source`` may be the ``--from`` text or a DataFrame/relation object itself;
        relative paths resolve against ``base_dir`` (default: the current directory).
        """
        from .inputs import bind_input, resolve_source

        if isinstance(source, (str, os.PathLike)):
            src = resolve_source(str(source), namespace=namespace, catalog_dir=self.workspace.catalog_dir, base_dir=Path(base_dir or Path.cwd()), role=self.settings.role)
        else:
            src = Source("var", f"<{type(source).__name__}>", source)
        result = bind_input(self.engine, self.state, port, src, auto_declare=auto_declare)
        self._save()
        return result

    def transform(
        self,
        target: str,
        sql: str,
        *,
        params: dict[str, Any] | None = None,
        namespace: dict[str, Any] | None = None,
        model: bool = False,
        line_offset: int = 1,
        progress: Any = None,
        incremental: bool = False,
        time_column: str | None = None,
        unique_key: str | list[str] | None = None,
        lookback: str | None = None,
        full_refresh: bool = False,
        start: Any = None,
        end: Any = None,
    ):
        """Build an output port (write-audit-publish) or, with ``model=True``, a private model.

        ``incremental=True`` processes only what is new since the last successful run (see
        ``dp_notebook.incremental``): ``time_column`` (a time range, ``lookback`` reprocessed),
        new files of a globbed input, or ``unique_key`` (new or changed rows, merged). The port's
        ``incremental:`` field does the same from the spec. ``full_refresh`` rebuilds from all
        data; ``start``/``end`` (re)build one time range. Unit tests stored for ``target`` run
        with the audit: when they fail, nothing is swapped in (as ``dbt build``).

            >>> dp.transform("events_v1", sql, incremental=True, time_column="at", lookback="1d")   # doctest: +SKIP
        """
        from .build import plan_build, run_build
        from .versions import read_history

        if namespace is not None:
            self.namespace = namespace
        cell = None
        if incremental or time_column or unique_key or lookback:
            cell = {"time_column": time_column, "unique_key": _keys(unique_key), "lookback": lookback}
        previous = self.state.transforms.get(target)
        self.state.set_transform(TransformDef(target, sql, dict(params or {}), model, line_offset, incremental=cell))
        if progress is None:
            from .render.progress import Progress

            # a themed line in the notebook while it runs; nothing under dp-notebook run, CI or scripts
            progress = Progress(target, enabled=not self.settings.unattended, stages=("staging", "checks", "swap"))
        units = None
        if self.state.unit_cases.get(target):
            from .checks.runner import run_units

            units = lambda: run_units(self.engine, self.state, self.namespace, target)  # noqa: E731
        try:
            if not model:
                self.spec.output_port(target)  # PortNotFound before anything is read
            with self.workspace.one_connection():  # history, run record, transaction and results: the file opened once
                history = read_history(self.workspace, self.id, target)
                plan = plan_build(
                    self.state, target, params=None, namespace=namespace, history=history, keep_versions=self.settings.keep_versions,
                    full_refresh=full_refresh, start=start, end=end,
                )
                self.state.transforms[target].bound = dict(plan.values)  # the unit tests' parameters too
                result = run_build(self.workspace, self.engine, plan, progress=progress, units=units)
        except BaseException:
            # the saved state is the transform that built what the port serves (the CLI, test and
            # export read it): a refused or failed one is not recorded
            if previous is None:
                self.state.transforms.pop(target, None)
            else:
                self.state.transforms[target] = previous
            raise
        self._save()
        if result.version is not None:
            self.served_here[target] = result.run_id
        if self.settings.run_dir is not None and not model and result.version is not None:
            from .changes import write_run_diff

            write_run_diff(self, target, plan)
        return result

    def rollback(self, port: str, *, to: str | None = None):
        """Serve a kept earlier version of ``port`` again: instantly, nothing recomputed, recorded as a run.

        ``to``: a run id (or a unique prefix) or a version number; default the version before the
        served one. ``versions()`` lists what is kept (``keep_versions`` in dp-notebook.yaml).
        """
        from .changes import rollback_port

        result = rollback_port(self, port, to)
        self.served_here[port] = result.to_run
        return result

    def data_diff(self, port: str, *, against: str | None = None, sample: int = 10, namespace: dict[str, Any] | None = None):
        """What a change does to ``port``'s rows (``dp_notebook.datadiff``), compared by the port's key.

        Without ``against``: the rows the port's transform would write now (staged and audited
        nowhere: the staging is rolled back) against the rows it serves. With ``against`` (a
        kept version's run id, prefix or number): that version against the served rows.
        """
        from .changes import port_diff

        return port_diff(self, port, against=against, sample=sample, namespace=namespace)

    def versions(self, port: str | None = None):
        """The versions of this product's ports (or one port): which one each serves, which are kept."""
        from .versions import VersionsReport

        with self.workspace.metadata() as md:
            rows = md.versions(self.id, port)
        return VersionsReport(self.id, rows)

    def sql(self, query: str, *, params: dict[str, Any] | None = None, namespace: dict[str, Any] | None = None):
        """Query the workspace (``{{name}}`` bound from params/namespace); returns a DataFrame."""
        from .names import private_schema
        from .params import render_params

        bound, values = render_params(query, params, namespace)
        frame = self.engine.query_df(private_schema(self.id), bound, values)
        self.state.add_example(query.strip())
        self._save()
        return frame

    def runs(self):
        """This product's run history (newest first)."""
        return self.workspace.runs(self.id)

    # -- checks -----------------------------------------------------------------------------------
    def expect(self, target: str, expectations: Any, *, source: str | None = None, line_offset: int = 0):
        """Set ``target``'s expectation suite (YAML text, a list, or GX suite JSON) and run it now."""
        from .checks.run import parse_suite
        from .checks.runner import expect

        data, positions = _yaml_body(expectations, source, line_offset)
        suite = parse_suite(data, source=source, positions=positions)
        result = expect(self.workspace, self.engine, self.state, target, suite, data if isinstance(data, list) else None)
        self._save()
        return result

    def unittest(self, target: str, cases: Any, *, source: str | None = None, line_offset: int = 0):
        """Store unit-test cases for ``target``'s transform and run them (isolated in-memory DuckDB).

        Written before the transform, the cases are stored and run as soon as it is built.
        """
        from .checks.model import SuiteResult
        from .checks.runner import run_units
        from .checks.unit import parse_cases

        if target not in self.state.transforms:
            self.spec.output_port(target)  # PortNotFound lists the ports
        data, positions = _yaml_body(cases, source, line_offset)
        self.state.set_unit_cases(target, parse_cases(data, target=target, positions=positions), data)
        self._save()
        if target not in self.state.transforms:
            n = len(self.state.unit_cases[target])
            return SuiteResult(target, [], note=f"{n} unit test case(s) stored for {target}; they run when its transform is built, and on test")
        result = SuiteResult(target, run_units(self.engine, self.state, self.namespace, target))
        self.workspace.record_checks(self.id, result.results)
        return result

    def test(self, *, raise_on_failure: bool = True, record: bool = True):
        """Run everything: contracts, expectations, unit tests and SLOs; raise ``ChecksFailed`` on failure."""
        from .checks.runner import run_all

        result = run_all(self.workspace, self.engine, self.state, self.namespace, record=record)
        if raise_on_failure:
            result.raise_for_failure()
        return result

    def quality(self):
        """Check the SLOs now and append them to the quality history (rendered with the trend)."""
        from .checks.runner import run_quality
        from .render.quality import QualityReport

        result = run_quality(self.workspace, self.engine, self.state)
        with self.workspace.metadata() as md:
            history = md.quality_history(self.id)
        return QualityReport(result, history, spec=self.spec)

    # -- documentation and cost -----------------------------------------------------------------------
    def lineage(self) -> dict[str, Any]:
        """Table- and column-level lineage of the transforms run in this session (sqlglot)."""
        from .lineage import lineage_graph
        from .names import private_schema

        schema: dict[str, dict[str, str]] = {}
        for table_name, col, dtype in self.engine.schema_columns(private_schema(self.id)):
            schema.setdefault(table_name, {})[col] = dtype
        ports = {p.id for p in self.spec.outputPorts}
        out_cols = {p.id: [c.name for c in p.columns] or list(schema.get(p.id, {})) for p in self.spec.outputPorts}
        sources = {k: v for k, v in schema.items() if k not in ports}
        return lineage_graph(
            {t: x.sql for t, x in self.state.transforms.items()}, sources, ports=ports,
            inputs={p.id for p in self.spec.inputPorts} | set(self.state.inputs), output_columns=out_cols,
        )

    def cost(self, *, price_model: Any = None):
        """Measured compute per transform and storage per port, projected to a month (see ``dp_notebook.cost``)."""
        from .cost import product_cost

        return product_cost(self.workspace, self.engine, self.state, price_model or self.settings.price_model)

    def docs_model(self, *, files: dict[str, Any] | None = None) -> dict[str, Any]:
        """Everything the documentation page shows, from the same model as the exports."""
        from .docs import docs_model

        return docs_model(self, files=files)

    def docs_html(self, *, files: dict[str, Any] | None = None) -> str:
        from .render.docs import render_product_page

        return render_product_page(self.docs_model(files=files))

    def docs(self, out: str | os.PathLike | None = None):
        """Write ``<out>/<id>/index.html`` (self-contained) with the specs in ``specs/`` beside it.

        Default ``out``: the run folder under ``dp-notebook run``, else ``.dp/docs``.
        """
        from .docs import write_docs

        return write_docs(self, out)

    def write_artifacts(self, out: Path) -> list[Path]:
        """Under ``dp-notebook run``: specs, check results (JSON + JUnit XML) and the docs page in ``out``."""
        from .docs import write_run_artifacts

        return write_run_artifacts(self, Path(out))

    # -- the mesh: publish, diff, use, redact --------------------------------------------------------
    def diff(self, *, catalog: str | os.PathLike | None = None):
        """Changes against the published version, each marked breaking or not."""
        from .publish import current_summary, diff_summaries

        return diff_summaries(current_summary(Path(catalog) if catalog else self.workspace.catalog_dir, self.id), self.summary())

    def publish(self, to: str | os.PathLike | None = None, *, dry_run: bool = False, allow_breaking: bool = False, skip_tests: bool = False, defer: bool | None = None):
        """Lint, test, diff — then publish specs, contracts, data snapshots and results.

        ``to``: a catalog directory (default: the workspace catalog) or a Data Mesh
        Manager URL (key from ``DATAMESH_MANAGER_API_KEY``). Everything that can
        refuse runs before anything is sent or written; the local catalog is
        updated only after a remote publish succeeded. A dry run records nothing.
        Under ``dp-notebook publish NOTEBOOK`` (``defer``) the publish waits for the
        end of the notebook, where it happens once, with the CLI's target.
        """
        from .publish.assemble import publish_product
        from .publish.file import PublishReport

        if self.settings.publish_deferred if defer is None else defer:
            return PublishReport(self.id, "deferred", None, False, note="publish deferred to the end of the run (dp-notebook publish)")

        return publish_product(self, to, dry_run=dry_run, allow_breaking=allow_breaking, skip_tests=skip_tests)

    def use(self, ref: str, *, as_: str | None = None, role: str | None = None, namespace: dict[str, Any] | None = None):
        """Consume another product's published port: checks ``rolesAllowed``, declares and binds an input port."""
        from .inputs import bind_input, port_source
        from .names import check_id, split_port_ref
        from .spec.model import InputPort

        product, port_id = split_port_ref(ref)
        name = check_id(as_ or port_id, "use --as")
        source = port_source(ref, self.workspace.catalog_dir, role or self.settings.role)
        self.state.claim_name(name, "input", "use --as")
        if self.spec.input_port(name) is None:
            entry = source.info["port"]
            self.spec.inputPorts.append(
                InputPort(id=name, name=name, sourceSystemId=product, type="dataproduct", contractId=entry.get("contractId"), version=entry.get("version"), description=f"Output port {ref} of data product {product}")
            )
        result = bind_input(self.engine, self.state, name, source)
        self._save()
        return result

    def redact(self, port: str, *, as_: str | None = None, method: str = "hash", namespace: dict[str, Any] | None = None):
        """Derive a PII-redacted port from ``port`` (PII columns hashed or dropped) and build it."""
        from .names import check_id
        from .redact import redacted_port

        source = self.spec.output_port(port)
        new_id = check_id(as_ or f"{port}_redacted", "redact --as")
        if method == "hash" and self.engine.name != "duckdb":
            raise DataProductError(f"redact: the keyed hash runs on the duckdb engine only, not on {self.engine.name}; use --method drop")
        if self.state.kind_of(new_id) not in (None, "output"):
            self.state.claim_name(new_id, "output", "redact --as")
        new_port, sql = redacted_port(self.spec, source, new_id, method=method)
        existing = next((i for i, p in enumerate(self.spec.outputPorts) if p.id == new_port.id), None)
        if existing is None:
            self.spec.outputPorts.append(new_port)
        else:
            self.spec.outputPorts[existing] = new_port
        return self.transform(new_port.id, sql, namespace=namespace)


def _keys(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [k.strip() for k in (value.split(",") if isinstance(value, str) else value) if k.strip()]


def _yaml_body(body: Any, source: str | None, line_offset: int) -> tuple[Any, Any]:
    """Cell text → (data, positions); lists and dicts pass through."""
    if isinstance(body, str):
        from .spec.yamlpos import load_yaml

        return load_yaml(body, source=source, line_offset=line_offset)
    return body, None


def load(source: str | os.PathLike | dict, *, workspace: Any = None, name: str | None = None, line_offset: int = 0, base_dir: str | os.PathLike | None = None) -> DataProduct:
    """Load a product from a YAML file path, YAML text, or a dict (DPS 0.0.1 or ODPS v1).

    >>> dp = load("dataProductSpecification: 0.0.1\\nid: p\\ninfo: {title: P, owner: team}\\n")
    >>> dp.id
    'p'
    """
    from .lint import check_findings, id_findings

    if isinstance(source, os.PathLike):
        source = Path(source)
    loaded = load_spec(source, name=name, line_offset=line_offset, base_dir=base_dir)
    findings = id_findings(loaded.spec, loaded.positions) + check_findings(loaded.spec, loaded.positions)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise errors[0].to_error(name or loaded.source)
    path = spec_path(source)
    if path is None:
        return DataProduct(loaded, workspace=workspace)
    # a spec file is the product as the CLI sees it: its own workspace (not the cwd's) and the
    # suites, unit tests and transforms its notebook saved there
    from .workspace import Workspace

    ws = workspace if workspace is not None else Workspace.of(path)
    return DataProduct(loaded, workspace=ws, state=ProductState.restore(loaded, ws.state_path(loaded.spec.id)))
