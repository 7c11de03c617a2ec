import { CatalogCode, CatalogError, type RefreshJob, type SyncJob } from '@sluice/client';
import { containsSecret, historyText } from './helpers/history';
import { mariaQuery, mariaUrl, passwordOf, pgQuery, pgUrl, withUrl } from './helpers/databases';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { checksumOf, pgUrlFor, uniqueName, useSyncWorld } from './helpers/sync-fixtures';

// Catalog connections, refresh jobs and the schema cache, end to end: real Temporal, worker, PostgreSQL and MariaDB.

let catalogDb: Awaited<ReturnType<typeof freshCatalogDatabase>>;
beforeAll(async () => {
  catalogDb = await freshCatalogDatabase();
  // The worker's activities and the client open the catalog on first use, from the environment.
  process.env.SLUICE_CATALOG_URL = catalogDb.url;
});
afterAll(async () => {
  await catalogDb?.drop();
});

const world = useSyncWorld('refresh', 60_000);
const jobIds: string[] = [];
const client = () => world.env.client;

async function run<J = RefreshJob>(start: Promise<string>): Promise<J> {
  const id = await start;
  jobIds.push(id);
  return (await client().waitForJob(id)) as J;
}

async function refusal(promise: Promise<unknown>): Promise<CatalogError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CatalogError);
  return err as CatalogError;
}

const databasesOf = async (connection: string) => (await client().catalog.listDatabaseConnections({ connection, limit: 500 })).results;

test('REFRESH_DATABASES: stable ids; a dropped database keeps its id and loses its link; re-created, it links again', async () => {
  const pg = await client().catalog.createConnection({ configName: 'refresh-pg', url: pgUrl(), metadata: { purpose: 'refresh test' } });
  const name = uniqueName('refresh_db');
  await pgQuery(`CREATE DATABASE ${name}`);
  try {
    const first = await run(client().catalog.startRefresh({ kind: 'databases', connection: 'refresh-pg' }));
    expect(first).toMatchObject({ type: 'REFRESH_DATABASES', state: 'COMPLETED', progressPercentage: 100 });
    expect(first.counts).toMatchObject({ added: expect.any(Number) });
    const seen = (await databasesOf(pg.id)).find((d) => d.name === name)!;
    expect(seen).toMatchObject({ connectionId: pg.id, databaseId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const sluiceTest = (await databasesOf(pg.id)).find((d) => d.name === new URL(pgUrl()).pathname.slice(1))!;

    await pgQuery(`DROP DATABASE ${name}`);
    const second = await run(client().catalog.startRefresh({ kind: 'databases', connection: pg.id }));
    // Other test files create and drop databases on the same server meanwhile: counts are at least ours.
    expect((second.counts as { unlinked: number }).unlinked).toBeGreaterThanOrEqual(1);
    const vanished = await client().catalog.getDatabaseConnection(seen.id);
    expect(vanished).toMatchObject({ id: seen.id, name, databaseId: null });
    // The others keep both their id and their link.
    expect(await client().catalog.getDatabaseConnection(sluiceTest.id)).toMatchObject({ databaseId: sluiceTest.databaseId });

    await pgQuery(`CREATE DATABASE ${name}`);
    const third = await run(client().catalog.startRefresh({ kind: 'databases', connection: pg.id }));
    expect((third.counts as { relinked: number }).relinked).toBeGreaterThanOrEqual(1);
    const back = await client().catalog.getDatabaseConnection(seen.id);
    expect(back.databaseId).toMatch(/^[0-9a-f-]{36}$/);
    expect(back.databaseId).not.toBe(seen.databaseId);
  } finally {
    await pgQuery(`DROP DATABASE IF EXISTS ${name}`);
  }
});

test('REFRESH_SCHEMAS: the schemas of a database connection, with the same stable-id rules; filters and paging', async () => {
  const pg = await client().catalog.getConnection('refresh-pg');
  const database = (await databasesOf(pg.id)).find((d) => d.name === new URL(pgUrl()).pathname.slice(1))!;
  const schema = uniqueName('refresh_schema');
  await pgQuery(`CREATE SCHEMA ${schema}`);
  const job = await run(client().catalog.startRefresh({ kind: 'schemas', databaseConnection: database.id }));
  expect(job).toMatchObject({ type: 'REFRESH_SCHEMAS', state: 'COMPLETED' });
  const list = async () => (await client().catalog.listSchemaConnections({ databaseConnectionId: database.id, limit: 500 })).results;
  const seen = (await list()).find((s) => s.name === schema)!;
  expect(seen).toMatchObject({ databaseConnectionId: database.id, schemaId: expect.any(String) });
  expect((await client().catalog.listSchemaConnections({ schemaId: seen.schemaId! })).results.map((s) => s.id)).toEqual([seen.id]);
  expect((await client().catalog.listDatabaseConnections({ schemaConnectionId: seen.id })).results.map((d) => d.id)).toEqual([database.id]);
  const page = await client().catalog.listSchemaConnections({ databaseConnectionId: database.id, offset: 1, limit: 1 });
  expect(page.results).toHaveLength(1);
  expect(page.total).toBe((await list()).length);

  await pgQuery(`DROP SCHEMA ${schema}`);
  await run(client().catalog.startRefresh({ kind: 'schemas', databaseConnection: database.id }));
  expect(await client().catalog.getSchemaConnection(seen.id)).toMatchObject({ id: seen.id, schemaId: null });
  await pgQuery(`CREATE SCHEMA ${schema}`);
  await run(client().catalog.startRefresh({ kind: 'schemas', databaseConnection: database.id }));
  const back = await client().catalog.getSchemaConnection(seen.id);
  expect(back.schemaId).toEqual(expect.any(String));
  expect(back.schemaId).not.toBe(seen.schemaId);
  await pgQuery(`DROP SCHEMA ${schema}`);
});

test('REFRESH_SCHEMA fills the cache with tables, columns, keys, indexes and foreign keys; status goes fresh', async () => {
  const conn = await client().catalog.createConnection({ configName: 'refresh-src', url: pgUrlFor(world.src) });
  await pgQuery(`CREATE TYPE "${world.src}".order_state AS ENUM ('open', 'paid', 'shipped')`);
  await pgQuery(`CREATE TABLE "${world.src}".orders (id bigint PRIMARY KEY, item_id bigint NOT NULL REFERENCES "${world.src}".items (id), note text,
    state "${world.src}".order_state NOT NULL DEFAULT 'open', CONSTRAINT orders_note_check CHECK (note <> ''))`);
  await pgQuery(`CREATE INDEX orders_item_idx ON "${world.src}".orders (item_id)`);
  expect((await client().catalog.schemaStatus(conn.id)).cache_status).toBe('empty');
  const job = await run(client().catalog.startRefresh({ kind: 'schema', connection: conn.id }));
  expect(job).toMatchObject({ type: 'REFRESH_SCHEMA', state: 'COMPLETED', counts: { schemas: 1, tables: 2, columns: 12 } });
  const status = await client().catalog.schemaStatus('refresh-src');
  expect(status).toMatchObject({ cache_status: 'fresh', tables: 2, columns: 12, last_error: null });
  expect(Date.parse(status.last_refresh_finished!)).toBeGreaterThanOrEqual(Date.parse(status.last_refresh_started!));
  const tables = await client().catalog.cachedSchema(conn.id);
  const orders = tables.find((t) => t.name === 'orders')!;
  expect(orders.primaryKey).toEqual(['id']);
  expect(orders.columns.map((c) => [c.name, c.type.kind ?? c.type])).toHaveLength(4);
  // What a same-engine sync would create: the enum with its values, the CHECK, the index, the foreign key.
  expect(orders.native!.prerequisites.map((p) => p.sql)).toEqual([expect.stringMatching(/CREATE TYPE "?order_state"? AS ENUM \('open', 'paid', 'shipped'\)/)]);
  expect(orders.native!.table!.create.map((c) => c.sql).join('\n')).toMatch(/CHECK \(\(?note <> ''::text\)?\)/);
  expect(orders.native!.table!.indexes.map((i) => i.object)).toEqual([expect.stringContaining('orders_item_idx')]);
  expect(orders.native!.table!.foreignKeys.map((f) => f.object)).toEqual([`foreign key orders_item_id_fkey`, `foreign key orders_item_id_fkey (validate)`]);
  expect(orders.foreignKeys).toEqual([expect.objectContaining({ columns: ['item_id'], referencedTable: 'items', referencedColumns: ['id'] })]);
  expect(orders.indexes.map((i) => i.name)).toContain('orders_item_idx');
  expect(tables.find((t) => t.name === 'items')!.columns.map((c) => c.name)).toEqual(['id', 'name', 'amount', 'flag', 'payload', 'data', 'created_at', 'updated_at']);
});

test('an unhealthy connection is refused: the job fails naming the health check, the previous cache stays', async () => {
  const before = await client().catalog.schemaStatus('refresh-src');
  const cachedBefore = await client().catalog.cachedSchema('refresh-src');
  await client().catalog.updateConnection('refresh-src', { url: withUrl(pgUrlFor(world.src), { password: 'wrong-password-1' }) });
  try {
    const job = await run(client().catalog.startRefresh({ kind: 'schema', connection: 'refresh-src' }));
    expect(job.state).toBe('ERROR');
    expect(job.message).toMatch(/Only healthy connections may be refreshed.*AUTHENTICATION_FAILED/);
    const after = await client().catalog.schemaStatus('refresh-src');
    expect(after).toEqual(before);
    expect(await client().catalog.cachedSchema('refresh-src')).toEqual(cachedBefore);
  } finally {
    await client().catalog.updateConnection('refresh-src', { url: pgUrlFor(world.src) });
  }
});

test('update and delete are refused with the conflict error while a sync uses the connection; allowed after', async () => {
  const dst = await client().catalog.createConnection({ configName: 'refresh-dst', url: pgUrlFor(world.dst) });
  const id = await client().startSync({
    source: { connectionId: 'refresh-src' },
    destination: { connectionId: dst.id },
    tables: [{ schema: world.src, name: 'items', destinationName: 'busy' }],
    createTables: true,
    batchSize: 200,
    highPerformance: false,
  });
  jobIds.push(id);
  for (let i = 0; i < 100 && !(await client().catalog.runningJobs(dst.id)).length; i++) await new Promise((r) => setTimeout(r, 100));
  const update = await refusal(client().catalog.updateConnection('refresh-dst', { metadata: { x: 'y' } }));
  expect(update).toMatchObject({ code: CatalogCode.JOB_IN_PROGRESS, status: 409 });
  expect(update.message).toContain(id);
  expect((await refusal(client().catalog.deleteConnection('refresh-src'))).code).toBe(CatalogCode.JOB_IN_PROGRESS);
  await client().cancelJob(id);
  expect((await client().waitForJob(id)).state).toBe('CANCELED');
  for (let i = 0; i < 100 && (await client().catalog.runningJobs(dst.id)).length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await client().catalog.updateConnection('refresh-dst', { metadata: { x: 'y' } })).toMatchObject({ metadata: { x: 'y' } });
});

test('a sync by connection ids copies exactly; the workflow carries ids only', async () => {
  const job = await run<SyncJob>(
    client().startSync({
      source: { connectionId: 'refresh-src' },
      destination: { connectionId: 'refresh-dst' },
      tables: [{ schema: world.src, name: 'items', destinationName: 'by_id' }],
      createTables: true,
    }),
  );
  expect(job.state).toBe('COMPLETED');
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'by_id')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  const start = await client().temporal.workflow.getHandle(job.id).describe();
  expect(start.typedSearchAttributes.get({ name: 'SluiceConnectionIds', type: 'KEYWORD_LIST' } as never)).toEqual([
    (await client().catalog.getConnection('refresh-src')).id,
    (await client().catalog.getConnection('refresh-dst')).id,
  ]);
});

test('MariaDB: databases and the schema cache of a MariaDB connection', async () => {
  const maria = await client().catalog.createConnection({ configName: 'refresh-maria', url: mariaUrl() });
  await mariaQuery(`CREATE TABLE \`${world.maria}\`.t1 (id int PRIMARY KEY, v varchar(10))`);
  await run(client().catalog.startRefresh({ kind: 'databases', connection: maria.id }));
  expect((await databasesOf(maria.id)).map((d) => d.name)).toContain(world.maria);
  const job = await run(client().catalog.startRefresh({ kind: 'schema', connection: maria.id, schemas: [world.maria] }));
  expect(job).toMatchObject({ state: 'COMPLETED', counts: { schemas: 1, tables: 1, columns: 2 } });
  expect((await client().catalog.cachedSchema(maria.id))[0]).toMatchObject({ schema: world.maria, name: 't1', primaryKey: ['id'] });
});

test('scheduled refreshes run through Temporal Schedules', async () => {
  await client().catalog.createRefreshSchedule('refresh-src-nightly', { kind: 'schema', connection: 'refresh-src' }, { cron: '0 3 * * *' });
  try {
    // Schedules are listed through visibility, which may lag a moment behind the create.
    let listed: string[] = [];
    for (let i = 0; i < 100 && !listed.includes('refresh-src-nightly'); i++) {
      listed = (await client().listSchedules()).map((s) => s.id);
      if (!listed.includes('refresh-src-nightly')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed).toContain('refresh-src-nightly');
    const before = (await client().catalog.schemaStatus('refresh-src')).last_refresh_finished;
    await client().triggerSchedule('refresh-src-nightly');
    let status = await client().catalog.schemaStatus('refresh-src');
    for (let i = 0; i < 300 && status.last_refresh_finished === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await client().catalog.schemaStatus('refresh-src');
    }
    expect(status.last_refresh_finished).not.toBe(before);
  } finally {
    await client().deleteSchedule('refresh-src-nightly');
  }
});

test('10,000 tables refresh end to end in catalog batches: the workflow sees counts only', async () => {
  const schema = uniqueName('wide_schema');
  await pgQuery(`CREATE SCHEMA ${schema}`);
  // A thousand tables per transaction (one lock each; max_locks_per_transaction bounds a transaction).
  for (let from = 1; from <= 10_000; from += 1_000) {
    await pgQuery(`DO $$ BEGIN FOR i IN ${from}..${from + 999} LOOP EXECUTE format('CREATE TABLE ${schema}.t%s (id int PRIMARY KEY, a text, b timestamptz)', i); END LOOP; END $$`);
  }
  try {
    const conn = await client().catalog.createConnection({ configName: 'ten-thousand', url: pgUrlFor(schema) });
    const job = await run(client().catalog.startRefresh({ kind: 'schema', connection: conn.id }));
    expect(job).toMatchObject({ state: 'COMPLETED', counts: { schemas: 1, tables: 10_000, columns: 30_000 } });
    expect(await client().catalog.schemaStatus(conn.id)).toMatchObject({ cache_status: 'fresh', tables: 10_000 });
    expect(await client().catalog.cachedSchema(conn.id, { offset: 9_999 })).toHaveLength(1);
    // History stays small: no table list travels through it.
    expect((await historyText(client(), job.id)).length).toBeLessThan(100_000);
  } finally {
    await dropManyTables(schema);
  }
}, 180_000);

/** Drops a schema of thousands of tables a thousand at a time (each dropped table holds locks until commit). */
async function dropManyTables(schema: string): Promise<void> {
  for (;;) {
    const names = await pgQuery<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 LIMIT 1000`, [schema]);
    if (!names.length) break;
    await pgQuery(`DROP TABLE ${names.map((n) => `${schema}."${n.t}"`).join(', ')}`);
  }
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

test('no password appears in any workflow history of these jobs', async () => {
  expect(jobIds.length).toBeGreaterThan(8);
  const secrets = [passwordOf(pgUrl()), passwordOf(mariaUrl()), 'wrong-password-1'];
  for (const id of jobIds) {
    const text = await historyText(client(), id);
    for (const secret of secrets) expect(containsSecret(text, secret)).toBe(false);
  }
  // Control: the search does find a password where one is.
  expect(containsSecret(JSON.stringify({ url: pgUrl() }), passwordOf(pgUrl()))).toBe(true);
});
