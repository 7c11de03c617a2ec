#!/usr/bin/env bash
# One entry point for the Sluice test environment. Installs what's missing,
# starts PostgreSQL, MariaDB, an OpenSSH server for the SSHTunnel hook tests,
# Toxiproxy for the fault tests and FerretDB (unless SLUICE_SKIP_FERRETDB=1),
# locates/installs the Temporal
# CLI, then writes $SLUICE_STATE_DIR/env.sh and
# prints the same lines on stdout:
#   eval "$(bash scripts/setup.sh)"
# Progress goes to stderr; each step's full log is in
# $SLUICE_STATE_DIR/logs/setup-<step>.log. Idempotent: on a ready machine it
# only checks and finishes in a couple of seconds.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_state_dir
work=$(mktemp -d "$SLUICE_STATE_DIR/.setup.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run_step name script : stdout -> $work/name.out, stderr -> step log,
# exit status -> $work/name.rc. Never fails itself, so parallel steps all
# finish and every error can be reported.
run_step() {
  local name=$1 script=$2 start=$SECONDS rc=0
  local step_log="$SLUICE_STATE_DIR/logs/setup-$name.log"
  log "$name: starting"
  bash "$SLUICE_SCRIPTS_DIR/$script" </dev/null >"$work/$name.out" 2>"$step_log" || rc=$?
  echo "$rc" >"$work/$name.rc"
  if ((rc == 0)); then
    log "$name: ok ($((SECONDS - start))s)"
  else
    log "$name: FAILED with exit code $rc after $((SECONDS - start))s (log: $step_log)"
  fi
}

steps=(temporal postgres mariadb sshd compose k8s-schemas toxiproxy)
pids=()

# FerretDB's first build takes minutes, so it runs alongside everything else.
if [[ "${SLUICE_SKIP_FERRETDB:-0}" != 1 ]]; then
  steps+=(ferretdb)
  run_step ferretdb start-ferretdb.sh &
  pids+=($!)
fi
run_step temporal install-temporal.sh &
pids+=($!)
run_step toxiproxy start-toxiproxy.sh &
pids+=($!)
# Postgres, MariaDB and sshd may all need apt; run them one after the other
# so they don't fight over the dpkg lock.
{
  run_step postgres start-postgres.sh
  run_step mariadb start-mariadb.sh
  run_step sshd start-sshd.sh
  run_step compose install-docker-compose.sh
  run_step k8s-schemas install-kubernetes-schemas.sh
} &
pids+=($!)

for pid in "${pids[@]}"; do
  wait "$pid" || true
done

failed=()
for name in "${steps[@]}"; do
  rc=$(cat "$work/$name.rc" 2>/dev/null || echo 99)
  if [[ "$rc" != 0 || ! -s "$work/$name.out" ]]; then
    failed+=("$name")
  fi
done
if ((${#failed[@]} > 0)); then
  for name in "${failed[@]}"; do
    step_log="$SLUICE_STATE_DIR/logs/setup-$name.log"
    printf '\n===== %s failed; last lines of %s =====\n' "$name" "$step_log" >&2
    tail -n 40 "$step_log" >&2 || true
  done
  die "setup failed: ${failed[*]} (env.sh not updated)"
fi

# Each step printed exactly one line (path or URL) on stdout.
value() { tail -n 1 "$work/$1.out"; }
{
  printf 'export TEMPORAL_CLI=%q\n' "$(value temporal)"
  printf 'export SLUICE_PG_URL=%q\n' "$(value postgres)"
  printf 'export SLUICE_MARIADB_URL=%q\n' "$(value mariadb)"
  # ${v@Q} rather than %q: %q would escape the URL's `?`, and env.sh readers
  # (test/helpers/load-env.ts) only strip single quotes.
  ssh_url=$(value sshd)
  printf 'export SLUICE_SSH_URL=%s\n' "${ssh_url@Q}"
  printf 'export DOCKER_COMPOSE=%q\n' "$(value compose)"
  printf 'export SLUICE_K8S_SCHEMAS=%q\n' "$(value k8s-schemas)"
  printf 'export SLUICE_TOXIPROXY_URL=%q\n' "$(value toxiproxy)"
  if [[ " ${steps[*]} " == *" ferretdb "* ]]; then
    printf 'export SLUICE_MONGODB_URL=%q\n' "$(value ferretdb)"
  fi
} >"$work/env.sh"
# Atomic replace so concurrent readers never see a half-written file.
tmp_env=$(mktemp "$SLUICE_STATE_DIR/.env.sh.XXXXXX")
cat "$work/env.sh" >"$tmp_env"
chmod 644 "$tmp_env"
mv -f "$tmp_env" "$SLUICE_STATE_DIR/env.sh"
log "wrote $SLUICE_STATE_DIR/env.sh"
cat "$SLUICE_STATE_DIR/env.sh"
