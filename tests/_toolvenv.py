"""Tool virtual environments for interop tests: datacontract-cli and dbt, each in its own venv.

Both tools pin DuckDB versions other than dp-notebook's, so they cannot share the project's
venv. ``tool_venv("dbt")`` builds ``build/tool-venvs/dbt-<key>/`` once (the key hashes the
pinned requirements, so a version bump builds a new folder) and returns its ``bin`` folder;
later calls, and later test runs, reuse it. CI builds them up front with

    python -m tests._toolvenv            # builds every tool venv, prints their versions

A test skips (with the reason) only when the package registry cannot be reached; any
other install failure fails the test with pip's output.

    >>> bin_dir = tool_venv("datacontract")          # doctest: +SKIP
    >>> subprocess.run([bin_dir / "datacontract", "--version"])   # doctest: +SKIP
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The tested versions (README "Tested with" lists the same): bump here, the folder key follows.
TOOLS: dict[str, dict] = {
    "datacontract": {
        "requirements": ["datacontract-cli[duckdb,parquet]==1.2.8"],
        "probe": "datacontract-cli",
        "executable": "datacontract",
    },
    "dbt": {
        "requirements": ["dbt-core==1.11.16", "dbt-duckdb==1.11.1"],
        "probe": "dbt-duckdb",
        "executable": "dbt",
    },
}


class RegistryUnreachable(RuntimeError):
    """The package registry cannot be reached: tests that need the tool skip."""


def venv_root() -> Path:
    return Path(os.environ.get("DP_TOOL_VENVS") or ROOT / "build" / "tool-venvs")


def venv_dir(name: str) -> Path:
    reqs = TOOLS[name]["requirements"]
    key = hashlib.sha256("\n".join(reqs + [sys.version.split()[0]]).encode()).hexdigest()[:10]
    return venv_root() / f"{name}-{key}"


def tool_venv(name: str) -> Path:
    """The ``bin`` folder of the tool's venv, built on first use (locked against parallel builds)."""
    target = venv_dir(name)
    done = target / ".complete"
    if done.exists():
        return target / "bin"
    venv_root().mkdir(parents=True, exist_ok=True)
    with open(venv_root() / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return target / "bin"
        _build(name, target)
    return target / "bin"


def _build(name: str, target: Path) -> None:
    spec = TOOLS[name]
    if target.exists():
        shutil.rmtree(target)  # an interrupted build
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    pip = [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    proc = subprocess.run(pip + ["install", *spec["requirements"]], capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        if not _registry_reachable(spec["probe"]):
            raise RegistryUnreachable(f"cannot build the {name} venv: the package registry is unreachable")
        raise RuntimeError(f"building the {name} venv failed (pip exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    (target / ".complete").write_text(f"{' '.join(spec['requirements'])}\nbuilt in {time.monotonic() - started:.0f}s\n")


def _registry_reachable(package: str) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "index", "versions", package],
        capture_output=True, text=True, timeout=120,
    )
    return proc.returncode == 0


def require_tool(name: str) -> Path:
    """``tool_venv`` for tests: skips with the reason when the registry is unreachable."""
    import pytest

    try:
        return tool_venv(name)
    except RegistryUnreachable as exc:
        pytest.skip(str(exc))


def tool_version(name: str) -> str:
    bin_dir = tool_venv(name)
    out = subprocess.run([str(bin_dir / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    wanted = {"datacontract": ("datacontract-cli", "duckdb"), "dbt": ("dbt-core", "dbt-duckdb", "duckdb")}[name]
    return ", ".join(line for line in out.splitlines() if line.split("==")[0].lower() in wanted)


if __name__ == "__main__":
    for tool in sys.argv[1:] or list(TOOLS):
        t0 = time.monotonic()
        tool_venv(tool)
        print(f"{tool}: {tool_version(tool)} ({time.monotonic() - t0:.0f}s)")
