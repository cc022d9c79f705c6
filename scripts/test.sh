#!/usr/bin/env bash
# The README's test command: set up everything the tests need (scripts/setup.sh), install
# the npm dependencies, run the whole suite. Ends with "N passed, N failed, N skipped" (skipped = not run, with reasons).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
npm ci --no-audit --no-fund || { echo "0 passed, 1 failed"; exit 1; }
npm test
