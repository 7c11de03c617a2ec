#!/usr/bin/env bash
# `npm run bench [-- options]`: everything a fresh machine needs, then the harness.
# Starts the local servers and the Temporal CLI (scripts/setup.sh), installs node
# modules and the peer tools (bench/install-peers.sh), builds, and runs bench/run.js
# with the given options (quick size by default; `-- --size 1m` for the default size).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/setup.sh)"
bash scripts/install-node-modules.sh
bash bench/install-peers.sh
npm run --silent build
exec node bench/run.js "$@"
