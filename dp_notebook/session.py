"""The products of one kernel (or script): which one is current, and where the workspace is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PortNotFound

if TYPE_CHECKING:  # the API pulls in pydantic: import it on first use, not at %load_ext
    from .product import DataProduct


class Session:
    """Products declared in this kernel; the last declared is current (``--product`` overrides)."""

    def __init__(self, workspace: Any = None) -> None:
        self.products: dict[str, DataProduct] = {}
        self.current: str | None = None
        self.workspace = workspace

    def declare(self, text: str, *, product: str | None = None) -> DataProduct:
        """Declare (or re-declare) a product from a cell body; it becomes the current one."""
        from .product import load

        new = load(text, workspace=self.workspace, name="cell", line_offset=1)
        old = self.products.get(new.id)
        if old is not None:
            old.redeclare(new)
            new = old
        self.products[new.id] = new
        self.current = new.id
        return new

    def add(self, dp: DataProduct) -> DataProduct:
        self.products[dp.id] = dp
        self.current = dp.id
        return dp

    def sync_artifacts(self) -> None:
        """Under ``dp-notebook run``, keep every product's artifacts current in the run directory.

        Written after each magic, so a run that fails half-way still leaves the
        specs, results and docs of what it got to.
        """
        import os

        run_dir = os.environ.get("DP_NOTEBOOK_RUN_DIR")
        if not run_dir:
            return
        from pathlib import Path

        for dp in self.products.values():
            dp.write_artifacts(Path(run_dir))

    def product(self, product_id: str | None = None) -> DataProduct:
        """The product named, else the current one; ``PortNotFound`` names the declared ones."""
        pid = product_id or self.current
        if pid is None:
            raise PortNotFound("no data product declared yet: start with a %%dataproduct declare cell")
        try:
            return self.products[pid]
        except KeyError:
            known = ", ".join(sorted(self.products)) or "none"
            raise PortNotFound(f"no product {pid!r} declared in this session (declared: {known})") from None
