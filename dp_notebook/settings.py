"""Settings: resolved once per workspace, so the notebook, the CLI and the API cannot disagree.

Precedence: the environment, then ``dp-notebook.yaml`` beside the workspace,
then defaults. Nothing else in dp-notebook reads ``os.environ`` or the working
directory: every stage gets its settings from the workspace it works in.

``dp-notebook.yaml`` (meant for version control, beside the notebooks)::

    engine: duckdb                 # or spark, or {name: spark, master: local[4] | remote: sc://…, conf: {…}}
    catalog: ../catalog            # catalog directory (default: <workspace>/catalog)
    publish_to: https://dmm.example.com   # default target of `publish` (else the catalog)
    role: analyst                  # role used by `use` when --role is not given
    price_model: {compute_per_hour: 0.20, storage_per_gb_month: 0.023, currency: EUR}
    policies: {...}                # see dp_notebook.policies
    duckdb: {memory_limit: 4GB, threads: 2}   # settings for every workspace connection
    lock_timeout: 10               # seconds to wait for another process's DuckDB lock
    redact_key_file: ~/.config/dp-notebook/redact.key   # where redaction's HMAC key is (never the key itself)
    keep_versions: 2               # versions of each port kept for rollback (the served one included)
    check_timeout: 600             # seconds one query of a spec's SQL check (SLO, ODCS sql rule) may run (default: no limit)

It is found by walking up from the workspace's folder (the folder holding
``.dp/``) to the git root — never from the current directory — so one
workspace always reads one file. Relative paths in it resolve against its
folder.

Environment variables: ``DP_NOTEBOOK_HOME`` (the ``.dp`` directory),
``DP_NOTEBOOK_CONFIG`` (the settings file), ``DP_NOTEBOOK_CATALOG``,
``DP_NOTEBOOK_PUBLISH_TO``, ``DP_NOTEBOOK_ROLE``, ``DP_NOTEBOOK_ENGINE``,
``DP_NOTEBOOK_SPARK_MASTER``, ``DP_NOTEBOOK_SPARK_REMOTE``, ``DP_NOTEBOOK_KEEP_VERSIONS``,
``DP_NOTEBOOK_CHECK_TIMEOUT``,
``DATAMESH_MANAGER_API_KEY`` (kept as a ``Secret``: never printed),
``DP_NOTEBOOK_REDACT_KEY`` (the key of redaction's keyed hash, a ``Secret``), and,
set by ``dp-notebook run``/``publish`` for their kernel, ``DP_NOTEBOOK_RUN_DIR``
and ``DP_NOTEBOOK_PUBLISH_DEFERRED``.

    >>> s = Settings.resolve("/tmp/example/.dp", environ={})
    >>> s.catalog_dir.name, s.engine.name
    ('catalog', 'duckdb')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import SpecError

CONFIG_NAME = "dp-notebook.yaml"
ENGINES = ("duckdb", "spark")
API_KEY_ENV = "DATAMESH_MANAGER_API_KEY"  # the variable datacontract-cli uses
RUN_DIR_ENV = "DP_NOTEBOOK_RUN_DIR"
REDACT_KEY_ENV = "DP_NOTEBOOK_REDACT_KEY"  # the key of redaction's keyed hash (HMAC-SHA256)
REDACT_KEY_FILE = "redact.key"  # generated in the workspace when no key is given
_KNOWN = ("engine", "catalog", "publish_to", "role", "price_model", "policies", "duckdb", "lock_timeout", "redact_key_file", "keep_versions", "check_timeout")


class Secret:
    """A value that never shows itself: ``repr``/``str`` print ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class EngineSettings:
    """Which engine runs a product, and where: ``duckdb``, or ``spark`` on a master or a Spark Connect URL."""

    name: str = "duckdb"
    master: str = "local[2]"
    remote: str | None = None
    conf: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, value: Any, *, where: str = "engine", master: str | None = None, remote: str | None = None) -> EngineSettings:
        """``duckdb``, ``spark`` or ``{name: spark, master|remote, conf}``; ``master``/``remote`` override (env)."""
        data = value if isinstance(value, dict) else {"name": value}
        unknown = set(data) - {"name", "master", "remote", "conf"}
        if unknown:
            raise SpecError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))} (known: name, master, remote, conf)", path=where)
        name = str(data.get("name") or "duckdb").strip().lower()
        if name not in ENGINES:
            raise SpecError(f"unknown engine {name!r} (engines: {', '.join(ENGINES)})", path=where)
        conf = data.get("conf") or {}
        if not isinstance(conf, dict):
            raise SpecError("must be a mapping of Spark settings", path=f"{where}.conf")
        remote = remote or data.get("remote")
        if remote and not str(remote).startswith("sc://"):
            raise SpecError(f"{remote!r}: a Spark Connect URL starts with sc://", path=f"{where}.remote")
        return cls(
            name=name,
            master=str(master or data.get("master") or "local[2]"),
            remote=str(remote) if remote else None,
            conf=tuple(sorted((str(k), str(v)) for k, v in conf.items())),
        )

    def describe(self) -> str:
        return self.name if self.name == "duckdb" else f"{self.name} ({self.remote or self.master})"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one workspace, resolved once (see the module docstring)."""

    home: Path
    config_path: Path | None = None
    catalog_dir: Path = Path()
    publish_to: str | None = None
    engine: EngineSettings = field(default_factory=EngineSettings)
    policy: Any = None  # dp_notebook.policies.Policy
    price_model: Any = None  # dp_notebook.cost.PriceModel
    role: str | None = None
    duckdb: Mapping[str, str] = field(default_factory=dict)
    lock_timeout: float = 10.0
    redact_key_file: Path | None = None
    keep_versions: int = 2  # versions of a port kept for rollback, the served one included (models keep 1)
    check_timeout: float | None = None  # seconds a spec's SQL check query may run; None: no limit
    run_dir: Path | None = None
    ci: bool = False
    spark_master: str | None = None  # environment overrides for any Spark product
    spark_remote: str | None = None
    publish_deferred: bool = False  # under `dp-notebook publish NOTEBOOK`: publish once, after the notebook ran
    stamp: tuple = ()  # what it was resolved from (the file's mtime, the variables), see ``is_current``

    # -- resolution --------------------------------------------------------------------------------
    @classmethod
    def resolve(
        cls,
        home: str | os.PathLike | None = None,
        *,
        start: str | os.PathLike | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings of the workspace ``home`` (a ``.dp`` directory), else the one found from ``start``.

        ``start`` defaults to the current directory: the only place the working
        directory is read, and only when no workspace is named.
        """
        env = os.environ if environ is None else environ
        root = Path(home).expanduser().resolve() if home else find_home(start, env)
        config_path = _config_path(root, env)
        data, positions = _read_config(config_path) if config_path else ({}, None)
        where = str(config_path) if config_path else "settings"

        def path_setting(key: str) -> Path | None:
            value = data.get(key)
            if not value:
                return None
            p = Path(str(value)).expanduser()
            return (config_path.parent / p).resolve() if not p.is_absolute() and config_path else p.resolve()

        def located(key: str, build):
            try:
                return build()
            except SpecError as exc:
                line = positions.key((key,))[0] if positions is not None and positions.key((key,)) else None
                raise SpecError(exc.message, path=exc.path or key, line=line, source=where) from None

        catalog = Path(env["DP_NOTEBOOK_CATALOG"]).expanduser().resolve() if env.get("DP_NOTEBOOK_CATALOG") else (path_setting("catalog") or root / "catalog")
        publish_to = env.get("DP_NOTEBOOK_PUBLISH_TO") or data.get("publish_to")
        if publish_to and "://" not in str(publish_to):
            p = Path(str(publish_to)).expanduser()
            base = config_path.parent if (config_path and not env.get("DP_NOTEBOOK_PUBLISH_TO")) else Path.cwd()
            publish_to = str(p if p.is_absolute() else (base / p).resolve())
        master, remote = env.get("DP_NOTEBOOK_SPARK_MASTER"), env.get("DP_NOTEBOOK_SPARK_REMOTE")
        engine_value = env.get("DP_NOTEBOOK_ENGINE") or data.get("engine") or "duckdb"
        engine = located("engine", lambda: EngineSettings.parse(engine_value, where="engine", master=master, remote=remote))

        from .cost import PriceModel
        from .policies import Policy

        policy = located("policies", lambda: Policy.from_config(data.get("policies")))
        price_model = located("price_model", lambda: PriceModel.from_config(data.get("price_model")))
        duck = located("duckdb", lambda: _mapping(data.get("duckdb"), "a mapping of DuckDB settings"))
        lock_timeout = located("lock_timeout", lambda: _seconds(data.get("lock_timeout", 10.0)))
        redact_key_file = path_setting("redact_key_file")
        keep_versions = located("keep_versions", lambda: _count(env.get("DP_NOTEBOOK_KEEP_VERSIONS") or data.get("keep_versions", 2)))
        check_timeout = located("check_timeout", lambda: _timeout(env.get("DP_NOTEBOOK_CHECK_TIMEOUT") or data.get("check_timeout")))
        return cls(
            home=root,
            config_path=config_path,
            catalog_dir=catalog,
            publish_to=str(publish_to) if publish_to else None,
            engine=engine,
            policy=policy,
            price_model=price_model,
            role=env.get("DP_NOTEBOOK_ROLE") or (str(data["role"]) if data.get("role") else None),
            duckdb={str(k): str(v) for k, v in duck.items()},
            lock_timeout=lock_timeout,
            redact_key_file=redact_key_file,
            keep_versions=keep_versions,
            check_timeout=check_timeout,
            run_dir=Path(env[RUN_DIR_ENV]).resolve() if env.get(RUN_DIR_ENV) else None,
            ci=bool(env.get("CI")),
            spark_master=master,
            spark_remote=remote,
            publish_deferred=env.get("DP_NOTEBOOK_PUBLISH_DEFERRED") == "1",
            stamp=_stamp(config_path, env),
        )

    @property
    def api_key(self) -> Secret | None:
        """The Data Mesh Manager key, read when it is needed: a notebook may set it after declaring."""
        return api_key()

    def redact_key(self, environ: Mapping[str, str] | None = None) -> Secret:
        """The key of redaction's keyed hash (HMAC-SHA256): never in a notebook, a spec or ``dp-notebook.yaml``.

        ``DP_NOTEBOOK_REDACT_KEY``, else the file ``redact_key_file`` names, else
        ``<workspace>/redact.key``, created on first use with 32 random bytes (mode 0600).
        Products whose hashed columns must join share one key: set the variable or the file.
        """
        env = os.environ if environ is None else environ
        if env.get(REDACT_KEY_ENV):
            return Secret(env[REDACT_KEY_ENV])
        path = self.redact_key_file or self.home / REDACT_KEY_FILE
        if self.redact_key_file is None and not path.exists():
            _create_key_file(path)
        from .files import read_text

        try:
            text = read_text(path, "the redaction key file").strip()  # unreadable, or not UTF-8
        except SpecError as exc:
            raise SpecError(f"{exc} (set {REDACT_KEY_ENV} or redact_key_file)") from None
        if len(text) < 16:
            raise SpecError(f"the redaction key in {path} is shorter than 16 characters: use a long random key")
        return Secret(text)

    def is_current(self, environ: Mapping[str, str] | None = None) -> bool:
        """False once ``dp-notebook.yaml`` was created, edited or removed since resolution.

        A workspace re-resolves then, so editing the settings file in the middle of a
        session takes effect at the next command, as a new process would see it. The
        environment is read once, when the workspace is first used.
        """
        env = os.environ if environ is None else environ
        try:
            found = _config_path(self.home, env)
        except SpecError:
            return False
        return self.stamp == _stamp(found, env)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests, ``Workspace(..., lock_timeout=…)``)."""
        return replace(self, **changes)

    # -- derived -------------------------------------------------------------------------------------
    def engine_for(self, spec: Any = None) -> EngineSettings:
        """The product's ``engine:`` field wins over the workspace default."""
        value = getattr(spec, "engine", None)
        if not value:
            return self.engine
        return EngineSettings.parse(value, where="engine", master=self.spark_master, remote=self.spark_remote)

    @property
    def publishes_remotely(self) -> bool:
        return bool(self.publish_to and "://" in self.publish_to)

    @property
    def unattended(self) -> bool:
        """Under ``dp-notebook run`` or CI: no progress widgets, outputs stay clean."""
        return self.run_dir is not None or self.ci


def _stamp(config_path: Path | None, env: Mapping[str, str]) -> tuple:
    try:
        stat = config_path.stat() if config_path else None
    except OSError:
        stat = None
    return (str(config_path), stat.st_mtime_ns if stat else None, stat.st_size if stat else None)


def api_key(environ: Mapping[str, str] | None = None) -> Secret | None:
    """The Data Mesh Manager API key of the environment, for doors that have no workspace (``browse(url)``)."""
    value = (os.environ if environ is None else environ).get(API_KEY_ENV)
    return Secret(value) if value else None


def _create_key_file(path: Path) -> None:
    """A new random key, readable by its owner only; an existing file is never replaced."""
    import secrets

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first: use theirs
    except OSError as exc:
        raise SpecError(f"cannot create the redaction key file {path}: {exc.strerror or exc} (set {REDACT_KEY_ENV})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"must be {what}")
    return value


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"must be a number of seconds, not {value!r}") from None
    if seconds < 0:
        raise SpecError(f"must not be negative, not {value!r}")
    return seconds


def _timeout(value: Any) -> float | None:
    """Seconds, or None (unset, 0: no limit)."""
    if value is None or value == "":
        return None
    seconds = _seconds(value)
    return seconds or None


def _count(value: Any) -> int:
    try:
        n = int(str(value))
    except (TypeError, ValueError):
        raise SpecError(f"must be a whole number of versions (1 keeps only the served one), not {value!r}") from None
    if n < 1:
        raise SpecError(f"must be at least 1 (the served version), not {value!r}")
    return n


def git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (where searches upwards stop)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def home_is_set(environ: Mapping[str, str] | None = None) -> bool:
    """The workspace is named by ``DP_NOTEBOOK_HOME`` (not found by walking up)."""
    return bool((os.environ if environ is None else environ).get("DP_NOTEBOOK_HOME"))


def find_home(start: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``DP_NOTEBOOK_HOME``, else the first ``.dp/`` walking up from ``start`` (to the git root), else ``start/.dp``."""
    env = os.environ if environ is None else environ
    if home_is_set(env):
        return Path(env["DP_NOTEBOOK_HOME"]).expanduser().resolve()
    here = Path(start or os.getcwd()).expanduser().resolve()
    if here.is_file():
        here = here.parent
    stop = git_root(here)
    for folder in (here, *here.parents):
        if (folder / ".dp").is_dir():
            return folder / ".dp"
        if folder == stop:
            break
    return here / ".dp"


def _config_path(home: Path, env: Mapping[str, str]) -> Path | None:
    if env.get("DP_NOTEBOOK_CONFIG"):
        path = Path(env["DP_NOTEBOOK_CONFIG"]).expanduser().resolve()
        if not path.is_file():
            raise SpecError(f"DP_NOTEBOOK_CONFIG names {path}, which is not a file")
        return path
    here = home.parent
    stop = git_root(here)
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if folder == stop:
            break
    return None


def _read_config(path: Path) -> tuple[dict[str, Any], Any]:
    from .files import read_text
    from .spec.yamlpos import load_yaml

    text = read_text(path, "settings file")  # a cp1252 file: SpecError naming file, line and byte
    data, positions = load_yaml(text, source=str(path))
    if data is None:
        return {}, positions
    if not isinstance(data, dict):
        raise SpecError("dp-notebook.yaml must be a mapping of settings", source=str(path), line=1)
    for key in data:
        if key not in _KNOWN:
            line, col = positions.key((key,)) or (None, None)
            if "key" in str(key).lower() or "secret" in str(key).lower():
                raise SpecError(
                    f"{key!r}: secrets do not belong in {CONFIG_NAME}, which is meant for version control; "
                    f"set {REDACT_KEY_ENV} or {API_KEY_ENV} in the environment, or name a key file with redact_key_file",
                    source=str(path), line=line, column=col, path=str(key),
                )
            raise SpecError(f"unknown setting {key!r} (known: {', '.join(sorted(_KNOWN))})", source=str(path), line=line, column=col, path=str(key))
    return data, positions
