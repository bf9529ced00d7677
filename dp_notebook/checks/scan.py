"""Run many compiled checks in as few passes over the data as possible.

    scan = FusedScan(con, relation, columns, params)
    h = scan.add(compiled, scope)            # for every check (expectations, contract properties)
    scan.run()                               # one fused aggregate query (+ what it could not answer)
    scan.values(h)                           # the check's aggregate values, as ``judge`` wants them
    scan.samples([h, ...])                   # failing-row examples of the failed checks

On DuckDB (the embedded engine and ``validate``):

- **Uniqueness** is proven by a distinct count equal to the row count. An integer column whose
  range is known (Parquet statistics, one min/max query on a table) is counted over its range:
  a GX uniqueness expectation fetches the column as 32-bit offsets and counts them with numpy in a
  thread beside the fused scan (the exact count, rows whose value occurs more than once, comes
  from the same arrays: only the buckets of the range with more rows than values are looked at
  value by value); a contract's ``unique`` (a yes or no) is a ``bitstring_agg`` in the fused scan.
  Other columns use ``count(DISTINCT)`` in the fused scan and, only when there are duplicates, a
  GROUP BY for the exact count.
- **NULL counts** of a column no other check reads are ``count(*) - count(col)`` in a query of
  their own: DuckDB answers it from statistics when the column has no NULLs.
- **No FILTER clauses** in the fused query: DuckDB runs ``agg(x) FILTER (WHERE p)`` as a selection of
  its own per aggregate, ``agg(CASE WHEN p THEN x END)`` as one more expression (``without_filter``).
  A row-level check of one column counts ``CASE WHEN expected THEN NULL ELSE col END``.
- **Samples** are looked up only for the checks that failed, by row number: one query with a
  ``LIMIT`` in scan order finds the first failing rows of every such check (the rest of the scan
  is not read), and one query fetches those rows. Row numbers are a table's ``rowid`` or Parquet's
  ``file_row_number``; other relations (a registered DataFrame, a view) fall back to one ``LIMIT``
  query per failed check.

Other connections (the Spark engine's DuckDB-dialect connection) get portable SQL: the fused
aggregate, the exact duplicate count as a query of its own, ``LIMIT`` samples.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from .builtin import Compiled, Duplicates, Params, duplicates_query

# integer types bitstring_agg takes; a bitmap of at most this many bits (16 MiB) per thread
_BITMAP_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_BITMAP_MAX_BITS = 1 << 27
# the exact duplicate count looks value by value only into buckets of this many bits (2**n values)
# that have more rows than values seen
_BUCKET_BITS = 10
# offsets of a range at least this large are fetched as Arrow (see FusedScan._fetch_offsets)
_ARROW_FROM = 1 << 22
# a range this many times wider than the rows is counted by sorting the rows, not over the range
_SPARSE = 16
# judging each distinct value once: considered from this many rows, when a sample says each value
# repeats at least _GROUP_REPEATS times on average; the sample is _SLICES runs of _SLICE rows
GROUP_MIN_ROWS = 100_000
_GROUP_REPEATS = 4
_SLICES, _SLICE = 8, 16_384


def is_duckdb(con: Any) -> bool:
    """A DuckDB connection (or a wrapper that says it speaks to one)."""
    if getattr(con, "dialect", None) == "duckdb":
        return True
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a dependency
        return False
    return isinstance(con, duckdb.DuckDBPyConnection)


def table_row_numbers(con: Any, relation: str) -> tuple[str, str] | None:
    """``(relation, "rowid")`` when ``relation`` names a DuckDB base table (rows numbered in scan order).

    Decided from the catalog, not by trying: a failed statement would abort the caller's transaction.
    """
    m = re.fullmatch(r'\s*("(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s*\.\s*("(?:[^"]|"")+"|[A-Za-z_][\w$]*))?\s*', relation)
    if not m or not is_duckdb(con):
        return None
    parts = [p[1:-1].replace('""', '"') if p.startswith('"') else p for p in m.groups() if p]
    schema, name = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    sql = "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?" + (" AND schema_name = ?" if schema else "")
    found = con.execute(sql, [name, schema] if schema else [name]).fetchone()[0]
    return (relation, "rowid") if found == 1 else None


@dataclass
class _Check:
    compiled: Compiled
    scope: str
    exact_duplicates: bool
    values: list[Any] = field(default_factory=list)
    distinct: tuple[int, int] | None = None  # (considered rows, distinct values) of a Duplicates check
    first_duplicate_rows: list[int] | None = None
    duplicate_rows_exact: bool = False  # first_duplicate_rows are the sample rows themselves
    by_value: bool = False  # judged once per distinct value (see FusedScan._grouped)


class FusedScan:
    """Checks on one relation, answered together (see the module docstring)."""

    def __init__(
        self,
        con: Any,
        relation: str,
        columns: list[str],
        types: dict[str, str],
        params: Params,
        *,
        numbered: tuple[str, str] | None = None,
        sample_size: int = 5,
    ) -> None:
        self.con = con
        self.relation = relation
        self.columns = columns
        self.types = types
        self.params = params
        self.duckdb = is_duckdb(con)
        self.sample_size = int(sample_size)
        if self.duckdb and numbered is None:
            numbered = table_row_numbers(con, relation)
        if numbered is not None and numbered[1] in columns:
            numbered = None  # the data has a column of that name: no reliable row numbers
        self.numbered = numbered if self.duckdb else None
        self.checks: list[_Check] = []
        self.ranges: dict[str, tuple[int, int]] = {}
        self._ordered_cache: bool | None = None

    def add(self, compiled: Compiled, scope: str = "true", *, exact_duplicates: bool = True) -> int:
        """Register a check; ``exact_duplicates=False``: its judge wants only (rows, distinct values)."""
        self.checks.append(_Check(compiled, scope, exact_duplicates))
        return len(self.checks) - 1

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> None:
        ranges = self.ranges = self._integer_ranges() if self.duckdb else {}
        grouped = self._grouped() if self.duckdb and self.numbered else {}
        # uniqueness of an integer column of known range, exactly as GX counts it: the column is fetched
        # first and counted with numpy (one core) while DuckDB runs the fused scan and the per-value queries
        by_offsets = [check for check in self.checks if self._counts_offsets(check)]
        offsets_counted = {id(check) for check in by_offsets}
        by_statistics = self._null_only_columns(offsets_counted) if self.duckdb else set()
        fetched = [self._fetch_offsets(check) for check in by_offsets]
        counting = _beside([lambda check=check, got=got: self._count_offsets(check, got) for check, got in zip(by_offsets, fetched)])
        aggregates: list[str] = []
        slots: list[tuple[_Check, str, int]] = []  # (check, what, how many values)
        nulls: dict[int, str] = {}  # id(check): the column whose NULL count comes from the statistics query
        for check in self.checks:
            c = check.compiled
            if check.by_value or id(check) in offsets_counted:
                continue
            own = list(c.aggregates)
            if self.duckdb and c.expected is not None and c.value_column is not None and len(own) == 2:
                own[0] = f"count(CASE WHEN {c.expected} THEN NULL ELSE {c.value_column} END) FILTER (WHERE {check.scope})"
            if c.nulls_of in by_statistics and check.scope == "true":
                nulls[id(check)] = c.nulls_of
                own = own[1:]
            aggregates += own
            slots.append((check, "values", len(own)))
            dup = c.duplicates
            if dup is not None and (self.duckdb or not check.exact_duplicates):
                considered = f"{check.scope} AND {dup.considered}"
                col = dup.columns[0] if len(dup.columns) == 1 else None
                plain = col is not None and check.scope == "true" and dup.considered == f"{col} IS NOT NULL"
                if col in ranges:
                    lo, hi = ranges[col]
                    distinct = f"coalesce(bit_count(bitstring_agg({col}, {lo}, {hi}){'' if plain else f' FILTER (WHERE {considered})'}), 0)"
                else:
                    target = col or "(" + ", ".join(dup.columns) + ")"
                    distinct = f"count(DISTINCT {target}) FILTER (WHERE {considered})"
                aggregates += [f"count({col})" if plain else f"count(*) FILTER (WHERE {considered})", distinct]
                slots.append((check, "distinct", 2))
        row: list[Any] = []
        if aggregates:
            if self.duckdb:
                aggregates = [without_filter(a) for a in aggregates]
            sql = f"SELECT {', '.join(aggregates)} FROM {self.relation}"
            row = list(self.con.execute(sql, _used(self.params.values, sql) or None).fetchone())
        null_counts: dict[str, int] = {}
        if nulls:
            cols = list(dict.fromkeys(nulls.values()))
            got = self.con.execute(f"SELECT {', '.join(f'count(*) - count({col})' for col in cols)} FROM {self.relation}").fetchone()
            null_counts = {col: int(n or 0) for col, n in zip(cols, got)}
        pos = 0
        for check, what, n in slots:
            got = row[pos : pos + n]
            pos += n
            if what == "values":
                check.values = ([null_counts[nulls[id(check)]]] if id(check) in nulls else []) + got
            else:
                check.distinct = (int(got[0] or 0), int(got[1] or 0))
        for col, checks in grouped.items():
            self._run_by_value(col, checks)
        for check, total in zip(by_offsets, counting()):
            check.values = [check.distinct[0], total]  # type: ignore[index]  # (considered rows, GX's count)
        for check in self.checks:
            c = check.compiled
            if c.duplicates is not None and self.duckdb:
                if check.exact_duplicates and id(check) not in offsets_counted:
                    check.values.append(self._exact_duplicates(check))
            elif c.separate_query:
                sql = c.separate_query
                check.values.append(self.con.execute(sql, _used(self.params.values, sql) or None).fetchone()[0])

    def _null_only_columns(self, offsets_counted: set[int]) -> set[str]:
        """Columns whose only check in the fused scan is a NULL count: ``count(*) - count(col)`` in a
        query of its own is answered from statistics when the column has no NULLs (1 ms instead of
        reading it: 0.13 s for 10M short strings), and reads the column, as the fused scan would,
        when it has some. (Uniqueness counted from fetched offsets does not read in the fused scan.)"""
        counted = {ch.compiled.nulls_of for ch in self.checks if ch.compiled.nulls_of and ch.scope == "true"}
        if not counted:
            return set()
        others = []
        for ch in self.checks:
            c = ch.compiled
            if id(ch) in offsets_counted:
                others.append(ch.scope)
                continue
            others += [ch.scope] + (c.aggregates[1:] if c.nulls_of else c.aggregates)
            others += [c.value_column or "", c.separate_query or ""] + list(c.duplicates.columns if c.duplicates else ())
        text = " ".join(others)
        return {col for col in counted if col not in text}

    def _grouped(self) -> dict[str, list[_Check]]:
        """Columns whose costly value checks (regex, LIKE) are judged once per distinct value: the
        column repeats its values (a sample of the rows says so) and every check of it that depends
        on the value alone moves out of the fused scan into one GROUP BY of that column."""
        by_col: dict[str, list[_Check]] = {}
        for check in self.checks:
            c = check.compiled
            if c.value_column and check.scope == "true":
                by_col.setdefault(c.value_column, []).append(check)
        costly = [col for col, checks in by_col.items() if any(ch.compiled.costly for ch in checks)]
        if not costly:
            return {}
        source, rownum = self.numbered  # type: ignore[misc]
        rows = int(self.con.execute(f"SELECT count(*) FROM {source}").fetchone()[0])
        if rows < GROUP_MIN_ROWS:
            return {}
        step = rows // _SLICES
        ranges = " OR ".join(f"{rownum} BETWEEN {i * step} AND {i * step + _SLICE - 1}" for i in range(_SLICES))
        out = {}
        for col in costly:
            once, twice, distinct = self.con.execute(
                f"SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 2), count(*) "
                f"FROM (SELECT {col}, count(*) AS n FROM {source} WHERE {ranges} GROUP BY {col})"
            ).fetchone()
            estimate = distinct + once * (once - 1) / (2 * (twice + 1))  # Chao1: distinct values in all rows
            if estimate * _GROUP_REPEATS <= rows:
                out[col] = by_col[col]
                for check in by_col[col]:
                    check.by_value = True
        return out

    def _run_by_value(self, col: str, checks: list[_Check]) -> None:
        source, rownum = self.numbered  # type: ignore[misc]
        aggregates = []
        for check in checks:
            bad = check.compiled.unexpected_where
            aggregates += [f"sum(__n) FILTER (WHERE {bad})", f"sum(__n) FILTER (WHERE {col} IS NOT NULL)", f"min(__first, {self.sample_size}) FILTER (WHERE {bad})"]
        sql = f"SELECT {', '.join(aggregates)} FROM (SELECT {col}, count(*) AS __n, min({rownum}) AS __first FROM {source} GROUP BY {col})"
        row = self.con.execute(sql, _used(self.params.values, sql) or None).fetchone()
        for i, check in enumerate(checks):
            check.values = [int(row[3 * i] or 0), int(row[3 * i + 1] or 0)]
            check.first_duplicate_rows = sorted(row[3 * i + 2] or [])

    def _integer_ranges(self) -> dict[str, tuple[int, int]]:
        """min/max of the single integer columns of uniqueness checks (Parquet answers from statistics)."""
        cols = []
        for check in self.checks:
            dup = check.compiled.duplicates
            if dup is not None and len(dup.columns) == 1:
                name = _unquote(dup.columns[0])
                if self.types.get(name, "").upper() in _BITMAP_TYPES and dup.columns[0] not in cols:
                    cols.append(dup.columns[0])
        if not cols:
            return {}
        row = self.con.execute(f"SELECT {', '.join(f'min({c}), max({c})' for c in cols)} FROM {self.relation}").fetchone()
        out = {}
        for i, col in enumerate(cols):
            lo, hi = row[2 * i], row[2 * i + 1]
            if lo is not None and hi - lo + 1 <= _BITMAP_MAX_BITS:
                out[col] = (int(lo), int(hi))
        return out

    def _exact_duplicates(self, check: _Check) -> int:
        """GX's count: rows whose value occurs more than once. Zero without a query when the fused
        scan counted as many distinct values as rows."""
        rows, distinct = check.distinct or (0, 0)
        if rows == distinct:
            check.first_duplicate_rows = []
            return 0
        dup = check.compiled.duplicates
        assert dup is not None
        if not self.numbered:
            sql = duplicates_query(self.relation, check.scope, dup)
            return int(self.con.execute(sql, _used(self.params.values, sql) or None).fetchone()[0])
        source, rownum = self.numbered
        keys = ", ".join(dup.columns)
        sql = (
            f"SELECT coalesce(sum(n), 0), min(first_row, {self.sample_size}) FROM (SELECT count(*) AS n, min({rownum}) AS first_row "
            f"FROM {source} WHERE {check.scope} AND {dup.considered} GROUP BY {keys} HAVING count(*) > 1)"
        )
        count, firsts = self.con.execute(sql, _used(self.params.values, sql) or None).fetchone()
        check.first_duplicate_rows = sorted(firsts or [])
        return int(count)

    def _counts_offsets(self, check: _Check) -> bool:
        """This uniqueness check is answered from its column's offsets (``_fetch_offsets``): its one
        aggregate (the rows considered, see ``Duplicates``) and GX's exact count."""
        dup = check.compiled.duplicates
        return (self.duckdb and check.exact_duplicates and dup is not None and len(dup.columns) == 1
                and dup.columns[0] in self.ranges and len(check.compiled.aggregates) == 1)

    def _fetch_offsets(self, check: _Check) -> dict[str, Any]:
        """An integer column of known range as 32-bit offsets from its minimum, one per row in scan
        order (rows not considered hold ``size``, past the range), for ``_count_offsets``.

        A large range is fetched as Arrow (0.07 s for 10M rows, fetchnumpy 0.11 s), a smaller one with
        fetchnumpy, which does not import pyarrow (0.13 s and 25 MB on a first call). A Parquet file's
        rows are numbered by position; a table's rowids may have gaps (deleted rows) and come along."""
        dup = check.compiled.duplicates
        assert dup is not None
        col = dup.columns[0]
        lo, hi = self.ranges[col]
        width = 1 << _BUCKET_BITS
        size = -(-(hi - lo + 1) // width) * width  # whole buckets
        source = self.numbered[0] if self.numbered else self.relation
        by_position = self.numbered is not None and self.numbered[1] == "file_row_number" and self._ordered()
        rowids = f", {self.numbered[1]} AS r" if self.numbered and not by_position else ""
        sql = f"SELECT CASE WHEN {check.scope} AND {dup.considered} THEN CAST({col} - {lo} AS INTEGER) ELSE {size} END AS v{rowids} FROM {source}"
        cursor = self.con.execute(sql, _used(self.params.values, sql) or None)
        if size >= _ARROW_FROM:  # Arrow's extra copy ("Arrow output on a DB-API result") is still cheaper
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = cursor.to_arrow_table()
            got = {name: _integers(table, name) for name in table.column_names}
        else:
            got = cursor.fetchnumpy()
        return {"v": got["v"], "r": got.get("r"), "size": size, "by_position": by_position}

    def _count_offsets(self, check: _Check, fetched: dict[str, Any]) -> int:
        """Rows whose value occurs more than once, from ``_fetch_offsets``'s offsets (numpy only: it runs
        in a thread beside DuckDB).

        The values seen are a boolean array over the range (one scattered write per row: 0.05 s for
        10M rows, where DuckDB's ``bitstring_agg`` in the fused scan took 0.1 s of both cores). With no
        more rows than values seen there are no duplicates. Otherwise the range is cut into buckets of
        ``2**_BUCKET_BITS`` values; a bucket holds a repeated value exactly when it has more rows than
        values seen, and only the rows of those buckets are counted value by value (``np.unique``): a
        few duplicates among 10M rows cost 0.1 s, where a histogram of the whole range took 0.3 s
        (random access to 80 MB). When repeated values are everywhere, the histogram is used."""
        import numpy as np

        size = fetched["size"]
        values = np.asarray(fetched["v"])
        rows = len(values) - int(np.count_nonzero(values == size))
        if size > _SPARSE * len(values):  # few rows over a wide range: sorting them beats an array of the range
            considered = np.flatnonzero(values != size)
            _uniq, inverse, counts = np.unique(values[considered], return_inverse=True, return_counts=True)
            check.distinct = (rows, len(counts))
            return self._repeated(check, fetched, considered[counts[inverse] > 1], int(counts[counts > 1].sum()))
        seen = np.zeros(size + 1, np.bool_)
        seen[values] = True
        seen[size] = False
        check.distinct = (rows, int(np.count_nonzero(seen)))
        if rows == check.distinct[1]:
            check.first_duplicate_rows = []
            return 0
        buckets = size >> _BUCKET_BITS
        distinct_in = seen[:size].reshape(buckets, 1 << _BUCKET_BITS).sum(axis=1)
        of_row = values >> _BUCKET_BITS
        rows_in = np.bincount(of_row, minlength=buckets + 1)
        repeats = np.append(rows_in[:buckets] > distinct_in, False)
        candidates = np.flatnonzero(repeats[of_row])
        if len(candidates) * 4 > len(values):  # repeated values everywhere: one histogram of the range
            counts = np.bincount(values, minlength=size + 1)
            counts[size] = 0
            repeated = counts > 1
            total = int(counts[repeated].sum())
            where = np.flatnonzero(repeated[values])
        else:
            _uniq, inverse, counts = np.unique(values[candidates], return_inverse=True, return_counts=True)
            total = int(counts[counts > 1].sum())
            where = candidates[counts[inverse] > 1]
        return self._repeated(check, fetched, where, total)

    def _repeated(self, check: _Check, fetched: dict[str, Any], where: Any, total: int) -> int:
        """Keep the first rows of ``where`` (positions in scan order of rows with a repeated value)."""
        import numpy as np

        check.first_duplicate_rows = []
        if self.numbered:
            found = where if fetched["by_position"] else np.sort(np.asarray(fetched["r"])[where])
            check.first_duplicate_rows = [int(n) for n in found[: self.sample_size]]
            check.duplicate_rows_exact = True
        return total

    def _ordered(self) -> bool:
        """Results come in scan order (DuckDB's default), so a row's position is its number."""
        if self._ordered_cache is None:
            setting = self.con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
            self._ordered_cache = str(setting).lower() == "true"
        return self._ordered_cache

    def distinct(self, handle: int) -> tuple[int, int] | None:
        """(considered rows, distinct values) of a uniqueness check, when the fused scan counted them."""
        return self.checks[handle].distinct

    def values(self, handle: int) -> list[Any]:
        return list(self.checks[handle].values)

    # -- failing-row examples --------------------------------------------------------------------

    def samples(self, handles: list[int]) -> dict[int, list[tuple[list[str], tuple]]]:
        """The first failing rows of each check in ``handles``: ``{handle: [(columns, row), ...]}``."""
        out: dict[int, list[tuple[list[str], tuple]]] = {}
        wanted: dict[int, list[int]] = {}
        scanned: list[int] = []  # row-level checks: their first failing rows are looked up together
        for h in handles:
            check = self.checks[h]
            c = check.compiled
            if self.numbered and check.by_value:
                wanted[h] = self._rows_with_values(check, (c.value_column,), "true")
            elif self.numbered and c.duplicates is not None and self.duckdb:
                wanted[h] = self._duplicate_rows(check)
            elif self.numbered and c.unexpected_where:
                scanned.append(h)
            elif c.unexpected_where:
                out[h] = self._limit_sample(check)
        wanted.update(self._first_failing_rows(scanned))
        numbers = sorted({int(n) for rows in wanted.values() for n in rows})
        if numbers:
            source, rownum = self.numbered  # type: ignore[misc]
            cols = ", ".join(_quote(c) for c in self.columns)
            cur = self.con.execute(f"SELECT {rownum}, {cols} FROM {source} WHERE {rownum} IN ({', '.join(map(str, numbers))})")
            by_number = {r[0]: tuple(r[1:]) for r in cur.fetchall()}
            for h, rows in wanted.items():
                out[h] = [(self.columns, by_number[n]) for n in rows if n in by_number]
        return out

    def _first_failing_rows(self, handles: list[int]) -> dict[int, list[int]]:
        """Row numbers of the first ``sample_size`` failing rows of each row-level check in ``handles``.

        Failing rows are usually many and early: one query with a LIMIT, in scan order, stops as
        soon as it has them (about 10 ms at 10M rows, where an aggregate over every row took 0.1 s and
        keeping them in the fused scan cost every run, passing or not, 0.08 s). Checks still short of
        rows after it are answered by one aggregate over the rows after the last one it read.
        """
        if not handles:
            return {}
        assert self.numbered is not None
        source, rownum = self.numbered
        n = self.sample_size
        flags = {h: f"({self.checks[h].scope} AND {self.checks[h].compiled.unexpected_where})" for h in handles}
        found: dict[int, list[int]] = {h: [] for h in handles}
        after = ""
        if self._ordered():
            limit = 4 * n * len(handles)
            sql = f"SELECT {rownum}, {', '.join(flags.values())} FROM {source} WHERE {' OR '.join(flags.values())} LIMIT {limit}"
            rows = self.con.execute(sql, _used(self.params.values, sql) or None).fetchall()
            for row in rows:
                for i, h in enumerate(handles):
                    if row[1 + i] and len(found[h]) < n:
                        found[h].append(int(row[0]))
            handles = [h for h in handles if len(found[h]) < n]
            if len(rows) < limit or not handles:
                return found
            after = f"{rownum} > {int(rows[-1][0])} AND "
        aggregates = [f"min(CASE WHEN {flags[h]} THEN {rownum} END, {n - len(found[h])})" for h in handles]
        sql = f"SELECT {', '.join(aggregates)} FROM {source} WHERE {after}({' OR '.join(flags[h] for h in handles)})"
        row = self.con.execute(sql, _used(self.params.values, sql) or None).fetchone()
        for h, got in zip(handles, row):
            found[h] += sorted(int(x) for x in got or [])
        return found

    def _duplicate_rows(self, check: _Check) -> list[int]:
        dup = check.compiled.duplicates
        assert dup is not None
        if check.duplicate_rows_exact:
            return check.first_duplicate_rows or []
        return self._rows_with_values(check, dup.columns, dup.considered)

    def _rows_with_values(self, check: _Check, columns: tuple, considered: str) -> list[int]:
        """Row numbers of the first failing rows when failures are whole values (duplicated, or judged
        per value): they hold the values whose first rows come first (``first_duplicate_rows``; an
        earlier failing row would be the first row of a value of its own), and with five such
        values they all come before the fifth of those first rows."""
        firsts = check.first_duplicate_rows or []
        if not firsts:
            return []
        assert self.numbered is not None
        source, rownum = self.numbered
        picked = self.con.execute(f"SELECT {', '.join(columns)} FROM {source} WHERE {rownum} IN ({', '.join(str(int(n)) for n in firsts)})").fetchall()
        # the values as bound parameters in a plain filter: a filter keeps scan order, so the LIMIT
        # stops at the last row it needs (a join with the values would not keep the order)
        values: dict[str, Any] = {}
        alternatives = []
        for row in picked:
            parts = []
            for col, value in zip(columns, row):
                values[f"v{len(values)}"] = value
                parts.append(f"{col} IS NOT DISTINCT FROM ${'v' + str(len(values) - 1)}")
            alternatives.append("(" + " AND ".join(parts) + ")")
        upto = f" AND {rownum} <= {int(firsts[-1])}" if len(firsts) >= self.sample_size else ""
        order = "" if self._ordered() else f" ORDER BY {rownum}"
        sql = (
            f"SELECT {rownum} FROM {source} WHERE {check.scope} AND {considered} AND {rownum} >= {int(firsts[0])}{upto} "
            f"AND ({' OR '.join(alternatives)}){order} LIMIT {self.sample_size}"
        )
        return sorted(r[0] for r in self.con.execute(sql, {**_used(self.params.values, sql), **values}).fetchall())

    def _limit_sample(self, check: _Check) -> list[tuple[list[str], tuple]]:
        sql = f"SELECT * FROM {self.relation} WHERE {check.scope} AND {check.compiled.unexpected_where} LIMIT {self.sample_size}"
        cur = self.con.execute(sql, _used(self.params.values, sql) or None)
        cols = [d[0] for d in cur.description]
        return [(cols, tuple(row)) for row in cur.fetchall()]


# aggregates that skip NULL inputs: ``agg(x) FILTER (WHERE p)`` is ``agg(CASE WHEN p THEN x END)``
_NULL_SKIPPING = {"count", "min", "max", "avg", "sum", "median", "stddev_samp", "bitstring_agg"}
_FILTER = " FILTER (WHERE "


def without_filter(sql: str) -> str:
    """An aggregate expression with its ``FILTER (WHERE p)`` clauses written as ``CASE WHEN p THEN … END``
    arguments (``count(*)`` counts ``1``), for aggregates that skip NULLs; any other is kept as it is.

    DuckDB evaluates a FILTER clause of an ungrouped aggregate as a selection of its own: a fused
    scan of a dozen checks took 1.9× a plain read of the columns with FILTER clauses and 1.2×
    without (10M rows, benchmarks/RESULTS.md). The compiled checks keep the standard FILTER form
    (exported SQL runs on other engines); the fused scan on DuckDB rewrites it.

    >>> without_filter('count(*) FILTER (WHERE "a" IS NULL) + min("b", 5) FILTER (WHERE true AND "b" > 1)')
    'count(CASE WHEN "a" IS NULL THEN 1 END) + min(CASE WHEN true AND "b" > 1 THEN "b" END, 5)'
    """
    pos = 0
    while True:
        at = _find_outside_quotes(sql, _FILTER, pos)
        if at < 0:
            return sql
        where_end = _matching(sql, at + len(" FILTER "))
        call_start = _matching(sql, at - 1) if at > 0 and sql[at - 1] == ")" else -1
        name_start = call_start
        while name_start > 0 and (sql[name_start - 1].isalnum() or sql[name_start - 1] == "_"):
            name_start -= 1
        name = sql[name_start:call_start].lower() if call_start >= 0 else ""
        if where_end < 0 or name not in _NULL_SKIPPING:
            pos = at + len(_FILTER)
            continue
        pred = sql[at + len(_FILTER) : where_end]
        args = _split_args(sql[call_start + 1 : at - 1])
        first = args[0].strip()
        distinct = first.upper().startswith("DISTINCT ")
        if distinct:
            first = first[len("DISTINCT ") :].strip()
        if pred.strip() != "true":
            first = f"CASE WHEN {pred} THEN {'1' if first == '*' else first} END"
        args[0] = ("DISTINCT " if distinct else "") + first
        new = f"{sql[name_start:call_start]}({', '.join(a.strip() for a in args)})"
        sql = sql[:name_start] + new + sql[where_end + 1 :]
        pos = name_start + len(new)


def _quote_spans(sql: str) -> list[tuple[int, int]]:
    """Where '…' strings and "…" identifiers are (doubled quotes escape)."""
    spans, i = [], 0
    while i < len(sql):
        if sql[i] in "'\"":
            q, j = sql[i], i + 1
            while j < len(sql):
                if sql[j] == q:
                    if j + 1 < len(sql) and sql[j + 1] == q:
                        j += 2
                        continue
                    break
                j += 1
            spans.append((i, j))
            i = j + 1
        else:
            i += 1
    return spans


def _find_outside_quotes(sql: str, text: str, start: int) -> int:
    spans = _quote_spans(sql)
    at = sql.find(text, start)
    while at >= 0 and any(a <= at <= b for a, b in spans):
        at = sql.find(text, at + 1)
    return at


def _matching(sql: str, at: int) -> int:
    """The index of the parenthesis matching the one at ``at`` (-1 if none), outside quotes."""
    spans = _quote_spans(sql)
    step, same = (1, "(") if sql[at] == "(" else (-1, ")")
    depth = 0
    for i in range(at, len(sql) if step == 1 else -1, step):
        if sql[i] not in "()" or any(a <= i <= b for a, b in spans):
            continue
        depth += 1 if sql[i] == same else -1
        if depth == 0:
            return i
    return -1


def _split_args(text: str) -> list[str]:
    """Arguments of a call at top-level commas."""
    spans = _quote_spans(text)
    out, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        if any(a <= i <= b for a, b in spans):
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[last:i])
            last = i + 1
    out.append(text[last:])
    return out


def _beside(work: list[Any]) -> Any:
    """Start the callables in ``work`` in one thread while the caller goes on; returns a function that
    gives their results (and raises what they raised)."""
    if not work:
        return lambda: []
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dp-notebook-checks")
    futures = [pool.submit(fn) for fn in work]
    pool.shutdown(wait=False)
    return lambda: [f.result() for f in futures]


def _integers(table: Any, name: str) -> Any:
    """An Arrow integer column without NULLs as one numpy array, read from its buffers: pyarrow's own
    ``to_numpy`` imports pandas (0.25 s and 45 MB on a first call)."""
    import numpy as np

    parts = []
    for chunk in table.column(name).chunks:
        dtype = np.dtype(str(chunk.type))  # int32 or int64
        parts.append(np.frombuffer(chunk.buffers()[1], dtype=dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize))
    if not parts:
        return np.zeros(0, np.int64)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _used(values: dict[str, Any], sql: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _unquote(sql_name: str) -> str:
    return sql_name[1:-1].replace('""', '"') if sql_name.startswith('"') else sql_name


__all__ = ["Duplicates", "FusedScan", "is_duckdb", "table_row_numbers", "without_filter"]
