"""Stage 1 of the pipeline: declarations in, the canonical model out.

``load_spec`` reads DPS 0.0.1 or ODPS v1 YAML (detected from the document)
into a :class:`DataProductSpec`; ``spec_findings`` lists every problem with
its line for ``lint``; ``export`` writes the model to each standard.
"""

from .load import Finding, LoadedSpec, load_spec, official_schema, spec_findings
from .model import Column, DataProductSpec, InputPort, OutputPort, Price, SLO

__all__ = [
    "Column",
    "DataProductSpec",
    "Finding",
    "InputPort",
    "LoadedSpec",
    "OutputPort",
    "Price",
    "SLO",
    "load_spec",
    "official_schema",
    "spec_findings",
]
