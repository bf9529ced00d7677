"""Write the example notebooks from this one readable source.

The .ipynb files are committed (they are what users open); edit them here
and re-run:  .venv/bin/python scripts/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "example_notebooks"


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str, *tags: str):
    cell = new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


SHELF_WARMERS = [
    md(
        """
# Shelf Warmers — a source-aligned data product

The *Fulfillment* team publishes **Shelf Warmers**: every article that is in
stock somewhere but has not sold for three months. This notebook *is* the
product: it declares the product, builds its output port with SQL on an
embedded DuckDB, tests it, documents it and publishes it to the local catalog.
Run it top to bottom, or in CI with `dp-notebook run example_notebooks/shelf_warmers.ipynb`.
"""
    ),
    code(
        """
# Parameters (papermill overrides these: dp-notebook run ... -p months 6)
as_of = "2026-11-01"
months = 3
""",
        "parameters",
    ),
    code("%load_ext dp_notebook"),
    md(
        """
## Declare the product

Data Product Specification 0.0.1, with dp-notebook's extensions: the output
port's `schema` (columns, types, classification), `rolesAllowed`, SLOs, a
cron `schedule` and a consumer `price`.
"""
    ),
    code(
        """
%%dataproduct declare
dataProductSpecification: 0.0.1
id: shelf_warmers
info:
  title: Shelf Warmers
  owner: fulfillment
  domain: fulfillment
  description: Articles that have not sold for 3 months and take up space on the shelf.
  status: active
  archetype: source-aligned
  maturity: managed
schedule: "0 3 * * *"
price: {priceAmount: 25, priceCurrency: EUR, priceUnit: month}
inputPorts:
  - id: stock
    name: Stock levels
    sourceSystemId: stock-service
    type: Kafka Topic
    description: Current stock per SKU and warehouse location.
  - id: sales
    name: Sales
    sourceSystemId: checkout-service
    type: Kafka Topic
    description: Every sold article line.
outputPorts:
  - id: shelf_warmers_v1
    name: Shelf warmers
    description: One row per SKU and location that has stock but no sale in the last months.
    type: SQL
    location: fulfillment.shelf_warmers_v1
    containsPii: false
    rolesAllowed: [coo, fulfillment]
    schema:
      - {name: sku, type: string, required: true, classification: internal, description: Stock Keeping Unit, the business key of an article.}
      - {name: location, type: string, required: true, classification: internal, description: The ID of the warehouse location.}
      - {name: available, type: integer, required: true, classification: internal, description: Articles with this SKU available at this location.}
      - {name: last_sold_at, type: timestamp, classification: internal, description: The last sale of this SKU (any location); empty if never sold.}
      - {name: days_without_sale, type: integer, classification: internal, description: Days between the last sale and the as-of date.}
    serviceLevelObjectives:
      - {type: rowCount, min: 1, max: 100000, severity: error}
      - {type: completeness, column: location, threshold: 1.0}
tags: [fulfillment, stock]
"""
    ),
    code("%dataproduct lint"),
    md("## Export the specifications and data contracts"),
    code("%dataproduct export odcs shelf_warmers_v1"),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    nbformat.write(notebook(SHELF_WARMERS), OUT / "shelf_warmers.ipynb")


if __name__ == "__main__":
    main()
