"""The TypeScript side of the lab extension: jest unit tests, ESLint and the type check, run with
the toolchain that `pip install` set up in labextension/ (jlpm comes with jupyter-builder)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO

EXT = REPO / "labextension"


def jlpm(*args: str) -> subprocess.CompletedProcess:
    if not (EXT / "node_modules").is_dir():
        pytest.fail("labextension/node_modules is missing: `pip install -e .` runs `jlpm install` there (needs Node >= 20.19)")
    exe = shutil.which("jlpm", path=str(Path(sys.executable).parent)) or shutil.which("jlpm")
    assert exe, "jlpm not found: install jupyter-builder (it is a build requirement of dp-notebook)"
    return subprocess.run([exe, *args], cwd=EXT, capture_output=True, text=True, timeout=300)


def test_jest_unit_tests_pass():
    res = jlpm("test", "--ci")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Tests:" in res.stderr and " failed" not in res.stderr.split("Tests:")[1].splitlines()[0]


def test_lint_and_type_check_pass():
    res = jlpm("lint")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
