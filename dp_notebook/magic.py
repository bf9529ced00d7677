"""``%dataproduct`` / ``%%dataproduct``: parse the line, call the API, map errors.

Magic lines are not expanded by IPython (``@no_var_expand``): ``{{k}}``,
``$5`` and regex braces reach us as typed. The toolkit's own errors become a
one-line ``UsageError``; ``ChecksFailed`` and ``RemoteError`` keep their class
(``dp-notebook run`` tells them apart: exit 1 and 3) and render as a short block
through ``_render_traceback_``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from .errors import ChecksFailed, DataProductError, RemoteError
from .session import Session


class _Parser(argparse.ArgumentParser):
    """argparse that reports mistakes as ``UsageError`` instead of exiting the kernel."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise UsageError(f"%dataproduct {self.prog.split()[-1]}: {message}\n{self.format_usage().strip()}")

    def exit(self, status: int = 0, message: str | None = None):
        raise UsageError(message or self.format_help())


def _parser(name: str, help_text: str) -> _Parser:
    p = _Parser(prog=f"%dataproduct {name}", description=help_text, add_help=True)
    p.add_argument("--product", help="product id (default: the last one declared)")
    return p


@magics_class
class DataProductMagics(Magics):
    """The ``dataproduct`` magic; ``%dataproduct help`` lists the subcommands."""

    def __init__(self, shell=None, session: Session | None = None) -> None:
        super().__init__(shell)
        self.session = session or Session()
        self._commands: dict[str, tuple[Callable[[argparse.Namespace, str | None], Any], _Parser, bool]] = {}
        self._lines_run: dict[int, int] = {}  # execution count -> %dataproduct lines run in that cell
        self._register()

    # -- dispatch ---------------------------------------------------------------------------
    @no_var_expand
    @line_cell_magic
    def dataproduct(self, line: str, cell: str | None = None):
        """Declare, build, test, document and publish data products. ``%dataproduct help``."""
        head, _, raw_rest = line.strip().partition(" ")
        if head == "sql":
            # SQL keeps its quotes: no shell-style splitting of the query text
            return self._sql_raw(raw_rest, cell)
        try:
            argv = shlex.split(line, posix=True)
        except ValueError as exc:
            raise UsageError(f"%dataproduct: cannot parse the line: {exc}") from None
        if not argv or argv[0] in ("help", "-h", "--help"):
            return _Help(self._commands)
        name, rest = argv[0], argv[1:]
        if name not in self._commands:
            import difflib

            hint = difflib.get_close_matches(name, list(self._commands), n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            raise UsageError(f"%dataproduct: unknown subcommand {name!r}{extra} (see %dataproduct help)")
        handler, parser, needs_cell = self._commands[name]
        if "-h" in rest or "--help" in rest:
            parser.parse_args(rest)  # prints the subcommand's help (as a UsageError), cell magic or not
        if needs_cell and cell is None:
            raise UsageError(f"%dataproduct {name} is a cell magic: write %%dataproduct {name} on the first line of a cell")
        if not needs_cell and cell is not None and cell.strip() and name != "sql":
            raise UsageError(f"%%dataproduct {name} takes no cell body; use %dataproduct {name} on one line")
        args = parser.parse_args(rest)
        try:
            result = handler(args, cell)
            if cell is None and result is not None and self._more_magic_lines_follow():
                _show(result)  # IPython shows only a cell's last value: the others would be lost
                return None
            return result
        except ChecksFailed as exc:
            _show(exc.result)  # the table of what failed stays in the notebook, not only the summary
            raise
        except RemoteError:
            raise  # keeps its class (one line, no traceback): `dp-notebook run` exits 3 for an outage, 2 for a mistake
        except DataProductError as exc:
            raise UsageError(str(exc)) from None
        finally:
            self._sync(getattr(args, "product", None))

    def _more_magic_lines_follow(self) -> bool:
        """In a cell made only of ``%dataproduct`` lines, is this call not the last one?"""
        if self.shell is None:
            return False
        history = getattr(getattr(self.shell, "history_manager", None), "input_hist_parsed", None) or [""]
        lines = [ln.strip() for ln in str(history[-1]).splitlines() if ln.strip() and not ln.strip().startswith("#")]
        if len(lines) < 2 or not all(ln.startswith("get_ipython().run_line_magic('dataproduct'") for ln in lines):
            return False
        count = self.shell.execution_count
        seen = self._lines_run.get(count, 0) + 1
        self._lines_run = {count: seen}
        return seen < len(lines)

    def _sync(self, product: str | None) -> None:
        try:
            self.session.sync_artifacts(product)
        except Exception as exc:  # artifacts are a by-product: never fail the user's cell over them
            import warnings

            warnings.warn(f"dp-notebook could not write run artifacts: {exc}", stacklevel=3)

    def _ns(self) -> dict[str, Any]:
        return self.shell.user_ns if self.shell is not None else {}

    # -- subcommands ------------------------------------------------------------------------
    def _register(self) -> None:
        def add(name: str, help_text: str, handler, *, cell: bool = False, setup=None) -> None:
            p = _parser(name, help_text)
            if setup:
                setup(p)
            self._commands[name] = (handler, p, cell)

        add("declare", "Declare a product from the cell's YAML (DPS 0.0.1 or ODPS v1).", self._declare, cell=True)
        add("show", "Show the product card.", lambda a, c: self.session.product(a.product))
        add("lint", "Check the spec: required fields, ids, port/column types, cron, policies.", self._lint)

        def export_args(p):
            p.add_argument("format", help="dps | odps | odcs | jsonschema | dbt | ddl | gx")
            p.add_argument("port", nargs="?", help="one output port (default: all)")
            p.add_argument("--out", help="file (one file) or directory to write to")

        add("export", "Export the spec as DPS, ODPS, ODCS contracts, JSON Schema, a dbt project, DDL or GX suites.", self._export, setup=export_args)

        def input_args(p):
            p.add_argument("port", help="the input port id")
            p.add_argument("--from", dest="source", required=True, help="path/glob, variable, table:NAME or product.port (prefixes file:, var:, table:, port:)")
            p.add_argument("--declare", action="store_true", help="declare the input port if the spec does not list it")

        add("input", "Bind an input port to a file, DataFrame, table or another product's port.", self._input, setup=input_args)

        def transform_args(p):
            p.add_argument("target", help="an output port id, or a model name with --model")
            p.add_argument("--model", action="store_true", help="build a private intermediate model instead of a port")
            p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind {{NAME}} (JSON scalar, else text); repeatable")
            p.add_argument("--incremental", action="store_true", help="process only what is new since the last successful run")
            p.add_argument("--time-column", metavar="C", help="incremental by time: the range after the newest C built is processed and replaces that range")
            p.add_argument("--unique-key", metavar="K[,K2]", help="incremental by key: new or changed rows are merged by these columns")
            p.add_argument("--lookback", metavar="DURATION", help="with --time-column: also rebuild this much before the newest time (late data), e.g. 2d, 6h")
            p.add_argument("--full-refresh", action="store_true", help="rebuild an incremental port from all of its data")
            p.add_argument("--from", dest="start", metavar="TIME", help="with --time-column: (re)build from this time (backfill)")
            p.add_argument("--to", dest="end", metavar="TIME", help="with --time-column: (re)build up to this time, exclusive")

        add("transform", "Build an output port (write-audit-publish) or model from the cell's DuckDB SQL.", self._transform, cell=True, setup=transform_args)

        def sql_args(p):
            p.add_argument("query", nargs=argparse.REMAINDER, help="the query (or the cell body with %%dataproduct sql)")

        add("sql", "Query the workspace (the product's inputs, models and ports; public views by schema.view).", self._sql, setup=sql_args)
        add("runs", "The product's run history (transforms, rollbacks) with the version each built; serving marks what ports serve now.", lambda a, c: self.session.product(a.product).runs())

        def target_arg(p):
            p.add_argument("target", help="an output port, input port or model")

        add("expect", "Set a target's expectations (YAML list, Great Expectations names) and run them now.", self._expect, cell=True, setup=target_arg)
        add("unittest", "Unit-test a port's transform: given rows per input, expected rows (YAML).", self._unittest, cell=True, setup=target_arg)
        add("test", "Run contracts, expectations, unit tests and SLOs; fails the cell (and the run) on failure.", lambda a, c: self.session.product(a.product).test())
        add("quality", "Check the SLOs, append them to the quality history and show the trend.", lambda a, c: self.session.product(a.product).quality())

        def docs_args(p):
            p.add_argument("--out", help="folder for <product>.html and its specs (default: the run folder, else .dp/docs)")

        add("docs", "Write the product's self-contained HTML documentation page; show a compact card.", lambda a, c: self.session.product(a.product).docs(a.out), setup=docs_args)
        add("cost", "Measured compute and storage, projected to a month with the price model.", lambda a, c: self.session.product(a.product).cost())
        add("lineage", "Table- and column-level lineage of the transforms (sqlglot), drawn as a graph.", self._lineage)

        def browse_args(p):
            p.add_argument("--catalog", help="catalog directory or Data Mesh Manager URL (default: publish_to when it is a URL, else the workspace catalog)")
            p.add_argument("--role", help="your role: PII columns of ports that allow it are shown unmasked")

        add("results", "The product's latest checks, SLO history (trend) and cost as sortable tables.", self._results)
        add("browse", "Browse the catalog's products and ports: search, filter, schema, preview, use snippet.", self._browse, setup=browse_args)

        def publish_args(p):
            p.add_argument("--to", help="catalog directory or Data Mesh Manager URL (default: DP_NOTEBOOK_PUBLISH_TO, dp-notebook.yaml, else the workspace catalog)")
            p.add_argument("--dry-run", action="store_true", help="show what would be published and the diff; send and write nothing")
            p.add_argument("--allow-breaking", action="store_true", help="publish even with breaking changes to existing ports")

        add("publish", "Lint, test, then publish specs, contracts, data snapshots and results to a catalog.", self._publish, setup=publish_args)
        def diff_args(p):
            p.add_argument("--data", metavar="PORT", help="compare the rows the port's transform would write now with the rows it serves")
            p.add_argument("--against", metavar="RUN", help="with --data: compare the served rows with a kept version (run id, prefix or version number) instead")
            p.add_argument("--sample", type=int, default=10, metavar="N", help="changed rows to show (PII masked); default 10")

        add("diff", "Changes against the published version (breaking or not); --data PORT: a data diff of the rows.", self._diff, setup=diff_args)

        def rollback_args(p):
            p.add_argument("port", help="the output port to roll back")
            p.add_argument("--to", metavar="RUN", help="a kept version's run id (or a prefix, or the version number); default the previous version")

        add("rollback", "Serve a kept earlier version of a port again: instant, nothing recomputed, recorded as a run.", self._rollback, setup=rollback_args)
        add("versions", "The kept versions of the product's ports and which one each serves.", lambda a, c: self.session.product(a.product).versions())

        def use_args(p):
            p.add_argument("ref", help="<product>.<port> from the catalog")
            p.add_argument("--as", dest="as_", help="input port name (default: the port id)")
            p.add_argument("--role", help="your role, checked against the port's rolesAllowed (default: DP_NOTEBOOK_ROLE)")

        add("use", "Consume another product's published port as an input port (rolesAllowed checked).", self._use, setup=use_args)

        def redact_args(p):
            p.add_argument("port", help="the output port with PII columns")
            p.add_argument("--as", dest="as_", help="the new port id (default: <port>_redacted)")
            p.add_argument("--method", choices=["hash", "drop"], default="hash", help="hash (default) or drop the PII columns")

        add("redact", "Derive a PII-redacted output port (hash or drop PII columns) with its own contract.", self._redact, setup=redact_args)

    def _lineage(self, args, cell):
        from .render.lineage import LineageResult

        return LineageResult(self.session.product(args.product).lineage())

    def _results(self, args, cell):
        from .widgets.results import product_results

        return product_results(self.session.product(args.product))

    def _browse(self, args, cell):
        from .widgets import browse

        ws = self.session.product(args.product).workspace if self.session.current else self.session.workspace
        settings = ws.settings  # a team publishing to Data Mesh Manager browses it too
        catalog = args.catalog or (settings.publish_to if settings.publishes_remotely else ws.catalog_dir)
        return browse(catalog, role=args.role or settings.role, api_key=settings.api_key)

    def _publish(self, args, cell):
        return self.session.product(args.product).publish(args.to, dry_run=args.dry_run, allow_breaking=args.allow_breaking)

    def _use(self, args, cell):
        return self.session.product(args.product).use(args.ref, as_=args.as_, role=args.role, namespace=self._ns())

    def _redact(self, args, cell):
        return self.session.product(args.product).redact(args.port, as_=args.as_, method=args.method, namespace=self._ns())

    def _expect(self, args, cell):
        return self.session.product(args.product).expect(args.target, cell, source="cell", line_offset=1)

    def _unittest(self, args, cell):
        result = self.session.product(args.product).unittest(args.target, cell, source="cell", line_offset=1)
        return result.raise_for_failure()

    def _input(self, args, cell):
        return self.session.product(args.product).input(args.port, args.source, namespace=self._ns(), auto_declare=args.declare)

    def _transform(self, args, cell):
        from .params import parse_param_args

        dp = self.session.product(args.product)
        return dp.transform(
            args.target, cell, params=parse_param_args(args.param), namespace=self._ns(), model=args.model,
            incremental=args.incremental, time_column=args.time_column, unique_key=args.unique_key, lookback=args.lookback,
            full_refresh=args.full_refresh, start=args.start, end=args.end,
        )

    def _diff(self, args, cell):
        dp = self.session.product(args.product)
        if args.data:
            return dp.data_diff(args.data, against=args.against, sample=args.sample, namespace=self._ns())
        if args.against:
            raise UsageError("%dataproduct diff: --against compares data: give --data PORT too")
        return dp.diff()

    def _rollback(self, args, cell):
        return self.session.product(args.product).rollback(args.port, to=args.to)

    def _sql(self, args, cell):  # reached only through help listings; see _sql_raw
        return self._sql_raw(" ".join(args.query), cell)

    def _sql_raw(self, rest: str, cell: str | None):
        product = None
        rest = rest.strip()
        if rest.startswith("--product"):
            parts = rest.split(None, 2)
            if len(parts) < 2:
                raise UsageError("%dataproduct sql: --product needs a product id")
            product, rest = parts[1], (parts[2] if len(parts) > 2 else "")
        query = (rest + "\n" + (cell or "")).strip()
        if not query:
            raise UsageError("%dataproduct sql: give a query on the line or in the cell")
        try:
            return self.session.product(product).sql(query, namespace=self._ns())
        except DataProductError as exc:
            raise UsageError(str(exc)) from None
        finally:
            self._sync(product)

    def _declare(self, args, cell):
        from pathlib import Path

        return self.session.declare(cell, product=args.product, base_dir=Path.cwd())  # contract files resolve here

    def _lint(self, args, cell):
        return self.session.product(args.product).lint()

    def _export(self, args, cell):
        return self.session.product(args.product).export(args.format, args.port, out=args.out)


def _show(result: Any) -> None:
    if result is not None and hasattr(result, "_repr_mimebundle_"):
        from IPython.display import display

        display(result)


class _Help:
    def __init__(self, commands) -> None:
        self.commands = commands

    def _lines(self) -> list[str]:
        out = ["%dataproduct <subcommand> [options]   (every subcommand takes --product ID)", ""]
        for name, (_, parser, cell) in sorted(self.commands.items()):
            prefix = "%%" if cell else "% "
            out.append(f"  {prefix}dataproduct {name:<10} {parser.description}")
        return out

    def __repr__(self) -> str:
        return "\n".join(self._lines())


def load_ipython_extension(ipython) -> None:
    """``%load_ext dp_notebook``: register the magic and fix the workspace location."""
    magics = DataProductMagics(ipython)
    ipython.register_magics(magics)
    ipython.user_ns.setdefault("_dp_session", magics.session)
