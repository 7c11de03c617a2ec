import type { SyncJob } from '@sluice/client';
import { ZOO_FUNCTIONS, ZOO_KEYLESS, ZOO_LONG_COLUMN, ZOO_LONG_TABLE, ZOO_PARTITIONS, ZOO_TABLES, ZOO_WIDE_COLUMNS, zooDdl, zooRows } from '../connectors/postgres/test/zoo';
import { dropMongoDbs, mariaQuery, mongoUrlFor, pgQuery, withMongo } from './helpers/databases';
import { checksumOf, createMariaDb, dropMariaDb, dropPgSchema, mariaUrlFor, pgUrlFor, uniqueName, useSyncWorld } from './helpers/sync-fixtures';

// The PostgreSQL schema zoo (enums, domains, composite types, arrays, tsvector, char(n), identity
// ALWAYS and BY DEFAULT, serial, generated columns, CHECKs, partial / expression / GIN indexes, a
// partitioned table with a partition's own index and foreign key, an exclusion constraint, FK cycles,
// triggers (one on a built-in function), functions and an aggregate a view calls, views, materialized
// views (one never populated), key 0, uuid / boolean / jsonb / interval / inet, 63-byte mixed-case
// names, a 1,000-column table, a keyless table)
// synced as a whole schema with default flags: to PostgreSQL the same schema object by object, to
// MariaDB and MongoDB the README's mapping, every row exact.
const world = useSyncWorld('zoop', 10);
const zoo = uniqueName('zoo_p');
const other = uniqueName('zoo_po');
const made: { maria: string[]; pg: string[]; mongo: string[] } = { maria: [], pg: [], mongo: [] };

beforeAll(async () => {
  await pgQuery(`CREATE SCHEMA "${zoo}"`);
  await pgQuery(`CREATE SCHEMA "${other}"`);
  for (const sql of [...zooDdl(zoo, other), ...zooRows(zoo)]) await pgQuery(sql);
  await pgQuery(`ANALYZE`);
});
afterAll(async () => {
  for (const s of [zoo, other, ...made.pg]) await dropPgSchema(s);
  for (const d of made.maria) await dropMariaDb(d);
  await dropMongoDbs(made.mongo);
});

async function sync(destinationUrl: string, destinationSchema?: string): Promise<SyncJob> {
  const id = await world.env.client.startSync({ source: { url: pgUrlFor(zoo) }, destination: { url: destinationUrl }, schema: zoo, destinationSchema, createTables: true });
  return world.env.client.waitForJob<SyncJob>(id);
}

/** What PostgreSQL's catalog says of a schema's objects, its own name replaced by $S (the other's by $O). */
async function describePg(schema: string) {
  const norm = (v: unknown): unknown =>
    typeof v === 'string' ? v.split(`"${schema}"`).join('$S').split(schema).join('$S').split(`"${zoo}"`).join('$S').split(zoo).join('$S').split(other).join('$O') : v;
  // The keyless table is not copied (a whole schema skips it): left out of the comparison.
  const rows = async (sql: string) =>
    (await pgQuery<Record<string, unknown>>(sql, [schema]))
      .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])))
      .filter((r) => r.relname !== ZOO_KEYLESS && r.tablename !== ZOO_KEYLESS);
  return {
    columns: await rows(`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, co.collname, a.attnotnull, a.attidentity, a.attgenerated,
        pg_get_expr(d.adbin, d.adrelid) AS def, col_description(c.oid, a.attnum) AS comment
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_sluice_state'
      ORDER BY c.relname, a.attnum`),
    constraints: await rows(`SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) AS def, con.condeferrable, con.condeferred, con.convalidated
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname <> '_sluice_state' ORDER BY c.relname, con.conname`),
    indexes: await rows(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_sluice_state' ORDER BY 1, 2`),
    triggers: await rows(`SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY 1, 2`),
    partitions: await rows(`SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound, p.relname AS parent FROM pg_class c
      JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`),
    comments: await rows(`SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND obj_description(c.oid, 'pg_class') IS NOT NULL ORDER BY 1`),
    types: await rows(`SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base,
        (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
        (SELECT string_agg(pg_get_constraintdef(k.oid), ' ; ' ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid) AS checks
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'c')
        AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')) ORDER BY 1`),
    views: await rows(`SELECT c.relname, c.relkind, c.relispopulated, pg_get_viewdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') ORDER BY 1`),
    functions: await rows(`SELECT p.prokind::text AS kind, p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.prosrc,
        pg_get_function_result(p.oid) AS result, a.aggtransfn::regproc::text AS sfunc
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE n.nspname = $1 ORDER BY 2, 3`),
  };
}

test('PostgreSQL → PostgreSQL: the zoo, default flags, arrives as the same schema with the same rows', async () => {
  const copy = uniqueName('zoo_pcopy');
  made.pg.push(copy);
  const job = await sync(pgUrlFor(world.dst), copy);
  expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
  expect(job.tablesDone).toBe(ZOO_TABLES.length);
  for (const t of [...ZOO_TABLES, ...ZOO_PARTITIONS]) {
    const [source, copied] = await Promise.all([checksumOf(pgUrlFor(zoo), zoo, t).catch(() => null), checksumOf(pgUrlFor(copy), copy, t).catch(() => null)]);
    expect({ t, ...copied }).toEqual({ t, ...source });
  }
  const [a, b] = await Promise.all([describePg(zoo), describePg(copy)]);
  // The view over the other schema's table is not recreated (that table is not in the job): reported.
  const withoutExternal = (x: typeof a) => ({ ...x, views: x.views.filter((v) => v.relname !== 'other_view') });
  expect(withoutExternal(b)).toEqual(withoutExternal(a));
  expect(b.views.map((v) => v.relname)).toEqual(['big_orders', 'item_skus', 'order_summary', 'order_totals', 'unfilled_totals']);
  expect(b.functions).toHaveLength(ZOO_FUNCTIONS.length);
  expect(b.triggers.map((t) => t.tgname)).toContain('order_search_tsv');
  expect(job.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ table: `${zoo}.other_view` })]));
  // What is skipped: the view over another schema's table and the keyless table, nothing else.
  expect(job.skipped!.map((x) => x.object).sort()).toEqual([`table ${zoo}.${ZOO_KEYLESS}`, 'view other_view']);
  expect(job.skipped!.find((x) => x.object === `table ${zoo}.${ZOO_KEYLESS}`)!.reason).toMatch(/^no primary key or NOT NULL unique key/);
  // The view calling the copied aggregate answers as at the source.
  expect(await pgQuery(`SELECT * FROM "${copy}".item_skus ORDER BY 1`)).toEqual(await pgQuery(`SELECT * FROM "${zoo}".item_skus ORDER BY 1`));
  expect(await pgQuery(`SELECT skus FROM "${copy}".item_skus WHERE order_id = 0`)).toEqual([{ skus: 'SKU-1, SKU-2' }]);
  // The materialized view holds its rows, the sequences continue after the copied keys, key 0 kept.
  expect(await pgQuery(`SELECT status::text, n::int FROM "${copy}".order_totals ORDER BY 1`)).toEqual(await pgQuery(`SELECT status::text, n::int FROM "${zoo}".order_totals ORDER BY 1`));
  const [next] = await pgQuery<{ id: number }>(`INSERT INTO "${copy}"."order" (customer_id, total) VALUES (100, 1) RETURNING id`);
  expect(next!.id).toBe(3);
  for (const t of job.tables) expect({ t: t.table, ok: t.verification?.ok }).toEqual({ t: t.table, ok: true });
});

test('PostgreSQL → MariaDB: the zoo, default flags, completes with every row, the mapping and its warnings', async () => {
  const maria = uniqueName('zoo_pmaria');
  made.maria.push(maria);
  await createMariaDb(maria);
  const job = await sync(mariaUrlFor(maria));
  expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
  for (const t of ZOO_TABLES) {
    const [source, copied] = await Promise.all([checksumOf(pgUrlFor(zoo), zoo, t), checksumOf(mariaUrlFor(maria), maria, t)]);
    expect({ t, ...copied }).toEqual({ t, ...source });
  }
  const types = await mariaQuery<{ c: string; t: string }>(
    `SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'order' ORDER BY ORDINAL_POSITION`, [maria]);
  expect(Object.fromEntries(types.map((r) => [r.c, r.t]))).toMatchObject({
    id: 'int(11)', status: 'longtext', total: 'decimal(10,2)', note: 'char(20)', tags: 'longtext', search: 'longtext', payload: 'longblob',
  });
  const warnings = job.tables.find((t) => t.table === `${zoo}.order`)!.warnings!;
  expect(warnings).toEqual(expect.arrayContaining([
    expect.stringMatching(/^column status: \S*mood → LONGTEXT, carried as its text form/),
    expect.stringMatching(/^column tags: text\[\] → LONGTEXT/),
    expect.stringMatching(/^column search: tsvector → LONGTEXT/),
    expect.stringMatching(/^index order_search_idx: .*gin.* index not carried/i),
  ]));
  // The identity's sequence position is carried (START WITH 100 INCREMENT BY 5, three rows: next 115), not restarted at the max + 1.
  await mariaQuery(`INSERT INTO \`${maria}\`.customer (email) VALUES ('d@example.com')`);
  expect(await mariaQuery(`SELECT MAX(id) AS id FROM \`${maria}\`.customer`)).toEqual([{ id: 115 }]);
  // Foreign keys within the job, cycle included, are built on MariaDB too.
  const fks = await mariaQuery<{ n: string }>(`SELECT CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY 1`, [maria]);
  expect(fks.map((f) => f.n)).toEqual(expect.arrayContaining(['customer_favourite_fk', 'customer_referrer_fk', 'order_customer_fk']));
  expect(job.skipped).toEqual(expect.arrayContaining([
    expect.objectContaining({ object: `view ${zoo}.order_summary`, reason: expect.stringContaining('same engine') }),
    expect.objectContaining({ object: `trigger order_touch on ${zoo}.order`, reason: expect.stringContaining('same engine') }),
    expect.objectContaining({ object: expect.stringMatching(/^check \S+ on /), reason: expect.stringContaining("same engine") }),
    expect.objectContaining({ object: `partitioning of ${zoo}.measurement`, reason: expect.stringContaining('its rows are in one table') }),
    // A partition's own index and foreign key, a trigger on a built-in function, the schema's functions, the keyless table.
    expect.objectContaining({ object: `index measurement_h1_taken_idx on partition ${zoo}.measurement_other_h1`, reason: expect.stringContaining('same engine') }),
    expect.objectContaining({ object: `foreign key measurement_2024_01_tagged_fk on partition ${zoo}.measurement_2024_01`, reason: expect.stringContaining('same engine') }),
    expect.objectContaining({ object: `trigger order_search_tsv on ${zoo}.order`, reason: expect.stringContaining('same engine') }),
    ...ZOO_FUNCTIONS.map((f) => expect.objectContaining({ object: f.replace(' ', ` ${zoo}.`), reason: expect.stringContaining('same engine') })),
    expect.objectContaining({ object: `domain ${zoo}.unused_code`, reason: expect.stringContaining('same engine') }),
    expect.objectContaining({ object: `table ${zoo}.${ZOO_KEYLESS}`, reason: expect.stringMatching(/^no primary key/) }),
  ]));
  expect(job.skipped!.filter((x) => /\(validate\)/.test(x.object))).toEqual([]);
  // Domains: the base type, and a warning naming what the domain added.
  expect(job.tables.find((t) => t.table === `${zoo}.customer`)!.warnings).toContainEqual(`column email: domain email (text) → LONGTEXT, without its CHECK ((VALUE ~ '@'::text)), CHECK ((length(VALUE) < 200))`);
  expect(job.tables.find((t) => t.table === `${zoo}.order`)!.warnings).toContainEqual('column qty: domain positive (integer) → INT, without its CHECK ((VALUE > 0)), NOT NULL');
  // Common types as the README's mapping table says, the lossy ones warned per column.
  const kinds = await mariaQuery<{ c: string; t: string }>(
    `SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'kinds' ORDER BY ORDINAL_POSITION`, [maria]);
  expect(Object.fromEntries(kinds.map((r) => [r.c, r.t]))).toEqual({ id: 'uuid', flag: 'tinyint(1)', doc: 'longtext', span: 'longtext', addr: 'longtext', at: 'datetime(6)' });
  expect(job.tables.find((t) => t.table === `${zoo}.kinds`)!.warnings).toEqual([
    'column span: interval → LONGTEXT, carried as its text form (no mysql counterpart)',
    'column addr: inet → LONGTEXT, carried as its text form (no mysql counterpart)',
  ]);
  // The 63-byte mixed-case names and the 1,000 columns arrive as they are.
  const long = await mariaQuery<{ c: string }>(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [maria, ZOO_LONG_TABLE]);
  expect(long.map((r) => r.c)).toEqual(['id', ZOO_LONG_COLUMN, 'MixedCase']);
  const wide = await mariaQuery<{ n: number }>(`SELECT count(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'wide'`, [maria]);
  expect(Number(wide[0]!.n)).toBe(1 + ZOO_WIDE_COLUMNS.length);
});

test('PostgreSQL → MongoDB: the zoo, default flags, completes with every row', async () => {
  const db = uniqueName('zoo_pmongo');
  made.mongo.push(db);
  const url = mongoUrlFor(db);
  const job = await sync(url);
  expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
  for (const t of ZOO_TABLES) {
    const [source, copied] = await Promise.all([checksumOf(pgUrlFor(zoo), zoo, t), checksumOf(url, db, t)]);
    expect({ t, rows: copied.rows }).toEqual({ t, rows: source.rows });
  }
  // Each created collection is counted after the copy, like a table (countRows on MongoDB too).
  for (const t of job.tables) expect({ t: t.table, verification: t.verification }).toEqual({ t: t.table, verification: expect.objectContaining({ method: 'count', ok: true }) });
  // MongoDB has no foreign keys: each is listed as skipped, with why; so is the keyless table.
  expect(job.skipped).toEqual(expect.arrayContaining([
    expect.objectContaining({ object: expect.stringMatching(/^foreign key order_customer_fk/), reason: expect.stringContaining('FOREIGN_KEY_MANAGEMENT') }),
    expect.objectContaining({ object: `foreign key measurement_2024_01_tagged_fk on partition ${zoo}.measurement_2024_01` }),
    expect.objectContaining({ object: `table ${zoo}.${ZOO_KEYLESS}`, reason: expect.stringMatching(/^no primary key/) }),
  ]));
  // Common types as the README's mapping table says: uuid → binData (uuid), bool, jsonb → object, the rest their text.
  const { Binary } = await import('mongodb');
  await withMongo(async (client) => {
    const doc = await client.db(db).collection('kinds').findOne({ flag: false });
    expect(doc!.id).toBeInstanceOf(Binary);
    expect((doc!.id as InstanceType<typeof Binary>).sub_type).toBe(4);
    expect(doc).toMatchObject({ flag: false, doc: { a: [1, 2.5, 'x'], b: { c: null } }, span: '1 year 2 mons 3 days 04:05:06.5', addr: '192.168.0.1/24' });
    const wide = await client.db(db).collection('wide').findOne({});
    expect(Object.keys(wide!).filter((k) => k !== '_id')).toHaveLength(1 + ZOO_WIDE_COLUMNS.length);
    expect(await client.db(db).collection(ZOO_LONG_TABLE).countDocuments()).toBe(3);
  });
  expect(job.tables.find((t) => t.table === `${zoo}.kinds`)!.warnings).toEqual(expect.arrayContaining([
    'column span: interval → string, carried as its text form (no mongodb counterpart)',
    'column addr: inet → string, carried as its text form (no mongodb counterpart)',
  ]));
});

test('--flatten-partitions: the partitioned table arrives as one plain table with every row, and the job says so', async () => {
  const flat = uniqueName('zoo_pflat');
  made.pg.push(flat);
  const id = await world.env.client.startSync({
    source: { url: pgUrlFor(zoo) }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: zoo, name: 'measurement' }],
    destinationSchema: flat, createTables: true, flattenPartitions: true,
  });
  const job = await world.env.client.waitForJob<SyncJob>(id);
  expect(job.state).toBe('COMPLETED');
  expect(await pgQuery(`SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass($1)`, [`"${flat}".measurement`])).toEqual([{ k: 'r' }]);
  expect(await pgQuery(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)`, [`"${flat}".measurement`])).toEqual([{ n: 0 }]);
  expect(await checksumOf(pgUrlFor(flat), flat, 'measurement')).toEqual(await checksumOf(pgUrlFor(zoo), zoo, 'measurement'));
  expect(job.tables[0]!.warnings).toEqual([expect.stringMatching(/^partitioning of \S+\.measurement not carried: flattened \(--flatten-partitions\)/)]);
});
