"""``validate()``: any data (a file, a DataFrame, a DuckDB relation) against any suite.

The one entry point that can run a suite on either engine: the compiled
DuckDB checks (``checks/run.py``) or Great Expectations itself (``checks/gx.py``,
an optional extra used for parity).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from ..errors import ExpectationError
from .model import Expectation, SuiteResult
from .run import parse_suite, run_suite


def validate(data: Any, expectations: Any, *, engine: str = "duckdb", pii_columns: set[str] | None = None) -> SuiteResult:
    """Check ``data`` (Parquet/CSV/JSON path, pandas DataFrame, DuckDB relation) against a suite.

    ``expectations``: a list of ``{name: {kwargs}}``, a GX suite dict, or a path to suite JSON/YAML.

        >>> import pandas as pd, dp_notebook
        >>> df = pd.DataFrame({"id": [1, 2, None]})
        >>> dp_notebook.validate(df, [{"not_null": {"column": "id"}}]).success
        False
    """
    suite = _load_suite(expectations)
    if engine == "gx":
        from .gx import run_with_gx

        return run_with_gx(data, suite)
    if engine != "duckdb":
        raise ExpectationError(f"unknown engine {engine!r}: use 'duckdb' or 'gx'")
    con = _database().cursor()  # a connection of its own (its registrations are its own)
    con.execute("SET enable_progress_bar = false")  # results, not a progress bar on stdout
    try:
        relation, target = _relation_for(con, data)
        numbered = None
        if relation.startswith("read_parquet(") and not any(ch in relation for ch in "*?["):  # one Parquet file numbers its rows
            numbered = (relation[:-1] + ", file_row_number = true)", "file_row_number")
        return run_suite(con, relation, suite, target=target, pii_columns=set(pii_columns or ()), numbered=numbered)
    finally:
        con.close()


_DATABASE: tuple[int, Any] | None = None
_DATABASE_LOCK = threading.Lock()


def _database() -> Any:
    """The process's in-memory DuckDB database: a call opens a cursor on it (free) instead of a new
    database (20 ms to open and 7 ms to close, a tenth of a 10M-row suite's checks). A forked child
    opens its own: a database is not carried across fork."""
    global _DATABASE
    with _DATABASE_LOCK:
        if _DATABASE is None or _DATABASE[0] != os.getpid():
            import duckdb

            _DATABASE = (os.getpid(), duckdb.connect())
        return _DATABASE[1]


def _load_suite(expectations: Any) -> list[Expectation]:
    if isinstance(expectations, list) and all(isinstance(e, Expectation) for e in expectations):
        return expectations
    if isinstance(expectations, (str, Path)) and Path(expectations).suffix in (".json", ".yaml", ".yml"):
        import json

        from ..spec.yamlpos import safe_load

        from ..errors import SpecError
        from ..files import read_text

        path = Path(expectations)
        try:
            text = read_text(path, "suite")  # unreadable, or not UTF-8: the file and where
        except SpecError as exc:
            raise ExpectationError(str(exc)) from None
        try:
            data = json.loads(text) if path.suffix == ".json" else safe_load(text, source=str(path))
        except ValueError as exc:
            raise ExpectationError(f"suite {path} is not valid JSON: {exc}") from None
        return parse_suite(data, source=str(path))
    return parse_suite(expectations)


def _relation_for(con: Any, data: Any) -> tuple[str, str]:
    import duckdb

    if isinstance(data, (str, Path)):
        path = Path(data).expanduser().resolve()
        readers = {".parquet": "read_parquet", ".csv": "read_csv_auto", ".tsv": "read_csv_auto", ".json": "read_json_auto", ".jsonl": "read_json_auto"}
        reader = readers.get(path.suffix.lower())
        if reader is None:
            raise ExpectationError(f"cannot read {path.name}: use a Parquet, CSV or JSON file")
        if not path.exists() and "*" not in str(path):
            raise ExpectationError(f"no such file: {path}")
        from ..names import literal

        return f"{reader}({literal(path)})", path.name
    if isinstance(data, duckdb.DuckDBPyRelation):
        # a relation may belong to another connection: bring its rows over as Arrow
        table = data.arrow()
        con.register("__validate_data", table.read_all() if hasattr(table, "read_all") else table)
        return "__validate_data", "relation"
    try:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            con.register("__validate_data", data)
            return "__validate_data", "DataFrame"
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    raise ExpectationError(f"validate() takes a file path, a pandas DataFrame or a DuckDB relation, not {type(data).__name__}")
