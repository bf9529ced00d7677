"""The Python API: a declared data product with one method per magic.

    >>> import dp_notebook
    >>> dp = dp_notebook.load("tests/fixtures/shelf_warmers_seed.yaml")   # doctest: +SKIP
    >>> dp.export("odcs")                                                  # doctest: +SKIP

Magics are thin shells over these methods; a plain script can do the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataProductError, SpecError
from .render.bundle import mimebundle
from .render.html import card, esc, table
from .spec.load import Finding, LoadedSpec, load_spec
from .spec.summary import product_summary

EXPORT_FORMATS = ("dps", "odps", "odcs", "jsonschema", "dbt", "ddl")


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
        return {
            "product": self.product_id,
            "success": self.success,
            "findings": [f.__dict__ for f in self.findings],
        }

    def __str__(self) -> str:
        if not self.findings:
            return f"lint: {self.product_id or 'spec'}: no findings"
        head = f"lint: {self.product_id or 'spec'}: {len(self.errors)} error(s), {len(self.findings) - len(self.errors)} warning(s)"
        return "\n".join([head, *(f"  {f}" for f in self.findings)])

    def _repr_mimebundle_(self, include=None, exclude=None):
        status = "no findings" if not self.findings else f"{len(self.errors)} error(s), {len(self.findings) - len(self.errors)} warning(s)"
        rows = [
            [f'<span class="dpn-badge dpn-{"fail" if f.severity == "error" else "warn"}">{esc(f.severity)}</span>', esc(f.line or ""), f"<code>{esc(f.path)}</code>", esc(f.message), esc(f.rule), esc(f.fix or "")]
            for f in self.findings
        ]
        body = f"<h4>Lint {esc(self.product_id or '')}: {esc(status)}</h4>"
        if rows:
            body += table(["severity", "line", "field", "finding", "rule", "fix"], rows, raw=True)
        return mimebundle("lint", self.to_dict(), card(body), str(self))


@dataclass
class ExportResult:
    """Files produced by ``export``: ``{file name: text}``, and where they were written."""

    fmt: str
    files: dict[str, str]
    written: list[Path] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All files' text; one file's text alone when there is one."""
        if len(self.files) == 1:
            return next(iter(self.files.values()))
        return "\n".join(f"# --- {name}\n{text}" for name, text in self.files.items())

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.fmt, "files": self.files, "written": [str(p) for p in self.written]}

    def __str__(self) -> str:
        if self.written:
            return "\n".join(f"wrote {p}" for p in self.written)
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.written:
            inner = f"<h4>Exported {esc(self.fmt)}</h4><ul>" + "".join(f"<li><code>{esc(p)}</code></li>" for p in self.written) + "</ul>"
        else:
            inner = "".join(f"<h4><code>{esc(n)}</code></h4><pre>{esc(t)}</pre>" for n, t in self.files.items())
        return mimebundle("export", {"format": self.fmt, "files": list(self.files), "written": [str(p) for p in self.written]}, card(inner), str(self))


@dataclass
class _Transform:
    sql: str
    params: dict[str, Any]
    model: bool


class DataProduct:
    """A declared data product: spec, workspace state, and one method per magic."""

    def __init__(self, loaded: LoadedSpec, *, workspace: Any = None) -> None:
        self._loaded = loaded
        self._workspace = workspace
        self._inputs: dict[str, Any] = {}
        self._transforms: dict[str, _Transform] = {}
        self._suites: dict[str, list[Any]] = {}
        self._unit_cases: dict[str, list[Any]] = {}
        self._last_results: dict[tuple[str, str], Any] = {}
        self._namespace: dict[str, Any] | None = None
        self._examples: list[dict[str, str]] = []

    # -- the declaration ---------------------------------------------------------------------
    def redeclare(self, other: DataProduct) -> None:
        """Take ``other``'s spec (a re-run declare cell) and keep this product's bound state."""
        self._loaded = other._loaded

    @property
    def spec(self):
        return self._loaded.spec

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def findings(self) -> list[Finding]:
        return list(self._loaded.findings)

    def summary(self) -> dict[str, Any]:
        return product_summary(self.spec)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.product import product_html, product_text

        summary = self.summary()
        return mimebundle("product", {"product": summary}, product_html(summary), product_text(summary))

    def __repr__(self) -> str:
        return f"<DataProduct {self.id!r}: {len(self.spec.inputPorts)} input, {len(self.spec.outputPorts)} output ports>"

    # -- lint -------------------------------------------------------------------------------
    def lint(self, *, policy: Any = None) -> LintReport:
        """Check the spec: required fields, unique ids, port and column types, cron, and the policies."""
        from .config import load_config
        from .policies import Policy, check_policies

        if policy is None:
            policy = Policy.from_config(load_config().get("policies"))
        findings = list(self._loaded.findings) + check_policies(self.spec, self._loaded.positions, policy)
        return LintReport(self.id, findings)

    # -- export -----------------------------------------------------------------------------
    def export(self, fmt: str, port: str | None = None, *, out: str | os.PathLike | None = None) -> ExportResult:
        """Export as ``dps|odps|odcs|jsonschema|dbt|ddl``; with ``out`` also write the files.

        ``out`` is a file when one file results, else a directory (created if needed).
        """
        from .spec.export import export as export_files

        fmt = (fmt or "").lower()
        if fmt not in EXPORT_FORMATS:
            raise DataProductError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
        if port is not None:
            self.spec.output_port(port)  # PortNotFound lists the ports
        files = export_files(self.spec, fmt, port, **self._server_info())
        result = ExportResult(fmt, files)
        if out is not None:
            result.written = _write_files(files, Path(out))
        return result

    def write_specs(self, folder: Path) -> list[Path]:
        """Write DPS, ODPS and one ODCS contract per port into ``folder``."""
        written = []
        for fmt in ("dps", "odps", "odcs"):
            written += self.export(fmt, out=folder).written
        return written

    def write_artifacts(self, out: Path) -> list[Path]:
        """Under ``dp-notebook run``: specs, check results (JSON + JUnit XML) and the docs page in ``out``."""
        from .catalog import atomic_write
        from .checks.model import CheckResult, SuiteResult
        from .checks.runner import latest_results, results_json

        docs = self.docs(out)  # the page and specs/ in out/<id>/
        written = [docs.path, *docs.specs]
        rows = latest_results(self)
        atomic_write(out / self.id / "results.json", results_json(rows))
        suite = SuiteResult(self.id, [CheckResult(**{k: r.get(k) for k in ("name", "target", "kind", "success", "message", "unexpected_count", "unexpected_percent")}) for r in rows])
        atomic_write(out / self.id / "junit.xml", suite.to_junit_xml(f"dp-notebook {self.id}"))
        written += [out / self.id / "results.json", out / self.id / "junit.xml"]
        return written

    def _server_info(self) -> dict[str, Any]:
        """Workspace facts the contracts carry: the DuckDB file, Parquet paths, and the suites as ODCS rules."""
        from .checks.odcs import to_odcs_rules

        ws = self.workspace
        parquet = {p.id: str(ws.data_dir / self.id / f"{p.id}.parquet") for p in self.spec.outputPorts if p.kind == "files"}
        quality = {t: to_odcs_rules(s) for t, s in self._suites.items() if s and any(p.id == t for p in self.spec.outputPorts)}
        info: dict[str, Any] = {"database_path": str(ws.db_path), "parquet_paths": parquet, "quality": quality}
        if self.engine.name == "spark":  # its settings say where it runs; Spark itself need not start
            info["spark"] = {"master": self.engine.settings.master, "remote": self.engine.settings.remote}
        return info

    # -- workspace: inputs, transforms, ad-hoc SQL ------------------------------------------------
    @property
    def workspace(self):
        """The workspace this product builds in (``.dp/`` by default, see DESIGN §9)."""
        if self._workspace is None:
            from .workspace import Workspace

            self._workspace = Workspace()
        return self._workspace

    @property
    def engine(self):
        """The engine that runs this product's SQL (DuckDB unless configured, see ``dp_notebook.engine``)."""
        if getattr(self, "_engine", None) is None:
            from .engine import get_engine

            self._engine = get_engine(self.workspace, self.spec)
        return self._engine

    def input(self, port: str, source: Any, *, namespace: dict[str, Any] | None = None, auto_declare: bool = False):
        """Bind input ``port`` to a path/glob, a DataFrame, ``table:x`` or ``product.port``.

        ``source`` may be the ``--from`` text or a DataFrame/relation object itself.
        """
        from .inputs import Source, bind_input, resolve_source

        if isinstance(source, (str, os.PathLike)):
            src = resolve_source(str(source), namespace=namespace, catalog_dir=self.workspace.catalog_dir)
        else:
            src = Source("var", f"<{type(source).__name__}>", source)
        result = bind_input(self.workspace, self.spec, port, src, auto_declare=auto_declare, engine=self.engine)
        self._inputs[port] = src
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
    ):
        """Build an output port (write-audit-publish) or, with ``model=True``, a private model."""
        from .checks.runner import record
        from .transform import run_transform

        if namespace is not None:
            self._namespace = namespace
        self._transforms[target] = _Transform(sql, dict(params or {}), model)
        audits: list[Any] = []
        try:
            return run_transform(
                self.workspace, self.spec, target, sql, params=params, namespace=namespace, model=model,
                audit=self._audit_for(target, audits), line_offset=line_offset, engine=self.engine,
            )
        finally:
            for result in audits:  # recorded after the transaction, whatever its outcome
                record(self, result)

    def _audit_for(self, target: str, audits: list[Any]):
        """The expectations of ``target`` as the audit step of write-audit-publish."""
        if not self._suites.get(target):
            return None
        from .checks.runner import pii_columns
        from .checks.run import run_suite

        def audit(con, relation: str) -> None:
            result = run_suite(con, relation, self._suites[target], target=target, pii_columns=pii_columns(self, target))
            audits.append(result)
            result.raise_for_failure()

        return audit

    # -- checks -----------------------------------------------------------------------------------
    def expect(self, target: str, expectations: Any, *, source: str | None = None, line_offset: int = 0):
        """Set ``target``'s expectation suite (YAML text, a list, or GX suite JSON) and run it now."""
        from .checks.runner import expect

        data, positions = _yaml_body(expectations, source, line_offset)
        return expect(self, target, data, positions=positions, source=source)

    def unittest(self, target: str, cases: Any, *, source: str | None = None, line_offset: int = 0):
        """Store unit-test cases for ``target``'s transform and run them (isolated in-memory DuckDB)."""
        from .checks.model import SuiteResult
        from .checks.runner import record, run_units
        from .checks.unit import parse_cases

        if target not in self._transforms:
            self.spec.output_port(target)  # PortNotFound lists the ports
        data, positions = _yaml_body(cases, source, line_offset)
        self._unit_cases[target] = parse_cases(data, target=target, positions=positions)
        result = SuiteResult(target, run_units(self, target))
        record(self, result)
        return result

    def test(self, *, raise_on_failure: bool = True):
        """Run everything: contracts, expectations, unit tests and SLOs; raise ``ChecksFailed`` on failure."""
        from .checks.runner import run_all

        result = run_all(self)
        self._last_results[("test", self.id)] = result
        if raise_on_failure:
            result.raise_for_failure()
        return result

    def quality(self):
        """Check the SLOs now and append them to the quality history (rendered with the trend)."""
        from .checks.runner import quality_history, run_quality
        from .render.quality import QualityReport

        result = run_quality(self)
        return QualityReport(result, quality_history(self))

    def sql(self, query: str, *, params: dict[str, Any] | None = None, namespace: dict[str, Any] | None = None):
        """Query the workspace (``{{name}}`` bound from params/namespace); returns a DataFrame."""
        from .transform import render_params
        from .workspace import private_schema

        bound, values = render_params(query, params, namespace)
        frame = self.engine.query_df(private_schema(self.id), bound, values)
        # queries run in the notebook double as example queries in the docs
        if query.strip() not in (e["sql"] for e in self._examples):
            self._examples.append({"title": "example query", "sql": query.strip()})
            del self._examples[:-10]
        return frame

    def runs(self):
        """This product's run history (newest first)."""
        return self.workspace.runs(self.id)

    # -- documentation and cost -----------------------------------------------------------------------
    def lineage(self) -> dict[str, Any]:
        """Table- and column-level lineage of the transforms run in this session (sqlglot)."""
        from .lineage import lineage_graph
        from .workspace import private_schema

        schema_name = private_schema(self.id)
        schema: dict[str, dict[str, str]] = {}
        for table_name, col, dtype in self.engine.schema_columns(schema_name):
            schema.setdefault(table_name, {})[col] = dtype
        ports = {p.id for p in self.spec.outputPorts}
        out_cols = {p.id: [c.name for c in p.columns] or list(schema.get(p.id, {})) for p in self.spec.outputPorts}
        sources = {k: v for k, v in schema.items() if k not in ports}
        return lineage_graph(
            {t: x.sql for t, x in self._transforms.items()}, sources, ports=ports, inputs={p.id for p in self.spec.inputPorts} | set(self._inputs), output_columns=out_cols
        )

    def cost(self, *, price_model: Any = None):
        """Measured compute per transform and storage per port, projected to a month (see ``dp_notebook.cost``)."""
        from .config import load_config
        from .cost import PriceModel, cost_summary
        from .workspace import private_schema

        pm = price_model or PriceModel.from_config(load_config().get("price_model"))
        schema = private_schema(self.id)
        with self.workspace.connect() as con:
            runs = [dict(zip([d[0] for d in cur.description], r)) for cur in [con.execute("SELECT * FROM _dp.costs WHERE product = ? ORDER BY recorded_at", [self.id])] for r in cur.fetchall()]
        storage = self.engine.storage_sizes(schema, [p.id for p in self.spec.outputPorts])
        for p in self.spec.outputPorts:
            parquet = self.workspace.data_dir / self.id / f"{p.id}.parquet"
            if parquet.exists():
                storage[p.id] = storage.get(p.id, 0) + parquet.stat().st_size
        price = self.spec.price.model_dump() if self.spec.price else None
        return cost_summary(self.id, runs, storage, schedule=self.spec.schedule, price_model=pm, consumer_price=price)

    def docs_model(self, *, files: dict[str, Any] | None = None) -> dict[str, Any]:
        """Everything the documentation page shows, from the same model as the exports."""
        from datetime import datetime, timezone

        from .checks.runner import latest_results

        history: dict[str, list] = {}
        try:
            frame = self.workspace.sql("SELECT target, slo, value FROM _dp.quality_history WHERE product = ? ORDER BY checked_at", [self.id])
            for _, row in frame.iterrows():
                v = row["value"]
                history.setdefault(f"{row['target']}: {row['slo']}", []).append(None if v != v else float(v))
        except DataProductError:
            pass
        return {
            "product": self.summary(),
            "lineage": self.lineage() if self._transforms else None,
            "checks": latest_results(self),
            "quality_history": history,
            "cost": self.cost().to_dict(),
            "examples": list(self._examples),
            "files": files or {},
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    def docs_html(self, *, files: dict[str, Any] | None = None) -> str:
        from .render.docs import render_product_page

        return render_product_page(self.docs_model(files=files))

    def docs(self, out: str | os.PathLike | None = None):
        """Write ``<out>/<id>/index.html`` (self-contained) with the specs in ``specs/`` beside it.

        Shown inline as a compact card; the folder is ready to host as is.
        """
        from .catalog import atomic_write
        from .render.docs import render_product_page
        from .render.docs_card import DocsResult

        folder = (Path(out) if out else _default_docs_dir(self)).expanduser().resolve() / self.id
        specs = self.write_specs(folder / "specs")
        files = {
            "dps": f"specs/{self.id}.dps.yaml",
            "odps": f"specs/{self.id}.odps.yaml",
            "odcs": {p.id: f"specs/{self.spec.contract_id(p)}.odcs.yaml" for p in self.spec.outputPorts},
        }
        model = self.docs_model(files=files)
        page = folder / "index.html"
        atomic_write(page, render_product_page(model))
        return DocsResult(page, model, specs)

    # -- the mesh: publish, diff, use, redact --------------------------------------------------------
    def diff(self, *, catalog: str | os.PathLike | None = None):
        """Changes against the published version, each marked breaking or not."""
        from .publish import current_summary, diff_summaries

        return diff_summaries(current_summary(Path(catalog) if catalog else self.workspace.catalog_dir, self.id), self.summary())

    def publish(self, to: str | os.PathLike | None = None, *, dry_run: bool = False, allow_breaking: bool = False, skip_tests: bool = False):
        """Lint, test, then publish specs, contracts, data snapshots and results.

        ``to``: a catalog directory (default: the workspace catalog) or a Data Mesh
        Manager URL (``DATAMESH_MANAGER_API_KEY`` in the environment); the local
        catalog is updated only after a remote publish succeeded.
        """
        from .config import load_config
        from .publish import publish_to_catalog

        target = str(to) if to else load_config().publish_to
        lint = self.lint()
        if not lint.success:
            lines = "\n".join(f"  {f}" for f in lint.errors)
            raise SpecError(f"publish of {self.id} refused: lint found {len(lint.errors)} error(s):\n{lines}")
        results = None if skip_tests else self.test(raise_on_failure=True)
        summary = self.summary()
        files = self._publish_files()
        test_results = _test_results_doc(self, results)
        docs_html = self.docs_html()
        catalog_dir = Path(target) if target and "://" not in target else self.workspace.catalog_dir
        with _snapshots(self) as data:
            requests: list[dict[str, Any]] = []
            if target and "://" in target:
                requests = self._publish_http(target, test_results, dry_run=dry_run)
            report = publish_to_catalog(
                catalog_dir, summary, files=files, data=data, test_results=test_results, docs_html=docs_html,
                allow_breaking=allow_breaking, dry_run=dry_run,
            )
        report.requests = requests
        if target and "://" in target:
            report.target = f"{target} and {report.target}"
        return report

    def _publish_files(self) -> dict[str, str]:
        files = {}
        for fmt in ("dps", "odps"):
            files.update(self.export(fmt).files)
        for name, text in self.export("odcs").files.items():
            files[f"contracts/{name}"] = text
        return files

    def _publish_http(self, url: str, test_results: dict[str, Any] | None, *, dry_run: bool) -> list[dict[str, Any]]:
        from .publish.http import DataMeshManagerClient, plan_requests
        from .spec.dps import to_dps
        from .spec.export import to_odcs

        info = self._server_info()
        contracts = {
            self.spec.contract_id(p): to_odcs(self.spec, p, database_path=info["database_path"], parquet_path=info["parquet_paths"].get(p.id), quality=info["quality"].get(p.id), spark=info.get("spark"))
            for p in self.spec.outputPorts
        }
        plan = plan_requests(to_dps(self.spec), contracts, test_results)
        client = DataMeshManagerClient(url)
        if dry_run:
            return [{"method": r.method, "url": client.url + r.path, "status": "dry run", "body": r.body} for r in plan]
        return [client.send(r) for r in plan]

    def use(self, ref: str, *, as_: str | None = None, role: str | None = None, namespace: dict[str, Any] | None = None):
        """Consume another product's published port: checks ``rolesAllowed``, declares and binds an input port."""
        from .catalog import Catalog, split_port_ref
        from .config import load_config
        from .errors import AccessDenied
        from .inputs import bind_input, resolve_source
        from .spec.model import InputPort

        product, port_id = split_port_ref(ref)
        catalog = Catalog.open(self.workspace.catalog_dir)
        entry = catalog.port(product, port_id)
        role = role or load_config().role
        allowed = entry.get("rolesAllowed") or []
        if allowed and role not in allowed:
            who = f"role {role!r}" if role else "no role (pass --role or set DP_NOTEBOOK_ROLE)"
            raise AccessDenied(f"{ref}: {who} may not read this port; roles allowed: {', '.join(allowed)}. This is a policy check, not a security boundary.")
        name = as_ or port_id
        if self.spec.input_port(name) is None:
            self.spec.inputPorts.append(
                InputPort(id=name, name=name, sourceSystemId=product, type="dataproduct", contractId=entry.get("contractId"), version=entry.get("version"), description=f"Output port {ref} of data product {product}")
            )
        source = resolve_source(f"port:{ref}", namespace=namespace, catalog_dir=self.workspace.catalog_dir)
        result = bind_input(self.workspace, self.spec, name, source, engine=self.engine)
        self._inputs[name] = source
        return result

    def redact(self, port: str, *, as_: str | None = None, method: str = "hash", namespace: dict[str, Any] | None = None):
        """Derive a PII-redacted port from ``port`` (PII columns hashed or dropped) and build it."""
        from .redact import redacted_port

        source = self.spec.output_port(port)
        new_port, sql = redacted_port(self.spec, source, as_ or f"{port}_redacted", method=method)
        existing = next((i for i, p in enumerate(self.spec.outputPorts) if p.id == new_port.id), None)
        if existing is None:
            self.spec.outputPorts.append(new_port)
        else:
            self.spec.outputPorts[existing] = new_port
        return self.transform(new_port.id, sql, namespace=namespace)


def _default_docs_dir(dp: DataProduct) -> Path:
    run_dir = os.environ.get("DP_NOTEBOOK_RUN_DIR")
    return Path(run_dir) if run_dir else dp.workspace.root / "docs"


def _test_results_doc(dp: DataProduct, results: Any) -> dict[str, Any] | None:
    """The test-results document published beside the product (Data Mesh Manager shape)."""
    if results is None:
        return None
    import uuid
    from datetime import datetime, timezone

    return {
        "id": uuid.uuid4().hex,
        "dataProductId": dp.id,
        "result": "passed" if results.success else "failed",
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "checks": [r.to_row() for r in results.results],
    }


class _snapshots:
    """Parquet snapshots of every built output port, in a temp dir removed afterwards."""

    def __init__(self, dp: DataProduct) -> None:
        self.dp = dp

    def __enter__(self) -> dict[str, Path]:
        import tempfile

        from .workspace import private_schema, quote

        self._tmp = tempfile.TemporaryDirectory(prefix="dp-publish-")
        out: dict[str, Path] = {}
        schema = private_schema(self.dp.id)
        engine = self.dp.engine
        with engine.connect() as con:
            built = [port for port in self.dp.spec.outputPorts if engine.has_relation(con, schema, port.id)]
        for port in built:
            view_schema, view = self.dp.spec.view_name(port)
            path = Path(self._tmp.name) / f"{port.id}.parquet"
            engine.snapshot(f"{quote(view_schema)}.{quote(view)}", path)
            out[port.id] = path
        return out

    def __exit__(self, *exc: Any) -> None:
        self._tmp.cleanup()


def _yaml_body(body: Any, source: str | None, line_offset: int) -> tuple[Any, Any]:
    """Cell text → (data, positions); lists and dicts pass through."""
    if isinstance(body, str):
        from .spec.yamlpos import load_yaml

        return load_yaml(body, source=source, line_offset=line_offset)
    return body, None


def _write_files(files: dict[str, str], out: Path) -> list[Path]:
    from .catalog import atomic_write

    out = out.expanduser()
    if len(files) == 1 and (out.suffix and not out.is_dir()):
        targets = {out: next(iter(files.values()))}
    else:
        targets = {out / name: text for name, text in files.items()}
    written = []
    for path, text in targets.items():
        try:
            atomic_write(path.resolve(), text)
        except OSError as exc:
            raise DataProductError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written


def load(
    source: str | os.PathLike | dict, *, workspace: Any = None, name: str | None = None, line_offset: int = 0
) -> DataProduct:
    """Load a product from a YAML file path, YAML text, or a dict (DPS 0.0.1 or ODPS v1).

    >>> dp = load("dataProductSpecification: 0.0.1\\nid: p\\ninfo: {title: P, owner: team}\\n")
    >>> dp.id
    'p'
    """
    if isinstance(source, os.PathLike):
        source = Path(source)
    return DataProduct(load_spec(source, name=name, line_offset=line_offset), workspace=workspace)
