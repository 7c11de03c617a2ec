import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActivityMetrics, EnginePair, SessionCache } from '@sluice/activities';

/**
 * Sluice's own Prometheus metrics for one worker process. Activities report
 * rows through `ActivityMetrics` (this object); running activities are
 * counted by the activity interceptor `interceptor()`; the process's memory and
 * event loop by prom-client's default metrics. Everything lives in `registry`,
 * nothing global.
 */
export class WorkerMetrics implements ActivityMetrics {
  readonly registry = new Registry();
  private readonly rowsReadTotal: Counter<'source' | 'destination'>;
  private readonly rowsWrittenTotal: Counter<'source' | 'destination'>;
  private readonly bytesWrittenTotal: Counter<'source' | 'destination'>;
  private readonly batchSeconds: Histogram<'source' | 'destination'>;
  private readonly retries: Counter<'activity' | 'cause'>;
  private readonly activities: Gauge<'activity'>;
  /** Running activities per job and per table workflow: the gauges count the keys. */
  private readonly jobs = new Map<string, number>();
  private readonly tables = new Map<string, number>();
  private sessionCaches: SessionCache[] = [];

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const pair = ['source', 'destination'] as const;
    this.rowsReadTotal = new Counter({ name: 'sluice_rows_read_total', help: 'Rows read from sources, by source and destination engine', labelNames: pair, registers });
    this.rowsWrittenTotal = new Counter({ name: 'sluice_rows_written_total', help: 'Rows committed in destinations, by source and destination engine', labelNames: pair, registers });
    this.bytesWrittenTotal = new Counter({
      name: 'sluice_bytes_written_total',
      help: 'Bytes committed in destinations where the copy moves engine COPY text (same engine on both sides)',
      labelNames: pair,
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'sluice_batch_commit_seconds',
      help: 'Time to write one batch with its checkpoint in the destination and commit',
      labelNames: pair,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.retries = new Counter({
      name: 'sluice_activity_retries_total',
      help: 'Activity attempts that failed retryably (another attempt follows unless attempts run out), by failure type',
      labelNames: ['activity', 'cause'],
      registers,
    });
    this.activities = new Gauge({ name: 'sluice_active_activities', help: 'Activities running on this worker, by type', labelNames: ['activity'], registers });
    const jobs = this.jobs;
    const tables = this.tables;
    new Gauge({ name: 'sluice_active_jobs', help: 'Jobs with an activity running on this worker', registers, collect() { this.set(jobs.size); } });
    new Gauge({ name: 'sluice_active_tables', help: 'Tables with an activity running on this worker', registers, collect() { this.set(tables.size); } });
    const lanes = this.activities;
    new Gauge({
      name: 'sluice_active_lanes',
      help: 'Copy lanes (copyChunk activities) running on this worker',
      registers,
      async collect() {
        const v = (await lanes.get()).values.find((x) => x.labels.activity === 'copyChunk');
        this.set(v?.value ?? 0);
      },
    });
    const caches = () => this.sessionCaches;
    new Gauge({
      name: 'sluice_session_cache_size',
      help: 'Idle database sessions kept for the next activity',
      registers,
      collect() { this.set(caches().reduce((n, c) => n + c.size, 0)); },
    });
  }

  rowsRead(pair: EnginePair, rows: number): void {
    this.rowsReadTotal.inc(pair as unknown as Record<'source' | 'destination', string>, rows);
  }

  batchCommitted(pair: EnginePair, rows: number, seconds: number, bytes?: number): void {
    const labels = pair as unknown as Record<'source' | 'destination', string>;
    this.rowsWrittenTotal.inc(labels, rows);
    this.batchSeconds.observe(labels, seconds);
    if (bytes !== undefined) this.bytesWrittenTotal.inc(labels, bytes);
  }

  /** Counts the idle sessions of this cache in `sluice_session_cache_size`. */
  watchSessions(cache: SessionCache): void {
    this.sessionCaches.push(cache);
  }

  /** The text exposition of every metric here. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts running activities (by type, job and table) and retryable failures (by activity and cause). */
  interceptor(): ActivityInterceptorsFactory {
    return () => ({
      inbound: {
        execute: async (input, next) => {
          const info = Context.current().info;
          const activity = info.activityType;
          const arg = (input.args[0] ?? {}) as { runKey?: unknown };
          const workflowId = info.workflowExecution?.workflowId ?? info.activityId;
          // A sync's activities carry the job id as runKey; a refresh's activities run in the job's own workflow.
          const job = typeof arg.runKey === 'string' ? arg.runKey : workflowId;
          // A table's activities run in its own child workflow (the job's own ones in the job's workflow).
          const table = typeof arg.runKey === 'string' && workflowId !== arg.runKey ? workflowId : null;
          this.activities.inc({ activity });
          bump(this.jobs, job, 1);
          if (table) bump(this.tables, table, 1);
          try {
            return await next(input);
          } catch (err) {
            const retryable = !(err instanceof ApplicationFailure && err.nonRetryable) && !isCancel(err);
            if (retryable) this.retries.inc({ activity, cause: causeOf(err) });
            throw err;
          } finally {
            this.activities.dec({ activity });
            bump(this.jobs, job, -1);
            if (table) bump(this.tables, table, -1);
          }
        },
      },
    });
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

function isCancel(err: unknown): boolean {
  return err instanceof Error && (err.name === 'CancelledFailure' || err.name === 'AbortError');
}

/** A short, bounded label for why an attempt failed: the failure type, else the error's name. */
export function causeOf(err: unknown): string {
  const type = err instanceof ApplicationFailure ? err.type : undefined;
  const cause = type || (err instanceof Error ? err.name : 'unknown');
  return cause.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
}

/** A TCP port free on 127.0.0.1 right now (for the Temporal runtime's own Prometheus exporter). */
export async function freeLocalPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The worker's `/metrics`: Sluice's registry, then the Temporal SDK runtime's
 * metrics scraped from its exporter at `temporalUrl` (its metric names all
 * start with `temporal_`, so the two never share a family). When the
 * runtime's exporter does not answer, Sluice's part is still served.
 */
export function mergedMetrics(metrics: WorkerMetrics, temporalUrl?: string): () => Promise<{ contentType: string; body: string }> {
  return async () => {
    const own = await metrics.text();
    let temporal = '';
    if (temporalUrl) {
      try {
        const res = await fetch(temporalUrl, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) temporal = await res.text();
      } catch {
        temporal = '# the Temporal runtime metrics exporter did not answer\n';
      }
    }
    const body = own.endsWith('\n') || !own ? own : own + '\n';
    return { contentType: metrics.registry.contentType, body: body + temporal };
  };
}
