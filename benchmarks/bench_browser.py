"""Port browser at 500 products × 5 ports: initial state build (catalog read + index) and a search.

Python side only (the front end renders at most 200 rows per query).
Run: .venv/bin/python benchmarks/bench_browser.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from _harness import machine, write_section


def make_catalog(root: Path, products: int = 500, ports: int = 5) -> None:
    from dp_notebook.catalog import atomic_write

    root.mkdir(parents=True)
    atomic_write(root / "catalog.json", json.dumps({"format": 1}))
    for i in range(products):
        pid = f"product_{i:03d}"
        summary = {
            "version": 1, "id": pid, "title": f"Product {i}", "owner": f"team_{i % 25}", "domain": f"domain_{i % 10}", "description": f"Data about thing {i}",
            "status": "active", "archetype": ["source-aligned", "aggregate", "consumer-aligned"][i % 3], "tags": [f"tag{i % 7}"],
            "outputPorts": [
                {"id": f"port_{j}_v1", "location": f"team_{i % 25}.p{i}_{j}", "description": f"Port {j} of product {i}", "containsPii": j == 0, "rolesAllowed": [], "contractId": f"{pid}-port_{j}_v1",
                 "columns": [{"name": f"col_{k}", "type": "string", "classification": "internal", "pii": False} for k in range(12)]}
                for j in range(ports)
            ],
        }
        vdir = root / pid / "versions" / "1"
        vdir.mkdir(parents=True)
        (vdir / "summary.json").write_text(json.dumps(summary))
        (root / pid / "CURRENT").write_text("1\n")


def main() -> None:
    from dp_notebook.widgets import BrowserState

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        make_catalog(root)
        builds, searches, filters = [], [], []
        for _ in range(5):
            t = time.perf_counter()
            state = BrowserState(root)
            builds.append(time.perf_counter() - t)
            t = time.perf_counter()
            hits = state.search("team_3 port_2")
            searches.append(time.perf_counter() - t)
            t = time.perf_counter()
            state.filter(archetype="aggregate", pii="yes")
            filters.append(time.perf_counter() - t)
    body = "\n".join(
        [
            f"Machine: {machine()}. Catalog of 500 products × 5 ports × 12 columns (2,500 ports); median of 5.",
            "",
            "| step | ms |",
            "|---|---|",
            f"| initial state: read 500 summaries + build the index | {statistics.median(builds) * 1000:.0f} |",
            f"| search (2 words) over 2,500 ports | {statistics.median(searches) * 1000:.1f} |",
            f"| search + 2 filters | {statistics.median(filters) * 1000:.1f} |",
            "",
            f"The search returned {len(hits)} ports. The front end receives at most 200 rows per query. Not yet measured: render time in a real browser.",
        ]
    )
    print(body)
    write_section("Port browser (issue 9)", body)


if __name__ == "__main__":
    main()
