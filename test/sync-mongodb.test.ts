import { randomBytes } from 'node:crypto';
import { checksumOf, mariaUrlFor, pgUrlFor, tableOf, useSyncWorld } from './helpers/sync-fixtures';
import { dropMongoDbs, mariaQuery, mongoUrlFor, pgQuery, withMongo } from './helpers/databases';
import { chunkHeartbeatTimeouts } from './helpers/history';
import type { SyncInput, SyncJob } from '@sluice/client';

// Cross-engine syncs with MongoDB (FerretDB here): PostgreSQL → MongoDB → PostgreSQL and
// MongoDB ⇄ MariaDB, row for row. Relational rows become documents and back; json columns
// become nested documents.
const ROWS = 2_000;
const world = useSyncWorld('mongo', ROWS);
const mongoDb = `sluice_sync_${randomBytes(3).toString('hex')}`;

const mongoUrl = () => mongoUrlFor(mongoDb);

afterAll(() => dropMongoDbs([mongoDb]));

async function sync(input: SyncInput): Promise<SyncJob> {
  return world.env.client.waitForJob<SyncJob>(await world.env.client.startSync(input));
}

test('PostgreSQL → MongoDB → PostgreSQL reproduces every row', async () => {
  const there = await sync({ source: { url: pgUrlFor(world.src) }, destination: { url: mongoUrl() }, tables: [{ schema: world.src, name: 'items' }], createTables: true, batchSize: 500 });
  expect(there).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  // MongoDB does not fence checkpoints (its writes converge by _id): chunks keep the 10 s heartbeat timeout.
  expect(new Set(await chunkHeartbeatTimeouts(world.env.client, there.id))).toEqual(new Set([10]));
  const source = await checksumOf(pgUrlFor(world.src), world.src, 'items');
  expect(await checksumOf(mongoUrl(), mongoDb, 'items')).toEqual(source);
  const back = await sync({ source: { url: mongoUrl() }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: mongoDb, name: 'items', destinationName: 'from_mongo' }], createTables: true, batchSize: 500 });
  expect(back).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'from_mongo')).toEqual(source);
});

test('MongoDB → MongoDB: a collection Sluice created (its key in _id) arrives document for document', async () => {
  const job = await sync({ source: { url: mongoUrl() }, destination: { url: mongoUrl() }, tables: [{ schema: mongoDb, name: 'items', destinationName: 'items_copy' }], createTables: true, batchSize: 500 });
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  const { BSON } = await import('mongodb');
  const ejson = (docs: unknown[]) => docs.map((d) => BSON.EJSON.stringify(d as never, { relaxed: false }));
  const [source, copied] = await Promise.all([documentsOf('items'), documentsOf('items_copy')]);
  expect(copied.length).toBe(ROWS);
  expect(ejson(copied)).toEqual(ejson(source));
  expect(job.tables[0]!.warnings ?? []).toEqual([]);
});

test('MongoDB → MariaDB → MongoDB reproduces every row', async () => {
  const there = await sync({ source: { url: mongoUrl() }, destination: { url: mariaUrlFor(world.maria) }, tables: [{ schema: mongoDb, name: 'items' }], createTables: true, batchSize: 500 });
  expect(there).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  const source = await checksumOf(mongoUrl(), mongoDb, 'items');
  expect(await checksumOf(mariaUrlFor(world.maria), world.maria, 'items')).toEqual(source);
  const back = await sync({ source: { url: mariaUrlFor(world.maria) }, destination: { url: mongoUrl() }, tables: [{ schema: world.maria, name: 'items', destinationName: 'from_maria' }], createTables: true, batchSize: 500 });
  expect(back).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(mongoUrl(), mongoDb, 'from_maria')).toEqual(source);
});

test('a document the destination refuses fails the job, named; it never completes short', async () => {
  // An existing collection with a unique index the source rows break (two items share a name here).
  await withMongo(async (client) => {
    const collection = client.db(mongoDb).collection('strict_items');
    await collection.insertOne({ _id: 'seed' as never, name: 'item 7 ✓' });
    await collection.createIndex({ name: 1 }, { unique: true });
  });
  const job = await sync({ source: { url: pgUrlFor(world.src) }, destination: { url: mongoUrl() }, tables: [{ schema: world.src, name: 'items', destinationName: 'strict_items' }], batchSize: 500 });
  expect(job.state).toBe('ERROR');
  expect(job.message).toMatch(new RegExp(`^Table ${world.src}\\.items: .*(duplicate|E11000)`, 'i'));
});

/** The documents of a collection of the test database, by `_id`, BSON types kept. */
async function documentsOf(name: string) {
  return withMongo((client) => client.db(mongoDb).collection(name).find({}, { sort: { _id: 1 }, promoteValues: false }).toArray());
}

const bsonType = (v: unknown) => (v instanceof Date ? 'date' : typeof v === 'string' ? 'string' : (v as { _bsontype?: string } | null)?._bsontype ?? String(v));

test('PostgreSQL → MongoDB → PostgreSQL: dates and ≤ 3-digit timestamps as BSON dates, the rest as exact text, warned why', async () => {
  await pgQuery(`CREATE TABLE "${world.src}".dated (id integer PRIMARY KEY, d date, ts3 timestamp(3), tz0 timestamptz(0), tz timestamptz, t time, amount numeric(12,2))`);
  await pgQuery(`INSERT INTO "${world.src}".dated VALUES
    (1, '2024-02-29', '2024-02-29 12:00:00.123', '2024-02-29 12:00:01+02', '2024-02-29 12:00:00.123456+00', '12:34:56.5', 1.50),
    (2, '1969-07-20', '1969-07-20 20:17:40', '1970-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', '00:00:00', -0.01),
    (3, '9999-12-31', NULL, NULL, NULL, NULL, NULL)`);
  const there = await sync({ source: { url: pgUrlFor(world.src) }, destination: { url: mongoUrl() }, tables: [{ schema: world.src, name: 'dated' }], createTables: true });
  expect(there).toMatchObject({ state: 'COMPLETED', rowsWritten: 3 });
  const source = await checksumOf(pgUrlFor(world.src), world.src, 'dated');
  expect(await checksumOf(mongoUrl(), mongoDb, 'dated')).toEqual(source);
  const [first] = await documentsOf('dated');
  expect(Object.fromEntries(['d', 'ts3', 'tz0', 'tz', 't', 'amount'].map((k) => [k, bsonType(first![k])]))).toEqual({
    d: 'date', ts3: 'date', tz0: 'date', tz: 'string', t: 'string', amount: 'string',
  });
  expect((first!.d as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
  expect((first!.tz0 as Date).toISOString()).toBe('2024-02-29T10:00:01.000Z');
  // Every stand-in is warned, with why (FerretDB here: no Decimal128).
  expect(there.tables[0]!.warnings).toEqual([
    'column tz: timestamp with time zone → string (timestamptz), its exact text (fixed width): a BSON date holds milliseconds, the column 6 fractional digits',
    'column t: time without time zone → string (time), its exact text (fixed width): BSON has no time of day',
    'column amount: numeric(12,2) → string (decimal), its exact text: the server (FerretDB) has no Decimal128',
  ]);
  // The collection's recorded types read each BSON date back as what it was written for.
  const inMongo = await tableOf(mongoUrl(), mongoDb, 'dated');
  expect(Object.fromEntries(inMongo.columns.map((c) => [c.name, [c.nativeType, c.type]]))).toMatchObject({
    d: ['date (date)', { kind: 'date' }],
    ts3: ['date (timestamp)', { kind: 'timestamp', precision: 3 }],
    tz0: ['date', { kind: 'timestamptz', precision: 0 }],
    tz: ['string (timestamptz)', { kind: 'timestamptz' }],
  });
  const back = await sync({ source: { url: mongoUrl() }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: mongoDb, name: 'dated', destinationName: 'dated_back' }], createTables: true });
  expect(back).toMatchObject({ state: 'COMPLETED', rowsWritten: 3 });
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'dated_back')).toEqual(source);
  const types = await pgQuery<{ c: string; t: string }>(
    `SELECT attname AS c, format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum`, [`"${world.dst}".dated_back`]);
  expect(Object.fromEntries(types.map((r) => [r.c, r.t]))).toMatchObject({ d: 'date', tz0: 'timestamp with time zone', amount: 'numeric(12,2)' });
});

test('MariaDB → MongoDB: DATE, DATETIME, DATETIME(3), TIMESTAMP as BSON dates; DATETIME(6) and DECIMAL as exact text, warned', async () => {
  await mariaQuery(`CREATE TABLE \`${world.maria}\`.dated (id int PRIMARY KEY, d date, dt datetime, dt3 datetime(3), dt6 datetime(6), ts timestamp NULL, amount decimal(10,2))`);
  await mariaQuery(`INSERT INTO \`${world.maria}\`.dated VALUES
    (0, '1000-01-01', '9999-12-31 23:59:59', '2024-02-29 12:00:00.123', '2024-02-29 12:00:00.123456', '2038-01-19 03:14:07', 99999999.99),
    (1, NULL, NULL, NULL, NULL, NULL, NULL)`);
  const job = await sync({ source: { url: mariaUrlFor(world.maria) }, destination: { url: mongoUrl() }, tables: [{ schema: world.maria, name: 'dated', destinationName: 'maria_dated' }], createTables: true });
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: 2 });
  expect(await checksumOf(mongoUrl(), mongoDb, 'maria_dated')).toEqual(await checksumOf(mariaUrlFor(world.maria), world.maria, 'dated'));
  const [zero] = await documentsOf('maria_dated');
  expect(Object.fromEntries(['d', 'dt', 'dt3', 'dt6', 'ts', 'amount'].map((k) => [k, bsonType(zero![k])]))).toEqual({
    d: 'date', dt: 'date', dt3: 'date', dt6: 'string', ts: 'date', amount: 'string',
  });
  expect(job.tables[0]!.warnings).toEqual([
    'column dt6: datetime(6) → string (timestamp), its exact text (fixed width): a BSON date holds milliseconds, the column 6 fractional digits',
    'column amount: decimal(10,2) → string (decimal), its exact text: the server (FerretDB) has no Decimal128',
  ]);
});

test('MariaDB → MongoDB: the README mapping, column by column, and exactly its warnings', async () => {
  // Column → [MariaDB type, a value (SQL), the MongoDB type the created collection records].
  const columns: [string, string, string, string][] = [
    ['tiny', 'tinyint', '-128', 'int'],
    ['small', 'smallint', '-32768', 'int'],
    ['med', 'mediumint', '8388607', 'int'],
    ['i', 'int', '-2147483648', 'int'],
    ['big', 'bigint', '-9223372036854775808', 'long'],
    ['su', 'smallint unsigned', '65535', 'int'],
    ['iu', 'int unsigned', '4294967295', 'long'],
    ['bu', 'bigint unsigned', '18446744073709551615', 'string (decimal)'],
    ['flag', 'tinyint(1)', '1', 'bool'],
    ['price', 'decimal(10,2)', '-12345678.90', 'string (decimal)'],
    ['f', 'float', '1.5', 'double'],
    ['db', 'double', '0.1', 'double'],
    ['c', 'char(10)', "'pad'", 'string'],
    ['vc', 'varchar(20)', "'ünïcødé ✓'", 'string'],
    ['tx', 'text', "'text'", 'string'],
    ['vb', 'varbinary(8)', "X'00FF'", 'binData'],
    ['bl', 'blob', "X'0001'", 'binData'],
    ['d', 'date', "'2024-02-29'", 'date (date)'],
    ['t', 'time', "'12:34:56'", 'string (time)'],
    ['dt', 'datetime', "'2024-02-29 12:00:00'", 'date (timestamp)'],
    ['dt6', 'datetime(6)', "'2024-02-29 12:00:00.123456'", 'string (timestamp)'],
    ['ts', 'timestamp NULL', "'2024-02-29 12:00:00'", 'date'],
    ['j', 'json', `'{"a": [1, "b"]}'`, 'object'],
    ['y', 'year', '2024', 'int'],
    ['b', 'bit(8)', "b'10100101'", 'binData'],
    ['e', "enum('a','b')", "'b'", 'string'],
    ['st', "set('x','y')", "'x,y'", 'string'],
    ['u', 'uuid', "'3f2504e0-4f89-41d3-9a0c-0305e82c3301'", 'binData (uuid)'],
    ['g', 'point', "ST_GeomFromText('POINT(1 2)', 4326)", 'binData'],
  ];
  await mariaQuery(`CREATE TABLE \`${world.maria}\`.kinds (id int PRIMARY KEY, ${columns.map(([c, t]) => `\`${c}\` ${t}`).join(', ')})`);
  await mariaQuery(`INSERT INTO \`${world.maria}\`.kinds VALUES (1, ${columns.map(([, , v]) => v).join(', ')}), (2, ${columns.map(() => 'NULL').join(', ')})`);
  const job = await sync({ source: { url: mariaUrlFor(world.maria) }, destination: { url: mongoUrl() }, tables: [{ schema: world.maria, name: 'kinds', destinationName: 'maria_kinds' }], createTables: true });
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: 2 });
  expect(await checksumOf(mongoUrl(), mongoDb, 'maria_kinds')).toEqual(await checksumOf(mariaUrlFor(world.maria), world.maria, 'kinds'));
  const created = await tableOf(mongoUrl(), mongoDb, 'maria_kinds');
  expect(Object.fromEntries(created.columns.filter((c) => c.name !== 'id').map((c) => [c.name, c.nativeType]))).toEqual(Object.fromEntries(columns.map(([c, , , m]) => [c, m])));
  expect(job.tables[0]!.warnings).toEqual([
    'column bu: bigint(20) unsigned → string (decimal), its exact text: the server (FerretDB) has no Decimal128',
    'column price: decimal(10,2) → string (decimal), its exact text: the server (FerretDB) has no Decimal128',
    'column c: char(10) → string, no longer blank-padded',
    'column t: time → string (time), its exact text (fixed width): BSON has no time of day',
    'column dt6: datetime(6) → string (timestamp), its exact text (fixed width): a BSON date holds milliseconds, the column 6 fractional digits',
    "column e: enum('a','b') → string, carried as its text form (no mongodb counterpart)",
    "column st: set('x','y') → string, carried as its text form (no mongodb counterpart)",
    "column g: point → binData (MySQL's internal SRID+WKB)",
  ]);
});

test('a value a BSON date would change fails the job, named, instead of being stored otherwise', async () => {
  await pgQuery(`CREATE TABLE "${world.src}".forever (id integer PRIMARY KEY, valid_to date)`);
  await pgQuery(`INSERT INTO "${world.src}".forever VALUES (1, '2024-01-01'), (2, 'infinity')`);
  const job = await sync({ source: { url: pgUrlFor(world.src) }, destination: { url: mongoUrl() }, tables: [{ schema: world.src, name: 'forever' }], createTables: true });
  expect(job.state).toBe('ERROR');
  expect(job.message).toMatch(new RegExp(`^Table ${world.src}\\.forever: .*"infinity" is not a date a BSON date holds exactly`));
});

test('a field only documents beyond the sample have fails the copy to a table, naming it and ?sample_size; a wider sample copies it', async () => {
  await withMongo(async (client) => {
    await client.db(mongoDb).collection('late_fields').insertMany([
      { _id: 1 as never, name: 'a' }, { _id: 2 as never, name: 'b' }, { _id: 3 as never, name: 'c', discount: 5 },
    ]);
  });
  const narrow = new URL(mongoUrl());
  narrow.searchParams.set('sample_size', '2');
  const input = (source: string, schema: string): SyncInput => ({
    source: { url: source }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: mongoDb, name: 'late_fields', destinationName: schema }], createTables: true,
  });
  const short = await sync(input(narrow.toString(), 'late_fields_2'));
  expect(short.state).toBe('ERROR');
  expect(short.message).toMatch(/document _id 3 has field discount, which none of the 2 sampled documents had, .*\?sample_size=N/);
  const wide = await sync(input(mongoUrl(), 'late_fields_all'));
  expect(wide.state).toBe('COMPLETED');
  expect(await pgQuery(`SELECT _id::int AS id, name, discount::int AS discount FROM "${world.dst}".late_fields_all ORDER BY 1`)).toEqual([
    { id: 1, name: 'a', discount: null }, { id: 2, name: 'b', discount: null }, { id: 3, name: 'c', discount: 5 },
  ]);
});
