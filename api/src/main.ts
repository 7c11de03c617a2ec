#!/usr/bin/env node
import { serveUntilSignal } from './serve';

// `node api/dist/main.js`: the REST API for deployment. TEMPORAL_ADDRESS, SLUICE_CATALOG_URL (else the embedded catalog),
// SLUICE_API_PORT (8080) and SLUICE_API_HOST (127.0.0.1).
serveUntilSignal({
  port: process.env.SLUICE_API_PORT ? Number(process.env.SLUICE_API_PORT) : undefined,
  host: process.env.SLUICE_API_HOST,
}).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
