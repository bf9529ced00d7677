#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs everything it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,gx
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
