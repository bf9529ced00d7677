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

EXPORT_FORMATS = ("dps", "odps", "odcs", "jsonschema", "dbt", "ddl")


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


def server_info(ws: Any, engine: Any, state: Any) -> dict[str, Any]:
    """Workspace facts the contracts carry: the DuckDB file, Parquet paths, and the suites as ODCS rules."""
    from .checks.odcs import to_odcs_rules

    spec = state.spec
    parquet = {p.id: str(ws.data_dir / spec.id / f"{p.id}.parquet") for p in spec.outputPorts if p.kind == "files"}
    ports = {p.id for p in spec.outputPorts}
    quality = {t: to_odcs_rules(s) for t, s in state.suites.items() if s and t in ports}
    info: dict[str, Any] = {"database_path": str(ws.db_path), "parquet_paths": parquet, "quality": quality}
    server = engine.contract_server()
    if server:
        info["spark"] = server
    return info


def export_files(ws: Any, engine: Any, state: Any, fmt: str, port: str | None = None) -> dict[str, str]:
    """``{file name: text}`` of one export format."""
    from .spec.export import export

    fmt = (fmt or "").lower()
    if fmt not in EXPORT_FORMATS:
        raise DataProductError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if port is not None:
        state.spec.output_port(port)  # PortNotFound lists the ports
    return export(state.spec, fmt, port, **server_info(ws, engine, state))


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
