#!/usr/bin/env bash
# `npm run demo`: the main job on the embedded default. Sets up what is missing,
# starts a Temporal dev server (with UI) and a Sluice worker (`sluice dev`),
# tests the connections, then runs SYNC jobs PostgreSQL → MariaDB (a whole
# schema, then incremental runs) through the `sluice` CLI, with progress, keeps
# the connections in the catalog, refreshes a schema cache, syncs by name, and
# says where to see them in the Temporal UI.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

eval "$(SLUICE_SKIP_FERRETDB=1 bash scripts/setup.sh)"
bash scripts/install-node-modules.sh
npm run --silent build

sluice() { node cli/dist/bin.js "$@"; }
shown() { sed -E 's#(://[^:/@ ]*):[^@/ ]*@#\1:*****@#g' <<<"$*"; }

port=${SLUICE_DEMO_PORT:-7233}
if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  port=$(node -e 'require("@sluice/cli").freePort().then((p) => console.log(p))')
fi
ui_port=$((port + 1000))
dev_log="$SLUICE_STATE_DIR/logs/demo-dev.log"
node cli/dist/bin.js dev --port "$port" --ui-port "$ui_port" --db-filename "$SLUICE_STATE_DIR/demo-temporal.db" >"$dev_log" 2>&1 &
dev_pid=$! # node itself (not a subshell), so that the SIGINT of the trap reaches it
trap 'kill -INT $dev_pid 2>/dev/null; wait $dev_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q 'Sluice worker' "$dev_log" 2>/dev/null && break
  kill -0 "$dev_pid" 2>/dev/null || { cat "$dev_log" >&2; exit 1; }
  sleep 0.1
done
export TEMPORAL_ADDRESS=127.0.0.1:$port

run() {
  printf '\n$ sluice %s\n' "$(shown "$*")"
  sluice "$@" || printf '(exit code %d)\n' "$?"
}
echo "Sluice demo: Temporal dev server $TEMPORAL_ADDRESS, worker in \`sluice dev\` (log: $dev_log)"
run test "$SLUICE_PG_URL"
run test "$(sed -E 's#(://[^:/@]*):[^@/]*@#\1:not-the-password@#' <<<"$SLUICE_PG_URL")"

# The main job: a durable SYNC between the local databases, with progress.
PGOPTIONS=--client-min-messages=warning psql -q "$SLUICE_PG_URL" >/dev/null <<'SQL'
DROP SCHEMA IF EXISTS demo_shop CASCADE;
CREATE SCHEMA demo_shop;
CREATE TABLE demo_shop.customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, name text, created_at timestamptz NOT NULL);
CREATE TABLE demo_shop.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES demo_shop.customers(id),
  total numeric(12,2) NOT NULL, items jsonb, updated_at timestamptz NOT NULL);
INSERT INTO demo_shop.customers SELECT g, 'customer' || g || '@example.com', 'Customer ' || g, now() - g * interval '1 minute' FROM generate_series(1, 50000) g;
INSERT INTO demo_shop.orders SELECT g, 1 + g % 50000, (g % 1000) * 1.5, jsonb_build_array(g % 7, 'sku-' || g % 13), now() - g * interval '1 second' FROM generate_series(1, 400000) g;
ANALYZE demo_shop.customers; ANALYZE demo_shop.orders;
SQL
maria_url="${SLUICE_MARIADB_URL%/*}/demo_shop"
mariadb_cmd=(node -e 'const m=require("mysql2/promise");(async()=>{const u=new URL(process.argv[1]);const c=await m.createConnection({host:u.hostname,port:+u.port,user:decodeURIComponent(u.username),password:decodeURIComponent(u.password)});await c.query("DROP DATABASE IF EXISTS demo_shop");await c.query("CREATE DATABASE demo_shop");await c.end()})()' "$SLUICE_MARIADB_URL")
"${mariadb_cmd[@]}"
run sync "$SLUICE_PG_URL" "$maria_url" --table demo_shop.customers --create-tables
# Incremental on orders.updated_at: the first run copies everything and keeps the
# cursor in the destination; change 40 orders; the next run moves only those.
run sync "$SLUICE_PG_URL" "$maria_url" --table demo_shop.orders --create-tables --mode upsert --cursor-column updated_at
psql -q "$SLUICE_PG_URL" -c "UPDATE demo_shop.orders SET total = total + 1, updated_at = now() + interval '1 hour' WHERE id % 10000 = 0" >/dev/null
run sync "$SLUICE_PG_URL" "$maria_url" --table demo_shop.orders --mode upsert --cursor-column updated_at

# The catalog: connections kept once (secrets sealed), a schema cache, and jobs by connection name.
sluice connection remove demo-pg >/dev/null 2>&1 || true
sluice connection remove demo-maria >/dev/null 2>&1 || true
run connection add demo-pg "$SLUICE_PG_URL?schema=demo_shop" --metadata team=demo
run connection add demo-maria "$maria_url"
run refresh schema demo-pg
run schema status demo-pg
run schema show demo-pg
run sync demo-pg demo-maria --table demo_shop.customers --mode upsert
run job list --type SYNC

# The same catalog and jobs over the REST API of the seeds.
bash scripts/demo-api.sh

cat <<MSG

These jobs are in the Temporal UI (search attribute SluiceJobType), with their
inputs decrypted by the codec server that \`sluice dev\` runs:
  http://127.0.0.1:$ui_port/namespaces/default/workflows?query=SluiceJobType%3D%22SYNC%22
  http://127.0.0.1:$ui_port/namespaces/default/workflows?query=SluiceJobType%3D%22REFRESH_SCHEMA%22
Payloads are encrypted by Sluice's codec (key in ~/.config/sluice/codec-keys, or SLUICE_CODEC_KEYS).
MSG
if [ -t 0 ] && [ -z "${CI:-}" ]; then
  echo "The server and worker stay up for you: Ctrl-C to stop."
  wait "$dev_pid" || true
fi
