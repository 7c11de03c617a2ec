#!/usr/bin/env node
import { Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { temporalConnectionOptions } from '@sluice/client';
import { DEFAULT_TASK_QUEUE } from '@sluice/workflows';
import { loadConnectors } from './connectors';
import { connectNativeTemporal } from './env';
import { installDriverFaultGuard } from './fault-guard';
import { limitHeapGrowth } from './heap';
import { metricsPortFromEnv, startObservabilityServer, workerReadiness, type ObservabilityServer } from './http';
import { freeLocalPort, mergedMetrics, WorkerMetrics } from './metrics';
import { createSluiceWorker } from './worker';

const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

// `sluice-worker`: a standalone worker for a Temporal server given by the environment.
async function main() {
  limitHeapGrowth();
  installDriverFaultGuard();
  const settings = temporalConnectionOptions(); // a bad TEMPORAL_* variable stops here, before connectors load
  const { namespace } = settings;
  const port = metricsPortFromEnv();
  const shutdownGraceTime = process.env.SLUICE_SHUTDOWN_GRACE_TIME?.trim() || undefined;
  let connection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let stopping = false;
  // The SDK's runtime stops the worker on these signals (polling ends, running activities get the
  // grace time); here the readiness turns 503 at once, and a signal before the worker exists ends the process.
  for (const signal of SHUTDOWN_SIGNALS) {
    process.once(signal, () => {
      stopping = true;
      console.warn(`sluice worker: ${signal}: shutting down (running activities get ${shutdownGraceTime ?? '10s'} to finish)`);
      if (!worker) process.exit(0);
    });
  }
  let http: ObservabilityServer | undefined;
  let metrics: WorkerMetrics | undefined;
  if (port !== null) {
    // The SDK's runtime serves its own metrics (polls, slots, task latencies) on a port of its own,
    // on loopback only: /metrics here adds them to Sluice's.
    const temporalMetrics = `127.0.0.1:${await freeLocalPort()}`;
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: temporalMetrics } } } });
    metrics = new WorkerMetrics();
    http = await startObservabilityServer({
      metrics: mergedMetrics(metrics, `http://${temporalMetrics}/metrics`),
      port,
      readiness: workerReadiness({
        state: () => worker?.getState(),
        stopping: () => stopping,
        ping: async () => {
          await connection!.workflowService.getSystemInfo({});
        },
      }),
    });
    console.warn(`sluice worker: health on http://0.0.0.0:${http.port}/healthz, /readyz; metrics on /metrics`);
  }
  const { registry, missing } = loadConnectors();
  for (const m of missing) console.warn(`connector ${m.pkg} not loaded: ${m.reason}`);
  connection = await connectNativeTemporal(settings);
  const taskQueue = process.env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  worker = await createSluiceWorker({ connection, namespace, taskQueue, registry, shutdownGraceTime: shutdownGraceTime as never, metrics });
  console.warn(`sluice worker on ${settings.address}${settings.tls ? ' (TLS)' : ''} namespace=${namespace} taskQueue=${taskQueue}; connectors: ${registry.list().map((p) => p.type).join(', ')}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once running activities had their grace time
  } finally {
    await connection.close();
    await http?.close();
  }
}

main().then(
  // Drained: every activity finished or was handed back. Whatever else still holds the event loop
  // (a catalog pool, idle sessions closing) must not keep a stopped worker alive.
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
