"""Shared fixtures: a real IPython shell with the magic loaded, and an isolated workspace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


@pytest.fixture
def ip(_shell, tmp_path, monkeypatch):
    """A real ``InteractiveShell`` with a fresh ``%dataproduct`` session and workspace."""
    monkeypatch.setenv("DP_NOTEBOOK_HOME", str(tmp_path / ".dp"))
    monkeypatch.delenv("DP_NOTEBOOK_RUN_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    from dp_notebook.magic import DataProductMagics

    magics = DataProductMagics(_shell)
    _shell.register_magics(magics)
    _shell.user_ns["_dp_magics"] = magics
    yield _shell
    for name in [k for k in _shell.user_ns if not k.startswith("_")]:
        _shell.user_ns.pop(name, None)


@pytest.fixture
def seed_yaml() -> str:
    return (FIXTURES / "shelf_warmers_seed.yaml").read_text(encoding="utf-8")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def golden(request):
    """``golden(name, text)``: compare ``text`` to tests/golden/<name> (``--update-golden`` rewrites)."""
    import os

    update = request.config.getoption("--update-golden") or os.environ.get("UPDATE_GOLDEN") == "1"

    def check(name: str, text: str) -> None:
        path = Path(__file__).parent / "golden" / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if not update:
                pytest.fail(f"golden file {path} was missing and has been written; re-run")
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path} (run with --update-golden after checking)"

    return check


def screenshot_dir() -> Path:
    """Where browser tests save screenshots: build/screenshots, or the README's docs/screenshots
    when ``UPDATE_SCREENSHOTS=1`` (renders differ by a pixel between runs; keep git clean)."""
    path = REPO / ("docs" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "build") / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(nb: Path, out: Path, *params: str) -> subprocess.CompletedProcess:
    """``dp-notebook run`` in a subprocess; ``params`` are pairs: ``name value`` (-p) or ``--option value``."""
    args = [sys.executable, "-m", "dp_notebook.cli", "run", str(nb), "--out", str(out)]
    for i in range(0, len(params), 2):
        args += [params[i], params[i + 1]] if params[i].startswith("--") else ["-p", params[i], params[i + 1]]
    return subprocess.run(args, capture_output=True, text=True, timeout=600, env={**os.environ, "DP_NOTEBOOK_HOME": ""})


@pytest.fixture(scope="session")
def examples(tmp_path_factory):
    """A copy of example_notebooks/ with all three products built and published, in order."""
    root = tmp_path_factory.mktemp("examples") / "example_notebooks"
    shutil.copytree(REPO / "example_notebooks", root, ignore=shutil.ignore_patterns(".dp", ".ipynb_checkpoints"))
    out = root.parent / "build"
    results = {nb: run(root / f"{nb}.ipynb", out / nb) for nb in ("shelf_warmers", "orders", "customer_360")}
    return root, out, results
