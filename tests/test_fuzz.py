"""Fuzzing every door with hypothesis: magic lines, every kind of cell body, every leaf of a full spec.

The property is the one DESIGN §9 promises: whatever a user types, dp-notebook
answers with its own error (a ``UsageError`` line, a ``DataProductError``, a
``ChecksFailed`` block) or does the thing — never a traceback of another kind,
and never a file written outside the sandbox it runs in.

Two profiles, chosen by ``DP_FUZZ_PROFILE``:

    ci     (default) a few hundred cases, about a minute: runs with the suite
    long   the long run before a release: 10,000+ cases (``DP_FUZZ_PROFILE=long pytest tests/test_fuzz.py``)

A failure prints the smallest input hypothesis found; add it as a case to
``tests/test_security.py`` when fixing it.
"""

from __future__ import annotations

import copy
import os
import shlex
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from dp_notebook.errors import DataProductError

PROFILE = os.environ.get("DP_FUZZ_PROFILE", "ci")
# examples per test: (ci, long); the long profile sums to more than 10,000 cases
EXAMPLES = {
    "lines": (150, 5000),
    "bodies": (150, 4500),
    "spec": (25, 1200),
}
settings.register_profile("dp-fuzz", deadline=None, database=None, derandomize=PROFILE == "ci", print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large, HealthCheck.filter_too_much])
COUNTS: dict[str, int] = {}


def examples(name: str) -> int:
    return EXAMPLES[name][1 if PROFILE == "long" else 0]


FULL_SPEC: dict[str, Any] = yaml.safe_load("""
dataProductSpecification: 0.0.1
id: fuzz
info: {title: Fuzz, owner: sales, description: Everything a spec can say., status: active}
schedule: "0 3 * * *"
price: {priceAmount: 25, priceCurrency: EUR, priceUnit: month}
tags: [one, two]
links: {repository: "https://example.com/repo"}
inputPorts:
  - {id: raw, name: raw, sourceSystemId: erp, description: Raw rows., tags: [x]}
outputPorts:
  - id: people_v1
    name: people
    description: People.
    type: SQL
    location: sales.people_v1
    rolesAllowed: [analyst]
    containsPii: true
    tags: [gdpr]
    schema:
      - {name: id, type: integer, required: true, unique: true, description: Key., classification: internal}
      - {name: email, type: string, pii: true, classification: restricted, description: Contact.}
      - {name: seen, type: timestamp, description: Last seen., classification: internal}
      - {name: amount, type: "DECIMAL(10,2)", description: Spent., classification: internal}
    serviceLevelObjectives:
      - {type: freshness, column: seen, threshold: 24h, severity: warning}
      - {type: completeness, column: email, threshold: "99%"}
      - {type: rowCount, min: 1, max: 100}
      - {type: sql, query: "SELECT count(*) FROM {port} WHERE amount < 0", mustBe: 0, name: no negatives}
    quality:
      - {type: library, metric: nullValues, column: id, mustBe: 0}
      - {type: sql, query: "SELECT count(*) FROM {model}", mustBeGreaterThan: 0}
      - {type: text, description: Amounts are in EUR.}
  - id: totals_v1
    description: Totals.
    type: parquet
    location: sales.totals_v1
    schema:
      - {name: n, type: bigint, description: Rows., classification: public}
""")
ROWS = pd.DataFrame({"id": [1, 2, 3], "email": ["carol@example.com", None, "x@y.z"], "seen": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"]),
                     "amount": [1.5, 2.0, -1.0]})
TRANSFORMS = {"people_v1": "SELECT id, email, seen, CAST(amount AS DECIMAL(10,2)) AS amount FROM raw", "totals_v1": "SELECT count(*) AS n FROM raw"}
SUBCOMMANDS = ["declare", "show", "lint", "export", "input", "transform", "sql", "runs", "expect", "unittest", "test", "quality", "docs",
               "cost", "lineage", "results", "browse", "publish", "diff", "use", "redact", "help", "nope", ""]
FLAGS = ["--product", "--from", "--declare", "--model", "--param", "--out", "--to", "--dry-run", "--allow-breaking", "--as", "--role",
         "--method", "--catalog", "-h", "--help", "--"]
PATH_FLAGS = {"--out", "--to", "--catalog"}
HOSTILE = ["../x", "../../etc/passwd", "a b", "", "'", '"', "x;y", "{{x}}", "$5", "{3}", "a.b.c", "people_v1", "raw", "fuzz.people_v1",
           "port:fuzz.people_v1", "var:df", "table:_dp.runs", "file:nope.csv", "dps", "odcs", "gx", "dbt", "x=1", "x={{y}}", "drop",
           "hash", "\x00", "\u202e", "é", "ß" * 200, "1e309", "-1", "None", "true", "null", "*", "_dp", "main"]
SAFE_ALPHABET = st.characters(blacklist_characters="/\\~\x00", blacklist_categories=("Cs",))


class Sandbox:
    """One kernel's worth of dp-notebook in a temporary folder, reused across the examples of a test."""

    def __init__(self) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        from dp_notebook.magic import DataProductMagics

        self.root = Path(tempfile.mkdtemp(prefix="dp-fuzz-")) / "box"  # a write that escapes the box lands beside it
        self.root.mkdir()
        os.environ["DP_NOTEBOOK_HOME"] = str(self.root / ".dp")
        os.environ["DP_NOTEBOOK_REDACT_KEY"] = "fuzz-key-of-enough-length"
        os.chdir(self.root)
        self.shell = InteractiveShell.instance()
        self.magics = DataProductMagics(self.shell)
        self.shell.register_magics(self.magics)
        self.shell.user_ns["df"] = ROWS
        self.outside_before = _outside(self.root)

    def fresh_session(self) -> None:
        from dp_notebook.session import Session
        from dp_notebook.workspace import Workspace

        self.magics.session = Session(Workspace(self.root / ".dp"))

    def run(self, line: str, cell: str | None = None) -> str:
        """Run one magic; the toolkit's own refusals are answers, anything else fails the property."""
        COUNTS["calls"] = COUNTS.get("calls", 0) + 1
        try:
            if cell is None:
                self.shell.run_line_magic("dataproduct", line)
            else:
                self.shell.run_cell_magic("dataproduct", line, cell)
        except (UsageError, DataProductError):
            return "refused"
        return "ok"

    def check_nothing_escaped(self) -> None:
        assert _outside(self.root) == self.outside_before, "a file was written outside the sandbox"


def _outside(root: Path) -> set[str]:
    """What lies beside the sandbox: where a write through ``..`` would land."""
    return {p.name for p in root.parent.iterdir()}


_SANDBOX: dict[str, Sandbox] = {}


@pytest.fixture
def sandbox(monkeypatch):
    for name in ("DP_NOTEBOOK_HOME", "DP_NOTEBOOK_REDACT_KEY", "DP_NOTEBOOK_ROLE", "DATAMESH_MANAGER_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    cwd = os.getcwd()
    box = Sandbox()
    box.fresh_session()
    box.run("declare", yaml.safe_dump(FULL_SPEC, sort_keys=False))
    box.run("input raw --from df")
    for port, sql in TRANSFORMS.items():
        box.run(f"transform {port}", sql)
    try:
        yield box
        box.check_nothing_escaped()
    finally:
        os.chdir(cwd)
        # not monkeypatch: its undo would restore the values the sandbox set (they were absent before)
        os.environ.pop("DP_NOTEBOOK_HOME", None)
        os.environ.pop("DP_NOTEBOOK_REDACT_KEY", None)
        import shutil

        shutil.rmtree(box.root.parent, ignore_errors=True)


# -- strategies ---------------------------------------------------------------------------------

safe_words = st.text(SAFE_ALPHABET, min_size=1, max_size=12).filter(lambda t: not t.startswith("."))
token = st.one_of(st.sampled_from(FLAGS), st.sampled_from(HOSTILE), safe_words, st.builds(lambda f, v: f"{f}={v}", st.sampled_from(FLAGS), st.sampled_from(HOSTILE)))


@st.composite
def magic_lines(draw) -> str:
    head = draw(st.sampled_from(SUBCOMMANDS))
    tokens = draw(st.lists(token, max_size=6))
    for i, t in enumerate(tokens[:-1]):
        if t in PATH_FLAGS:  # paths are the user's to choose: keep them inside the sandbox
            tokens[i + 1] = draw(st.sampled_from(["out", "cat", "docs"]))
    tokens = [t for t in tokens if not (t.split("=", 1)[0] in PATH_FLAGS and "=" in t)]
    if draw(st.booleans()):
        return " ".join([head, *map(shlex.quote, tokens)])
    return " ".join([head, *tokens])  # unbalanced quotes and all


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(HOSTILE), st.sampled_from(["24h", "99%", "SELECT 1", "{port}", "string", "integer", "timestamp", "x" * 300]),
    st.dates(), st.datetimes(),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
sql_words = st.sampled_from(["SELECT", "FROM", "raw", "people_v1", "WHERE", "{{x}}", "1", "'a'", "*", ",", "(", ")", ";", "--", "id", "email",
                             "count(*)", "GROUP BY", "UNION ALL", "CAST", "AS", "INT", "JOIN", "_dp.runs", "$1", "?", "NULL"])
sql_bodies = st.one_of(st.lists(sql_words, max_size=12).map(" ".join), st.text(SAFE_ALPHABET, max_size=60))


def _yaml(value: Any) -> str:
    try:
        return yaml.safe_dump(value, allow_unicode=True)
    except yaml.YAMLError:
        return str(value)


cell_bodies = st.one_of(values.map(_yaml), st.text(SAFE_ALPHABET, max_size=80))
expectation_items = st.lists(
    st.dictionaries(st.sampled_from(["not_null", "unique", "in_set", "expect_column_values_to_be_between", "expect_column_max_to_be_between",
                                     "expect_table_row_count_to_equal", "match_regex", "nope"]),
                    st.dictionaries(st.sampled_from(["column", "value_set", "min_value", "max_value", "value", "regex", "mostly", "row_condition", "severity"]), scalars | st.sampled_from(["id", "email", "amount", "seen"]), max_size=3),
                    min_size=1, max_size=1),
    max_size=4,
).map(_yaml)
unit_cases = st.fixed_dictionaries(
    {"given": st.dictionaries(st.sampled_from(["raw", "people_v1", "x; --", "../x"]), st.lists(st.dictionaries(st.sampled_from(["id", "email", "seen", "amount"]), scalars, max_size=3), max_size=3), max_size=2),
     "expect": st.lists(st.dictionaries(st.sampled_from(["id", "email", "n"]), scalars, max_size=2), max_size=2)},
    optional={"params": st.dictionaries(st.text(max_size=4), scalars, max_size=2), "ordered": scalars, "name": scalars},
).map(_yaml)


# -- leaves of the full spec --------------------------------------------------------------------


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, path + (k,))] or [path]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, path + (i,))] or [path]
    return [path]


LEAVES = _leaves(FULL_SPEC)


def _mutate(spec: dict, path: tuple, value: Any, delete: bool) -> dict:
    out = copy.deepcopy(spec)
    node = out
    for part in path[:-1]:
        node = node[part]
    if delete:
        node.pop(path[-1]) if isinstance(node, dict) else node.pop(path[-1])
    else:
        node[path[-1]] = value
    return out


PIPELINE = [
    ("input raw --from df", None), ("transform people_v1", TRANSFORMS["people_v1"]), ("transform totals_v1", TRANSFORMS["totals_v1"]),
    ("expect people_v1", "- not_null: {column: id}\n- expect_column_max_to_be_between: {column: email, max_value: a}"),
    ("unittest totals_v1", "given: {raw: [{id: 1}]}\nexpect: [{n: 1}]"), ("test", None), ("quality", None), ("lint", None),
    ("export dps", None), ("export odps", None), ("export odcs", None), ("export jsonschema", None), ("export ddl", None), ("export gx", None),
    ("export dbt", None), ("docs --out docs", None), ("cost", None), ("lineage", None), ("diff", None), ("publish --dry-run", None),
    ("publish --to cat", None), ("use fuzz.people_v1 --as p --role analyst", None), ("redact people_v1 --as people_redacted_v1", None),
]


# -- the properties ------------------------------------------------------------------------------


@settings(settings.get_profile("dp-fuzz"), max_examples=examples("lines"))
@given(line=magic_lines())
def test_any_magic_line_gets_an_answer_not_a_traceback(sandbox, line):
    COUNTS["lines"] = COUNTS.get("lines", 0) + 1
    sandbox.run(line)


@settings(settings.get_profile("dp-fuzz"), max_examples=examples("bodies"))
@given(kind=st.sampled_from(["declare", "transform", "transform_model", "expect", "unittest", "sql"]), data=st.data())
def test_any_cell_body_gets_an_answer_not_a_traceback(sandbox, kind, data):
    COUNTS["bodies"] = COUNTS.get("bodies", 0) + 1
    if kind == "declare":
        body = data.draw(st.one_of(cell_bodies, st.builds(lambda p, v, d: _yaml(_mutate(FULL_SPEC, p, v, d)), st.sampled_from(LEAVES), values, st.booleans())))
        sandbox.run("declare", body)
        sandbox.fresh_session()
        sandbox.run("declare", yaml.safe_dump(FULL_SPEC, sort_keys=False))
    elif kind in ("transform", "transform_model"):
        target = data.draw(st.sampled_from(["people_v1", "totals_v1", "m1", "../m"]))
        params = data.draw(st.lists(st.sampled_from(["--param x=1", "--param x={{y}}", "--param 'x=a b'", "--param =", "--param x"]), max_size=2))
        sandbox.run(" ".join([f"transform {target}", *(["--model"] if kind == "transform_model" else []), *params]), data.draw(sql_bodies))
    elif kind == "expect":
        target = data.draw(st.sampled_from(["people_v1", "raw", "totals_v1", "nope"]))
        sandbox.run(f"expect {target}", data.draw(st.one_of(expectation_items, cell_bodies)))
    elif kind == "unittest":
        sandbox.run(f"unittest {data.draw(st.sampled_from(['people_v1', 'totals_v1']))}", data.draw(st.one_of(unit_cases, cell_bodies)))
    else:
        sandbox.run("sql", data.draw(sql_bodies))


@settings(settings.get_profile("dp-fuzz"), max_examples=examples("spec"))
@given(path=st.sampled_from(LEAVES), value=values, delete=st.booleans())
def test_any_leaf_of_a_full_spec_goes_through_the_whole_pipeline(sandbox, path, value, delete):
    COUNTS["spec"] = COUNTS.get("spec", 0) + 1
    sandbox.fresh_session()
    if sandbox.run("declare", _yaml(_mutate(FULL_SPEC, path, value, delete))) == "refused":
        return
    for line, cell in PIPELINE:
        sandbox.run(line, cell)


def test_fuzz_counts_reported(capsys):
    """Prints how many cases ran (the long profile's number goes into the release note)."""
    with capsys.disabled():
        print(f"\n[dp-fuzz {PROFILE}] cases: {COUNTS}")
