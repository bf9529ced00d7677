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
    env_before = os.environ.get(RUN_DIR_ENV)
    os.environ[RUN_DIR_ENV] = str(out)  # the kernel writes specs, results and docs here
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
        if env_before is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = env_before
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
