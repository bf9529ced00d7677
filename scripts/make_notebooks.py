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
      - {name: sku, type: string, required: true, classification: internal, description: "Stock Keeping Unit, the business key of an article."}
      - {name: location, type: string, required: true, classification: internal, description: "The ID of the warehouse location."}
      - {name: available, type: integer, required: true, classification: internal, description: "Articles with this SKU available at this location."}
      - {name: last_sold_at, type: timestamp, classification: internal, description: "The last sale of this SKU (any location); empty if never sold."}
      - {name: days_without_sale, type: integer, classification: internal, description: "Days between the last sale and the as-of date."}
    serviceLevelObjectives:
      - {type: rowCount, min: 1, max: 100000, severity: error}
      - {type: completeness, column: location, threshold: 1.0}
tags: [fulfillment, stock]
"""
    ),
    code("%dataproduct lint"),
    md(
        """
## Input ports

In production these are Kafka topics; here they are small generated CSV
extracts shipped with the example. Each input is readable in SQL by its id.
"""
    ),
    code(
        """
%dataproduct input stock --from data/stock.csv
%dataproduct input sales --from data/sales.csv
"""
    ),
    md(
        """
## The transform

DuckDB SQL. `{{as_of}}` and `{{months}}` come from the parameters cell and are
bound as values, never pasted into the SQL. The result is written to staging,
checked against the port's contract and expectations, and only then served as
the view `fulfillment.shelf_warmers_v1`.
"""
    ),
    code(
        """
%%dataproduct expect shelf_warmers_v1
- expect_column_values_to_not_be_null: {column: sku}
- expect_compound_columns_to_be_unique: {column_list: [sku, location]}
- expect_column_values_to_be_between: {column: available, min_value: 1}
- expect_column_values_to_match_regex: {column: sku, regex: "^SKU-[0-9]{4}$"}
- expect_column_values_to_be_in_set: {column: location, value_set: [BER-1, HAM-2, MUC-3]}
- expect_column_values_to_be_between: {column: days_without_sale, min_value: 90, mostly: 0.95}
"""
    ),
    code(
        """
%%dataproduct transform shelf_warmers_v1
SELECT s.sku, s.location, s.available,
       max(x.sold_at)::TIMESTAMP AS last_sold_at,
       date_diff('day', max(x.sold_at)::TIMESTAMP, CAST({{as_of}} AS TIMESTAMP)) AS days_without_sale
FROM stock s
LEFT JOIN sales x ON x.sku = s.sku
WHERE s.available > 0
GROUP BY s.sku, s.location, s.available
HAVING max(x.sold_at) IS NULL
    OR max(x.sold_at)::TIMESTAMP < CAST({{as_of}} AS TIMESTAMP) - to_months({{months}})
ORDER BY days_without_sale DESC
"""
    ),
    md("## A unit test of the transform: fixed rows in, expected rows out (isolated from the real data)"),
    code(
        """
%%dataproduct unittest shelf_warmers_v1
- name: an article in stock without sales for months is a shelf warmer
  params: {as_of: "2026-11-01", months: 3}
  given:
    stock:
      - {sku: SKU-0001, location: BER-1, available: 5}
      - {sku: SKU-0002, location: BER-1, available: 7}
      - {sku: SKU-0003, location: BER-1, available: 0}
    sales:
      - {sku: SKU-0001, sold_at: 2026-03-01 10:00:00}
      - {sku: SKU-0002, sold_at: 2026-10-20 10:00:00}
      - {sku: SKU-0003, sold_at: 2026-01-01 10:00:00}
  expect:
    - {sku: SKU-0001, location: BER-1, days_without_sale: 245}
"""
    ),
    md("## Test everything (contract, expectations, unit tests, SLOs) — this cell fails the CI run when a check fails"),
    code("%dataproduct test"),
    md("## Example queries for consumers"),
    code("%dataproduct sql SELECT location, count(*) AS articles, sum(available) AS units FROM fulfillment.shelf_warmers_v1 GROUP BY location ORDER BY units DESC"),
    md("## Documentation, cost and publishing"),
    code("%dataproduct docs"),
    code("%dataproduct cost"),
    code("%dataproduct export odcs shelf_warmers_v1"),
    code("%dataproduct publish"),
]


ORDERS = [
    md(
        """
# Orders — a product with PII, a redacted port, roles and SLOs

The *Checkout* team publishes every order since 2026. One output port carries
PII (e-mail, name) and is restricted to the roles that may see it; a derived
port hashes the PII for everyone else. Service-level objectives are checked
on every run and kept as a quality history.

Try the failure mode: `dp-notebook run example_notebooks/orders.ipynb -p inject_bad_rows true`
exits 1 because the staged data breaks the contract — and the output port keeps
serving the last good data.
"""
    ),
    code(
        """
# Parameters
inject_bad_rows = False
""",
        "parameters",
    ),
    code("%load_ext dp_notebook"),
    code(
        """
%%dataproduct declare
dataProductSpecification: 0.0.1
id: orders
info:
  title: Orders
  owner: checkout
  domain: checkout
  description: All orders since 2026, one row per order line.
  status: active
  archetype: source-aligned
  maturity: managed
schedule: "*/30 * * * *"
price: {priceAmount: 120, priceCurrency: EUR, priceUnit: month}
inputPorts:
  - id: orders_raw
    name: Checkout orders
    sourceSystemId: checkout-service
    type: Kafka Topic
outputPorts:
  - id: orders_v1
    name: Orders (with PII)
    description: Order lines with customer contact data. Restricted to checkout and finance.
    type: SQL
    location: checkout.orders_v1
    containsPii: true
    rolesAllowed: [checkout, finance]
    schema:
      - {name: order_id, type: string, required: true, unique: true, classification: internal, description: "Order line id."}
      - {name: customer_id, type: string, required: true, classification: internal, description: "Customer key."}
      - {name: email, type: string, classification: restricted, pii: true, description: "Customer e-mail address."}
      - {name: full_name, type: string, classification: restricted, pii: true, description: "Customer name."}
      - {name: sku, type: string, required: true, classification: internal, description: "Article ordered."}
      - {name: quantity, type: integer, required: true, classification: internal, description: "Articles in this line."}
      - {name: amount_eur, type: "decimal(10,2)", required: true, classification: confidential, description: "Line amount in EUR."}
      - {name: ordered_at, type: timestamp, required: true, classification: internal, description: "When the order was placed (UTC)."}
      - {name: country, type: string, classification: internal, description: "ISO country code of the shipping address."}
    serviceLevelObjectives:
      - {type: freshness, column: ordered_at, threshold: 400d, severity: error}
      - {type: completeness, column: email, threshold: 0.99}
      - {type: rowCount, min: 100}
tags: [checkout, pii]
"""
    ),
    code("%dataproduct input orders_raw --from data/orders.csv"),
    md("The transform. With `inject_bad_rows` it adds rows that break the contract (a missing `order_id`)."),
    code(
        """
%%dataproduct transform orders_v1
SELECT order_id, customer_id, email, full_name, sku, quantity,
       CAST(amount_eur AS DECIMAL(10,2)) AS amount_eur,
       CAST(ordered_at AS TIMESTAMP) AS ordered_at, country
FROM orders_raw
UNION ALL
SELECT NULL, 'C-9999', 'bad@example.com', 'Bad Row', 'SKU-0001', -1, 0, TIMESTAMP '2026-11-01', 'XX'
WHERE {{inject_bad_rows}}
"""
    ),
    code(
        """
%%dataproduct expect orders_v1
- expect_column_values_to_not_be_null: {column: order_id}
- expect_column_values_to_be_unique: {column: order_id}
- expect_column_values_to_be_between: {column: quantity, min_value: 1, max_value: 100}
- expect_column_values_to_match_regex: {column: email, regex: "^[^@]+@[^@]+$", mostly: 0.99}
- expect_column_values_to_be_in_set: {column: country, value_set: [DE, AT, CH, NL]}
- expect_table_row_count_to_be_between: {min_value: 100}
"""
    ),
    md("A redacted port for everyone else: PII columns hashed, its own contract, no role restriction."),
    code("%dataproduct redact orders_v1 --as orders_redacted_v1"),
    code("%dataproduct quality"),
    code("%dataproduct test"),
    code("%dataproduct docs"),
    code("%dataproduct publish"),
]

CUSTOMER_360 = [
    md(
        """
# Customer 360 — a consumer-aligned product built from other products

The *Marketing* team combines two published products through their output
ports and contracts: **orders** (the PII-redacted port) and **shelf_warmers**.
Run `shelf_warmers.ipynb` and `orders.ipynb` first: they publish to the local
catalog that `%dataproduct use` reads.
"""
    ),
    code("%load_ext dp_notebook"),
    code(
        """
%%dataproduct declare
dataProductSpecification: 0.0.1
id: customer_360
info:
  title: Customer 360
  owner: marketing
  domain: marketing
  description: Per customer order history and affinity to slow-moving articles, for campaigns.
  status: active
  archetype: consumer-aligned
  maturity: defined
schedule: "0 5 * * 1"
outputPorts:
  - id: customer_360_v1
    name: Customer 360
    description: One row per (hashed) customer.
    type: SQL
    location: marketing.customer_360_v1
    schema:
      - {name: customer_id, type: string, required: true, unique: true, classification: internal, description: "Customer key."}
      - {name: orders, type: integer, required: true, classification: internal, description: "Number of order lines."}
      - {name: revenue_eur, type: "decimal(12,2)", required: true, classification: confidential, description: "Total amount in EUR."}
      - {name: last_order_at, type: timestamp, classification: internal, description: "Latest order."}
      - {name: shelf_warmer_skus, type: integer, required: true, classification: internal, description: "Distinct shelf-warmer articles this customer bought before."}
"""
    ),
    code(
        """
%dataproduct use orders.orders_redacted_v1 --as orders --role marketing
%dataproduct use shelf_warmers.shelf_warmers_v1 --as shelf_warmers --role coo
"""
    ),
    code(
        """
%%dataproduct transform customer_360_v1
SELECT o.customer_id,
       count(*) AS orders,
       CAST(sum(o.amount_eur) AS DECIMAL(12,2)) AS revenue_eur,
       max(o.ordered_at) AS last_order_at,
       count(DISTINCT s.sku) AS shelf_warmer_skus
FROM orders o
LEFT JOIN (SELECT DISTINCT sku FROM shelf_warmers) s ON s.sku = o.sku
GROUP BY o.customer_id
"""
    ),
    code(
        """
%%dataproduct expect customer_360_v1
- expect_column_values_to_be_unique: {column: customer_id}
- expect_column_values_to_be_between: {column: orders, min_value: 1}
"""
    ),
    code("%dataproduct test"),
    code("%dataproduct sql SELECT * FROM marketing.customer_360_v1 ORDER BY revenue_eur DESC LIMIT 5"),
    code("%dataproduct docs"),
    code("%dataproduct publish"),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    nbformat.write(notebook(SHELF_WARMERS), OUT / "shelf_warmers.ipynb")
    nbformat.write(notebook(ORDERS), OUT / "orders.ipynb")
    nbformat.write(notebook(CUSTOMER_360), OUT / "customer_360.ipynb")


if __name__ == "__main__":
    main()
