"""Running a product notebook as CI does: ``run_notebook(...) -> RunReport``.

    read the notebook -> (append the publish step) -> execute with papermill in the notebook's folder
    -> export the executed notebook to HTML -> classify the outcome

The kernel learns where to write its artifacts (specs, docs, results, JUnit)
from ``DP_NOTEBOOK_RUN_DIR``, and the engine and publish settings the CLI was
given from the other ``DP_NOTEBOOK_*`` variables: the kernel reads them with
the same ``Settings`` as any notebook.

Exit codes (DESIGN §9): 0 success, 1 failed checks, 2 misuse or a
``UsageError`` in the notebook, 3 anything else (a broken cell, a dead kernel,
a remote service that failed: ``RemoteError``, e.g. a Data Mesh Manager
unreachable, answering 5xx or refusing the key).

    >>> report = run_notebook("example_notebooks/shelf_warmers.ipynb", out="build/sw")   # doctest: +SKIP
    >>> report.exit_code                                                                  # doctest: +SKIP
    0
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataProductError

EXIT_OK, EXIT_CHECKS, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# the one table from exception to exit code, by class name (a failed cell reports only the name);
# a class not listed takes its nearest listed base class's code, else EXIT_ERROR
# a remote failure is an outage, not a typo: CI retries 3 and fixes 2
EXIT_CODES = {"ChecksFailed": EXIT_CHECKS, "UsageError": EXIT_USAGE, "CliError": EXIT_USAGE, "RemoteError": EXIT_ERROR, "DataProductError": EXIT_USAGE}


def exit_code(error: BaseException | str) -> int:
    """The exit code of an exception, or of a failed cell's exception name (``ContractViolation`` → 1).

    >>> exit_code("ContractViolation"), exit_code("SQLError"), exit_code("PublishError"), exit_code("NameError")
    (1, 2, 3, 3)
    """
    if isinstance(error, str):
        from . import errors

        cls = getattr(errors, error, None)
        names = [c.__name__ for c in cls.__mro__] if isinstance(cls, type) else [error]
    else:
        names = [c.__name__ for c in type(error).__mro__]
    return next((EXIT_CODES[n] for n in names if n in EXIT_CODES), EXIT_ERROR)


class RunError(DataProductError):
    """The notebook cannot be run at all (missing, unreadable, bad parameters)."""


@dataclass
class RunReport:
    """What a notebook run did: the outcome, where its artifacts are, and the failed cell if any."""

    notebook: Path
    out: Path
    executed: Path
    exit_code: int
    elapsed_s: float
    products: list[str] = field(default_factory=list)
    failed_cell: int | None = None
    execution_count: int | None = None
    error_name: str | None = None
    error_message: str | None = None

    @property
    def success(self) -> bool:
        return self.exit_code == EXIT_OK

    def __str__(self) -> str:
        if self.success:
            return f"dp-notebook run: {self.notebook.name}: ok in {self.elapsed_s:.1f}s; artifacts in {self.out}"
        if self.exit_code == EXIT_INTERRUPTED:
            return f"dp-notebook run: {self.notebook.name}: interrupted; the partially executed notebook is {self.executed}"
        if self.failed_cell is None:
            return f"dp-notebook run: {self.notebook.name}: {self.error_name}: {self.error_message}"
        return (
            f"dp-notebook run: {self.notebook.name}: cell {self.failed_cell} (execution {self.execution_count}) failed\n"
            f"  {self.error_name}: {_shorten(self.error_message or '')}\n"
            f"  the partially executed notebook is {self.executed}"
        )


def read_notebook(path: Path) -> dict[str, Any]:
    """The notebook as JSON (no nbformat: its validator costs seconds of import for a lint)."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RunError(f"cannot read notebook {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise RunError(f"{path} is not a notebook (invalid JSON: {exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise RunError(f"{path} is not a notebook (no cells)")
    return nb


def declarations(path: Path) -> list[tuple[str, int]]:
    """The YAML bodies of a notebook's ``%%dataproduct declare`` cells, with their cell numbers."""
    out = []
    for i, cell in enumerate(read_notebook(path)["cells"], start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        first, _, body = source.partition("\n")
        if first.split()[:2] == ["%%dataproduct", "declare"]:
            out.append((body, i))
    return out


def declared_ids(path: Path) -> list[str]:
    """The ids of the products a notebook declares (read, not executed)."""
    from .spec.load import spec_findings

    ids = []
    for body, n in declarations(path):
        loaded, _ = spec_findings(body, name=f"{path} cell {n}", line_offset=1)
        if loaded is not None:
            ids.append(loaded.spec.id)
    return ids


def publish_cell(*, to: str | None, dry_run: bool, allow_breaking: bool) -> str:
    """The cell ``dp-notebook publish`` appends: publish every product the notebook declared, with its state."""
    args = [f"to={to!r}", f"dry_run={dry_run!r}", f"allow_breaking={allow_breaking!r}"]
    return "# appended by dp-notebook publish: publishes what this notebook's own publish would\n" f"_dp_session.publish_all({', '.join(args)});  # each report is displayed once"


def run_notebook(
    notebook: str | os.PathLike,
    *,
    parameters: dict[str, Any] | None = None,
    out: str | os.PathLike | None = None,
    kernel: str | None = None,
    engine: str | None = None,
    publish: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> RunReport:
    """Execute ``notebook`` with papermill in its own folder; artifacts go to ``out`` (default ``build/<name>``).

    ``publish={"to": ..., "dry_run": ..., "allow_breaking": ...}`` appends a step that
    publishes every declared product after the notebook ran (the notebook's own
    publish cells are deferred to it, so each product is published once).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    path = Path(notebook).resolve()
    if not path.is_file():
        raise RunError(f"no such notebook: {notebook}")
    nb = read_notebook(path)
    products = declared_ids(path)
    from .files import make_dir

    out_dir = make_dir(Path(out or Path("build") / path.stem).resolve(), "output folder")
    executed = out_dir / path.name
    overrides = {"DP_NOTEBOOK_RUN_DIR": str(out_dir), **(environ or {})}
    if engine:
        overrides["DP_NOTEBOOK_ENGINE"] = engine
    if publish is not None:
        overrides["DP_NOTEBOOK_PUBLISH_DEFERRED"] = "1"
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "dp-notebook-publish", "metadata": {"tags": ["dp-notebook-publish"]}, "outputs": [], "source": publish_cell(**publish)})
    import nbformat

    node = nbformat.from_dict(nb)
    exporter = _warm_html_exporter()  # while the kernel starts and runs, not after it
    started = time.perf_counter()
    report = RunReport(path, out_dir, executed, EXIT_OK, 0.0, products)
    try:
        manager = _kernel_manager_class()
        with _environment(overrides), _interrupt_through_kernel(manager):
            pm.execute_notebook(
                node, str(executed), parameters=parameters or {}, kernel_name=kernel, cwd=str(path.parent),
                progress_bar=False, log_output=False, request_save_on_cell_execute=True, kernel_manager_class=manager,
                # ipykernel's start-up warning about TCP on localhost is noise in every CI log
                extra_arguments=["--IPKernelApp.log_level=ERROR"] if _is_ipykernel(kernel, nb) else [],
            )
    except PapermillExecutionError as failure:
        report.failed_cell, report.execution_count = failure.cell_index + 1, failure.exec_count
        report.error_name, report.error_message = _failure_details(failure, executed)
        # Ctrl-C reaches the kernel too: a cell stopped by it is an interruption, not a broken cell
        report.exit_code = EXIT_INTERRUPTED if report.error_name == "KeyboardInterrupt" else exit_code(report.error_name)
    except KeyboardInterrupt:
        report.error_name, report.exit_code = "KeyboardInterrupt", EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a dead kernel, a missing kernel spec: the run itself broke
        report.error_name, report.error_message = type(exc).__name__, _first_line(str(exc))
        report.exit_code = EXIT_ERROR
    report.elapsed_s = time.perf_counter() - started
    _write_html(executed, out_dir, exporter())
    return report


def _warm_html_exporter() -> Any:
    """``get()`` → an nbconvert ``HTMLExporter`` made ready in a thread: importing nbconvert and compiling
    its template for a first render take ~0.5 s, which the run would otherwise add after the kernel
    stopped (a trivial notebook: 1.26× plain papermill without this)."""
    import threading

    ready: dict[str, Any] = {}

    def warm() -> None:
        try:
            import nbformat
            from nbconvert import HTMLExporter

            exporter = HTMLExporter()
            exporter.from_notebook_node(nbformat.v4.new_notebook())
            ready["exporter"] = exporter
        except Exception:  # noqa: BLE001 - the export after the run makes its own exporter and says what fails
            pass

    thread = threading.Thread(target=warm, name="dp-notebook html exporter", daemon=True)
    thread.start()

    def get() -> Any:
        thread.join()
        return ready.get("exporter")

    return get


def _is_ipykernel(kernel: str | None, nb: dict[str, Any]) -> bool:
    name = kernel or (nb.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
    return name in ("python3", "python")


def _kernel_manager_class() -> type:
    """papermill's kernel manager, remembering its kernel so a Ctrl-C of the run can interrupt it."""
    from jupyter_client import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        started: list[Any] = []

        async def start_kernel(self, **kwargs: Any) -> None:  # noqa: D102 - jupyter_client API
            await super().start_kernel(**kwargs)
            RunKernelManager.started.append(self)

    return RunKernelManager


@contextmanager
def _interrupt_through_kernel(manager: type, grace: float = 5.0) -> Iterator[None]:
    """Ctrl-C does not reach the kernel (jupyter_client starts it in its own session): pass it on,
    as Jupyter's stop button does, so the running cell stops with ``KeyboardInterrupt`` and
    papermill saves the notebook and reports it — instead of the kernel being torn down mid-reply
    (a traceback on stderr). If the kernel does not stop within ``grace`` seconds, or on a second
    Ctrl-C, the run itself is interrupted."""
    import _thread
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    timers: list[threading.Timer] = []

    def on_sigint(signum: int, frame: Any) -> None:
        pid = next((getattr(km.provisioner, "pid", None) for km in reversed(manager.started) if km.provisioner), None)
        if timers or pid is None:
            raise KeyboardInterrupt
        try:
            os.kill(pid, signal.SIGINT)
        except OSError:
            raise KeyboardInterrupt from None
        timers.append(threading.Timer(grace, _thread.interrupt_main, args=(signal.SIGINT,)))
        timers[-1].daemon = True
        timers[-1].start()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for timer in timers:
            timer.cancel()


@contextmanager
def _environment(overrides: dict[str, str]) -> Iterator[None]:
    """The kernel inherits this process's environment: set the run's variables for its start only."""
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _failure_details(failure: Any, executed: Path) -> tuple[str, str]:
    """(exception name, message) of the failed cell.

    IPython shows a ``UsageError`` on stderr instead of as an error output, so
    nbclient reports a bare ``CellExecutionError``: read the cell's stderr then.
    """
    ename = failure.ename
    evalue = _ANSI.sub("", failure.evalue or "").strip()
    if ename == "CellExecutionError" and not evalue and executed.exists():
        cells = json.loads(executed.read_text(encoding="utf-8")).get("cells", [])
        # papermill inserts error-marker cells, so find the failed cell by its status
        failed = [c for c in cells if c.get("metadata", {}).get("papermill", {}).get("exception")]
        for out in failed[0].get("outputs", []) if failed else []:
            text = out.get("text", "")
            text = _ANSI.sub("", "".join(text) if isinstance(text, list) else text) if out.get("name") == "stderr" else ""
            if text.startswith("UsageError:"):
                return "UsageError", text.removeprefix("UsageError:").strip()
    return ename, evalue


def _write_html(executed: Path, out: Path, exporter: Any = None) -> None:
    if not executed.exists():
        return
    import nbformat

    try:
        if exporter is None:
            from nbconvert import HTMLExporter

            exporter = HTMLExporter()
        body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
    except Exception as exc:  # noqa: BLE001 - a broken export must not hide the run's own result
        import sys

        print(f"dp-notebook run: could not export {executed.name} to HTML: {_first_line(str(exc))}", file=sys.stderr)
        return
    (out / f"{executed.stem}.html").write_text(body, encoding="utf-8")


def _first_line(text: str) -> str:
    text = _ANSI.sub("", text).strip()
    return text.splitlines()[0] if text else ""


def _shorten(text: str, lines: int = 12) -> str:
    rows = text.splitlines()
    if len(rows) > lines:
        rows = rows[:lines] + [f"... ({len(rows) - lines} more lines)"]
    return "\n  ".join(rows)
