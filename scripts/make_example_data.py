"""Generate the small, deterministic CSVs the example notebooks ship with.

Run once; the outputs are committed so the examples need no network:
    .venv/bin/python scripts/make_example_data.py
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "example_notebooks" / "data"
AS_OF = datetime(2026, 11, 1)


def main() -> None:
    rng = random.Random(42)
    OUT.mkdir(parents=True, exist_ok=True)
    skus = [f"SKU-{i:04d}" for i in range(1, 201)]
    locations = ["BER-1", "HAM-2", "MUC-3"]
    with open(OUT / "stock.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "location", "available", "updated_at"])
        for sku in skus:
            for loc in locations:
                if rng.random() < 0.8:
                    updated = AS_OF - timedelta(hours=rng.randint(1, 24 * 30))
                    w.writerow([sku, loc, rng.randint(0, 120), updated.strftime("%Y-%m-%dT%H:%M:%SZ")])
    with open(OUT / "sales.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "sku", "location", "quantity", "sold_at"])
        n = 0
        for sku in skus:
            # a fifth of the articles stopped selling 4-11 months ago: the shelf warmers
            last_day = rng.randint(120, 330) if rng.random() < 0.2 else rng.randint(0, 60)
            for _ in range(rng.randint(2, 25)):
                n += 1
                sold = AS_OF - timedelta(days=rng.randint(last_day, 365), minutes=rng.randint(0, 1440))
                w.writerow([f"O-{n:06d}", sku, rng.choice(locations), rng.randint(1, 5), sold.strftime("%Y-%m-%dT%H:%M:%SZ")])
    customers = [f"C-{i:04d}" for i in range(1, 121)]
    with open(OUT / "orders.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "customer_id", "email", "full_name", "sku", "quantity", "amount_eur", "ordered_at", "country"])
        for i in range(1, 1501):
            c = rng.choice(customers)
            ordered = AS_OF - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 1440))
            qty = rng.randint(1, 4)
            w.writerow([
                f"O-{i:06d}", c, f"{c.lower()}@example.com", f"Customer {c[2:]}", rng.choice(skus), qty,
                f"{qty * rng.uniform(5, 80):.2f}", ordered.strftime("%Y-%m-%dT%H:%M:%SZ"), rng.choice(["DE", "AT", "CH", "NL"]),
            ])


if __name__ == "__main__":
    main()
