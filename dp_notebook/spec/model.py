"""The canonical data product model: what every stage after parsing reads.

Both input standards (DPS 0.0.1 and ODPS v1) load into these classes
(see ``load.py``) and every exporter writes from them (``export.py``), so a
fact such as a port's view name or version lives in one place.

Fields the standards do not know but the toolkit needs (a port's ``schema``
columns, ``rolesAllowed``, SLOs, ``price``, ``schedule``) are first-class
here. Fields of the source document that the toolkit does not interpret are
kept in ``extra`` so that DPS→model→DPS and ODPS→model→ODPS keep every field.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
_VERSION_SUFFIX = re.compile(r"_v(\d+)$")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")

# Port types the toolkit knows, by normalized spelling -> canonical kind.
# "sql"-kind ports are served as views; "files"-kind ports also as Parquet.
PORT_TYPES: dict[str, str] = {
    "sql": "sql",
    "table": "sql",
    "view": "sql",
    "tables": "sql",
    "duckdb": "sql",
    "snowflake": "sql",
    "bigquery": "sql",
    "postgres": "sql",
    "postgresql": "sql",
    "redshift": "sql",
    "databricks": "sql",
    "athena": "sql",
    "trino": "sql",
    "files": "files",
    "file": "files",
    "parquet": "files",
    "s3": "files",
    "gcs": "files",
    "azure": "files",
    "local": "files",
    "csv": "files",
    "kafka": "stream",
    "kafka topic": "stream",
    "topic": "stream",
    "api": "api",
    "rest": "api",
}


def port_kind(port_type: str | None) -> str | None:
    """``'Kafka Topic'`` → ``'stream'``; ``None`` for an unknown type."""
    if port_type is None:
        return "sql"
    return PORT_TYPES.get(" ".join(port_type.lower().split()))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=False)


class Column(_Model):
    """One column of an output port's schema (the toolkit's extension)."""

    name: str = Field(min_length=1)
    type: str = "string"
    description: str | None = None
    required: bool = False
    unique: bool = False
    primaryKey: bool = False
    classification: str | None = None
    pii: bool = False
    tags: list[str] = Field(default_factory=list)
    examples: list[Any] = Field(default_factory=list)


class SLO(_Model):
    """A service-level objective checked by ``quality``.

    ``freshness``: newest ``column`` value not older than ``threshold`` (e.g. ``24h``);
    ``completeness``: share of non-null ``column`` values ≥ ``threshold`` (0..1 or %);
    ``rowCount``: row count between ``min`` and ``max``;
    ``sql``: ``query`` returns one number checked with ``mustBe*``.
    """

    type: Literal["freshness", "completeness", "rowCount", "sql"]
    name: str | None = None
    description: str | None = None
    column: str | None = None
    threshold: str | float | int | None = None
    min: float | int | None = None
    max: float | int | None = None
    query: str | None = None
    mustBe: float | int | None = None
    mustBeGreaterThan: float | int | None = None
    mustBeGreaterOrEqualTo: float | int | None = None
    mustBeLessThan: float | int | None = None
    mustBeLessOrEqualTo: float | int | None = None
    severity: Literal["error", "warning", "info"] = "error"

    @model_validator(mode="after")
    def _needs(self) -> SLO:
        need = {"freshness": ("column", "threshold"), "completeness": ("column", "threshold"), "sql": ("query",)}
        for key in need.get(self.type, ()):
            if getattr(self, key) is None:
                raise ValueError(f"a {self.type} objective needs '{key}'")
        if self.type == "rowCount" and self.min is None and self.max is None:
            raise ValueError("a rowCount objective needs 'min' or 'max'")
        from .slo import parse_duration, parse_ratio
        from ..errors import SpecError

        try:  # a threshold that cannot be read fails here, with its line, not when the check runs
            if self.type == "freshness":
                parse_duration(self.threshold)
            elif self.type == "completeness":
                parse_ratio(self.threshold)
        except SpecError as exc:
            raise ValueError(exc.message) from None
        return self


class Price(_Model):
    """The consumer price, in ODCS field names."""

    priceAmount: float
    priceCurrency: str = "USD"
    priceUnit: str = "month"


class Incremental(_Model):
    """How an output port is built incrementally (the toolkit's extension; ``dp_notebook.incremental``).

    ``timeColumn``: each run processes the time range after the last one (minus ``lookback``) and
    replaces that range in the port; ``uniqueKey``: rows are merged by key (new keys inserted, changed
    rows replaced). With neither, a globbed file input is read for its new files only.

    >>> Incremental(timeColumn="ordered_at", lookback="2d").uniqueKey
    []
    """

    timeColumn: str | None = None
    uniqueKey: list[str] = Field(default_factory=list)
    lookback: str | int | float | None = None

    @field_validator("uniqueKey", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value


class InputPort(_Model):
    id: str = Field(pattern=ID_PATTERN)
    name: str | None = None
    description: str | None = None
    sourceSystemId: str | None = None
    type: str | None = None
    location: str | None = None
    links: dict[str, str] = Field(default_factory=dict)
    custom: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    contractId: str | None = None
    version: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.name or self.id


class OutputPort(_Model):
    id: str = Field(pattern=ID_PATTERN)
    name: str | None = None
    description: str | None = None
    type: str | None = None
    status: str | None = None
    location: str | None = None
    server: dict[str, Any] = Field(default_factory=dict)
    links: dict[str, str] = Field(default_factory=dict)
    custom: dict[str, Any] = Field(default_factory=dict)
    containsPii: bool | None = None
    autoApprove: bool | None = None
    dataContractId: str | None = None
    tags: list[str] = Field(default_factory=list)
    version: str | None = None
    # toolkit extensions
    columns: list[Column] = Field(default_factory=list, alias="schema")
    rolesAllowed: list[str] = Field(default_factory=list)
    serviceLevelObjectives: list[SLO] = Field(default_factory=list)
    price: Price | None = None
    quality: list[dict[str, Any]] = Field(default_factory=list)
    incremental: Incremental | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("incremental", mode="before")
    @classmethod
    def _incremental(cls, value: Any) -> Any:
        """``incremental: true`` (new files of a globbed input) or a mapping; ``false`` is off."""
        if value is True:
            return {}
        return None if value is False else value

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def key_columns(self) -> list[str]:
        """The columns that identify a row: ``primaryKey`` columns, else a single ``unique`` column, else
        the incremental ``uniqueKey`` (empty when the port declares none)."""
        primary = [c.name for c in self.columns if c.primaryKey]
        if primary:
            return primary
        unique = [c.name for c in self.columns if c.unique]
        if len(unique) == 1:
            return unique
        return list(self.incremental.uniqueKey) if self.incremental else []

    @property
    def kind(self) -> str:
        return port_kind(self.type) or "sql"

    @property
    def major_version(self) -> int:
        """``_vN`` in the id wins, then ``version``'s major, else 1."""
        m = _VERSION_SUFFIX.search(self.id)
        if m:
            return int(m.group(1))
        if self.version:
            head = self.version.lstrip("vV").split(".", 1)[0]
            if head.isdigit():
                return int(head)
        return 1

    @property
    def semantic_version(self) -> str:
        if self.version:
            return self.version
        return f"{self.major_version}.0.0"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def pii_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii]

    @property
    def has_pii(self) -> bool:
        return bool(self.containsPii) or any(c.pii for c in self.columns)


class DataProductSpec(_Model):
    """A declared data product. Build it with :func:`dp_notebook.spec.load_spec`."""

    id: str = Field(pattern=ID_PATTERN)
    title: str | None = None
    owner: str | None = None
    domain: str | None = None
    description: str | None = None
    status: str | None = None
    archetype: str | None = None
    maturity: str | None = None
    version: str | None = None
    tags: list[str] = Field(default_factory=list)
    links: dict[str, str] = Field(default_factory=dict)
    custom: dict[str, Any] = Field(default_factory=dict)
    inputPorts: list[InputPort] = Field(default_factory=list)
    outputPorts: list[OutputPort] = Field(default_factory=list)
    # toolkit extensions
    schedule: str | None = None
    engine: str | dict[str, Any] | None = None  # duckdb (default) | spark | {name: spark, master/remote, conf}
    price: Price | None = None
    serviceLevelObjectives: list[SLO] = Field(default_factory=list)
    # provenance and round-trip data
    source_format: Literal["dps", "odps"] = "dps"
    extra: dict[str, Any] = Field(default_factory=dict)
    info_extra: dict[str, Any] = Field(default_factory=dict)
    odps: dict[str, Any] = Field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.title or self.id

    @property
    def team(self) -> str:
        """The owning team; the schema name prefix of ports without a ``location``."""
        return self.owner or self.domain or self.id

    def output_port(self, port_id: str) -> OutputPort:
        from ..errors import PortNotFound

        for port in self.outputPorts:
            if port.id == port_id:
                return port
        names = ", ".join(p.id for p in self.outputPorts) or "none declared"
        raise PortNotFound(f"product {self.id!r} has no output port {port_id!r} (output ports: {names})")

    def input_port(self, port_id: str) -> InputPort | None:
        return next((p for p in self.inputPorts if p.id == port_id), None)

    def view_name(self, port: OutputPort) -> tuple[str, str]:
        """``(schema, view)`` where consumers read the port: ``location``, else ``<owner>.<port id>``."""
        return split_location(port.location) or (_sql_name(self.team), port.id)

    def contract_id(self, port: OutputPort) -> str:
        return port.dataContractId or f"{self.id}-{port.id}"


def _sql_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def split_location(location: str | None) -> tuple[str, str] | None:
    """``'fulfillment.shelf_warmers_v1'`` → ``('fulfillment', 'shelf_warmers_v1')``; URLs → None."""
    if not location or "://" in location or "/" in location:
        return None
    parts = location.split(".")
    if len(parts) == 2 and all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", p) for p in parts):
        return parts[0], parts[1]
    return None
