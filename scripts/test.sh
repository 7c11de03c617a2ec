#!/usr/bin/env bash
# `npm test`: installs and starts what the tests need (Temporal CLI, PostgreSQL,
# MariaDB, FerretDB, Toxiproxy), installs node modules, builds, then runs jest.
# jest's own results land in .jest-results.json for .ci/run's count.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${SLUICE_PG_URL:-}" && -n "${SLUICE_MARIADB_URL:-}" ]]; then
  # Servers given from outside (e.g. docker-compose, scripts/compose-env.sh): only the Temporal CLI is needed here.
  TEMPORAL_CLI=$(bash scripts/install-temporal.sh)
  export TEMPORAL_CLI
  # test/deploy.test.ts checks deploy/kubernetes/ against these.
  SLUICE_K8S_SCHEMAS=$(bash scripts/install-kubernetes-schemas.sh)
  export SLUICE_K8S_SCHEMAS
  # The fault tests put their own proxies in front of whatever servers the URLs name.
  if [[ -z "${SLUICE_TOXIPROXY_URL:-}" ]]; then
    SLUICE_TOXIPROXY_URL=$(bash scripts/start-toxiproxy.sh)
    export SLUICE_TOXIPROXY_URL
  fi
else
  eval "$(bash scripts/setup.sh)"
fi
bash scripts/install-node-modules.sh
npm run --silent build
rm -f .jest-results.json
exec npx jest --json --outputFile=.jest-results.json "$@"
