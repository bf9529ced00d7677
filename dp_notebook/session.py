"""The products of one kernel (or script): which one is current, and the workspace they share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PortNotFound, SpecError

if TYPE_CHECKING:  # the API pulls in pydantic: import it on first use, not at %load_ext
    from .product import DataProduct


class Session:
    """Products declared in this kernel; the last declared is current (``--product`` overrides).

    The workspace is found once, when the session starts (``%load_ext``), so a
    later ``%cd`` does not move it; its settings are read on first use.
    """

    def __init__(self, workspace: Any = None) -> None:
        if workspace is None:
            from .workspace import Workspace

            workspace = Workspace()
        self.workspace = workspace
        self.products: dict[str, DataProduct] = {}
        self.current: str | None = None
        self._written: dict[str, str] = {}

    def declare(self, text: str, *, product: str | None = None, base_dir: Any = None) -> DataProduct:
        """Declare (or re-declare) a product from a cell body; it becomes the current one.

        ``base_dir``: where ``outputPorts[].contract`` files resolve (the notebook's folder).
        """
        from .product import load

        new = load(text, workspace=self.workspace, name="cell", line_offset=1, base_dir=base_dir)
        self._check_names(new)
        old = self.products.get(new.id)
        if old is not None:
            old.redeclare(new)
            new = old
        else:
            new._save()
        self.products[new.id] = new
        self.current = new.id
        return new

    def _check_names(self, new: DataProduct) -> None:
        """No two products of a session serve the same view (the workspace checks it again at build)."""
        mine = {new.spec.view_name(p): p.id for p in new.spec.outputPorts}
        for other in self.products.values():
            if other.id == new.id:
                continue
            for port in other.spec.outputPorts:
                view = other.spec.view_name(port)
                if view in mine:
                    raise SpecError(
                        f"port {mine[view]!r} would be served as {view[0]}.{view[1]}, which is port {port.id!r} of data product "
                        f"{other.id!r}; give it another location"
                    )

    def add(self, dp: DataProduct) -> DataProduct:
        self.products[dp.id] = dp
        self.current = dp.id
        return dp

    def sync_artifacts(self, product_id: str | None = None) -> None:
        """Under ``dp-notebook run``, keep the product's artifacts current in the run directory.

        Written after each magic that touched the product (only it, and only when
        its state or results changed), so a run that fails half-way still leaves the
        specs, results and docs of what it got to.
        """
        run_dir = self.workspace.settings.run_dir
        pid = product_id or self.current
        if run_dir is None or pid not in self.products:
            return
        dp = self.products[pid]
        stamp = _fingerprint(dp)
        if self._written.get(pid) == stamp:
            return
        dp.write_artifacts(run_dir)
        self._written[pid] = stamp

    def publish_all(self, to: str | None = None, *, dry_run: bool = False, allow_breaking: bool = False) -> list[Any]:
        """Publish every product of the session, in the order declared (``dp-notebook publish NOTEBOOK``)."""
        from IPython.display import display

        reports = []
        for dp in self.products.values():
            report = dp.publish(to, dry_run=dry_run, allow_breaking=allow_breaking, defer=False)
            display(report)
            reports.append(report)
        return reports

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


def _fingerprint(dp: Any) -> str:
    """What the artifacts show: the state file and the status file (results) of the product."""
    import hashlib

    h = hashlib.sha256()
    for path in (dp.workspace.state_path(dp.id), dp.workspace.status_dir / f"{dp.id}.json"):
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"-")
    h.update(repr(dp.summary()).encode())
    return h.hexdigest()
