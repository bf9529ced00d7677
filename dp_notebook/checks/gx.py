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


def export_gx_suite(name: str, expectations: list[Expectation]) -> dict[str, Any]:
    """A GX 1.x suite document."""
    return {"name": name, "expectations": [e.to_gx() for e in expectations], "meta": {"great_expectations_version": "1.x", "generated_by": "dp-notebook"}}


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
        kwargs = {k: v for k, v in e.kwargs.items() if k not in ("severity", "description")}
        res = batch.validate(cls(**kwargs))
        r = res.result or {}
        results.append(
            CheckResult(
                name=e.label(), target="data", kind="expectation", success=bool(res.success),
                unexpected_count=r.get("unexpected_count"), unexpected_percent=r.get("unexpected_percent"),
                element_count=r.get("element_count"), observed_value=r.get("observed_value"), kwargs=dict(e.kwargs), column=e.column,
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
