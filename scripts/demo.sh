#!/usr/bin/env bash
# `npm run demo`: the main job on the embedded default. Sets up what is missing,
# starts a Temporal dev server (with UI) and a Sluice worker (`sluice dev`),
# runs TEST_CONNECTION jobs against the local PostgreSQL through the `sluice`
# CLI, and says where to see them in the Temporal UI.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

eval "$(SLUICE_SKIP_FERRETDB=1 bash scripts/setup.sh)"
bash scripts/install-node-modules.sh
npm run --silent build

sluice() { node cli/dist/bin.js "$@"; }
shown() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:*****@#' <<<"$*"; }

port=${SLUICE_DEMO_PORT:-7233}
if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  port=$(node -e 'require("@sluice/cli").freePort().then((p) => console.log(p))')
fi
ui_port=$((port + 1000))
dev_log="$SLUICE_STATE_DIR/logs/demo-dev.log"
sluice dev --port "$port" --ui-port "$ui_port" --db-filename "$SLUICE_STATE_DIR/demo-temporal.db" >"$dev_log" 2>&1 &
dev_pid=$!
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
run test "${SLUICE_PG_URL%/*}/no_such_database"
run test "$SLUICE_PG_URL" --json

cat <<MSG

These jobs are in the Temporal UI (search attribute SluiceJobType):
  http://127.0.0.1:$ui_port/namespaces/default/workflows?query=SluiceJobType%3D%22TEST_CONNECTION%22
Their inputs are encrypted by Sluice's payload codec (key in ~/.config/sluice/codec-keys).
MSG
if [ -t 0 ] && [ -z "${CI:-}" ]; then
  echo "The server and worker stay up for you: Ctrl-C to stop."
  wait "$dev_pid" || true
fi
