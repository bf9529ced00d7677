"""The wheel carries what the package needs at run time (schemas, widget front end) and the CLI."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import REPO


@pytest.mark.slow
def test_wheel_contents(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-w", str(tmp_path), "-q"], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("dp_notebook-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "dp_notebook/spec/schemas/dps-0.0.1.schema.json",
        "dp_notebook/spec/schemas/odps-v1.0.0.schema.json",
        "dp_notebook/spec/schemas/odcs-v3.1.0.schema.json",
        "dp_notebook/widgets/browser.js",
        "dp_notebook/widgets/browser.css",
        "dp_notebook-0.1.0.data/data/share/jupyter/labextensions/dp-notebook-labextension/package.json",
        "dp_notebook-0.1.0.data/data/share/jupyter/labextensions/dp-notebook-labextension/install.json",
        "dp_notebook-0.1.0.data/data/etc/jupyter/jupyter_server_config.d/dp_notebook.json",
    ):
        assert needed in names
    # the prebuilt lab extension: users of the wheel need no Node
    assert any(n.startswith("dp_notebook-0.1.0.data/data/share/jupyter/labextensions/dp-notebook-labextension/static/remoteEntry.") for n in names)
    assert not any("node_modules" in n for n in names)
    meta = next(n for n in names if n.endswith("entry_points.txt"))
    assert "dp-notebook = dp_notebook.cli:main" in zipfile.ZipFile(wheel).read(meta).decode()


@pytest.mark.slow
def test_jupyter_lists_both_extensions_enabled_and_ok():
    import re

    bindir = __import__("pathlib").Path(sys.executable).parent
    lab = subprocess.run([str(bindir / "jupyter"), "labextension", "list"], capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", lab.stdout + lab.stderr)
    assert re.search(r"dp-notebook-labextension v0\.1\.0 enabled\s+OK \(python, dp-notebook\)", text), text
    server = subprocess.run([str(bindir / "jupyter"), "server", "extension", "list"], capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", server.stdout + server.stderr)
    assert re.search(r"dp_notebook enabled", text) and re.search(r"dp_notebook 0\.1\.0 OK", text), text
