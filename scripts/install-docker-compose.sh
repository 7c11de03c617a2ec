#!/usr/bin/env bash
# Debian's docker-compose, only to validate docker-compose.yml (`docker-compose
# config` needs no Docker engine). Prints its path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v docker-compose >/dev/null 2>&1; then
  log "installing docker-compose (Debian) to validate docker-compose.yml"
  apt_install docker-compose
fi
command -v docker-compose
