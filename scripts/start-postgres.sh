#!/usr/bin/env bash
# Start a private PostgreSQL cluster for Sluice tests and print its URL:
#   postgresql://sluice:<pw>@127.0.0.1:<port>/sluice_test
# The cluster is ours alone ($SLUICE_STATE_DIR/pg), independent of any
# Debian-managed cluster, listening on 127.0.0.1 only.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT=${SLUICE_PG_PORT:-55432}
PG_PASSWORD=${SLUICE_PG_PASSWORD:-sluice-Pw-4f9d2c}
PG_DATA="$SLUICE_STATE_DIR/pg"
PG_SOCKET_DIR="$SLUICE_STATE_DIR/pg-run"
PG_LOG="$SLUICE_STATE_DIR/logs/postgres.log"

# Newest server binaries under /usr/lib/postgresql/<ver>/bin (Debian keeps
# initdb/pg_ctl off PATH).
find_pg_bin() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
}

ensure_state_dir
if ! PG_BIN=$(find_pg_bin); then
  # The Debian package would create & start a "main" cluster; lib's
  # policy-rc.d keeps it from starting, and we never use it anyway.
  apt_install postgresql postgresql-client
  PG_BIN=$(find_pg_bin) || die "postgresql installed but initdb/pg_ctl not found"
fi
PSQL="$PG_BIN/psql"
[[ -x "$PSQL" ]] || PSQL=$(command -v psql)

pg_ctl() { run_as postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

# --- cluster --------------------------------------------------------------
install -d -o postgres -g postgres -m 700 "$PG_DATA"
install -d -o postgres -g postgres -m 755 "$PG_SOCKET_DIR"
touch "$PG_LOG"
chown postgres:postgres "$PG_LOG"

if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
  log "initdb $PG_DATA"
  # scram-sha-256 on TCP so wrong passwords really fail; trust on the unix
  # socket (only reachable inside the state dir) for our admin commands.
  run_as postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres \
    --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >&2
fi

# Our settings live in a separate file included from postgresql.conf, so
# re-runs can rewrite it without editing initdb's file.
conf_new=$(
  cat <<EOF
# Managed by scripts/start-postgres.sh; rewritten on every run.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
password_encryption = 'scram-sha-256'
# Throwaway test cluster: trade durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
)
conf_file="$PG_DATA/sluice.conf"
conf_changed=0
if [[ ! -f "$conf_file" ]] || [[ "$(cat "$conf_file")" != "$conf_new" ]]; then
  printf '%s\n' "$conf_new" >"$conf_file"
  chown postgres:postgres "$conf_file"
  conf_changed=1
fi
if ! grep -q "^include_if_exists = 'sluice.conf'" "$PG_DATA/postgresql.conf"; then
  printf "\ninclude_if_exists = 'sluice.conf'\n" >>"$PG_DATA/postgresql.conf"
  conf_changed=1
fi

# --- server ---------------------------------------------------------------
if pg_ctl status >/dev/null 2>&1; then
  if ((conf_changed)); then
    log "postgres config changed; restarting"
    pg_ctl restart -w -t 60 -m fast -l "$PG_LOG" >&2
  else
    log "postgres already running ($PG_DATA)"
  fi
else
  # A stale postmaster.pid (e.g. after a reboot/kill -9) is handled by
  # pg_ctl/postgres themselves. pg_ctl daemonises postgres and sends its
  # output to the log file, so nothing holds our stdout.
  log "starting postgres on 127.0.0.1:$PG_PORT"
  if ! pg_ctl start -w -t 60 -l "$PG_LOG" >&2; then
    tail -n 30 "$PG_LOG" >&2 || true
    die "postgres failed to start (log: $PG_LOG)"
  fi
fi
wait_port 127.0.0.1 "$PG_PORT" 30 || die "postgres not listening on $PG_PORT (log: $PG_LOG)"

# --- role & database (idempotent) -----------------------------------------
# psql variables (:'pw') quote the password safely; they only work on stdin.
run_as postgres "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
  -U postgres -d postgres -v pw="$PG_PASSWORD" >&2 <<'SQL'
SELECT 'CREATE ROLE sluice' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice') \gexec
ALTER ROLE sluice WITH LOGIN SUPERUSER PASSWORD :'pw';
SELECT 'CREATE DATABASE sluice_test OWNER sluice'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'sluice_test') \gexec
SQL

printf 'postgresql://sluice:%s@127.0.0.1:%s/sluice_test\n' "$(urlencode "$PG_PASSWORD")" "$PG_PORT"
