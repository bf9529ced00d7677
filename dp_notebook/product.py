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


def _sql_in_schema(ws: Any, schema: str, query: str, values: dict[str, Any]):
    """Run ``query`` with the product's private schema first on the search path."""
    import duckdb

    from .errors import SQLError

    with ws.connect() as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS \"{schema}\"")
        con.execute(f"SET search_path = '{schema},main'")
        try:
            return con.execute(query, values or None).df()
        except duckdb.Error as exc:
            raise SQLError(str(exc).strip().splitlines()[0]) from None


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
    def lint(self) -> LintReport:
        """Check the spec: required fields, unique ids, port and column types, cron, policies."""
        return LintReport(self.id, list(self._loaded.findings))

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

    def write_artifacts(self, out: Path) -> list[Path]:
        """Write this product's specs (DPS, ODPS, one ODCS per port) under ``out/<id>/``."""
        base = out / self.id
        written = []
        for fmt in ("dps", "odps", "odcs"):
            written += self.export(fmt, out=base / "specs").written
        return written

    def _server_info(self) -> dict[str, Any]:
        ws = self.workspace
        return {"database_path": str(ws.db_path)}

    # -- workspace: inputs, transforms, ad-hoc SQL ------------------------------------------------
    @property
    def workspace(self):
        """The workspace this product builds in (``.dp/`` by default, see DESIGN §9)."""
        if self._workspace is None:
            from .workspace import Workspace

            self._workspace = Workspace()
        return self._workspace

    def input(self, port: str, source: Any, *, namespace: dict[str, Any] | None = None, auto_declare: bool = False):
        """Bind input ``port`` to a path/glob, a DataFrame, ``table:x`` or ``product.port``.

        ``source`` may be the ``--from`` text or a DataFrame/relation object itself.
        """
        from .inputs import Source, bind_input, resolve_source

        if isinstance(source, (str, os.PathLike)):
            src = resolve_source(str(source), namespace=namespace, catalog_dir=self.workspace.catalog_dir)
        else:
            src = Source("var", f"<{type(source).__name__}>", source)
        result = bind_input(self.workspace, self.spec, port, src, auto_declare=auto_declare)
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
                audit=self._audit_for(target, audits), line_offset=line_offset,
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
        return _sql_in_schema(self.workspace, private_schema(self.id), bound, values)

    def runs(self):
        """This product's run history (newest first)."""
        return self.workspace.runs(self.id)


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
