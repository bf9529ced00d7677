"""``{{name}}`` parameters: bound by the engine, never pasted into SQL.

    >>> render_params("SELECT * FROM t WHERE n > {{n}} AND s = '{{x}}'", {"n": 3})
    ("SELECT * FROM t WHERE n > $n AND s = '{{x}}'", {'n': 3})

Values come from ``--param name=value`` (a JSON scalar, else text), then from
the notebook's namespace (so papermill parameters just work), else
``ParameterError``. Text inside string literals and comments is left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .errors import ParameterError

_PARAM = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_MISSING = object()


def parse_param_args(items: list[str] | None) -> dict[str, Any]:
    """``["k=v", "n=3"]`` → ``{"k": "v", "n": 3}``: a JSON scalar, else the text."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise ParameterError(f"--param {item!r}: write --param name=value")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        if isinstance(parsed, (dict, list)):
            parsed = value
        out[key.strip()] = parsed
    return out


def render_params(sql: str, params: dict[str, Any] | None = None, namespace: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Replace ``{{name}}`` by ``$name`` outside strings and comments; values from params, then namespace.

    Values are bound by DuckDB, never pasted into the SQL text.
    """
    params = params or {}
    namespace = namespace or {}
    values: dict[str, Any] = {}
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside a literal
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i : j + 1])
            i = j + 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
            continue
        m = _PARAM.match(sql, i)
        if m:
            name = m.group(1)
            value = params.get(name, _MISSING)
            if value is _MISSING:
                value = namespace.get(name, _MISSING)
            if value is _MISSING:
                raise ParameterError(
                    f"no value for {{{{{name}}}}}: pass --param {name}=VALUE or define a variable '{name}' in the notebook"
                )
            values[name] = bindable(value)
            out.append(f"${name}")
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out), values


def bindable(value: Any) -> Any:
    # numpy/pandas scalars bind as their Python values
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def sql_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()
