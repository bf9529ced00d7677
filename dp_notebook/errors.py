"""The one exception tree of dp-notebook.

    DataProductError                 base: every error the toolkit raises on purpose
    ├── SpecError                    a declaration is wrong (file, line, column, field path)
    ├── PortNotFound                 an unknown product, port, input or model
    ├── ParameterError               a ``{{name}}`` without a value, a bad ``--param``
    ├── SQLError                     DuckDB rejected the SQL (line in the cell)
    ├── ExpectationError             an unknown expectation, missing/wrong kwarg, bad column
    ├── ChecksFailed                 expectation / unit / quality checks failed
    │   └── ContractViolation        staged data breaks the port's contract
    ├── AccessDenied                 ``rolesAllowed`` refuses the role
    ├── BreakingChange               publish refused: breaking change without a new major
    ├── WorkspaceLocked              another process holds the DuckDB file
    ├── CatalogError                 a catalog directory is missing or corrupt
    │   └── RemoteCatalogError       a Data Mesh Manager read failed (also a RemoteError)
    └── RemoteError                  a remote service failed: unreachable, 5xx, key refused, bad answer
        └── PublishError             a publish target failed (HTTP status, timeout, ...)

Magics turn these into one-line ``UsageError`` s; ``ChecksFailed`` and
``RemoteError`` keep their class so ``dp-notebook run`` can tell a failed check
(exit 1) and an outage (exit 3) from a mistake (exit 2).

    >>> try:
    ...     raise PortNotFound("no output port 'x'")
    ... except DataProductError as e:
    ...     print(e)
    no output port 'x'
"""

from __future__ import annotations


class DataProductError(Exception):
    """Base class of every error dp-notebook raises on purpose."""


class SpecError(DataProductError):
    """A declaration is invalid; carries where: source, line, column, field path."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.source = source
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        prefix = f"{': '.join(where)}: " if where else ""
        field = f"{self.path}: " if self.path else ""
        return f"{prefix}{field}{self.message}"


class PortNotFound(DataProductError):
    """An unknown product, output port, input port or model."""


class ParameterError(DataProductError):
    """A template parameter has no value or a ``--param`` is malformed."""


class SQLError(DataProductError):
    """The engine rejected SQL; the message names the line in the cell."""


class ExpectationError(DataProductError):
    """An expectation is unknown, misses a kwarg or names a missing column."""


class ChecksFailed(DataProductError):
    """Checks ran and some failed; ``.result`` holds the full result."""

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: a failed check is
        # an expected outcome, shown as a short block.
        return [f"ChecksFailed: {self}"]


class ContractViolation(ChecksFailed):
    """Staged data breaks the output port's contract (columns, types, required, unique).

    A failed check like any other (``dp-notebook run`` exits 1), so it is a ``ChecksFailed``.
    """

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message, result)

    def _render_traceback_(self) -> list[str]:
        return [f"ContractViolation: {self}"]


class AccessDenied(DataProductError):
    """The caller's role is not in the port's ``rolesAllowed``."""


class BreakingChange(DataProductError):
    """Publishing would break consumers; ``.changes`` lists each breaking change."""

    def __init__(self, message: str, changes: list | None = None) -> None:
        super().__init__(message)
        self.changes = changes or []


class WorkspaceLocked(DataProductError):
    """Another process holds the workspace's DuckDB file."""


class EngineError(DataProductError):
    """The chosen engine cannot run here: not installed, misconfigured, or its metastore is taken."""


class CatalogError(DataProductError):
    """A catalog directory is not one, or one of its files is corrupt."""


class RemoteError(DataProductError):
    """A remote service failed: unreachable, timed out, a 5xx, the key refused, an answer of the wrong shape.

    Exit code 3, not 2: CI must tell an outage from a typo. Shown as one line, never a traceback.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class RemoteCatalogError(CatalogError, RemoteError):
    """Reading a Data Mesh Manager as a catalog failed (a ``CatalogError`` and a ``RemoteError``)."""


class PublishError(RemoteError):
    """A publish target failed: HTTP status, timeout, unreachable host, bad answer."""


__all__ = [
    "DataProductError",
    "SpecError",
    "PortNotFound",
    "ParameterError",
    "SQLError",
    "ExpectationError",
    "ContractViolation",
    "ChecksFailed",
    "AccessDenied",
    "BreakingChange",
    "WorkspaceLocked",
    "EngineError",
    "CatalogError",
    "RemoteCatalogError",
    "RemoteError",
    "PublishError",
]
