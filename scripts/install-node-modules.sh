#!/usr/bin/env bash
# npm ci when node_modules is missing or older than package-lock.json; a no-op otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing node modules (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi
