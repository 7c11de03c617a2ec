#!/usr/bin/env node
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '@sluice/workflows';
import { loadConnectors } from './connectors';
import { temporalConnectionFromEnv } from './env';
import { installDriverFaultGuard } from './fault-guard';
import { limitHeapGrowth } from './heap';
import { createSluiceWorker } from './worker';

// `sluice-worker`: a standalone worker for a Temporal server given by the environment.
async function main() {
  limitHeapGrowth();
  installDriverFaultGuard();
  const { connection: options, namespace } = temporalConnectionFromEnv();
  const { registry, missing } = loadConnectors();
  for (const m of missing) console.warn(`connector ${m.pkg} not loaded: ${m.reason}`);
  const connection = await NativeConnection.connect(options);
  const taskQueue = process.env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const worker = await createSluiceWorker({ connection, namespace, taskQueue, registry });
  console.warn(`sluice worker on ${options.address} namespace=${namespace} taskQueue=${taskQueue}; connectors: ${registry.list().map((p) => p.type).join(', ')}`);
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
