#!/usr/bin/env bash
# Start a private MariaDB server for Sluice tests and print its URL:
#   mariadb://sluice:<pw>@127.0.0.1:<port>/sluice_test
# Own datadir in $SLUICE_STATE_DIR/mariadb; the Debian-managed instance
# (/var/lib/mysql) is never started or touched.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MDB_PORT=${SLUICE_MARIADB_PORT:-53306}
MDB_PASSWORD=${SLUICE_MARIADB_PASSWORD:-sluice-Pw-4f9d2c}
MDB_DATA="$SLUICE_STATE_DIR/mariadb"
MDB_SOCKET="$SLUICE_STATE_DIR/mariadb.sock"
MDB_PID="$SLUICE_STATE_DIR/mariadb.pid"
MDB_LOG="$SLUICE_STATE_DIR/logs/mariadb.log"

# /usr/sbin may be missing from PATH for non-login shells.
find_bin() {
  local name
  for name in "$@"; do
    if command -v "$name" 2>/dev/null; then return 0; fi
    if [[ -x "/usr/sbin/$name" ]]; then printf '/usr/sbin/%s\n' "$name"; return 0; fi
  done
  return 1
}

ensure_state_dir
if ! find_bin mariadbd >/dev/null || ! find_bin mariadb >/dev/null || ! id mysql >/dev/null 2>&1; then
  # lib's apt_install adds a policy-rc.d (exit 101) when none exists, so the
  # postinst doesn't try (and fail/hang) to start the service without systemd.
  apt_install mariadb-server mariadb-client
fi
MARIADBD=$(find_bin mariadbd) || die "mariadbd not found"
CLIENT=$(find_bin mariadb) || die "mariadb client not found"
ADMIN=$(find_bin mariadb-admin mysqladmin) || die "mariadb-admin not found"
INSTALL_DB=$(find_bin mariadb-install-db mysql_install_db) || die "mariadb-install-db not found"

# mariadbd switches to `mysql` before creating its socket, pid and lock files
# directly in the state dir, so the mysql group gets write access there
# (sticky bit: nobody can delete the others' files).
chgrp mysql "$SLUICE_STATE_DIR"
chmod 1775 "$SLUICE_STATE_DIR"
touch "$MDB_LOG"
chown mysql:mysql "$MDB_LOG"

# Admin connection as root over the unix socket (unix_socket auth: OS root
# maps to MariaDB root). --no-defaults: ignore /etc/mysql config.
sql_root() { "$CLIENT" --no-defaults --protocol=socket --socket="$MDB_SOCKET" -uroot "$@"; }

server_up() {
  pidfile_alive "$MDB_PID" mariadbd &&
    "$ADMIN" --no-defaults --protocol=socket --socket="$MDB_SOCKET" -uroot \
      --connect-timeout=2 ping >/dev/null 2>&1
}

# Our server from an earlier run but with other settings (SLUICE_MARIADB_PORT
# changed, or an older script without performance_schema)? Restart it.
if server_up; then
  running=$(sql_root --batch --skip-column-names -e 'SELECT CONCAT(@@port, "/", @@performance_schema)')
  if [[ "$running" != "$MDB_PORT/ON" && "$running" != "$MDB_PORT/1" ]]; then
    log "mariadb is running as port/performance_schema $running; restarting on $MDB_PORT with performance_schema"
    old_pid=$(cat "$MDB_PID")
    "$ADMIN" --no-defaults --protocol=socket --socket="$MDB_SOCKET" -uroot shutdown >&2
    for _ in $(seq 1 150); do pid_alive "$old_pid" || break; sleep 0.2; done
    pid_alive "$old_pid" && die "mariadb pid $old_pid did not shut down"
  fi
fi

if server_up; then
  log "mariadb already running (pid $(cat "$MDB_PID"))"
else
  if pidfile_alive "$MDB_PID" mariadbd; then
    die "mariadb pid $(cat "$MDB_PID") is alive but not answering on $MDB_SOCKET (log: $MDB_LOG)"
  fi
  if [[ ! -d "$MDB_DATA/mysql" ]]; then
    log "mariadb-install-db into $MDB_DATA"
    install -d -o mysql -g mysql -m 750 "$MDB_DATA"
    "$INSTALL_DB" --no-defaults --user=mysql --datadir="$MDB_DATA" \
      --auth-root-authentication-method=socket --skip-test-db >>"$MDB_LOG" 2>&1 ||
      { tail -n 30 "$MDB_LOG" >&2; die "mariadb-install-db failed"; }
  fi
  rm -f "$MDB_PID"
  log "starting mariadb on 127.0.0.1:$MDB_PORT"
  # setsid + redirects: the daemon outlives us and holds none of our fds, so
  # $(bash scripts/setup.sh) doesn't hang waiting for EOF.
  setsid "$MARIADBD" --no-defaults --user=mysql \
    --datadir="$MDB_DATA" \
    --bind-address=127.0.0.1 --port="$MDB_PORT" \
    --socket="$MDB_SOCKET" --pid-file="$MDB_PID" \
    --log-error="$MDB_LOG" \
    --local-infile=1 --max-connections=300 --skip-name-resolve \
    --performance-schema=ON \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    </dev/null >>"$MDB_LOG" 2>&1 &
  started_pid=$!
  deadline=$((SECONDS + 60))
  until server_up; do
    if ! pid_alive "$started_pid"; then
      tail -n 30 "$MDB_LOG" >&2 || true
      die "mariadbd exited during startup (log: $MDB_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$MDB_LOG" >&2 || true
      die "mariadb did not come up within 60s (log: $MDB_LOG)"
    fi
    sleep 0.3
  done
fi
wait_port 127.0.0.1 "$MDB_PORT" 30 || die "mariadb not listening on $MDB_PORT"

# --- users & database (idempotent) -----------------------------------------
# SQL string literal: escape backslashes and single quotes.
pw_sql=${MDB_PASSWORD//\\/\\\\}
pw_sql=${pw_sql//\'/\\\'}
# With --skip-name-resolve: TCP from 127.0.0.1 matches '127.0.0.1' or '%',
# the unix socket matches 'localhost'. Create all three so no anonymous or
# more specific account can shadow ours.
{
  echo "DELETE FROM mysql.global_priv WHERE User = '';"
  for host in '%' 'localhost' '127.0.0.1'; do
    echo "CREATE USER IF NOT EXISTS 'sluice'@'$host' IDENTIFIED BY '$pw_sql';"
    echo "ALTER USER 'sluice'@'$host' IDENTIFIED BY '$pw_sql';"
    echo "GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'$host' WITH GRANT OPTION;"
  done
  echo "CREATE DATABASE IF NOT EXISTS sluice_test;"
  echo "FLUSH PRIVILEGES;"
} | sql_root --batch >&2

printf 'mariadb://sluice:%s@127.0.0.1:%s/sluice_test\n' "$(urlencode "$MDB_PASSWORD")" "$MDB_PORT"
