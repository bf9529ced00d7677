"""Column types: the one place that maps a declared type to every target.

A column's ``type`` is an ODCS logical type (``string``, ``integer`` …), a
common alias (``text``, ``long``, ``timestamptz`` as in the seed) or any
DuckDB type (``DECIMAL(10,2)``, ``VARCHAR[]``). ``resolve_type`` turns it into
a ``ColumnType`` with the logical type, the DuckDB physical type and the JSON
Schema fragment that every exporter and the contract check use.

    >>> resolve_type("number").physical
    'DOUBLE'
    >>> resolve_type("decimal(10,2)").logical
    'number'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

LOGICAL_TYPES = ("string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean")

# alias (lower case) -> DuckDB physical type
_ALIASES: dict[str, str] = {
    "string": "VARCHAR",
    "text": "VARCHAR",
    "str": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "uuid": "UUID",
    "number": "DOUBLE",
    "numeric": "DOUBLE",
    "float": "FLOAT",
    "double": "DOUBLE",
    "real": "FLOAT",
    "decimal": "DECIMAL(18,3)",
    "integer": "BIGINT",
    "int": "INTEGER",
    "long": "BIGINT",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "date": "DATE",
    "time": "TIME",
    "timestamp": "TIMESTAMP",
    "datetime": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
    "timestamptz": "TIMESTAMPTZ",
    "timestamp_tz": "TIMESTAMPTZ",
    "timestamp with time zone": "TIMESTAMPTZ",
    "object": "JSON",
    "json": "JSON",
    "struct": "JSON",
    "record": "JSON",
    "array": "JSON",
    "bytes": "BLOB",
    "binary": "BLOB",
    "blob": "BLOB",
}

# DuckDB type family -> ODCS logical type
_FAMILY_TO_LOGICAL: dict[str, str] = {
    "VARCHAR": "string",
    "UUID": "string",
    "BLOB": "string",
    "ENUM": "string",
    "JSON": "object",
    "BIT": "string",
    "BOOLEAN": "boolean",
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "UTINYINT": "integer",
    "USMALLINT": "integer",
    "UINTEGER": "integer",
    "UBIGINT": "integer",
    "UHUGEINT": "integer",
    "FLOAT": "number",
    "DOUBLE": "number",
    "DECIMAL": "number",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMPTZ": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "INTERVAL": "string",
    "STRUCT": "object",
    "MAP": "object",
    "LIST": "array",
    "ARRAY": "array",
}


_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
_TIMESTAMP_TZ_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$"
_TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


class UnknownType(ValueError):
    """A declared column type that neither the aliases nor DuckDB know."""


@dataclass(frozen=True)
class ColumnType:
    declared: str
    logical: str  # ODCS logicalType
    physical: str  # DuckDB type, canonical spelling

    def json_schema(self) -> dict:
        """JSON Schema fragment for one non-null value of this type."""
        if self.logical == "integer":
            return {"type": "integer"}
        if self.logical == "number":
            return {"type": "number"}
        if self.logical == "boolean":
            return {"type": "boolean"}
        if self.logical == "date":
            return {"type": "string", "format": "date"}
        # JSON Schema's date-time and time formats are RFC 3339 and need an offset, which a
        # naive TIMESTAMP/TIME never has; DuckDB writes offsets as +HH. Patterns say what is written.
        if self.logical == "timestamp":
            with_zone = self.physical.upper().startswith("TIMESTAMPTZ") or "TIME ZONE" in self.physical.upper()
            return {"type": "string", "pattern": _TIMESTAMP_TZ_PATTERN if with_zone else _TIMESTAMP_PATTERN}
        if self.logical == "time":
            return {"type": "string", "pattern": _TIME_PATTERN}
        if self.logical == "array":
            return {"type": "array"}
        if self.logical == "object":
            return {"type": "object"}
        return {"type": "string"}


@lru_cache(maxsize=512)
def resolve_type(declared: str) -> ColumnType:
    """Map a declared type to logical + DuckDB types; ``UnknownType`` if neither knows it."""
    text = " ".join(str(declared).strip().split())
    if not text:
        raise UnknownType("empty type")
    alias = _ALIASES.get(text.lower())
    if alias:
        logical = "array" if text.lower() == "array" else _FAMILY_TO_LOGICAL[alias.split("(")[0]]
        return ColumnType(declared=str(declared), logical=logical, physical=alias)
    physical, family = _parse_duckdb_type(text)
    return ColumnType(declared=str(declared), logical=_FAMILY_TO_LOGICAL.get(family, "string"), physical=physical)


def _parse_duckdb_type(text: str) -> tuple[str, str]:
    # sqlglot is the field's type parser; imported here so `%load_ext` stays fast.
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        dtype = exp.DataType.build(text, dialect="duckdb")
    except (ParseError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise UnknownType(str(exc).splitlines()[0] if str(exc) else text) from None
    # a type becomes part of CAST(... AS <type>): anything but one data type (statements, a ')') is refused
    if not isinstance(dtype, exp.DataType) or not isinstance(dtype.this, exp.DataType.Type) or not _one_type_text(text):
        raise UnknownType(f"{text!r} is not one data type")
    if dtype.this == exp.DataType.Type.USERDEFINED:
        raise UnknownType(f"unknown type {text!r}")
    family = _SQLGLOT_FAMILY.get(dtype.this.name, dtype.this.name)
    physical = dtype.sql(dialect="duckdb")
    if family == "VARCHAR" and not dtype.expressions:
        physical = "VARCHAR"
    return physical, family


def _one_type_text(text: str) -> bool:
    """No statement separator, comment or stray bracket: the parser would drop what follows one."""
    if any(mark in text for mark in (";", "--", "/*", "'", '"')):
        return False
    depth = 0
    for ch in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if depth < 0:
            return False
    return True


# sqlglot type names whose DuckDB family has another name
_SQLGLOT_FAMILY = {
    "TEXT": "VARCHAR",
    "NVARCHAR": "VARCHAR",
    "CHAR": "VARCHAR",
    "NCHAR": "VARCHAR",
    "INT": "INTEGER",
    "INT128": "HUGEINT",
    "UINT128": "UHUGEINT",
    "UINT": "UINTEGER",
    "DATETIME": "TIMESTAMP",
    "TIMESTAMPLTZ": "TIMESTAMPTZ",
    "BINARY": "BLOB",
    "VARBINARY": "BLOB",
    "BIGDECIMAL": "DECIMAL",
}


def known_type_names() -> list[str]:
    """Short names offered in error messages."""
    return sorted(set(LOGICAL_TYPES) | {"timestamptz", "decimal(p,s)", "varchar", "bigint", "double"})
