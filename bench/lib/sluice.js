'use strict';
// Sluice contenders: a Temporal dev server (startDevServer of @sluice/cli), a separate worker process
// (`node worker/dist/main.js`) per measured run so its peak RSS is its own, SYNC jobs through
// SluiceClient; plus cancel latency, resume after SIGKILL, job start latency.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ROOT, sleep, now, log, memoryOf, pgClient, pgq, percentile } = require('./util');

const WORKER_MAIN = path.join(ROOT, 'worker', 'dist', 'main.js');

class SluiceBench {
  static async start({ profileDir } = {}) {
    const { startDevServer } = require('@sluice/cli');
    const { Connection } = require('@temporalio/client');
    const server = await startDevServer({ headless: true });
    const connection = await Connection.connect({ address: server.address });
    return new SluiceBench(server, connection, profileDir);
  }

  constructor(server, connection, profileDir) {
    this.server = server;
    this.connection = connection;
    this.profileDir = profileDir;
    this.workers = new Set();
    this.seq = 0;
  }

  async client(taskQueue) {
    const { SluiceClient } = require('@sluice/client');
    return SluiceClient.connect({ connection: this.connection, taskQueue });
  }

  /** A worker process on its own task queue; resolves once it polls. */
  async startWorker(taskQueue = `bench-${process.pid}-${++this.seq}`) {
    const args = [];
    if (this.profileDir) args.push('--cpu-prof', `--cpu-prof-dir=${this.profileDir}`);
    args.push(WORKER_MAIN);
    const child = spawn(process.execPath, args, {
      env: { ...process.env, TEMPORAL_ADDRESS: this.server.address, SLUICE_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const w = {
      pid: child.pid,
      taskQueue,
      child,
      exited,
      stderr: () => stderr,
      memory: () => memoryOf(child.pid),
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      },
      kill() {
        child.kill('SIGKILL');
        return exited;
      },
    };
    this.workers.add(w);
    exited.then(() => this.workers.delete(w));
    const client = await this.client(taskQueue);
    const deadline = Date.now() + 60_000;
    while (!(await client.hasWorkers())) {
      if (child.exitCode !== null) throw new Error(`worker exited at start: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`worker did not poll within 60 s: ${stderr.trim()}`);
      await sleep(100);
    }
    w.client = client;
    return w;
  }

  async stop() {
    for (const w of [...this.workers]) await w.stop();
    await this.connection.close();
    await this.server.stop();
  }
}

/**
 * One SYNC job on a fresh worker: wall time from the start call to COMPLETED, the job's
 * counters and the worker's peak RSS (VmHWM sampled from /proc while it runs and at the end).
 */
async function runSync(bench, input, warmInput) {
  const worker = await bench.startWorker();
  // Warm, as a long-running worker is: one TEST_CONNECTION job per side loads the workflow bundle's
  // V8 context, the connector modules and the drivers; a SYNC of a few rows the same way (`warmInput`)
  // runs the sync's code once (a first SYNC on a fresh worker is ~0.3 s slower: JIT, first activations).
  await worker.client.testConnection(input.source);
  await worker.client.testConnection(input.destination);
  if (warmInput) {
    const warm = await worker.client.waitForJob(await worker.client.startSync(warmInput), undefined, 100);
    if (warm.state !== 'COMPLETED') throw new Error(`warm-up sync ${warm.state}: ${warm.message ?? ''}`);
  }
  resetPeakRss(worker.pid); // the peak measured is the job's
  let peak = 0;
  const sample = setInterval(() => {
    const m = worker.memory();
    if (m && m.hwmMiB > peak) peak = m.hwmMiB;
  }, 250);
  try {
    const t0 = now();
    const id = await worker.client.startSync(input);
    const job = await worker.client.waitForJob(id, undefined, 100);
    const seconds = (now() - t0) / 1000;
    const m = worker.memory();
    if (m && m.hwmMiB > peak) peak = m.hwmMiB;
    return { id, job, seconds, workerPeakRssMiB: round1(peak), workerPid: worker.pid };
  } finally {
    clearInterval(sample);
    await worker.stop();
  }
}

/** Resets a process's VmHWM to its current RSS (Linux: `echo 5 > /proc/PID/clear_refs`); a no-op where it cannot. */
function resetPeakRss(pid) {
  try {
    require('node:fs').writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not Linux, or not allowed: the peak includes the warm-up */
  }
}

/** Rows of the warm-up tables (bench_src_warm). */
const WARM_ROWS = 2_000;

const round1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10) / 10);

/** Rows committed to a destination table of a PostgreSQL schema, from Sluice's own checkpoint rows. */
async function committedRows(client, schema, table) {
  try {
    const { rows } = await client.query(
      `SELECT coalesce(sum((state::json->>'rows')::bigint), 0)::bigint AS n FROM "${schema}"._sluice_state WHERE table_name = $1`,
      [table],
    );
    return Number(rows[0].n);
  } catch {
    return 0;
  }
}

/** Source-table tuples fetched so far (index + sequential), from pg_stat_user_tables. */
async function tuplesFetched(pgUrl, schema, table) {
  const [r] = await pgq(
    pgUrl,
    `SELECT (coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0))::bigint AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`,
    [schema, table],
  );
  return Number(r?.n ?? 0);
}

/** Open PostgreSQL connections of a worker process (its sessions are named sluice:<pid>). */
async function openConnections(client, pid) {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [`sluice:${pid}`]);
  return rows[0].n;
}

/**
 * Cancel latency: a PostgreSQL → PostgreSQL sync of the wide table is cancelled once its first batch
 * is committed; latency = cancel call → state CANCELED and every worker connection closed.
 */
async function measureCancel(bench, { pgUrl, srcSchema, dstSchema, runs, batchSize }) {
  const worker = await bench.startWorker();
  const probe = await pgClient(pgUrl);
  const samples = [];
  const skipped = [];
  try {
    for (let i = 0; i < runs; i++) {
      const table = `cancel_${i}`;
      const id = await worker.client.startSync({
        source: { url: pgUrl },
        destination: { url: pgUrl },
        tables: [{ schema: srcSchema, name: 'wide', destinationName: table }],
        destinationSchema: dstSchema,
        createTables: true,
        batchSize,
      });
      const deadline = Date.now() + 120_000;
      while ((await committedRows(probe, dstSchema, table)) === 0 && Date.now() < deadline) await sleep(20);
      const t0 = now();
      await worker.client.cancelJob(id);
      const job = await worker.client.waitForJob(id, undefined, 20);
      const tState = now();
      if (job.state !== 'CANCELED') {
        skipped.push(`run ${i}: ${job.state} before the cancel took effect`);
        continue;
      }
      while ((await openConnections(probe, worker.pid)) > 0 && now() - t0 < 30_000) await sleep(10);
      const tReleased = now();
      samples.push({ toCanceledMs: Math.round(tState - t0), toReleasedMs: Math.round(Math.max(tState, tReleased) - t0) });
    }
  } finally {
    await probe.end();
    await worker.stop();
  }
  const ms = samples.map((s) => s.toReleasedMs);
  return { runs, measured: samples.length, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), maxMs: ms.length ? Math.max(...ms) : null, samples, skipped };
}

/**
 * Resume after SIGKILL: the append sync of the wide table, the worker SIGKILLed once half of the rows
 * are committed, a new worker started at once. Extra time against an uninterrupted run; rows re-read
 * = source tuples fetched (pg_stat_user_tables) beyond the table's row count.
 */
async function measureResume(bench, { pgUrl, srcSchema, dstSchema, rows, batchSize }) {
  const taskQueue = `bench-resume-${process.pid}-${Date.now()}`;
  let worker = await bench.startWorker(taskQueue);
  const client = worker.client;
  const probe = await pgClient(pgUrl);
  const input = (table) => ({
    source: { url: pgUrl },
    destination: { url: pgUrl },
    tables: [{ schema: srcSchema, name: 'wide', destinationName: table }],
    destinationSchema: dstSchema,
    createTables: true,
    batchSize,
  });
  try {
    // The same sync uninterrupted, on the same worker: the time and source tuples to compare with.
    // Each run starts with the server's dirty pages written out: the 10M baseline leaves ~6 GB behind,
    // which the checkpointer and autovacuum would otherwise work through during the resumed run.
    await settle(probe, dstSchema);
    await sleep(1500); // pg_stat counters of earlier runs flushed
    let fetched0 = await tuplesFetched(pgUrl, srcSchema, 'wide');
    let t0 = now();
    const plain = await client.waitForJob(await client.startSync(input('uninterrupted')), undefined, 100);
    const baselineSeconds = (now() - t0) / 1000;
    if (plain.state !== 'COMPLETED') throw new Error(`uninterrupted run ${plain.state}: ${plain.message ?? ''}`);
    await sleep(1500);
    const fetchedPlain = (await tuplesFetched(pgUrl, srcSchema, 'wide')) - fetched0;

    await settle(probe, dstSchema, 'uninterrupted');
    fetched0 = await tuplesFetched(pgUrl, srcSchema, 'wide');
    t0 = now();
    const table = 'resumed';
    const id = await client.startSync(input(table));
    let atKill = 0;
    for (;;) {
      atKill = await committedRows(probe, dstSchema, table);
      if (atKill >= rows / 2) break;
      const job = await client.getJob(id).catch(() => null);
      if (job && ['COMPLETED', 'ERROR', 'CANCELED'].includes(job.state)) throw new Error(`sync ended (${job.state}) before reaching 50%`);
      await sleep(25);
    }
    const tKill = now();
    await worker.kill();
    const committedAtKill = await committedRows(probe, dstSchema, table);
    worker = await bench.startWorker(taskQueue);
    const job = await client.waitForJob(id, undefined, 100);
    const seconds = (now() - t0) / 1000;
    await sleep(1500);
    const fetched = (await tuplesFetched(pgUrl, srcSchema, 'wide')) - fetched0;
    // Each lane (key range) keeps its own checkpoint row, `<table's stream>#<range>`: a kill costs pages in flight per lane.
    const { rows: [{ n: lanes }] } = await probe.query(
      `SELECT greatest(1, count(*))::int AS n FROM "${dstSchema}"._sluice_state WHERE table_name = $1 AND stream ~ '#[0-9]+$'`,
      [table],
    );
    return {
      state: job.state,
      rows,
      committedAtKill,
      killedAtSeconds: round1((tKill - t0) / 1000),
      seconds: round1(seconds),
      baselineSeconds: round1(baselineSeconds),
      extraSeconds: round1(seconds - baselineSeconds),
      extraFraction: Math.round(((seconds - baselineSeconds) / baselineSeconds) * 1000) / 1000,
      tuplesFetchedUninterrupted: fetchedPlain,
      tuplesFetched: fetched,
      rowsReRead: Math.max(0, fetched - fetchedPlain),
      batchSize,
      lanes,
    };
  } finally {
    await probe.end();
    await worker.stop();
  }
}

/** Drops `table` of `schema` (when given) and runs a CHECKPOINT (where the role may: else only the drop). */
async function settle(client, schema, table) {
  if (table) await client.query(`DROP TABLE IF EXISTS "${schema}"."${table}"`);
  await client.query('CHECKPOINT').catch((err) => log(`resume: no CHECKPOINT between runs (${err.message})`));
}

/** Job start latency: start call → first row committed in the destination (narrow table, PG → PG). */
async function measureStartLatency(bench, { pgUrl, srcSchema, dstSchema, runs }) {
  const worker = await bench.startWorker();
  const probe = await pgClient(pgUrl);
  const ms = [];
  try {
    for (let i = 0; i < runs; i++) {
      const table = `start_${i}`;
      const t0 = now();
      const id = await worker.client.startSync({
        source: { url: pgUrl },
        destination: { url: pgUrl },
        tables: [{ schema: srcSchema, name: 'narrow', destinationName: table }],
        destinationSchema: dstSchema,
        createTables: true,
      });
      for (;;) {
        const { rows } = await probe.query(`SELECT to_regclass($1) IS NOT NULL AS t`, [`"${dstSchema}"."${table}"`]);
        if (rows[0].t) {
          const r = await probe.query(`SELECT EXISTS (SELECT 1 FROM "${dstSchema}"."${table}") AS e`);
          if (r.rows[0].e) break;
        }
        if (now() - t0 > 60_000) throw new Error('no row after 60 s');
        await sleep(5);
      }
      ms.push(Math.round(now() - t0));
      await worker.client.cancelJob(id).catch(() => undefined);
      await worker.client.waitForJob(id, undefined, 100);
    }
  } finally {
    await probe.end();
    await worker.stop();
  }
  return { runs, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), samplesMs: ms };
}

module.exports = { SluiceBench, WARM_ROWS, runSync, measureCancel, measureResume, measureStartLatency, round1 };
