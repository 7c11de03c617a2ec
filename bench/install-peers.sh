#!/usr/bin/env bash
# Installs the peer tools the benchmark compares Sluice against, idempotently:
#   - pgloader, pgcopydb (Debian packages), psql / mysql clients
#   - a Python venv ($SLUICE_STATE_DIR/bench-venv) with sling (the sling-linux-amd64
#     wheel carries the binary; the plain `sling` package downloads it at first run),
#     dlt[postgres] with its sql_database source on pyarrow / connectorx, and SQLAlchemy
#     (for the per-table reflection figure).
# Pinned versions; a second run on a ready machine only checks. Progress on stderr.
#   bash bench/install-peers.sh            # everything
#   bash bench/install-peers.sh --python   # only the venv
#   bash bench/install-peers.sh --apt      # only the Debian packages
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_state_dir

SLING_VERSION=1.4.11
DLT_VERSION=1.31.0
PYARROW_VERSION=26.0.1
CONNECTORX_VERSION=0.4.6
SQLALCHEMY_VERSION=2.0.44
PSYCOPG2_VERSION=2.9.13
PYMYSQL_VERSION=1.2.4

VENV="$SLUICE_STATE_DIR/bench-venv"
want_apt=1 want_py=1
case "${1:-}" in
  --python) want_apt=0 ;;
  --apt) want_py=0 ;;
esac

if ((want_apt)); then
  missing=()
  command -v pgloader >/dev/null || missing+=(pgloader)
  command -v pgcopydb >/dev/null || missing+=(pgcopydb)
  command -v psql >/dev/null || missing+=(postgresql-client)
  command -v mysql >/dev/null || missing+=(mariadb-client)
  command -v mysqldump >/dev/null || missing+=(mariadb-client)
  if ((${#missing[@]})); then
    # apt_install (scripts/lib.sh) runs apt-get update at most once a day first.
    apt_install "${missing[@]}"
  else
    log "apt peers: present ($(pgloader --version 2>&1 | head -1); $(pgcopydb --version 2>&1 | grep -m1 -o 'pgcopydb version.*'))"
  fi
fi

if ((want_py)); then
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  pins=(
    "sling-linux-amd64==$SLING_VERSION"
    "dlt[postgres]==$DLT_VERSION"
    "pyarrow==$PYARROW_VERSION"
    "connectorx==$CONNECTORX_VERSION"
    "sqlalchemy==$SQLALCHEMY_VERSION"
    "psycopg2-binary==$PSYCOPG2_VERSION"
    "pymysql==$PYMYSQL_VERSION"
  )
  # Fast path: everything already at the pinned version.
  if "$VENV/bin/python" - "${pins[@]}" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    name = name.split("[")[0]
    if version(name) != want:
        sys.exit(1)
PY
    log "python peers: present in $VENV"
  else
    log "pip install ${pins[*]}"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${pins[@]}" >&2
  fi
fi
log "peers ready"
