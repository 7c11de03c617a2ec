import { mariaQuery, pgQuery } from './helpers/databases';
import { activityOutcomes, chunkHeartbeatTimeouts, containsSecret, historyText } from './helpers/history';
import { checksumOf, dropPgSchema, mariaUrlFor, pgUrlFor, uniqueName, useSyncWorld } from './helpers/sync-fixtures';
import type { SyncInput, SyncJob } from '@sluice/client';
import { PostgresSession } from '@sluice/connector-postgres';

// SYNC end to end: client → real Temporal → workflows → activities → connectors → real PostgreSQL / MariaDB.
const jobIds: string[] = [];

const ROWS = 12_000;
const world = useSyncWorld('sync', ROWS);

async function runSync(input: SyncInput): Promise<SyncJob> {
  const id = await world.env.client.startSync(input);
  jobIds.push(id);
  return world.env.client.waitForJob<SyncJob>(id);
}

test('PG → PG append with --create-tables copies every row exactly, with counters', async () => {
  // The worker runs in this process: the same-engine COPY text path must be the one taken.
  const copyText = jest.spyOn(PostgresSession.prototype, 'readCopyText');
  const read = jest.spyOn(PostgresSession.prototype, 'read');
  const job = await runSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items' }],
    createTables: true,
    batchSize: 2500,
  });
  expect(job).toMatchObject({ state: 'COMPLETED', progressPercentage: 100, tablesDone: 1, tablesTotal: 1, rowsRead: ROWS, rowsWritten: ROWS });
  // (Before the checksums below, which read rows themselves.)
  expect(copyText).toHaveBeenCalled();
  // Same server, tables created with the source's native types: the pages may travel as COPY binary.
  expect(copyText.mock.calls.every(([, options]) => options.binary === true)).toBe(true);
  expect(read).not.toHaveBeenCalled();
  copyText.mockRestore();
  read.mockRestore();
  expect(job.endDate).not.toBeNull();
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'items')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  // Created by this run, loaded without its primary key, which was built once at the end.
  const pk = await pgQuery<{ def: string }>(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'`,
    [`"${world.dst}".items`],
  );
  expect(pk).toEqual([{ def: 'PRIMARY KEY (id)' }]);
  // PostgreSQL fences its checkpoints: a silent chunk is given up after 5 s, not 10.
  const timeouts = await chunkHeartbeatTimeouts(world.env.client, job.id);
  expect(timeouts.length).toBeGreaterThan(0);
  expect(new Set(timeouts)).toEqual(new Set([5]));
});

test('a large table is copied as key ranges in parallel lanes, each with its own checkpoint', async () => {
  const job = await runSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'ranged' }],
    createTables: true,
    batchSize: 1000,
    splitRows: 2000,
  });
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  const streams = await pgQuery<{ stream: string }>(`SELECT stream FROM "${world.dst}"._sluice_state WHERE table_name = 'ranged' ORDER BY stream`);
  expect(streams.map((r) => r.stream).filter((s) => s.includes('#'))).toEqual([0, 1, 2, 3].map((i) => `${world.src}.items#${i}`));
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'ranged')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
});

test('a job hands its sessions from one activity to the next, and holds no connection once COMPLETED', async () => {
  const open = jest.spyOn(PostgresSession, 'open');
  const job = await runSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'handed_on' }],
    createTables: true,
    batchSize: 2500,
  });
  const opened = open.mock.calls.length;
  open.mockRestore();
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  // Sessions used: plan 2, prepare 2, each chunk 2, finalize 1 (at least 7); a fresh one each was 7 connects.
  expect(opened).toBeLessThan(7);
  const [{ n }] = (await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [`sluice:${process.pid}`])) as [{ n: string }];
  expect(Number(n)).toBe(0);
});

test('capability switches: triggers off, foreign keys and indexes dropped for the load and restored, identity values kept', async () => {
  const d = `"${world.dst}"`;
  await pgQuery(`CREATE TABLE ${d}.owners (id bigint PRIMARY KEY)`);
  await pgQuery(`INSERT INTO ${d}.owners SELECT g FROM generate_series(1, ${ROWS}) g`);
  await pgQuery(`CREATE TABLE ${d}.audit (n int)`);
  await pgQuery(`CREATE TABLE ${d}.guarded (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY REFERENCES ${d}.owners(id), name varchar(60) NOT NULL,
    amount numeric(12,2), flag boolean, payload jsonb, data bytea, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
  await pgQuery(`CREATE INDEX guarded_name_idx ON ${d}.guarded (name)`);
  await pgQuery(`CREATE FUNCTION ${d}.audit_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${d}.audit VALUES (1); RETURN NEW; END $$`);
  await pgQuery(`CREATE TRIGGER guarded_audit AFTER INSERT ON ${d}.guarded FOR EACH ROW EXECUTE FUNCTION ${d}.audit_fn()`);
  const job = await runSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'guarded' }],
    disableTriggers: true,
    disableForeignKeys: true,
    rebuildIndexes: true,
    identityInsert: true,
    batchSize: 4000,
  });
  expect(job.state).toBe('COMPLETED');
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'guarded')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  expect(await pgQuery(`SELECT count(*)::int AS n FROM ${d}.audit`)).toEqual([{ n: 0 }]); // the trigger stayed quiet
  const [restored] = await pgQuery<{ fks: number; idx: number; trigger_on: boolean }>(
    `SELECT (SELECT count(*)::int FROM pg_constraint WHERE conrelid = '${d}.guarded'::regclass AND contype = 'f') AS fks,
            (SELECT count(*)::int FROM pg_indexes WHERE schemaname = $1 AND indexname = 'guarded_name_idx') AS idx,
            (SELECT tgenabled <> 'D' FROM pg_trigger WHERE tgname = 'guarded_audit') AS trigger_on`,
    [world.dst],
  );
  expect(restored).toEqual({ fks: 1, idx: 1, trigger_on: true });
});

test('a cancel while the finalize rebuilds indexes waits for it: COMPLETED, every row in, the index valid, the finalize not cancelled', async () => {
  const d = `"${world.dst}"`;
  await pgQuery(`CREATE TABLE ${d}.slowfin (id bigint PRIMARY KEY, name varchar(60) NOT NULL, amount numeric(12,2), flag boolean,
    payload jsonb, data bytea, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
  // ~1 ms a row for 3,000 rows: the index build at the end takes seconds, long enough to cancel during it.
  await pgQuery(`CREATE FUNCTION ${d}.slow_key(x bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.0003); RETURN x; END $$`);
  await pgQuery(`CREATE INDEX slowfin_slow_idx ON ${d}.slowfin (${d}.slow_key(id)) WHERE id <= 3000`);
  const id = await world.env.client.startSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'slowfin' }],
    rebuildIndexes: true,
    batchSize: 4000,
  });
  jobIds.push(id);
  const building = async () =>
    Number((await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE query ILIKE 'CREATE INDEX%slowfin_slow_idx%' AND state = 'active'`))[0]!.n);
  const deadline = Date.now() + 60_000;
  while ((await building()) === 0) {
    if (Date.now() > deadline) throw new Error('the index build never started');
    await new Promise((r) => setTimeout(r, 20));
  }
  await world.env.client.cancelJob(id);
  const job = await world.env.client.waitForJob<SyncJob>(id);
  // Every row was in when the cancel came: the last step finished, and the job says so.
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'slowfin')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  const [index] = await pgQuery<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'slowfin_slow_idx' AND c.relnamespace = $1::regnamespace`,
    [world.dst],
  );
  expect(index).toEqual({ valid: true });
  expect(await activityOutcomes(world.env.client, id, 'finalizeTable')).toEqual(['completed']);
});

test('PG → MariaDB upsert is idempotent and follows source changes', async () => {
  const input = {
    source: { url: pgUrlFor(world.src) },
    destination: { url: mariaUrlFor(world.maria) },
    tables: [{ schema: world.src, name: 'items' }],
    mode: 'upsert' as const,
    createTables: true,
    batchSize: 4000,
  };
  expect((await runSync(input)).state).toBe('COMPLETED');
  expect((await runSync(input)).state).toBe('COMPLETED');
  const source = await checksumOf(pgUrlFor(world.src), world.src, 'items');
  expect(await checksumOf(mariaUrlFor(world.maria), world.maria, 'items')).toEqual(source);
  await pgQuery(`UPDATE "${world.src}".items SET name = name || ' (changed)' WHERE id % 1000 = 0`);
  try {
    expect((await runSync(input)).state).toBe('COMPLETED');
    expect(await checksumOf(mariaUrlFor(world.maria), world.maria, 'items')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  } finally {
    await pgQuery(`UPDATE "${world.src}".items SET name = replace(name, ' (changed)', '')`);
  }
});

test('MariaDB → PG replace swaps in the complete table', async () => {
  const table = 'replaced';
  await pgQuery(`CREATE TABLE "${world.dst}"."${table}" (id bigint PRIMARY KEY, name varchar(60) NOT NULL, amount numeric(12,2), flag boolean,
    payload jsonb, data bytea, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
  await pgQuery(`INSERT INTO "${world.dst}"."${table}" VALUES (999999, 'stale', 1, true, '{}', NULL, now(), now())`);
  const job = await runSync({
    source: { url: mariaUrlFor(world.maria) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.maria, name: 'items', destinationName: table }],
    mode: 'replace',
    batchSize: 5000,
  });
  expect(job.state).toBe('COMPLETED');
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, table)).toEqual(await checksumOf(mariaUrlFor(world.maria), world.maria, 'items'));
  const leftovers = await pgQuery(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '\\_sluice\\_stg%'`, [world.dst]);
  expect(leftovers).toEqual([]);
});

test('incremental: a second run copies only the rows whose cursor grew', async () => {
  const input = {
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'items_incremental' }],
    mode: 'upsert' as const,
    cursorColumn: 'updated_at',
    createTables: true,
    batchSize: 3000,
  };
  const first = await runSync(input);
  expect(first).toMatchObject({ state: 'COMPLETED', rowsRead: ROWS });
  await pgQuery(`UPDATE "${world.src}".items SET amount = amount + 1, updated_at = now() WHERE id % 400 = 7`);
  await pgQuery(`INSERT INTO "${world.src}".items SELECT id + ${ROWS}, name, amount, flag, payload, data, now(), now() FROM "${world.src}".items WHERE id <= 5`);
  try {
    const second = await runSync(input);
    expect(second).toMatchObject({ state: 'COMPLETED', rowsRead: ROWS / 400 + 5, rowsWritten: ROWS / 400 + 5 });
    expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'items_incremental')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
    const full = await runSync({ ...input, fullRefresh: true });
    expect(full.rowsRead).toBe(ROWS + 5);
  } finally {
    await pgQuery(`DELETE FROM "${world.src}".items WHERE id > ${ROWS}`);
  }
});

test('an unsupported request fails before any row moves, naming the missing capability', async () => {
  const job = await runSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: mariaUrlFor(world.maria) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'never_created' }],
    createTables: true,
    disableTriggers: true,
  });
  expect(job.state).toBe('ERROR');
  expect(job.message).toMatch(/TRIGGER_MANAGEMENT/);
  expect(await mariaQuery(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'never_created'`, [world.maria])).toEqual([]);
});

test('upsert into a destination table without a key is refused before any row moves', async () => {
  await pgQuery(`CREATE TABLE "${world.dst}".keyless (id bigint, name varchar(60) NOT NULL, amount numeric(12,2), flag boolean,
    payload jsonb, data bytea, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
  const job = await runSync({
    source: { url: pgUrlFor(world.src) },
    destination: { url: pgUrlFor(world.dst) },
    tables: [{ schema: world.src, name: 'items', destinationName: 'keyless' }],
    mode: 'upsert',
  });
  expect(job.state).toBe('ERROR');
  expect(job.message).toMatch(/primary or unique key/);
  expect(await pgQuery(`SELECT 1 FROM "${world.dst}".keyless`)).toEqual([]);
});

test('a whole schema syncs, and the Job object answers while it runs', async () => {
  const target = uniqueName('sync_whole');
  await pgQuery(`CREATE SCHEMA "${target}"`);
  try {
    const id = await world.env.client.startSync({ source: { url: pgUrlFor(world.src) }, destination: { url: pgUrlFor(target) }, schema: world.src, createTables: true, batchSize: 1000 });
    jobIds.push(id);
    const early = await world.env.client.getJob<SyncJob>(id);
    expect(['RUNNING', 'COMPLETED']).toContain(early.state);
    expect(early.type).toBe('SYNC');
    const job = await world.env.client.waitForJob<SyncJob>(id);
    expect(job.tables.map((t) => t.table)).toEqual([`${world.src}.items`]);
    expect(await checksumOf(pgUrlFor(target), target, 'items')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  } finally {
    await dropPgSchema(target);
  }
});

test('one writer per destination table whatever the URL spelling: the second job is refused, the table exact', async () => {
  // The same server and database as 127.0.0.1 with postgresql:// and as localhost with postgres://.
  const first = new URL(pgUrlFor(world.dst));
  const second = new URL(pgUrlFor(world.dst).replace(/^postgresql:/, 'postgres:'));
  second.hostname = 'localhost';
  const input = (url: string): SyncInput => ({
    source: { url: pgUrlFor(world.src) }, destination: { url }, tables: [{ schema: world.src, name: 'items', destinationName: 'contended' }],
    createTables: true, batchSize: 25,
  });
  const a = await world.env.client.startSync(input(first.toString()));
  // The first job holds the table and is writing when the second starts.
  const holding = async () => (await pgQuery<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`"${world.dst}".contended`]))[0]!.t !== null;
  while (!(await holding())) await new Promise((resolve) => setTimeout(resolve, 20));
  const b = await world.env.client.startSync(input(second.toString()));
  jobIds.push(a, b);
  const [jobA, jobB] = await Promise.all([world.env.client.waitForJob<SyncJob>(a), world.env.client.waitForJob<SyncJob>(b)]);
  expect(jobA).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(jobB.state).toBe('ERROR');
  expect(jobB.message).toMatch(/contended is being written by another job/);
  const [counts] = await pgQuery<{ n: number; ids: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM "${world.dst}".contended`);
  expect(counts).toEqual({ n: ROWS, ids: ROWS });
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'contended')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
  // Once the first job is done the table is free again.
  expect(await runSync({ ...input(second.toString()), mode: 'upsert' })).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
});

test('a job cancelled while it claims its table gives the claim back: the next job is not refused', async () => {
  const input: SyncInput = {
    source: { url: pgUrlFor(world.src) }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: world.src, name: 'items', destinationName: 'claimed' }],
    createTables: true, batchSize: 25,
  };
  const first = await world.env.client.startSync(input);
  jobIds.push(first);
  const claimed = async () => (await pgQuery(`SELECT 1 FROM "${world.dst}"._sluice_state WHERE table_name = 'claimed' AND stream = '#lease'`).catch(() => [])).length > 0;
  while (!(await claimed())) await new Promise((resolve) => setTimeout(resolve, 10));
  await world.env.client.cancelJob(first);
  expect((await world.env.client.waitForJob<SyncJob>(first)).state).toBe('CANCELED');
  expect(await claimed()).toBe(false);
  expect(await runSync({ ...input, mode: 'upsert' })).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
});

test('no workflow history of the suite holds a connection password', async () => {
  const passwords = [new URL(pgUrlFor(world.src)).password, new URL(mariaUrlFor(world.maria)).password].map(decodeURIComponent);
  const ids = new Set(jobIds);
  for await (const wf of world.env.client.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "sync-"` })) ids.add(wf.workflowId);
  expect(ids.size).toBeGreaterThan(jobIds.length); // children too
  for (const id of ids) {
    const text = await historyText(world.env.client, id);
    for (const p of passwords) expect({ id, leaked: containsSecret(text, p) }).toEqual({ id, leaked: false });
  }
});
