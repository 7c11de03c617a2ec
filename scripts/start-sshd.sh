#!/usr/bin/env bash
# Start a private OpenSSH server for the SSHTunnel hook tests and print its URL:
#   ssh://root@127.0.0.1:<port>?key=<path to the client's private key>
# Own config, keys, pid file and log in $SLUICE_STATE_DIR/sshd, listening on
# 127.0.0.1 only, key authentication only. The system sshd (if any) is never
# configured, started or touched.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SSHD_PORT=${SLUICE_SSHD_PORT:-52222}
SSHD_DIR="$SLUICE_STATE_DIR/sshd"
SSHD=/usr/sbin/sshd
HOST_KEY="$SSHD_DIR/host_ed25519_key"
CLIENT_KEY="$SSHD_DIR/client_ed25519_key"
AUTHORIZED_KEYS="$SSHD_DIR/authorized_keys"
SSHD_CONFIG="$SSHD_DIR/sshd_config"
SSHD_PID="$SSHD_DIR/sshd.pid"
SSHD_LOG="$SLUICE_STATE_DIR/logs/sshd.log"

ensure_state_dir
if [[ ! -x "$SSHD" ]] || ! command -v ssh-keygen >/dev/null 2>&1; then
  # lib's policy-rc.d keeps the package's postinst from starting the system sshd.
  apt_install openssh-server
fi
[[ -x "$SSHD" ]] || die "openssh-server installed but $SSHD not found"

# --- keys (once) ----------------------------------------------------------
install -d -m 700 "$SSHD_DIR"
if [[ ! -s "$HOST_KEY" ]]; then
  log "generating host key $HOST_KEY"
  ssh-keygen -q -t ed25519 -N '' -C sluice-sshd-host -f "$HOST_KEY" >&2
fi
if [[ ! -s "$CLIENT_KEY" || ! -s "$CLIENT_KEY.pub" ]]; then
  log "generating client key $CLIENT_KEY (no passphrase)"
  rm -f "$CLIENT_KEY" "$CLIENT_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C sluice-test-client -f "$CLIENT_KEY" >&2
fi
if ! cmp -s "$CLIENT_KEY.pub" "$AUTHORIZED_KEYS" 2>/dev/null; then
  install -m 600 "$CLIENT_KEY.pub" "$AUTHORIZED_KEYS"
fi

# --- config (rewritten only when it changes) --------------------------------
conf_new=$(
  cat <<EOF
# Managed by scripts/start-sshd.sh; rewritten on every run.
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $HOST_KEY
PidFile $SSHD_PID
AuthorizedKeysFile $AUTHORIZED_KEYS
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
UsePAM no
# The state dir is group-writable (MariaDB's files live there too).
StrictModes no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
EOF
)
conf_changed=0
if [[ ! -f "$SSHD_CONFIG" ]] || [[ "$(cat "$SSHD_CONFIG")" != "$conf_new" ]]; then
  printf '%s\n' "$conf_new" >"$SSHD_CONFIG"
  chmod 600 "$SSHD_CONFIG"
  conf_changed=1
fi

# --- server ---------------------------------------------------------------
# Privilege separation directory; /run is a tmpfs on most machines.
install -d -m 755 /run/sshd

stop_sshd() {
  kill "$(tr -dc '0-9' <"$SSHD_PID")" 2>/dev/null || true
  for _ in $(seq 50); do
    pidfile_alive "$SSHD_PID" sshd || break
    sleep 0.1
  done
  ! pidfile_alive "$SSHD_PID" sshd || die "old sshd did not stop (pid file $SSHD_PID)"
  rm -f "$SSHD_PID"
}

# Ours is the process of our pid file; it must also be serving the configured port.
running=0
if pidfile_alive "$SSHD_PID" sshd; then
  running=1
  if ((conf_changed)) || ! port_open 127.0.0.1 "$SSHD_PORT"; then
    log "sshd config changed (or port $SSHD_PORT not served); restarting"
    stop_sshd
    running=0
  fi
fi

if ((running)); then
  log "sshd already running on 127.0.0.1:$SSHD_PORT"
else
  port_open 127.0.0.1 "$SSHD_PORT" && die "port $SSHD_PORT is taken by another process; set SLUICE_SSHD_PORT"
  "$SSHD" -t -f "$SSHD_CONFIG" || die "sshd rejects $SSHD_CONFIG"
  log "starting sshd on 127.0.0.1:$SSHD_PORT (log: $SSHD_LOG)"
  # sshd daemonises; -E sends its log to our file, so nothing holds our stdout.
  "$SSHD" -f "$SSHD_CONFIG" -E "$SSHD_LOG" </dev/null >&2
  # The daemon writes its pid file after binding: wait for both.
  deadline=$((SECONDS + 15))
  until pidfile_alive "$SSHD_PID" sshd && port_open 127.0.0.1 "$SSHD_PORT"; do
    if ((SECONDS >= deadline)); then
      tail -n 30 "$SSHD_LOG" >&2 || true
      die "sshd not running on $SSHD_PORT (log: $SSHD_LOG)"
    fi
    sleep 0.1
  done
fi

printf 'ssh://root@127.0.0.1:%s?key=%s\n' "$SSHD_PORT" "$CLIENT_KEY"
