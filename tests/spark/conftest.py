"""One local Spark session (one JVM, one Derby metastore) serves one workspace per process: every
Spark test module shares this workspace and uses its own product ids."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark_ws(tmp_path_factory):
    import dp_notebook

    return dp_notebook.Workspace(tmp_path_factory.mktemp("spark") / ".dp")
