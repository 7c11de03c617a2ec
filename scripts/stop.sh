#!/usr/bin/env bash
# Stop the servers started by scripts/start-*.sh (for people; tests don't use
# it). Data stays in $SLUICE_STATE_DIR; setup.sh starts them again.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0

# stop_pidfile name pidfile comm [wait]: TERM the pid in pidfile (if it is
# still a process named comm) and wait for it to exit.
stop_pidfile() {
  local name=$1 pidfile=$2 comm=$3 wait_s=${4:-30} pid deadline
  if ! pidfile_alive "$pidfile" "$comm"; then
    log "$name: not running"
    rm -f "$pidfile"
    return 0
  fi
  pid=$(tr -dc '0-9' <"$pidfile")
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + wait_s))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      log "$name: pid $pid did not exit within ${wait_s}s"
      return 1
    fi
    sleep 0.3
  done
  rm -f "$pidfile"
}

# sshd of start-sshd.sh (its own pid file; the system sshd is not ours).
stop_pidfile sshd "$SLUICE_STATE_DIR/sshd/sshd.pid" sshd 15 || rc=1

# Toxiproxy (plain pid file written by start-toxiproxy.sh; comm is cut at 15).
stop_pidfile toxiproxy "$SLUICE_STATE_DIR/toxiproxy.pid" toxiproxy-serve 15 || rc=1

# FerretDB (plain pid file written by start-ferretdb.sh).
stop_pidfile ferretdb "$SLUICE_STATE_DIR/ferretdb.pid" ferretdb 15 || rc=1

# MariaDB: clean shutdown over the socket, else SIGTERM via its pid file.
mdb_sock="$SLUICE_STATE_DIR/mariadb.sock"
mdb_pid="$SLUICE_STATE_DIR/mariadb.pid"
if pidfile_alive "$mdb_pid" mariadbd; then
  admin=$(command -v mariadb-admin || command -v mysqladmin || true)
  if [[ -n "$admin" ]] &&
    "$admin" --no-defaults --protocol=socket --socket="$mdb_sock" -uroot shutdown >/dev/null 2>&1; then
    log "mariadb: shutdown requested"
  fi
  stop_pidfile mariadb "$mdb_pid" mariadbd 60 || rc=1
else
  log "mariadb: not running"
fi

# PostgreSQL: pg_ctl knows its own cluster.
pg_data="$SLUICE_STATE_DIR/pg"
pg_ctl_bin=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null | sort -V | tail -n 1)
if [[ -n "$pg_ctl_bin" && -s "$pg_data/PG_VERSION" ]] &&
  run_as postgres "$pg_ctl_bin" -D "$pg_data" status >/dev/null 2>&1; then
  log "postgres: stopping"
  run_as postgres "$pg_ctl_bin" -D "$pg_data" stop -m fast -w -t 60 >&2 || rc=1
else
  log "postgres: not running"
fi

exit "$rc"
