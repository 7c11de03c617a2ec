#!/usr/bin/env bash
# Install (once) and start Toxiproxy v2.5.0, a TCP proxy with an HTTP API to
# inject network faults (latency, bandwidth caps, resets, cuts), for the fault
# tests (test/faults.test.ts). The API listens on loopback only. Prints:
#   http://127.0.0.1:<api port>
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOXIPROXY_VERSION=v2.5.0
TP_PORT=${SLUICE_TOXIPROXY_PORT:-58474}
TP_BIN="$SLUICE_STATE_DIR/bin/toxiproxy-server"
TP_PID="$SLUICE_STATE_DIR/toxiproxy.pid"
TP_LOG="$SLUICE_STATE_DIR/logs/toxiproxy.log"

ensure_state_dir

# The server command of the v2 module is cmd/server (there is no
# cmd/toxiproxy); its version string is set by the release build's ldflags,
# so set it the same way to be able to check what is installed.
install_toxiproxy() {
  command -v go >/dev/null 2>&1 || die "go is required to install Toxiproxy"
  log "installing Toxiproxy $TOXIPROXY_VERSION (go install, ~1 minute)"
  local gobin
  mkdir -p "$SLUICE_STATE_DIR/bin"
  gobin=$(mktemp -d "$SLUICE_STATE_DIR/bin/.toxiproxy.XXXXXX")
  if ! (cd / && GOBIN="$gobin" go install \
    -ldflags="-X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION") >&2; then
    rm -rf "$gobin"
    die "go install of Toxiproxy $TOXIPROXY_VERSION failed"
  fi
  mv -f "$gobin/server" "$TP_BIN"
  rm -rf "$gobin"
}

have_version() {
  local out
  out=$("$TP_BIN" -version 2>/dev/null) || return 1
  [[ "$out" == "toxiproxy-server version $TOXIPROXY_VERSION" ]]
}

if ! have_version; then
  install_toxiproxy
  have_version || die "installed $TP_BIN does not report $TOXIPROXY_VERSION"
fi

api_ok() {
  curl -fsS --max-time 2 "http://127.0.0.1:$TP_PORT/version" >/dev/null 2>&1
}

stop_ours() {
  local pid
  pid=$(tr -dc '0-9' <"$TP_PID")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || return 0; sleep 0.2; done
  die "toxiproxy pid $pid did not stop"
}

# /proc/<pid>/comm is cut at 15 characters: "toxiproxy-serve".
TP_COMM=toxiproxy-serve
if pidfile_alive "$TP_PID" "$TP_COMM"; then
  cmdline=$(tr '\0' ' ' <"/proc/$(cat "$TP_PID")/cmdline" 2>/dev/null || true)
  if [[ "$cmdline" != *"-port $TP_PORT "* ]]; then
    log "toxiproxy pid $(cat "$TP_PID") runs with other settings; restarting it"
    stop_ours
  elif ! api_ok; then
    log "toxiproxy pid $(cat "$TP_PID") does not answer on $TP_PORT; restarting it"
    stop_ours
  fi
fi

if pidfile_alive "$TP_PID" "$TP_COMM"; then
  log "toxiproxy already running (pid $(cat "$TP_PID"))"
elif port_open 127.0.0.1 "$TP_PORT"; then
  die "port $TP_PORT is in use by something that isn't our toxiproxy (pid file $TP_PID)"
else
  log "starting toxiproxy on 127.0.0.1:$TP_PORT"
  setsid "$TP_BIN" -host 127.0.0.1 -port "$TP_PORT" \
    </dev/null >>"$TP_LOG" 2>&1 &
  echo $! >"$TP_PID"
  for _ in $(seq 1 100); do api_ok && break; sleep 0.2; done
  if ! api_ok || ! pidfile_alive "$TP_PID" "$TP_COMM"; then
    tail -n 30 "$TP_LOG" >&2 || true
    die "toxiproxy did not start (log: $TP_LOG)"
  fi
fi

printf 'http://127.0.0.1:%s\n' "$TP_PORT"
