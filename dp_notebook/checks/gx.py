"""Great Expectations interop: suite JSON import (1.x and 0.x) and export (1.x), and the
optional ``engine="gx"`` runner (GX on pandas) used for parity tests.

GX is an optional extra (``pip install dp-notebook[gx]``), imported only here.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ExpectationError
from .model import CheckResult, Expectation, SuiteResult


def import_gx_suite(data: str | dict) -> list[Expectation]:
    """Parse GX suite JSON (1.x ``type`` or 0.x ``expectation_type`` items)."""
    from .run import parse_suite

    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ExpectationError(f"not GX suite JSON: {exc}") from None
    if not isinstance(data, dict) or "expectations" not in data:
        raise ExpectationError("a GX suite is a JSON object with an 'expectations' list")
    return parse_suite(data["expectations"], source=str(data.get("name") or data.get("expectation_suite_name") or "suite"))


_GX_SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}
_ITEM_FIELDS = ("meta", "severity", "description", "notes")


def to_gx_item(e: Expectation) -> dict[str, Any]:
    """One expectation as GX 1.x saves it: ``severity`` (omitted for error: GX's default ``critical``), ``meta``, ``description``
    and ``notes`` beside ``kwargs``; row conditions in GX's structured form where they have one."""
    from .conditions import to_gx_condition

    kwargs = {k: v for k, v in e.kwargs.items() if k not in _ITEM_FIELDS and k != "condition_parser"}
    if e.kwargs.get("row_condition") not in (None, ""):
        cond, parser = to_gx_condition(e.kwargs["row_condition"], e.kwargs.get("condition_parser"))
        kwargs["row_condition"] = cond
        if parser:
            kwargs["condition_parser"] = parser
    else:
        kwargs.pop("row_condition", None)
    item: dict[str, Any] = {"type": e.name, "kwargs": kwargs, "meta": dict(e.kwargs.get("meta") or {})}
    if e.kwargs.get("severity", "error") != "error":  # GX's default, critical, is left implicit
        item["severity"] = _GX_SEVERITY[str(e.kwargs["severity"])]
    for key in ("description", "notes"):
        if e.kwargs.get(key) is not None:
            item[key] = e.kwargs[key]
    return item


def export_gx_suite(name: str, expectations: list[Expectation]) -> dict[str, Any]:
    """A GX 1.x suite document that ``gx.ExpectationSuite(**doc)`` loads.

        >>> from .run import parse_suite
        >>> export_gx_suite("orders", parse_suite([{"not_null": {"column": "id"}}]))["expectations"][0]["type"]
        'expect_column_values_to_not_be_null'
    """
    return {
        "name": name,
        "expectations": [to_gx_item(e) for e in expectations],
        "meta": {"great_expectations_version": "1.24.1", "generated_by": "dp-notebook"},
        "notes": None,
    }


def gx_suite_files(product_id: str, suites: dict[str, list[Expectation]], target: str | None = None) -> dict[str, str]:
    """``{"<target>.gx.json": suite JSON}`` for each target's suite (or the one ``target``); suites are named
    ``<product>.<target>``. What ``%dataproduct export gx [TARGET]`` writes."""
    if target is not None:
        if target not in suites:
            known = ", ".join(sorted(suites)) or "none yet"
            raise ExpectationError(f"no expectations on {target!r} in {product_id} (targets with expectations: {known})")
        suites = {target: suites[target]}
    return {
        f"{t}.gx.json": json.dumps(export_gx_suite(f"{product_id}.{t}", exps), indent=2) + "\n"
        for t, exps in sorted(suites.items())
        if exps
    }


def run_with_gx(data: Any, expectations: list[Expectation]) -> SuiteResult:
    """Run the same suite through GX's pandas execution (needs great-expectations installed)."""
    try:
        import great_expectations as gx
        import great_expectations.expectations as gxe
    except ImportError:
        raise ExpectationError("engine='gx' needs Great Expectations: pip install 'dp-notebook[gx]'") from None
    import os

    import pandas as pd

    os.environ.setdefault("TQDM_DISABLE", "1")  # GX's metric progress bars would flood notebooks and logs
    frame = _frame(data, pd)
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("dp").add_dataframe_asset("data").add_batch_definition_whole_dataframe("all").get_batch(
        batch_parameters={"dataframe": frame}
    )
    results = []
    for e in expectations:
        cls_name = "".join(p.capitalize() for p in e.name.removeprefix("expect_").split("_"))
        cls = getattr(gxe, "Expect" + cls_name, None)
        if cls is None:
            raise ExpectationError(f"GX has no expectation class for {e.name}")
        item = to_gx_item(e)
        extra = {k: item[k] for k in ("meta", "severity", "description", "notes") if k in item}
        res = batch.validate(cls(**item["kwargs"], **extra))
        r = res.result or {}
        results.append(
            CheckResult(
                name=e.label(), target="data", kind="expectation", success=bool(res.success),
                unexpected_count=r.get("unexpected_count"), unexpected_percent=r.get("unexpected_percent"),
                element_count=r.get("element_count"), observed_value=r.get("observed_value"), kwargs=dict(e.kwargs), column=e.column,
                severity=str(e.kwargs.get("severity", "error")),
            )
        )
    return SuiteResult("data", results)


def _frame(data: Any, pd: Any) -> Any:
    from pathlib import Path

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, Path)):
        path = Path(data)
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix in (".csv", ".tsv"):
            return pd.read_csv(path)
        return pd.read_json(path, lines=path.suffix == ".jsonl")
    if hasattr(data, "df"):
        return data.df()
    raise ExpectationError(f"engine='gx' cannot read {type(data).__name__}")
