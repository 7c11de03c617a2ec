import { EncryptionCodec, loadCodecKeys } from '@sluice/codec';
import { SluiceClient, type SyncJob } from '@sluice/client';
import { mariaQuery, mariaUrl, pgQuery, pgUrl } from './helpers/databases';
import { checksumOf, createMariaDb, dropMariaDb, dropPgSchema, mariaUrlFor, pgUrlFor, uniqueName } from './helpers/sync-fixtures';
import { retryCauses } from './helpers/history';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';
import { createProxy, hostPortOf, type Proxy } from './helpers/toxiproxy';
import { WorkerProcess } from './helpers/worker-process';

// Network and server faults in the middle of a sync, through Toxiproxy, with the worker as a
// separate process: the job must end COMPLETED with exactly the source's rows, and no worker die.
// One worker process serves every test in turn: it must live through all the faults.
const ROWS = Number(process.env.FAULT_ROWS ?? 100_000);
const BATCH = 500;
/** How long a job may take to end once its faults are over (the tests' own limits are above it). */
const WAIT_MS = 75_000;

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

let env: TestTemporal;
let worker: WorkerProcess;
let client: SluiceClient;
/** Row count and checksum of the source table (read once, directly). */
let expected: Awaited<ReturnType<typeof checksumOf>>;
const src = uniqueName('fault_src');
const dst = uniqueName('fault_dst');
const maria = uniqueName('fault_maria');

beforeAll(async () => {
  env = await startTestTemporal();
  await pgQuery(`CREATE SCHEMA "${src}"`);
  await pgQuery(`CREATE TABLE "${src}".narrow (id bigint PRIMARY KEY, n integer NOT NULL, s varchar(20))`);
  await pgQuery(`INSERT INTO "${src}".narrow SELECT g, g * 7 % 1000, 'r' || g FROM generate_series(1, ${ROWS}) g`);
  await pgQuery(`ANALYZE "${src}".narrow`);
  await pgQuery(`CREATE SCHEMA "${dst}"`);
  await createMariaDb(maria);
  expected = await checksumOf(pgUrlFor(src), src, 'narrow');
  const taskQueue = `fault-${process.pid}-${Date.now()}`;
  worker = new WorkerProcess(env.server.address, taskQueue);
  client = await SluiceClient.connect({ address: env.server.address, taskQueue });
}, 120_000);

afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await client?.close();
  await env?.stop();
  await dropPgSchema(src);
  await dropPgSchema(dst);
  await dropMariaDb(maria);
});

interface Run {
  client: SluiceClient;
  worker: WorkerProcess;
  srcProxy: Proxy;
  dstProxy: Proxy;
  table: string;
  engine: 'postgresql' | 'mariadb';
  id: string;
  started: number;
  /** Rows committed in the destination so far (read directly, not through the proxy). */
  count(): Promise<number>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/**
 * Starts a sync of `narrow` through two fresh proxies; returns once rows arrive. `latencyMs` slows
 * every destination answer, for faults injected beside the proxy (a server-side kill): on a fast
 * machine the whole copy can otherwise end between two polls of the row count.
 */
async function startRun(name: string, engine: 'postgresql' | 'mariadb', latencyMs = 0): Promise<Run> {
  const srcProxy = await createProxy(`src_${name}`, hostPortOf(pgUrl()));
  const dstProxy = await createProxy(`dst_${name}`, hostPortOf(engine === 'postgresql' ? pgUrl() : mariaUrl()));
  cleanups.push(() => srcProxy.delete(), () => dstProxy.delete());
  if (latencyMs > 0) await dstProxy.addToxic({ type: 'latency', attributes: { latency: latencyMs } });
  const table = `t_${name}`;
  const started = Date.now();
  const id = await client.startSync({
    source: { url: srcProxy.via(pgUrlFor(src)) },
    destination: { url: engine === 'postgresql' ? dstProxy.via(pgUrlFor(dst)) : dstProxy.via(mariaUrlFor(maria)) },
    tables: [{ schema: src, name: 'narrow', destinationName: table }],
    createTables: true,
    batchSize: BATCH,
  });
  const count = async () => {
    const rows =
      engine === 'postgresql'
        ? await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM "${dst}"."${table}"`).catch(() => [{ n: '0' }])
        : await mariaQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${maria}\`.\`${table}\``).catch(() => [{ n: 0 }]);
    return Number(rows[0]!.n);
  };
  const run: Run = { client, worker, srcProxy, dstProxy, table, engine, id, started, count };
  await until('rows in the destination', async () => ((await count()) > 0 ? true : undefined));
  return run;
}

/**
 * The job ends COMPLETED with exactly the source's rows, and the worker process lived through it
 * all. `retried`: the fault must have failed at least one attempt (else it missed the copy).
 */
async function expectExactAndAlive(run: Run, retried = true): Promise<SyncJob> {
  const job = await Promise.race([
    run.client.waitForJob<SyncJob>(run.id, undefined, 250),
    sleep(WAIT_MS).then(async () => {
      const stuck = await run.client.getJob<SyncJob>(run.id);
      throw new Error(`job still ${stuck.state} after ${WAIT_MS / 1000} s (${await run.count()} rows): ${stuck.message}\n${await timeline(run)}\nworker stderr:\n${run.worker.stderr}`);
    }),
  ]);
  if (job.state !== 'COMPLETED') throw new Error(`job ${job.state}: ${job.message}\nworker stderr:\n${run.worker.stderr}`);
  expect(job.state).toBe('COMPLETED');
  expect(job.rowsWritten).toBe(ROWS);
  const actual = run.engine === 'postgresql' ? await checksumOf(pgUrlFor(dst), dst, run.table) : await checksumOf(mariaUrlFor(maria), maria, run.table);
  expect(actual).toEqual(expected);
  run.worker.expectAlive();
  const causes = await retryCauses(run.client, run.id);
  if (retried) expect(causes.length).toBeGreaterThan(0);
  // A connection lost mid-copy is named like one that could not open: side, engine, host:port.
  const failures = await retriedAfter(run);
  for (const f of failures) expect(f).toMatch(/^(source|destination) (postgresql|mysql|mariadb) at 127\.0\.0\.1:\d+: /);
  console.log(`${run.table}: ${Date.now() - run.started} ms, retried after: ${causes.join(', ') || 'nothing'}\n  ${failures.join('\n  ')}`);
  if (process.env.FAULT_DEBUG) console.log(run.worker.stderr + '\n' + (await timeline(run)));
  return job;
}

/** A failure's message: failures are encrypted at rest (encodeCommonAttributes), so decoded through the codec. */
async function failureMessage(failure: { message?: string | null; encodedAttributes?: unknown }): Promise<string> {
  if (!failure.encodedAttributes) return failure.message ?? '';
  const [decoded] = await new EncryptionCodec(loadCodecKeys()).decode([failure.encodedAttributes as never]);
  return (JSON.parse(Buffer.from(decoded!.data ?? []).toString('utf8')) as { message?: string }).message ?? '';
}

/** The messages of the application failures that attempts of the table workflows were retried after. */
async function retriedAfter(run: Run): Promise<string[]> {
  const parent = await run.client.temporal.workflow.getHandle(run.id).fetchHistory();
  const out: string[] = [];
  for (const e of parent.events ?? []) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child) continue;
    const { events } = await run.client.temporal.workflow.getHandle(child.workflowId!, child.runId ?? undefined).fetchHistory();
    for (const c of events ?? []) {
      const failure = c.activityTaskStartedEventAttributes?.lastFailure;
      if (failure?.applicationFailureInfo && (c.activityTaskStartedEventAttributes!.attempt ?? 1) > 1) out.push(await failureMessage(failure));
    }
  }
  return out;
}

/** Debugging aid (FAULT_DEBUG=1): when each activity of the table workflows was scheduled, started and ended. */
async function timeline(run: Run): Promise<string> {
  const parent = await run.client.temporal.workflow.getHandle(run.id).fetchHistory();
  const lines: string[] = [];
  for (const e of parent.events ?? []) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child) continue;
    const { events } = await run.client.temporal.workflow.getHandle(child.workflowId!, child.runId ?? undefined).fetchHistory();
    for (const c of events ?? []) {
      const at = new Date(Number(c.eventTime?.seconds ?? 0) * 1000 + Math.round((c.eventTime?.nanos ?? 0) / 1e6)).toISOString().slice(11, 23);
      const kind = Object.keys(c).find((k) => k.endsWith('EventAttributes')) ?? '?';
      const attempt = c.activityTaskStartedEventAttributes?.attempt;
      lines.push(`${at} ${kind.replace('EventAttributes', '')}${attempt ? ` attempt ${attempt}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** Waits until the copy is `fraction` of the way (a fault then lands mid-copy, not before or after it). */
async function atFraction(run: Run, fraction: number): Promise<number> {
  try {
    return await until(`${fraction * 100}% of the rows`, async () => {
      const n = await run.count();
      return n >= ROWS * fraction ? n : undefined;
    });
  } catch (err) {
    const job = await run.client.getJob<SyncJob>(run.id);
    throw new Error(`${(err as Error).message}: ${await run.count()} rows; job ${job.state}: ${job.message}\n${await timeline(run)}\nworker stderr:\n${run.worker.stderr}`);
  }
}

async function expectUnfinished(run: Run): Promise<void> {
  expect(await run.count()).toBeLessThan(ROWS);
}

test('PostgreSQL destination reset mid-batch (reset_peer), then cut 1 s', async () => {
  const run = await startRun('pg_reset', 'postgresql');
  await atFraction(run, 0.2);
  await run.dstProxy.withToxic({ type: 'reset_peer', attributes: { timeout: 0 } }, 500);
  await expectUnfinished(run);
  await atFraction(run, 0.5);
  await run.dstProxy.cut(1_000);
  await expectExactAndAlive(run);
}, 120_000);

test('MariaDB destination reset mid-batch (reset_peer), then cut 1 s', async () => {
  const run = await startRun('maria_reset', 'mariadb');
  await atFraction(run, 0.2);
  await run.dstProxy.withToxic({ type: 'reset_peer', attributes: { timeout: 0 } }, 500);
  await expectUnfinished(run);
  await atFraction(run, 0.5);
  await run.dstProxy.cut(1_000);
  await expectExactAndAlive(run);
}, 120_000);

test('source reset mid-read (reset_peer), then cut 1 s', async () => {
  const run = await startRun('src_reset', 'postgresql');
  await atFraction(run, 0.2);
  await run.srcProxy.withToxic({ type: 'reset_peer', attributes: { timeout: 0 } }, 500);
  await expectUnfinished(run);
  await atFraction(run, 0.5);
  await run.srcProxy.cut(1_000);
  await expectExactAndAlive(run);
}, 120_000);

test('2 s of latency on the destination for 6 s: slower, not broken', async () => {
  const run = await startRun('pg_latency', 'postgresql');
  await atFraction(run, 0.2);
  const before = await run.count();
  await run.dstProxy.withToxic({ type: 'latency', attributes: { latency: 2_000 } }, 6_000);
  await expectUnfinished(run);
  expect(await run.count()).toBeGreaterThanOrEqual(before);
  await expectExactAndAlive(run, false);
}, 120_000);

test('source bandwidth capped to 64 KB/s for 5 s: slower, not broken', async () => {
  const run = await startRun('src_bandwidth', 'postgresql');
  await atFraction(run, 0.2);
  const before = await run.count();
  await run.srcProxy.withToxic({ type: 'bandwidth', attributes: { rate: 64 } }, 5_000);
  const during = (await run.count()) - before;
  await expectUnfinished(run);
  expect(during).toBeGreaterThan(0); // a trickle still moves
  await expectExactAndAlive(run, false);
}, 120_000);

test('destination down for 30 s: the job waits, RUNNING with a message that says why, and completes', async () => {
  const run = await startRun('pg_down', 'postgresql');
  await atFraction(run, 0.2);
  await run.dstProxy.disable();
  const downAt = Date.now();
  try {
    const waiting = await until(
      'a Job message naming the retried step',
      async () => {
        const job = await run.client.getJob<SyncJob>(run.id);
        return job.message?.startsWith('waiting:') && /failed [2-9]/.test(job.message) ? job : undefined;
      },
      25_000,
    );
    expect(waiting.state).toBe('RUNNING');
    expect(waiting.message).toMatch(
      new RegExp(`^waiting: copyChunk of ${src}\\.narrow failed \\d+ times, retrying \\(destination postgresql at 127\\.0\\.0\\.1:${run.dstProxy.port}: .+\\)$`),
    );
    console.log(`while down: ${waiting.message}`);
    await expectUnfinished(run);
    run.worker.expectAlive();
    await sleep(30_000 - (Date.now() - downAt));
  } finally {
    await run.dstProxy.enable();
  }
  const job = await expectExactAndAlive(run);
  expect(job.message).not.toMatch(/^waiting:/);
}, 150_000);

/** Every session the worker process holds in this PostgreSQL database, ended by the server (as a restart does). */
async function terminatePgBackends(workerPid: number): Promise<number> {
  const rows = await pgQuery<{ ok: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()`,
    [`sluice:${workerPid}`],
  );
  return rows.filter((r) => r.ok).length;
}

/** Every MariaDB connection of the worker process (by its connect attributes), killed. */
async function killMariaConnections(workerPid: number): Promise<number> {
  const ids = await mariaQuery<{ id: number }>(
    `SELECT a.PROCESSLIST_ID AS id FROM performance_schema.session_connect_attrs a
       JOIN performance_schema.session_connect_attrs p ON p.PROCESSLIST_ID = a.PROCESSLIST_ID
     WHERE a.ATTR_NAME = 'program_name' AND a.ATTR_VALUE = 'sluice' AND p.ATTR_NAME = '_pid' AND p.ATTR_VALUE = ?
       AND a.PROCESSLIST_ID <> CONNECTION_ID()`,
    [String(workerPid)],
  );
  let killed = 0;
  for (const { id } of ids) {
    await mariaQuery(`KILL CONNECTION ${Number(id)}`).then(
      () => killed++,
      () => undefined, // ended by itself meanwhile
    );
  }
  return killed;
}

test('PostgreSQL backends terminated twice mid-copy (pg_terminate_backend)', async () => {
  const run = await startRun('pg_terminate', 'postgresql', 5);
  await atFraction(run, 0.2);
  expect(await terminatePgBackends(run.worker.pid)).toBeGreaterThan(0);
  await atFraction(run, 0.5);
  await expectUnfinished(run); // the kill is instant: checked just before it, not after
  expect(await terminatePgBackends(run.worker.pid)).toBeGreaterThan(0);
  await expectExactAndAlive(run);
}, 120_000);

test('MariaDB destination connections killed twice mid-copy (KILL CONNECTION)', async () => {
  const run = await startRun('maria_kill', 'mariadb', 5);
  await atFraction(run, 0.2);
  expect(await killMariaConnections(run.worker.pid)).toBeGreaterThan(0);
  await atFraction(run, 0.5);
  await expectUnfinished(run); // the kill is instant: checked just before it, not after
  expect(await killMariaConnections(run.worker.pid)).toBeGreaterThan(0);
  await expectExactAndAlive(run);
}, 120_000);

test('destination silent (timeout toxic: nothing passes, nothing closes): the Job says so; then back', async () => {
  const run = await startRun('pg_silent', 'postgresql');
  await atFraction(run, 0.2);
  const name = await run.dstProxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
  try {
    // A silent server fails nothing: the chunk's heartbeat says what it waits for (after 10 s).
    const waiting = await until(
      'a Job message naming the silent side',
      async () => {
        const job = await run.client.getJob<SyncJob>(run.id);
        return job.message?.startsWith('waiting:') ? job : undefined;
      },
      30_000,
    );
    console.log(`while silent: ${waiting.message}`);
    expect(waiting.state).toBe('RUNNING');
    expect(waiting.message).toMatch(new RegExp(`^waiting: copyChunk of ${src}\\.narrow has had no answer from the destination for \\d+ s$`));
    await expectUnfinished(run);
    run.worker.expectAlive();
  } finally {
    await run.dstProxy.removeToxic(name);
  }
  await expectExactAndAlive(run, false);
}, 150_000);
