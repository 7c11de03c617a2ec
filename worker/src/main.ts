#!/usr/bin/env node
import { temporalConnectionOptions } from '@sluice/client';
import { DEFAULT_TASK_QUEUE } from '@sluice/workflows';
import { loadConnectors } from './connectors';
import { connectNativeTemporal } from './env';
import { installDriverFaultGuard } from './fault-guard';
import { limitHeapGrowth } from './heap';
import { createSluiceWorker } from './worker';

// `sluice-worker`: a standalone worker for a Temporal server given by the environment.
async function main() {
  limitHeapGrowth();
  installDriverFaultGuard();
  const settings = temporalConnectionOptions(); // a bad TEMPORAL_* variable stops here, before connectors load
  const { namespace } = settings;
  const { registry, missing } = loadConnectors();
  for (const m of missing) console.warn(`connector ${m.pkg} not loaded: ${m.reason}`);
  const connection = await connectNativeTemporal(settings);
  const taskQueue = process.env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const worker = await createSluiceWorker({ connection, namespace, taskQueue, registry });
  console.warn(`sluice worker on ${settings.address}${settings.tls ? ' (TLS)' : ''} namespace=${namespace} taskQueue=${taskQueue}; connectors: ${registry.list().map((p) => p.type).join(', ')}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once running activities had their grace time
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
