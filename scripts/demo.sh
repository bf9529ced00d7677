#!/usr/bin/env bash
# The main job: install dp-notebook and run the example notebooks end to end
# on the embedded DuckDB; executed notebooks, docs and specs land in build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=build/demo
mkdir -p "$out"
for nb in example_notebooks/shelf_warmers.ipynb; do
  .venv/bin/dp-notebook run "$nb" --out "$out/$(basename "$nb" .ipynb)"
done
echo
echo "Done. Open $out/ for the executed notebooks, product docs and exported specs."
