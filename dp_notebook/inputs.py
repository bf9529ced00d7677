"""Input ports: bind a declared input to a file, a DataFrame, a table or another product's port.

``--from`` takes ``file:``, ``var:``, ``table:`` or ``port:`` prefixes;
without one it tries an existing path or glob, a notebook variable, then a
catalog ``product.port`` — and otherwise says what it tried. The input is
then readable in transforms by the input port id (a view or table in the
product's private schema). Paths are stored absolute: a view must not depend
on the reading process's working directory.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog, split_port_ref
from .errors import CatalogError, DataProductError, PortNotFound
from .workspace import Workspace, literal, private_schema, quote

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
class Source:
    kind: str  # file | var | table | port
    ref: str
    value: Any = None  # the DataFrame for var:, the file path(s) for file:, catalog info for port:
    info: dict[str, Any] = field(default_factory=dict)


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


def resolve_source(text: str, *, namespace: dict[str, Any] | None = None, catalog_dir: Path | None = None, base_dir: Path | None = None) -> Source:
    """Interpret a ``--from`` value (see the module docstring for the order)."""
    namespace = namespace or {}
    base = Path(base_dir or os.getcwd())
    prefix, colon, rest = text.partition(":")
    if colon and prefix in ("file", "var", "table", "port"):
        if prefix == "file":
            return _file_source(rest, base, strict=True)
        if prefix == "var":
            if rest not in namespace:
                raise PortNotFound(f"--from var:{rest}: no variable {rest!r} in the notebook")
            return Source("var", rest, namespace[rest])
        if prefix == "table":
            return Source("table", rest)
        return _port_source(rest, catalog_dir)
    tried = []
    found = _file_source(text, base, strict=False)
    if found is not None:
        return found
    tried.append(f"a file or glob {text!r} (relative to {base})")
    if text.isidentifier():
        if text in namespace:
            return Source("var", text, namespace[text])
        tried.append(f"a notebook variable {text!r}")
    if "." in text and catalog_dir is not None:
        try:
            return _port_source(text, catalog_dir)
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


def _port_source(ref: str, catalog_dir: Path | None) -> Source:
    product, port = split_port_ref(ref)
    if catalog_dir is None:
        raise CatalogError("no catalog configured to read product ports from")
    catalog = Catalog.open(catalog_dir)
    entry = catalog.port(product, port)
    data = catalog.version_dir(product) / "data" / f"{port}.parquet"
    if not data.is_file():
        raise CatalogError(f"{ref} is published without data (no {data}); republish the product")
    return Source("port", ref, str(data), {"contractId": entry.get("contractId"), "port": entry, "version": catalog.current_version(product)})


def bind_input(ws: Workspace, spec: Any, port_id: str, source: Source, *, auto_declare: bool = False, engine: Any = None) -> InputResult:
    """Make ``source`` readable as ``port_id`` in the product's private schema."""
    declared = spec.input_port(port_id) is not None
    if not declared and not auto_declare:
        names = ", ".join(p.id for p in spec.inputPorts) or "none declared"
        raise PortNotFound(f"product {spec.id!r} has no input port {port_id!r} (input ports: {names})")
    schema = private_schema(spec.id)
    if engine is not None and engine.name != "duckdb":
        frame = _as_frame(source) if source.kind not in ("file", "port", "table") else None
        rows, columns = engine.bind_input(schema, port_id, source, frame)
        return InputResult(spec.id, port_id, source, rows, columns, declared)
    import duckdb

    target = f"{quote(schema)}.{quote(port_id)}"
    with ws.connect() as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        try:
            con.execute("BEGIN TRANSACTION")
            existing = con.execute(
                "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, port_id]
            ).fetchone()
            if existing:  # DROP VIEW on a table (or the reverse) is an error in DuckDB
                con.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {target}")
            if source.kind == "file":
                con.execute(f"CREATE VIEW {target} AS SELECT * FROM {source.info['reader']}({literal(source.value)})")
            elif source.kind == "port":
                con.execute(f"CREATE VIEW {target} AS SELECT * FROM read_parquet({literal(source.value)})")
            elif source.kind == "table":
                con.execute(f"CREATE VIEW {target} AS SELECT * FROM {_table_ref(source.ref)}")
            else:
                frame = _as_frame(source)
                # a registered DataFrame lives in one connection only: copy it into the file
                con.register("__dp_input", frame)
                con.execute(f"CREATE TABLE {target} AS SELECT * FROM __dp_input")
                con.unregister("__dp_input")
            columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {target}").fetchall()]
            rows = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
            con.execute("COMMIT")
        except duckdb.Error as exc:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            first = str(exc).strip().splitlines()[0]
            raise DataProductError(f"input {port_id} from {source.kind}:{source.ref}: {first}") from None
    return InputResult(spec.id, port_id, source, rows, columns, declared)


def _table_ref(ref: str) -> str:
    parts = ref.split(".")
    if not all(parts) or len(parts) > 3:
        raise PortNotFound(f"--from table:{ref}: write table:<name> or table:<schema>.<name>")
    return ".".join(quote(p) for p in parts)


def _as_frame(source: Source) -> Any:
    value = source.value
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return value
    if hasattr(value, "df") and callable(value.df):  # a DuckDB relation
        return value.df()
    if hasattr(value, "to_pandas"):  # pyarrow / polars
        return value.to_pandas()
    raise DataProductError(
        f"--from var:{source.ref}: the variable is a {type(value).__name__}, not a DataFrame, DuckDB relation or Arrow table"
    )
