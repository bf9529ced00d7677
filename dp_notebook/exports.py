"""Exports of a product: the spec and contracts as files, with what the workspace knows added.

The exporters in ``spec/export.py`` are pure functions of the spec; here they
get the workspace's facts: where the engine serves each port and the suites
as ODCS quality rules. ``--out`` writes files; ids never leave the folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataProductError

EXPORT_FORMATS = ("dps", "odps", "odcs", "jsonschema", "dbt", "ddl", "gx")


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
        from .render.bundle import mimebundle
        from .render.html import card, esc

        if self.written:
            inner = f"<h4>Exported {esc(self.fmt)}</h4><ul>" + "".join(f"<li><code>{esc(p)}</code></li>" for p in self.written) + "</ul>"
        else:
            inner = "".join(f"<h4><code>{esc(n)}</code></h4><pre>{esc(t)}</pre>" for n, t in self.files.items())
        return mimebundle("export", {"format": self.fmt, "files": list(self.files), "written": [str(p) for p in self.written]}, card(inner), str(self))


def server_info(ws: Any, engine: Any, state: Any, *, published: bool = False) -> dict[str, Any]:
    """Workspace facts the contracts carry: where each port's Parquet data is, and the suites as ODCS rules.

    A contract's first server is a Parquet file ``datacontract test`` can read:
    in a catalog version (``published``) the snapshot beside the contract
    (``../data/<port>.parquet``); on export a files port's Parquet file, else the
    port's current catalog snapshot. The private DuckDB file is not a server:
    its storage format is newer than the DuckDB the ecosystem's tools pin.
    """
    from .checks.odcs import to_odcs_rules

    spec = state.spec
    parquet: dict[str, str] = {}
    for port in spec.outputPorts:
        if published:
            parquet[port.id] = f"../data/{port.id}.parquet"
        elif port.kind == "files":
            parquet[port.id] = str(ws.data_dir / spec.id / f"{port.id}.parquet")
        else:
            snapshot = _catalog_snapshot(ws, spec.id, port.id)
            if snapshot:
                parquet[port.id] = snapshot
    ports = {p.id for p in spec.outputPorts}
    quality = {t: to_odcs_rules(s) for t, s in state.suites.items() if s and t in ports}
    info: dict[str, Any] = {"parquet_paths": parquet, "quality": quality}
    server = engine.contract_server()
    if server:
        info["spark"] = server
    return info


def _catalog_snapshot(ws: Any, product_id: str, port_id: str) -> str | None:
    from .catalog import Catalog
    from .errors import CatalogError, PortNotFound

    try:
        return str(Catalog.open(ws.catalog_dir).port_snapshot(product_id, port_id))
    except (CatalogError, PortNotFound):
        return None


def export_files(ws: Any, engine: Any, state: Any, fmt: str, port: str | None = None, *, published: bool = False) -> dict[str, str]:
    """``{file name: text}`` of one export format.

    ``gx``: one GX 1.x suite JSON per target (``port``: that target only, a port,
    input or model); ``dbt``: a dbt project (dbt-duckdb) that builds the ports from
    the notebook's transforms, with the expectations and unit tests as dbt tests.
    """
    from .spec.export import export

    fmt = (fmt or "").lower()
    if fmt not in EXPORT_FORMATS:
        raise DataProductError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "gx":
        from .checks.gx import gx_suite_files

        if port is not None:
            state.require_target(port)
        return gx_suite_files(state.id, state.suites, port)
    if port is not None:
        state.spec.output_port(port)  # PortNotFound lists the ports
    if fmt == "dbt":
        from .spec.dbt import to_dbt_project

        locations = {name: str(src.value) for name, src in state.inputs.items() if src.kind in ("file", "port") and isinstance(src.value, str)}
        bound = {k: v for t in state.transforms.values() for k, v in t.bound.items()}
        return to_dbt_project(state.spec, state.transforms, state.suites, state.unit_cases, input_locations=locations, params=bound)
    return export(state.spec, fmt, port, **server_info(ws, engine, state, published=published))


def export_product(ws: Any, engine: Any, state: Any, fmt: str, port: str | None = None, *, out: str | os.PathLike | None = None) -> ExportResult:
    """Export as ``dps|odps|odcs|jsonschema|dbt|ddl``; with ``out`` also write the files.

    ``out`` is a file when one file results, else a directory (created if needed).
    """
    files = export_files(ws, engine, state, fmt, port)
    result = ExportResult(fmt, files)
    if out is not None:
        result.written = write_files(files, Path(out))
    return result


def write_specs(ws: Any, engine: Any, state: Any, folder: Path) -> list[Path]:
    """Write DPS, ODPS and one ODCS contract per port into ``folder``."""
    written: list[Path] = []
    for fmt in ("dps", "odps", "odcs"):
        written += write_files(export_files(ws, engine, state, fmt), folder, as_folder=True)
    return written


def write_files(files: dict[str, str], out: Path, *, as_folder: bool = False) -> list[Path]:
    """Write ``files`` into the folder ``out`` (or the one file ``out``); names never leave the folder."""
    from .files import atomic_write, inside

    out = Path(out).expanduser()
    if not as_folder and len(files) == 1 and (out.suffix and not out.is_dir()):
        targets = {out.resolve(): next(iter(files.values()))}
    else:
        targets = {inside(out, name): text for name, text in files.items()}
    for path, text in targets.items():
        atomic_write(path, text)
    return list(targets)
