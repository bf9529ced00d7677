"""Transforms: dp-notebook's write-audit-publish vs the same SQL run directly in DuckDB.

10M-row Parquet input (generated), a group-by + join transform into a file
database, both with the same DuckDB memory limit so the aggregation has to
spill. dp-notebook adds: input binding, staging, the contract check on 4
declared columns, the view swap, run history and profiling.
Run: .venv/bin/python benchmarks/bench_transform.py [--rows 10000000] [--repeat 3] [--memory-limit 1GB]
"""

from __future__ import annotations

import argparse
import os
import tempfile

from _harness import compare, machine, write_section

SQL = """SELECT e.customer_id, c.segment, count(*) AS orders, sum(e.amount) AS revenue, max(e.ordered_at) AS last_order
FROM events e JOIN customers c ON c.customer_id = e.customer_id
GROUP BY e.customer_id, c.segment"""

SPEC = """id: bench
info: {title: Bench, owner: perf}
inputPorts:
  - {id: events, name: events, sourceSystemId: gen}
  - {id: customers, name: customers, sourceSystemId: gen}
outputPorts:
  - id: revenue_v1
    location: perf.revenue_v1
    schema:
      - {name: customer_id, type: bigint, required: true, unique: true}
      - {name: segment, type: string}
      - {name: orders, type: bigint, required: true}
      - {name: revenue, type: double}
"""


def make_data(tmp: str, rows: int) -> tuple[str, str]:
    import duckdb

    events, customers = os.path.join(tmp, "events.parquet"), os.path.join(tmp, "customers.parquet")
    con = duckdb.connect()
    con.execute(f"COPY (SELECT range % 2000000 AS customer_id, (range * 7919 % 100000) / 100.0 AS amount, TIMESTAMP '2026-01-01' + INTERVAL (range % 8640000) SECOND AS ordered_at FROM range({rows})) TO '{events}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT range AS customer_id, ['a','b','c','d'][1 + range % 4] AS segment FROM range(2000000)) TO '{customers}' (FORMAT parquet)")
    return events, customers


PLAIN = """
import duckdb, os
db = DB
if os.path.exists(db):
    os.remove(db)
con = duckdb.connect(db, config={"memory_limit": LIMIT})
con.execute("CREATE VIEW events AS SELECT * FROM read_parquet(" + repr(EVENTS) + ")")
con.execute("CREATE VIEW customers AS SELECT * FROM read_parquet(" + repr(CUSTOMERS) + ")")
con.execute("CREATE TABLE revenue AS " + SQL)
con.close()
"""

OURS = """
import dp_notebook, shutil
shutil.rmtree(HOME, ignore_errors=True)
ws = dp_notebook.Workspace(HOME, duckdb_config={"memory_limit": LIMIT})
dp = dp_notebook.load(SPEC, workspace=ws)
dp.input("events", EVENTS)
dp.input("customers", CUSTOMERS)
dp.transform("revenue_v1", SQL)
"""


def cases(tmp: str, events: str, customers: str, limit: str) -> dict[str, str]:
    consts = f"SQL = {SQL!r}\nSPEC = {SPEC!r}\nEVENTS = {events!r}\nCUSTOMERS = {customers!r}\nLIMIT = {limit!r}\n"
    consts += f"DB = {os.path.join(tmp, 'plain.duckdb')!r}\nHOME = {os.path.join(tmp, 'ws', '.dp')!r}\n"
    return {"plain_duckdb": consts + PLAIN, "dp_notebook": consts + OURS}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", default="1GB")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        events, customers = make_data(tmp, args.rows)
        res = compare(cases(tmp, events, customers, args.memory_limit), tmp, args.repeat)
    plain, ours = res["plain_duckdb"], res["dp_notebook"]
    body = "\n".join(
        [
            f"Machine: {machine()}. {args.rows:,} input rows (Parquet) joined to 2M customers, grouped to 2M output rows, memory_limit {args.memory_limit}; median of {args.repeat} interleaved runs in fresh processes.",
            "",
            "| | wall s | peak RSS MB |",
            "|---|---|---|",
            f"| plain DuckDB (CREATE TABLE AS) | {plain['wall_s']:.2f} | {plain['peak_rss_mb']:.0f} |",
            f"| dp-notebook transform (WAP + contract + history) | {ours['wall_s']:.2f} | {ours['peak_rss_mb']:.0f} |",
            f"| **ratio** | **{ours['wall_s'] / plain['wall_s']:.2f}×** | **{ours['peak_rss_mb'] / plain['peak_rss_mb']:.2f}×** |",
            "",
            "Goals: ≤1.15× time and ≤1.2× peak memory of plain DuckDB. The difference includes importing dp_notebook (pydantic, the spec model), binding the inputs and the contract scan over the staged rows.",
        ]
    )
    print(body)
    write_section("Transforms (issue 4)", body)


if __name__ == "__main__":
    main()
