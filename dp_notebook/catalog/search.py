"""One searchable index of every output port: SQLite, searched by SQL, the one search implementation.

Used by the port browser, ``dp-notebook catalog --search`` and the lab server, so a search gives
the same answer through every door. A catalog directory keeps its index in a file, maintained at
publish time (``catalog/index.py``); a Data Mesh Manager listing is indexed in memory.

A port matches when its text (ids, titles, descriptions, owner, domain, tags, column names,
lower-cased) contains every word of the query, and every filter: ``tag`` (one of its tags),
``pii`` (yes/no) or equality on ``domain``, ``owner``, ``archetype``, ``status``, ``product``.

    >>> idx = PortIndex.in_memory([{"id": "p", "title": "Orders", "outputPorts": [{"id": "orders_v1", "columns": [{"name": "email"}]}]}])
    >>> [e["key"] for e in idx.search("email")]
    ['p.orders_v1']
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

INDEX_FORMAT = 1
_FIELDS = ("key", "product", "port", "title", "owner", "domain", "archetype", "status", "tags", "pii", "description", "location", "columns", "published_at", "checks", "version", "roles")
_EQUAL_FILTERS = ("domain", "owner", "archetype", "status", "product", "port", "location")
_SEP = "\x1f"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, version INTEGER);
CREATE TABLE IF NOT EXISTS ports (
  key TEXT PRIMARY KEY, product TEXT NOT NULL, ord INTEGER NOT NULL, port TEXT, title TEXT, owner TEXT, domain TEXT,
  archetype TEXT, status TEXT, tags TEXT, tagset TEXT, pii INTEGER, description TEXT, location TEXT, columns INTEGER,
  published_at TEXT, checks TEXT, version TEXT, roles TEXT, text TEXT);
CREATE INDEX IF NOT EXISTS ports_by_product ON ports (product, ord);
INSERT OR IGNORE INTO meta VALUES ('format', '{INDEX_FORMAT}');
"""


def port_entries(product: dict[str, Any], checks: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One compact, searchable entry per output port of a product summary."""
    p = product
    checks = checks if checks is not None else (p.get("status_checks") or {})
    out = []
    for port in p.get("outputPorts") or []:
        cols = port.get("columns") or []
        text = " ".join(
            [p["id"], p.get("title") or "", p.get("description") or "", p.get("owner") or "", p.get("domain") or "", " ".join(p.get("tags") or []),
             port["id"], port.get("description") or "", " ".join(port.get("tags") or []), " ".join(str(c.get("name")) for c in cols if isinstance(c, dict))]
        ).lower()
        out.append(
            {
                "key": f"{p['id']}.{port['id']}",
                "product": p["id"],
                "port": port["id"],
                "title": p.get("title") or p["id"],
                "owner": p.get("owner") or "",
                "domain": p.get("domain") or p.get("owner") or "",
                "archetype": p.get("archetype") or "",
                "status": p.get("status") or "",
                "tags": sorted(set(p.get("tags") or []) | set(port.get("tags") or [])),
                "pii": bool(port.get("containsPii")),
                "description": port.get("description") or p.get("description") or "",
                "location": port.get("location") or "",
                "columns": len(cols),
                "published_at": p.get("published_at") or "",
                "checks": checks,
                "version": str(port.get("version") or ""),
                "roles": list(port.get("rolesAllowed") or []),
                "_text": text,
            }
        )
    return out


class PortIndex:
    """Every output port, searchable. ``PortIndex.in_memory(products)`` or ``PortIndex.open(file)``."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        # a Data Mesh Manager listing is indexed by a background thread while the browser reads it
        self.lock = threading.RLock()

    @classmethod
    def in_memory(cls, products: list[dict[str, Any]] = ()) -> PortIndex:
        idx = cls(sqlite3.connect(":memory:", check_same_thread=False))
        idx.con.executescript(_SCHEMA)
        with idx.con:
            idx.put_many(products)
        return idx

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> PortIndex:
        """An index file (``sqlite3.DatabaseError`` if it is not one; the caller rebuilds it)."""
        if not create and not Path(path).is_file():
            raise FileNotFoundError(path)
        con = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False)
        if create:
            con.executescript(_SCHEMA)
        fmt = con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if fmt is None or fmt[0] != str(INDEX_FORMAT):
            con.close()
            raise sqlite3.DatabaseError(f"index format {fmt[0] if fmt else 'unknown'}, expected {INDEX_FORMAT}")
        return cls(con)

    def close(self) -> None:
        self.con.close()

    # -- writing (inside a transaction: ``with index.con:``) -----------------------------------------
    def put(self, product: dict[str, Any], *, version: Any = None, checks: dict[str, Any] | None = None) -> None:
        """Replace ``product``'s ports (its summary) in the index."""
        self.drop(product["id"])
        self.put_many([product], versions={product["id"]: version}, checks={product["id"]: checks})

    def put_many(self, products: Any, *, versions: dict[str, Any] | None = None, checks: dict[str, Any] | None = None) -> None:
        """Add products not in the index yet (one batch: building a whole index)."""
        rows, done = [], []
        texts: dict[Any, str] = {}  # tag and role lists repeat across ports: each encoded once
        for product in products:
            version = (versions or {}).get(product["id"], product.get("catalog_version"))
            rows += self._rows(product, (checks or {}).get(product["id"]), texts)
            done.append((product["id"], int(version) if version is not None else None))
        with self.lock:
            self.con.executemany(f"INSERT OR REPLACE INTO ports VALUES ({', '.join('?' * 20)})", rows)
            self.con.executemany("INSERT OR REPLACE INTO products VALUES (?, ?)", done)

    @staticmethod
    def _rows(product: dict[str, Any], checks: dict[str, Any] | None, texts: dict[Any, str] | None = None) -> list[tuple]:
        texts = {} if texts is None else texts

        def encoded(values: list[str]) -> str:
            key = tuple(values)
            if key not in texts:
                texts[key] = json.dumps(values)
            return texts[key]

        rows = []
        entries = port_entries(product, checks)
        checks_text = json.dumps(entries[0]["checks"], default=str) if entries else "{}"  # one per product
        for i, e in enumerate(entries):
            tagset = _SEP + _SEP.join(e["tags"]) + _SEP
            rows.append((e["key"], e["product"], i, e["port"], e["title"], e["owner"], e["domain"], e["archetype"], e["status"], encoded(e["tags"]), tagset,
                         int(e["pii"]), e["description"], e["location"], e["columns"], e["published_at"], checks_text, e["version"],
                         encoded(e["roles"]), e["_text"]))
        return rows

    def drop(self, product_id: str) -> None:
        self.con.execute("DELETE FROM ports WHERE product = ?", (product_id,))
        self.con.execute("DELETE FROM products WHERE id = ?", (product_id,))

    def versions(self) -> dict[str, int | None]:
        return dict(self.con.execute("SELECT id, version FROM products").fetchall())

    def get_meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- reading ---------------------------------------------------------------------------------------
    def search(self, query: str = "", *, limit: int | None = None, offset: int = 0, **filters: Any) -> list[dict[str, Any]]:
        """Entries whose text contains every word of ``query`` and that match every filter, in catalog order."""
        where, args = _where(query, filters)
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
        with self.lock:
            rows = self.con.execute(f"SELECT {', '.join(_FIELDS)} FROM ports WHERE {where} ORDER BY product, ord{page}", args).fetchall()
        return [_entry(row) for row in rows]

    def page(self, query: str = "", *, limit: int, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        """The first ``limit`` matching entries and how many match, in one pass over the index."""
        where, args = _where(query, filters)
        with self.lock:
            rows = self.con.execute(f"SELECT {', '.join(_FIELDS)}, count(*) OVER () FROM ports WHERE {where} ORDER BY product, ord LIMIT {int(limit)}", args).fetchall()
        return [_entry(row[:-1]) for row in rows], (rows[0][-1] if rows else 0)

    def count(self, query: str = "", **filters: Any) -> int:
        where, args = _where(query, filters)
        with self.lock:
            return int(self.con.execute(f"SELECT count(*) FROM ports WHERE {where}", args).fetchone()[0])

    def products_count(self) -> int:
        with self.lock:
            return int(self.con.execute("SELECT count(*) FROM products").fetchone()[0])

    def facets(self) -> dict[str, list[str]]:
        """The values the filters can take."""
        with self.lock:
            out = {key: [r[0] for r in self.con.execute(f"SELECT DISTINCT {key} FROM ports WHERE {key} <> '' ORDER BY 1")] for key in ("domain", "archetype", "status")}
            tag_lists = self.con.execute("SELECT DISTINCT tags FROM ports WHERE tags <> '[]'").fetchall()
        tags = set()
        for (text,) in tag_lists:
            tags.update(json.loads(text))
        return {"domain": out["domain"], "tag": sorted(tags), "archetype": out["archetype"], "status": out["status"]}

    def __len__(self) -> int:
        with self.lock:
            return int(self.con.execute("SELECT count(*) FROM ports").fetchone()[0])


def _where(query: str, filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses, args = ["1"], []
    for word in query.lower().split():
        clauses.append("instr(text, ?) > 0")
        args.append(word)
    for key, want in filters.items():
        if want in (None, "", "any"):
            continue
        if key == "tag":
            clauses.append("instr(tagset, ?) > 0")
            args.append(_SEP + str(want) + _SEP)
        elif key == "pii":
            clauses.append("pii = ?")
            args.append(int(want in (True, "yes", "true")))
        elif key in _EQUAL_FILTERS:
            clauses.append(f"{key} = ?")
            args.append(str(want))
        else:
            clauses.append("0")  # no port has an unknown field
    return " AND ".join(clauses), args


def _entry(row: tuple) -> dict[str, Any]:
    e = dict(zip(_FIELDS, row))
    e["tags"], e["checks"], e["roles"] = json.loads(e["tags"]), json.loads(e["checks"]), json.loads(e["roles"])
    e["pii"] = bool(e["pii"])
    return e


# the former list-based API, kept for callers with a list of summaries at hand
def build_index(products: list[dict[str, Any]]) -> PortIndex:
    """An in-memory index of ``products`` (summaries)."""
    return PortIndex.in_memory(products)


def search_index(index: PortIndex, query: str = "", **filters: Any) -> list[dict[str, Any]]:
    """``index.search(query, **filters)``."""
    return index.search(query, **filters)
