'use strict';
// Every contender of every pair: the engines' own COPY / dump / LOAD DATA paths (the physical
// limit), Sluice through Temporal with a real worker process, and the peer tools. Each writes
// into its own fresh destination schema (PostgreSQL) or database (MariaDB, and PostgreSQL tools
// that name schemas themselves), and is verified afterwards (row count; checksum for Sluice).
const { existsSync, mkdirSync, rmSync, writeFileSync, chmodSync } = require('node:fs');
const path = require('node:path');
const {
  STATE_DIR, VENV, SLING_BIN, sh, q, pgq, mq, pgEnv, mariaEnv, mariaArgs, pgUrlWith, mariaUrlWith, pgParts, mariaParts, firstLine,
} = require('./util');
const { TABLES, COLUMN_NAMES } = require('./data');
const { runSync, WARM_ROWS } = require('./sluice');

const FILES = path.join(STATE_DIR, 'bench-files');
const PY = path.join(VENV, 'bin', 'python');
const PEERS_DIR = path.join(__dirname, '..', 'peers');

const which = (cmd) => firstLine(`command -v ${cmd}`);

// ---- destinations -------------------------------------------------------------------------

async function freshPgSchema(ctx, schema) {
  await pgq(ctx.pgUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pgq(ctx.pgUrl, `CREATE SCHEMA "${schema}"`);
}

async function freshPgDatabase(ctx, database) {
  await pgq(ctx.pgUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await pgq(ctx.pgUrl, `CREATE DATABASE "${database}"`);
}

async function freshMariaDb(ctx, database) {
  await mq(ctx.mariaUrl, `DROP DATABASE IF EXISTS \`${database}\``);
  await mq(ctx.mariaUrl, `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
}

const pgSide = (schema, table, database) => ({ engine: 'pg', schema, table, database });
const mariaSide = (database, table) => ({ engine: 'maria', schema: database, table });

// Secrets never appear in the recorded commands: they go through env (PGPASSWORD, MYSQL_PWD, sling/dlt URLs).
const redact = (s, ctx) => {
  let out = s;
  for (const pw of [pgParts(ctx.pgUrl).password, mariaParts(ctx.mariaUrl).password]) if (pw) out = out.split(pw).join('***').split(encodeURIComponent(pw)).join('***');
  return out;
};

/** Runs a shell contender: { seconds, command } or throws with the tail of its output. */
async function shell(ctx, command, env = {}) {
  const r = await sh(command, { env, timeoutMs: ctx.timeoutMs });
  if (r.timedOut) throw new Error(`timed out after ${Math.round(ctx.timeoutMs / 1000)} s (the harness's limit for ${ctx.rows} rows)`);
  if (r.code !== 0) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-6).join(' | ');
    throw new Error(`exit ${r.code}: ${redact(tail, ctx).slice(0, 800)}`);
  }
  const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => /ERROR|FATAL|error/.test(l)).slice(-4).join(' | ');
  return { seconds: r.seconds, command: redact(command, ctx), outputTail: redact(tail, ctx).slice(0, 600) };
}

// ---- PostgreSQL → PostgreSQL -------------------------------------------------------------------

function copyPipe(format) {
  return {
    id: `psql-copy-${format}`,
    kind: 'baseline',
    label: `psql COPY ${format} pipe`,
    available: () => (which('psql') ? null : 'psql not installed'),
    async run(ctx, table) {
      const schema = `bench_copy_${format}`;
      await freshPgSchema(ctx, schema);
      await pgq(ctx.pgUrl, `CREATE TABLE "${schema}"."${table}" (LIKE "${ctx.srcPg}"."${table}" INCLUDING ALL)`);
      const opt = format === 'binary' ? ' (FORMAT binary)' : '';
      const cmd = `psql -X -q -v ON_ERROR_STOP=1 -c ${q(`COPY "${ctx.srcPg}"."${table}" TO STDOUT${opt}`)} | psql -X -q -v ON_ERROR_STOP=1 -c ${q(`COPY "${schema}"."${table}" FROM STDIN${opt}`)}`;
      const r = await shell(ctx, cmd, pgEnv(ctx.pgUrl));
      return { ...r, dest: pgSide(schema, table) };
    },
  };
}

/** A Sluice SYNC contender; `over` runs it a second time over the full table and times that run. */
function sluice({ id, label, pair, mode, highPerformance = true, over = false }) {
  return {
    id,
    kind: 'sluice',
    label,
    available: () => (existsSync(path.join(__dirname, '..', '..', 'worker', 'dist', 'main.js')) ? null : 'worker/dist/main.js missing: npm run build'),
    async run(ctx, table) {
      const dst = `bench_${id.replace(/-/g, '_')}`;
      const [srcEngine, dstEngine] = pair.split('-');
      if (dstEngine === 'pg') await freshPgSchema(ctx, dst);
      else await freshMariaDb(ctx, dst);
      const source = srcEngine === 'pg' ? { url: pgUrlWith(ctx.pgUrl) } : { url: mariaUrlWith(ctx.mariaUrl, ctx.srcMaria) };
      const destination = dstEngine === 'pg' ? { url: pgUrlWith(ctx.pgUrl) } : { url: mariaUrlWith(ctx.mariaUrl, dst) };
      const input = {
        source,
        destination,
        tables: [{ schema: srcEngine === 'pg' ? ctx.srcPg : ctx.srcMaria, name: table }],
        destinationSchema: dst,
        mode,
        highPerformance,
        createTables: true,
      };
      // The fresh worker first syncs the small warm-up tables the same way (same pair, mode and path),
      // into a scratch schema: measured, then, is a worker that has run syncs before, as a service's has.
      const warmDst = `${dst}_warm`;
      const warm = async () => {
        if (dstEngine === 'pg') await freshPgSchema(ctx, warmDst);
        else await freshMariaDb(ctx, warmDst);
        return {
          ...input,
          source: srcEngine === 'pg' ? source : { url: mariaUrlWith(ctx.mariaUrl, ctx.warmMaria) },
          destination: dstEngine === 'pg' ? destination : { url: mariaUrlWith(ctx.mariaUrl, warmDst) },
          tables: [{ schema: srcEngine === 'pg' ? ctx.warmPg : ctx.warmMaria, name: table }],
          destinationSchema: warmDst,
        };
      };
      let first = null;
      if (over) first = await runSync(ctx.sluice, input, await warm());
      if (first && first.job.state !== 'COMPLETED') throw new Error(`filling run ${first.job.state}: ${first.job.message ?? ''}`);
      const r = await runSync(ctx.sluice, input, await warm());
      if (r.job.state !== 'COMPLETED') throw new Error(`job ${r.id} ${r.job.state}: ${r.job.message ?? ''}`);
      return {
        seconds: r.seconds,
        command: `SluiceClient.startSync(${JSON.stringify({ ...input, source: redact(JSON.stringify(source), ctx), destination: redact(JSON.stringify(destination), ctx) })}) on worker \`node worker/dist/main.js\`, after a warm-up sync of a ${WARM_ROWS}-row table of the same shape (bench_src_warm)${over ? ' (second run, over the full table)' : ''}`,
        dest: dstEngine === 'pg' ? pgSide(dst, table) : mariaSide(dst, table),
        checksum: true,
        extra: { jobId: r.id, rowsRead: r.job.rowsRead, rowsWritten: r.job.rowsWritten, workerPeakRssMiB: r.workerPeakRssMiB },
      };
    },
  };
}

function slingEnv(ctx) {
  const home = path.join(STATE_DIR, 'bench-sling-home');
  mkdirSync(home, { recursive: true });
  const pg = new URL(pgUrlWith(ctx.pgUrl));
  pg.searchParams.set('sslmode', 'disable');
  const my = new URL(mariaUrlWith(ctx.mariaUrl, ctx.srcMaria));
  my.protocol = 'mysql:';
  return { SLING_HOME_DIR: home, SLING_DISABLE_TELEMETRY: 'true', BENCH_PG: pg.toString(), BENCH_MARIA: my.toString() };
}

function sling(pair) {
  return {
    id: 'sling',
    kind: 'peer',
    label: 'sling',
    available: () => (existsSync(SLING_BIN) ? null : 'not installed (bash bench/install-peers.sh)'),
    async run(ctx, table) {
      const [s, d] = pair.split('-');
      const dst = 'bench_sling';
      if (d === 'pg') await freshPgSchema(ctx, dst);
      else await freshMariaDb(ctx, dst);
      const srcConn = s === 'pg' ? 'BENCH_PG' : 'BENCH_MARIA';
      const tgtConn = d === 'pg' ? 'BENCH_PG' : 'BENCH_MARIA';
      const stream = `${s === 'pg' ? ctx.srcPg : ctx.srcMaria}.${table}`;
      const cmd = `${q(SLING_BIN)} run --src-conn ${srcConn} --src-stream ${q(stream)} --tgt-conn ${tgtConn} --tgt-object ${q(`${dst}.${table}`)} --mode full-refresh`;
      const r = await shell(ctx, cmd, slingEnv(ctx));
      return { ...r, dest: d === 'pg' ? pgSide(dst, table) : mariaSide(dst, table) };
    },
  };
}

function dlt() {
  return {
    id: 'dlt',
    kind: 'peer',
    label: 'dlt (sql_database on connectorx)',
    available: () => (existsSync(PY) && firstLine(`${q(PY)} -c 'import dlt, connectorx, pyarrow; print(1)'`) === '1' ? null : 'not installed (bash bench/install-peers.sh)'),
    async run(ctx, table) {
      const dst = 'bench_dlt';
      await pgq(ctx.pgUrl, `DROP SCHEMA IF EXISTS "${dst}" CASCADE`);
      await pgq(ctx.pgUrl, `DROP SCHEMA IF EXISTS "${dst}_staging" CASCADE`);
      const pipelines = path.join(STATE_DIR, 'bench-dlt');
      rmSync(pipelines, { recursive: true, force: true });
      const cmd = `${q(PY)} ${q(path.join(PEERS_DIR, 'dlt_sync.py'))} --schema ${q(ctx.srcPg)} --table ${q(table)} --dataset ${dst} --backend connectorx --format ${table === 'wide' ? 'insert_values' : 'csv'}`;
      const r = await shell(ctx, cmd, { BENCH_SRC_URL: pgUrlWith(ctx.pgUrl), BENCH_DST_URL: pgUrlWith(ctx.pgUrl), DLT_PIPELINES_DIR: pipelines, RUNTIME__LOG_LEVEL: 'WARNING', DLT_TELEMETRY_DISABLED: '1', RUNTIME__DLTHUB_TELEMETRY: 'false' });
      return { ...r, dest: pgSide(dst, table), note: table === 'wide' ? "dlt's csv loader refuses binary (bytea) columns, so the wide table loads with insert_values (dlt's default for postgres)" : 'csv loader (COPY)' };
    },
  };
}

function pgloaderLoad(ctx, source, targetDb, table, schemaName, withExtra = '') {
  const target = new URL(pgUrlWith(ctx.pgUrl, { database: targetDb }));
  target.protocol = 'pgsql:';
  return `LOAD DATABASE
  FROM ${source}
  INTO ${target.toString()}
  WITH workers = 2, concurrency = 1${withExtra}
  INCLUDING ONLY TABLE NAMES MATCHING '${table}'${schemaName ? ` IN SCHEMA '${schemaName}'` : ''};
`;
}

function pgloader(pair) {
  return {
    id: 'pgloader',
    kind: 'peer',
    label: 'pgloader',
    available: () => (which('pgloader') ? null : 'not installed (bash bench/install-peers.sh)'),
    async run(ctx, table) {
      const db = pair === 'pg-pg' ? 'bench_pgloader' : 'bench_pgloader_my';
      await freshPgDatabase(ctx, db);
      let source;
      if (pair === 'pg-pg') {
        const u = new URL(pgUrlWith(ctx.pgUrl));
        u.protocol = 'pgsql:';
        source = u.toString();
      } else {
        const u = new URL(mariaUrlWith(ctx.mariaUrl, ctx.srcMaria));
        u.protocol = 'mysql:';
        source = u.toString();
      }
      mkdirSync(FILES, { recursive: true });
      const file = path.join(FILES, `${db}.load`);
      // The default prefetch (100,000 rows) exhausts SBCL's heap on the wide table, from MySQL and from
      // PostgreSQL alike ("Heap exhausted, game over", dimitri/pgloader#962): fewer rows in flight, as its
      // maintainers advise.
      const extra = ', prefetch rows = 10000';
      writeFileSync(file, pgloaderLoad(ctx, source, db, table, pair === 'pg-pg' ? ctx.srcPg : null, extra), { mode: 0o600 });
      const r = await shell(ctx, `pgloader --no-ssl-cert-verification ${q(file)}`, { TMPDIR: FILES });
      // pgloader reports errors in its summary but exits 0: the row count decides.
      return { ...r, command: `pgloader ${file} (LOAD DATABASE FROM ${pair === 'pg-pg' ? 'pgsql' : 'mysql'}://… INTO pgsql://…/${db} WITH workers = 2, concurrency = 1${extra} INCLUDING ONLY TABLE NAMES MATCHING '${table}')`, dest: pgSide(pair === 'pg-pg' ? ctx.srcPg : ctx.srcMaria, table, db) };
    },
  };
}

function pgcopydb() {
  return {
    id: 'pgcopydb',
    kind: 'peer',
    label: 'pgcopydb clone',
    available: () => (which('pgcopydb') ? null : 'not installed (bash bench/install-peers.sh)'),
    async run(ctx, table) {
      const db = 'bench_pgcopydb';
      await freshPgDatabase(ctx, db);
      const work = path.join(FILES, 'pgcopydb');
      rmSync(work, { recursive: true, force: true });
      mkdirSync(FILES, { recursive: true });
      const filters = path.join(FILES, 'pgcopydb-filters.ini');
      writeFileSync(filters, `[include-only-table]\n"${ctx.srcPg}"."${table}"\n`);
      const env = { PGCOPYDB_SOURCE_PGURI: pgUrlWith(ctx.pgUrl), PGCOPYDB_TARGET_PGURI: pgUrlWith(ctx.pgUrl, { database: db }) };
      const cmd = `pgcopydb clone --dir ${q(work)} --filters ${q(filters)} --table-jobs 2 --index-jobs 2 --no-owner --no-acl --skip-extensions`;
      const r = await shell(ctx, cmd, env);
      return { ...r, command: `PGCOPYDB_SOURCE_PGURI=… PGCOPYDB_TARGET_PGURI=…/${db} ${cmd}`, dest: pgSide(ctx.srcPg, table, db) };
    },
  };
}

// ---- PostgreSQL → MariaDB ----------------------------------------------------------------------

/** SELECT list of a PostgreSQL table as text MariaDB's LOAD DATA reads back (bool as 0/1, bytes as hex, UTC timestamps). */
function pgExportSelect(ctx, table) {
  const cols = COLUMN_NAMES[table].map((c) => {
    if (c === 'flag') return 'flag::int';
    if (c === 'bin_data') return `encode(bin_data, 'hex')`;
    if (['created_at', 'updated_at', 'c'].includes(c)) return `(${c} AT TIME ZONE 'UTC')`;
    return `"${c}"`;
  });
  return `SELECT ${cols.join(', ')} FROM "${ctx.srcPg}"."${table}"`;
}

function loadDataColumns(table) {
  const cols = COLUMN_NAMES[table].map((c) => (c === 'bin_data' ? '@bin' : `\`${c}\``));
  return `(${cols.join(', ')})${table === 'wide' ? ' SET bin_data = UNHEX(@bin)' : ''}`;
}

function copyToLoadData() {
  return {
    id: 'copy-load-data',
    kind: 'baseline',
    label: 'psql COPY TO | LOAD DATA LOCAL',
    available: () => (which('psql') && which('mysql') ? null : 'psql / mysql client not installed'),
    async run(ctx, table) {
      const db = 'bench_native';
      await freshMariaDb(ctx, db);
      await mq(ctx.mariaUrl, `CREATE TABLE \`${db}\`.\`${table}\` (${TABLES[table].maria})`);
      const load = `SET time_zone = '+00:00'; LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE \`${table}\` CHARACTER SET utf8mb4 ${loadDataColumns(table)}`;
      const cmd = `psql -X -q -v ON_ERROR_STOP=1 -c ${q(`COPY (${pgExportSelect(ctx, table)}) TO STDOUT`)} | mysql --local-infile=1 ${mariaArgs(ctx.mariaUrl, db)} -e ${q(load)}`;
      const r = await shell(ctx, cmd, { ...pgEnv(ctx.pgUrl), ...mariaEnv(ctx.mariaUrl) });
      return { ...r, dest: mariaSide(db, table) };
    },
  };
}

// ---- MariaDB → PostgreSQL / MariaDB ------------------------------------------------------------

function outfile(name) {
  mkdirSync(FILES, { recursive: true });
  chmodSync(FILES, 0o1777);
  const file = path.join(FILES, name);
  rmSync(file, { force: true });
  return file;
}

/** SELECT … INTO OUTFILE (tab-separated, \N, backslash escapes: PostgreSQL's COPY text) then COPY FROM. */
function outfileToCopy() {
  return {
    id: 'outfile-copy',
    kind: 'baseline',
    label: 'SELECT … INTO OUTFILE + COPY FROM',
    available: () => (which('psql') && which('mysql') ? null : 'psql / mysql client not installed'),
    async run(ctx, table) {
      const schema = 'bench_native';
      await freshPgSchema(ctx, schema);
      await pgq(ctx.pgUrl, `CREATE TABLE "${schema}"."${table}" (${TABLES[table].pg})`);
      const file = outfile(`${table}-to-pg.tsv`);
      const cols = COLUMN_NAMES[table].map((c) => (c === 'bin_data' ? `CONCAT('\\\\x', HEX(bin_data))` : `\`${c}\``)).join(', ');
      const dump = `SET time_zone = '+00:00'; SELECT ${cols} FROM \`${table}\` INTO OUTFILE '${file}' CHARACTER SET utf8mb4`;
      const cmd = `mysql ${mariaArgs(ctx.mariaUrl, ctx.srcMaria)} -e ${q(dump)} && psql -X -q -v ON_ERROR_STOP=1 -c ${q(`COPY "${schema}"."${table}" FROM STDIN`)} < ${q(file)}`;
      try {
        const r = await shell(ctx, cmd, { ...pgEnv(ctx.pgUrl), PGTZ: 'UTC', ...mariaEnv(ctx.mariaUrl) });
        return { ...r, dest: pgSide(schema, table) };
      } finally {
        rmSync(file, { force: true });
      }
    },
  };
}

function mysqldumpPipe() {
  return {
    id: 'mysqldump-pipe',
    kind: 'baseline',
    label: 'mysqldump | mysql',
    available: () => (which('mysqldump') && which('mysql') ? null : 'mysqldump / mysql not installed'),
    async run(ctx, table) {
      const db = 'bench_mysqldump';
      await freshMariaDb(ctx, db);
      const cmd = `mysqldump --single-transaction --skip-lock-tables ${mariaArgs(ctx.mariaUrl, ctx.srcMaria)} ${q(table)} | mysql ${mariaArgs(ctx.mariaUrl, db)}`;
      const r = await shell(ctx, cmd, mariaEnv(ctx.mariaUrl));
      return { ...r, dest: mariaSide(db, table) };
    },
  };
}

function outfileLoadData() {
  return {
    id: 'outfile-load-data',
    kind: 'baseline',
    label: 'SELECT … INTO OUTFILE + LOAD DATA INFILE',
    available: () => (which('mysql') ? null : 'mysql client not installed'),
    async run(ctx, table) {
      const db = 'bench_outfile';
      await freshMariaDb(ctx, db);
      await mq(ctx.mariaUrl, `CREATE TABLE \`${db}\`.\`${table}\` LIKE \`${ctx.srcMaria}\`.\`${table}\``);
      const file = outfile(`${table}-to-maria.tsv`);
      const sql = `SET time_zone = '+00:00'; SELECT * FROM \`${ctx.srcMaria}\`.\`${table}\` INTO OUTFILE '${file}' CHARACTER SET utf8mb4; LOAD DATA INFILE '${file}' INTO TABLE \`${db}\`.\`${table}\` CHARACTER SET utf8mb4`;
      try {
        const r = await shell(ctx, `mysql ${mariaArgs(ctx.mariaUrl, db)} -e ${q(sql)}`, mariaEnv(ctx.mariaUrl));
        return { ...r, dest: mariaSide(db, table) };
      } finally {
        rmSync(file, { force: true });
      }
    },
  };
}

// ---- the matrix ---------------------------------------------------------------------------------

const PAIRS = {
  'pg-pg': {
    title: 'PostgreSQL → PostgreSQL',
    contenders: [
      copyPipe('text'),
      copyPipe('binary'),
      sluice({ id: 'sluice-append', label: 'Sluice append (high-performance)', pair: 'pg-pg', mode: 'append' }),
      sluice({ id: 'sluice-upsert-empty', label: 'Sluice upsert, empty table', pair: 'pg-pg', mode: 'upsert' }),
      sluice({ id: 'sluice-upsert-full', label: 'Sluice upsert, over the full table', pair: 'pg-pg', mode: 'upsert', over: true }),
      sling('pg-pg'),
      dlt(),
      pgloader('pg-pg'),
      pgcopydb(),
    ],
  },
  'maria-pg': {
    title: 'MariaDB → PostgreSQL',
    contenders: [
      outfileToCopy(),
      sluice({ id: 'sluice-append', label: 'Sluice append (high-performance)', pair: 'maria-pg', mode: 'append' }),
      sluice({ id: 'sluice-upsert-empty', label: 'Sluice upsert, empty table', pair: 'maria-pg', mode: 'upsert' }),
      pgloader('maria-pg'),
      sling('maria-pg'),
    ],
  },
  'pg-maria': {
    title: 'PostgreSQL → MariaDB',
    contenders: [
      copyToLoadData(),
      sluice({ id: 'sluice-append', label: 'Sluice append (high-performance)', pair: 'pg-maria', mode: 'append' }),
      sluice({ id: 'sluice-upsert-empty', label: 'Sluice upsert, empty table', pair: 'pg-maria', mode: 'upsert' }),
      sling('pg-maria'),
    ],
  },
  'maria-maria': {
    title: 'MariaDB → MariaDB (the MariaDB engine\'s own dump/load, reference for the pairs above)',
    contenders: [mysqldumpPipe(), outfileLoadData()],
  },
};

/** Source side of a pair for verification. */
function sourceSide(ctx, pair, table) {
  return pair.startsWith('pg-') ? pgSide(ctx.srcPg, table) : mariaSide(ctx.srcMaria, table);
}

/** Versions of every tool, for the report. */
async function versions(ctx) {
  const v = {};
  const one = (cmd) => firstLine(`${cmd} 2>&1`);
  v.node = process.version;
  v.postgresql = (await pgq(ctx.pgUrl, 'SHOW server_version'))[0].server_version;
  v.mariadb = (await mq(ctx.mariaUrl, 'SELECT VERSION() AS v'))[0].v;
  v.temporalCli = process.env.TEMPORAL_CLI ? one(`${q(process.env.TEMPORAL_CLI)} --version`) : null;
  v.psql = one('psql --version');
  v.mysqlClient = one('mysql --version');
  v.sling = existsSync(SLING_BIN) ? firstLine(`${q(SLING_BIN)} --version 2>&1 | grep -i version`) : 'not installed';
  v.pgloader = which('pgloader') ? one('pgloader --version') : 'not installed';
  v.pgcopydb = which('pgcopydb') ? firstLine('pgcopydb --version 2>&1 | grep -m1 "^pgcopydb version"') : 'not installed';
  if (existsSync(PY)) {
    v.python = one(`${q(PY)} --version`);
    v.pythonPackages = firstLine(`${q(PY)} -c 'from importlib.metadata import version as v; print(", ".join(f"{p} {v(p)}" for p in ["dlt","connectorx","pyarrow","sqlalchemy","psycopg2-binary","pymysql","sling-linux-amd64"]))'`);
  } else v.pythonPackages = 'not installed';
  return v;
}

module.exports = { PAIRS, sourceSide, versions, freshPgSchema, freshMariaDb };
