"""Expectations: dp-notebook (fused DuckDB SQL) vs Great Expectations 1.x on pandas vs the floor.

The floor is DuckDB reading only the columns the suite touches (one cheap
aggregate over every value of each column, in one scan). Generated 12-column orders table, 12 expectations, 1M and 10M
rows; GX at 1M only (on pandas, 10M rows of this table do not fit comfortably).
Run: .venv/bin/python benchmarks/bench_expectations.py [--rows 1000000,10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile

from _harness import compare, machine, write_section

SUITE = [
    {"expect_column_values_to_not_be_null": {"column": "order_id"}},
    {"expect_column_values_to_be_unique": {"column": "order_id"}},
    {"expect_column_values_to_not_be_null": {"column": "customer_id"}},
    {"expect_column_values_to_be_between": {"column": "quantity", "min_value": 1, "max_value": 20}},
    {"expect_column_values_to_be_between": {"column": "amount", "min_value": 0, "max_value": 10000, "mostly": 0.99}},
    {"expect_column_values_to_be_in_set": {"column": "country", "value_set": ["DE", "AT", "CH", "NL", "FR"]}},
    {"expect_column_values_to_be_in_set": {"column": "status", "value_set": ["new", "paid", "shipped", "returned"]}},
    {"expect_column_values_to_match_regex": {"column": "email", "regex": "^[^@]+@[^@]+\\\\.[a-z]+$"}},
    {"expect_column_value_lengths_to_be_between": {"column": "sku", "min_value": 8, "max_value": 8}},
    {"expect_column_mean_to_be_between": {"column": "amount", "min_value": 10, "max_value": 500}},
    {"expect_column_max_to_be_between": {"column": "discount", "max_value": 0.5}},
    {"expect_table_row_count_to_be_between": {"min_value": 1}},
]
COLUMNS = ["order_id", "customer_id", "quantity", "amount", "country", "status", "email", "sku", "discount"]


def make_data(path: str, rows: int) -> None:
    import duckdb

    duckdb.connect().execute(
        f"""
        COPY (
          SELECT range AS order_id,
                 'C-' || (range % 50000) AS customer_id,
                 1 + range % 12 AS quantity,
                 round((range * 7919 % 100000) / 100.0, 2) AS amount,
                 ['DE','AT','CH','NL','FR'][1 + range % 5] AS country,
                 ['new','paid','shipped','returned'][1 + range % 4] AS status,
                 'user' || (range % 99991) || '@example.com' AS email,
                 'SKU-' || lpad(CAST(range % 9999 AS VARCHAR), 4, '0') AS sku,
                 (range % 50) / 100.0 AS discount,
                 TIMESTAMP '2026-01-01' + INTERVAL (range % 86400) SECOND AS ordered_at,
                 range % 3 = 0 AS is_gift,
                 'note ' || (range % 17) AS note
          FROM range({rows})
        ) TO '{path}' (FORMAT parquet)
        """
    )


def cases(path: str, with_gx: bool) -> dict[str, str]:
    out = {
        "dp_notebook": f"""
            from dp_notebook import validate
            r = validate({path!r}, {SUITE!r})
            assert len(r.results) == 12
        """,
        "floor_duckdb": f"""
            import duckdb
            cols = {COLUMNS!r}
            # hash() makes DuckDB read every value (count() alone is answered from Parquet statistics)
            aggs = ", ".join(f"sum(hash({{c}}))" for c in cols)
            duckdb.connect().execute(f"SELECT count(*), {{aggs}} FROM read_parquet('{path}')").fetchall()
        """,
    }
    if with_gx:
        out["great_expectations"] = f"""
            from dp_notebook import validate
            r = validate({path!r}, {SUITE!r}, engine="gx")
            assert len(r.results) == 12
        """
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1000000,10000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gx-max-rows", type=int, default=1_000_000)
    args = ap.parse_args()
    lines = [f"Machine: {machine()}. Median of {args.repeat} interleaved runs, each in a fresh process (wall incl. imports and reading the Parquet; peak RSS of the process).", ""]
    lines.append("| rows | engine | wall s | peak RSS MB | time vs dp-notebook | time vs floor |")
    lines.append("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in [int(r) for r in args.rows.split(",")]:
            path = os.path.join(tmp, f"orders_{rows}.parquet")
            make_data(path, rows)
            res = compare(cases(path, rows <= args.gx_max_rows), tmp, args.repeat)
            ours, floor = res["dp_notebook"], res["floor_duckdb"]
            for name, r in res.items():
                lines.append(f"| {rows:,} | {name} | {r['wall_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['wall_s'] / ours['wall_s']:.2f}× | {r['wall_s'] / floor['wall_s']:.2f}× |")
            print(lines[-len(res):])
    write_section("Expectations (issue 5)", "\n".join(lines) + "\n\nGoals: ≥15× faster than GX at 1M with lower peak memory; ≤5× the floor; 10M within memory.")


if __name__ == "__main__":
    main()
