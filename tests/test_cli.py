"""``dp-notebook``: real notebooks through papermill, exit codes, artifacts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dp_notebook.cli import main

DECLARE = """%%dataproduct declare
dataProductSpecification: 0.0.1
id: tiny
info: {title: Tiny, owner: team}
outputPorts:
  - id: tiny_v1
    schema:
      - {name: n, type: integer, required: true}
"""


def write_nb(path: Path, *cells: str, params: str | None = None) -> Path:
    nb = new_notebook()
    if params is not None:
        cell = new_code_cell(params)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(new_code_cell(c) for c in cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dp_notebook.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_run_success_writes_notebook_html_and_specs(tmp_path):
    nb = write_nb(
        tmp_path / "tiny.ipynb",
        "%load_ext dp_notebook",
        DECLARE,
        "print('label is', label)",
        params="label = 'default'",
    )
    out = tmp_path / "out"
    res = run_cli("run", str(nb), "-p", "label", "from-cli", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    executed = nbformat.read(out / "tiny.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "label is from-cli" in printed
    assert (out / "tiny.html").read_text().startswith("<!DOCTYPE html>")
    specs = out / "tiny" / "specs"
    assert {p.name for p in specs.iterdir()} >= {"tiny.dps.yaml", "tiny.odps.yaml", "tiny-tiny_v1.odcs.yaml"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cell", "code", "ename"),
    [
        ("from dp_notebook import ChecksFailed\nraise ChecksFailed('3 of 9 checks failed')", 1, "ChecksFailed"),
        ("%dataproduct export nonsense", 2, "UsageError"),
        ("undefined_name + 1", 3, "NameError"),
    ],
)
def test_run_failure_exit_codes_and_short_report(tmp_path, cell, code, ename):
    nb = write_nb(tmp_path / "bad.ipynb", "%load_ext dp_notebook", DECLARE, cell, "print('never reached')")
    out = tmp_path / "out"
    res = run_cli("run", str(nb), "--out", str(out), cwd=tmp_path)
    assert res.returncode == code, res.stderr
    assert "cell 3" in res.stderr and ename in res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.splitlines()) < 20
    # the partial notebook and the specs of what ran are still there
    executed = nbformat.read(out / "bad.ipynb", as_version=4)
    assert executed.cells[2].outputs and not executed.cells[3].get("outputs")
    assert (out / "tiny" / "specs" / "tiny.dps.yaml").exists()


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.ipynb")]) == 2
    assert "no such notebook" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["run"])
    assert exc.value.code == 2
    bad = tmp_path / "p.yaml"
    bad.write_text("- not a mapping\n")
    nb = write_nb(tmp_path / "x.ipynb", "1")
    assert main(["run", str(nb), "-f", str(bad)]) == 2
    assert "must be a mapping" in capsys.readouterr().err


def test_cli_help_is_complete(capsys):
    for sub in ("run", "lint", "export"):
        with pytest.raises(SystemExit) as exc:
            main([sub, "--help"])
        assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--parameters-file" in text and "--kernel" in text and "Exits 1" in text


def test_lint_and_export_on_notebook_and_spec(tmp_path, capsys):
    nb = write_nb(tmp_path / "t.ipynb", "%load_ext dp_notebook", DECLARE)
    assert main(["lint", str(nb)]) == 0
    assert "[column-classified]" in capsys.readouterr().out  # the workspace's policies apply on the CLI too
    assert main(["lint", str(nb), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["product"] == "tiny"
    spec = tmp_path / "bad.yaml"
    spec.write_text("dataProductSpecification: 0.0.1\nid: x\ninfo: {owner: t}\nschedule: 'every day'\n")
    assert main(["lint", str(spec)]) == 1
    assert "line 4: schedule: schedule 'every day' has 2 fields" in capsys.readouterr().out
    assert main(["export", str(nb), "dps", "--out", str(tmp_path / "x.dps.yaml")]) == 0
    assert "id: tiny" in (tmp_path / "x.dps.yaml").read_text()


@pytest.mark.slow
def test_catalog_docs_test_publish_commands(tmp_path, monkeypatch, capsys):

    import dp_notebook

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DP_NOTEBOOK_HOME", raising=False)
    spec = tmp_path / "tiny.yaml"
    spec.write_text(DECLARE.split("\n", 1)[1].replace("id: tiny_v1", "id: tiny_v1\n    description: Numbers.").replace("required: true", "required: true, classification: internal, description: N."))
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.transform("tiny_v1", "SELECT range AS n FROM range(3)")
    assert main(["test", str(spec), "--junit", str(tmp_path / "j.xml")]) == 0
    assert 'failures="0"' in (tmp_path / "j.xml").read_text()
    assert main(["publish", str(spec), "--dry-run"]) == 0
    assert "dry run: would publish tiny" in capsys.readouterr().out
    assert main(["publish", str(spec)]) == 0
    assert main(["catalog", "--json"]) == 0  # default: the workspace catalog under the current folder
    out = capsys.readouterr().out
    assert "published tiny as version 1" in out
    assert json.loads(out[out.index("{"):])["products"][0]["id"] == "tiny"
    assert main(["catalog", str(tmp_path / ".dp" / "catalog"), "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{"):])
    assert [p["id"] for p in data["products"]] == ["tiny"]
    assert main(["catalog", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    nb = write_nb(tmp_path / "tiny_nb.ipynb", "%load_ext dp_notebook", DECLARE, "%dataproduct transform tiny_v1 --param x=1\nSELECT range AS n FROM range(2)".replace("%dataproduct", "%%dataproduct"))
    assert main(["docs", str(nb), "--out", str(tmp_path / "site")]) == 0
    index = (tmp_path / "site" / "index.html").read_text()
    assert "tiny_nb/tiny/index.html" in index and "tiny_nb/tiny_nb.html" in index
    assert (tmp_path / "site" / "tiny_nb" / "tiny" / "index.html").exists()


def test_one_table_maps_exceptions_to_exit_codes():
    """The CLI's own errors and a notebook's failed cell (known only by its exception's name) share one table."""
    from dp_notebook.cli import CliError
    from dp_notebook.errors import ChecksFailed, ContractViolation, SQLError
    from dp_notebook.runner import exit_code

    assert [exit_code(e) for e in (ChecksFailed("x"), ContractViolation("x"), SQLError("x"), CliError("x"), KeyError("x"))] == [1, 1, 2, 2, 3]
    assert [exit_code(n) for n in ("ChecksFailed", "ContractViolation", "UsageError", "PortNotFound", "NameError", "CellExecutionError")] == [1, 1, 2, 2, 3, 3]


def test_import_declares_a_product_from_an_odcs_contract(tmp_path, capsys):
    """Contract-first: the contract dp-notebook writes comes back as a declaration with its schema and rules."""
    import yaml

    import dp_notebook

    spec = tmp_path / "tiny.yaml"
    spec.write_text(DECLARE.split("\n", 1)[1])
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.expect("tiny_v1", "- expect_column_values_to_be_between: {column: n, min_value: 0}")
    contract = dp.export("odcs", out=tmp_path / "contracts").written[0]
    assert main(["import", str(contract), "--out", str(tmp_path / "declared.yaml")]) == 0
    declared = dp_notebook.load(tmp_path / "declared.yaml").spec.outputPorts[0]
    assert [(c.name, c.required) for c in declared.columns] == [("n", True)]
    assert any("expect_column_values_to_be_between" in json.dumps(r) for r in declared.quality)
    assert main(["import", str(spec)]) == 2
    assert "is not an ODCS data contract" in capsys.readouterr().err
    assert yaml.safe_load((tmp_path / "declared.yaml").read_text())["dataProductSpecification"] == "0.0.1"
