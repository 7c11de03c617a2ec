# syntax=docker/dockerfile:1
#
# One image for every Sluice process; the command picks the role:
#   worker (default)   node worker/dist/main.js
#   codec server       node cli/dist/bin.js codec-server --host 0.0.0.0 --port 8888 …
#   REST server        node api/dist/main.js   (the `api` package; `sluice serve`)
#   any CLI command    node cli/dist/bin.js <command> …
#
#   docker build -t sluice:dev .
#   docker build --build-arg SLUICE_WITH_DB2=true -t sluice:dev-db2 .
#
# Stages: manifests (package.json files only, so both `npm ci` layers stay
# cached until a dependency changes) → prod-deps (`npm ci --omit=dev`) and
# build (`npm ci`, `npm run build`) → runtime (node:…-slim: the production
# node_modules and the compiled output, nothing else; non-root). What the
# image holds and why: README, "Deploying".
#
# Install scripts: every dependency that has one is `false` under
# `allowScripts` in package.json (npm ≥ 11.16 honours that; the npm of the
# Node 20 image does not), so installs here run with --ignore-scripts, which
# is the same policy (test/deploy.test.ts checks the two stay in step). The
# drivers are pure JavaScript (pg, mysql2, mongodb, mssql/tedious, oracledb in
# thin mode) except DB2's ibm_db: optional, its binding and IBM's CLI driver
# come only with SLUICE_WITH_DB2=true (without them DB2 jobs answer
# DRIVER_NOT_INSTALLED). Temporal's native core (@temporalio/core-bridge)
# ships prebuilt for linux x64/arm64 glibc, hence a Debian base, not Alpine.

# Pinned by tag; pin by digest (node:20.20.2-bookworm-slim@sha256:…) where
# builds must be reproducible.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# Every workspace's package.json (whatever package.json lists, `api` included)
# and the lock file, at their paths.
RUN mkdir -p /manifests \
 && cp package.json package-lock.json /manifests/ \
 && node -e 'for (const w of require("./package.json").workspaces) console.log(w)' \
    | while read -r ws; do mkdir -p "/manifests/$ws" && cp "$ws/package.json" "/manifests/$ws/"; done

# Production dependencies only: what the runtime stage runs with.
FROM ${NODE_IMAGE} AS prod-deps
ARG SLUICE_WITH_DB2=false
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force
# Temporal's native core ships a prebuilt library per platform (~27 MiB each):
# keep this machine's (the build runs once per target platform).
RUN case "$(uname -m)" in \
      x86_64) keep=x86_64-unknown-linux-gnu ;; \
      aarch64) keep=aarch64-unknown-linux-gnu ;; \
      *) echo "no Temporal core-bridge build for $(uname -m)" >&2; exit 1 ;; \
    esac \
 && test -d "node_modules/@temporalio/core-bridge/releases/$keep" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +
# Optional DB2 driver (connectors/db2/README.md): ibm_db's install script
# downloads IBM's CLI driver (clidriver; IBM_DB_INSTALLER_URL points it at a
# mirror) and compiles the binding. The npm of this image ignores allowScripts,
# so `npm rebuild` runs that script.
RUN if [ "$SLUICE_WITH_DB2" = true ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
      && npm rebuild ibm_db --foreground-scripts \
      && node -e 'require("ibm_db")'; \
    fi

# Compile: every dependency (TypeScript, the workflow bundler), then `npm run build`.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build
# Per workspace, what runs: compiled output, the workflow bundle, launchers
# (no sources, tests or tsbuildinfo).
RUN node -e 'for (const w of require("./package.json").workspaces) console.log(w)' \
    | while read -r ws; do \
        mkdir -p "/out/$ws"; \
        for d in dist bundle bin; do if [ -e "$ws/$d" ]; then cp -a "$ws/$d" "/out/$ws/"; fi; done; \
      done \
 && find /out -name '*.tsbuildinfo' -delete \
 && test -f /out/worker/dist/main.js -a -f /out/worker/bundle/workflows.js -a -f /out/cli/dist/bin.js -a -f /out/api/dist/main.js

FROM ${NODE_IMAGE} AS runtime
# ca-certificates: Temporal's native core verifies TLS (Temporal Cloud, mTLS)
# against the system store, which slim images lack. tini: PID 1 that forwards
# SIGTERM and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
# In a container the REST server listens on every interface (its default, 127.0.0.1, is for a laptop).
ENV NODE_ENV=production \
    SLUICE_METRICS_PORT=9464 \
    SLUICE_API_HOST=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the process: the image's code cannot be changed at run time.
COPY --from=prod-deps /app/ ./
COPY --from=build /out/ ./
# The `node` user of the official image (uid/gid 1000), numeric so Kubernetes'
# runAsNonRoot can check it.
USER 1000:1000
# Worker metrics and health (/metrics, /healthz, /readyz), codec server, REST server.
EXPOSE 9464 8888 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "worker/dist/main.js"]
