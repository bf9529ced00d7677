"""``dp-notebook``: run product notebooks in CI, and lint/test/export/publish/catalog without Jupyter.

Each command is a few lines over the library: ``runner.run_notebook`` for
notebooks, the ``DataProduct`` API (the same the magics use) for specs. One
table maps exceptions to exit codes (DESIGN §9): 0 success, 1 failed checks,
2 CLI misuse or a user mistake, 3 anything else (a broken cell, a dead kernel,
a remote service that failed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .runner import EXIT_CHECKS, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exit_code


class CliError(Exception):
    """A mistake on the command line: printed as one line, exit code 2."""


# -- inputs ------------------------------------------------------------------------------------


def _parse_value(text: str) -> Any:
    """``-p`` values are YAML scalars, as in papermill: ``true`` → True, ``3`` → 3."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) or value is None else text


def _parameters(pairs: list[list[str]] | None, files: list[str] | None) -> dict[str, Any]:
    from .errors import SpecError
    from .files import read_text
    from .spec.yamlpos import safe_load

    params: dict[str, Any] = {}
    for path in files or []:
        text = read_text(path, "parameters file")  # SpecError naming the file: unreadable, not UTF-8
        try:
            data = safe_load(text, source=str(path)) or {}
        except SpecError as exc:
            raise CliError(f"parameters file {path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise CliError(f"parameters file {path} must be a mapping of name: value")
        params.update(data)
    for key, value in pairs or []:
        if not key.isidentifier():
            raise CliError(f"parameter name {key!r} is not a Python identifier")
        params[key] = _parse_value(value)
    return params


def _workspace(path: Path):
    """The workspace of a spec or notebook (``Workspace.of``); its settings read now, so a broken
    dp-notebook.yaml is reported before any work."""
    from .workspace import Workspace

    workspace = Workspace.of(path)
    workspace.settings  # noqa: B018
    return workspace


def _require_built(dp: Any) -> None:
    """``CliError`` when the workspace holds nothing the notebook built for ``dp`` (test and publish of a spec)."""
    if not dp.state.transforms and not dp.state.inputs:
        raise CliError(
            f"{dp.id} has not been built in the workspace {dp.workspace.root}: run its notebook first "
            "(dp-notebook run NOTEBOOK), or give the notebook itself (dp-notebook test|publish NOTEBOOK)"
        )


def _products(path: Path, *, with_state: bool = True) -> list[Any]:
    """Products declared by a spec file or a notebook's declare cells (not executed), in their workspace,
    with the state the notebook saved there (suites, unit tests) unless ``with_state`` is off."""
    from .product import DataProduct, load
    from .spec.load import spec_path
    from .state import ProductState

    ws = _workspace(path)
    products = []
    for source, name, offset in _sources(path):
        dp = load(source, workspace=ws, name=name, line_offset=offset, base_dir=path.resolve().parent)
        if not with_state:
            dp = DataProduct(dp.state.loaded, workspace=ws)
        elif spec_path(source) is None:  # a spec file's product comes with its saved state already
            dp = DataProduct(dp.state.loaded, workspace=ws, state=ProductState.restore(dp.state.loaded, ws.state_path(dp.id)))
        products.append(dp)
    return products


def _run(args: argparse.Namespace, *, publish: dict[str, Any] | None = None) -> int:
    import time

    from .runner import run_notebook

    started = time.time()
    report = run_notebook(
        args.notebook, parameters=_parameters(args.parameters, getattr(args, "parameters_file", None)), out=args.out,
        kernel=args.kernel, engine=getattr(args, "engine", None), publish=publish,
    )
    print(report, file=sys.stdout if report.success else sys.stderr)
    for path in sorted(Path(report.out).glob("*/data-diff-*.txt")):  # what the run did to each port's rows
        if path.stat().st_mtime < started:
            continue  # left by an earlier run into the same folder
        print(f"  {path.read_text(encoding='utf-8').splitlines()[0]}  ({path})")
    return report.exit_code


# -- commands ----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """Execute a notebook with papermill; write the executed notebook, HTML and artifacts."""
    return _run(args)


def cmd_lint(args: argparse.Namespace) -> int:
    """The same lint as ``%dataproduct lint``: spec findings, id rules and the workspace's policies."""
    from .lint import LintReport, lint_product
    from .spec.load import spec_findings

    path = Path(args.path)
    policy = _workspace(path).settings.policy
    reports = []
    for source, name, offset in _sources(path):
        loaded, findings = spec_findings(source, name=name, line_offset=offset, base_dir=path.resolve().parent)
        reports.append(lint_product(loaded, policy) if loaded is not None else LintReport(name, findings))
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        print("\n".join(str(r) for r in reports))
    return EXIT_OK if all(r.success for r in reports) else EXIT_CHECKS


def _sources(path: Path) -> list[tuple[Any, str, int]]:
    if path.suffix == ".ipynb":
        from .runner import declarations

        decls = [(body, f"{path} cell {n}", 1) for body, n in declarations(path)]
        if not decls:
            raise CliError(f"{path} has no %%dataproduct declare cell")
        return decls
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    return [(path, str(path), 0)]


def cmd_export(args: argparse.Namespace) -> int:
    for dp in _products(Path(args.path)):
        print(dp.export(args.format, args.port, out=args.out))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Contract-first: a product declaration (DPS 0.0.1) from an ODCS contract, to paste into a declare cell."""
    from .files import read_text
    from .spec.yamlpos import safe_load

    path = Path(args.contract)
    doc = safe_load(read_text(path, "ODCS contract"), source=str(path))  # SpecError naming the file and line
    kind = doc.get("kind") if isinstance(doc, dict) else None
    if kind != "DataContract":
        raise CliError(f"{path} is not an ODCS data contract (kind: {kind!r}); import reads kind: DataContract documents")
    for dp in _products(path, with_state=False):
        print(dp.export("dps", out=args.out))
    return EXIT_OK


def cmd_catalog(args: argparse.Namespace) -> int:
    from .catalog import Catalog
    from .render.html import text_table
    from .settings import Settings

    root = Path(args.dir) if args.dir else Settings.resolve(start=Path.cwd()).catalog_dir
    catalog = Catalog.open(root)
    index = catalog.index()  # kept at publish time: no product summary is read for the listing
    wanted = {e["product"] for e in index.search(args.search)} if args.search else None
    if args.json:
        # every summary, read: a corrupt product is left out with a warning, as in every listing
        listing = [dict(p, checks=catalog.check_status(p["id"])) for p in catalog.products() if wanted is None or p["id"] in wanted]
        print(json.dumps({"version": 1, "catalog": str(catalog.root), "products": listing}, indent=2, default=str))
        return EXIT_OK
    limit = None if args.all else args.limit
    if wanted is None:
        entries, total = index.page("", limit=limit) if limit is not None else (index.search(""), len(index))
    else:
        entries = [e for pid in sorted(wanted) for e in index.search("", product=pid)]
        total = len(entries)
        entries = entries[:limit] if limit is not None else entries
    rows = [[e["product"], e["owner"], e["port"], e["version"], e["location"], "yes" if e["pii"] else "", ", ".join(e["roles"]), (e["published_at"] or "")[:19]] for e in entries]
    count = len(wanted) if wanted is not None else index.products_count()
    print(f"catalog {catalog.root}: {count} product(s)")
    if rows:
        print(text_table(["product", "owner", "port", "version", "location", "PII", "roles", "published"], rows))
    if total > len(rows):
        print(f"… and {total - len(rows):,} more port(s): narrow with --search WORDS, or list them all with --all")
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix == ".ipynb":
        args.notebook = str(path)
        return _run(args)
    failed = False
    for dp in _products(path):
        _require_built(dp)
        result = dp.test(raise_on_failure=False)
        print(result)
        failed = failed or not result.success
        if args.junit:
            Path(args.junit).write_text(result.to_junit_xml(f"dp-notebook {dp.id}"), encoding="utf-8")
    return EXIT_CHECKS if failed else EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix == ".ipynb":
        args.notebook = str(path)
        return _run(args, publish={"to": args.to, "dry_run": args.dry_run, "allow_breaking": args.allow_breaking})
    for dp in _products(path):
        _require_built(dp)
        print(dp.publish(args.to, dry_run=args.dry_run, allow_breaking=args.allow_breaking))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from .catalog import Catalog
    from .errors import CatalogError
    from .files import atomic_write, make_dir
    from .render.portal import render_portal
    from .runner import declared_ids

    out = make_dir(Path(args.out).resolve(), "portal folder")
    code = EXIT_OK
    pages = []
    for nb in args.notebooks:
        path = Path(nb)
        run_args = argparse.Namespace(notebook=str(path), parameters=None, parameters_file=None, out=str(out / path.stem), kernel=args.kernel)
        code = max(code, _run(run_args))
        pages += [{"id": pid, "page": f"{path.stem}/{pid}/index.html", "notebook": f"{path.stem}/{path.stem}.html"} for pid in declared_ids(path)]
    summaries: dict[str, dict[str, Any]] = {}
    for nb in args.notebooks:
        try:
            catalog = Catalog.open(_workspace(Path(nb)).catalog_dir)
        except CatalogError:
            continue
        for s in catalog.products():
            summaries.setdefault(s["id"], s)
    for p in pages:
        summaries.setdefault(p["id"], {"id": p["id"], "title": p["id"], "outputPorts": []})
    atomic_write(out / "index.html", render_portal(list(summaries.values()), {p["id"]: p for p in pages}, title=args.title))
    print(f"dp-notebook docs: portal {out / 'index.html'} ({len(summaries)} products)")
    return code


# -- entry point -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dp-notebook",
        description="Build, test, document and publish data products from Jupyter notebooks.",
        epilog="Exit codes: 0 ok, 1 failed checks, 2 usage error, 3 other failure (a broken cell, a remote service that failed).",
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
    export.add_argument("format", choices=["dps", "odps", "odcs", "jsonschema", "dbt", "ddl", "gx"])
    export.add_argument("port", nargs="?", help="one output port (default: all)")
    export.add_argument("--out", metavar="PATH", help="file (one file) or directory; default: print")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="declare a product from an ODCS contract (contract-first)", description="Read an ODCS v3 data contract and print (or --out) the DPS 0.0.1 declaration of a product with one output port per schema object, schema and quality rules kept. A declaration can also name the contract: outputPorts[].contract: path.odcs.yaml.")
    imp.add_argument("contract", help="an ODCS .yaml contract")
    imp.add_argument("--out", metavar="FILE", help="write the declaration here (default: print)")
    imp.set_defaults(func=cmd_import)

    catalog = sub.add_parser("catalog", help="list the products and ports of a catalog", description="List the products and output ports of a catalog directory (default: the workspace catalog .dp/catalog).")
    catalog.add_argument("dir", nargs="?", help="catalog directory")
    catalog.add_argument("--json", action="store_true", help="print the catalog as JSON")
    catalog.add_argument("--search", metavar="WORDS", help="only ports matching every word (ids, titles, owners, tags, columns)")
    catalog.add_argument("--limit", type=int, default=200, metavar="N", help="list at most N ports (default 200)")
    catalog.add_argument("--all", action="store_true", help="list every port")
    catalog.set_defaults(func=cmd_catalog)

    test = sub.add_parser("test", help="run a notebook's checks, or a spec's checks on the workspace data", description="With a notebook: execute it like `run` (exit 1 when a check fails). With a spec file: run the checks the notebook defined for it (contracts, expectations, unit tests, SLOs) on the workspace's current data.")
    test.add_argument("path", help="an .ipynb notebook or a .yaml spec")
    test.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("KEY", "VALUE"), help="notebook parameter; repeatable")
    test.add_argument("--out", metavar="DIR", help="output directory for a notebook run")
    test.add_argument("--kernel", metavar="NAME", help="kernel name")
    test.add_argument("--junit", metavar="FILE", help="write JUnit XML (spec files)")
    test.set_defaults(func=cmd_test)

    publish = sub.add_parser("publish", help="publish the products of a notebook or spec", description="With a notebook: run it (like `run`), then publish every product it declares exactly as its own %%dataproduct publish would (its publish cells wait for this step). With a spec file: publish with the checks the notebook defined and the data in the workspace. Lint, checks and the breaking-change diff run before anything is sent or written. Target: a catalog directory or a Data Mesh Manager URL (API key from DATAMESH_MANAGER_API_KEY).")
    publish.add_argument("path", help="a .yaml spec or an .ipynb notebook")
    publish.add_argument("--to", help="catalog directory or URL (default: DP_NOTEBOOK_PUBLISH_TO, dp-notebook.yaml, else .dp/catalog)")
    publish.add_argument("--dry-run", action="store_true", help="show what would be published; write and send nothing")
    publish.add_argument("--allow-breaking", action="store_true", help="publish despite breaking changes")
    publish.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("KEY", "VALUE"), help="notebook parameter; repeatable")
    publish.add_argument("--out", metavar="DIR", help="output directory for the notebook run")
    publish.add_argument("--kernel", metavar="NAME", help="kernel name")
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
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    for name in ("parameters", "parameters_file", "kernel", "out"):
        if not hasattr(args, name):
            setattr(args, name, None)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe is found here, not in the interpreter's shutdown
        return code
    except BrokenPipeError:
        # `dp-notebook export ... | head -1`: the reader has what it wanted; stop quietly as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe
    except KeyboardInterrupt:
        print(f"dp-notebook {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line and its exit code
        from .errors import DataProductError

        code = exit_code(exc)
        if code == EXIT_ERROR and not isinstance(exc, DataProductError):
            raise  # a bug: its traceback is what a report needs
        print(f"dp-notebook {args.command}: {exc}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
