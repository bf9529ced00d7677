"""Cases from the red-team report: leaks, URLs, exit codes and tracebacks, each through the door it was found at
(real HTTP servers on 127.0.0.1, real files, the CLI as a subprocess)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from ._http import serve, url

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-SECRET123"

SPEC = """dataProductSpecification: 0.0.1
id: tiny
info: {title: Tiny, owner: team, description: Numbers.}
outputPorts:
  - id: tiny_v1
    description: Numbers.
    schema:
      - {name: n, type: integer, required: true, classification: internal, description: N.}
"""


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("DP_NOTEBOOK_HOME", "DATAMESH_MANAGER_API_KEY", "DP_NOTEBOOK_PUBLISH_TO")}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environ.get("PYTHONPATH")]))
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "dp_notebook.cli", *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout)


def write_nb(path: Path, *cells: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def echoes(key: str) -> list[str]:
    """Every form of the key a hostile server echoes back (and that must not reach a message)."""
    return [key, base64.b64encode(key.encode()).decode(), base64.b64encode(f"me:{key}".encode()).decode(), urllib.parse.quote(key)]


class Echo(BaseHTTPRequestHandler):
    """Answers every request with ``server.status`` and a body reflecting the key it got, in every form."""

    def log_message(self, *args):
        pass

    def _answer(self):
        n = int(self.headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)
        self.server.requests.append((self.command, self.path))
        key = self.headers.get("x-api-key", "")
        echo = " ".join(f"[{form}]" for form in echoes(key))
        body = json.dumps(self.server.body(echo) if callable(self.server.body) else {"id": echo, "message": echo}).encode()
        self.send_response(self.server.status, key if self.server.status >= 500 else None)  # the reason phrase too
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer


def echo_server(status: int = 200, body=None):
    return serve(Echo, requests=[], status=status, body=body)


def assert_no_key(text: str) -> None:
    for form in echoes(KEY):
        assert form not in text, f"{form!r} leaked: {text}"


def built_product(tmp_path: Path) -> Path:
    """A spec whose product was built in the workspace beside it (what publish/test SPEC need)."""
    import dp_notebook

    spec = tmp_path / "tiny.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.transform("tiny_v1", "SELECT range AS n FROM range(3)")
    return spec


# -- 1. the API key never reaches a message built from an answer ---------------------------------


@pytest.mark.parametrize(
    "body",
    [
        None,  # a JSON object where a listing was expected
        lambda echo: [{"info": {"title": echo}}],  # a product without an id: a warning quotes it
        lambda echo: {"content": [{"id": "p", "outputPorts": []}], "next": f"http://elsewhere.example/{echo}"},  # a next page elsewhere
    ],
    ids=["wrong-shape", "no-id-warning", "next-page-elsewhere"],
)
def test_answers_reflecting_the_key_never_put_it_in_a_message(body):
    import warnings

    from dp_notebook.catalog import open_catalog
    from dp_notebook.errors import CatalogError

    with echo_server(200, body) as srv, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            catalog = open_catalog(url(srv), api_key=KEY)
            text = json.dumps(catalog.products())
        except CatalogError as exc:
            text = str(exc)
    text += " ".join(str(w.message) for w in caught)
    assert "***" in text
    assert_no_key(text)


@pytest.mark.parametrize("status", [400, 500], ids=["4xx-body", "5xx-reason"])
def test_error_answers_reflecting_the_key_in_base64_or_basic_auth_form_are_scrubbed(status):
    from dp_notebook.catalog.remote import DataMeshManagerClient
    from dp_notebook.errors import CatalogError

    with echo_server(status) as srv:
        with pytest.raises(CatalogError) as err:
            DataMeshManagerClient(url(srv), api_key=KEY, backoff=0.01).get("/api/dataproducts")
    assert_no_key(str(err.value))


@pytest.mark.slow
def test_browse_in_a_run_notebook_leaks_the_key_nowhere_and_exits_3(tmp_path):
    nb = write_nb(tmp_path / "leak.ipynb", "%load_ext dp_notebook", "%dataproduct browse --catalog {url}")
    with echo_server(200) as srv:
        nb.write_text(nb.read_text().replace("{url}", url(srv)))
        res = cli("run", str(nb), "--out", str(tmp_path / "out"), cwd=tmp_path, env={"DATAMESH_MANAGER_API_KEY": KEY})
    assert res.returncode == 3, res.stderr  # an answer that is not the API: the remote failed, not the user
    assert "expected a list of data products" in res.stderr
    assert_no_key(res.stdout + res.stderr)
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert_no_key(path.read_text(encoding="utf-8", errors="replace"))


# -- 2. URLs: credentials and queries refused, one place, every door -----------------------------


def test_publish_to_a_url_with_credentials_is_refused_without_echoing_them(tmp_path):
    spec = built_product(tmp_path)
    with echo_server(200) as srv:
        host = url(srv).removeprefix("http://")
        res = cli("publish", str(spec), "--to", f"http://me:{KEY}@{host}", cwd=tmp_path, env={"DATAMESH_MANAGER_API_KEY": "k"})
        assert srv.requests == []
    assert res.returncode == 2, res.stderr
    assert f"http://me:***@{host}: credentials in the URL are not supported" in res.stderr
    assert "DATAMESH_MANAGER_API_KEY" in res.stderr and "Traceback" not in res.stderr
    assert_no_key(res.stderr)


def test_publish_to_a_url_with_a_query_string_is_refused(tmp_path):
    spec = built_product(tmp_path)
    with echo_server(200) as srv:
        res = cli("publish", str(spec), "--to", f"{url(srv)}/?api_key={KEY}", cwd=tmp_path, env={"DATAMESH_MANAGER_API_KEY": "k"})
        assert srv.requests == []  # before: PUT /?api_key=…/api/datacontracts/…
    assert res.returncode == 2, res.stderr
    assert "a query string or fragment is not supported" in res.stderr
    assert_no_key(res.stderr)


@pytest.mark.parametrize("target", [f"http://me:{KEY}@127.0.0.1:9", f"https://127.0.0.1:9/dmm?api_key={KEY}", "http://127.0.0.1:9/#frag"])
def test_catalog_and_publish_to_urls_are_checked_where_the_client_is_made(tmp_path, target):
    from dp_notebook.catalog import open_catalog
    from dp_notebook.catalog.remote import DataMeshManagerClient
    from dp_notebook.errors import SpecError

    for make in (lambda: open_catalog(target, api_key="k"), lambda: DataMeshManagerClient(target)):
        with pytest.raises(SpecError, match="Data Mesh Manager URL") as err:
            make()
        assert KEY not in str(err.value)


# -- 3. test SPEC on a product never built ----------------------------------------------------------


def test_test_spec_of_a_product_never_built_says_to_run_its_notebook(tmp_path):
    (tmp_path / "tiny.yaml").write_text(SPEC, encoding="utf-8")
    res = cli("test", "tiny.yaml", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "tiny has not been built in the workspace" in res.stderr and "run its notebook first" in res.stderr
    assert "Catalog Error" not in res.stderr and "search_path" not in res.stderr


# -- 4. tracebacks -----------------------------------------------------------------------------------

CP1252 = b"dataProductSpecification: 0.0.1\nid: cafe\ninfo: {title: Caf\xe9, owner: team}\n"


@pytest.mark.parametrize("command", [["lint"], ["export", "dps"], ["test"], ["publish"], ["import"]])
def test_a_spec_that_is_not_utf8_is_an_error_naming_file_and_line(tmp_path, command):
    (tmp_path / "cp.yaml").write_bytes(CP1252)
    res = cli(command[0], "cp.yaml", *command[1:], cwd=tmp_path)
    assert "Traceback" not in res.stderr and "UnicodeDecodeError" not in res.stderr
    text = res.stdout + res.stderr
    assert "line 3" in text and "is not UTF-8 text: byte 0xe9" in text
    assert res.returncode == (1 if command == ["lint"] else 2), text  # lint reports it as a finding
    assert "cp.yaml" in text


def test_a_settings_file_that_is_not_utf8_is_an_error_naming_it(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "dp-notebook.yaml").write_bytes(b"role: Caf\xe9\n")
    (tmp_path / "tiny.yaml").write_text(SPEC, encoding="utf-8")
    for args in (["lint", "tiny.yaml"], ["catalog"]):
        res = cli(*args, cwd=tmp_path)
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr
        assert f"{tmp_path / 'dp-notebook.yaml'}: line 1, column 10: settings file is not UTF-8 text" in res.stderr


def test_a_suite_or_key_file_that_is_not_utf8_is_an_error_naming_it(tmp_path):
    # the twins of the spec and settings readers: validate()'s suite file, the redaction key file
    import dataclasses

    import pandas as pd

    from dp_notebook import ExpectationError, SpecError, validate
    from dp_notebook.settings import Settings

    (tmp_path / "suite.yaml").write_bytes(b"expectations:\n  - expect_column_values_to_not_be_null: {column: Caf\xe9}\n")
    with pytest.raises(ExpectationError, match=r"suite.yaml: line 2, column \d+: suite is not UTF-8 text: byte 0xe9"):
        validate(pd.DataFrame({"a": [1]}), tmp_path / "suite.yaml")
    (tmp_path / "key.bin").write_bytes(b"\xff" * 40)
    settings = dataclasses.replace(Settings(home=tmp_path / ".dp"), redact_key_file=tmp_path / "key.bin")
    with pytest.raises(SpecError, match=r"key.bin: line 1, column 1: the redaction key file is not UTF-8 text: byte 0xff.*DP_NOTEBOOK_REDACT_KEY"):
        settings.redact_key(environ={})


@pytest.mark.parametrize("out", ["a-file", "/proc/x", "a-file/sub"])
def test_docs_and_run_out_that_cannot_be_a_folder_is_one_line(tmp_path, out):
    (tmp_path / "a-file").write_text("x")
    nb = write_nb(tmp_path / "n.ipynb", "1")
    for command in ("docs", "run"):
        res = cli(command, str(nb), "--out", out, cwd=tmp_path)
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
        assert "cannot create the" in res.stderr and ("is a file, not a folder" in res.stderr or "No such file" in res.stderr)


def test_export_into_a_closed_pipe_ends_quietly(tmp_path):
    (tmp_path / "tiny.yaml").write_text(SPEC, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DP_NOTEBOOK_HOME"}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen([sys.executable, "-m", "dp_notebook.cli", "export", "tiny.yaml", "odcs"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # `| head -0`: the reader is gone before anything is written
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert err == ""
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports a tool stopped by a closed pipe


@pytest.mark.slow
@pytest.mark.parametrize("to", ["group", "process"], ids=["ctrl-c", "sigint-to-the-cli"])
def test_ctrl_c_during_run_is_one_line_and_exit_130(tmp_path, to):
    nb = write_nb(tmp_path / "slow.ipynb", "import pathlib, time", "pathlib.Path('started').touch()\ntime.sleep(120)", "print('never')")
    env = {k: v for k, v in os.environ.items() if k != "DP_NOTEBOOK_HOME"}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen([sys.executable, "-m", "dp_notebook.cli", "run", str(nb), "--out", "out"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    if to == "group":
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    else:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "slow.ipynb: interrupted" in err
    executed = nbformat.read(tmp_path / "out" / "slow.ipynb", as_version=4)
    stopped = next(c for c in executed.cells if "time.sleep(120)" in c.source)
    assert stopped.outputs[-1]["ename"] == "KeyboardInterrupt"  # the cell was stopped, the notebook saved
    assert (tmp_path / "out" / "slow.html").exists()


# -- 5. smaller wrong answers ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["   \n  \n", "-- only a comment\n;"])
def test_a_transform_of_blanks_or_comments_is_refused_naming_the_port(ip, body):
    from IPython.core.error import UsageError

    ip.run_cell_magic("dataproduct", "declare", SPEC)
    with pytest.raises(UsageError) as err:
        ip.run_cell_magic("dataproduct", "transform tiny_v1", body)
    assert str(err.value) == "transform tiny_v1: the SQL is empty; write the query that builds output port 'tiny_v1'"


@pytest.mark.parametrize(("status", "answer"), [(500, "500"), (401, "401 authentication failed"), (None, "cannot connect")])
def test_remote_publish_failures_exit_3_not_the_usage_code(tmp_path, status, answer):
    spec = built_product(tmp_path)
    env = {"DATAMESH_MANAGER_API_KEY": KEY}
    if status is None:
        import socket

        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            target = f"http://127.0.0.1:{s.getsockname()[1]}"
        res = cli("publish", str(spec), "--to", target, cwd=tmp_path, env=env)
    else:
        with echo_server(status) as srv:
            res = cli("publish", str(spec), "--to", url(srv), cwd=tmp_path, env=env)
    assert res.returncode == 3, res.stderr
    assert answer in res.stderr and "The local catalog was not changed" in res.stderr
    assert "Traceback" not in res.stderr
    assert_no_key(res.stderr)


def test_exit_code_table_tells_an_outage_from_a_mistake():
    from dp_notebook.errors import CatalogError, PublishError, RemoteCatalogError, SpecError
    from dp_notebook.runner import exit_code

    assert [exit_code(e) for e in (PublishError("x"), RemoteCatalogError("x"), CatalogError("x"), SpecError("x"))] == [3, 3, 2, 2]
    assert [exit_code(n) for n in ("PublishError", "RemoteCatalogError", "CatalogError")] == [3, 3, 2]


def test_a_schedule_that_never_fires_is_a_lint_error_on_schedule(tmp_path):
    (tmp_path / "feb.yaml").write_text(SPEC + 'schedule: "0 0 30 2 *"\n', encoding="utf-8")
    res = cli("lint", "feb.yaml", cwd=tmp_path)
    assert res.returncode == 1, res.stdout
    assert "error: line 9: schedule: schedule '0 0 30 2 *' never runs: none of its months has a day 30" in res.stdout
    from dp_notebook.cost import runs_per_month
    from dp_notebook.errors import SpecError

    with pytest.raises(SpecError, match="never runs"):
        runs_per_month("0 0 30 2 *")
    assert runs_per_month("0 0 29 2 *") == 0  # 2026 has no 29 February, but leap years do: valid


def test_import_errors_name_the_contract_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("kind: DataContract\nid: [\n", encoding="utf-8")
    res = cli("import", "bad.yaml", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "bad.yaml: line 3" in res.stderr and "<unicode string>" not in res.stderr
