#!/usr/bin/env bash
# `npm test`: installs and starts what the tests need (Temporal CLI, PostgreSQL,
# MariaDB, FerretDB), installs node modules, builds, then runs jest.
# jest's own results land in .jest-results.json for .ci/run's count.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash scripts/setup.sh)"
bash scripts/install-node-modules.sh
npm run --silent build
rm -f .jest-results.json
exec npx jest --json --outputFile=.jest-results.json "$@"
