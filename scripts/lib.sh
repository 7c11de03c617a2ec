# shellcheck shell=bash
# Shared helpers for the Sluice environment scripts. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Conventions: everything human-readable goes to stderr via log(); stdout is
# reserved for the one documented result line of each script, so callers can
# capture it with $(...).

# Guard against double sourcing (setup.sh sources it and so do the children).
if [[ -n "${_SLUICE_LIB_SOURCED:-}" ]]; then
  return 0
fi
_SLUICE_LIB_SOURCED=1

# State lives outside the repo (and outside /root, which is mode 700) so the
# `postgres` and `mysql` system users can reach their data dirs inside it.
: "${SLUICE_STATE_DIR:=/var/tmp/sluice}"
export SLUICE_STATE_DIR

SLUICE_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLUICE_SCRIPTS_DIR

log() {
  printf '[sluice %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
  log "ERROR: $*"
  exit 1
}

# Create the state dir traversable (o+x) by the daemon users.
ensure_state_dir() {
  if [[ ! -d "$SLUICE_STATE_DIR" ]]; then
    mkdir -p "$SLUICE_STATE_DIR"
  fi
  # Read+traverse for everybody; daemons get their own sub dirs (or group
  # write, see start-mariadb.sh).
  chmod a+rx "$SLUICE_STATE_DIR"
  mkdir -p "$SLUICE_STATE_DIR/logs"
}

# Install Debian packages. `apt-get update` runs at most once per day per
# state dir (marker file), so repeated runs don't hit the mirrors.
apt_install() {
  (($# > 0)) || return 0
  ensure_state_dir
  export DEBIAN_FRONTEND=noninteractive
  # Wait for a concurrent apt/dpkg instead of failing on the lock.
  local -a apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  local marker
  marker="$SLUICE_STATE_DIR/.apt-updated-$(date +%Y%m%d)"
  if [[ ! -e "$marker" ]]; then
    log "apt-get update"
    apt-get "${apt_opts[@]}" update -qq >&2
    rm -f "$SLUICE_STATE_DIR"/.apt-updated-*
    touch "$marker"
  fi

  # Without systemd, maintainer scripts trying to start services fail or
  # hang; a policy-rc.d returning 101 tells invoke-rc.d "not allowed". Only
  # add (and later remove) it if the machine doesn't already have one.
  local policy=/usr/sbin/policy-rc.d created_policy=0 rc=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, added by sluice scripts/lib.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  log "apt-get install $*"
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "$@" >&2 || rc=$?
  if ((created_policy)); then
    rm -f "$policy"
  fi
  return "$rc"
}

# wait_port host port timeout_seconds -> 0 once a TCP connect succeeds.
port_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash, on purpose
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

wait_port() {
  local host=$1 port=$2 timeout_s=${3:-30}
  local deadline=$((SECONDS + timeout_s))
  until port_open "$host" "$port"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout_s}s waiting for $host:$port"
      return 1
    fi
    sleep 0.3
  done
}

# run_as user cmd... : run a command as another (system) user. Postgres and
# MariaDB refuse to run as root. cd / first so the target user doesn't warn
# about an unreadable cwd (e.g. /root).
run_as() {
  local user=$1
  shift
  if command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$user" -- "$@")
  else
    local cmd
    printf -v cmd '%q ' "$@"
    (cd / && su -s /bin/bash "$user" -c "$cmd")
  fi
}

# Percent-encode a string for use in a URL userinfo/path component.
urlencode() {
  local s=$1 out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# True if pid $1 is a live (non-zombie) process. Zombies count as dead:
# daemons get reparented to PID 1, which may reap them late, and our own
# background children stay zombies until waited for.
pid_alive() {
  local pid=$1 stat
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0 # no procfs: trust kill -0
  stat=${stat##*) } # drop "pid (comm) "; comm may contain spaces/parens
  [[ "${stat%% *}" != Z ]]
}

# pidfile_alive file [comm]: true if the pid in the file is a live process
# and, if comm is given, that process is named comm (guards against pid
# reuse after a reboot, so we never signal an unrelated process).
pidfile_alive() {
  local pid name
  [[ -s "$1" ]] || return 1
  pid=$(tr -dc '0-9' <"$1")
  pid_alive "$pid" || return 1
  if [[ -n "${2:-}" ]]; then
    name=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    [[ "$name" == "$2" ]] || return 1
  fi
}
