'use strict';
// Introspection of a many-table schema: Sluice's PostgreSQL connector `introspect` (one catalog
// query per object kind for the whole schema) against SQLAlchemy's per-table reflection
// (`inspect(engine).get_columns` per table) in the dlt venv.
//
// REFRESH_SCHEMA slot (measureRefreshSchema below): the job end to end (start call → COMPLETED,
// schema cache fresh) on the same schema, through a catalog in a fresh PostgreSQL database
// (SLUICE_CATALOG_URL for the worker and the client). When the built client has no refresh jobs
// (`client.catalog.startRefresh`), it reports "not available"; the target is ≤ 10 s for 10,000 tables.
const { existsSync } = require('node:fs');
const path = require('node:path');
const { VENV, pgq, pgUrlWith, sh, now, log } = require('./util');

const PY = path.join(VENV, 'bin', 'python');

/** Drops a schema of thousands of tables 500 at a time (one DROP … CASCADE would need a lock per table: out of shared memory). */
async function dropManyTablesSchema(pgUrl, schema) {
  for (;;) {
    const rows = await pgq(pgUrl, `SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = $1 LIMIT 500`, [schema]);
    if (!rows.length) break;
    const q = schema.replace(/"/g, '""');
    await pgq(pgUrl, `DROP TABLE ${rows.map((r) => `"${q}".${r.t}`).join(', ')} CASCADE`);
  }
  await pgq(pgUrl, `DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
}

async function ensureManyTables(pgUrl, schema, tables, columns) {
  const marker = `sluice-bench introspection tables=${tables} columns=${columns}`;
  const [found] = await pgq(pgUrl, `SELECT obj_description(oid, 'pg_namespace') AS note FROM pg_namespace WHERE nspname = $1`, [schema]);
  if (found?.note === marker) return;
  log(`introspection schema ${schema}: creating ${tables} tables × ${columns} columns`);
  await dropManyTablesSchema(pgUrl, schema);
  await pgq(pgUrl, `CREATE SCHEMA "${schema}"`);
  const types = ['bigint', 'integer', 'smallint', 'numeric(12,2)', 'double precision', 'boolean', 'varchar(64)', 'text', 'timestamptz', 'date', 'jsonb', 'uuid', 'bytea'];
  const cols = ['id bigint PRIMARY KEY'];
  for (let i = 1; i < columns; i++) cols.push(`c${i} ${types[i % types.length]}${i % 4 === 0 ? ' NOT NULL' : ''}`);
  const ddl = cols.join(', ').replace(/'/g, "''");
  // Batches of 500 CREATE TABLEs per transaction (each takes locks; max_locks_per_transaction).
  for (let from = 1; from <= tables; from += 500) {
    const to = Math.min(tables, from + 499);
    await pgq(pgUrl, `DO $$ BEGIN FOR i IN ${from}..${to} LOOP EXECUTE format('CREATE TABLE %I.%I (${ddl})', '${schema}', 't' || lpad(i::text, 5, '0')); END LOOP; END $$`);
  }
  await pgq(pgUrl, `COMMENT ON SCHEMA "${schema}" IS '${marker}'`);
}

async function sluiceIntrospect(pgUrl, schema) {
  const { ConnectorRegistry } = require('@sluice/connector-sdk');
  const postgres = require('@sluice/connector-postgres').default;
  const registry = new ConnectorRegistry().register(postgres);
  const { plugin, config } = registry.resolve({ url: pgUrlWith(pgUrl) });
  const session = await plugin.open(config);
  try {
    const t0 = now();
    const tables = await session.introspect(schema);
    const seconds = (now() - t0) / 1000;
    return { tables: tables.length, columns: tables.reduce((n, t) => n + t.columns.length, 0), seconds };
  } finally {
    await session.close();
  }
}

async function sqlalchemyReflect(pgUrl, schema, timeoutMs) {
  if (!existsSync(PY)) return { status: 'not installed', reason: 'bench venv missing (bash bench/install-peers.sh)' };
  const r = await sh(`${PY} ${path.join(__dirname, '..', 'peers', 'reflect.py')} ${schema}`, { env: { BENCH_PG_URL: pgUrlWith(pgUrl) }, timeoutMs });
  if (r.code !== 0) return { status: 'failed', error: r.stderr.trim().split('\n').slice(-3).join(' | ') };
  return { status: 'ok', ...JSON.parse(r.stdout.trim().split('\n').pop()) };
}

/** The REFRESH_SCHEMA job on the same schema, end to end; "not available" when the built client has none. */
async function measureRefreshSchema(bench, pgUrl, schema) {
  if (!bench) return { status: 'not available', reason: 'no Temporal dev server in this run' };
  const probe = await bench.client('bench-probe');
  if (typeof probe.catalog?.startRefresh !== 'function') {
    return { status: 'not available', reason: 'TODO(REFRESH_SCHEMA): the built client has no catalog.startRefresh; connector-level introspect measured instead' };
  }
  const database = 'bench_catalog';
  await pgq(pgUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await pgq(pgUrl, `CREATE DATABASE "${database}"`);
  const saved = process.env.SLUICE_CATALOG_URL;
  process.env.SLUICE_CATALOG_URL = pgUrlWith(pgUrl, { database });
  let worker;
  try {
    worker = await bench.startWorker(); // inherits SLUICE_CATALOG_URL
    const conn = await worker.client.catalog.createConnection({ configName: `bench-${schema}`, url: pgUrlWith(pgUrl, { schema }) });
    const t0 = now();
    const id = await worker.client.catalog.startRefresh({ kind: 'schema', connection: conn.id, schemas: [schema] });
    const job = await worker.client.waitForJob(id, undefined, 100);
    const seconds = (now() - t0) / 1000;
    await worker.client.catalog.close();
    if (job.state !== 'COMPLETED') return { status: 'failed', error: `${job.state}: ${job.message ?? ''}`, seconds };
    return { status: 'ok', seconds, counts: job.counts ?? null };
  } catch (err) {
    return { status: 'failed', error: String(err?.message ?? err).slice(0, 500) };
  } finally {
    if (saved === undefined) delete process.env.SLUICE_CATALOG_URL;
    else process.env.SLUICE_CATALOG_URL = saved;
    await worker?.stop();
    await pgq(pgUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  }
}

async function measureIntrospection(pgUrl, { tables, columns, timeoutMs, bench }) {
  const schema = `bench_intro_${tables}`;
  await ensureManyTables(pgUrl, schema, tables, columns);
  const sluice = await sluiceIntrospect(pgUrl, schema);
  const sqlalchemy = await sqlalchemyReflect(pgUrl, schema, timeoutMs);
  return {
    schema,
    tables,
    columnsPerTable: columns,
    sluice: { status: 'ok', ...sluice },
    sqlalchemy,
    speedup: sqlalchemy.status === 'ok' ? sqlalchemy.seconds / sluice.seconds : null,
    refreshSchema: await measureRefreshSchema(bench, pgUrl, schema),
  };
}

module.exports = { measureIntrospection, dropManyTablesSchema };
