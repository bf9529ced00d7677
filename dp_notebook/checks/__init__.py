"""Stage 4 of the pipeline: checks. Expectations (GX vocabulary compiled to DuckDB SQL),
unit tests of transforms, quality (SLO) checks and the port contract share one
result shape (``CheckResult``/``SuiteResult``)."""

from .model import CheckResult, Expectation, SuiteResult
from .run import parse_suite, run_suite
from .validate import validate

__all__ = ["CheckResult", "Expectation", "SuiteResult", "parse_suite", "run_suite", "validate"]
