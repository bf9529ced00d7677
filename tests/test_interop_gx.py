"""Great Expectations 1.x interop, differential: suites authored with GX's own classes, run by GX
itself (pandas and SQL engines) and by dp-notebook's ``validate()``, must agree on success and
unexpected counts. Imports keep severity/meta/mostly; exports load back into GX unchanged."""

from __future__ import annotations

import json
import os
import sqlite3
import warnings

import pandas as pd
import pytest

from dp_notebook import validate
from dp_notebook.checks.gx import export_gx_suite, gx_suite_files, import_gx_suite
from dp_notebook.checks.run import parse_suite
from dp_notebook.errors import ExpectationError

gx = pytest.importorskip("great_expectations", reason="the gx extra is not installed")
pytest.importorskip("sqlalchemy", reason="GX's SQL engine (sqlite) needs sqlalchemy")
os.environ.setdefault("TQDM_DISABLE", "1")
from great_expectations.expectations.row_conditions import Column  # noqa: E402

gxe = gx.expectations


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rows = []
    countries = ["AT", "DE", "FR", None, "AT", "IT", "AT", "DE"]
    for i in range(40):
        rows.append(
            {
                "id": i if i != 7 else 3,  # one duplicate id
                "country": countries[i % len(countries)],
                "amount": None if i % 9 == 0 else float(i * 2.5),
                "n": i % 6,
                "status": ["open", "closed", "void", "open"][i % 4],
                "code": f"C-{i:03d}" if i % 11 else f"bad{i}",
                "lo": i,
                "hi": i + (1 if i % 13 else -1),
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def gx_batches(frame, tmp_path_factory):
    """(pandas batch, sqlite batch) over the same rows, through GX's fluent data sources."""
    warnings.filterwarnings("ignore")
    path = tmp_path_factory.mktemp("gx") / "rows.sqlite"
    with sqlite3.connect(path) as con:
        frame.to_sql("rows", con, index=False)
    context = gx.get_context(mode="ephemeral")
    pandas_batch = (
        context.data_sources.add_pandas("pd").add_dataframe_asset("rows").add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    )
    sql_batch = context.data_sources.add_sqlite("sql", connection_string=f"sqlite:///{path}").add_table_asset("rows", table_name="rows").add_batch_definition_whole_table("all").get_batch()
    return {"pandas": pandas_batch, "sql": sql_batch}


def _compare(frame, batch, expectation) -> None:
    """GX's verdict on ``batch`` and dp-notebook's on ``frame`` for the saved form of ``expectation``."""
    theirs = batch.validate(expectation)
    saved = json.loads(json.dumps(expectation.configuration.to_json_dict()))
    ours = validate(frame, [saved]).results[0]
    label = json.dumps(saved["kwargs"].get("row_condition"))
    assert ours.success == theirs.success, f"{saved['type']} {label}: GX {theirs.success}, dp-notebook {ours.success} ({ours.message})"
    if "unexpected_count" in theirs.result:
        assert ours.unexpected_count == theirs.result["unexpected_count"], f"{saved['type']} {label}: unexpected counts differ"
    elif "observed_value" in theirs.result:
        assert ours.observed_value == pytest.approx(theirs.result["observed_value"])


# structured conditions: SQL null logic, as GX's SQL engines evaluate them
STRUCTURED = [
    gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["open", "closed"], row_condition=Column("country") == "AT"),
    gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["open", "closed"], row_condition=Column("country") != "AT"),
    gxe.ExpectColumnValuesToNotBeNull(column="amount", row_condition=(Column("country") == "DE") & (Column("n") > 2)),
    gxe.ExpectColumnValuesToNotBeNull(column="amount", row_condition=Column("country").is_in(["AT", "IT"]) | Column("country").is_null()),
    gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=10, max_value=60, row_condition=Column("status").is_not_in(["void"]), mostly=0.5),
    gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"^C-\d+$", row_condition=Column("n") >= 1),
    gxe.ExpectColumnValuesToBeUnique(column="id", row_condition=Column("n") <= 3),
    gxe.ExpectColumnValuesToBeUnique(column="id", row_condition=Column("n") == 5),
    gxe.ExpectColumnValuesToBeNull(column="amount", row_condition=Column("amount").is_null()),
    gxe.ExpectColumnMaxToBeBetween(column="amount", max_value=50, row_condition=Column("country") == "FR"),
    gxe.ExpectColumnMeanToBeBetween(column="amount", min_value=40, row_condition=Column("country") < "DE"),
    gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="hi", column_B="lo", row_condition=Column("status") == "open"),
    gxe.ExpectCompoundColumnsToBeUnique(column_list=["id", "n"], row_condition=Column("status") != "void"),
]


@pytest.mark.parametrize("expectation", STRUCTURED, ids=lambda e: f"{e.expectation_type}:{e.row_condition!r}")
def test_structured_conditions_agree_with_gx_sql(frame, gx_batches, expectation):
    _compare(frame, gx_batches["sql"], expectation)


@pytest.mark.parametrize("expectation", [e for e in STRUCTURED if "!=" not in repr(e.row_condition) and "NOT_IN" not in repr(e.row_condition)][:8], ids=lambda e: repr(e.row_condition))
def test_structured_conditions_agree_with_gx_pandas_where_its_engines_agree(frame, gx_batches, expectation):
    _compare(frame, gx_batches["pandas"], expectation)


def test_structured_not_equal_follows_gx_sql_not_gx_pandas(frame, gx_batches):
    """GX's own engines disagree on nulls under != (pandas keeps them); dp-notebook follows SQL (docs/interop.md)."""
    e = gxe.ExpectColumnValuesToNotBeNull(column="amount", row_condition=Column("country") != "AT")
    sql, pandas_ = gx_batches["sql"].validate(e), gx_batches["pandas"].validate(e)
    assert sql.result["unexpected_count"] < pandas_.result["unexpected_count"]
    ours = validate(frame, [e.configuration.to_json_dict()]).results[0]
    assert ours.unexpected_count == sql.result["unexpected_count"]


def test_compound_uniqueness_with_nulls_follows_gx_pandas(frame, gx_batches):
    """GX's engines disagree on keys holding a null: pandas counts (None, 3) twice as a duplicate,
    SQL does not. dp-notebook counts them, as GX on pandas does (docs/interop.md)."""
    e = gxe.ExpectCompoundColumnsToBeUnique(column_list=["country", "n"], row_condition=Column("status") != "void")
    sql, pandas_ = gx_batches["sql"].validate(e), gx_batches["pandas"].validate(e)
    assert sql.result["unexpected_count"] < pandas_.result["unexpected_count"]
    _compare(frame, gx_batches["pandas"], e)


# legacy pandas parser (GX 1.24 saves it as a pass_through condition): pandas' null logic
PANDAS_CONDITIONS = [
    'country == "AT"',
    "country != 'AT'",
    "country == 'DE' and n > 2",
    "(country == 'DE') & (n > 2) | (status == 'void')",
    "country in ['AT', 'IT']",
    "country not in ['AT', 'IT']",
    "not (n < 3)",
    "~(status == 'open')",
    "1 < n <= 4",
    "amount.isnull()",
    "amount.notnull() and n != 0",
    "amount > 20.5",
    "`status` == 'open'",
    "n * 2 >= 6",
]


@pytest.mark.parametrize("condition", PANDAS_CONDITIONS)
def test_pandas_conditions_agree_with_gx_pandas(frame, gx_batches, condition):
    e = gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["open", "closed"], row_condition=condition, condition_parser="pandas")
    _compare(frame, gx_batches["pandas"], e)
    e = gxe.ExpectColumnValuesToNotBeNull(column="amount", row_condition=condition, condition_parser="pandas", mostly=0.9)
    _compare(frame, gx_batches["pandas"], e)


@pytest.mark.parametrize("condition", ['col("country")=="AT"', "col(\"n\") > 2", "col('status') != 'open'".replace("col('status')", 'col("status")'), 'col("amount").notnull()', 'col("n")<=-1'])
def test_legacy_great_expectations_parser_agrees_with_gx(frame, gx_batches, condition):
    """A suite saved by an older GX 1.x keeps the string and the parser; GX 1.24 reads it on its SQL engine."""
    item = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "status", "value_set": ["open"], "row_condition": condition, "condition_parser": "great_expectations"}}
    theirs = gx_batches["sql"].validate(gxe.ExpectColumnValuesToBeInSet(**item["kwargs"]))
    ours = import_gx_suite({"name": "legacy", "expectations": [item]})
    result = validate(frame, ours).results[0]
    assert result.success == theirs.success
    assert result.unexpected_count == (theirs.result.get("unexpected_count") or 0)  # GX says None for no rows


def test_legacy_parser_is_no_longer_a_constant_false(frame):
    """The reported bug: col("country")=="AT" compared two string constants and saw 0 of 0 rows."""
    suite = [{"in_set": {"column": "status", "value_set": ["open"], "row_condition": 'col("country")=="AT"', "condition_parser": "great_expectations"}}]
    result = validate(frame, suite).results[0]
    at = frame[frame.country == "AT"]
    assert result.unexpected_count == int((at.status != "open").sum()) > 0
    assert result.success is False


def test_a_suite_saved_by_gx_imports_with_severity_meta_and_mostly(tmp_path):
    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(gx.ExpectationSuite(name="orders"))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="id", mostly=0.95, severity="warning", meta={"owner": "ops"}, description="ids present"))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["open"], row_condition=Column("n") > 1, severity="info", notes="only later rows"))
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1))
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(suite.to_json_dict()))
    parsed = import_gx_suite(path.read_text())
    assert [e.kwargs.get("severity") for e in parsed] == ["warning", "info", "error"]
    assert parsed[0].kwargs["mostly"] == 0.95 and parsed[0].kwargs["meta"] == {"owner": "ops"} and parsed[0].kwargs["description"] == "ids present"
    assert parsed[1].kwargs["notes"] == "only later rows"
    # a warning-severity failure does not fail the run, as in GX checkpoints
    result = validate(pd.DataFrame({"id": [None, 1], "status": ["x", "x"], "n": [2, 2]}), str(path))
    assert [r.success for r in result.results] == [False, False, True]
    assert result.success is True


def test_export_loads_back_into_gx_unchanged():
    """Our export is GX 1.x JSON: GX builds the suite, and its own JSON equals ours (ids aside)."""
    suite = parse_suite(
        [
            {"in_set": {"column": "status", "value_set": ["open"], "row_condition": "country = 'AT' AND n > 2", "mostly": 0.5, "severity": "warning"}},
            {"not_null": {"column": "amount", "row_condition": "country IS NULL OR country IN ('AT', 'IT')", "meta": {"k": 1}, "description": "amounts"}},
            {"not_null": {"column": "amount", "row_condition": "amount > 2 * n"}},
            {"unique": {"column": "id", "row_condition": "n >= 1", "condition_parser": "pandas"}},
            {"row_count_between": {"min_value": 1, "max_value": 10}},
        ]
    )
    doc = export_gx_suite("orders", suite)
    loaded = gx.ExpectationSuite(**json.loads(json.dumps(doc)))
    theirs = [{k: v for k, v in e.configuration.to_json_dict().items() if k not in ("id", "rendered_content")} for e in loaded.expectations]
    ours = [{k: v for k, v in item.items()} for item in doc["expectations"]]
    for t, o in zip(theirs, ours):
        assert t["type"] == o["type"] and t["severity"] == o.get("severity", "critical") and t["meta"] == o["meta"]
        assert json.loads(json.dumps(t["kwargs"])) == {k: v for k, v in o["kwargs"].items()}
    # and our own import of the export is the suite we started from
    again = import_gx_suite(json.dumps(doc))
    assert [(e.name, e.kwargs.get("severity", "error"), e.kwargs.get("mostly")) for e in again] == [(e.name, e.kwargs.get("severity", "error"), e.kwargs.get("mostly")) for e in suite]


def test_exported_conditions_mean_the_same_in_gx(frame, gx_batches):
    """A DuckDB-SQL condition exported as a structured GX condition selects the same rows in GX."""
    ours = parse_suite([{"in_set": {"column": "status", "value_set": ["open", "closed"], "row_condition": "country IN ('AT', 'DE') AND n > 1"}}])
    item = export_gx_suite("s", ours)["expectations"][0]
    theirs = gx_batches["sql"].validate(gxe.ExpectColumnValuesToBeInSet(**item["kwargs"]))
    mine = validate(frame, ours).results[0]
    assert (mine.success, mine.unexpected_count) == (theirs.success, theirs.result["unexpected_count"])


def test_gx_suite_files_per_target():
    suites = {"orders_v1": parse_suite([{"not_null": {"column": "id"}}]), "raw": parse_suite([{"unique": {"column": "id"}}])}
    files = gx_suite_files("shop", suites)
    assert sorted(files) == ["orders_v1.gx.json", "raw.gx.json"]
    assert json.loads(files["raw.gx.json"])["name"] == "shop.raw"
    assert list(gx_suite_files("shop", suites, "raw")) == ["raw.gx.json"]
    with pytest.raises(ExpectationError, match="no expectations on 'nope'.*orders_v1, raw"):
        gx_suite_files("shop", suites, "nope")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"row_condition": "country.str.startswith('A')", "condition_parser": "pandas"}, "the call startswith"),
        ({"row_condition": "country == @wanted", "condition_parser": "pandas"}, "'@variable' references"),
        ({"row_condition": {"type": "regex", "column": {"name": "c"}}}, "unknown condition type 'regex'"),
        ({"row_condition": {"type": "comparison", "column": {"name": "c"}, "operator": "LIKE", "parameter": "x"}}, "unknown comparison operator 'LIKE'"),
        ({"row_condition": 'col("a") == "x" and col("b") == "y"', "condition_parser": "great_expectations"}, "great_expectations syntax"),
        ({"row_condition": "a = 1", "condition_parser": "python"}, "condition_parser 'python' is not supported"),
        ({"value_set": {"$PARAMETER": "allowed"}}, "suite parameter"),
    ],
)
def test_constructs_refused_with_a_clear_error(kwargs, message):
    item = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "c", "value_set": ["x"], **kwargs}}
    with pytest.raises(ExpectationError, match=message):
        import_gx_suite({"name": "s", "expectations": [item]})


def test_one_bad_expectation_is_reported_with_every_other_problem():
    suite = {
        "name": "s",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
            {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "b", "value_set": [1], "row_condition": {"type": "bogus"}}},
            {"type": "expect_column_values_to_be_fancy", "kwargs": {"column": "c"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "d"}, "severity": "fatal"},
        ],
    }
    with pytest.raises(ExpectationError) as info:
        import_gx_suite(suite)
    text = str(info.value)
    assert text.startswith("3 of 4 expectations cannot be used")
    assert "expectations[1]" in text and "bogus" in text and "expectations[2]" in text and "fancy" in text and "'fatal'" in text
