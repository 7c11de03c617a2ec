#!/usr/bin/env bash
# The REST API part of `npm run demo`: `sluice serve` on the demo's Temporal
# (TEMPORAL_ADDRESS) and catalog, one curl of each seed group, then stop.
# Needs the catalog connection demo-pg (scripts/demo.sh adds it).
set -euo pipefail
cd "$(dirname "$0")/.."

sluice() { node cli/dist/bin.js "$@"; }
api_port=$(node -e 'require("@sluice/cli").freePort().then((p) => console.log(p))')
api_log="${SLUICE_STATE_DIR:-/var/tmp/sluice}/logs/demo-api.log"
mkdir -p "$(dirname "$api_log")"
node cli/dist/bin.js serve --port "$api_port" >"$api_log" 2>&1 &
api_pid=$!
token_name="demo-$(date +%s)"
trap 'kill -TERM $api_pid 2>/dev/null; wait $api_pid 2>/dev/null || true; sluice api-token revoke "$token_name" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 200); do
  grep -q 'sluice serve:' "$api_log" 2>/dev/null && break
  kill -0 "$api_pid" 2>/dev/null || { cat "$api_log" >&2; exit 1; }
  sleep 0.1
done
token=$(sluice api-token create "$token_name" --scope write --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')
connection=$(sluice connection show demo-pg --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')
base="http://127.0.0.1:$api_port"

call() {
  local method=$1 path=$2
  printf '\n$ curl -X %s -H "Authorization: Bearer $TOKEN" %s%s\n' "$method" "$base" "$path"
  curl -s -i -X "$method" -H "Authorization: Bearer $token" "$base$path" | grep -iv '^\(date\|connection\|keep-alive\|x-ratelimit\|content-length\)' | tr -d '\r'
  echo
}
echo
echo "REST API: sluice serve on $base (OpenAPI at $base/openapi.json, docs at $base/docs); a token from \`sluice api-token create $token_name --scope write\`"
call GET "/v1/management/connections?limit=5"                                           # Lerian
location=$(curl -s -i -X POST -H "Authorization: Bearer $token" "$base/rest/catalogDatabase/v1/databaseConnections/refresh?edgeConnectionId=$connection" | tr -d '\r' | sed -n 's/^location: //Ip')
printf '\n$ curl -X POST …/rest/catalogDatabase/v1/databaseConnections/refresh?edgeConnectionId=%s   → 202, Location: %s\n' "$connection" "$location"
for _ in $(seq 1 100); do # until the job ended
  curl -s -H "Authorization: Bearer $token" "$base$location" | grep -q '"state":"\(COMPLETED\|CANCELED\|ERROR\)"' && break
  sleep 0.2
done
call GET "$location"                                                                     # Collibra's Job
call GET "/rest/catalogDatabase/v1/databaseConnections?edgeConnectionId=$connection&limit=3"
call GET "/api/connections/$connection/schemas/status"                                   # Polytomic
call GET "/api/v1/database_connections/functionalities/?connector_type=MySQLMariaDBConnector"  # Syntho
call GET "/v1/jobs?type=SYNC&limit=3"                                                    # Sluice
