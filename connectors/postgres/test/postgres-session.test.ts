import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { Client } from 'pg';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type RowBatch, type TableDefinition } from '@sluice/connector-sdk';
import postgres from '@sluice/connector-postgres';
import type { AdminConnection } from '@sluice/connector-sdk/dist/testkit/fixture';
import { ROUND_TRIP_COLUMNS, comparable, roundTripRows } from '@sluice/connector-sdk/dist/testkit';
import type { CopyTextBatch } from '@sluice/connector-sdk';
import { fixture } from './fixture';

// The PostgreSQL session against the real server of `npm test`: each test has its own schema.
const registry = new ConnectorRegistry().register(postgres as ConnectorPlugin);
const config = () => registry.resolve({ url: process.env.SLUICE_PG_URL! }).config;

let admin: AdminConnection;
let session: ConnectorSession;
const schemas: string[] = [];

beforeAll(async () => {
  admin = await fixture.admin();
  session = await postgres.open(config());
});
afterAll(async () => {
  for (const s of schemas) await admin.dropSchema(s);
  await session.close();
  await admin.close();
});

async function newSchema(name = `sluice_t_${randomBytes(4).toString('hex')}`): Promise<string> {
  await admin.createSchema(name);
  schemas.push(name);
  return name;
}

async function readAll(it: AsyncIterable<RowBatch>): Promise<{ rows: unknown[][]; batches: RowBatch[] }> {
  const batches: RowBatch[] = [];
  for await (const b of it) batches.push(b);
  return { rows: batches.flatMap((b) => b.rows), batches };
}

const ALL_TYPES: TableDefinition = {
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: 'i16', type: { kind: 'int16' }, nullable: true },
    { name: 'i32', type: { kind: 'int32' }, nullable: true },
    { name: 'i64', type: { kind: 'int64' }, nullable: true },
    { name: 'dec', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
    { name: 'decu', type: { kind: 'decimal' }, nullable: true },
    { name: 'f32', type: { kind: 'float32' }, nullable: true },
    { name: 'f64', type: { kind: 'float64' }, nullable: true },
    { name: 'b', type: { kind: 'bool' }, nullable: true },
    { name: 't', type: { kind: 'text' }, nullable: true },
    { name: 't10', type: { kind: 'text', maxLength: 10 }, nullable: true },
    { name: 'by', type: { kind: 'bytes' }, nullable: true },
    { name: 'd', type: { kind: 'date' }, nullable: true },
    { name: 'tm', type: { kind: 'time' }, nullable: true },
    { name: 'ts', type: { kind: 'timestamp' }, nullable: true },
    { name: 'tstz', type: { kind: 'timestamptz' }, nullable: true },
    { name: 'j', type: { kind: 'json' }, nullable: true },
    { name: 'u', type: { kind: 'uuid' }, nullable: true },
  ],
  primaryKey: ['id'],
};
const COLS = ALL_TYPES.columns.map((c) => c.name);
const ROWS: unknown[][] = [
  [1, -32768, -2147483648, '-9223372036854775808', '-1234567890123456789012345678.0123456789', '-0.000000000000000000001',
    -16777216, -1.7976931348623157e308, false, '', '', Buffer.alloc(0), '0001-01-01', '00:00:00',
    '0001-01-01 00:00:00', '0001-01-01T00:00:00Z', { a: [1, 'x', null], b: { c: true } }, '00000000-0000-0000-0000-000000000000'],
  [2, 32767, 2147483647, '9223372036854775807', '1234567890123456789012345678.0123456789', '123456789012345678901234567890.5',
    Math.fround(3.14), 1.7976931348623157e308, true, 'tab\there\nnew\\line\r"quote\' 😀 é 中文', '😀😀😀😀😀😀😀😀😀😀',
    Buffer.from([0, 1, 0x5c, 0x0a, 0x09, 0xff, 0]), '9999-12-31', '23:59:59.999999', '9999-12-31 23:59:59.999999',
    '2024-02-29T12:34:56.5Z', [1, 2.5, 'three', '\\N'], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  [3, 0, 0, '9007199254740993', '0.0000000000', '0', Number.NaN, Number.POSITIVE_INFINITY, null, '\\N', null, null, null,
    '10:00:05.5', '2000-01-01 00:00:00.000001', '1970-01-01T00:00:00.123Z', 'just a string', null],
  [4, null, null, null, null, null, null, Number.NEGATIVE_INFINITY, null, null, null, null, null, null, null, null, null, null],
  [5, 1, 1, '1', '1.5000000000', '-12.3400', 1.5, 0.1, true, 'x', 'y', Buffer.from('hello'), '2024-01-02', '01:02:03',
    '2024-01-02 03:04:05', '2024-01-02T03:04:05Z', 42, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
];

describe.each([
  ['bulk COPY', true],
  ['multi-row INSERT', false],
])('round trip of every canonical type (%s)', (_label, highPerformance) => {
  test('writes and reads back exactly', async () => {
    const schema = await newSchema();
    const table = { schema, name: 'all_types' };
    await session.createTable!(table, ALL_TYPES);
    const writer = await session.openWriter(table, { columns: COLS, mode: 'append', highPerformance });
    expect(await writer.write(ROWS)).toBe(ROWS.length);
    await writer.close();
    const { rows } = await readAll(session.read(table, { key: ['id'] }));
    expect(rows).toEqual(ROWS);
    const [introspected] = await session.introspect(schema);
    expect(introspected!.columns.map((c) => c.type)).toEqual(ALL_TYPES.columns.map((c) => c.type));
  });
});

test('char(n) reads without its pad spaces, keyed and resumed like any text', async () => {
  const schema = await newSchema();
  await admin.exec(`CREATE TABLE "${schema}".langs (code char(5) PRIMARY KEY, name char(20) NOT NULL)`);
  await admin.exec(`INSERT INTO "${schema}".langs VALUES ('en', 'English'), ('it', 'Italian  '), ('zz', '')`);
  const { rows } = await readAll(session.read({ schema, name: 'langs' }, { key: ['code'], batchSize: 1 }));
  expect(rows).toEqual([['en', 'English'], ['it', 'Italian'], ['zz', '']]);
});

test('a checked-out connection whose backend is terminated fails its query, retryably; nothing reaches the process', async () => {
  const uncaught: unknown[] = [];
  const record = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', record);
  try {
    const pg = session as unknown as { withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> };
    const failed = await pg
      .withClient(async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.exec(`SELECT pg_terminate_backend(${rows[0]!.pid})`);
        await new Promise((resolve) => setTimeout(resolve, 500)); // the server's goodbye arrives while idle
        return client.query('SELECT 1');
      })
      .catch((err: unknown) => err);
    expect(failed).toMatchObject({ name: "ConnectorError", retryable: true });
    expect(uncaught).toEqual([]);
    expect(await session.serverVersion()).toMatch(/^\d+/); // the pool dropped the broken connection
  } finally {
    process.off('uncaughtException', record);
  }
});

test('checksum: order-independent, one changed value, NULL against empty and run-together values all differ', async () => {
  const schema = await newSchema();
  await admin.exec(`CREATE TABLE "${schema}".a (id int PRIMARY KEY, x text, y text, n numeric(10,2))`);
  await admin.exec(`CREATE TABLE "${schema}".b (LIKE "${schema}".a)`);
  await admin.exec(`INSERT INTO "${schema}".a VALUES (1, 'a', 'bc', 1.5), (2, NULL, '', NULL), (3, 'x', 'y', 0)`);
  await admin.exec(`INSERT INTO "${schema}".b SELECT * FROM "${schema}".a ORDER BY id DESC`);
  const sum = (name: string) => session.checksum!({ schema, name }, ['id', 'x', 'y', 'n']);
  const original = await sum('a');
  expect(original.rows).toBe(3);
  expect(await sum('b')).toEqual(original);
  for (const change of [`n = 1.50 + 0.01 WHERE id = 1`, `x = 'ab', y = 'c' WHERE id = 1`, `x = '' WHERE id = 2`, `y = NULL WHERE id = 2`]) {
    await admin.exec(`UPDATE "${schema}".b SET ${change}`);
    expect({ change, differs: (await sum('b')).checksum !== original.checksum }).toEqual({ change, differs: true });
    await admin.exec(`TRUNCATE "${schema}".b`);
    await admin.exec(`INSERT INTO "${schema}".b SELECT * FROM "${schema}".a`);
  }
  expect(await sum('b')).toEqual(original);
});

test('introspects the known schema with a constant number of catalog queries', async () => {
  const schema = await newSchema();
  for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
  const tables = await session.introspect(schema);
  expect(tables.map((t) => t.name)).toEqual(['customers', 'order_lines', 'orders']);
  const [customers, lines, orders] = tables;
  expect(customers).toMatchObject({
    kind: 'table',
    primaryKey: ['id'],
    uniqueConstraints: [{ name: 'customers_email_key', columns: ['email'] }],
    foreignKeys: [],
    rowEstimate: null,
  });
  expect(customers!.columns).toEqual([
    { name: 'id', nativeType: 'bigint', type: { kind: 'int64' }, nullable: false, identity: true, identityNext: '1', default: null },
    { name: 'email', nativeType: 'character varying(200)', type: { kind: 'text', maxLength: 200 }, nullable: false, identity: false, default: null },
    { name: 'name', nativeType: 'character varying(100)', type: { kind: 'text', maxLength: 100 }, nullable: true, identity: false, default: null },
    { name: 'created_at', nativeType: 'timestamp with time zone', type: { kind: 'timestamptz' }, nullable: false, identity: false, default: null },
  ]);
  expect(orders!.columns.map((c) => c.type)).toEqual([{ kind: 'int64' }, { kind: 'int64' }, { kind: 'decimal', precision: 12, scale: 2 }, { kind: 'text' }]);
  expect(orders!.foreignKeys).toEqual([
    { name: 'orders_customer_fk', columns: ['customer_id'], referencedSchema: schema, referencedTable: 'customers', referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
  ]);
  expect(orders!.indexes.map((i) => [i.name, i.columns, i.unique])).toEqual([['orders_customer_idx', ['customer_id'], false], ['orders_pkey', ['id'], true]]);
  expect(orders!.indexes[0]!.definition).toMatch(/^CREATE INDEX orders_customer_idx ON .*orders USING btree \(customer_id\)$/);
  expect(lines).toMatchObject({ primaryKey: ['order_id', 'line_no'], foreignKeys: [{ name: 'order_lines_order_fk', onDelete: 'NO ACTION' }] });
  expect(lines!.columns.map((c) => c.type.kind)).toEqual(['int64', 'int32', 'text', 'int16']);

  const withViews = await session.introspect(schema, { includeViews: true });
  const view = withViews.find((t) => t.name === 'customer_emails');
  expect(view).toMatchObject({ kind: 'view', primaryKey: null, columns: [{ name: 'id' }, { name: 'email' }] });
  expect((await session.introspect(schema, { tables: ['orders'] })).map((t) => t.name)).toEqual(['orders']);
  await admin.exec(`INSERT INTO "${schema}".customers (email, created_at) VALUES ('a', now()), ('b', now())`);
  await admin.exec(`ANALYZE "${schema}".customers`);
  expect((await session.introspect(schema, { tables: ['customers'] }))[0]!.rowEstimate).toBe(2);
  expect(await session.listSchemas()).toContain(schema);
  expect(await session.listSchemas()).not.toContain('pg_catalog');
  expect(await session.listDatabases()).toContain('sluice_test');
  expect(await session.serverVersion()).toMatch(/^\d+/);
});

test('2,000 tables introspect in one round of catalog queries', async () => {
  const schema = await newSchema();
  await admin.exec(`DO $$ BEGIN FOR i IN 1..2000 LOOP
    EXECUTE format('CREATE TABLE %I.%I (id int PRIMARY KEY, v text)', '${schema}', 't' || i); END LOOP; END $$`);
  const started = performance.now();
  const tables = await session.introspect(schema);
  expect(tables).toHaveLength(2000);
  expect(performance.now() - started).toBeLessThan(5_000);
});

describe('reads', () => {
  let schema: string;
  const table = () => ({ schema, name: 'items' });
  beforeAll(async () => {
    schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".items (a int NOT NULL, b text NOT NULL, v int8, PRIMARY KEY (a, b))`);
    await admin.exec(`INSERT INTO "${schema}".items SELECT i / 10, 'k' || (i % 10), i FROM generate_series(0, 999) i`);
  });

  test('batches in key order resume from `last` with no row lost or repeated', async () => {
    const first: RowBatch[] = [];
    for await (const b of session.read(table(), { key: ['a', 'b'], columns: ['v'], batchSize: 70 })) {
      first.push(b);
      if (first.length === 3) break; // the consumer stops: the connection goes back to the pool
    }
    expect(first[2]!.last).toEqual([20, 'k9']);
    const rest = await readAll(session.read(table(), { key: ['a', 'b'], columns: ['v'], batchSize: 70, after: first[2]!.last }));
    const all = [...first.flatMap((b) => b.rows), ...rest.rows].map((r) => Number(r[0]));
    const expected = Array.from({ length: 1000 }, (_, i) => i).sort((x, y) => Math.floor(x / 10) - Math.floor(y / 10) || (x % 10) - (y % 10));
    expect(all).toEqual(expected);
    expect(rest.batches.every((b) => b.rows.length <= 70)).toBe(true);
  });

  test('read: batchBytes sizes pages by bytes (a small first page, then up to 10× batchSize), also in parts', async () => {
    const key = ['a', 'b'];
    const whole = await readAll(session.read(table(), { key, columns: ['a', 'b', 'v'], batchSize: 10 }));
    // The first page's last row [0, 'k0', '0'] weighs 8 + 2 + 1 bytes (approximateRowBytes): 400 bytes make 36 rows.
    for (const partBytes of [undefined, 64]) {
      const read = await readAll(session.read(table(), { key, columns: ['a', 'b', 'v'], batchSize: 10, batchBytes: 400, partBytes }));
      expect(read.rows).toEqual(whole.rows);
      const pages = read.batches.reduce<number[]>((sizes, b, i) => {
        if (i === 0 || !read.batches[i - 1]!.more) sizes.push(0);
        sizes[sizes.length - 1]! += b.rows.length;
        return sizes;
      }, []);
      expect(pages[0]).toBe(1); // rows of unknown width: a tenth of batchSize first
      expect(pages[1]).toBe(36);
      expect(Math.max(...pages)).toBeLessThanOrEqual(100);
      if (partBytes) expect(read.batches.some((b) => b.more)).toBe(true);
    }
  });

  test('`since` filters, columns select and order', async () => {
    const { rows } = await readAll(session.read(table(), { key: ['a', 'b'], columns: ['v', 'a'], since: { column: 'v', value: '995' } }));
    expect(rows).toEqual([['996', 99], ['997', 99], ['998', 99], ['999', 99]]);
  });

  test('consecutive `until` ranges read the whole table, no row lost or repeated, also with `since`', async () => {
    const key = ['a', 'b'];
    const k1 = [20, 'k4'];
    const k2 = [70, 'k0'];
    const ranges: [unknown[] | null, unknown[] | null][] = [[null, k1], [k1, k2], [k2, null]];
    for (const since of [null, { column: 'v', value: '500' }]) {
      const whole = await readAll(session.read(table(), { key, columns: ['a', 'b', 'v'], since, batchSize: 70 }));
      const parts: unknown[][][] = [];
      for (const [after, until] of ranges) {
        const part = await readAll(session.read(table(), { key, columns: ['a', 'b', 'v'], since, after, until, batchSize: 70 }));
        if (until && part.rows.length) expect(part.batches.at(-1)!.last).toEqual(until); // inclusive end (the key exists)
        parts.push(part.rows);
      }
      expect(parts.flat()).toEqual(whole.rows);
      expect(whole.rows).toHaveLength(since ? 499 : 1000);
      if (!since) expect(parts.map((p) => p.length)).toEqual([205, 496, 299]);
      else expect(parts.map((p) => p.length)).toEqual([0, 200, 299]);
    }
    // An end before the start is an empty range.
    expect((await readAll(session.read(table(), { key, after: k2, until: k1 }))).rows).toEqual([]);
    expect((await readAll(session.read(table(), { key, after: k1, until: k1 }))).rows).toEqual([]);
    await expect(readAll(session.read(table(), { key, until: [1] }))).rejects.toThrow(/values for key/);
  });

  test('keyBounds: MIN and MAX as canonical values (int64 beyond 2^53 exact), null for an empty table', async () => {
    expect(await session.keyBounds(table(), 'a')).toEqual({ min: 0, max: 99 });
    expect(await session.keyBounds(table(), 'b')).toEqual({ min: 'k0', max: 'k9' });
    await admin.exec(`CREATE TABLE "${schema}".big (id int8 PRIMARY KEY)`);
    const big = { schema, name: 'big' };
    expect(await session.keyBounds(big, 'id')).toBeNull();
    await admin.exec(`INSERT INTO "${schema}".big VALUES (9007199254740993), (-9223372036854775807), (9223372036854775806), (5)`);
    expect(await session.keyBounds(big, 'id')).toEqual({ min: '-9223372036854775807', max: '9223372036854775806' });
    await expect(session.keyBounds(big, 'nope')).rejects.toThrow(/nope/);
  });

  test('an aborted read throws the abort between batches and cancels a statement in flight', async () => {
    const controller = new AbortController();
    const seen: RowBatch[] = [];
    await expect(async () => {
      for await (const b of session.read(table(), { key: ['a', 'b'], batchSize: 100, signal: controller.signal })) {
        seen.push(b);
        controller.abort();
      }
    }).rejects.toThrow(/abort/i);
    expect(seen).toHaveLength(1);

    await admin.exec(`CREATE VIEW "${schema}".slow AS SELECT i AS id, pg_sleep(0.01)::text AS s FROM generate_series(1, 1000) i`);
    const inFlight = new AbortController();
    setTimeout(() => inFlight.abort(), 300);
    const started = performance.now();
    await expect(readAll(session.read({ schema, name: 'slow' }, { key: ['id'], signal: inFlight.signal }))).rejects.toThrow(/abort/i);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  test('a caller waits for a busy connection longer than the connect timeout', async () => {
    const s = await postgres.open({ ...config(), connect_timeout_ms: 500 }, { maxConnections: 1 });
    try {
      await admin.exec(`CREATE OR REPLACE VIEW "${schema}".slower AS SELECT i AS id, pg_sleep(0.01)::text AS s FROM generate_series(1, 100) i`);
      const slow = readAll(s.read({ schema, name: 'slower' }, { key: ['id'], columns: ['id', 's'] }));
      const started = performance.now();
      expect(await s.listSchemas()).toContain(schema);
      expect(performance.now() - started).toBeGreaterThan(500);
      expect((await slow).rows).toHaveLength(100);
    } finally {
      await s.close();
    }
  });
});

describe('upserts and identity', () => {
  test.each([true, false])('upsert twice leaves one copy, last occurrence wins (highPerformance %s)', async (highPerformance) => {
    const schema = await newSchema();
    for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
    const table = { schema, name: 'customers' };
    const columns = ['email', 'name', 'created_at'];
    const rows = [
      ['a@x', 'A', '2024-01-01T00:00:00Z'],
      ['b@x', 'B', '2024-01-01T00:00:00Z'],
      ['a@x', 'A2', '2024-01-02T00:00:00Z'],
    ];
    const writer = await session.openWriter(table, { columns, mode: 'upsert', key: ['email'], highPerformance });
    expect(await writer.write(rows)).toBe(2);
    expect(await writer.write(rows)).toBe(2);
    await writer.close();
    const { rows: out } = await readAll(session.read(table, { key: ['email'], columns }));
    expect(out).toEqual([['a@x', 'A2', '2024-01-02T00:00:00Z'], ['b@x', 'B', '2024-01-01T00:00:00Z']]);
  });

  test('upsert without a key is refused by name', async () => {
    const schema = await newSchema();
    for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
    await expect(session.openWriter({ schema, name: 'orders' }, { columns: ['id'], mode: 'upsert' })).rejects.toMatchObject({
      name: 'ConnectorError', retryable: false, message: expect.stringContaining('needs a key'),
    });
  });

  test.each([true, false])('identity columns: refused without identityInsert, generator moved past with it (HP %s)', async (highPerformance) => {
    const schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".a (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)`);
    await admin.exec(`CREATE TABLE "${schema}".s (id serial PRIMARY KEY, v text)`);
    for (const name of ['a', 's']) {
      const table = { schema, name };
      await expect(session.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance })).rejects.toThrow(/identityInsert/);
      const writer = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance, identityInsert: true });
      await writer.write([[100, 'x'], [7, 'y']]);
      await writer.close();
      const upsert = await session.openWriter(table, { columns: ['id', 'v'], mode: 'upsert', key: ['id'], highPerformance, identityInsert: true });
      await upsert.write([[7, 'y2']]);
      await upsert.close();
      await admin.exec(`INSERT INTO "${schema}".${name} (v) VALUES ('z')`);
      const rows = await admin.query(`SELECT id, v FROM "${schema}".${name} ORDER BY id`);
      expect(rows).toEqual([{ id: 7, v: 'y2' }, { id: 100, v: 'x' }, { id: 101, v: 'z' }]);
    }
  });

  test('a failing batch writes nothing (COPY aborted by an unencodable value, and by the server)', async () => {
    const schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".t (id int PRIMARY KEY, j jsonb)`);
    const table = { schema, name: 't' };
    const writer = await session.openWriter(table, { columns: ['id', 'j'], mode: 'append', highPerformance: true });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(writer.write([[1, {}], [2, circular]])).rejects.toThrow(/circular/i);
    await expect(writer.write([[1, {}], [1, {}]])).rejects.toMatchObject({ name: 'ConnectorError', message: expect.stringMatching(/duplicate key/) });
    expect(await writer.write([[3, { ok: true }]])).toBe(1);
    expect(await admin.query(`SELECT id FROM "${schema}".t`)).toEqual([{ id: 3 }]);
  });

  test('many rows through both paths stay within parameter limits', async () => {
    const schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".t (id int PRIMARY KEY, a text, b text, c text, d text)`);
    const rows = Array.from({ length: 40_000 }, (_, i) => [i, `a${i}`, 'b', null, 'd\t']);
    for (const highPerformance of [true, false]) {
      const writer = await session.openWriter({ schema, name: 't' }, { columns: ['id', 'a', 'b', 'c', 'd'], mode: 'upsert', key: ['id'], highPerformance });
      expect(await writer.write(rows)).toBe(40_000);
      await writer.close();
    }
    expect(await admin.query(`SELECT count(*)::int AS n, count(DISTINCT d)::int AS d FROM "${schema}".t`)).toEqual([{ n: 40_000, d: 1 }]);
  });
});

describe('capabilities', () => {
  test('truncate, and its foreign key error surfaces clearly', async () => {
    const schema = await newSchema();
    for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
    await admin.exec(`INSERT INTO "${schema}".customers (email, created_at) VALUES ('a', now())`);
    await expect(session.truncate!({ schema, name: 'customers' })).rejects.toMatchObject({
      retryable: false, message: expect.stringMatching(/foreign key.*FOREIGN_KEY_MANAGEMENT/s),
    });
    await session.truncate!({ schema, name: 'order_lines' });
    const fks = await session.dropForeignKeys!({ schema, name: 'orders' });
    const fks2 = await session.dropForeignKeys!({ schema, name: 'order_lines' });
    await session.truncate!({ schema, name: 'customers' });
    expect(await admin.query(`SELECT * FROM "${schema}".customers`)).toEqual([]);
    await session.restoreForeignKeys!({ schema, name: 'orders' }, fks);
    await session.restoreForeignKeys!({ schema, name: 'order_lines' }, fks2);
    const orders = (await session.introspect(schema, { tables: ['orders'] }))[0]!;
    expect(orders.foreignKeys).toEqual(fks);
    expect(fks).toEqual([expect.objectContaining({ name: 'orders_customer_fk', onDelete: 'CASCADE' })]);
  });

  test('deleteRows by composite key', async () => {
    const schema = await newSchema();
    for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
    await admin.exec(`INSERT INTO "${schema}".customers (id, email, created_at) VALUES (1, 'a', now())`);
    await admin.exec(`INSERT INTO "${schema}".orders VALUES (1, 1, 1.5, null)`);
    await admin.exec(`INSERT INTO "${schema}".order_lines SELECT 1, i, 'x', 1 FROM generate_series(1, 30000) i`);
    const keys = Array.from({ length: 25_000 }, (_, i) => ['1', i + 1]);
    expect(await session.deleteRows!({ schema, name: 'order_lines' }, ['order_id', 'line_no'], [...keys, ['2', 1]])).toBe(25_000);
    expect(await admin.query(`SELECT count(*)::int AS n FROM "${schema}".order_lines`)).toEqual([{ n: 5000 }]);
  });

  test('indexes and unique constraints drop and restore; triggers toggle', async () => {
    const schema = await newSchema();
    for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
    await admin.exec(`CREATE INDEX "lower email" ON "${schema}".customers (lower(email), name DESC)`);
    const before = (await session.introspect(schema)).map((t) => t.indexes);
    const customers = { schema, name: 'customers' };
    const dropped = await session.dropIndexes!(customers);
    expect(dropped.map((i) => [i.name, i.columns])).toEqual([['lower email', ['lower(email::text)', 'name']]]);
    expect(await session.dropIndexes!({ schema, name: 'orders' })).toMatchObject([{ name: 'orders_customer_idx', unique: false }]);
    const uniques = await session.dropUniqueConstraints!(customers);
    expect(uniques).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);
    expect((await session.introspect(schema, { tables: ['customers'] }))[0]!.indexes.map((i) => i.name)).toEqual(['customers_pkey']);
    await session.restoreUniqueConstraints!(customers, uniques);
    await session.restoreIndexes!(customers, dropped);
    await session.restoreIndexes!({ schema, name: 'orders' }, [{ name: 'orders_customer_idx', columns: ['customer_id'], unique: false }]);
    expect((await session.introspect(schema)).map((t) => t.indexes)).toEqual(before);

    await admin.exec(`CREATE TABLE "${schema}".audit (n int)`);
    for (const sql of fixture.triggerDdl(schema, 'customers')) await admin.exec(sql);
    const writer = await session.openWriter(customers, { columns: ['email', 'created_at'], mode: 'append' });
    await session.setTriggersEnabled!(customers, false);
    await writer.write([['t1', '2024-01-01T00:00:00Z']]);
    await session.setTriggersEnabled!(customers, true);
    await writer.write([['t2', '2024-01-01T00:00:00Z']]);
    expect(await admin.query(`SELECT count(*)::int AS n FROM "${schema}".audit`)).toEqual([{ n: 1 }]);
  });

  test('createTable with identity and unique constraints, dropTable', async () => {
    const schema = await newSchema();
    const table = { schema, name: 'made' };
    await session.createTable!(table, {
      columns: [
        { name: 'id', type: { kind: 'int64' }, nullable: false, identity: true },
        { name: 'code', type: { kind: 'text', maxLength: 20 }, nullable: false },
      ],
      primaryKey: ['id'],
      uniqueConstraints: [{ name: 'made_code_key', columns: ['code'] }],
    });
    const [made] = await session.introspect(schema);
    expect(made).toMatchObject({
      primaryKey: ['id'],
      uniqueConstraints: [{ name: 'made_code_key', columns: ['code'] }],
      columns: [{ name: 'id', identity: true, nativeType: 'bigint' }, { name: 'code', nativeType: 'character varying(20)' }],
    });
    await session.dropTable!(table);
    expect(await session.introspect(schema)).toEqual([]);
  });

  test('addPrimaryKey after a load: added once, a no-op again, refused over duplicates or another key', async () => {
    const schema = await newSchema();
    const table = { schema, name: 'later' };
    const columns = [
      { name: 'a', type: { kind: 'int32' as const }, nullable: false },
      { name: 'b', type: { kind: 'text' as const }, nullable: false },
    ];
    await session.createTable!(table, { columns, primaryKey: [] });
    await admin.exec(`INSERT INTO "${schema}".later SELECT i, 'x' FROM generate_series(1, 100) i`);
    await session.addPrimaryKey!(table, ['a', 'b']);
    await session.addPrimaryKey!(table, ['a', 'b']); // a retried finalize
    expect((await session.introspect(schema))[0]!.primaryKey).toEqual(['a', 'b']);
    await expect(session.addPrimaryKey!(table, ['a'])).rejects.toThrow(/later already has a different primary key \(a, b\)/);
    const dup = { schema, name: 'dup' };
    await session.createTable!(dup, { columns, primaryKey: [] });
    await admin.exec(`INSERT INTO "${schema}".dup VALUES (1, 'x'), (1, 'x')`);
    await expect(session.addPrimaryKey!(dup, ['a'])).rejects.toThrow(/dup/);
  });
});

describe('checkpoints kept with the data', () => {
  const stateOf = async (schema: string) =>
    admin.query(`SELECT table_name, stream, state FROM "${schema}"._sluice_state ORDER BY table_name, stream`);

  test('absent → null; writeCheckpoint sets, replaces and (with null) clears', async () => {
    const schema = await newSchema();
    const table = { schema, name: 't' };
    expect(await session.readCheckpoint(table, 's1')).toBeNull(); // no state table yet
    expect(await session.readCheckpoint({ schema: 'no_such_schema_x', name: 't' }, 's1')).toBeNull();
    await session.writeCheckpoint(table, 's1', null); // nothing to clear: no error, nothing created
    expect(await admin.query(`SELECT to_regclass('"${schema}"._sluice_state')::text AS t`)).toEqual([{ t: null }]);

    await session.writeCheckpoint(table, 's1', '{"a":1}');
    await session.writeCheckpoint(table, 's2', 'two');
    await session.writeCheckpoint({ schema, name: 'other' }, 's1', 'other');
    expect(await session.readCheckpoint(table, 's1')).toBe('{"a":1}');
    expect(await session.readCheckpoint(table, 'missing')).toBeNull();
    await session.writeCheckpoint(table, 's1', '{"a":2}');
    expect(await session.readCheckpoint(table, 's1')).toBe('{"a":2}');
    await session.writeCheckpoint(table, 's1', null);
    expect(await session.readCheckpoint(table, 's1')).toBeNull();
    expect(await stateOf(schema)).toEqual([
      { table_name: 'other', stream: 's1', state: 'other' },
      { table_name: 't', stream: 's2', state: 'two' },
    ]);
    const columns = await admin.query(
      `SELECT column_name AS c, data_type AS t, character_maximum_length AS n FROM information_schema.columns
       WHERE table_schema = '${schema}' AND table_name = '_sluice_state' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { c: 'table_name', t: 'character varying', n: 255 },
      { c: 'stream', t: 'character varying', n: 255 },
      { c: 'state', t: 'text', n: null },
      { c: 'updated_at', t: 'timestamp without time zone', n: null },
    ]);
    const [{ recent }] = await admin.query(`SELECT bool_and(updated_at > now() at time zone 'UTC' - interval '1 minute') AS recent FROM "${schema}"._sluice_state`);
    expect(recent).toBe(true);
    // Two fresh sessions racing to create another schema's state table both succeed.
    const other = await newSchema();
    const [a, b] = [await postgres.open(config()), await postgres.open(config())];
    try {
      await Promise.all([a.writeCheckpoint({ schema: other, name: 'x' }, 'a', '1'), b.writeCheckpoint({ schema: other, name: 'x' }, 'b', '2')]);
    } finally {
      await a.close();
      await b.close();
    }
    expect(await stateOf(other)).toEqual([{ table_name: 'x', stream: 'a', state: '1' }, { table_name: 'x', stream: 'b', state: '2' }]);
  });

  describe.each([
    ['bulk COPY', true],
    ['multi-row INSERT', false],
  ])('write(rows, checkpoint) (%s)', (_label, highPerformance) => {
    test.each(['append', 'upsert'] as const)('%s: the batch and its checkpoint commit together or not at all', async (mode) => {
      const schema = await newSchema();
      await admin.exec(`CREATE TABLE "${schema}".t (id int PRIMARY KEY, v text NOT NULL)`);
      const table = { schema, name: 't' };
      const writer = await session.openWriter(table, { columns: ['id', 'v'], mode, key: ['id'], highPerformance });
      expect(await writer.write([[1, 'a'], [2, 'b']], { stream: 'src.t', state: 'after-2' })).toBe(2);
      expect(await session.readCheckpoint(table, 'src.t')).toBe('after-2');

      // A NOT NULL violation in the batch: neither its rows nor its checkpoint are written.
      await expect(writer.write([[3, 'c'], [4, null]], { stream: 'src.t', state: 'after-4' })).rejects.toMatchObject({
        name: 'ConnectorError', message: expect.stringMatching(/null value/),
      });
      expect(await session.readCheckpoint(table, 'src.t')).toBe('after-2');
      expect(await admin.query(`SELECT id FROM "${schema}".t ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);

      // A failing checkpoint (stream name too long for varchar(255)) takes the batch down with it.
      await expect(writer.write([[5, 'e']], { stream: 'x'.repeat(300), state: 's' })).rejects.toThrow(/too long/);
      expect(await admin.query(`SELECT id FROM "${schema}".t ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);

      expect(await writer.write([[3, 'c'], [4, 'd']], { stream: 'src.t', state: 'after-4' })).toBe(2);
      expect(await writer.write([], { stream: 'src.t', state: 'empty batch still commits its checkpoint' })).toBe(0);
      expect(await writer.write([[5, 'e']])).toBe(1); // no checkpoint: state untouched
      await writer.close();
      expect(await session.readCheckpoint(table, 'src.t')).toBe('empty batch still commits its checkpoint');
      expect(await admin.query(`SELECT count(*)::int AS n FROM "${schema}".t`)).toEqual([{ n: 5 }]);
      expect(await stateOf(schema)).toHaveLength(1);
    });
  });
});

describe('createTableLike and swapTable', () => {
  test('createTableLike copies columns, keys, unique constraints and indexes, not rows', async () => {
    const schema = await newSchema();
    for (const sql of fixture.knownSchemaDdl(schema)) await admin.exec(sql);
    await admin.exec(`CREATE INDEX "lower email" ON "${schema}".customers (lower(email), name DESC) WHERE name IS NOT NULL`);
    await admin.exec(`INSERT INTO "${schema}".customers (email, created_at) VALUES ('a', now())`);
    const like = { schema, name: 'customers' };
    const copy = { schema, name: '_sluice_stg_customers_1' };
    await session.createTableLike!(like, copy);
    const [original] = await session.introspect(schema, { tables: ['customers'] });
    const [made] = await session.introspect(schema, { tables: [copy.name] });
    // Same columns; the copy's own identity starts afresh (identityNext), as it holds no rows.
    expect(made!.columns.map(({ default: _d, identityNext: _n, ...c }) => c)).toEqual(original!.columns.map(({ default: _d, identityNext: _n, ...c }) => c));
    expect(made!.primaryKey).toEqual(['id']);
    expect(made!.uniqueConstraints.map((u) => u.columns)).toEqual([['email']]);
    const shape = (t: typeof made) => t!.indexes.map((i) => [i.columns, i.unique]).sort();
    expect(shape(made)).toEqual(shape(original));
    expect(made!.indexes.find((i) => !i.unique)!.definition).toMatch(/WHERE \(name IS NOT NULL\)/);
    expect(await admin.query(`SELECT count(*)::int AS n FROM "${schema}"."${copy.name}"`)).toEqual([{ n: 0 }]);
  });

  test('a concurrent reader sees the old or the new table, never an empty or partial one', async () => {
    const schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".target (id serial PRIMARY KEY, v text NOT NULL, n int GENERATED BY DEFAULT AS IDENTITY)`);
    await admin.exec(`CREATE INDEX target_v_idx ON "${schema}".target (v)`);
    await admin.exec(`INSERT INTO "${schema}".target (v) SELECT 'old' || i FROM generate_series(1, 3000) i`);
    const target = { schema, name: 'target' };
    const staging = { schema, name: '_sluice_stg_target_abc' };
    await session.createTableLike!(target, staging);
    const writer = await session.openWriter(staging, { columns: ['id', 'v'], mode: 'append', highPerformance: true, identityInsert: true });
    await writer.write(Array.from({ length: 5000 }, (_, i) => [i + 1, `new${i + 1}`]), { stream: 'src.target', state: '{"done":true}' });
    await writer.close();
    await session.writeCheckpoint(target, 'src.target', '{"old":true}');
    expect(await session.readCheckpoint(staging, 'src.target')).toBe('{"done":true}');

    const readers = await Promise.all([1, 2, 3].map(async () => {
      const c = new Client({ connectionString: process.env.SLUICE_PG_URL });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    }));
    const counts: number[] = [];
    const seen: number[][] = readers.map(() => []);
    const errors: string[] = [];
    let stop = false;
    const polling = readers.map(async (c, i) => {
      while (!stop) {
        try {
          const { rows } = await c.query(`SELECT count(*)::int AS n FROM "${schema}".target`);
          counts.push(rows[0].n);
          seen[i]!.push(rows[0].n);
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    });
    try {
      while (counts.length < 30) await new Promise((r) => setTimeout(r, 5));
      await session.swapTable!(staging, target);
      const after = counts.length;
      while (counts.length < after + 30) await new Promise((r) => setTimeout(r, 5));
    } finally {
      stop = true;
      await Promise.all(polling);
      for (const c of readers) await c.end();
    }
    expect(errors).toEqual([]);
    expect(new Set(counts)).toEqual(new Set([3000, 5000]));
    for (const own of seen) {
      // Each reader: the old table until the swap commits, then the new one for good.
      expect(own.slice(own.indexOf(5000))).toEqual(own.slice(own.indexOf(5000)).map(() => 5000));
    }

    expect(await admin.query(`SELECT count(*)::int AS n, min(v) AS v FROM "${schema}".target`)).toEqual([{ n: 5000, v: 'new1' }]);
    expect(await admin.query(`SELECT to_regclass('"${schema}"."${staging.name}"')::text AS t`)).toEqual([{ t: null }]);
    expect(await session.readCheckpoint(staging, 'src.target')).toBeNull();
    expect(await session.readCheckpoint(target, 'src.target')).toBe('{"old":true}'); // the activity clears it
    // Only the target remains; it keeps the old index and constraint names, and owns its sequences.
    expect((await admin.query(`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = '${schema}' AND relkind IN ('r', 'i', 'S') ORDER BY 1`)).map((r) => r.relname))
      .toEqual(['_sluice_state', '_sluice_state_pkey', 'target', 'target_id_seq', 'target_n_seq', 'target_pkey', 'target_v_idx']);
    const [swapped] = await session.introspect(schema);
    expect(swapped!.indexes.map((i) => i.name)).toEqual(['target_pkey', 'target_v_idx']);
    await admin.exec(`INSERT INTO "${schema}".target (v) VALUES ('next')`);
    expect(await admin.query(`SELECT id FROM "${schema}".target WHERE v = 'next'`)).toEqual([{ id: 5001 }]);
    await admin.exec(`DROP TABLE "${schema}".target`); // the sequences go with it: nothing else depends on them
  });

  test('views depending on the target fail the swap by name, and nothing changes', async () => {
    const schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".target (id int PRIMARY KEY, v text)`);
    await admin.exec(`INSERT INTO "${schema}".target VALUES (1, 'old')`);
    await admin.exec(`CREATE VIEW "${schema}".target_view AS SELECT id FROM "${schema}".target`);
    const target = { schema, name: 'target' };
    const staging = { schema, name: '_sluice_stg_target_v' };
    await session.createTableLike!(target, staging);
    await session.writeCheckpoint(staging, 's', 'kept');
    await expect(session.swapTable!(staging, target)).rejects.toMatchObject({
      name: 'ConnectorError', retryable: false, message: expect.stringMatching(/Cannot replace .*target: view .*target_view depend/),
    });
    expect(await admin.query(`SELECT v FROM "${schema}".target`)).toEqual([{ v: 'old' }]);
    expect(await admin.query(`SELECT to_regclass('"${schema}"."${staging.name}"')::text IS NOT NULL AS t`)).toEqual([{ t: true }]);
    expect(await session.readCheckpoint(staging, 's')).toBe('kept');
  });
});

test('defaultSchema: schema_name, else public', async () => {
  expect(session.defaultSchema).toBe('public');
  const s = await postgres.open({ ...config(), schema_name: 'elsewhere' });
  try {
    expect(s.defaultSchema).toBe('elsewhere');
  } finally {
    await s.close();
  }
});

test("introspect leaves out Sluice's own tables unless asked for by name", async () => {
  const schema = await newSchema();
  await admin.exec(`CREATE TABLE "${schema}".data (id int PRIMARY KEY)`);
  await admin.exec(`CREATE TABLE "${schema}"._sluice_stg_data_x1 (id int PRIMARY KEY)`);
  await admin.exec(`CREATE TABLE "${schema}"._sluice_stgnot (id int PRIMARY KEY)`);
  await session.writeCheckpoint({ schema, name: 'data' }, 's', '1');
  expect((await session.introspect(schema)).map((t) => t.name)).toEqual(['_sluice_stgnot', 'data']);
  expect((await session.introspect(schema, { tables: ['_sluice_state', '_sluice_stg_data_x1', 'data'] })).map((t) => t.name))
    .toEqual(['_sluice_state', '_sluice_stg_data_x1', 'data']);
});

test('adversarial identifiers as schema, table and column names', async () => {
  const names = ['x"; DROP TABLE t; --', 'Mixed Case', 'select', 'semi;colon', 'back`tick', "quo'te", 'ünï😀'];
  const schema = await newSchema(`s ${names[0]} ${randomBytes(3).toString('hex')}`);
  for (const name of names) {
    const table = { schema, name };
    const cols = names.map((n) => ({ name: n, type: { kind: 'text' as const }, nullable: false }));
    await session.createTable!(table, { columns: cols, primaryKey: [name], uniqueConstraints: [{ name: `${name} u`, columns: [names[1]!] }] });
    const writer = await session.openWriter(table, { columns: names, mode: 'upsert', key: [name], highPerformance: name.length % 2 === 0 });
    await writer.write([names.map((n) => `${n}-1`), names.map((n) => `${n}-2`)]);
    await writer.close();
    const { rows } = await readAll(session.read(table, { key: [name], columns: [name], batchSize: 1 }));
    expect(rows).toEqual([[`${name}-1`], [`${name}-2`]]);
    expect(await session.deleteRows!(table, [name], [[`${name}-1`]])).toBe(1);
    const uniques = await session.dropUniqueConstraints!(table);
    await session.restoreUniqueConstraints!(table, uniques);
    await session.truncate!(table);
  }
  const tables = await session.introspect(schema);
  expect(tables.map((t) => t.name).sort()).toEqual([...names].sort());
  expect(tables[0]!.columns.map((c) => c.name)).toEqual(names);
  expect(() => session.quoteIdent('x'.repeat(64))).toThrow(/63 bytes/);
  expect(session.quoteIdent('a"b')).toBe('"a""b"');
});

test('sessions give back every connection on close', async () => {
  const pids = async () =>
    new Set((await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'sluice:${process.pid}'`)).map((r) => r.pid as number));
  const before = await pids();
  const s = await postgres.open(config(), { maxConnections: 3 });
  const schema = await newSchema();
  await Promise.all([s.introspect(schema), s.listSchemas(), s.listDatabases(), s.serverVersion()]);
  const ours = [...(await pids())].filter((p) => !before.has(p));
  expect(ours.length).toBeGreaterThanOrEqual(1);
  expect(ours.length).toBeLessThanOrEqual(3);
  await s.close();
  await s.close();
  const left = async () => { const now = await pids(); return ours.filter((p) => now.has(p)); };
  for (let i = 0; i < 50 && (await left()).length; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await left()).toEqual([]);
  await expect(s.listSchemas()).rejects.toThrow(/closed/);
});

test('open fails with a classified, redacted error', async () => {
  const bad = { ...config(), password: 'Wr0ng-Pa55word' };
  await expect(postgres.open(bad)).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED', retryable: false });
  await postgres.open(bad).catch((e: Error) => expect(e.message).not.toContain('Wr0ng-Pa55word'));
});

test('type mapper both ways', () => {
  const t = postgres.types;
  expect(t.toCanonical('character varying(40)')).toEqual({ kind: 'text', maxLength: 40 });
  expect(t.toCanonical('numeric')).toEqual({ kind: 'decimal' });
  expect(t.toCanonical('NUMERIC(10)')).toEqual({ kind: 'decimal', precision: 10, scale: 0 });
  expect(t.toCanonical('timestamp(3) with time zone')).toEqual({ kind: 'timestamptz', precision: 3 });
  expect(t.toCanonical('timestamp(6) without time zone')).toEqual({ kind: 'timestamp' });
  expect(t.toCanonical('time without time zone')).toEqual({ kind: 'time' });
  expect(t.toCanonical('time with time zone')).toEqual({ kind: 'text' });
  expect(t.toCanonical('double precision')).toEqual({ kind: 'float64' });
  expect(t.toCanonical('integer[]')).toEqual({ kind: 'text' });
  expect(t.toCanonical('interval')).toEqual({ kind: 'text' });
  expect(t.toCanonical('jsonb')).toEqual({ kind: 'json' });
  expect(t.toNative({ kind: 'json' })).toBe('jsonb');
  expect(t.toNative({ kind: 'text', maxLength: 5 })).toBe('varchar(5)');
  // char(n) stays blank-padded char(n) (a varchar would keep the pad spaces and 'English' would no longer match).
  expect(t.toCanonical('character(20)')).toEqual({ kind: 'text', maxLength: 20, fixed: true });
  expect(t.toCanonical('character')).toEqual({ kind: 'text', maxLength: 1, fixed: true });
  expect(t.toCanonical('bpchar')).toEqual({ kind: 'text' });
  expect(t.toNative({ kind: 'text', maxLength: 20, fixed: true })).toBe('char(20)');
  expect(t.toNative({ kind: 'decimal', precision: 12, scale: 2 })).toBe('numeric(12,2)');
  for (const kind of ['int16', 'int32', 'int64', 'float32', 'float64', 'bool', 'bytes', 'date', 'time', 'timestamp', 'timestamptz', 'uuid'] as const) {
    expect(t.toCanonical(t.toNative({ kind }))).toEqual({ kind });
  }
});

describe('COPY fast path, text and binary (readCopyText → writeCopyText)', () => {
  const copyAll = async (it: AsyncIterable<CopyTextBatch>) => {
    const batches: CopyTextBatch[] = [];
    for await (const b of it) batches.push(b);
    return { batches, text: Buffer.concat(batches.map((b) => b.text)).toString('utf8') };
  };
  // The table's rows as COPY text of (a, b, v) in key order (no value needs escaping).
  const copyOf = async (schema: string, name: string) => {
    const rows = await admin.query(`SELECT string_agg(format(E'%s\\t%s\\t%s\\n', a, b, v), '' ORDER BY a, b) AS t FROM "${schema}"."${name}"`);
    return (rows[0] as { t: string | null }).t ?? '';
  };
  let schema: string;
  const table = () => ({ schema, name: 'items' });
  const key = ['a', 'b'];
  const columns = ['a', 'b', 'v'];
  beforeAll(async () => {
    schema = await newSchema();
    await admin.exec(`CREATE TABLE "${schema}".items (a int NOT NULL, b text NOT NULL, v int8, PRIMARY KEY (a, b))`);
    await admin.exec(`INSERT INTO "${schema}".items SELECT i / 10, 'k' || (i % 10), i FROM generate_series(0, 999) i`);
  });

  test('batches resume from `last` with no row lost or repeated; `until` ranges and `since` as read does', async () => {
    const whole = await copyOf(schema, 'items');
    const first: CopyTextBatch[] = [];
    for await (const b of session.readCopyText!(table(), { key, columns, batchSize: 70 })) {
      first.push(b);
      if (first.length === 3) break;
    }
    expect(first.map((b) => b.rows)).toEqual([70, 70, 70]);
    expect(first[2]!.last).toEqual([20, 'k9']);
    const rest = await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 70, after: first[2]!.last }));
    expect(Buffer.concat(first.map((b) => b.text)).toString('utf8') + rest.text).toBe(whole);
    expect(rest.batches.reduce((n, b) => n + b.rows, 0)).toBe(1000 - 210);

    const k1 = [20, 'k4'];
    const k2 = [70, 'k0'];
    for (const since of [null, { column: 'v', value: '500' }]) {
      const all = await copyAll(session.readCopyText!(table(), { key, columns, since, batchSize: 70 }));
      const parts: string[] = [];
      for (const [after, until] of [[null, k1], [k1, k2], [k2, null]] as const) {
        const part = await copyAll(session.readCopyText!(table(), { key, columns, since, after, until, batchSize: 70 }));
        if (until && part.batches.length) expect(part.batches.at(-1)!.last).toEqual(until);
        parts.push(part.text);
      }
      expect(parts.join('')).toBe(all.text);
      expect(all.batches.reduce((n, b) => n + b.rows, 0)).toBe(since ? 499 : 1000);
    }
    expect((await copyAll(session.readCopyText!(table(), { key, columns, after: k2, until: k1 }))).batches).toEqual([]);
    await expect(copyAll(session.readCopyText!(table(), { key, columns: ['v'] }))).rejects.toThrow(/key .* among the columns/);
    const aborted = new AbortController();
    aborted.abort();
    await expect(copyAll(session.readCopyText!(table(), { key, columns, signal: aborted.signal }))).rejects.toThrow();
  });

  test('batchBytes sizes pages by bytes (a tenth to 10× batchSize rows), losing and repeating nothing', async () => {
    const whole = await copyOf(schema, 'items');
    const grown = await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 10, batchBytes: 400 }));
    const sizes = grown.batches.map((b) => b.rows);
    expect(sizes[0]).toBe(1); // rows of unknown width: a small first page
    expect(sizes[1]).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(grown.text).toBe(whole);
    const capped = await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 10, batchBytes: 1 << 20 }));
    expect(capped.batches.map((b) => b.rows)).toEqual([1, ...Array(9).fill(100), 99]);
    // Rows wider than batchBytes allows: pages shrink, to a tenth of batchSize at least.
    const wide = await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 30, batchBytes: 60 }));
    expect(wide.batches[1]!.rows).toBeLessThan(30);
    expect(Math.min(...wide.batches.slice(0, -1).map((b) => b.rows))).toBe(3);
    expect(wide.text).toBe(whole);
    // Without batchBytes, exactly batchSize.
    expect(new Set((await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 100 }))).batches.map((b) => b.rows))).toEqual(new Set([100]));
  });

  test('an abort cancels a COPY in flight; the connection goes back to the pool usable', async () => {
    await admin.exec(`CREATE VIEW "${schema}".slow AS SELECT i AS id, pg_sleep(0.01)::text AS s FROM generate_series(1, 1000) i`);
    const one = await postgres.open(config(), { maxConnections: 1 });
    try {
      const inFlight = new AbortController();
      setTimeout(() => inFlight.abort(), 300);
      const started = performance.now();
      await expect(copyAll(one.readCopyText!({ schema, name: 'slow' }, { key: ['id'], columns: ['id', 's'], signal: inFlight.signal }))).rejects.toThrow(/abort/i);
      expect(performance.now() - started).toBeLessThan(3_000);
      const after = await copyAll(one.readCopyText!(table(), { key, columns, batchSize: 400 }));
      expect(after.batches.map((b) => b.rows)).toEqual([400, 400, 200]);
    } finally {
      await one.close();
    }
  });

  test('`last` decodes escaped text, bytea and timestamptz keys exactly', async () => {
    const s = await newSchema();
    await admin.exec(`CREATE TABLE "${s}".k (t text, by bytea, ts timestamptz, n int8, PRIMARY KEY (t, by, ts, n))`);
    const keys: unknown[][] = [
      ['a\tb', Buffer.from([0, 9, 10, 0x5c]), '2024-02-29T12:00:00.5Z', '9223372036854775807'],
      ['a\\b', Buffer.alloc(0), '1970-01-01T00:00:01Z', '-1'],
      ['a\nb\r\\N', Buffer.from('x'), '2038-01-19T03:14:07.999999Z', '9007199254740993'],
      ['ü 🚀 \b\f\v', Buffer.from([255]), '2000-01-01T00:00:00Z', '0'],
    ];
    const w = await session.openWriter({ schema: s, name: 'k' }, { columns: ['t', 'by', 'ts', 'n'], mode: 'append' });
    await w.write(keys);
    const all = await readAll(session.read({ schema: s, name: 'k' }, { key: ['t', 'by', 'ts', 'n'], batchSize: 1 }));
    const copied = await copyAll(session.readCopyText!({ schema: s, name: 'k' }, { key: ['t', 'by', 'ts', 'n'], columns: ['n', 'ts', 'by', 't'], batchSize: 1 }));
    expect(copied.batches.map((b) => b.last)).toEqual(all.batches.map((b) => b.last));
    expect(copied.batches).toHaveLength(4);
  });

  test('writeCopyText and its checkpoint commit together: a failing batch leaves no row and the old checkpoint', async () => {
    const s = await newSchema();
    const dest = { schema: s, name: 'items' };
    await admin.exec(`CREATE TABLE "${s}".items (a int NOT NULL, b text NOT NULL, v int8 CHECK (v <> 555), PRIMARY KEY (a, b))`);
    const other = await postgres.open(config());
    try {
      const writer = await other.openWriter(dest, { columns, mode: 'append', highPerformance: true });
      const batches = (await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 500 }))).batches;
      expect(batches.map((b) => b.rows)).toEqual([500, 500]);
      expect(await writer.writeCopyText!(batches[0]!.text, 500, { stream: 's', state: 'one' })).toBe(500);
      // The second batch holds v = 555: the CHECK fails, nothing of it nor of its checkpoint commits.
      await expect(writer.writeCopyText!(batches[1]!.text, 500, { stream: 's', state: 'two' })).rejects.toThrow();
      expect(await admin.query(`SELECT count(*)::int AS n, max(v)::int AS m FROM "${s}".items`)).toEqual([{ n: 500, m: 499 }]);
      expect(await other.readCheckpoint(dest, 's')).toBe('one');
      // A row count that disagrees with the text rolls back too.
      await expect(writer.writeCopyText!(Buffer.from('900\tz\t1\n'), 2, { stream: 's', state: 'three' })).rejects.toThrow(/took 1 of 2 rows/);
      expect(await admin.query(`SELECT count(*)::int AS n FROM "${s}".items`)).toEqual([{ n: 500 }]);
      expect(await other.readCheckpoint(dest, 's')).toBe('one');
      await writer.close();
      // Upsert merges the page by key: the first batch again (changed values would win), and the second's rows are new.
      await admin.exec(`ALTER TABLE "${s}".items DROP CONSTRAINT items_v_check`);
      await admin.exec(`UPDATE "${s}".items SET v = -1`);
      const upserter = await other.openWriter(dest, { columns, mode: 'upsert', key, highPerformance: true });
      expect(await upserter.writeCopyText!(batches[0]!.text, 500, { stream: 's', state: 'up-one' })).toBe(500);
      expect(await upserter.writeCopyText!(batches[1]!.text, 500, { stream: 's', state: 'up-two' })).toBe(500);
      expect(await admin.query(`SELECT count(*)::int AS n, min(v)::int AS lo, max(v)::int AS hi FROM "${s}".items`)).toEqual([{ n: 1000, lo: 0, hi: 999 }]);
      expect(await other.readCheckpoint(dest, 's')).toBe('up-two');
      await upserter.close();
      const replacer = await other.openWriter(dest, { columns, mode: 'upsert', key, highPerformance: false });
      await expect(replacer.writeCopyText!(batches[0]!.text, 500)).rejects.toThrow(/bulk path/);
    } finally {
      await other.close();
    }
  });

  test('released page buffers are reused by later pages; a page kept unreleased keeps its bytes', async () => {
    const whole = await copyOf(schema, 'items');
    const texts: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let kept: { batch: CopyTextBatch; text: string } | null = null;
    for await (const b of session.readCopyText!(table(), { key, columns, batchSize: 100 })) {
      texts.push(b.text.toString('utf8'));
      buffers.add(b.text.buffer);
      if (!kept) kept = { batch: b, text: b.text.toString('utf8') };
      else b.release!();
    }
    expect(texts).toHaveLength(10);
    expect(texts.join('')).toBe(whole);
    // The first page was never released: nine later pages went through the one buffer handed back.
    expect(buffers.size).toBe(2);
    expect(kept!.batch.text.toString('utf8')).toBe(kept!.text);
    kept!.batch.release!();
  });

  test("a page's rows are counted in its bytes: the server's count may arrive in a socket read after the data ends", async () => {
    // A proxy that holds the server's bytes after each CopyDone back for 50 ms, so COPY's
    // CommandComplete comes in a later socket read than the end of the data (as it sometimes
    // does when the server's output buffer fills between the two).
    const upstream = new URL(process.env.SLUICE_PG_URL!);
    const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);
    const proxy = net.createServer((client) => {
      const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
      client.pipe(server);
      server.on('data', (chunk: Buffer) => {
        const at = chunk.indexOf(COPY_DONE);
        if (at < 0) return void client.write(chunk);
        server.pause();
        client.write(chunk.subarray(0, at + COPY_DONE.length));
        setTimeout(() => {
          client.write(chunk.subarray(at + COPY_DONE.length));
          server.resume();
        }, 50);
      });
      const end = () => (client.destroy(), server.destroy());
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = new URL(upstream);
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as net.AddressInfo).port);
    const slow = await postgres.open(registry.resolve({ url: url.toString() }).config);
    try {
      for (const binary of [false, true]) {
        const read = await copyAll(slow.readCopyText!(table(), { key, columns, batchSize: 400, binary }));
        const format = binary ? 'binary' : 'text';
        expect(read.batches.map((b) => [b.rows, b.format])).toEqual([[400, format], [400, format], [200, format]]);
        expect(read.batches.map((b) => b.last)).toEqual([[39, 'k9'], [79, 'k9'], [99, 'k9']]);
      }
    } finally {
      await slow.close();
      await new Promise((r) => proxy.close(r));
    }
  });

  test('binary pages: decoded keys equal read\'s, and binary falls back to text where it cannot carry the same values', async () => {
    const s = await newSchema();
    await admin.exec(`CREATE TYPE "${s}".mood AS ENUM ('sad', 'ok')`);
    await admin.exec(`CREATE TABLE "${s}".k (i2 int2, i4 int4, i8 int8, t text, vc varchar(9), u uuid, m "${s}".mood, ts timestamptz, PRIMARY KEY (i2, i4, i8, t, vc, u))`);
    await admin.exec(`INSERT INTO "${s}".k VALUES
      (-32768, -2147483648, '-9223372036854775808', 'a\tb', 'ü 🚀', '00000000-0000-0000-0000-000000000000', 'sad', '2024-02-29 12:00:00.5+00'),
      (7, 0, '9007199254740993', 'a\\b', '', 'ffffffff-ffff-ffff-ffff-fffffffffffe', 'ok', NULL),
      (32767, 2147483647, '9223372036854775807', '', 'x', '0123abcd-4567-89ef-0123-456789abcdef', NULL, '1970-01-01 00:00:01+00')`);
    const key = ['i2', 'i4', 'i8', 't', 'vc', 'u'];
    const table = { schema: s, name: 'k' };
    const read = await readAll(session.read(table, { key, batchSize: 1 }));
    const builtIn = ['i2', 'i4', 'i8', 't', 'vc', 'u', 'ts'];
    const binary = await copyAll(session.readCopyText!(table, { key, columns: builtIn, batchSize: 1, binary: true }));
    expect(binary.batches.map((b) => b.format)).toEqual(['binary', 'binary', 'binary']);
    expect(binary.batches.map((b) => b.last)).toEqual(read.batches.map((b) => b.last));
    // An enum's binary form is its label, but user-defined types are database-local: text.
    const withEnum = await copyAll(session.readCopyText!(table, { key, columns: [...builtIn, 'm'], batchSize: 2, binary: true }));
    expect(withEnum.batches.map((b) => b.format)).toEqual(['text', 'text']);
    // A key type without a binary decoder (timestamptz): text, with the same lasts.
    const tsKey = await copyAll(session.readCopyText!(table, { key: ['ts', 'i2'], columns: builtIn, batchSize: 1, binary: true }));
    expect(new Set(tsKey.batches.map((b) => b.format))).toEqual(new Set(['text']));
    expect((await copyAll(session.readCopyText!(table, { key, columns: builtIn }))).batches[0]!.format).toBe('text');
  });

  test('binary batches append and upsert with their checkpoints; a row count that disagrees rolls back', async () => {
    const s = await newSchema();
    const dest = { schema: s, name: 'items' };
    await admin.exec(`CREATE TABLE "${s}".items (a int NOT NULL, b text NOT NULL, v int8, PRIMARY KEY (a, b))`);
    const other = await postgres.open(config());
    try {
      const batches = (await copyAll(session.readCopyText!(table(), { key, columns, batchSize: 600, binary: true }))).batches;
      expect(batches.map((b) => [b.rows, b.format])).toEqual([[600, 'binary'], [400, 'binary']]);
      const writer = await other.openWriter(dest, { columns, mode: 'append', highPerformance: true });
      expect(await writer.writeCopyText!(batches[0]!.text, 600, { stream: 's', state: 'one' }, 'binary')).toBe(600);
      await expect(writer.writeCopyText!(batches[1]!.text, 401, { stream: 's', state: 'two' }, 'binary')).rejects.toThrow(/took 400 of 401 rows/);
      expect(await other.readCheckpoint(dest, 's')).toBe('one');
      await writer.close();
      await admin.exec(`UPDATE "${s}".items SET v = -1`);
      const upserter = await other.openWriter(dest, { columns, mode: 'upsert', key, highPerformance: true });
      for (const b of batches) await upserter.writeCopyText!(b.text, b.rows, { stream: 's', state: JSON.stringify(b.last) }, b.format);
      await upserter.close();
      expect(await copyOf(s, 'items')).toBe(await copyOf(schema, 'items'));
      expect(await other.readCheckpoint(dest, 's')).toBe('[99,"k9"]');
      // Into an empty table an upsert loads straight in; a page whose keys exist then falls back to the merge.
      await admin.exec(`CREATE TABLE "${s}".fresh (LIKE "${s}".items INCLUDING ALL)`);
      const fresh = { schema: s, name: 'fresh' };
      const merger = await other.openWriter(fresh, { columns, mode: 'upsert', key, highPerformance: true });
      await merger.writeCopyText!(batches[0]!.text, 600, { stream: 'f', state: 'one' }, 'binary');
      await admin.exec(`UPDATE "${s}".fresh SET v = -v - 1 WHERE a < 30`);
      await merger.writeCopyText!(batches[0]!.text, 600, { stream: 'f', state: 'again', expected: 'one' }, 'binary');
      await merger.writeCopyText!(batches[1]!.text, 400, { stream: 'f', state: 'two', expected: 'again' }, 'binary');
      await merger.close();
      expect(await copyOf(s, 'fresh')).toBe(await copyOf(schema, 'items'));
      expect(await other.readCheckpoint(fresh, 'f')).toBe('two');
    } finally {
      await other.close();
    }
  });

  test.each(['text', 'binary'] as const)('every canonical type round-trips byte-exactly from one session to another (%s)', async (format) => {
    const s = await newSchema();
    const definition: TableDefinition = {
      columns: [{ name: 'id', type: { kind: 'int32' }, nullable: false }, ...ROUND_TRIP_COLUMNS.map((c) => ({ name: c.name, type: c.type, nullable: true }))],
      primaryKey: ['id'],
    };
    const cols = definition.columns.map((c) => c.name);
    const rows = roundTripRows(40);
    const src = { schema: s, name: 'src' };
    const dst = { schema: s, name: 'dst' };
    await session.createTable!(src, definition);
    await session.createTable!(dst, definition);
    const loader = await session.openWriter(src, { columns: cols, mode: 'append', highPerformance: true });
    await loader.write(rows);
    const other = await postgres.open(config());
    try {
      const writer = await other.openWriter(dst, { columns: cols, mode: 'append', highPerformance: true });
      let n = 0;
      for await (const b of session.readCopyText!(src, { key: ['id'], columns: cols, batchSize: 7, binary: format === 'binary' })) {
        expect(b.format).toBe(format);
        n += await writer.writeCopyText!(b.text, b.rows, { stream: 'rt', state: JSON.stringify(b.last) }, b.format);
      }
      expect(n).toBe(40);
      expect(await other.readCheckpoint(dst, 'rt')).toBe('[40]');
      const dump = async (t: { name: string }) =>
        (await admin.query(`SELECT string_agg(x::text, E'\\n' ORDER BY id) AS t FROM "${s}"."${t.name}" x`))[0] as { t: string };
      expect((await dump(dst)).t).toBe((await dump(src)).t);
      const back = (await readAll(other.read(dst, { key: ['id'] }))).rows;
      const kinds = definition.columns.map((c) => c.type.kind);
      const norm = (r: unknown[]) => r.map((v, i) => comparable(kinds[i]!, v));
      expect(back.map(norm)).toEqual(rows.map(norm));
    } finally {
      await other.close();
    }
  });
});
