"""Data diffs: what a change does to a port's rows, before (or after) consumers see it.

    old rows, new rows, key ──► row counts · added / removed / changed by key · changes per column
                               · numeric distributions (old vs new) · a sample of changed rows (PII masked)

``compare`` runs on any connection that takes DuckDB SQL (the DuckDB engine's, or
Spark's through sqlglot): one FULL OUTER JOIN on the key answers the counts and
the per-column changes in a single aggregate, a second pass picks the sample, and
one aggregate per side gives the distributions of numeric columns — so a diff of
two 10M-row versions costs about one join, spilled to disk by DuckDB when it does
not fit in memory. Without a key (no ``primaryKey``/``unique`` column, no
incremental ``uniqueKey``) rows are compared as a multiset: added and removed
rows, no "changed".

The key of a port is ``OutputPort.key_columns``. Callers name the two sides as
SQL relations (``DataProduct.data_diff`` picks them: the transform's staged rows,
the served view, a kept version, the published snapshot).

    >>> diff = compare(con, "old_t", "new_t", key=["id"], target="t")   # doctest: +SKIP
    >>> diff.added, diff.removed, diff.changed                          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import SQLError
from .names import quote

_MASK = "***"
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")


@dataclass
class ColumnDiff:
    """One column: how many matched rows changed it, and (numbers) its distribution on both sides."""

    name: str
    type: str
    changed: int | None = None
    old: dict[str, Any] | None = None  # {count, nulls, min, p25, median, p75, max, mean}
    new: dict[str, Any] | None = None
    mean_delta: float | None = None  # average new - old over the rows where it changed
    pii: bool = False


@dataclass
class DataDiff:
    """The difference between two versions of a port's rows (see the module docstring)."""

    target: str
    old_label: str
    new_label: str
    key: list[str]
    rows_old: int
    rows_new: int
    added: int
    removed: int
    changed: int | None
    columns: list[ColumnDiff] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    removed_columns: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)  # {"change": added|removed|changed, "key": {...}, "values": {col: [old, new]}}
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def success(self) -> bool:
        return True

    @property
    def unchanged(self) -> int:
        return self.rows_new - self.added - (self.changed or 0)

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed or self.added_columns or self.removed_columns)

    def headline(self) -> str:
        """``+12 added, −3 removed, ~40 changed (1,000 → 1,009 rows)``."""
        if self.identical:
            return f"no changes ({self.rows_new:,} rows)"
        parts = [f"+{self.added:,} added", f"−{self.removed:,} removed"]
        if self.changed is not None:
            parts.append(f"~{self.changed:,} changed")
        return f"{', '.join(parts)} ({self.rows_old:,} → {self.rows_new:,} rows)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "target": self.target,
            "old": self.old_label,
            "new": self.new_label,
            "key": list(self.key),
            "rows_old": self.rows_old,
            "rows_new": self.rows_new,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "added_columns": self.added_columns,
            "removed_columns": self.removed_columns,
            "columns": [vars(c) for c in self.columns],
            "sample": self.sample,
            "notes": self.notes,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    # -- rendering ---------------------------------------------------------------------------------
    def _column_rows(self) -> list[list[Any]]:
        rows = []
        for c in self.columns:
            if c.old is None and c.new is None and not c.changed:
                rows.append([c.name, c.type, _n(c.changed), "", "", ""])
                continue
            rows.append([c.name, c.type, _n(c.changed), _dist(c.old), _dist(c.new), "" if c.mean_delta is None else _num(c.mean_delta)])
        return rows

    def _sample_rows(self) -> tuple[list[str], list[list[Any]]]:
        head = ["change", *self.key, "column", "old", "new"]
        rows = []
        for s in self.sample:
            keyvals = [s["key"].get(k) for k in self.key]
            values = s.get("values") or {}
            if not values:
                rows.append([s["change"], *keyvals, "", "", ""])
            for i, (col, (old, new)) in enumerate(values.items()):
                rows.append([s["change"] if i == 0 else "", *(keyvals if i == 0 else [""] * len(keyvals)), col, old, new])
        return head, rows

    def __str__(self) -> str:
        from .render.html import text_table

        lines = [f"data diff of {self.target}: {self.old_label} → {self.new_label}: {self.headline()}"]
        lines.append(f"  compared by key {', '.join(self.key)}" if self.key else "  no key (primaryKey/unique column): rows compared as a whole, changes show as removed + added")
        if self.added_columns or self.removed_columns:
            lines.append(f"  columns added: {', '.join(self.added_columns) or '-'}; removed: {', '.join(self.removed_columns) or '-'}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.columns and not self.identical:
            lines.append(text_table(["column", "type", "changed", "old (min/median/max, mean)", "new", "mean Δ"], self._column_rows()))
        if self.sample:
            head, rows = self._sample_rows()
            lines.append("sample of the differences (PII masked):")
            lines.append(text_table(head, rows))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render.bundle import mimebundle
        from .render.html import badge, card, esc, table

        kind = "ok" if self.identical else "warn"
        head = f"<h4>Data diff <code>{esc(self.target)}</code> {badge('no changes' if self.identical else 'changes', kind)}</h4>"
        head += f'<div class="dpn-muted">{esc(self.old_label)} → {esc(self.new_label)}</div>'
        counts = [["rows", f"{self.rows_old:,}", f"{self.rows_new:,}"]]
        stats = table(["", "old", "new"], counts, numeric=(1, 2))
        summary = f"<div><b>{esc(self.headline())}</b>" + (f" · by key <code>{esc(', '.join(self.key))}</code>" if self.key else " · no key: rows compared as a whole") + "</div>"
        notes = "".join(f'<div class="dpn-muted">{esc(n)}</div>' for n in self.notes)
        if self.added_columns or self.removed_columns:
            notes += f'<div>columns added: {esc(", ".join(self.added_columns) or "-")}; removed: {esc(", ".join(self.removed_columns) or "-")}</div>'
        cols = ""
        if self.columns and not self.identical:
            cols = "<details open><summary>Columns</summary>" + table(["column", "type", "changed", "old (min / median / max, mean)", "new", "mean Δ"], self._column_rows()) + "</details>"
        sample = ""
        if self.sample:
            h, rows = self._sample_rows()
            sample = "<details><summary>Sample of the differences (PII masked)</summary>" + table(h, rows) + "</details>"
        return mimebundle("datadiff", self.to_dict(), card(head + summary + stats + notes + cols + sample), str(self))


def _n(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _dist(d: dict[str, Any] | None) -> str:
    if not d:
        return ""
    return f"{_num(d.get('min'))} / {_num(d.get('median'))} / {_num(d.get('max'))}, mean {_num(d.get('mean'))}"


def is_numeric(col_type: str) -> bool:
    return col_type.upper().split("(")[0] in _NUMERIC


def compare(
    con: Any,
    old: str | None,
    new: str,
    *,
    target: str,
    key: list[str] | None = None,
    pii: set[str] | frozenset[str] = frozenset(),
    sample: int = 10,
    old_label: str = "served",
    new_label: str = "new",
) -> DataDiff:
    """The diff of relation ``new`` against ``old`` (None: nothing yet) by ``key`` (see the module docstring)."""
    import time

    started = time.perf_counter()
    new_cols = _describe(con, new)
    if old is None:
        rows_new, new_stats = _stats(con, new, [c for c, t in new_cols if is_numeric(t)])
        diff = DataDiff(target, old_label, new_label, list(key or []), 0, rows_new, rows_new, 0, 0 if key else None, notes=["nothing served yet: every row is new"])
        diff.columns = [ColumnDiff(c, t, None, None, new_stats.get(c), pii=c in pii) for c, t in new_cols]
        diff.elapsed_s = time.perf_counter() - started
        return diff
    old_cols = _describe(con, old)
    old_types = dict(old_cols)
    common = [(c, t) for c, t in new_cols if c in old_types]
    key = [k for k in (key or []) if k in old_types and k in dict(new_cols)]
    compared = [(c, t) for c, t in common if c not in key]
    numeric = [c for c, t in compared if is_numeric(t) and is_numeric(old_types[c])]
    (rows_old, old_stats), (rows_new, new_stats) = _stats(con, old, numeric), _stats(con, new, numeric)
    diff = DataDiff(
        target, old_label, new_label, key, rows_old, rows_new, 0, 0, None,
        added_columns=[c for c, _ in new_cols if c not in old_types], removed_columns=[c for c, _ in old_cols if c not in dict(new_cols)],
    )
    sample_keys: list[Any] = []
    if key:
        try:  # DuckDB picks the sample's keys in the same join
            sample_keys = _keyed(con, old, new, key, compared, numeric, diff, sample if sample > 0 else 0)
        except SQLError:  # engines without min(x, n) (Spark): counts here, the sample in its own pass
            diff.columns.clear()
            _keyed(con, old, new, key, compared, numeric, diff)
    else:
        _multiset(con, old, new, [c for c, _ in common], diff)
    by_name = {c.name: c for c in diff.columns}
    diff.columns = [
        ColumnDiff(c, t if t == old_types[c] else f"{old_types[c]} → {t}", by_name[c].changed if c in by_name else None, old_stats.get(c), new_stats.get(c), by_name[c].mean_delta if c in by_name else None, c in pii)
        for c, t in common if c not in key
    ]
    if sample > 0 and not diff.identical:
        if sample_keys:
            diff.sample = _sample_by_keys(con, old, new, key, [c for c, _ in common], pii, sample_keys)
        else:
            diff.sample = _sample(con, old, new, key, [c for c, _ in common], pii, sample)
    diff.elapsed_s = time.perf_counter() - started
    return diff


def _describe(con: Any, relation: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _stats(con: Any, relation: str, columns: list[str]) -> tuple[int, dict[str, dict[str, Any]]]:
    """The row count, and nulls, min, max, mean (exact) and quartiles of numeric columns.

    The quartiles come from a reservoir sample of 100,000 rows: exact quantiles of 10M rows cost
    more than the whole diff, and a distribution is read at this precision anyway.
    """
    parts = ["count(*)"]
    for c in columns:
        q = quote(c)
        parts += [f"count({q})", f"count(*) - count({q})", f"min({q})", f"max({q})", f"avg({q})"]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchone()
    quartiles: dict[str, list[Any]] = {}
    if columns:
        qs = ", ".join(f"quantile_cont({quote(c)}, 0.25), quantile_cont({quote(c)}, 0.5), quantile_cont({quote(c)}, 0.75)" for c in columns)
        cols = ", ".join(quote(c) for c in columns)
        try:
            got = con.execute(f"SELECT {qs} FROM (SELECT {cols} FROM {relation} USING SAMPLE 100000 ROWS) AS s").fetchone()
            quartiles = {c: list(got[i * 3 : i * 3 + 3]) for i, c in enumerate(columns)}
        except SQLError:  # no reservoir sample in the engine's SQL (Spark): min, max and mean only
            quartiles = {}
    out = {}
    for i, c in enumerate(columns):
        count, nulls, lo, hi, mean = row[1 + i * 5 : 1 + i * 5 + 5]
        p25, median, p75 = quartiles.get(c, [None] * 3)
        out[c] = {k: _plain(v) for k, v in (("count", count), ("nulls", nulls), ("min", lo), ("p25", p25), ("median", median), ("p75", p75), ("max", hi), ("mean", mean))}
    return int(row[0]), out


def _plain(v: Any) -> Any:
    import decimal

    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def _join(old: str, new: str, key: list[str], columns: list[str]) -> str:
    keys = ", ".join(quote(k) for k in key)
    cols = ", ".join(quote(c) for c in columns)
    sel = f"{keys}{', ' if cols else ''}{cols}"
    on = " AND ".join(f"o.{quote(k)} = n.{quote(k)}" for k in key)
    return f"(SELECT {sel}, true AS __dp_o FROM {old}) AS o FULL OUTER JOIN (SELECT {sel}, true AS __dp_n FROM {new}) AS n ON {on}"


def _keyed(con: Any, old: str, new: str, key: list[str], compared: list[tuple[str, str]], numeric: list[str], diff: DataDiff, sample: int = 0) -> list[Any]:
    """Counts and per-column changes in one join; with ``sample``, the first keys of each kind of difference too."""
    both = "o.__dp_o AND n.__dp_n"
    distinct = [f"o.{quote(c)} IS DISTINCT FROM n.{quote(c)}" for c, _ in compared]
    any_change = " OR ".join(distinct) or "false"
    aggs = [
        "count(*) FILTER (WHERE o.__dp_o IS NULL)",
        "count(*) FILTER (WHERE n.__dp_n IS NULL)",
        f"count(*) FILTER (WHERE {both} AND ({any_change}))",
        f"count(*) FILTER (WHERE {both})",
    ]
    keys: list[Any] = []
    if sample:
        k = f"coalesce(o.{quote(key[0])}, n.{quote(key[0])})" if len(key) == 1 else "struct_pack(" + ", ".join(f"{quote(x)} := coalesce(o.{quote(x)}, n.{quote(x)})" for x in key) + ")"
        keys = [f"min({k}, {int(sample)}) FILTER (WHERE {cond})" for cond in ("o.__dp_o IS NULL", "n.__dp_n IS NULL", f"{both} AND ({any_change})")]
    for (c, _), d in zip(compared, distinct):
        aggs.append(f"count(*) FILTER (WHERE {both} AND {d})")
        if c in numeric:
            aggs.append(f"avg(CAST(n.{quote(c)} AS DOUBLE) - CAST(o.{quote(c)} AS DOUBLE)) FILTER (WHERE {both} AND {d})")
    row = con.execute(f"SELECT {', '.join(aggs + keys)} FROM {_join(old, new, key, [c for c, _ in compared])}").fetchone()
    diff.added, diff.removed, diff.changed, matched = (int(v or 0) for v in row[:4])
    found = list(row[len(aggs):]) if keys else []
    if matched + diff.removed != diff.rows_old or matched + diff.added != diff.rows_new:
        diff.notes.append(f"the key {', '.join(key)} is not unique on both sides: rows sharing a key were paired with each other, so counts are by pair")
    pos = 4
    for c, t in compared:
        changed = int(row[pos] or 0)
        pos += 1
        delta = None
        if c in numeric:
            delta = row[pos]
            pos += 1
        diff.columns.append(ColumnDiff(c, t, changed, mean_delta=None if delta is None else float(delta)))
    return found


def _multiset(con: Any, old: str, new: str, columns: list[str], diff: DataDiff) -> None:
    """Rows as a multiset (a row hash with its multiplicity): added and removed rows, no "changed"."""
    cols = ", ".join(quote(c) for c in columns)
    row = con.execute(
        f"SELECT coalesce(sum(CASE WHEN d > 0 THEN d ELSE 0 END), 0), coalesce(sum(CASE WHEN d < 0 THEN -d ELSE 0 END), 0) FROM ("
        f"SELECT h, sum(s) AS d FROM (SELECT hash({cols}) AS h, 1 AS s FROM {new} UNION ALL SELECT hash({cols}) AS h, -1 AS s FROM {old}) AS u GROUP BY h) AS g"
    ).fetchone()
    diff.added, diff.removed = int(row[0]), int(row[1])
    diff.changed = None


def _masked(col: str, v: Any, pii: set[str] | frozenset[str]) -> Any:
    if v is None:
        return None
    if col in pii:
        return _MASK
    return v if isinstance(v, (bool, int, float, str)) else str(v)


def _sample_by_keys(con: Any, old: str, new: str, key: list[str], columns: list[str], pii: set[str] | frozenset[str], found: list[Any]) -> list[dict[str, Any]]:
    """The rows of the keys the join picked (added, removed, changed), read by key from each side."""
    show = [c for c in columns if c not in key]
    wanted = [(kind, k) for kind, ks in zip(("added", "removed", "changed"), found) for k in (ks or [])]
    if not wanted:
        return []
    as_tuple = (lambda k: (k,)) if len(key) == 1 else (lambda k: tuple(k[x] for x in key))
    keyexpr = quote(key[0]) if len(key) == 1 else "struct_pack(" + ", ".join(f"{quote(x)} := {quote(x)}" for x in key) + ")"
    cols = ", ".join(quote(c) for c in [*key, *show])
    rows: dict[str, dict[tuple, tuple]] = {}
    for side, relation in (("old", old), ("new", new)):
        got = con.execute(f"SELECT {cols} FROM {relation} WHERE list_contains(?, {keyexpr})", [[k for _, k in wanted]]).fetchall()
        rows[side] = {tuple(r[: len(key)]): tuple(r[len(key) :]) for r in got}
    out = []
    for kind, k in wanted:
        t = as_tuple(k)
        o, n = rows["old"].get(t), rows["new"].get(t)
        if kind == "changed" and o is not None and n is not None:
            values = {c: [_masked(c, a, pii), _masked(c, b, pii)] for c, a, b in zip(show, o, n) if a != b}
        elif kind == "added" and n is not None:
            values = {c: [None, _masked(c, b, pii)] for c, b in zip(show, n)}
        elif o is not None:
            values = {c: [_masked(c, a, pii), None] for c, a in zip(show, o)}
        else:
            continue
        out.append({"change": kind, "key": {x: _masked(x, v, pii) for x, v in zip(key, t)}, "values": values})
    return out


def _sample(con: Any, old: str, new: str, key: list[str], columns: list[str], pii: set[str] | frozenset[str], limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` differences of each kind, PII columns masked."""
    show = [c for c in columns if c not in key]

    def value(col: str, v: Any) -> Any:
        if v is None:
            return None
        if col in pii:
            return _MASK
        return v if isinstance(v, (bool, int, float, str)) else str(v)

    out: list[dict[str, Any]] = []
    if key:
        distinct = " OR ".join(f"o.{quote(c)} IS DISTINCT FROM n.{quote(c)}" for c in show) or "false"
        kind = "CASE WHEN o.__dp_o IS NULL THEN 'added' WHEN n.__dp_n IS NULL THEN 'removed' ELSE 'changed' END"
        keys = [f"coalesce(o.{quote(k)}, n.{quote(k)})" for k in key]
        select = ", ".join([f"{kind} AS __kind"] + keys + [f"o.{quote(c)}" for c in show] + [f"n.{quote(c)}" for c in show])
        # the first rows by key of each kind: a stable sample (and Spark wants ordered windows)
        rows = con.execute(
            f"SELECT * FROM (SELECT {select}, row_number() OVER (PARTITION BY {kind} ORDER BY {', '.join(keys)}) AS __rn FROM {_join(old, new, key, show)} "
            f"WHERE o.__dp_o IS NULL OR n.__dp_n IS NULL OR ({distinct})) AS d WHERE __rn <= {int(limit)} ORDER BY __kind, __rn"
        ).fetchall()
        nk, ns = len(key), len(show)
        for r in rows:
            change = r[0]
            keyvals = {k: value(k, v) for k, v in zip(key, r[1 : 1 + nk])}
            olds, news = r[1 + nk : 1 + nk + ns], r[1 + nk + ns : 1 + nk + 2 * ns]
            if change == "changed":
                values = {c: [value(c, o), value(c, n)] for c, o, n in zip(show, olds, news) if o != n}
            elif change == "added":
                values = {c: [None, value(c, n)] for c, n in zip(show, news)}
            else:
                values = {c: [value(c, o), None] for c, o in zip(show, olds)}
            out.append({"change": change, "key": keyvals, "values": values})
        return out
    cols = ", ".join(quote(c) for c in columns)
    for change, left, right in (("added", new, old), ("removed", old, new)):
        rows = con.execute(f"SELECT {cols} FROM (SELECT {cols} FROM {left} EXCEPT ALL SELECT {cols} FROM {right}) AS d LIMIT {int(limit)}").fetchall()
        for r in rows:
            values = {c: ([None, value(c, v)] if change == "added" else [value(c, v), None]) for c, v in zip(columns, r)}
            out.append({"change": change, "key": {}, "values": values})
    return out


def published_diffs(catalog_dir: Any, spec: Any, data: dict[str, Any], pii: dict[str, set[str]], sample: int = 5) -> list[DataDiff]:
    """Each port's rows about to be published (Parquet snapshots in ``data``) against the catalog's current ones.

    Engine-agnostic: both sides are Parquet files, compared in an in-memory DuckDB. Ports never
    published before are skipped (everything is new); so is a catalog that does not exist yet.
    """
    import duckdb

    from .catalog import Catalog
    from .errors import DataProductError
    from .names import literal

    try:
        catalog = Catalog.open(catalog_dir)
        version = catalog.current_version(spec.id)
    except (DataProductError, OSError):
        return []
    if not version:
        return []
    out = []
    con = duckdb.connect()
    try:
        for port in spec.outputPorts:
            if port.id not in data:
                continue
            try:
                old_path = catalog.port_snapshot(spec.id, port.id)
            except (DataProductError, OSError):
                continue
            if not old_path.is_file():
                continue
            old = f"read_parquet({literal(str(old_path))})"
            new = f"read_parquet({literal(str(data[port.id]))})"
            out.append(compare(con, old, new, target=port.id, key=port.key_columns, pii=pii.get(port.id, set()), sample=sample, old_label=f"published (catalog version {version})", new_label="to publish"))
    finally:
        con.close()
    return out
