"""``dp-notebook``: run product notebooks in CI, and lint/export/catalog without Jupyter.

Exit codes (DESIGN §9): 0 success, 1 failed checks, 2 CLI misuse or a
``UsageError`` in the notebook, 3 anything else (a broken cell, a dead kernel).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_CHECKS, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3
RUN_DIR_ENV = "DP_NOTEBOOK_RUN_DIR"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class CliError(Exception):
    """A mistake on the command line: printed as one line, exit code 2."""


# -- helpers ---------------------------------------------------------------------------------


def _parse_value(text: str) -> Any:
    """``-p`` values are YAML scalars, as in papermill: ``true`` → True, ``3`` → 3."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) or value is None else text


def _parameters(pairs: list[list[str]] | None, files: list[str] | None) -> dict[str, Any]:
    import yaml

    params: dict[str, Any] = {}
    for path in files or []:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise CliError(f"cannot read parameters file {path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise CliError(f"parameters file {path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise CliError(f"parameters file {path} must be a mapping of name: value")
        params.update(data)
    for key, value in pairs or []:
        if not key.isidentifier():
            raise CliError(f"parameter name {key!r} is not a Python identifier")
        params[key] = _parse_value(value)
    return params


def _notebook_declarations(path: Path) -> list[tuple[str, int]]:
    """The YAML bodies of ``%%dataproduct declare`` cells, with their cell numbers."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read notebook {path}: {exc}") from None
    out = []
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        first, _, body = cell.source.partition("\n")
        words = first.split()
        if words[:2] == ["%%dataproduct", "declare"]:
            out.append((body, i))
    return out


def _declarations(path: Path) -> list[tuple[str | Path, str, int]]:
    """(source, name, line offset) of each product declared by a spec file or notebook."""
    if path.suffix == ".ipynb":
        decls = _notebook_declarations(path)
        if not decls:
            raise CliError(f"{path} has no %%dataproduct declare cell")
        return [(body, f"{path} cell {n}", 1) for body, n in decls]
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    return [(path, str(path), 0)]


def _load_products(path: Path) -> list[Any]:
    """Products declared by a spec file or by a notebook's declare cells (not executed)."""
    from .product import load

    return [load(src, name=name, line_offset=off) for src, name, off in _declarations(path)]


# -- subcommands -----------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """Execute a notebook with papermill; write the executed notebook, HTML and artifacts."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(args.notebook).resolve()
    if not notebook.is_file():
        raise CliError(f"no such notebook: {args.notebook}")
    params = _parameters(args.parameters, args.parameters_file)
    out = Path(args.out or Path("build") / notebook.stem).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executed = out / notebook.name
    # the kernel writes specs, results and docs to RUN_DIR; --engine sets the default engine
    overrides = {RUN_DIR_ENV: str(out), **({"DP_NOTEBOOK_ENGINE": args.engine} if getattr(args, "engine", None) else {})}
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    started = time.perf_counter()
    failure: PapermillExecutionError | None = None
    try:
        pm.execute_notebook(
            str(notebook),
            str(executed),
            parameters=params,
            kernel_name=args.kernel,
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=True,
        )
    except PapermillExecutionError as exc:
        failure = exc
    except Exception as exc:  # dead kernel, missing kernel spec, unreadable notebook
        print(f"dp-notebook run: {notebook.name}: {type(exc).__name__}: {_first_line(str(exc))}", file=sys.stderr)
        _write_html(executed, out)
        return EXIT_ERROR
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    elapsed = time.perf_counter() - started
    _write_html(executed, out)
    if failure is None:
        print(f"dp-notebook run: {notebook.name}: ok in {elapsed:.1f}s; artifacts in {out}")
        return EXIT_OK
    ename, evalue = _failure_details(failure, executed)
    print(
        f"dp-notebook run: {notebook.name}: cell {failure.cell_index + 1} (execution {failure.exec_count}) failed\n"
        f"  {ename}: {_shorten(evalue)}\n"
        f"  the partially executed notebook is {executed}",
        file=sys.stderr,
    )
    if ename in ("ChecksFailed", "ContractViolation"):
        return EXIT_CHECKS
    if ename == "UsageError":
        return EXIT_USAGE
    return EXIT_ERROR


def _failure_details(failure: Any, executed: Path) -> tuple[str, str]:
    """(exception name, message) of the failed cell.

    IPython shows a ``UsageError`` on stderr instead of as an error output, so
    nbclient reports a bare ``CellExecutionError``: read the cell's stderr then.
    """
    ename = failure.ename
    evalue = _ANSI.sub("", failure.evalue or "").strip()
    if ename == "CellExecutionError" and not evalue and executed.exists():
        import nbformat

        cells = nbformat.read(str(executed), as_version=4).cells
        # papermill inserts error-marker cells, so find the failed cell by its status
        failed = [c for c in cells if c.get("metadata", {}).get("papermill", {}).get("exception")]
        for out in (failed[0].get("outputs", []) if failed else []):
            text = _ANSI.sub("", out.get("text", "")) if out.get("name") == "stderr" else ""
            if text.startswith("UsageError:"):
                return "UsageError", text.removeprefix("UsageError:").strip()
    return ename, evalue


def _first_line(text: str) -> str:
    text = _ANSI.sub("", text).strip()
    return text.splitlines()[0] if text else ""


def _shorten(text: str, lines: int = 12) -> str:
    rows = text.splitlines()
    if len(rows) > lines:
        rows = rows[:lines] + [f"... ({len(rows) - lines} more lines)"]
    return "\n  ".join(rows)


def _write_html(executed: Path, out: Path) -> None:
    if not executed.exists():
        return
    import nbformat
    from nbconvert import HTMLExporter

    try:
        nb = nbformat.read(str(executed), as_version=4)
        body, _ = HTMLExporter().from_notebook_node(nb)
    except Exception as exc:  # a broken export must not hide the run's own result
        print(f"dp-notebook run: could not export {executed.name} to HTML: {_first_line(str(exc))}", file=sys.stderr)
        return
    (out / f"{executed.stem}.html").write_text(body, encoding="utf-8")


def cmd_lint(args: argparse.Namespace) -> int:
    from .product import LintReport
    from .spec.load import spec_findings

    reports = []
    for src, name, off in _declarations(Path(args.path)):
        loaded, findings = spec_findings(src, name=name, line_offset=off)
        reports.append(LintReport(loaded.spec.id if loaded else name, findings))
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        for report in reports:
            print(report)
    failed = any(not r.success for r in reports)
    return EXIT_CHECKS if failed else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    products = _load_products(Path(args.path))
    for dp in products:
        result = dp.export(args.format, args.port, out=args.out)
        print(result)
    return EXIT_OK


def _workspace_for(path: Path):
    from .workspace import Workspace, default_home

    return Workspace(default_home(start=path.resolve().parent))


def _products_in_workspace(path: Path) -> list[Any]:
    ws = _workspace_for(path)
    products = _load_products(path)
    for dp in products:
        dp._workspace = ws
    return products


def cmd_catalog(args: argparse.Namespace) -> int:
    from .catalog import Catalog
    from .render.html import text_table
    from .workspace import default_home

    root = Path(args.dir) if args.dir else default_home() / "catalog"
    products = Catalog.open(root).products()
    if args.json:
        print(json.dumps({"version": 1, "catalog": str(root), "products": products}, indent=2, default=str))
        return EXIT_OK
    rows = []
    for p in products:
        for port in p.get("outputPorts") or [{}]:
            rows.append([p["id"], p.get("owner") or "", port.get("id", ""), port.get("version", ""), port.get("location", ""), "yes" if port.get("containsPii") else "", ", ".join(port.get("rolesAllowed") or []), p.get("published_at", "")[:19]])
    print(f"catalog {root}: {len(products)} product(s)")
    if rows:
        print(text_table(["product", "owner", "port", "version", "location", "PII", "roles", "published"], rows))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix == ".ipynb":
        args.notebook, args.parameters, args.parameters_file, args.kernel = str(path), args.parameters, None, args.kernel
        return cmd_run(args)
    failed = False
    for dp in _products_in_workspace(path):
        result = dp.test(raise_on_failure=False)
        print(result)
        failed = failed or not result.success
        if args.junit:
            Path(args.junit).write_text(result.to_junit_xml(f"dp-notebook {dp.id}"), encoding="utf-8")
    return EXIT_CHECKS if failed else EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    for dp in _products_in_workspace(Path(args.path)):
        report = dp.publish(args.to, dry_run=args.dry_run, allow_breaking=args.allow_breaking)
        print(report)
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from .catalog import Catalog, CatalogError
    from .render.portal import render_portal

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    code = EXIT_OK
    pages = []
    for nb in args.notebooks:
        path = Path(nb)
        run_args = argparse.Namespace(notebook=str(path), parameters=None, parameters_file=None, out=str(out / path.stem), kernel=args.kernel)
        code = max(code, cmd_run(run_args))
        for dp_id in _declared_ids(path):
            pages.append({"id": dp_id, "page": f"{path.stem}/{dp_id}/index.html", "notebook": f"{path.stem}/{path.stem}.html"})
    summaries = []
    for nb in args.notebooks:
        try:
            cat = Catalog.open(_workspace_for(Path(nb)).catalog_dir)
        except CatalogError:
            continue
        for s in cat.products():
            if s["id"] not in {x["id"] for x in summaries}:
                summaries.append(s)
    links = {p["id"]: p for p in pages}
    for p in pages:
        if p["id"] not in {x["id"] for x in summaries}:
            summaries.append({"id": p["id"], "title": p["id"], "outputPorts": []})
    from .catalog import atomic_write

    atomic_write(out / "index.html", render_portal(summaries, links, title=args.title))
    print(f"dp-notebook docs: portal {out / 'index.html'} ({len(summaries)} products)")
    return code


def _declared_ids(path: Path) -> list[str]:
    ids = []
    for src, name, off in _declarations(path):
        from .spec.load import spec_findings

        loaded, _ = spec_findings(src, name=name, line_offset=off)
        if loaded:
            ids.append(loaded.spec.id)
    return ids


# -- entry point -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dp-notebook",
        description="Build, test, document and publish data products from Jupyter notebooks.",
        epilog="Exit codes: 0 ok, 1 failed checks, 2 usage error, 3 other failure.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="execute a product notebook with papermill (CI)",
        description="Execute NOTEBOOK with papermill, honouring its 'parameters' cell. Writes the executed "
        "notebook, its HTML, product docs, JUnit XML and exported specs into --out. Exits 1 when checks fail.",
    )
    run.add_argument("notebook", help="the .ipynb to execute")
    run.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("KEY", "VALUE"), help="a parameter (value parsed as YAML scalar); repeatable")
    run.add_argument("-f", "--parameters-file", action="append", metavar="FILE", help="YAML file of parameters; repeatable, -p wins")
    run.add_argument("--out", metavar="DIR", help="output directory (default: build/<notebook name>)")
    run.add_argument("--kernel", metavar="NAME", help="kernel name (default: the notebook's)")
    run.add_argument("--engine", choices=["duckdb", "spark"], help="engine for products that do not name one (default: DP_NOTEBOOK_ENGINE, dp-notebook.yaml, else duckdb)")
    run.set_defaults(func=cmd_run)

    lint = sub.add_parser("lint", help="check a spec file or a notebook's declarations", description="Lint the products declared in a spec file (.yaml) or a notebook's %%dataproduct declare cells, without running it. Exits 1 on errors.")
    lint.add_argument("path", help="a .yaml spec or an .ipynb notebook")
    lint.add_argument("--json", action="store_true", help="print findings as JSON")
    lint.set_defaults(func=cmd_lint)

    export = sub.add_parser("export", help="export specs and contracts", description="Export the products of a spec file or notebook as dps, odps, odcs, jsonschema, dbt or ddl.")
    export.add_argument("path", help="a .yaml spec or an .ipynb notebook")
    export.add_argument("format", choices=["dps", "odps", "odcs", "jsonschema", "dbt", "ddl"])
    export.add_argument("port", nargs="?", help="one output port (default: all)")
    export.add_argument("--out", metavar="PATH", help="file (one file) or directory; default: print")
    export.set_defaults(func=cmd_export)

    catalog = sub.add_parser("catalog", help="list the products and ports of a catalog", description="List the products and output ports of a catalog directory (default: the workspace catalog .dp/catalog).")
    catalog.add_argument("dir", nargs="?", help="catalog directory")
    catalog.add_argument("--json", action="store_true", help="print the catalog as JSON")
    catalog.set_defaults(func=cmd_catalog)

    test = sub.add_parser("test", help="run a notebook's checks, or a spec's checks on the workspace data", description="With a notebook: execute it like `run` (exit 1 when a check fails). With a spec file: check the contracts and SLOs of its ports on the workspace's current data.")
    test.add_argument("path", help="an .ipynb notebook or a .yaml spec")
    test.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("KEY", "VALUE"), help="notebook parameter; repeatable")
    test.add_argument("--out", metavar="DIR", help="output directory for a notebook run")
    test.add_argument("--kernel", metavar="NAME", help="kernel name")
    test.add_argument("--junit", metavar="FILE", help="write JUnit XML (spec files)")
    test.set_defaults(func=cmd_test)

    publish = sub.add_parser("publish", help="publish the products of a spec or notebook from the workspace", description="Lint, check and publish the products declared in a spec file or notebook, with the data currently in the workspace, to a catalog directory or a Data Mesh Manager URL (API key from DATAMESH_MANAGER_API_KEY).")
    publish.add_argument("path", help="a .yaml spec or an .ipynb notebook")
    publish.add_argument("--to", help="catalog directory or URL (default: DP_NOTEBOOK_PUBLISH_TO, dp-notebook.yaml, else .dp/catalog)")
    publish.add_argument("--dry-run", action="store_true", help="show what would be published; write and send nothing")
    publish.add_argument("--allow-breaking", action="store_true", help="publish despite breaking changes")
    publish.set_defaults(func=cmd_publish)

    docs = sub.add_parser("docs", help="run notebooks and build a documentation portal", description="Execute each notebook (like `run`) into DIR/<notebook>/, then write DIR/index.html: a searchable portal of the catalog's products linking their pages and executed notebooks.")
    docs.add_argument("notebooks", nargs="+", help="product notebooks, in dependency order")
    docs.add_argument("--out", required=True, metavar="DIR", help="the portal folder")
    docs.add_argument("--title", default="Data products", help="portal title")
    docs.add_argument("--kernel", metavar="NAME", help="kernel name")
    docs.set_defaults(func=cmd_docs)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "command", None) == "test" and not hasattr(args, "parameters_file"):
        args.parameters_file = None
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from .errors import ChecksFailed, DataProductError

    try:
        return args.func(args)
    except CliError as exc:
        print(f"dp-notebook {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ChecksFailed as exc:
        print(f"dp-notebook {args.command}: {exc}", file=sys.stderr)
        return EXIT_CHECKS
    except DataProductError as exc:
        print(f"dp-notebook {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
