"""A notebook with one output of every kind dp-notebook renders (cards, tables, checks with a
warning and a failure, quality trends, cost, docs, lineage, lint, export, publish, progress, the
port browser and results widgets): what the theme and contrast tests look at."""

from __future__ import annotations

from pathlib import Path

import nbformat

DECLARE = """%%dataproduct declare
dataProductSpecification: 0.0.1
id: shop_orders
info:
  title: Shop orders
  owner: checkout
  domain: checkout
  description: Order lines of the web shop, one row per line, with a SHA-256 digest of the customer.
  status: active
  archetype: source-aligned
schedule: "0 3 * * *"
price: {priceAmount: 120, priceCurrency: EUR, priceUnit: month}
inputPorts:
  - {id: raw_orders, name: raw orders, sourceSystemId: shop}
outputPorts:
  - id: orders_v1
    description: Order lines with a customer digest. Restricted to checkout and finance.
    location: checkout.orders_v1
    containsPii: true
    rolesAllowed: [checkout, finance]
    serviceLevelObjectives:
      - {type: rowCount, min: 1000}
      - {type: completeness, column: customer_digest, threshold: 0.99}
    schema:
      - {name: order_id, type: string, required: true, unique: true, classification: internal, description: Order line id.}
      - {name: customer_digest, type: string, classification: confidential, pii: true, description: "SHA-256 of the customer's e-mail address, 64 hexadecimal characters."}
      - {name: quantity, type: integer, classification: internal, description: Units ordered.}
      - {name: amount, type: double, classification: internal, description: Line total in EUR.}
"""

CELLS = [
    "%load_ext dp_notebook",
    DECLARE,
    "import hashlib, pandas as pd\n"
    "raw = pd.DataFrame({'order_id': [f'O-{i:06d}' for i in range(1500)],\n"
    "                    'customer_digest': [hashlib.sha256(f'c{i % 300}@example.com'.encode()).hexdigest() for i in range(1500)],\n"
    "                    'quantity': [1 + i % 7 for i in range(1500)], 'amount': [round(3.5 + (i % 40) * 1.25, 2) for i in range(1500)]})",
    "%dataproduct input raw_orders --from raw",
    "%%dataproduct transform orders_v1\nSELECT order_id, customer_digest, quantity, amount FROM raw_orders",
    "%%dataproduct expect orders_v1\n- expect_column_values_to_not_be_null: {column: order_id}\n- expect_column_values_to_be_unique: {column: order_id}\n"
    "- expect_column_values_to_be_between: {column: quantity, min_value: 1, max_value: 5, severity: warning}",
    "%dataproduct test",
    "from dp_notebook.checks.model import CheckResult, SuiteResult\n"
    "SuiteResult('orders_v1', [CheckResult('not_null(order_id)', 'orders_v1', 'expectation', True, message='0 of 1,500 null'),\n"
    "    CheckResult('values_between(amount)', 'orders_v1', 'expectation', False, message='12 of 1,500 rows above 50', unexpected_count=12, unexpected_percent=0.8,\n"
    "                unexpected_sample=[{'order_id': 'O-000039', 'amount': 52.25}]),\n"
    "    CheckResult('freshness(ordered_at)', 'orders_v1', 'quality', False, message='newest row is 26 h old (limit 24 h)', severity='warning')])",
    "%dataproduct quality",
    "%dataproduct quality",
    "%dataproduct cost",
    "%dataproduct lint",
    "%dataproduct export odcs orders_v1 --out specs",
    "%dataproduct docs",
    "from dp_notebook.render.lineage import LineageResult\nLineageResult(_dp_session.product().lineage())",
    "%dataproduct publish",
    "from dp_notebook.render.progress import Progress\np = Progress('orders_v1', enabled=True)\np.stage('staging'); p.stage('checks', rows=1500, elapsed=2.1)\n"
    "q = Progress('orders_v1', enabled=True)\nq.stage('staging'); q.done('orders_v1: 1,500 rows written in 2.3 s', success=True)",
    "%dataproduct results",
    "%dataproduct browse",
]


def write(folder: Path, name: str = "showcase.ipynb") -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, path)
    return path

# what each cell's output is called in screenshots (None: no output)
KINDS = [None, "declare", None, "input", "transform", "expect", "test", "checks-failed", "quality", "quality-trend", "cost", "lint", "export", "docs",
         "lineage", "publish", "progress", "results", "browse"]
assert len(KINDS) == len(CELLS)
