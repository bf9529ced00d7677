"""The ``%dataproduct`` magics through a real IPython shell."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from IPython.core.error import UsageError


def run_cell(ip, line, cell=None):
    if cell is None:
        return ip.run_line_magic("dataproduct", line)
    return ip.run_cell_magic("dataproduct", line, cell)


def test_declare_seed_renders_card(ip, seed_yaml):
    dp = run_cell(ip, "declare", seed_yaml)
    assert dp.id == "shelf_warmers"
    bundle = dp._repr_mimebundle_()
    assert set(bundle) >= {"text/plain", "text/html", "application/vnd.dp-notebook.product+json"}
    payload = bundle["application/vnd.dp-notebook.product+json"]
    assert payload["version"] == 1 and payload["product"]["owner"] == "fulfillment"
    assert [p["id"] for p in payload["product"]["outputPorts"]] == ["shelf_warmers_v1_sql", "shelf_warmers_v1_s3"]
    assert "fulfillment.shelf_warmers_v1" in bundle["text/plain"]
    assert "Shelf Warmers" in bundle["text/html"]


def test_card_escapes_user_text(ip):
    dp = run_cell(
        ip,
        "declare",
        "dataProductSpecification: 0.0.1\nid: x\ninfo:\n  title: '<script>alert(1)</script>'\n  owner: t\n"
        "outputPorts:\n  - id: p\n    schema:\n      - name: '<img src=x onerror=alert(1)>'\n",
    )
    html = dp._repr_mimebundle_()["text/html"]
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_declare_error_is_one_line_with_cell_line(ip):
    body = "dataProductSpecification: 0.0.1\nid: x\ninfo: {title: X, owner: t}\noutputPorts:\n  - id: a\n  - id: b\n    type: Kafak Topic\n"
    with pytest.raises(UsageError) as err:
        run_cell(ip, "declare", body)
    msg = str(err.value)
    # cell line = body line + 1 (the %%dataproduct line)
    assert "line 8" in msg and "outputPorts[1].type" in msg and "Kafak Topic" in msg
    assert "\n" not in msg and "Traceback" not in msg


def test_last_declared_is_current_and_product_flag(ip, seed_yaml):
    run_cell(ip, "declare", seed_yaml)
    run_cell(ip, "declare", "id: other\ninfo: {title: O, owner: t}\n")
    assert run_cell(ip, "show").id == "other"
    assert run_cell(ip, "show --product shelf_warmers").id == "shelf_warmers"
    with pytest.raises(UsageError, match="declared: other, shelf_warmers"):
        run_cell(ip, "show --product nope")


def test_no_product_yet(ip):
    with pytest.raises(UsageError, match="no data product declared yet"):
        run_cell(ip, "lint")


def test_lint_reports_lines(ip):
    dp = run_cell(ip, "declare", "id: x\ninfo: {owner: t}\nschedul: '0 3 * * *'\n")
    report = run_cell(ip, "lint")
    assert report.success  # warnings only
    text = str(report)
    assert "unknown field 'schedul'" in text and "did you mean 'schedule'" in text and "line 4" in text
    assert dp.lint().findings == report.findings


def test_export_prints_and_writes(ip, seed_yaml, tmp_path):
    run_cell(ip, "declare", seed_yaml)
    result = run_cell(ip, "export dps")
    doc = yaml.safe_load(result.text)
    assert doc["info"] == {
        "title": "Shelf Warmers",
        "owner": "fulfillment",
        "description": doc["info"]["description"],
        "status": "active",
        "archetype": "source-aligned",
        "maturity": "managed",
    }
    assert doc["inputPorts"][0]["sourceSystemId"] == "stock-service"
    out = tmp_path / "contracts"
    written = run_cell(ip, f"export odcs --out {out}").written
    assert sorted(p.name for p in written) == ["shelf_warmers-shelf_warmers_v1_s3.odcs.yaml", "shelf_warmers-shelf_warmers_v1_sql.odcs.yaml"]
    one = tmp_path / "one.yaml"
    run_cell(ip, f"export odcs shelf_warmers_v1_sql --out {one}")
    assert yaml.safe_load(one.read_text())["kind"] == "DataContract"


def test_export_errors(ip, seed_yaml):
    run_cell(ip, "declare", seed_yaml)
    with pytest.raises(UsageError, match="unknown export format 'xml'"):
        run_cell(ip, "export xml")
    with pytest.raises(UsageError, match="no output port 'nope'.*shelf_warmers_v1_sql"):
        run_cell(ip, "export odcs nope")


def test_usage_errors(ip, seed_yaml):
    with pytest.raises(UsageError, match="unknown subcommand 'declar'; did you mean 'declare'"):
        run_cell(ip, "declar")
    with pytest.raises(UsageError, match="is a cell magic"):
        run_cell(ip, "declare")
    with pytest.raises(UsageError, match="unrecognized arguments"):
        run_cell(ip, "lint --bogus")
    assert "declare" in repr(run_cell(ip, "help"))


def test_magic_line_not_expanded(ip, seed_yaml):
    # IPython would turn {x} / $x into values; the magic must see them verbatim.
    ip.user_ns["x"] = "EXPANDED"
    run_cell(ip, "declare", seed_yaml)
    with pytest.raises(UsageError) as err:
        run_cell(ip, "export odcs {x}")
    assert "'{x}'" in str(err.value)


def test_load_ext_is_fast_and_light():
    code = (
        "import time, sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "t = time.perf_counter(); ip.run_line_magic('load_ext', 'dp_notebook'); dt = time.perf_counter() - t\n"
        "heavy = [m for m in ('duckdb', 'pandas', 'pydantic', 'sqlglot', 'jsonschema') if m in sys.modules]\n"
        "print(dt, ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == [], f"%load_ext imported heavy modules: {out[1:]}"


SPEC = """dataProductSpecification: 0.0.1
id: shop
info: {title: Shop, owner: sales}
inputPorts:
  - {id: raw, name: raw, sourceSystemId: erp}
outputPorts:
  - id: items_v1
    location: sales.items_v1
    schema:
      - {name: id, type: integer, required: true, unique: true}
      - {name: label, type: string}
"""


def test_input_transform_sql_through_magics(ip, tmp_path):
    import pandas as pd

    run_cell(ip, "declare", SPEC)
    ip.user_ns["frame"] = pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b's", None]})
    res = run_cell(ip, "input raw --from frame")
    assert res.rows == 3
    ip.user_ns["min_id"] = 2
    out = run_cell(ip, "transform items_v1", "SELECT id, label FROM raw\nWHERE id >= {{min_id}}")
    assert out.rows == 2 and out.view == "sales.items_v1"
    df = run_cell(ip, "sql SELECT label FROM sales.items_v1 WHERE label = 'b''s'")
    assert list(df["label"]) == ["b's"]
    # --param wins over the notebook variable
    assert run_cell(ip, "transform items_v1 --param min_id=3", "SELECT id, label FROM raw WHERE id >= {{min_id}}").rows == 1
    with pytest.raises(UsageError, match="cell line 3"):  # line 1 is %%dataproduct
        run_cell(ip, "transform items_v1", "SELECT id, label\nFROM missing_table")
    with pytest.raises(UsageError, match="no input port 'nope'.*raw"):
        run_cell(ip, "input nope --from frame")
    runs = run_cell(ip, "runs")
    assert list(runs["status"])[:3] == ["failed", "success", "success"]


def test_contract_violation_keeps_last_good_data(ip):
    import pandas as pd

    from dp_notebook.errors import ContractViolation

    run_cell(ip, "declare", SPEC)
    ip.user_ns["frame"] = pd.DataFrame({"id": [1, 1, 2], "label": ["x", "y", "z"]})
    run_cell(ip, "input raw --from frame")
    run_cell(ip, "transform items_v1", "SELECT DISTINCT ON (id) id, label FROM raw ORDER BY id")
    with pytest.raises(ContractViolation, match="id: 1 duplicate value"):
        run_cell(ip, "transform items_v1", "SELECT id, label FROM raw")
    assert list(run_cell(ip, "sql SELECT count(*) AS n FROM sales.items_v1")["n"]) == [2]


def test_expect_unittest_test_quality(ip):
    import pandas as pd

    from dp_notebook.errors import ChecksFailed

    run_cell(ip, "declare", SPEC + "    serviceLevelObjectives:\n      - {type: rowCount, min: 2}\n      - {type: completeness, column: label, threshold: 0.5}\n")
    ip.user_ns["frame"] = pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b", None]})
    run_cell(ip, "input raw --from frame")
    stored = run_cell(ip, "expect items_v1", "- not_null: {column: label}\n")
    assert "run when it is built" in str(stored)
    # the expectation is the audit step: the transform fails, nothing is served
    with pytest.raises(ChecksFailed, match="expect_column_values_to_not_be_null"):
        run_cell(ip, "transform items_v1", "SELECT id, label FROM raw")
    with pytest.raises(UsageError, match="does not exist"):
        run_cell(ip, "sql SELECT * FROM sales.items_v1")
    res = run_cell(ip, "expect items_v1", "- not_null: {column: label, mostly: 0.5}\n- unique: {column: id}\n")
    assert str(res).startswith("stored") or res.results == []
    out = run_cell(ip, "transform items_v1", "SELECT id, label FROM raw")
    assert out.rows == 3
    ok = run_cell(ip, "unittest items_v1", "given:\n  raw: [{id: 7, label: x}]\nexpect:\n  - {id: 7}\n")
    assert ok.success
    with pytest.raises(ChecksFailed, match="1 expected row"):
        run_cell(ip, "unittest items_v1", "given:\n  raw: [{id: 7, label: x}]\nexpect:\n  - {id: 8}\n")
    with pytest.raises(UsageError, match="line 3.*unknown expectation 'not_nul'"):
        run_cell(ip, "expect items_v1", "- unique: {column: id}\n- not_nul: {column: id}\n")
    q = run_cell(ip, "quality")
    assert q.success and "rowCount" in str(q)
    run_cell(ip, "quality")
    assert len(q.trend()) == 2
    with pytest.raises(ChecksFailed):  # the failing unit case is still stored
        run_cell(ip, "test")
    run_cell(ip, "unittest items_v1", "given:\n  raw: [{id: 7, label: x}]\nexpect:\n  - {id: 7}\n")
    report = run_cell(ip, "test")
    kinds = {r.kind for r in report.results}
    assert kinds == {"contract", "expectation", "unit", "quality"}
    assert report._repr_mimebundle_()["application/vnd.dp-notebook.checks+json"]["success"] is True


def test_every_line_of_a_cell_of_magic_lines_shows_its_result(ip, tmp_path):
    """Two `%dataproduct input` lines in one cell: both results show (IPython alone shows only the last)."""
    from IPython.utils.capture import capture_output

    ip.run_cell_magic("dataproduct", "declare", "id: two\ninfo: {title: T, owner: o}\ninputPorts:\n  - {id: a, name: a, sourceSystemId: s}\n  - {id: b, name: b, sourceSystemId: s}\n")
    ip.run_cell("import pandas as pd\nfa = pd.DataFrame({'x': [1]})\nfb = pd.DataFrame({'y': [1, 2]})")
    with capture_output() as cap:
        ip.run_cell("%dataproduct input a --from var:fa\n# the second one\n%dataproduct input b --from var:fb\n", store_history=True)  # as a kernel runs cells
    shown = [o.data.get("text/plain", "") for o in cap.outputs] + [cap.stdout]  # the last one is the cell's value
    assert any("input a" in t for t in shown) and any("input b" in t for t in shown)
    with capture_output() as cap:  # a single line is shown once, as its value
        value = ip.run_cell("%dataproduct input a --from var:fa", store_history=True).result
    assert value is not None and not cap.outputs  # shown once, by IPython, as the cell's value
