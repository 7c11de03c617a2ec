#!/usr/bin/env bash
# Build (once) and start FerretDB v1.24.2 with the SQLite backend, as a
# MongoDB-wire-compatible server for Sluice tests. Prints:
#   mongodb://127.0.0.1:<port>/
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FERRETDB_VERSION=v1.24.2
FDB_PORT=${SLUICE_FERRETDB_PORT:-57017}
FDB_BIN="$SLUICE_STATE_DIR/bin/ferretdb"
FDB_DIR="$SLUICE_STATE_DIR/ferretdb"       # SQLite files + FerretDB state.json
FDB_PID="$SLUICE_STATE_DIR/ferretdb.pid"
FDB_LOG="$SLUICE_STATE_DIR/logs/ferretdb.log"

ensure_state_dir

# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`
# builds, but the binary panics at startup ("Invalid
# build/version/version.txt file content"): the release process generates
# build/version/version.txt, which isn't in the module zip. So build from a
# copy of the module source with that file written. The Go module/build
# caches stay in Go's default locations (outside the repo).
build_ferretdb() {
  command -v go >/dev/null 2>&1 || die "go is required to build FerretDB"
  log "building FerretDB $FERRETDB_VERSION (a minute or more)"
  local src_dir work
  src_dir=$(cd / && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -n "$src_dir" && -d "$src_dir" ]] || die "go mod download of FerretDB $FERRETDB_VERSION failed"
  mkdir -p "$SLUICE_STATE_DIR/bin" "$SLUICE_STATE_DIR/src"
  work=$(mktemp -d "$SLUICE_STATE_DIR/src/ferretdb-build.XXXXXX")
  # Module cache files are read-only; the copy must be writable.
  cp -R "$src_dir/." "$work/"
  chmod -R u+w "$work"
  printf '%s\n' "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  if ! (cd "$work" && go build -trimpath -o "$FDB_BIN.tmp" ./cmd/ferretdb) >&2; then
    rm -rf "$work"
    die "FerretDB build failed"
  fi
  rm -rf "$work"
  rmdir "$SLUICE_STATE_DIR/src" 2>/dev/null || true
  mv -f "$FDB_BIN.tmp" "$FDB_BIN"
}

# Capture instead of piping into `grep -q`: with pipefail, grep exiting early
# can SIGPIPE the writer and make the check fail spuriously.
have_version() {
  local out
  out=$("$FDB_BIN" --version 2>/dev/null) || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

if ! have_version; then
  build_ferretdb
  have_version || die "built $FDB_BIN does not report $FERRETDB_VERSION"
fi

stop_ours() {
  local pid
  pid=$(tr -dc '0-9' <"$FDB_PID")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || return 0; sleep 0.2; done
  die "ferretdb pid $pid did not stop"
}

# An instance of ours from an earlier run: keep it if it listens where asked
# and answers; otherwise (SLUICE_FERRETDB_PORT changed, or hung) replace it,
# since only one process may use the data dir.
if pidfile_alive "$FDB_PID" ferretdb; then
  cmdline=$(tr '\0' ' ' <"/proc/$(cat "$FDB_PID")/cmdline" 2>/dev/null || true)
  if [[ "$cmdline" != *"--listen-addr=127.0.0.1:$FDB_PORT "* ]]; then
    log "ferretdb pid $(cat "$FDB_PID") runs with other settings; restarting it"
    stop_ours
  elif ! wait_port 127.0.0.1 "$FDB_PORT" 15; then
    log "ferretdb pid $(cat "$FDB_PID") does not answer on $FDB_PORT; restarting it"
    stop_ours
  fi
fi

if pidfile_alive "$FDB_PID" ferretdb; then
  log "ferretdb already running (pid $(cat "$FDB_PID"))"
elif port_open 127.0.0.1 "$FDB_PORT"; then
  die "port $FDB_PORT is in use by something that isn't our ferretdb (pid file $FDB_PID)"
else
  mkdir -p "$FDB_DIR"
  log "starting ferretdb on 127.0.0.1:$FDB_PORT"
  # --debug-addr=- : don't bind the metrics/pprof HTTP port (default
  # 127.0.0.1:8088) to avoid clashes. setsid + redirects: outlive this script
  # and don't hold the caller's stdout open.
  setsid "$FDB_BIN" \
    --handler=sqlite \
    --sqlite-url="file:$FDB_DIR/" \
    --state-dir="$FDB_DIR" \
    --listen-addr="127.0.0.1:$FDB_PORT" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=info --log-format=text \
    </dev/null >>"$FDB_LOG" 2>&1 &
  echo $! >"$FDB_PID"
  if ! wait_port 127.0.0.1 "$FDB_PORT" 30 || ! pidfile_alive "$FDB_PID" ferretdb; then
    tail -n 30 "$FDB_LOG" >&2 || true
    die "ferretdb did not start (log: $FDB_LOG)"
  fi
fi

printf 'mongodb://127.0.0.1:%s/\n' "$FDB_PORT"
