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

/** sluice_rows_written_total summed over the series of a worker's /metrics text. */
function rowsWrittenIn(text) {
  let sum = 0;
  for (const m of text.matchAll(/^sluice_rows_written_total(?:\{[^}]*\})? (\S+)$/gm)) sum += Number(m[1]);
  return sum;
}

async function main() {
  loadEnv();
  // Every worker serves /metrics on a free port (said in its log): scraped while the job runs.
  process.env.SLUICE_METRICS_PORT = '0';
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
      // Read from each worker's log at every scrape: a second worker on the queue is returned by
      // startWorker as soon as the queue has a poller, maybe before it said its port.
      const metricsPorts = () => workers.map((w) => /health on http:\/\/[^:]+:(\d+)/.exec(w.stderr())?.[1]);
      let scrapedMidRun = 0;
      let scraping = true;
      const scrape = async () => {
        let total = 0;
        for (const port of metricsPorts()) if (port) total += rowsWrittenIn(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        return total;
      };
      const scraper = (async () => {
        while (scraping) {
          const total = await scrape().catch(() => 0);
          if (scraping) scrapedMidRun = Math.max(scrapedMidRun, total);
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
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
      scraping = false;
      await scraper;
      const scrapedAfter = await scrape();
      if (job.state !== 'COMPLETED' || job.rowsWritten !== rows) throw new Error(`${count} worker(s): job ${job.state}, ${job.rowsWritten} rows: ${job.message}`);
      const [{ n }] = await pgq(pgUrl, `SELECT count(*)::int AS n FROM "${dst}"."${args.table}"`);
      if (n !== rows) throw new Error(`${count} worker(s): ${n} rows in the destination, expected ${rows}`);
      const identities = await chunkWorkers(client, id);
      const byWorker = workers.map((w) => identities.filter((i) => i.startsWith(`${w.pid}@`)).length);
      const r = {
        workers: count, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(rows / seconds), chunks: identities.length, chunksByWorker: byWorker,
        // sluice_rows_written_total over the workers' /metrics: the most seen while the job ran, and after it.
        metricsRowsWrittenDuring: scrapedMidRun, metricsRowsWrittenAfter: scrapedAfter,
      };
      log(`${count} worker(s): ${r.seconds} s, ${r.rowsPerSecond} rows/s, copyChunk attempts by worker ${byWorker.join('/')}; /metrics rows written: ${scrapedMidRun} during, ${scrapedAfter} after`);
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
  console.log(`\n| workers | seconds | rows/s | copyChunk attempts by worker | /metrics rows written, during → after |\n| --- | --- | --- | --- | --- |`);
  for (const r of results) {
    console.log(`| ${r.workers} | ${r.seconds} | ${r.rowsPerSecond.toLocaleString('en-US')} | ${r.chunksByWorker.join(' / ')} | ${r.metricsRowsWrittenDuring.toLocaleString('en-US')} → ${r.metricsRowsWrittenAfter.toLocaleString('en-US')} |`);
  }
  console.log(`\n${file}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
