import type { DataConverter, Duration } from '@temporalio/common';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { ConnectionResolver, createActivities } from '@sluice/activities';
import type { Catalog } from '@sluice/catalog';
import { sluiceDataConverter } from '@sluice/codec';
import type { ConnectorRegistry } from '@sluice/connector-sdk';
import { DEFAULT_TASK_QUEUE } from '@sluice/workflows';
import { loadConnectors } from './connectors';
import { withWorkflowThreadSemiSpace } from './heap';
import { takeOverFromExitedWorkers, workerIdentity } from './orphans';
import { workflowSource } from './workflow-bundle';
import { SpreadingActivitySlots } from './spreading-slots';
import type { WorkerMetrics } from './metrics';
import { logAttributesInterceptor } from './logging';
import type { Tracing } from './tracing';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { OTEL_WORKFLOW_INTERCEPTORS } from './workflow-bundle';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export interface SluiceWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** Defaults to every installed connector package. */
  registry?: ConnectorRegistry;
  /** Defaults to Sluice's encrypting data converter. */
  dataConverter?: DataConverter;
  /** Opens the catalog that connection ids resolve in (default: SLUICE_CATALOG_URL or the embedded one), on first use. */
  openCatalog?: () => Promise<Catalog>;
  /** How long running activities may go on after a shutdown signal before they are cancelled (default 10 s). */
  shutdownGraceTime?: Duration;
  /** Prometheus metrics the activities report into (rows, batches, running activities, retries). */
  metrics?: WorkerMetrics;
  /** OpenTelemetry: spans for workflows (through the bundle with the workflow interceptors), activities and connectors. */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>;
}

/** A Worker hosting every Sluice workflow and activity. */
export async function createSluiceWorker(options: SluiceWorkerOptions): Promise<Worker> {
  const registry = options.registry ?? loadConnectors().registry;
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const identity = workerIdentity();
  // A predecessor killed on this machine: its activities retry now, not after their heartbeat timeout.
  // Looked for while the worker is created (its bundle loads), so the retries wait when it first polls.
  takeOverFromExitedWorkers({ connection: options.connection, namespace, taskQueue, identity }).then(
    (r) => {
      if (r.unstuck) Runtime.instance().logger.info(`took over from exited workers: ${r.unstuck} workflows moved off their sticky queues, ${r.failed} activities retried, ${r.cancelled} cancelled`);
    },
    (err) => Runtime.instance().logger.warn(`could not look for activities of exited workers (left to their heartbeat timeout): ${err instanceof Error ? err.message : err}`),
  );
  const connections = new ConnectionResolver(registry, options.openCatalog);
  if (options.metrics) {
    connections.metrics = options.metrics;
    options.metrics.watchSessions(connections.sessions);
  }
  // The workflow thread starts within Worker.create, with a young generation its light work fits in.
  const worker = await withWorkflowThreadSemiSpace(() => Worker.create({
    connection: options.connection,
    namespace,
    taskQueue,
    identity,
    ...workflowSource({ tracing: !!options.tracing }),
    activities: createActivities(connections),
    // Activity log lines carry jobId and table beside the SDK's workflowId, activityType, attempt.
    interceptors: {
      // The tracing one first: the others' work (and the activity's) happens inside its span.
      activity: [...(options.tracing ? [tracingInterceptor] : []), logAttributesInterceptor(), ...(options.metrics ? [options.metrics.interceptor()] : [])],
      // Used only when the Worker bundles the source itself (no prebuilt bundle).
      workflowModules: options.tracing ? [OTEL_WORKFLOW_INTERCEPTORS] : [],
    },
    // Workflow spans leave the sandbox through this sink.
    ...(options.tracing ? { sinks: { exporter: makeWorkflowExporter(options.tracing.spanProcessor, options.tracing.resource) } } : {}),
    dataConverter: options.dataConverter ?? sluiceDataConverter(),
    // Each cached workflow holds a V8 context; bound the cache so memory stays flat.
    maxCachedWorkflows: 200,
    // A worker that dies leaves its workflows' next tasks on its sticky queue: after this long
    // they move to the shared queue, where another worker replays and goes on (default 10 s).
    stickyQueueScheduleToStartTimeout: '3 seconds',
    // On SIGTERM polling stops; a running chunk (~3 s) commits and returns, the workflow schedules
    // the next one for another worker. Past this the activities are cancelled (WORKER_SHUTDOWN):
    // the open batch rolls back and the chunk is retried elsewhere from its checkpoint.
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    // The SDK's defaults (40 workflow tasks, 100 local activities, 100 Nexus tasks) but activity
    // slots that spread a table's lanes over every worker of the task queue.
    tuner: {
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 40 },
      activityTaskSlotSupplier: new SpreadingActivitySlots(),
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
    },
    // Cancellation reaches an activity only through a heartbeat's answer: send them at least every second.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  }));
  return worker;
}

/** OpenTelemetry's activity interceptors: a span per attempt, child of the workflow's; trace ids on log lines. */
const tracingInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});
