"""Port browser at 500 products × 5 ports: initial state build (catalog read + index) and a search.

Python side (catalog read, index, search) and the front end: the widget's own ES
module (browser.js) rendered by Debian's chromium (Playwright) from the state
the Python side sends, timed to the first layout, for the initial view and for a
search result. Run: .venv/bin/python benchmarks/bench_browser.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from _harness import machine, write_section


def make_catalog(root: Path, products: int = 500, ports: int = 5) -> None:
    from dp_notebook.files import atomic_write

    root.mkdir(parents=True)
    atomic_write(root / "catalog.json", json.dumps({"format": 1}))
    for i in range(products):
        pid = f"product_{i:03d}"
        summary = {
            "version": 1, "id": pid, "title": f"Product {i}", "owner": f"team_{i % 25}", "domain": f"domain_{i % 10}", "description": f"Data about thing {i}",
            "status": "active", "archetype": ["source-aligned", "aggregate", "consumer-aligned"][i % 3], "tags": [f"tag{i % 7}"],
            "outputPorts": [
                {"id": f"port_{j}_v1", "name": f"port_{j}", "version": "1.0.0", "location": f"team_{i % 25}.p{i}_{j}", "description": f"Port {j} of product {i}", "containsPii": j == 0, "rolesAllowed": [], "contractId": f"{pid}-port_{j}_v1",
                 "columns": [{"name": f"col_{k}", "type": "string", "classification": "internal", "pii": False} for k in range(12)]}
                for j in range(ports)
            ],
        }
        vdir = root / pid / "versions" / "1"
        vdir.mkdir(parents=True)
        (vdir / "summary.json").write_text(json.dumps(summary))
        (root / pid / "CURRENT").write_text("1\n")


PAGE = """<!doctype html><html><head><style>%s</style></head><body><div id="root"></div>
<script type="module">
const mod = await import("data:text/javascript;base64,%s");
const listeners = {};
const state = %s;
const model = {
  get: (k) => state[k], set: (k, v) => { state[k] = v; }, save_changes: () => {},
  on: (ev, fn) => { (listeners[ev] = listeners[ev] || []).push(fn); }, off: () => {}, send: () => {},
};
window.renderInitial = () => {
  const root = document.getElementById("root"); root.replaceChildren();
  const t = performance.now(); mod.default.render({ model, el: root }); root.offsetHeight; return performance.now() - t;
};
window.renderSearch = (rows, total) => {
  const t = performance.now(); state.rows = rows; state.total = total;
  (listeners["change:rows"] || []).forEach((f) => f()); document.getElementById("root").offsetHeight; return performance.now() - t;
};
window.ready = true;
</script></body></html>"""


def browser_render_ms(initial: dict, search_rows: list, search_total: int, repeat: int = 7) -> tuple[float, float] | None:
    """Median ms to render the initial view and to re-render a search result in chromium."""
    import base64
    import os

    if not os.path.exists("/usr/bin/chromium"):
        return None
    from playwright.sync_api import sync_playwright

    here = Path(__file__).resolve().parent.parent / "dp_notebook" / "widgets"
    js = base64.b64encode((here / "browser.js").read_bytes()).decode()
    html = PAGE % ((here / "browser.css").read_text(), js, json.dumps(initial))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_content(html)
        page.wait_for_function("window.ready === true")
        first = [page.evaluate("renderInitial()") for _ in range(repeat)]
        again = [page.evaluate("([r, t]) => renderSearch(r, t)", [search_rows, search_total]) for _ in range(repeat)]
        browser.close()
    return statistics.median(first), statistics.median(again)


def main() -> None:
    from dp_notebook.widgets import BrowserState
    from dp_notebook.widgets.browser import MAX_LISTED

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
        state = BrowserState(root)
        strip = lambda rows: [{k: v for k, v in e.items() if k != "_text"} for e in rows]  # noqa: E731
        everything = state.results()
        initial = {"query": "", "filters": {}, "facets": state.facets(), "rows": strip(everything[:MAX_LISTED]), "total": len(everything),
                   "selected": "", "detail": {}, "preview_data": {}, "error": ""}
        found = state.search("team_3 port_2")
        rendered = browser_render_ms(initial, strip(found[:MAX_LISTED]), len(found))
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
            f"The search returned {len(hits)} ports. The front end receives at most {MAX_LISTED} rows per query (the count says how many more there are).",
        ]
        + (
            [
                "",
                "Front end (browser.js in Debian's chromium, to the first layout; median of 7):",
                "",
                "| view | ms |",
                "|---|---|",
                f"| initial view: {MAX_LISTED} of {len(everything):,} ports + facets | {rendered[0]:.1f} |",
                f"| search result re-rendered ({len(found)} ports) | {rendered[1]:.1f} |",
                "",
                "Goal: both well under 100 ms (a person perceives the list as instant).",
            ]
            if rendered
            else ["", "Front end not measured: Debian chromium is missing."]
        )
    )
    print(body)
    write_section("Port browser (issue 9)", body)


if __name__ == "__main__":
    main()
