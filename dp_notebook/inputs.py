"""Input ports: bind a declared input to a file, a DataFrame, a table or another product's port.

``--from`` takes ``file:``, ``var:``, ``table:`` or ``port:`` prefixes;
without one it tries an existing path or glob, a notebook variable, then a
catalog ``product.port`` — and otherwise says what it tried. The input is
then readable in transforms by the input port id (a view or table in the
product's private schema). Paths are stored absolute: a view must not depend
on the reading process's working directory. A catalog port is read through
``dp_notebook.catalog.read_port``, which checks ``rolesAllowed`` — the same
check ``use`` makes.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CatalogError, DataProductError, PortNotFound
from .names import private_schema
from .state import Source

_READERS = {
    ".csv": "read_csv_auto",
    ".tsv": "read_csv_auto",
    ".txt": "read_csv_auto",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
    ".json": "read_json_auto",
    ".jsonl": "read_json_auto",
    ".ndjson": "read_json_auto",
}


@dataclass
class InputResult:
    product: str
    port: str
    source: Source
    rows: int
    columns: list[tuple[str, str]]
    declared: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "port": self.port,
            "source": f"{self.source.kind}:{self.source.ref}",
            "rows": self.rows,
            "columns": [{"name": c, "type": t} for c, t in self.columns],
            "contract": self.source.info.get("contractId"),
        }

    def __str__(self) -> str:
        cols = ", ".join(f"{c} {t}" for c, t in self.columns)
        return f"input {self.port} ← {self.source.kind}:{self.source.ref}: {self.rows} rows ({cols})"

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.html import card, esc, table

        inner = (
            f"<h4>input <code>{esc(self.port)}</code> ← <code>{esc(self.source.kind)}:{esc(self.source.ref)}</code>: "
            f"{esc(self.rows)} rows</h4>" + table(["column", "type"], self.columns)
        )
        return mimebundle("input", self.to_dict(), card(inner), str(self))


def resolve_source(text: str, *, namespace: dict[str, Any] | None, catalog_dir: Path | None, base_dir: Path, role: str | None = None) -> Source:
    """Interpret a ``--from`` value (see the module docstring for the order); paths resolve against ``base_dir``."""
    namespace = namespace or {}
    prefix, colon, rest = text.partition(":")
    if colon and prefix in ("file", "var", "table", "port"):
        if prefix == "file":
            return _file_source(rest, base_dir, strict=True)
        if prefix == "var":
            if rest not in namespace:
                raise PortNotFound(f"--from var:{rest}: no variable {rest!r} in the notebook")
            return Source("var", rest, namespace[rest])
        if prefix == "table":
            return Source("table", rest)
        return port_source(rest, catalog_dir, role)
    tried = []
    found = _file_source(text, base_dir, strict=False)
    if found is not None:
        return found
    tried.append(f"a file or glob {text!r} (relative to {base_dir})")
    if text.isidentifier():
        if text in namespace:
            return Source("var", text, namespace[text])
        tried.append(f"a notebook variable {text!r}")
    if "." in text and catalog_dir is not None:
        try:
            return port_source(text, catalog_dir, role)
        except (PortNotFound, CatalogError) as exc:
            tried.append(f"a catalog port ({exc})")
    raise PortNotFound(f"--from {text!r}: found nothing; tried " + "; ".join(tried) + ". Use a file:, var:, table: or port: prefix to be explicit")


def _file_source(text: str, base: Path, *, strict: bool) -> Source | None:
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base / path
    pattern = str(path)
    matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else ([pattern] if path.is_file() else [])
    if not matches:
        if strict:
            raise PortNotFound(f"--from file:{text}: no such file (looked for {pattern})")
        return None
    suffix = Path(matches[0]).suffix.lower()
    if suffix not in _READERS:
        raise DataProductError(f"--from {text}: cannot read {suffix or 'files without a suffix'}; use CSV, Parquet or JSON")
    return Source("file", text, pattern, {"reader": _READERS[suffix], "files": matches})


def port_source(ref: str, catalog_dir: Path | None, role: str | None) -> Source:
    """Another product's published port, if ``role`` may read it (``AccessDenied`` otherwise)."""
    from .catalog import Catalog, read_port

    if catalog_dir is None:
        raise CatalogError("no catalog configured to read product ports from")
    from .privacy import pii_of_columns

    entry, snapshot, version = read_port(Catalog.open(catalog_dir), ref, role)
    pii = sorted(pii_of_columns(entry.get("columns") or [], contains_pii=entry.get("containsPii")))
    return Source("port", ref, str(snapshot), {"contractId": entry.get("contractId"), "port": entry, "version": version, "pii": pii})


def bind_input(engine: Any, state: Any, port_id: str, source: Source, *, auto_declare: bool = False) -> InputResult:
    """Make ``source`` readable as ``port_id`` in the product's private schema; record it in the state."""
    spec = state.spec
    declared = spec.input_port(port_id) is not None
    if not declared and not auto_declare:
        names = ", ".join(p.id for p in spec.inputPorts) or "none declared"
        raise PortNotFound(f"product {spec.id!r} has no input port {port_id!r} (input ports: {names})")
    state.claim_name(port_id, "input", f"input {port_id}")
    rows, columns = engine.bind_input(private_schema(spec.id), port_id, source)
    state.inputs[port_id] = source
    return InputResult(spec.id, port_id, source, rows, columns, declared)
