"""dp-notebook: build, test, document and publish data products from notebooks.

    %load_ext dp_notebook
    %%dataproduct declare
    ...

The public names below are the stable API; everything else may change.
Heavy libraries (duckdb, pandas, sqlglot) are imported on first use so that
``%load_ext dp_notebook`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AccessDenied,
    BreakingChange,
    CatalogError,
    ChecksFailed,
    ContractViolation,
    DataProductError,
    EngineError,
    ExpectationError,
    ParameterError,
    PortNotFound,
    PublishError,
    RemoteCatalogError,
    RemoteError,
    SpecError,
    SQLError,
    WorkspaceLocked,
)

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "BreakingChange",
    "CatalogError",
    "ChecksFailed",
    "ContractViolation",
    "DataProduct",
    "DataProductError",
    "EngineError",
    "ExpectationError",
    "ParameterError",
    "PortNotFound",
    "PublishError",
    "RemoteCatalogError",
    "RemoteError",
    "SQLError",
    "SpecError",
    "Workspace",
    "WorkspaceLocked",
    "load",
    "load_ipython_extension",
    "validate",
    "__version__",
]

if TYPE_CHECKING:
    from .checks.validate import validate
    from .product import DataProduct, load
    from .workspace import Workspace

_LAZY = {
    "DataProduct": ("product", "DataProduct"),
    "load": ("product", "load"),
    "validate": ("checks.validate", "validate"),
    "Workspace": ("workspace", "Workspace"),
}


def __getattr__(name: str) -> Any:
    # PEP 562: the API modules pull in pydantic and friends; import them on first use.
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dp_notebook' has no attribute {name!r}")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """jupyter-server finds the catalog API here (see dp_notebook/labserver.py)."""
    return [{"module": "dp_notebook.labserver"}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dp_notebook``."""
    from .magic import load_ipython_extension as _load

    _load(ipython)
