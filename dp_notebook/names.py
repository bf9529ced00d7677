"""Ids and names: the one id pattern, the one quoting function, and who owns which name.

Ids are data: a product, port, contract, model or input id becomes a file
name, a URL segment and an SQL identifier, so it is checked once, here, at
declare time, before it becomes any of them.

    >>> check_id("shelf_warmers_v1", "outputPorts[0].id")
    'shelf_warmers_v1'
    >>> private_schema("shelf_warmers"), private_schema("a-b") != private_schema("a_b")
    ('dp_shelf_warmers', True)

Names are owned: a product's private schema (``dp_<id>``) and each public view
location (``schema.view``) belong to exactly one product of a workspace. The
claim is recorded in the workspace metadata (``_dp.names``) when a port is
first built, and checked at declare time against the other products of the
session, so a second product can never replace the first one's view.
"""

from __future__ import annotations

import hashlib
import re

from .errors import SpecError

ID_PATTERN = r"[A-Za-z0-9_-]+"
ID_MAX_LENGTH = 128  # a file name (255 bytes) must hold an id plus a suffix such as ".odcs.yaml"
_ID = re.compile(ID_PATTERN)
# public views may not live where the toolkit keeps its own tables
RESERVED_SCHEMAS = ("_dp", "main", "information_schema", "pg_catalog", "temp", "system")


def is_valid_id(value: object) -> bool:
    """``[A-Za-z0-9_-]+``, at most 128 characters: safe as a path segment, URL segment and SQL name part."""
    return isinstance(value, str) and len(value) <= ID_MAX_LENGTH and _ID.fullmatch(value) is not None


def check_id(value: object, where: str) -> str:
    """``value`` if it is a valid id, else ``SpecError`` naming the field and the rule."""
    if is_valid_id(value):
        return value  # type: ignore[return-value]
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"
    raise SpecError(
        f"{shown} is not a valid id: ids use letters, digits, '_' and '-' only, at most {ID_MAX_LENGTH} characters",
        path=where,
    )


def quote(name: str) -> str:
    """An SQL identifier, double-quoted (DuckDB and sqlglot's DuckDB dialect)."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(text: object) -> str:
    """An SQL string literal, for statements that take no parameters (COPY, PRAGMA, view bodies)."""
    return "'" + str(text).replace("'", "''") + "'"


def private_schema(product_id: str) -> str:
    """The product's private schema: its inputs, models and port tables live here.

    ``dp_<id>``; ids with ``-`` also get a short hash, so ``a-b`` and ``a_b``
    never share a schema (``-`` is not an SQL name character in every engine).
    """
    if "-" not in product_id:
        return f"dp_{product_id}"
    digest = hashlib.sha256(product_id.encode("utf-8")).hexdigest()[:8]
    return f"dp_{product_id.replace('-', '_')}_{digest}"


def split_port_ref(ref: str) -> tuple[str, str]:
    """``'product.port'`` → ``('product', 'port')``; ids have no dots, so the first dot splits.

    >>> split_port_ref("orders.orders_v1")
    ('orders', 'orders_v1')
    """
    from .errors import PortNotFound

    product, dot, port = ref.partition(".")
    if not dot or not is_valid_id(product) or not is_valid_id(port):
        raise PortNotFound(f"{ref!r} is not a port reference: write <product>.<port>")
    return product, port


def check_location(schema: str, view: str, product_id: str, where: str) -> None:
    """A public view may not live in the toolkit's metadata schema or in the product's own private schema.

    Other products' private schemas are refused when the port is built (``Metadata.claim``).
    """
    if schema.lower() in RESERVED_SCHEMAS or schema == private_schema(product_id) or view.startswith("__"):
        raise SpecError(
            f"location {schema}.{view}: {schema!r} is reserved for the toolkit's metadata or the product's "
            "private tables; choose another schema (e.g. the owning team's name)",
            path=where,
        )
