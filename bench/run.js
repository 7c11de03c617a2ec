#!/usr/bin/env node
'use strict';
/*
 * Sluice benchmark harness (issue 7). `npm run bench [-- options]`, or `node bench/run.js`:
 *   --size quick|1m|10m   rows per table: 20,000 | 1,000,000 | 10,000,000 (default: quick)
 *   --rows N              any other row count (named "<N>rows")
 *   --pairs a,b           pg-pg, maria-pg, pg-maria, maria-maria (default: all)
 *   --tables wide,narrow  (default: both)
 *   --only sluice         Sluice contenders only; the others are reported as not selected
 *   --contenders a,b      only these contender ids (e.g. psql-copy-text,sluice-append)
 *   --no-extras           skip cancel / resume / start latency / introspection
 *   --extras a,b          only these of them (startLatency, cancel, resume, introspection)
 *   --repeat N            run each contender N times and report its median time (default 1); every run is verified
 *   --cancel-runs N       (default 20; quick: 3)    --intro-tables N (default 10000; quick: 200)
 *   --profile             workers run with --cpu-prof (profiles in bench/results/profiles-<stamp>)
 *   --out DIR             results directory (default bench/results)
 *   --readme | --no-readme  render bench/README.md (default: on for 1m/10m, off for quick)
 *   --render FILE         only re-render bench/README.md from a results file (no benchmark run)
 *   --keep                keep the contenders' destination schemas / databases (dropped at the end by default;
 *                         the generated sources bench_src_<size> are kept for the next run)
 * Writes <out>/<timestamp>-<size>.json and the tables into bench/README.md. Prints the results
 * file's path on stdout. Numbers are measured, never estimated: a contender that fails or is not
 * installed is reported as such.
 */
const { mkdirSync, writeFileSync } = require('node:fs');

/** The run of median time (the upper one of an even count). */
const medianRun = (runs) => [...runs].sort((a, b) => a.r.seconds - b.r.seconds)[Math.floor(runs.length / 2)];
const path = require('node:path');
const util = require('./lib/util');
const { loadEnv, log, machine, now, pgq, mq } = util;
const { ensurePgSource, ensureMariaSource, GENERATOR_VERSION } = require('./lib/data');
const { WARM_ROWS } = require('./lib/sluice');
const { PAIRS, sourceSide, versions } = require('./lib/contenders');
const { verify } = require('./lib/verify');
const { SluiceBench, measureCancel, measureResume, measureStartLatency, round1 } = require('./lib/sluice');
const { measureIntrospection } = require('./lib/introspect');
const { computeTargets, renderReadme } = require('./lib/report');

const SIZES = { quick: 20_000, '1m': 1_000_000, '10m': 10_000_000 };

function parseArgs(argv) {
  const a = { size: 'quick', pairs: Object.keys(PAIRS), tables: ['wide', 'narrow'], only: null, contenders: null, extras: true, profile: false, out: path.join(__dirname, 'results'), readme: null, cancelRuns: null, introTables: null, repeat: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const val = () => {
      const v = arg.includes('=') ? arg.split('=').slice(1).join('=') : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const name = arg.split('=')[0];
    switch (name) {
      case '--size': a.size = val(); if (!SIZES[a.size]) throw new Error(`--size: one of ${Object.keys(SIZES).join(', ')}`); break;
      case '--rows': a.rows = Number(val()); a.size = `${a.rows}rows`; break;
      case '--pairs': a.pairs = val().split(','); break;
      case '--tables': a.tables = val().split(','); break;
      case '--only': a.only = val(); break;
      case '--contenders': a.contenders = val().split(','); break;
      case '--no-extras': a.extras = false; break;
      case '--extras': a.extras = val().split(','); break;
      case '--profile': a.profile = true; break;
      case '--out': a.out = path.resolve(val()); break;
      case '--readme': a.readme = true; break;
      case '--no-readme': a.readme = false; break;
      case '--keep': a.keep = true; break;
      case '--render': a.render = path.resolve(val()); break;
      case '--cancel-runs': a.cancelRuns = Number(val()); break;
      case '--repeat': a.repeat = Math.max(1, Number(val())); break;
      case '--intro-tables': a.introTables = Number(val()); break;
      case '--help': case '-h': console.log(require('node:fs').readFileSync(__filename, 'utf8').split('*/')[0]); process.exit(0); break;
      default: throw new Error(`unknown option ${arg}`);
    }
  }
  for (const p of a.pairs) if (!PAIRS[p]) throw new Error(`unknown pair ${p}; pairs: ${Object.keys(PAIRS).join(', ')}`);
  a.rows = a.rows ?? SIZES[a.size];
  const quick = a.rows <= 100_000;
  a.quick = quick;
  a.cancelRuns = a.cancelRuns ?? (quick ? 3 : 20);
  a.startRuns = quick ? 3 : 10;
  a.introTables = a.introTables ?? (quick ? 200 : 10_000);
  if (a.readme === null) a.readme = !quick;
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const result = JSON.parse(require('node:fs').readFileSync(args.render, 'utf8'));
    result.targets = computeTargets(result, path.dirname(args.render));
    renderReadme(path.join(__dirname, 'README.md'), result, path.relative(path.join(__dirname, '..'), args.render));
    log(`bench/README.md rendered from ${args.render}`);
    return;
  }
  loadEnv();
  const pgUrl = process.env.SLUICE_PG_URL;
  const mariaUrl = process.env.SLUICE_MARIADB_URL;
  if (!pgUrl || !mariaUrl) throw new Error('SLUICE_PG_URL / SLUICE_MARIADB_URL unset: run `bash scripts/setup.sh` first');
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  mkdirSync(args.out, { recursive: true });
  const sizeTag = args.size;
  const srcPg = `bench_src_${sizeTag}`;
  const srcMaria = `bench_src_${sizeTag}`;
  const started = now();
  const result = {
    harness: 'sluice bench (issue 7)',
    generatorVersion: GENERATOR_VERSION,
    startedAt: new Date().toISOString(),
    size: sizeTag,
    rowsPerTable: args.rows,
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machine(),
    versions: null,
    sources: {},
    results: [],
    extras: {},
    targets: [],
  };

  const ctx = { pgUrl, mariaUrl, srcPg, srcMaria, rows: args.rows, timeoutMs: Math.max(60_000, args.rows / 5) /* 1M rows: 200 s, 3× the slowest peer seen (dlt wide, 66 s); a hung peer (sling after a failed COPY) waits no longer */, sluice: null };
  result.versions = await versions(ctx);
  const needMaria = args.pairs.some((p) => p.includes('maria'));
  const needPg = true;
  if (needPg) result.sources.postgresql = { schema: srcPg, ...(await ensurePgSource(pgUrl, srcPg, args.rows)) };
  if (needMaria) result.sources.mariadb = { database: srcMaria, ...(await ensureMariaSource(mariaUrl, srcMaria, args.rows)) };
  // Small copies of the tables for the warm-up SYNC each measured Sluice job's fresh worker runs first.
  ctx.warmPg = ctx.warmMaria = `bench_src_warm`;
  await ensurePgSource(pgUrl, ctx.warmPg, WARM_ROWS);
  if (needMaria) await ensureMariaSource(mariaUrl, ctx.warmMaria, WARM_ROWS);

  const profileDir = args.profile ? path.join(args.out, `profiles-${stamp}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  log('starting a Temporal dev server');
  ctx.sluice = await SluiceBench.start({ profileDir });
  try {
    for (const pair of args.pairs) {
      for (const table of args.tables) {
        for (const c of PAIRS[pair].contenders) {
          const row = { pair, table, contender: c.id, label: c.label, kind: c.kind, status: null, rows: null, seconds: null, rowsPerSec: null, verified: null, error: null, command: null };
          result.results.push(row);
          if (args.only && c.kind !== args.only) {
            row.status = 'not selected';
            row.error = `not selected (--only ${args.only})`;
            continue;
          }
          if (args.contenders && !args.contenders.includes(c.id)) {
            row.status = 'not selected';
            row.error = 'not selected (--contenders)';
            continue;
          }
          const missing = c.available();
          if (missing) {
            row.status = 'not installed';
            row.error = missing;
            log(`${pair} ${table} ${c.id}: ${missing}`);
            continue;
          }
          log(`${pair} ${table} ${c.id}: running`);
          try {
            // Each run verified; the row reports the median time (runs on this 2-core machine move by ±10–15%).
            const runs = [];
            for (let k = 0; k < args.repeat; k++) {
              const r = await c.run(ctx, table);
              const v = await verify({ pgUrl, mariaUrl, source: sourceSide(ctx, pair, table), dest: r.dest, kind: table, expectedRows: args.rows, checksum: !!r.checksum });
              runs.push({ r, v });
              if (!v.ok) break;
            }
            const failed = runs.find((x) => !x.v.ok);
            const { r, v } = failed ?? medianRun(runs);
            row.seconds = round3(r.seconds);
            row.command = r.command;
            if (r.extra) Object.assign(row, r.extra);
            if (r.note) row.note = r.note;
            if (runs.length > 1) {
              row.runsSeconds = runs.map((x) => round3(x.r.seconds));
              const peaks = runs.map((x) => x.r.extra?.workerPeakRssMiB).filter((m) => m);
              if (peaks.length) row.workerPeakRssMiB = Math.max(...peaks); // the worst run's peak
            }
            row.verified = v;
            row.rows = v.rows;
            if (v.ok) {
              row.status = 'ok';
              row.rowsPerSec = Math.round(args.rows / r.seconds);
            } else {
              row.status = 'failed';
              row.error = `verification failed: ${v.detail}${r.outputTail ? ` (tool output: ${r.outputTail})` : ''}`;
            }
          } catch (err) {
            row.status = 'failed';
            row.error = String(err?.message ?? err).slice(0, 1000);
          }
          log(`${pair} ${table} ${c.id}: ${row.status}${row.rowsPerSec ? ` ${row.rowsPerSec} rows/s (${row.seconds} s)` : ''}${row.error ? ` — ${row.error}` : ''}`);
        }
      }
    }

    if (args.extras) {
      const dst = 'bench_sluice_extras';
      const fresh = async () => {
        await pgq(pgUrl, `DROP SCHEMA IF EXISTS "${dst}" CASCADE`);
        await pgq(pgUrl, `CREATE SCHEMA "${dst}"`);
      };
      const attempt = async (name, fn) => {
        if (Array.isArray(args.extras) && !args.extras.includes(name)) return;
        log(`${name}: measuring`);
        try {
          result.extras[name] = { status: 'ok', ...(await fn()) };
        } catch (err) {
          result.extras[name] = { status: 'failed', error: String(err?.message ?? err) };
        }
        log(`${name}: ${JSON.stringify(result.extras[name]).slice(0, 400)}`);
      };
      await fresh();
      await attempt('startLatency', () => measureStartLatency(ctx.sluice, { pgUrl, srcSchema: srcPg, dstSchema: dst, runs: args.startRuns }));
      await fresh();
      // Quick sizes: small batches so the job is still running when the cancel arrives.
      await attempt('cancel', () => measureCancel(ctx.sluice, { pgUrl, srcSchema: srcPg, dstSchema: dst, runs: args.cancelRuns, batchSize: args.quick ? 500 : undefined }));
      await fresh();
      await attempt('resume', () => measureResume(ctx.sluice, { pgUrl, srcSchema: srcPg, dstSchema: dst, rows: args.rows, batchSize: args.quick ? 500 : 10_000 }));
      await pgq(pgUrl, `DROP SCHEMA IF EXISTS "${dst}" CASCADE`);
      await attempt('introspection', () => measureIntrospection(pgUrl, { tables: args.introTables, columns: 20, timeoutMs: 900_000, bench: ctx.sluice }));
    }
  } finally {
    await ctx.sluice.stop();
    if (!args.keep) await dropDestinations(pgUrl, mariaUrl).catch((err) => log(`clean-up: ${err.message}`));
  }

  const rss = result.results.filter((r) => r.kind === 'sluice' && r.workerPeakRssMiB).map((r) => r.workerPeakRssMiB);
  result.extras.workerPeakRss = { maxMiB: rss.length ? Math.max(...rss) : null, perRun: result.results.filter((r) => r.workerPeakRssMiB).map((r) => ({ pair: r.pair, table: r.table, contender: r.contender, peakMiB: r.workerPeakRssMiB })) };
  result.targets = computeTargets(result, args.out);
  result.finishedAt = new Date().toISOString();
  result.totalSeconds = round3((now() - started) / 1000);
  const file = path.join(args.out, `${stamp}-${sizeTag}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  log(`results: ${file}`);
  if (args.readme) {
    renderReadme(path.join(__dirname, 'README.md'), result, path.relative(path.join(__dirname, '..'), file));
    log('bench/README.md updated');
  }
  for (const t of result.targets) log(`target ${t.status.padEnd(12)} ${t.name}: ${t.measured}`);
  console.log(file);
}

const round3 = (x) => Math.round(x * 1000) / 1000;

/** Drops every bench_* destination (schemas and databases); the generated sources bench_src_* stay for reuse (the 10,000-table schema is dropped too). */
async function dropDestinations(pgUrl, mariaUrl) {
  const schemas = await pgq(pgUrl, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%' AND nspname NOT LIKE 'bench\\_src\\_%'`);
  const { dropManyTablesSchema } = require('./lib/introspect');
  for (const { nspname } of schemas) await dropManyTablesSchema(pgUrl, nspname).catch((err) => log(`clean-up of ${nspname}: ${err.message}`));
  const dbs = await pgq(pgUrl, `SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'`);
  for (const { datname } of dbs) await pgq(pgUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch((err) => log(`clean-up of ${datname}: ${err.message}`));
  const maria = await mq(mariaUrl, `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'bench\\_%' AND SCHEMA_NAME NOT LIKE 'bench\\_src\\_%'`);
  for (const { name } of maria) await mq(mariaUrl, `DROP DATABASE IF EXISTS \`${name}\``).catch((err) => log(`clean-up of ${name}: ${err.message}`));
  log(`dropped ${schemas.length} PostgreSQL schemas, ${dbs.length} PostgreSQL databases, ${maria.length} MariaDB databases (bench_* destinations)`);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
