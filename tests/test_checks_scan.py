"""The fused scan (checks/scan.py): every fast path gives the answers and the samples of the plain SQL.

The reference is what run_suite did before the fused scan: one ``count`` per check, the exact
duplicate count by GROUP BY, and ``SELECT * … WHERE <unexpected> LIMIT 5`` for samples.
"""

from __future__ import annotations

import tracemalloc

import duckdb
import pytest

from dp_notebook import validate
from dp_notebook.checks import scan as scan_mod
from dp_notebook.checks.run import parse_suite, run_suite

ROWS = 3000

SUITE = [
    {"not_null": {"column": "id"}},
    {"unique": {"column": "id"}},
    {"unique": {"column": "email"}},
    {"unique": {"column": "big"}},
    {"compound_unique": {"column_list": ["country", "n"]}},
    {"match_regex": {"column": "email", "regex": "^[a-z0-9]+@[a-z]+\\.com$"}},
    {"match_regex": {"column": "email", "regex": "^u", "row_condition": "n > 3"}},
    {"expect_column_values_to_match_like_pattern": {"column": "code", "like_pattern": "C-%"}},
    {"in_set": {"column": "country", "value_set": ["DE", "AT"]}},
    {"between": {"column": "n", "min_value": 0, "max_value": 8}},
    {"expect_column_value_lengths_to_be_between": {"column": "code", "min_value": 3, "max_value": 4}},
]


def make(con: duckdb.DuckDBPyConnection) -> None:
    """Duplicates early and late, NULLs, a repeating e-mail column with a few bad values, a wide-range integer."""
    con.execute(
        f"""CREATE TABLE t AS SELECT
            CASE WHEN range IN (17, 2950) THEN 5 WHEN range = 40 THEN NULL ELSE range END AS id,
            CASE WHEN range % 97 = 13 THEN 'bad-address' WHEN range % 89 = 0 THEN NULL ELSE 'u' || (range % 50) || '@shop.com' END AS email,
            CASE WHEN range = 2999 THEN 1 ELSE range * 1000000007 END AS big,
            ['DE', 'AT', 'CH'][1 + range % 3] AS country,
            range % 10 AS n,
            CASE WHEN range % 31 = 0 THEN 'X' || range ELSE 'C-' || (range % 7) END AS code
        FROM range({ROWS})"""
    )
    con.execute("UPDATE t SET big = 1 WHERE id = 0")  # a late duplicate of a wide-range value


def reference(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[int, list[tuple]]]:
    """(unexpected count, first 5 failing rows) per expectation of SUITE, by the plain SQL."""
    def dup(cols, scope="true"):
        keys = ", ".join(cols)
        where = " AND ".join(f"{c} IS NOT NULL" for c in cols) if len(cols) == 1 else "NOT (" + " AND ".join(f"{c} IS NULL" for c in cols) + ")"
        n = con.execute(f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) n FROM {relation} WHERE {scope} AND {where} GROUP BY {keys} HAVING count(*) > 1)").fetchone()[0]
        tup = f"({keys})" if len(cols) > 1 else keys
        # numbered before the semi-join: a join does not keep scan order, the old LIMIT query's order
        rows = con.execute(
            f"WITH numbered AS (SELECT row_number() OVER () AS __rn, * FROM {relation}) SELECT * EXCLUDE (__rn) FROM numbered "
            f"WHERE {where} AND {tup} IN (SELECT {tup} FROM {relation} WHERE {where} GROUP BY {keys} HAVING count(*) > 1) ORDER BY __rn LIMIT 5"
        ).fetchall()
        return n, rows

    def bad(pred):
        n = con.execute(f"SELECT count(*) FROM {relation} WHERE {pred}").fetchone()[0]
        return n, con.execute(f"SELECT * FROM {relation} WHERE {pred} LIMIT 5").fetchall()

    return [
        bad("id IS NULL"),
        dup(["id"]),
        dup(["email"]),
        dup(["big"]),
        dup(["country", "n"]),
        bad("email IS NOT NULL AND NOT regexp_matches(email, '^[a-z0-9]+@[a-z]+\\.com$')"),
        bad("n > 3 AND email IS NOT NULL AND NOT regexp_matches(email, '^u')"),
        bad("code IS NOT NULL AND NOT code LIKE 'C-%'"),
        bad("country IS NOT NULL AND country NOT IN ('DE', 'AT')"),
        bad("n IS NOT NULL AND NOT n BETWEEN 0 AND 8"),
        bad("code IS NOT NULL AND NOT length(code) BETWEEN 3 AND 4"),
    ]


def spying(con, seen: list[str]):
    """A connection class recording every statement (it says it speaks DuckDB, so the fast paths run)."""

    class Spy:
        dialect = "duckdb"

        def execute(self, sql, *a):
            seen.append(sql)
            return con.execute(sql, *a)

    return Spy


def as_rows(sample: list[dict]) -> list[tuple]:
    return [tuple(r.values()) for r in sample]


@pytest.fixture(params=["table", "parquet", "parquet-grouped", "table-grouped", "dataframe"])
def source(request, tmp_path, monkeypatch):
    con = duckdb.connect()
    make(con)
    if request.param.endswith("grouped"):
        monkeypatch.setattr(scan_mod, "GROUP_MIN_ROWS", 0)  # judge regex/LIKE per distinct value on small data too
    if request.param.startswith("parquet"):
        path = tmp_path / "t.parquet"
        con.execute(f"COPY t TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 500)")
        return request.param, con, f"read_parquet('{path}')", path
    if request.param == "dataframe":
        return request.param, con, "t", con.execute("FROM t").df()
    return request.param, con, "t", None


def test_counts_and_samples_equal_the_plain_sql(source):
    kind, con, relation, data = source
    expected = reference(con, relation)
    if kind.startswith("parquet"):
        results = validate(data, SUITE).results
    elif kind == "dataframe":
        results = validate(data, SUITE).results
    else:
        results = run_suite(con, relation, parse_suite(SUITE)).results
    for i, (r, (count, rows)) in enumerate(zip(results, expected)):
        assert r.unexpected_count == count, (i, r.name)
        assert r.success == (count == 0), (i, r.name)
        if count and not (kind == "dataframe" and SUITE[i].get("compound_unique")):
            # a DataFrame has no row numbers: samples come by LIMIT queries (none for compound keys, as before)
            got = as_rows(r.unexpected_sample)
            if kind == "dataframe":
                rows = [tuple(None if v != v else v for v in row) for row in rows]  # noqa: PLR0124 - NaN
                got = [tuple(None if v != v else v for v in row) for row in got]
            assert got == [tuple(v if v is None or isinstance(v, (int, float, str)) else str(v) for v in row) for row in rows], (i, r.name)


def test_grouped_and_fused_paths_agree(tmp_path, monkeypatch):
    con = duckdb.connect()
    make(con)
    path = tmp_path / "t.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    fused = validate(path, SUITE, pii_columns={"email"})
    monkeypatch.setattr(scan_mod, "GROUP_MIN_ROWS", 0)
    grouped = validate(path, SUITE, pii_columns={"email"})
    assert [r.to_row() for r in fused.results] == [r.to_row() for r in grouped.results]
    assert all(row["email"] in ("***", None) for r in grouped.results for row in r.unexpected_sample)


def test_a_repeating_column_is_judged_once_per_value_and_a_unique_one_is_not(tmp_path, monkeypatch):
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 'user' || (range % 40) || '@x.com' AS repeating, 'user' || range || '@x.com' AS distinct_ FROM range(200000)")
    seen: list[str] = []
    Spy = spying(con, seen)
    suite = parse_suite([{"match_regex": {"column": "repeating", "regex": "@"}}, {"match_regex": {"column": "distinct_", "regex": "@"}}])
    assert run_suite(Spy(), "t", suite, numbered=("t", "rowid")).success
    grouped = [s for s in seen if "GROUP BY" in s and "__n" in s]
    assert len(grouped) == 1 and '"repeating"' in grouped[0] and "distinct_" not in grouped[0]


def test_uniqueness_needs_no_group_by_when_there_are_no_duplicates():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS id, 'k' || range AS name FROM range(50000)")
    seen: list[str] = []
    Spy = spying(con, seen)
    res = run_suite(Spy(), "t", parse_suite([{"unique": {"column": "id"}}, {"unique": {"column": "name"}}]))
    assert res.success and [r.unexpected_count for r in res.results] == [0, 0]
    assert not [s for s in seen if "GROUP BY" in s]
    # the integer column is fetched as offsets and counted with numpy (``_count_offsets``), the other by count(DISTINCT)
    assert any('CAST("id" - 0 AS INTEGER)' in s for s in seen) and any("count(DISTINCT" in s and '"name"' in s for s in seen)


def test_the_engines_connection_takes_the_fast_paths_with_the_same_answers(monkeypatch):
    # audits and `expect` on a workspace run on the engine's wrapped connection, not a bare DuckDB one:
    # it must say it speaks DuckDB (bitmap uniqueness, exact counts by histogram, samples by row number)
    from dp_notebook.engine.duckdb import DuckDBConnection, DuckDBEngine

    con = duckdb.connect()
    make(con)
    expected = reference(con, "t")
    seen: list[str] = []
    execute = DuckDBConnection.execute
    monkeypatch.setattr(DuckDBConnection, "execute", lambda self, sql, params=None: seen.append(sql) or execute(self, sql, params))
    results = run_suite(DuckDBConnection(con, DuckDBEngine(None), where="audit"), "t", parse_suite(SUITE)).results
    for i, (r, (count, rows)) in enumerate(zip(results, expected)):
        assert (r.unexpected_count, r.success) == (count, count == 0), (i, r.name)
        if count:
            assert as_rows(r.unexpected_sample) == rows, (i, r.name)
    assert any('CAST("id" - 0 AS INTEGER)' in s for s in seen)  # uniqueness of the integer column from its offsets
    assert not [s for s in seen if s.startswith("SELECT * FROM t WHERE")]  # samples by row number, not a LIMIT query per check


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        ('count(*) FILTER (WHERE "a" IS NULL)', 'count(CASE WHEN "a" IS NULL THEN 1 END)'),
        ('min(rowid, 5) FILTER (WHERE true AND "b" > $p0)', 'min(CASE WHEN true AND "b" > $p0 THEN rowid END, 5)'),
        ('coalesce(bit_count(bitstring_agg("id", 1, 9) FILTER (WHERE "id" IS NOT NULL)), 0)', 'coalesce(bit_count(bitstring_agg(CASE WHEN "id" IS NOT NULL THEN "id" END, 1, 9)), 0)'),
        ('count(DISTINCT ("a", "b")) FILTER (WHERE x)', 'count(DISTINCT CASE WHEN x THEN ("a", "b") END)'),
        ('count(*) FILTER (WHERE true) + count("a") FILTER (WHERE true)', 'count(*) + count("a")'),
        # quotes may hold anything; aggregates that keep NULLs (list) keep their FILTER
        ("""avg("a (") FILTER (WHERE "c" = 'x) FILTER (WHERE y')""", """avg(CASE WHEN "c" = 'x) FILTER (WHERE y' THEN "a (" END)"""),
        ('list(CAST("c" AS VARCHAR)) FILTER (WHERE "c" IS NOT NULL)', 'list(CAST("c" AS VARCHAR)) FILTER (WHERE "c" IS NOT NULL)'),
    ],
)
def test_fused_aggregates_are_written_without_filter_clauses(aggregate, expected):
    assert scan_mod.without_filter(aggregate) == expected


@pytest.mark.parametrize("rows", [0, 20])
def test_the_rewritten_scan_counts_zero_where_nothing_matches(rows):
    # count(*) FILTER counts 0 on no rows and on a condition that is never true (or NULL); so must its rewrite
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT range AS id, NULL::INTEGER AS n FROM range({rows})")
    suite = parse_suite([{"not_null": {"column": "id", "row_condition": "n > 1"}}, {"between": {"column": "id", "min_value": 0, "max_value": 5, "row_condition": "n > 1"}},
                         {"unique": {"column": "id", "row_condition": "n > 1"}}, {"expect_table_row_count_to_be_between": {"min_value": 0}}])
    results = run_suite(con, "t", suite).results
    assert [r.unexpected_count for r in results[:3]] == [0, 0, 0] and all(r.success for r in results)
    assert results[3].observed_value == rows


def _plain_duplicates(con, relation, col, scope="true"):
    """GX's unexpected count and first 5 rows (scan order) of a uniqueness check, by plain SQL."""
    n = con.execute(f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) n FROM {relation} WHERE {scope} AND {col} IS NOT NULL GROUP BY {col} HAVING count(*) > 1)").fetchone()[0]
    rows = con.execute(
        f"WITH numbered AS (SELECT row_number() OVER () AS __rn, * FROM {relation}) SELECT * EXCLUDE (__rn) FROM numbered "
        f"WHERE {scope} AND {col} IN (SELECT {col} FROM {relation} WHERE {scope} AND {col} IS NOT NULL GROUP BY 1 HAVING count(*) > 1) ORDER BY __rn LIMIT 5"
    ).fetchall()
    return n, rows


@pytest.mark.parametrize(
    "values",
    [
        # a few repeats, the range's ends among them, an odd span (the bitmap's padding bits)
        "CASE WHEN range IN (3, 4001) THEN -7 WHEN range IN (10, 2222) THEN 12993 WHEN range = 600 THEN 4 ELSE range * 3 - 7 END",
        # repeats everywhere (the histogram of the whole range)
        "range % 700",
        # one repeat in a range of a single bucket; NULLs
        "CASE WHEN range % 11 = 0 THEN NULL WHEN range = 4330 THEN 1 ELSE range END",
        # sparse: a bucket's one repeat next to a value just before the bucket (the bitmap's 7 padding
        # bits must shift the buckets, or the bitmap counts that value in and the repeat is missed)
        "CASE range WHEN 0 THEN 0 WHEN 1 THEN 1020 WHEN 2 THEN 1500 WHEN 3 THEN 1500 WHEN 4 THEN 2048 END",
        # few rows over a range of 130M values: counted by sorting the rows, no array of the range
        "CASE WHEN range IN (77, 3001) THEN 5 * 30011 ELSE range * 30011 END",
    ],
)
@pytest.mark.parametrize("layout", ["table", "table-with-deletes", "parquet", "unordered"])
def test_the_exact_duplicate_count_by_buckets_equals_the_group_by(tmp_path, values, layout):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT {values} AS id, range AS k FROM range(4331)")
    if layout == "table-with-deletes":  # rowids with gaps
        con.execute("DELETE FROM t WHERE k % 5 = 1")
    if layout == "unordered":
        con.execute("SET preserve_insertion_order = false")
    for scope, condition in [("true", None), ("k > 1000", "k > 1000")]:
        check = {"unique": {"column": "id", **({"row_condition": condition} if condition else {})}}
        count, rows = _plain_duplicates(con, "t", "id", scope)
        tracemalloc.start()
        if layout == "parquet":
            path = tmp_path / "t.parquet"
            con.execute(f"COPY t TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000)")
            result = validate(path, [check]).results[0]
        else:
            result = run_suite(con, "t", parse_suite([check])).results[0]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 20_000_000, peak  # numpy's arrays are traced: none the size of a 130M-value range
        assert result.unexpected_count == count, scope
        assert as_rows(result.unexpected_sample) == rows, scope


def test_samples_of_a_rare_late_failure_and_a_frequent_early_one(tmp_path):
    # the LIMIT query fills the frequent check at once; the rare one (failing only in the last rows)
    # is looked up after the rows the LIMIT read: both get the first 5 failing rows in scan order
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS k, CASE WHEN range % 3 = 0 THEN 99 ELSE 1 END AS n, CASE WHEN range >= 9993 THEN 'XX' ELSE 'DE' END AS country FROM range(10000)")
    path = tmp_path / "t.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000)")
    suite = [{"between": {"column": "n", "min_value": 0, "max_value": 8}}, {"in_set": {"column": "country", "value_set": ["DE"]}}]
    for got in (validate(path, suite).results, run_suite(con, "t", parse_suite(suite)).results):
        assert [r.unexpected_count for r in got] == [3334, 7]
        assert [row["k"] for row in got[0].unexpected_sample] == [0, 3, 6, 9, 12]
        assert [row["k"] for row in got[1].unexpected_sample] == [9993, 9994, 9995, 9996, 9997]
    con.execute("SET preserve_insertion_order = false")  # no LIMIT in scan order: one aggregate
    got = run_suite(con, "t", parse_suite(suite)).results
    assert [row["k"] for row in got[1].unexpected_sample] == [9993, 9994, 9995, 9996, 9997]


def test_a_passing_suite_reads_no_samples_and_the_fused_scan_carries_none():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS id, 'DE' AS country FROM range(5000)")
    seen: list[str] = []
    Spy = spying(con, seen)
    res = run_suite(Spy(), "t", parse_suite([{"in_set": {"column": "country", "value_set": ["DE"]}}, {"unique": {"column": "id"}}]))
    assert res.success
    # no sample query, and no row numbers but those fetched with the id offsets (for duplicates' first rows)
    assert not [s for s in seen if "LIMIT" in s or ("rowid" in s and "AS INTEGER" not in s)]


@pytest.mark.parametrize("layout", ["table", "parquet", "dataframe"])
def test_a_column_only_checked_for_nulls_is_counted_apart_and_exactly(tmp_path, layout):
    # `count(*) - count(col)` in a query of its own, which DuckDB answers from statistics when there are
    # no NULLs; the fused scan does not read such a column. With NULLs the count is still exact.
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS id, 'C-' || range AS full_, CASE WHEN range % 7 = 0 THEN NULL ELSE 'x' END AS holey, range % 3 AS n FROM range(3000)")
    suite = [{"not_null": {"column": "full_"}}, {"not_null": {"column": "holey"}}, {"not_null": {"column": "n"}},
             {"between": {"column": "n", "min_value": 0, "max_value": 1}}, {"unique": {"column": "id"}}, {"not_null": {"column": "id"}}]
    seen: list[str] = []
    Spy = spying(con, seen)
    if layout == "parquet":
        path = tmp_path / "t.parquet"
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
        relation = f"read_parquet('{path}')"
    elif layout == "dataframe":
        con.register("df", con.execute("FROM t").df())
        relation = "df"
    else:
        relation = "t"
    results = run_suite(Spy(), relation, parse_suite(suite)).results
    assert [r.unexpected_count for r in results] == [0, 429, 0, 1000, 0, 0]
    assert [row["n"] for row in results[3].unexpected_sample] == [2, 2, 2, 2, 2]
    apart = [s for s in seen if "count(*) - count(" in s]
    assert len(apart) == 1 and all(f'count(*) - count("{c}")' in apart[0] for c in ("full_", "holey", "id"))
    fused = [s for s in seen if '"quantity"' in s or 'THEN NULL ELSE "n"' in s]
    assert len(fused) == 1 and '"full_"' not in fused[0] and '"holey"' not in fused[0] and '"id"' not in fused[0]
    # a row condition, or another check of the column, keeps the NULL count in the fused scan
    seen.clear()
    res = run_suite(Spy(), relation, parse_suite([{"not_null": {"column": "holey", "row_condition": "n > 0"}}, {"not_null": {"column": "n"}}])).results
    assert [r.unexpected_count for r in res] == [286, 0] and not [s for s in seen if "count(*) - count(" in s and '"holey"' in s]


def test_validate_calls_from_threads_each_see_their_own_data():
    # validate() opens a cursor per call on one database per process: registered DataFrames are the call's own
    import threading

    import pandas as pd

    frames = {i: pd.DataFrame({"id": list(range(1000)) + [i] * i}) for i in range(1, 7)}
    got: dict[int, int] = {}

    def check(i):
        for _ in range(5):
            got[i] = validate(frames[i], [{"unique": {"column": "id"}}]).results[0].unexpected_count

    threads = [threading.Thread(target=check, args=(i,)) for i in frames]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {i: i + 1 for i in frames}  # value i occurs i + 1 times
