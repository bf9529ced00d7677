"""JSON Schema export against real rows, with format checking on: rows as DuckDB writes them
(COPY … (FORMAT json)) and as pandas writes them (ISO 8601) validate; wrong rows do not."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from jsonschema import Draft202012Validator

from dp_notebook.spec import load_spec
from dp_notebook.spec.export import to_jsonschema

SPEC = """
id: events
info: {title: Events, owner: ops}
outputPorts:
  - id: events_v1
    schema:
      - {name: id, type: integer, required: true}
      - {name: seen_at, type: timestamp, required: true}
      - {name: seen_at_utc, type: timestamptz}
      - {name: day, type: date}
      - {name: at_time, type: time}
      - {name: ns, type: TIMESTAMP_NS}
      - {name: amount, type: "decimal(10,2)"}
"""


@pytest.fixture(scope="module")
def validator():
    spec = load_spec(SPEC).spec
    schema = to_jsonschema(spec, spec.outputPorts[0])
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _duckdb_rows(tmp_path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Vienna'")
    con.execute(
        """CREATE TABLE e AS SELECT * FROM (VALUES
        (1, TIMESTAMP '2024-03-01 10:00:00', TIMESTAMPTZ '2024-03-01 10:00:00+02', DATE '2024-03-01', TIME '10:00:01', TIMESTAMP_NS '2024-03-01 10:00:00.123456789', 1.5::DECIMAL(10,2)),
        (2, TIMESTAMP '2024-03-01 10:00:00.25', NULL, NULL, NULL, NULL, NULL)
        ) t(id, seen_at, seen_at_utc, day, at_time, ns, amount)"""
    )
    path = tmp_path / "rows.json"
    con.execute(f"COPY e TO '{path}' (FORMAT json)")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rows_written_by_duckdb_validate_with_format_checking(validator, tmp_path):
    rows = _duckdb_rows(tmp_path)
    assert rows[0]["seen_at"] == "2024-03-01 10:00:00"  # naive: no offset, which format date-time would demand
    for row in rows:
        assert not list(validator.iter_errors(row)), row


def test_rows_written_by_pandas_validate(validator):
    frame = pd.DataFrame({"id": [1], "seen_at": [pd.Timestamp("2024-03-01 10:00:00")], "seen_at_utc": [pd.Timestamp("2024-03-01 10:00", tz="UTC")], "day": ["2024-03-01"]})
    for row in json.loads(frame.to_json(orient="records", date_format="iso")):
        assert not list(validator.iter_errors(row)), row


@pytest.mark.parametrize(
    "field, value",
    [("seen_at", "yesterday"), ("seen_at", "2024-03-01"), ("day", "2024-02-30"), ("seen_at_utc", "2024-03-01 10:00:00"), ("at_time", "10h"), ("id", "1")],
)
def test_wrong_values_are_caught(validator, field, value):
    row = {"id": 1, "seen_at": "2024-03-01 10:00:00", field: value}
    assert list(validator.iter_errors(row))


def test_naive_timestamps_carry_no_date_time_format():
    spec = load_spec(SPEC).spec
    props = to_jsonschema(spec, spec.outputPorts[0])["properties"]
    assert "format" not in props["seen_at"] and "format" not in props["at_time"]
    assert props["day"]["format"] == "date"
