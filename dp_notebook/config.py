"""Project settings meant for version control: ``dp-notebook.yaml`` beside the notebooks.

    engine: duckdb                 # or spark, or {name: spark, master: local[4] | remote: sc://…, conf: {…}}
    catalog: ../catalog            # catalog directory (default: <workspace>/catalog)
    publish_to: https://dmm.example.com   # default target of `publish` (else the catalog)
    role: analyst                  # role used by `use` when --role is not given
    price_model: {compute_per_hour: 0.20, storage_per_gb_month: 0.023, currency: EUR}
    policies: {...}                # see dp_notebook.policies
    duckdb: {memory_limit: 4GB, threads: 2}   # settings for every workspace connection

Environment variables win over the file: ``DP_NOTEBOOK_HOME`` (the ``.dp``
workspace directory), ``DP_NOTEBOOK_CATALOG``, ``DP_NOTEBOOK_PUBLISH_TO``,
``DP_NOTEBOOK_ROLE``, ``DP_NOTEBOOK_ENGINE`` (and ``DP_NOTEBOOK_SPARK_MASTER``/``…_REMOTE``). Relative paths resolve against the file's folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SpecError

CONFIG_NAME = "dp-notebook.yaml"
_KNOWN = {"engine", "catalog", "publish_to", "role", "price_model", "policies", "workspace", "lock_timeout", "duckdb"}


@dataclass
class Config:
    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def path_value(self, key: str) -> Path | None:
        value = self.data.get(key)
        if not value:
            return None
        p = Path(str(value)).expanduser()
        if not p.is_absolute() and self.path is not None:
            p = self.path.parent / p
        return p.resolve()

    @property
    def role(self) -> str | None:
        return os.environ.get("DP_NOTEBOOK_ROLE") or self.data.get("role")

    @property
    def publish_to(self) -> str | None:
        env = os.environ.get("DP_NOTEBOOK_PUBLISH_TO")
        if env:
            return env
        value = self.data.get("publish_to")
        if value and "://" not in str(value):
            return str(self.path_value("publish_to"))
        return value


def git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (where searches upwards stop)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def find_config(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest ``dp-notebook.yaml`` from ``start`` upwards, stopping at the git root."""
    here = Path(start or os.getcwd()).resolve()
    stop = git_root(here)
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if folder == stop:
            break
    return None


def load_config(start: str | os.PathLike | None = None) -> Config:
    """Read the nearest ``dp-notebook.yaml`` (an empty config when there is none)."""
    path = find_config(start)
    if path is None:
        return Config()
    from .spec.yamlpos import load_yaml

    data, positions = load_yaml(path.read_text(encoding="utf-8"), source=str(path))
    if data is None:
        return Config(path, {})
    if not isinstance(data, dict):
        raise SpecError("dp-notebook.yaml must be a mapping of settings", source=str(path), line=1)
    for key in data:
        if key not in _KNOWN:
            line, col = positions.key((key,)) or (None, None)
            known = ", ".join(sorted(_KNOWN))
            raise SpecError(f"unknown setting {key!r} (known: {known})", source=str(path), line=line, column=col, path=str(key))
    return Config(path, data)
