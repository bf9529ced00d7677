"""Stage 6 of the pipeline: publish specs, contracts, data snapshots and results.

Targets: a catalog directory (the embedded mesh; default ``.dp/catalog``) and
a Data Mesh Manager–compatible REST API. With a URL the local catalog is
updated only after the remote publish succeeded, so nothing is half-published.
"""

from .diff import DiffResult, diff_summaries
from .file import PublishReport, current_summary, publish_to_catalog
from .http import DataMeshManagerClient, plan_requests

__all__ = ["DataMeshManagerClient", "DiffResult", "PublishReport", "current_summary", "diff_summaries", "plan_requests", "publish_to_catalog"]
