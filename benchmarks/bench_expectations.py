"""Expectations: dp-notebook vs Great Expectations 1.x (pandas) vs a hand-written fused query vs the floor.

A 10-column orders table (Parquet, generated), a 12-expectation suite over 9 of its columns,
on clean data (every expectation passes) and on dirty data (4 fail: duplicate ids,
out-of-range quantities, unknown countries, malformed e-mails; dp-notebook fetches failing-row
samples with the e-mail column masked as PII).

Engines, each in a fresh process per run, runs interleaved:

- ``floor``: DuckDB reading every value of the touched columns (``any_value`` per column; ``min``,
  ``max`` and ``count`` would be answered from Parquet statistics);
- ``fused_sql``: one hand-written DuckDB query for the suite (``count(DISTINCT)`` for uniqueness, a
  GROUP BY for the exact duplicate count only when there are duplicates; no samples);
- ``great_expectations``: GX 1.x on pandas (reading the Parquet file is part of its work);
- ``dp_notebook``: ``dp_notebook.validate(path, suite, pii_columns={"customer_email"})``.

Columns: *steady* = one call in a process that has imported everything and made one call
already (median over the runs); *first run* = import + the first call, as a script would pay
it; peak RSS of the process. Every engine's success and unexpected count per expectation
is compared with dp-notebook's (GX's is the reference), and the run stops if any disagree.

Run: .venv/bin/python benchmarks/bench_expectations.py [--rows 1000000,10000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from _harness import machine, run_case, write_section

SUITE = [
    {"expect_column_values_to_not_be_null": {"column": "order_id"}},
    {"expect_column_values_to_be_unique": {"column": "order_id"}},
    {"expect_column_values_to_not_be_null": {"column": "customer_id"}},
    {"expect_column_values_to_be_between": {"column": "quantity", "min_value": 1, "max_value": 20}},
    {"expect_column_values_to_be_between": {"column": "amount", "min_value": 0, "max_value": 10000, "mostly": 0.99}},
    {"expect_column_values_to_be_in_set": {"column": "country", "value_set": ["DE", "AT", "CH", "NL", "FR"]}},
    {"expect_column_values_to_be_in_set": {"column": "status", "value_set": ["new", "paid", "shipped", "returned"]}},
    {"expect_column_values_to_match_regex": {"column": "customer_email", "regex": "^[^@]+@[^@]+\\.[a-z]+$"}},
    {"expect_column_value_lengths_to_be_between": {"column": "sku", "min_value": 8, "max_value": 8}},
    {"expect_column_mean_to_be_between": {"column": "amount", "min_value": 10, "max_value": 1000}},
    {"expect_column_max_to_be_between": {"column": "discount", "max_value": 0.5}},
    {"expect_table_row_count_to_be_between": {"min_value": 1}},
]
TOUCHED = ["order_id", "customer_id", "customer_email", "quantity", "amount", "country", "status", "sku", "discount"]
PII = ["customer_email"]


def make_data(path: str, rows: int, dirty: bool) -> None:
    """10 columns; ``dirty`` adds duplicate ids, quantities of 0, country 'XX' and malformed e-mails."""
    import duckdb

    order_id = f"1000000 + (range * 7919) % {rows}"  # a permutation: unique, not sorted
    quantity, country = "1 + range % 12", "['DE','AT','CH','NL','FR'][1 + range % 5]"
    email = "'user' || (range % 99991) || '@example.com'"
    if dirty:
        order_id = f"CASE WHEN range % 100000 = 7 THEN 1000000 + ((range - 1) * 7919) % {rows} ELSE {order_id} END"
        quantity = f"CASE WHEN range % 5003 = 11 THEN 0 ELSE {quantity} END"
        country = f"CASE WHEN range % 20011 = 5 THEN 'XX' ELSE {country} END"
        email = f"CASE WHEN range % 9973 = 3 THEN 'not-an-email' ELSE {email} END"
    duckdb.connect().execute(
        f"""
        COPY (
          SELECT {order_id} AS order_id,
                 'C-' || (range % 50000) AS customer_id,
                 {email} AS customer_email,
                 {quantity} AS quantity,
                 round((range * 7919 % 100000) / 100.0, 2) AS amount,
                 {country} AS country,
                 ['new','paid','shipped','returned'][1 + range % 4] AS status,
                 'SKU-' || lpad(CAST(range % 9999 AS VARCHAR), 4, '0') AS sku,
                 (range % 50) / 100.0 AS discount,
                 TIMESTAMP '2026-01-01' + INTERVAL (range % 86400) SECOND AS ordered_at
          FROM range({rows})
        ) TO '{path}' (FORMAT parquet)
        """
    )


# each case: IMPORTS (timed as import), then CALL twice (first run, steady); RESULT carries the
# timings and [success, unexpected_count] per expectation
_TEMPLATE = """
import time
__t0 = time.perf_counter()
{imports}
__t1 = time.perf_counter()
def __call():
{call}
__out = __call()
__t2 = time.perf_counter()
__out = __call()
__t3 = time.perf_counter()
RESULT = {{"import_s": __t1 - __t0, "first_s": __t2 - __t1, "steady_s": __t3 - __t2, "verdicts": __out}}
"""


def _case(imports: str, call: str) -> str:
    body = "\n".join("    " + line for line in call.strip().splitlines())
    return _TEMPLATE.format(imports=imports.strip(), call=body)


def cases(path: str, with_gx: bool) -> dict[str, str]:
    lit = repr(path)
    out = {
        "floor": _case(
            "import duckdb",
            f"""
            con = duckdb.connect()
            con.execute("SET enable_progress_bar = false")
            cols = ", ".join(f"any_value({{c}})" for c in {TOUCHED!r})
            con.execute(f"SELECT count(*), {{cols}} FROM read_parquet({lit})").fetchall()
            return None
            """.replace("\n            ", "\n"),
        ),
        "fused_sql": _case(
            "import duckdb",
            f"""
            con = duckdb.connect()
            con.execute("SET enable_progress_bar = false")
            rel = "read_parquet(" + repr({lit}) + ")"
            r = con.execute(f'''SELECT count(*), count(order_id), count(DISTINCT order_id),
              count(*) FILTER (WHERE order_id IS NULL), count(*) FILTER (WHERE customer_id IS NULL),
              count(*) FILTER (WHERE quantity NOT BETWEEN 1 AND 20), count(quantity),
              count(*) FILTER (WHERE amount NOT BETWEEN 0 AND 10000), count(amount),
              count(*) FILTER (WHERE country NOT IN ('DE','AT','CH','NL','FR')), count(country),
              count(*) FILTER (WHERE status NOT IN ('new','paid','shipped','returned')), count(status),
              count(*) FILTER (WHERE NOT regexp_matches(customer_email, '^[^@]+@[^@]+\\\\.[a-z]+$')), count(customer_email),
              count(*) FILTER (WHERE length(sku) NOT BETWEEN 8 AND 8), count(sku), avg(amount), max(discount)
              FROM {{rel}}''').fetchone()
            n, ids, distinct = r[0], r[1], r[2]
            dups = 0
            if distinct < ids:
                dups = con.execute(f"SELECT coalesce(sum(c), 0) FROM (SELECT count(*) c FROM {{rel}} WHERE order_id IS NOT NULL GROUP BY order_id HAVING count(*) > 1)").fetchone()[0]
            m = lambda bad, den, mostly=1.0: [bool(den == 0 or 1 - bad / den >= mostly - 1e-12), int(bad)]
            return [m(r[3], n), m(dups, ids), m(r[4], n), m(r[5], r[6]), m(r[7], r[8], 0.99), m(r[9], r[10]), m(r[11], r[12]),
                    m(r[13], r[14]), m(r[15], r[16]), [10 <= r[17] <= 1000, None], [r[18] <= 0.5, None], [n >= 1, None]]
            """.replace("\n            ", "\n"),
        ),
        "dp_notebook": _case(
            "from dp_notebook import validate",
            f"""
            r = validate({lit}, {SUITE!r}, pii_columns={set(PII)!r})
            assert all(row.get(c) == "***" for x in r.results for row in x.unexpected_sample for c in {PII!r})
            return [[x.success, x.unexpected_count] for x in r.results]
            """.replace("\n            ", "\n"),
        ),
    }
    if with_gx:
        out["great_expectations"] = _case(
            "import great_expectations, pandas\nfrom dp_notebook import validate",
            f"""
            r = validate({lit}, {SUITE!r}, engine="gx")
            return [[x.success, x.unexpected_count] for x in r.results]
            """.replace("\n            ", "\n"),
        )
    return out


def measure(path: str, with_gx: bool, repeats: int, tmp: str) -> dict[str, dict]:
    code = cases(path, with_gx)
    runs: dict[str, list[dict]] = {k: [] for k in code}
    for _ in range(repeats):
        for name, src in code.items():
            runs[name].append(run_case(src, tmp, name))
    out = {}
    for name, rs in runs.items():
        med = lambda key: statistics.median(r[key] for r in rs)  # noqa: E731
        out[name] = {"steady_s": med("steady_s"), "first_s": statistics.median(r["import_s"] + r["first_s"] for r in rs),
                     "peak_rss_mb": med("peak_rss_mb"), "verdicts": rs[-1]["verdicts"], "runs": len(rs)}
    return out


def agree(res: dict[str, dict]) -> list[str]:
    """Disagreements with the reference (GX when it ran, else dp-notebook) on success and unexpected count."""
    ref_name = "great_expectations" if "great_expectations" in res else "dp_notebook"
    ref = res[ref_name]["verdicts"]
    problems = []
    for name in ("dp_notebook", "fused_sql", "great_expectations"):
        if name == ref_name or name not in res:
            continue
        for i, (mine, theirs) in enumerate(zip(res[name]["verdicts"], ref)):
            if mine[0] != theirs[0] or (theirs[1] is not None and mine[1] != theirs[1]):
                problems.append(f"{name} vs {ref_name}, expectation {i} ({next(iter(SUITE[i]))}): {mine} != {theirs}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="1000000,10000000", help="comma-separated row counts")
    ap.add_argument("--repeats", type=int, default=3, help="runs per engine (fresh processes, interleaved)")
    ap.add_argument("--gx-max-rows", type=int, default=10_000_000, help="skip GX above this many rows")
    ap.add_argument("--data", default="passing,failing", help="which data sets: passing, failing or both")
    ap.add_argument("--no-write", action="store_true", help="print, do not rewrite RESULTS.md")
    args = ap.parse_args()
    head = [
        f"Machine: {machine()}. Median of {args.repeats} interleaved runs per engine, each in a fresh process. "
        "*steady*: a call after one warm-up call in the same process (imports excluded); *first run*: import + first call; "
        "peak RSS of the process. Parquet input, 10 columns, 12 expectations over 9 of them; *failing*: 4 expectations fail "
        "(dp-notebook also fetches failing-row samples, PII masked).",
        "",
        "| rows | data | engine | steady s | first run s | peak RSS MB | GX ÷ engine (steady) | engine ÷ floor (steady) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in [int(r) for r in args.rows.split(",")]:
            for dirty in [d == "failing" for d in args.data.split(",")]:
                label = "failing" if dirty else "passing"
                path = os.path.join(tmp, f"orders_{rows}_{label}.parquet")
                make_data(path, rows, dirty)
                res = measure(path, rows <= args.gx_max_rows, args.repeats, tmp)
                problems = agree(res)
                if problems:
                    raise SystemExit("engines disagree:\n" + "\n".join(problems))
                os.remove(path)
                floor, gx = res["floor"], res.get("great_expectations")
                for name in ("floor", "fused_sql", "great_expectations", "dp_notebook"):
                    if name not in res:
                        continue
                    r = res[name]
                    vs_gx = f"{gx['steady_s'] / r['steady_s']:.1f}×" if gx else "–"
                    head.append(f"| {rows:,} | {label} | {name} | {r['steady_s']:.3f} | {r['first_s']:.2f} | {r['peak_rss_mb']:.0f} | {vs_gx} | {r['steady_s'] / floor['steady_s']:.2f}× |")
                dp = res["dp_notebook"]
                summary.append((rows, label, dp, floor, gx))
                print("\n".join(head[-len(res):]), flush=True)
    lines = head + ["", "dp-notebook against the goals (issue 20: ≥15× faster than GX, ≤3× the floor, ≤¼ of GX's peak memory):", "",
                    "| rows | data | GX ÷ dp-notebook | dp-notebook ÷ floor | dp RSS ÷ GX RSS |", "|---|---|---|---|---|"]
    for rows, label, dp, floor, gx in summary:
        vs_gx = f"{gx['steady_s'] / dp['steady_s']:.1f}×" if gx else "–"
        mem = f"{dp['peak_rss_mb'] / gx['peak_rss_mb']:.2f}" if gx else "–"
        lines.append(f"| {rows:,} | {label} | {vs_gx} | {dp['steady_s'] / floor['steady_s']:.2f}× | {mem} |")
    lines.append("")
    lines.append("All engines agreed on every expectation's success and unexpected count.")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("Expectations (issue 20)", text)
        _drop_section("Expectations (issue 5)")


def _drop_section(title: str) -> None:
    path = os.path.join(os.path.dirname(__file__), "RESULTS.md")
    text = open(path).read()
    parts = text.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if not p.startswith(title)]
    with open(path, "w") as fh:
        fh.write("\n## ".join(kept))


if __name__ == "__main__":
    main()
