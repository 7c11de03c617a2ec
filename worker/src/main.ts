#!/usr/bin/env node
import { Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { temporalConnectionOptions } from '@sluice/client';
import { DEFAULT_TASK_QUEUE } from '@sluice/workflows';
import { loadConnectors } from './connectors';
import { connectNativeTemporal } from './env';
import { installDriverFaultGuard } from './fault-guard';
import { limitHeapGrowth } from './heap';
import { metricsPortFromEnv, startObservabilityServer, workerReadiness, type ObservabilityServer } from './http';
import { createLogger, logLevelFromEnv, TemporalPinoLogger, temporalLevel } from './logging';
import { freeLocalPort, mergedMetrics, WorkerMetrics } from './metrics';
import { tracingFromEnv } from './tracing';
import { createSluiceWorker } from './worker';

const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

// Before anything can log: a bad SLUICE_LOG_LEVEL is said plainly.
let log: ReturnType<typeof createLogger> | undefined;

// `sluice-worker`: a standalone worker for a Temporal server given by the environment.
async function main() {
  const level = logLevelFromEnv();
  const logger = (log = createLogger({ level }));
  limitHeapGrowth();
  installDriverFaultGuard((line) => logger.error(line));
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
      logger.info({ signal }, `sluice worker: ${signal}: shutting down (running activities get ${shutdownGraceTime ?? '10s'} to finish)`);
      if (!worker) process.exit(0);
    });
  }
  // The SDK's runtime: its logs (Node side and Core side) into the same logger; with a metrics port
  // its own metrics (polls, slots, task latencies) on a loopback port that /metrics here adds to Sluice's.
  const temporalMetrics = port !== null ? `127.0.0.1:${await freeLocalPort()}` : undefined;
  Runtime.install({
    logger: new TemporalPinoLogger(logger),
    shutdownSignals: SHUTDOWN_SIGNALS,
    telemetryOptions: {
      logging: { filter: { core: temporalLevel(level), other: 'WARN' }, forward: {} },
      ...(temporalMetrics ? { metrics: { prometheus: { bindAddress: temporalMetrics } } } : {}),
    },
  });
  let http: ObservabilityServer | undefined;
  let metrics: WorkerMetrics | undefined;
  if (port !== null) {
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
    logger.info({ port: http.port }, `sluice worker: health on http://0.0.0.0:${http.port}/healthz, /readyz; metrics on /metrics`);
  }
  // OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set: workflow, activity and connector spans over OTLP/HTTP.
  const tracing = tracingFromEnv();
  if (tracing) logger.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'sluice worker: tracing to OTLP');
  const { registry, missing } = loadConnectors();
  for (const m of missing) logger.warn({ connector: m.pkg }, `connector ${m.pkg} not loaded: ${m.reason}`);
  connection = await connectNativeTemporal(settings);
  const taskQueue = process.env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  worker = await createSluiceWorker({ connection, namespace, taskQueue, registry, shutdownGraceTime: shutdownGraceTime as never, metrics, tracing: tracing ?? undefined });
  logger.info(
    { address: settings.address, tls: !!settings.tls, namespace, taskQueue, connectors: registry.list().map((p) => p.type) },
    `sluice worker on ${settings.address}${settings.tls ? ' (TLS)' : ''} namespace=${namespace} taskQueue=${taskQueue}; connectors: ${registry.list().map((p) => p.type).join(', ')}`,
  );
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once running activities had their grace time
  } finally {
    await connection.close();
    await http?.close();
    // The spans of the last activities, sent before the process ends (bounded: a collector away must not hold the exit).
    await Promise.race([tracing?.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
  logger.info('sluice worker: stopped');
}

main().then(
  // Drained: every activity finished or was handed back. Whatever else still holds the event loop
  // (a catalog pool, idle sessions closing) must not keep a stopped worker alive.
  () => process.exit(0),
  (err) => {
    const message = err instanceof Error ? err.message : String(err);
    // For the log collector a fatal record; for the operator at the terminal or in `kubectl logs`
    // the reason as a plain line of its own, readable whatever the log format.
    log?.fatal({ reason: message }, 'sluice worker could not start');
    console.error(message);
    process.exit(1);
  },
);
