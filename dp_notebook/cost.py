"""Cost: measured compute per transform and storage per port, projected to a month.

    monthly = Σ_transforms cpu_hours_per_run × runs_per_month(schedule) × compute_per_hour
            + Σ_ports storage_gb × storage_per_gb_month

Compute comes from the run history (``_dp.costs``: wall and CPU time, rows and
bytes scanned, measured with DuckDB's profiler and the process clock); storage
from the blocks each port's table occupies in the DuckDB file plus Parquet
file sizes. Default prices are list prices of a general-purpose cloud vCPU
(0.05 per vCPU-hour) and object storage (0.023 per GB-month), in USD;
override them in ``dp-notebook.yaml``::

    price_model: {compute_per_hour: 0.08, storage_per_gb_month: 0.02, currency: EUR}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .errors import SpecError



@dataclass(frozen=True)
class PriceModel:
    compute_per_hour: float = 0.05
    storage_per_gb_month: float = 0.023
    currency: str = "USD"

    @classmethod
    def from_config(cls, data: dict[str, Any] | None) -> PriceModel:
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise SpecError("price_model must be a mapping: compute_per_hour, storage_per_gb_month, currency")
        unknown = set(data) - {"compute_per_hour", "storage_per_gb_month", "currency"}
        if unknown:
            raise SpecError(f"price_model: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            return cls(
                compute_per_hour=float(data.get("compute_per_hour", cls.compute_per_hour)),
                storage_per_gb_month=float(data.get("storage_per_gb_month", cls.storage_per_gb_month)),
                currency=str(data.get("currency", cls.currency)),
            )
        except (TypeError, ValueError) as exc:
            raise SpecError(f"price_model: prices must be numbers ({exc})") from None


def runs_per_month(cron: str | None, *, year: int = 2026) -> float:
    """Runs in an average month of a 5-field cron schedule (UTC): a year's runs / 12; 1 without a schedule.

    Counted day by day from the expanded fields (minutes × hours on each matching
    day), so ``*/5 * * * *`` costs 365 steps, not 105,120 iterations.

    >>> runs_per_month("0 3 * * *")
    30.416666666666668
    """
    if not cron:
        return 1.0
    from .spec.load import cron_problem

    problem = cron_problem(cron)
    if problem:
        raise SpecError(problem, path="schedule")
    return _runs_in_year(cron, year) / 12


def _runs_in_year(cron: str, year: int) -> int:
    from croniter import croniter

    (minutes, hours, days, months, weekdays), nth = croniter.expand(cron)
    if nth or any(isinstance(v, str) and v != "*" for field in (days, weekdays) for v in field):
        # L (last day) and # (nth weekday) depend on the month: ask croniter itself
        total = 0
        for month in range(1, 13):
            total += runs_in_month(cron, year, month)
        return total
    per_day = (60 if minutes == ["*"] else len(minutes)) * (24 if hours == ["*"] else len(hours))
    any_day, any_weekday = days == ["*"], weekdays == ["*"]
    day_set, month_set = set(days), set(months)
    weekday_set = {w % 7 for w in weekdays if w != "*"}  # cron: 0 and 7 are Sunday
    count = 0
    day = date(year, 1, 1)
    while day.year == year:
        if months == ["*"] or day.month in month_set:
            dom = any_day or day.day in day_set
            dow = any_weekday or (day.isoweekday() % 7) in weekday_set
            # cron: when both day fields are restricted, either may match
            if (dom or dow) if not (any_day or any_weekday) else (dom and dow):
                count += per_day
        day += timedelta(days=1)
    return count


def runs_in_month(cron: str, year: int, month: int) -> int:
    """Exact runs of ``cron`` in one calendar month (UTC)."""
    from croniter import croniter

    begin = datetime(year, month, 1, tzinfo=timezone.utc)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)
    it = croniter(cron, begin - timedelta(microseconds=1))
    n = 0
    while it.get_next(datetime) < end:
        n += 1
    return n


@dataclass
class CostSummary:
    product: str
    currency: str
    schedule: str | None
    runs_per_month: float
    transforms: list[dict[str, Any]] = field(default_factory=list)
    storage: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    price: dict[str, Any] | None = None
    price_model: PriceModel = field(default_factory=PriceModel)

    @property
    def compute_monthly(self) -> float:
        return sum(t["monthly"] for t in self.transforms)

    @property
    def storage_monthly(self) -> float:
        return sum(s["monthly"] for s in self.storage)

    @property
    def total_monthly(self) -> float:
        return self.compute_monthly + self.storage_monthly

    def margin(self) -> tuple[float | None, str]:
        if not self.price:
            return None, "no consumer price declared"
        unit = str(self.price.get("priceUnit", "")).lower()
        if unit not in ("month", "monthly", "per month"):
            return None, f"price is per {unit or 'unknown unit'}; the margin is computed for monthly prices only"
        if self.price.get("priceCurrency") and self.price["priceCurrency"] != self.currency:
            return None, f"price is in {self.price['priceCurrency']}, cost in {self.currency}"
        return float(self.price["priceAmount"]) - self.total_monthly, "per month"

    def per_port(self) -> list[tuple[str, float]]:
        totals: dict[str, float] = {}
        for t in self.transforms:
            totals[t["target"]] = totals.get(t["target"], 0.0) + t["monthly"]
        for s in self.storage:
            totals[s["port"]] = totals.get(s["port"], 0.0) + s["monthly"]
        return sorted(totals.items(), key=lambda kv: -kv[1])

    def to_dmm_costs(self, year_month: str | None = None) -> list[dict[str, Any]]:
        """Rows in the shape of Data Mesh Manager's cost API."""
        ym = year_month or datetime.now(timezone.utc).strftime("%Y-%m")
        return [{"dataProductId": self.product, "yearMonth": ym, "amount": round(self.total_monthly, 6), "currency": self.currency, "description": "dp-notebook projection: compute + storage"}]

    def to_dict(self) -> dict[str, Any]:
        margin, note = self.margin()
        return {
            "product": self.product,
            "currency": self.currency,
            "schedule": self.schedule,
            "runs_per_month": self.runs_per_month,
            "price_model": {"compute_per_hour": self.price_model.compute_per_hour, "storage_per_gb_month": self.price_model.storage_per_gb_month},
            "transforms": self.transforms,
            "storage": self.storage,
            "compute_monthly": self.compute_monthly,
            "storage_monthly": self.storage_monthly,
            "total_monthly": self.total_monthly,
            "price": self.price,
            "margin": margin,
            "margin_note": note,
            "history": self.history,
        }

    def __str__(self) -> str:
        from .render.cost import cost_text

        return cost_text(self.to_dict())

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.cost import cost_html

        return mimebundle("cost", self.to_dict(), cost_html(self.to_dict()), str(self))


def _bytes(n: Any) -> str:
    if n is None:
        return ""
    n = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def cost_summary(
    product: str,
    runs: list[dict[str, Any]],
    storage: dict[str, int],
    *,
    schedule: str | None,
    price_model: PriceModel | None = None,
    consumer_price: dict[str, Any] | None = None,
) -> CostSummary:
    """Project the latest measured run of each transform and the storage to a month."""
    pm = price_model or PriceModel()
    per_month = runs_per_month(schedule)
    latest: dict[str, dict[str, Any]] = {}
    history = []
    for r in sorted(runs, key=lambda r: str(r.get("recorded_at") or "")):
        latest[r["target"]] = r
        cpu = float(r.get("cpu_s") or r.get("wall_s") or 0.0)
        history.append({"target": r["target"], "at": str(r.get("recorded_at") or ""), "cost": cpu / 3600 * pm.compute_per_hour})
    transforms = []
    for target, r in latest.items():
        cpu = float(r.get("cpu_s") or r.get("wall_s") or 0.0)
        cost_run = cpu / 3600 * pm.compute_per_hour
        transforms.append(
            {
                "target": target,
                "wall_s": float(r.get("wall_s") or 0.0),
                "cpu_s": cpu,
                "rows_scanned": r.get("rows_scanned"),
                "bytes_scanned": r.get("bytes_scanned"),
                "rows_written": r.get("rows_written"),
                "cost_per_run": cost_run,
                "runs_per_month": per_month,
                "monthly": cost_run * per_month,
            }
        )
    stored = [{"port": port, "bytes": int(b), "monthly": b / 1024**3 * pm.storage_per_gb_month} for port, b in storage.items()]
    return CostSummary(product, pm.currency, schedule, per_month, transforms, stored, history, consumer_price, pm)


def product_cost(ws: Any, engine: Any, state: Any, price_model: PriceModel) -> CostSummary:
    """Measured compute per transform and storage per port of one product, projected to a month."""
    from .names import private_schema

    spec = state.spec
    with ws.metadata() as md:
        runs = md.costs(spec.id)
    storage = engine.storage_sizes(private_schema(spec.id), [p.id for p in spec.outputPorts])
    for p in spec.outputPorts:
        parquet = ws.data_dir / spec.id / f"{p.id}.parquet"
        if parquet.exists():
            storage[p.id] = storage.get(p.id, 0) + parquet.stat().st_size
    price = spec.price.model_dump() if spec.price else None
    return cost_summary(spec.id, runs, storage, schedule=spec.schedule, price_model=price_model, consumer_price=price)
