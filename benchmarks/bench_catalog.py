"""The catalog at company scale: 10,000 products × 5 ports × 12 columns (50,000 ports).

In a catalog directory (its port index kept at publish time; here built once by the first
reader, as after an upgrade) and behind a fake Data Mesh Manager on 127.0.0.1 that pages its
listing (500 products a page). Measured: the port browser's first view (``BrowserState``: the
first 200 rows, the count and the facets), a search, ``dp-notebook catalog`` and the catalog
part of ``use`` in fresh processes; beside them, what the same first view cost before the index
(every summary read and indexed in memory).

Run: .venv/bin/python benchmarks/bench_catalog.py [--products 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _harness import machine, write_section
from bench_browser import make_catalog


def median_ms(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, out


def first_view(source, background: bool = False):
    """What the widget shows first: the first rows, the count, the facets (``background``: as the widget
    opens a Data Mesh Manager, its first page now and the rest in a thread)."""
    from dp_notebook.widgets import BrowserState
    from dp_notebook.widgets.browser import MAX_LISTED

    state = BrowserState(source, background=background)
    return state, state.results(limit=MAX_LISTED), state.count(), state.facets()


def fallback_ms(state, repeats: int) -> float:
    """The static HTML and text a notebook saves beside the widget (rendered when it is displayed)."""
    from dp_notebook.widgets.static import static_html, static_text

    return median_ms(lambda: (static_html(state), static_text(state)), repeats)[0]


def before_index(root: Path):
    """What the first view read before the index: every summary and check status, indexed in memory."""
    from dp_notebook.catalog import Catalog
    from dp_notebook.catalog.search import PortIndex

    cat = Catalog.open(root)
    products = []
    for pid in cat.product_ids():
        s = cat.summary(pid)
        s["status_checks"] = cat.check_status(pid)
        products.append(s)
    return PortIndex.in_memory(products).search("", limit=200)


def fresh_process_ms(args: list[str], repeats: int, cwd: Path) -> float:
    times = []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for _ in range(repeats):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env)
        times.append(time.perf_counter() - t)
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-2000:])
    return statistics.median(times) * 1000


def dmm_server(root: Path, page_size: int = 500) -> ThreadingHTTPServer:
    """A Data Mesh Manager serving the catalog's products as DPS documents, a page at a time."""
    docs = []
    for pdir in sorted(root.iterdir()):
        if not (pdir / "CURRENT").is_file():
            continue
        s = json.loads((pdir / "versions" / "1" / "summary.json").read_text())
        docs.append({"dataProductSpecification": "0.0.1", "id": s["id"], "info": {"title": s["title"], "owner": s["owner"], "description": s["description"]},
                     "tags": s["tags"], "outputPorts": [{"id": p["id"], "description": p["description"], "containsPii": p["containsPii"], "dataContractId": p["contractId"]} for p in s["outputPorts"]]})
    pages = [json.dumps({"content": docs[i:i + page_size], "number": i // page_size, "size": page_size,
                         "totalPages": (len(docs) + page_size - 1) // page_size, "totalElements": len(docs)}).encode() for i in range(0, len(docs), page_size)]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path, _, query = self.path.partition("?")
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            body = pages[int(params.get("p", 0))] if path == "/api/dataproducts" else b"{}"
            self.send_response(200 if path == "/api/dataproducts" else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    n, r = args.products, args.repeats
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        make_catalog(root, products=n, ports=5)
        t = time.perf_counter()
        first_view(root)  # the first reader builds the index
        build_ms = (time.perf_counter() - t) * 1000
        before_ms, _ = median_ms(lambda: before_index(root), max(1, r // 2))
        view_ms, (state, first, total, facets) = median_ms(lambda: first_view(root), r)
        search_ms, hits = median_ms(lambda: (state.search("team_3 port_2"), state.count()), r)
        filter_ms, _ = median_ms(lambda: (state.filter(archetype="aggregate", pii="yes"), state.count()), r)
        state.filters = {}
        rows += [
            ("catalog directory: index built by the first reader (once, after an upgrade)", build_ms),
            (f"catalog directory: browser first view before the index ({n:,} summaries read)", before_ms),
            (f"catalog directory: browser first view (200 of {total:,} ports, count, facets)", view_ms),
            ("catalog directory: search, 2 words (+ count)", search_ms),
            ("catalog directory: search, 2 words + 2 filters (+ count)", filter_ms),
        ]
        cli = ["-m", "dp_notebook.cli", "catalog", str(root)]
        rows.append((f"`dp-notebook catalog` (first 200 of {total:,} ports listed; `--all` lists every one), fresh process", fresh_process_ms(cli, r, Path(tmp))))
        rows.append(("`dp-notebook catalog --search \"team_3 port_2\"`, fresh process", fresh_process_ms([*cli, "--search", "team_3 port_2"], r, Path(tmp))))
        use = f"from dp_notebook.catalog import Catalog, check_role; c = Catalog.open({str(root)!r}); e = c.port('product_{n // 2:03d}', 'port_2_v1'); check_role(e, None, 'x'); c.current_version('product_{n // 2:03d}')"
        rows.append(("`use` (catalog part: open, port entry, role check, version), fresh process", fresh_process_ms(["-c", use], r, Path(tmp))))
        rows.append(("fresh Python (`python -c pass`), for reference", fresh_process_ms(["-c", "pass"], r, Path(tmp))))
        rows.append(("catalog directory: the static fallback saved with the widget (first 200 ports), rendered at display", fallback_ms(state, r)))
        srv = dmm_server(root)
        try:
            base = f"http://127.0.0.1:{srv.server_address[1]}"
            whole_ms, (whole, *_rest) = median_ms(lambda: first_view(base), r)
            views, loaded = [], []
            for _ in range(r):  # the widget's way: first page now, the other pages in a thread
                t = time.perf_counter()
                dstate, dfirst, dtotal, _facets = first_view(base, background=True)
                views.append((time.perf_counter() - t) * 1000)
                dstate.catalog.wait()
                loaded.append((time.perf_counter() - t) * 1000)
            dfallback_ms = fallback_ms(dstate, r)
            dsearch_ms, _ = median_ms(lambda: (dstate.search("team_3 port_2"), dstate.count()), r)
        finally:
            srv.shutdown()
        rows += [
            (f"Data Mesh Manager (fake, 127.0.0.1, {n // 500} pages of 500): browser first view, first page ({dtotal:,} ports) while the rest loads", statistics.median(views)),
            ("Data Mesh Manager: … the whole listing in (in the background)", statistics.median(loaded)),
            ("Data Mesh Manager: the whole listing read before the first view (`BrowserState(url)`, the CLI)", whole_ms),
            ("Data Mesh Manager: static fallback of the whole listing, rendered at display", dfallback_ms),
            ("Data Mesh Manager: search over the whole listing, 2 words (+ count)", dsearch_ms),
        ]
    body = "\n".join(
        [
            f"Machine: {machine()}. {n:,} products × 5 output ports × 12 columns ({n * 5:,} ports); median of {r} (fresh processes where it says so).",
            "",
            "| step | ms |",
            "|---|---|",
            *[f"| {name} | {ms:.0f} |" for name, ms in rows],
            "",
            f"The search found {len(hits[0])} ports. Goals (issue 20): first view ≤300 ms, a search ≤50 ms, `dp-notebook catalog` and `use` ≤300 ms.",
        ]
    )
    print(body)
    if not args.no_write:
        write_section("Catalog at company scale (issue 20)", body)


if __name__ == "__main__":
    main()
