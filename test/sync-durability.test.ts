import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SluiceClient, type SyncJob } from '@sluice/client';
import { mariaQuery, pgQuery } from './helpers/databases';
import { retryCauses, workflowTaskTimeouts } from './helpers/history';
import { checksumOf, mariaUrlFor, pgUrlFor, useSyncWorld } from './helpers/sync-fixtures';

// Cancel mid-sync and SIGKILL of the worker mid-sync, against real Temporal and real databases.
const BATCH = 2_000;
/** Small batches keep the killed sync running long enough to be killed mid-way (the COPY fast path is quick). */
const KILL_BATCH = 250;

const ROWS = 150_000;
const world = useSyncWorld('dur', ROWS);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Open connections of this test process's Sluice sessions on each server (the in-process worker's). */
async function openSluiceConnections(): Promise<{ pg: number; maria: number }> {
  const [pg] = await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [`sluice:${process.pid}`]);
  const [m] = await mariaQuery<{ n: number }>(
    `SELECT COUNT(*) AS n FROM performance_schema.session_connect_attrs a
       JOIN performance_schema.session_connect_attrs p ON p.PROCESSLIST_ID = a.PROCESSLIST_ID
     WHERE a.ATTR_NAME = 'program_name' AND a.ATTR_VALUE = 'sluice' AND p.ATTR_NAME = '_pid' AND p.ATTR_VALUE = ?`,
    [String(process.pid)],
  );
  return { pg: Number(pg!.n), maria: Number(m!.n) };
}

test('cancel mid-sync: CANCELED, whole batches only, every connection released, committed rows reported', async () => {
  const id = await world.env.client.startSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: mariaUrlFor(world.maria) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'cancelled' }],
    createTables: true,
    batchSize: BATCH,
  });
  await until('rows in the destination', async () => {
    const rows = await mariaQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${world.maria}\`.cancelled`).catch(() => [{ n: 0 }]);
    return Number(rows[0]!.n) > 0 ? true : undefined;
  });
  await world.env.client.cancelJob(id);
  const states = new Set<string>();
  const job = await world.env.client.waitForJob<SyncJob>(id, (j) => states.add(j.state), 50);
  expect(job.state).toBe('CANCELED');
  expect(states.has('CANCELING')).toBe(true); // shown while the tables roll back and release
  const [{ n }] = (await mariaQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${world.maria}\`.cancelled`)) as [{ n: number }];
  const written = Number(n);
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThan(ROWS);
  expect(written % BATCH).toBe(0); // only whole committed batches
  expect(job.rowsWritten).toBe(written);
  expect(await openSluiceConnections()).toEqual({ pg: 0, maria: 0 });
});

describe.each(['append', 'upsert'] as const)('SIGKILL of the worker mid-sync (%s)', (mode) => {
  let worker: ChildProcess | undefined;
  afterEach(() => worker?.kill('SIGKILL'));

  const startWorker = (taskQueue: string) =>
    spawn(process.execPath, [join(__dirname, '..', 'worker', 'dist', 'main.js')], {
      env: { ...process.env, TEMPORAL_ADDRESS: world.env.server.address, SLUICE_TASK_QUEUE: taskQueue },
      stdio: 'ignore',
    });

  test('a restarted worker resumes from the last checkpoint: exactly the source rows', async () => {
    const taskQueue = `kill-${mode}-${Date.now()}`;
    const client = await SluiceClient.connect({ address: world.env.server.address, taskQueue });
    const table = `killed_${mode}`;
    try {
      worker = startWorker(taskQueue);
      const id = await client.startSync({
        source: { url: pgUrlFor(world.src) },
        destination: { url: pgUrlFor(world.dst) },
        tables: [{ schema: world.src, name: 'items', destinationName: table }],
        mode,
        createTables: true,
        batchSize: KILL_BATCH,
        // append: four key ranges copied in parallel lanes, each resuming from its own checkpoint.
        splitRows: mode === 'append' ? 20_000 : undefined,
      });
      const countNow = async () => Number((await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM "${world.dst}"."${table}"`).catch(() => [{ n: '0' }]))[0]!.n);
      await until('a third of the rows', async () => ((await countNow()) > ROWS / 3 ? true : undefined));
      worker.kill('SIGKILL');
      const atKill = await countNow();
      expect(atKill).toBeLessThan(ROWS);
      if (mode === 'append') {
        // With no worker alive the job still reads as running, from the server's record (this takes
        // the query's 5 s deadline: by then the chunks' heartbeat timeouts have also fired).
        const orphaned = await client.getJob<SyncJob>(id);
        expect(orphaned.state).toBe('RUNNING');
        expect(orphaned.message).toMatch(/progress unavailable until a worker answers/);
      }
      worker = startWorker(taskQueue);
      const job = await client.waitForJob<SyncJob>(id, undefined, 500);
      expect(job.state).toBe('COMPLETED');
      expect(await checksumOf(pgUrlFor(world.dst), world.dst, table)).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
      const causes = await retryCauses(client, id);
      expect(causes.length).toBeGreaterThan(0);
      // Restarted at once (upsert), the new worker sees its predecessor's process gone and fails the
      // chunks it held right away, before their heartbeat timeout could.
      // It also moves the job's own workflow, which has no activity of its own, off the dead worker's
      // sticky queue: its task after the table's end goes to the new worker at once (it used to wait
      // there for the sticky schedule-to-start timeout, 3 s). Not asserted for append: no worker is
      // alive for 5 s there, so a task scheduled just before the kill may rightly time out.
      if (mode === 'upsert') {
        expect(new Set(causes)).toEqual(new Set(['WORKER_LOST']));
        expect(await workflowTaskTimeouts(client, id)).toEqual([]);
      }
    } finally {
      await client.close();
    }
  }, 180_000);
});
