import type { SyncJob } from '@sluice/client';
import { checksumOf, pgUrlFor } from './helpers/sync-fixtures';
import { passwordOf, pgUrl } from './helpers/databases';
import type { WorkerProcess } from './helpers/worker-process';
import { useWorkerFleet } from './helpers/worker-fleet';
import { chunkWorkers } from './helpers/history';

// Operating standalone workers: health routes on SLUICE_METRICS_PORT, and SIGTERM in the middle of
// a sync: the worker stops polling, lets its running chunk finish (or hands it back), exits 0, and
// the job completes exactly on the other worker.
const ROWS = 160_000;
const fleet = useWorkerFleet('ops', { workers: 2, rows: ROWS, env: { SLUICE_METRICS_PORT: '0', SLUICE_LOG_LEVEL: 'debug' } });
/** The sync job the SIGTERM test ran. */
let syncJobId = '';

/** The port a worker printed for its health routes (SLUICE_METRICS_PORT=0 picks a free one). */
async function httpPortOf(w: WorkerProcess): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /health on http:\/\/[^:]+:(\d+)\//.exec(w.stderr);
    if (m) return Number(m[1]);
    if (w.exit || Date.now() > deadline) throw new Error(`no health port printed:\n${w.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The sum of a metric's samples whose labels include `labels` (NaN when there is none). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = NaN;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) continue;
    sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[3]);
  }
  return sum;
}

const PG_PG = { source: 'postgresql', destination: 'postgresql' };

/** Worker identities running a copyChunk of the job right now (from its table workflows' pending activities). */
async function runningChunkWorkers(jobId: string): Promise<string[]> {
  const found: string[] = [];
  const parent = await fleet.client.temporal.workflow.getHandle(jobId).fetchHistory();
  for (const e of parent.events ?? []) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child) continue;
    const { raw } = await fleet.client.temporal.workflow.getHandle(child.workflowId!, child.runId ?? undefined).describe();
    for (const a of raw.pendingActivities ?? []) {
      if (a.activityType?.name === 'copyChunk' && a.state === 2 && a.lastWorkerIdentity) found.push(a.lastWorkerIdentity);
    }
  }
  return found;
}

test('health routes: /healthz 200, /readyz 200 once polling, unknown paths 404', async () => {
  const port = await httpPortOf(fleet.workers[0]!);
  expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
  expect(await get(port, '/readyz')).toEqual({ status: 200, body: 'ready\n' });
  expect((await get(port, '/nope')).status).toBe(404);
});

test('SIGTERM mid-sync: /readyz turns 503, the worker exits 0, the job completes exactly on the other', async () => {
  const [victim, survivor] = fleet.workers as [WorkerProcess, WorkerProcess];
  const port = await httpPortOf(victim);
  const id = await fleet.startCopy();
  syncJobId = id;
  // Wait until the victim runs a chunk of this job.
  const deadline = Date.now() + 60_000;
  while (!(await runningChunkWorkers(id)).some((w) => w.startsWith(`${victim.pid}@`))) {
    if (Date.now() > deadline) throw new Error('the worker never ran a chunk of the job');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Its /metrics shows the copy while it runs: a lane, the job, rows of this engine pair.
  let live = '';
  const liveDeadline = Date.now() + 10_000;
  do {
    live = (await get(port, '/metrics')).body;
    if (metric(live, 'sluice_rows_written_total', PG_PG) > 0 && metric(live, 'sluice_active_lanes') >= 1) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < liveDeadline);
  expect(metric(live, 'sluice_rows_read_total', PG_PG)).toBeGreaterThan(0);
  expect(metric(live, 'sluice_rows_written_total', PG_PG)).toBeGreaterThan(0);
  expect(metric(live, 'sluice_active_lanes')).toBeGreaterThanOrEqual(1);
  expect(metric(live, 'sluice_active_jobs')).toBe(1);
  expect(metric(live, 'sluice_active_tables')).toBe(1);
  const signalledAt = Date.now();
  victim.kill('SIGTERM');
  // While it drains, it says it is not ready.
  const statuses: number[] = [];
  while (!victim.exit) {
    try {
      statuses.push((await get(port, '/readyz')).status);
    } catch {
      break; // the fleet.server went with the process
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  while (!victim.exit) await new Promise((r) => setTimeout(r, 50));
  expect(victim.exit).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalledAt).toBeLessThan(20_000); // within the 10 s grace time, with room
  expect(statuses).toContain(503);
  expect(statuses.slice(statuses.indexOf(503))).not.toContain(200);
  expect(victim.stderr).toMatch(/SIGTERM: shutting down/);

  const job = await fleet.client.waitForJob<SyncJob>(id);
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(fleet.dst), fleet.dst, 'items')).toEqual(await checksumOf(pgUrlFor(fleet.src), fleet.src, 'items'));
  const identities = await chunkWorkers(fleet.client, id);
  const after = identities.filter((w) => w.startsWith(`${survivor.pid}@`));
  expect(identities.some((w) => w.startsWith(`${victim.pid}@`))).toBe(true);
  expect(after.length).toBeGreaterThan(0);
  survivor.expectAlive();

  // The survivor's /metrics after the job: its rows for this engine pair, batch latencies, nothing
  // running, the process's memory, and the Temporal SDK runtime's own metrics beside Sluice's.
  const res = await fetch(`http://127.0.0.1:${await httpPortOf(survivor)}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const written = metric(text, 'sluice_rows_written_total', PG_PG);
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThanOrEqual(ROWS);
  expect(metric(text, 'sluice_rows_read_total', PG_PG)).toBeGreaterThanOrEqual(written);
  expect(metric(text, 'sluice_bytes_written_total', PG_PG)).toBeGreaterThan(0); // same engine: the COPY text path
  expect(metric(text, 'sluice_batch_commit_seconds_count', PG_PG)).toBeGreaterThan(0);
  expect(metric(text, 'sluice_active_lanes')).toBe(0);
  expect(metric(text, 'sluice_active_jobs')).toBe(0);
  expect(metric(text, 'sluice_session_cache_size')).toBeGreaterThanOrEqual(0);
  expect(metric(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(text).toMatch(/^temporal_\w+/m);
  expect(metric(text, 'temporal_worker_task_slots_used')).not.toBeNaN();
}, 180_000);

test('logs: JSON lines on a non-terminal stderr, activity lines with jobId/workflowId/table/activity/attempt, no password', () => {
  expect(syncJobId).not.toBe('');
  const password = passwordOf(pgUrl());
  expect(password.length).toBeGreaterThanOrEqual(3);
  const lines = fleet.workers.flatMap((w) => w.stderr.split('\n').filter(Boolean));
  const records = lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON log line: ${line}`);
    }
  });
  expect(records.every((r) => typeof r.level === 'string' && typeof r.msg === 'string' && typeof r.time === 'string')).toBe(true);
  // The SDK's own lines come through the same logger (the one WorkerProcess.ready() waits for among them).
  expect(records).toContainEqual(expect.objectContaining({ msg: 'Worker state changed', state: 'RUNNING', level: 'info' }));
  const chunkLines = records.filter((r) => r.activityType === 'copyChunk' && r.msg === 'Activity completed');
  expect(chunkLines.length).toBeGreaterThan(0);
  for (const r of chunkLines) {
    expect(r).toMatchObject({ jobId: syncJobId, activity: 'copyChunk', table: `${fleet.dst}.items`, level: 'debug' });
    expect(r.workflowId).toMatch(/^sync-table-/);
    expect(typeof r.attempt).toBe('number');
    expect(r.taskToken).toBe('[REDACTED]');
  }
  // A drain on SIGTERM and a normal sync log no error (a poll ended by the shutdown is not one).
  expect(records.filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
  // The job's secrets: the database password never reaches a log line.
  for (const w of fleet.workers) expect(w.stderr).not.toContain(password);
});
