"""Expectations compiled to DuckDB: semantics per expectation, errors, masking, parity with GX."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import duckdb
import numpy as np
import pandas as pd
import pytest

from dp_notebook import validate
from dp_notebook.checks import parse_suite
from dp_notebook.checks.builtin import EXPECTATIONS
from dp_notebook.checks.gx import export_gx_suite, import_gx_suite
from dp_notebook.errors import ChecksFailed, ExpectationError


@pytest.fixture
def df():
    return pd.DataFrame(
        {
            "id": [1, 2, 2, None, 5, 6],
            "email": ["a@x.de", "b@x.de", None, "bad", "c@x.de", "d@x.de"],
            "n": [1.0, 5.0, 10.0, None, 3.0, 4.0],
            "m": [0.0, 5.0, 11.0, None, 1.0, 4.0],
            "country": ["DE", "AT", "XX", None, "DE", "DE"],
            "ts": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", None, "2026-04-01", "2026-05-01"]),
        }
    )


CASES = [
    # (expectation, kwargs, success, unexpected_count)
    ("not_null", {"column": "id"}, False, 1),
    ("not_null", {"column": "id", "mostly": 0.8}, True, 1),
    ("expect_column_values_to_be_null", {"column": "id"}, False, 5),
    ("unique", {"column": "id"}, False, 2),
    ("in_set", {"column": "country", "value_set": ["DE", "AT"]}, False, 1),
    ("not_in_set", {"column": "country", "value_set": ["XX"]}, False, 1),
    ("between", {"column": "n", "min_value": 1, "max_value": 9}, False, 1),
    ("between", {"column": "n", "min_value": 1, "max_value": 10, "strict_min": True}, False, 1),
    ("between", {"column": "ts", "min_value": "2026-01-15"}, False, 1),
    ("match_regex", {"column": "email", "regex": "^[^@]+@[^@]+$"}, False, 1),
    ("not_match_regex", {"column": "email", "regex": "bad"}, False, 1),
    ("expect_column_values_to_match_regex_list", {"column": "email", "regex_list": ["^a", "^b"]}, False, 2),
    ("like", {"column": "email", "like_pattern": "%@x.de"}, False, 1),
    ("value_lengths_between", {"column": "country", "min_value": 2, "max_value": 2}, True, 0),
    ("expect_column_value_lengths_to_equal", {"column": "email", "value": 6}, False, 1),
    ("expect_column_values_to_be_increasing", {"column": "n"}, False, 1),
    ("expect_column_values_to_be_decreasing", {"column": "n"}, False, 3),
    ("expect_column_pair_values_to_be_equal", {"column_A": "n", "column_B": "m"}, False, 3),
    ("a_greater_than_b", {"column_A": "n", "column_B": "m", "or_equal": True}, False, 1),
    ("compound_unique", {"column_list": ["id", "country"]}, True, 0),
    ("expect_select_column_values_to_be_unique_within_record", {"column_list": ["n", "m"]}, False, 2),
    ("expect_multicolumn_sum_to_equal", {"column_list": ["n", "m"], "sum_total": 10}, False, 4),
]


@pytest.mark.parametrize(("name", "kwargs", "success", "unexpected"), CASES)
def test_row_level_expectations(df, name, kwargs, success, unexpected):
    r = validate(df, [{name: kwargs}]).results[0]
    assert (r.success, r.unexpected_count) == (success, unexpected), r.message


AGG_CASES = [
    ("expect_column_min_to_be_between", {"column": "n", "min_value": 1, "max_value": 1}, True, 1.0),
    ("expect_column_max_to_be_between", {"column": "n", "max_value": 9}, False, 10.0),
    ("expect_column_mean_to_be_between", {"column": "n", "min_value": 4, "max_value": 5}, True, 4.6),
    ("expect_column_median_to_be_between", {"column": "n", "min_value": 4, "max_value": 4}, True, 4.0),
    ("expect_column_sum_to_be_between", {"column": "n", "min_value": 24}, False, 23.0),
    ("expect_column_stdev_to_be_between", {"column": "n", "max_value": 1}, False, None),
    ("expect_column_unique_value_count_to_be_between", {"column": "country", "min_value": 3, "max_value": 3}, True, 3),
    ("expect_column_proportion_of_unique_values_to_be_between", {"column": "country", "min_value": 0.6, "max_value": 0.6}, True, 0.6),
    ("expect_column_distinct_values_to_be_in_set", {"column": "country", "value_set": ["DE", "AT"]}, False, None),
    ("expect_column_distinct_values_to_contain_set", {"column": "country", "value_set": ["DE", "AT"]}, True, None),
    ("expect_column_distinct_values_to_equal_set", {"column": "country", "value_set": ["DE", "AT", "XX"]}, True, None),
    ("expect_column_to_exist", {"column": "nope"}, False, None),
    ("row_count_between", {"min_value": 1, "max_value": 6}, True, 6),
    ("row_count_equal", {"value": 5}, False, 5 + 1),
    ("expect_table_column_count_to_equal", {"value": 6}, True, None),
    ("expect_table_column_count_to_be_between", {"max_value": 5}, False, None),
    ("expect_table_columns_to_match_ordered_list", {"column_list": ["id", "email", "n", "m", "country", "ts"]}, True, None),
    ("expect_table_columns_to_match_set", {"column_list": ["id", "email"], "exact_match": False}, True, None),
    ("expect_column_values_to_be_of_type", {"column": "n", "type_": "DOUBLE"}, True, "DOUBLE"),
    ("expect_column_values_to_be_in_type_list", {"column": "id", "type_list": ["VARCHAR", "number"]}, True, "DOUBLE"),
]


@pytest.mark.parametrize(("name", "kwargs", "success", "observed"), AGG_CASES)
def test_aggregate_and_table_expectations(df, name, kwargs, success, observed):
    r = validate(df, [{name: kwargs}]).results[0]
    assert r.success is success, r.message
    if observed is not None and name != "row_count_equal":
        assert r.observed_value == pytest.approx(observed)


def test_at_least_25_expectations():
    assert len(EXPECTATIONS) >= 25


def test_whole_suite_is_one_fused_scan_plus_duplicates(df, tmp_path, monkeypatch):
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    seen = []
    real_execute = duckdb.DuckDBPyConnection.execute

    con = duckdb.connect()
    from dp_notebook.checks.run import run_suite

    class Spy:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *a):
            seen.append(sql)
            return self.con.execute(sql, *a)

    suite = parse_suite([{"not_null": {"column": "id"}}, {"between": {"column": "n", "min_value": 0}}, {"in_set": {"column": "country", "value_set": ["DE", "AT", "XX"]}}, {"row_count_between": {"min_value": 1}}, {"unique": {"column": "email"}}])
    res = run_suite(Spy(con), f"read_parquet('{path}')", suite)
    scans = [s for s in seen if s.startswith("SELECT") and "FROM read_parquet" in s]
    # one fused aggregate + one GROUP BY for exact duplicates + one failing-row sample
    assert len(scans) == 3, scans
    assert not res.success
    del real_execute


def test_failing_examples_mask_pii(df):
    r = validate(df, [{"match_regex": {"column": "email", "regex": "@"}}], pii_columns={"email"}).results[0]
    assert r.unexpected_sample and all(row["email"] == "***" for row in r.unexpected_sample)
    assert r.unexpected_sample[0]["id"] is None


def test_sources(df, tmp_path):
    pq, csv = tmp_path / "d.parquet", tmp_path / "d.csv"
    df.to_parquet(pq)
    df.to_csv(csv, index=False)
    suite = [{"not_null": {"column": "id"}}]
    for data in (pq, str(csv), duckdb.connect().from_df(df)):
        assert validate(data, suite).results[0].unexpected_count == 1


def test_errors(df):
    with pytest.raises(ExpectationError, match="unknown expectation 'not_nul'.*not_null"):
        validate(df, [{"not_nul": {"column": "id"}}])
    with pytest.raises(ExpectationError, match="missing kwarg"):
        validate(df, [{"in_set": {"column": "id"}}])
    with pytest.raises(ExpectationError, match="unknown kwarg 'min'"):
        validate(df, [{"between": {"column": "n", "min": 1, "max_value": 3}}])
    with pytest.raises(ExpectationError, match="no column 'nope'.*columns: id, email"):
        validate(df, [{"not_null": {"column": "nope"}}])
    with pytest.raises(ExpectationError, match="cannot run the regex"):
        validate(df, [{"match_regex": {"column": "email", "regex": "(?<=a)b"}}])
    with pytest.raises(ExpectationError, match="mostly must be"):
        validate(df, [{"not_null": {"column": "id", "mostly": 2}}])
    with pytest.raises(ExpectationError, match="row_condition names unknown column"):
        validate(df, [{"not_null": {"column": "id", "row_condition": "zzz > 1"}}])
    with pytest.raises(ExpectationError, match="no such file"):
        validate("/nonexistent/x.parquet", [{"not_null": {"column": "id"}}])


def test_row_condition(df):
    r = validate(df, [{"in_set": {"column": "country", "value_set": ["DE"], "row_condition": 'n > 2', "condition_parser": "pandas"}}]).results[0]
    assert r.unexpected_count == 2 and r.element_count == 4  # AT and XX among n > 2


def test_results_render_and_raise(df):
    res = validate(df, [{"not_null": {"column": "id"}}, {"row_count_between": {"min_value": 1}}])
    bundle = res._repr_mimebundle_()
    assert bundle["application/vnd.dp-notebook.checks+json"]["version"] == 1
    assert "FAIL" in bundle["text/plain"] and "dpn-fail" in bundle["text/html"]
    root = ET.fromstring(res.to_junit_xml())
    assert root.find("testsuite").get("failures") == "1"
    with pytest.raises(ChecksFailed, match="1 of 2 checks passed"):
        res.raise_for_failure()
    json.dumps(res.to_dict())


def test_html_escapes_values():
    bad = pd.DataFrame({"<script>": ["<img src=x onerror=alert(1)>", None]})
    html = validate(bad, [{"not_null": {"column": "<script>"}}])._repr_mimebundle_()["text/html"]
    assert "<script>" not in html and "<img" not in html


def test_gx_suite_round_trip():
    suite = parse_suite([{"not_null": {"column": "id"}}, {"between": {"column": "n", "min_value": 1}}])
    doc = export_gx_suite("s", suite)
    assert doc["expectations"][0] == {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}, "meta": {}}
    assert [e.name for e in import_gx_suite(json.dumps(doc))] == [e.name for e in suite]
    legacy = {"expectation_suite_name": "old", "expectations": [{"expectation_type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}}]}
    assert import_gx_suite(legacy)[0].kwargs == {"column": "id"}


PARITY = [
    {"expect_column_values_to_not_be_null": {"column": "a"}},
    {"expect_column_values_to_be_null": {"column": "a"}},
    {"expect_column_values_to_be_unique": {"column": "a"}},
    {"expect_column_values_to_be_between": {"column": "a", "min_value": 2, "max_value": 15, "mostly": 0.7}},
    {"expect_column_values_to_be_between": {"column": "b", "min_value": 2, "strict_min": True}},
    {"expect_column_values_to_be_in_set": {"column": "s", "value_set": ["x", "y"]}},
    {"expect_column_values_to_not_be_in_set": {"column": "s", "value_set": ["zz"]}},
    {"expect_column_value_lengths_to_be_between": {"column": "s", "min_value": 1, "max_value": 2}},
    {"expect_column_values_to_match_regex": {"column": "s", "regex": "^[xy]"}},
    {"expect_column_values_to_not_match_regex": {"column": "s", "regex": "z"}},
    {"expect_column_pair_values_a_to_be_greater_than_b": {"column_A": "a", "column_B": "b", "or_equal": True}},
    {"expect_column_pair_values_to_be_equal": {"column_A": "a", "column_B": "b"}},
    {"expect_compound_columns_to_be_unique": {"column_list": ["a", "b"]}},
    {"expect_column_min_to_be_between": {"column": "a", "min_value": 0, "max_value": 1}},
    {"expect_column_max_to_be_between": {"column": "a", "max_value": 18}},
    {"expect_column_mean_to_be_between": {"column": "b", "min_value": 5, "max_value": 12}},
    {"expect_table_row_count_to_be_between": {"min_value": 10}},
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parity_with_great_expectations(seed):
    pytest.importorskip("great_expectations", reason="the gx extra is not installed")
    rng = np.random.default_rng(seed)
    n = 300
    frame = pd.DataFrame({"a": rng.integers(0, 20, n).astype(float), "b": rng.integers(0, 20, n).astype(float), "s": rng.choice(np.array(["x", "y", "zz", "abc", None], dtype=object), n)})
    frame.loc[rng.choice(n, 25, replace=False), "a"] = np.nan
    frame.loc[rng.choice(n, 10, replace=False), "b"] = np.nan
    ours = validate(frame, PARITY)
    theirs = validate(frame, PARITY, engine="gx")
    for o, t in zip(ours.results, theirs.results):
        assert o.success == t.success, o.name
        if t.unexpected_count is not None:
            assert o.unexpected_count == t.unexpected_count, o.name


def test_odcs_quality_round_trip_and_contract_validates(df):
    from dp_notebook.checks.odcs import from_odcs_rules, to_odcs_rules
    from dp_notebook.spec import load_spec
    from dp_notebook.spec.export import to_odcs, validate_export

    suite = parse_suite([
        {"not_null": {"column": "id"}},
        {"not_null": {"column": "email", "mostly": 0.9}},
        {"unique": {"column": "id"}},
        {"in_set": {"column": "country", "value_set": ["DE", "AT"]}},
        {"match_regex": {"column": "email", "regex": "@"}},
        {"row_count_between": {"min_value": 1, "max_value": 10}},
        {"expect_column_mean_to_be_between": {"column": "n", "min_value": 1}},
    ])
    rules = to_odcs_rules(suite)
    assert [r.get("metric", r["type"]) for r in rules] == ["nullValues", "nullValues", "duplicateValues", "invalidValues", "invalidValues", "rowCount", "sql"]  # sql: datacontract-cli runs it
    back, sql_rules = from_odcs_rules(rules)
    assert [(e.name, e.kwargs) for e in back] == [(e.name, e.kwargs) for e in suite] and sql_rules == []
    spec = load_spec("id: p\ninfo: {owner: t}\noutputPorts:\n  - id: x_v1\n    schema:\n" + "".join(f"      - {{name: {c}}}\n" for c in df.columns)).spec
    doc = to_odcs(spec, spec.outputPorts[0], quality=rules)
    validate_export("odcs", doc)
    props = {p["name"]: p for p in doc["schema"][0]["properties"]}
    assert props["id"]["quality"][0]["metric"] == "nullValues"
    assert doc["schema"][0]["quality"][0]["metric"] == "rowCount"
    # the same rules give the same verdicts as the expectations
    assert [r.success for r in validate(df, back).results] == [r.success for r in validate(df, suite).results]


def test_port_quality_rules_run_in_test(tmp_path, monkeypatch):
    import dp_notebook

    monkeypatch.chdir(tmp_path)
    spec = """id: q
info: {owner: t}
inputPorts: [{id: raw, name: raw, sourceSystemId: s}]
outputPorts:
  - id: x_v1
    schema: [{name: id, type: integer}]
    quality:
      - {type: library, metric: nullValues, column: id, mustBe: 0}
      - {type: sql, name: few rows, query: "SELECT count(*) FROM ${table}", mustBeLessThan: 3}
"""
    dp = dp_notebook.load(spec, workspace=dp_notebook.Workspace(tmp_path / ".dp"))
    dp.input("raw", pd.DataFrame({"id": [1, None, 3]}))
    dp.transform("x_v1", "SELECT id FROM raw")
    res = dp.test(raise_on_failure=False)
    by_name = {r.name: r for r in res.results}
    assert by_name["expect_column_values_to_not_be_null(id)"].unexpected_count == 1
    assert by_name["few rows"].success is False and by_name["few rows"].observed_value == 3
    with pytest.raises(ChecksFailed):
        dp.test()
