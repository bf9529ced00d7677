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
    ):
        assert needed in names
    meta = next(n for n in names if n.endswith("entry_points.txt"))
    assert "dp-notebook = dp_notebook.cli:main" in zipfile.ZipFile(wheel).read(meta).decode()
