"""The lab extension's TypeScript types are generated from the one catalog JSON Schema; this fails
when labextension/src/catalog.d.ts is out of date (fix: `jlpm build:types` in labextension/)."""

from __future__ import annotations

import subprocess

import pytest

from ..conftest import REPO

EXT = REPO / "labextension"
SCHEMA = REPO / "dp_notebook" / "catalog" / "schemas" / "catalog.schema.json"


def test_generated_types_match_the_schema(tmp_path):
    json2ts = EXT / "node_modules" / ".bin" / "json2ts"
    if not json2ts.exists():
        pytest.fail("labextension/node_modules is missing: `pip install -e .` runs `jlpm install` there (needs Node >= 20.19)")
    out = tmp_path / "catalog.d.ts"
    # the same command as the `build:types` script in labextension/package.json
    res = subprocess.run([str(json2ts), "--unreachableDefinitions", "--additionalProperties", "false", "-i", str(SCHEMA.relative_to(EXT.parent)), "-o", str(out)],
                         cwd=EXT.parent, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    committed = (EXT / "src" / "catalog.d.ts").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, "labextension/src/catalog.d.ts is out of date with catalog.schema.json: run `jlpm build:types` in labextension/"
    for name in ("ProductSummary", "CatalogListing", "CheckStatus", "CheckRow", "ProductPayload", "ChecksPayload"):
        assert f"export interface {name}" in committed
