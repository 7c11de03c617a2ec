#!/usr/bin/env node
'use strict';
/*
 * Scaling over workers: one table copied in key-range lanes while 1, 2, 3 … worker processes poll
 * the same task queue. For each count: the job's time and rows/s, and how many copyChunk attempts
 * each worker ran (from the table workflow's history), so that the spread of the lanes shows.
 *
 *   node bench/scaling.js [--size 1m] [--table wide|narrow] [--workers 1,2,3] [--lanes 4]
 *
 * Needs the servers of scripts/setup.sh (SLUICE_PG_URL) and a build. The source is the bench's own
 * bench_src_<size> schema (generated when missing). Copies PostgreSQL → PostgreSQL on the same server.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { loadEnv, log, machine, now, pgq } = require('./lib/util');
const { ensurePgSource } = require('./lib/data');
const { SluiceBench } = require('./lib/sluice');

const SIZES = { quick: 20_000, '1m': 1_000_000, '10m': 10_000_000 };

function parseArgs(argv) {
  const a = { size: '1m', table: 'wide', workers: [1, 2, 3], lanes: 4 };
  for (let i = 0; i < argv.length; i++) {
    const val = () => argv[++i];
    switch (argv[i]) {
      case '--size': a.size = val(); break;
      case '--table': a.table = val(); break;
      case '--workers': a.workers = val().split(',').map(Number); break;
      case '--lanes': a.lanes = Number(val()); break;
      default: throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/scaling.js)`);
    }
  }
  if (!SIZES[a.size]) throw new Error(`--size: one of ${Object.keys(SIZES).join(', ')}`);
  if (!['wide', 'narrow'].includes(a.table)) throw new Error('--table: wide or narrow');
  if (!a.workers.every((n) => Number.isInteger(n) && n >= 1 && n <= 8)) throw new Error('--workers: counts from 1 to 8, e.g. 1,2,3');
  return a;
}

/** The identity of the worker that ran each copyChunk attempt of the job's table workflows (every run). */
async function chunkWorkers(client, jobId) {
  const out = [];
  const parent = await client.temporal.workflow.getHandle(jobId).fetchHistory();
  for (const e of parent.events ?? []) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child) continue;
    for (let runId = child.runId; runId; ) {
      const { events } = await client.temporal.workflow.getHandle(child.workflowId, runId).fetchHistory();
      const chunks = new Set();
      for (const c of events ?? []) {
        if (c.activityTaskScheduledEventAttributes?.activityType?.name === 'copyChunk') chunks.add(String(c.eventId));
        const started = c.activityTaskStartedEventAttributes;
        if (started && chunks.has(String(started.scheduledEventId))) out.push(started.identity);
      }
      runId = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
  }
  return out;
}

async function main() {
  loadEnv();
  const args = parseArgs(process.argv.slice(2));
  const pgUrl = process.env.SLUICE_PG_URL;
  if (!pgUrl) throw new Error('SLUICE_PG_URL unset: run `eval "$(bash scripts/setup.sh)"` first');
  const rows = SIZES[args.size];
  const src = `bench_src_${args.size}`;
  await ensurePgSource(pgUrl, src, rows);
  const bench = await SluiceBench.start();
  const results = [];
  try {
    for (const count of args.workers) {
      const taskQueue = `scaling-${process.pid}-${count}`;
      const workers = [];
      for (let i = 0; i < count; i++) workers.push(await bench.startWorker(taskQueue));
      const dst = `bench_scale_${count}`;
      await pgq(pgUrl, `DROP SCHEMA IF EXISTS "${dst}" CASCADE`);
      await pgq(pgUrl, `CREATE SCHEMA "${dst}"`);
      const client = workers[0].client;
      const url = (schema) => {
        const u = new URL(pgUrl);
        u.searchParams.set('schema', schema);
        return u.toString();
      };
      const started = now();
      const id = await client.startSync({
        source: { url: url(src) },
        destination: { url: url(dst) },
        tables: [{ schema: src, name: args.table }],
        createTables: true,
        splitRows: Math.ceil(rows / args.lanes),
        maxRangesPerTable: args.lanes,
      });
      const job = await client.waitForJob(id, undefined, 100);
      const seconds = (now() - started) / 1000;
      if (job.state !== 'COMPLETED' || job.rowsWritten !== rows) throw new Error(`${count} worker(s): job ${job.state}, ${job.rowsWritten} rows: ${job.message}`);
      const [{ n }] = await pgq(pgUrl, `SELECT count(*)::int AS n FROM "${dst}"."${args.table}"`);
      if (n !== rows) throw new Error(`${count} worker(s): ${n} rows in the destination, expected ${rows}`);
      const identities = await chunkWorkers(client, id);
      const byWorker = workers.map((w) => identities.filter((i) => i.startsWith(`${w.pid}@`)).length);
      const r = { workers: count, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(rows / seconds), chunks: identities.length, chunksByWorker: byWorker };
      log(`${count} worker(s): ${r.seconds} s, ${r.rowsPerSecond} rows/s, copyChunk attempts by worker ${byWorker.join('/')}`);
      results.push(r);
      for (const w of workers) await w.stop();
      await pgq(pgUrl, `DROP SCHEMA IF EXISTS "${dst}" CASCADE`);
    }
  } finally {
    await bench.stop();
  }
  const out = path.join(__dirname, 'results');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `scaling-${new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}-${args.size}.json`);
  writeFileSync(file, JSON.stringify({ command: `node bench/scaling.js ${process.argv.slice(2).join(' ')}`.trim(), machine: machine(), table: args.table, rows, lanes: args.lanes, results }, null, 2) + '\n');
  console.log(`\n| workers | seconds | rows/s | copyChunk attempts by worker |\n| --- | --- | --- | --- |`);
  for (const r of results) console.log(`| ${r.workers} | ${r.seconds} | ${r.rowsPerSecond.toLocaleString('en-US')} | ${r.chunksByWorker.join(' / ')} |`);
  console.log(`\n${file}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
