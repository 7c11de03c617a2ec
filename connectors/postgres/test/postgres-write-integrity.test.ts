import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type CopyTextBatch, type WriterOptions } from '@sluice/connector-sdk';
import postgres from '@sluice/connector-postgres';

// The PostgreSQL writer accounts for every row of a batch, and writes around generated columns.
const registry = new ConnectorRegistry().register(postgres as ConnectorPlugin);
const qi = (name: string) => '"' + name.replace(/"/g, '""') + '"';

let admin: Client;
let session: ConnectorSession;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new Client({ connectionString: process.env.SLUICE_PG_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  session = await postgres.open(registry.resolve({ url: process.env.SLUICE_PG_URL! }).config);
});
afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`);
  await session.close();
  await admin.end();
});

async function newSchema(): Promise<string> {
  const name = `sluice_w_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${qi(name)}`);
  schemas.push(name);
  return name;
}

/** A table whose BEFORE INSERT trigger silently drops the row with id 2 (and, with `onUpdate`, skips updating it). */
async function droppingTable(schema: string, columns = 'id integer PRIMARY KEY, v text'): Promise<string> {
  const s = qi(schema);
  await admin.query(`CREATE TABLE ${s}.t (${columns})`);
  await admin.query(`CREATE FUNCTION ${s}.drop_two() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.id = 2 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
  await admin.query(`CREATE TRIGGER drop_two BEFORE INSERT ON ${s}.t FOR EACH ROW EXECUTE FUNCTION ${s}.drop_two()`);
  return `${s}.t`;
}

const count = async (table: string) => (await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

describe('a row the destination silently drops fails the batch, naming the table and the key', () => {
  const rows = [[1, 'one'], [2, 'two'], [3, 'three']];
  test.each([
    ['append, multi-row INSERT', { mode: 'append', highPerformance: false }],
    ['append, COPY', { mode: 'append', highPerformance: true }],
    ['upsert, INSERT … ON CONFLICT', { mode: 'upsert', highPerformance: false }],
    ['upsert, COPY straight in', { mode: 'upsert', highPerformance: true }],
  ] as const)('%s', async (_label, mode) => {
    const schema = await newSchema();
    const t = await droppingTable(schema);
    const writer = await session.openWriter({ schema, name: 't' }, { columns: ['id', 'v'], key: ['id'], ...mode } as WriterOptions);
    await expect(writer.write(rows, { stream: 's', state: 'after-batch' })).rejects.toThrow(
      new RegExp(`into ${schema}\\.t took 2 of 3 rows; first key not in the table: \\(id\\) = \\[2\\]`),
    );
    await writer.close();
    expect(await count(t)).toBe(0);
    expect(await session.readCheckpoint({ schema, name: 't' }, 's')).toBeNull();
  });

  test('upsert through the staged merge (keys already there) and a prepared COPY batch', async () => {
    const schema = await newSchema();
    const t = await droppingTable(schema);
    await admin.query(`INSERT INTO ${t} VALUES (1, 'old')`);
    const upsert = await session.openWriter({ schema, name: 't' }, { columns: ['id', 'v'], key: ['id'], mode: 'upsert', highPerformance: true });
    // The direct COPY hits the existing key 1 and turns to the stage; its merge loses id 2.
    const error = await upsert.write(rows).catch((e: Error) => e);
    expect(String(error)).toMatch(/INSERT … SELECT from the stage into .*\.t took 2 of 3 rows; first key not in the table: \(id\) = \[2\]/);
    expect((error as { retryable?: boolean }).retryable).toBe(false);
    await upsert.close();
    const append = await session.openWriter({ schema, name: 't' }, { columns: ['id', 'v'], mode: 'append', highPerformance: true });
    const prepared = append.prepare!([[5, 'five']]);
    prepared.add([[2, 'two']]);
    await expect(prepared.write()).rejects.toThrow(/COPY into .*\.t took 1 of 2 rows/);
    await append.close();
    expect((await admin.query(`SELECT id, v FROM ${t}`)).rows).toEqual([{ id: 1, v: 'old' }]);
  });

  test('writeCopyText (a page from another session) and an upsert of a keys-only table', async () => {
    const schema = await newSchema();
    const s = qi(schema);
    await admin.query(`CREATE TABLE ${s}.src (id integer PRIMARY KEY)`);
    await admin.query(`INSERT INTO ${s}.src VALUES (1), (2), (3)`);
    const t = await droppingTable(schema, 'id integer PRIMARY KEY');
    const pages: CopyTextBatch[] = [];
    for await (const page of session.readCopyText!({ schema, name: 'src' }, { key: ['id'], columns: ['id'] })) pages.push(page);
    const copier = await session.openWriter({ schema, name: 't' }, { columns: ['id'], mode: 'append', highPerformance: true });
    await expect(copier.writeCopyText!(pages[0]!.text, pages[0]!.rows)).rejects.toThrow(/took 2 of 3 rows/);
    await copier.close();
    // Keys only: ON CONFLICT DO UPDATE of the key itself, so each row counts once (DO NOTHING would count 0 for a row that is there).
    const keysOnly = await session.openWriter({ schema, name: 't' }, { columns: ['id'], key: ['id'], mode: 'upsert' });
    expect(await keysOnly.write([[1], [3]])).toBe(2);
    expect(await keysOnly.write([[1], [3]])).toBe(2); // both there already: still counted
    await expect(keysOnly.write([[1], [2]])).rejects.toThrow(/first key not in the table: \(id\) = \[2\]/);
    await keysOnly.close();
    expect((await admin.query(`SELECT id FROM ${t} ORDER BY id`)).rows).toEqual([{ id: 1 }, { id: 3 }]);
  });
});

describe('stored generated columns are computed by the destination, not written', () => {
  const columns = ['id', 'price', 'with_tax', 'note'];
  const rows = [[1, '10.00', 'ignored', 'a'], [2, '2.50', null, 'b']];
  const expected = [
    { id: 1, price: '10.00', with_tax: '12.000', note: 'a' },
    { id: 2, price: '2.50', with_tax: '3.000', note: 'b' },
  ];
  async function generatedTable(schema: string, name = 't'): Promise<string> {
    const t = `${qi(schema)}.${qi(name)}`;
    await admin.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, price numeric(10,2), with_tax numeric GENERATED ALWAYS AS (price * 1.2) STORED, note text)`);
    return t;
  }
  const contents = async (t: string) => (await admin.query(`SELECT id, price::text, with_tax::text, note FROM ${t} ORDER BY id`)).rows;

  test.each([
    ['append, INSERT', 'append', false],
    ['append, COPY', 'append', true],
    ['upsert, INSERT', 'upsert', false],
    ['upsert, COPY', 'upsert', true],
  ] as const)('%s', async (_label, mode, highPerformance) => {
    const schema = await newSchema();
    const t = await generatedTable(schema);
    const writer = await session.openWriter({ schema, name: 't' }, { columns, key: ['id'], mode, highPerformance });
    expect(await writer.write(rows)).toBe(2);
    if (mode === 'upsert') expect(await writer.write([[2, '5.00', 'x', 'c']])).toBe(1);
    await writer.close();
    expect(await contents(t)).toEqual(mode === 'upsert' ? [expected[0], { id: 2, price: '5.00', with_tax: '6.000', note: 'c' }] : expected);
  });

  test.each(['append', 'upsert'] as const)('COPY pages from another session carrying the generated column (%s)', async (mode) => {
    const schema = await newSchema();
    const src = await generatedTable(schema, 'src');
    await admin.query(`INSERT INTO ${src} (id, price, note) VALUES (1, 10, 'a'), (2, 2.5, 'b')`);
    const t = await generatedTable(schema);
    const writer = await session.openWriter({ schema, name: 't' }, { columns, key: ['id'], mode, highPerformance: true });
    for (const format of ['text', 'binary'] as const) {
      for await (const page of session.readCopyText!({ schema, name: 'src' }, { key: ['id'], columns, binary: format === 'binary' })) {
        expect(await writer.writeCopyText!(page.text, page.rows, undefined, page.format ?? format)).toBe(2);
      }
      if (mode === 'append') break; // the second round would repeat the keys
    }
    await writer.close();
    expect(await contents(t)).toEqual(expected);
  });
});

test('a serial column whose sequence came from exportDdl: the writer moves it past the copied maximum', async () => {
  const a = await newSchema();
  const b = await newSchema();
  await admin.query(`CREATE TABLE ${qi(a)}.t (id serial PRIMARY KEY, n bigint GENERATED BY DEFAULT AS IDENTITY, v text)`);
  const ddl = await session.exportDdl!(a, { tables: ['t'] });
  await session.applyDdl!(b, ddl.prerequisites);
  await session.applyDdl!(b, ddl.tables[0]!.create);
  await session.applyDdl!(b, ddl.tables[0]!.keys);
  const writer = await session.openWriter({ schema: b, name: 't' }, { columns: ['id', 'n', 'v'], mode: 'append', identityInsert: true, highPerformance: true });
  await writer.write([[0, 0, 'zero'], [41, 7, 'x']]);
  await writer.close();
  const { rows } = await admin.query(`INSERT INTO ${qi(b)}.t (v) VALUES ('new') RETURNING id, n`);
  expect(rows).toEqual([{ id: 42, n: '8' }]);
});

test('two sessions applying the same types and tables at once: both succeed, one of each exists', async () => {
  const a = await newSchema();
  const b = await newSchema();
  await admin.query(`CREATE TYPE ${qi(a)}.mood AS ENUM ('sad', 'ok')`);
  await admin.query(`CREATE DOMAIN ${qi(a)}.pos AS integer CHECK (VALUE > 0)`);
  await admin.query(`CREATE TABLE ${qi(a)}.t1 (id ${qi(a)}.pos PRIMARY KEY, m ${qi(a)}.mood)`);
  await admin.query(`CREATE TABLE ${qi(a)}.t2 (id integer PRIMARY KEY, m ${qi(a)}.mood)`);
  const other = await postgres.open(registry.resolve({ url: process.env.SLUICE_PG_URL! }).config);
  try {
    const [d1, d2] = [await session.exportDdl!(a, { tables: ['t1'] }), await session.exportDdl!(a, { tables: ['t2'] })];
    expect(d2.prerequisites.map((s) => s.object)).toEqual(['type mood']);
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        session.applyDdl!(b, [...d1.prerequisites, ...d1.tables[0]!.create]),
        other.applyDdl!(b, [...d2.prerequisites, ...d2.tables[0]!.create]),
      ]);
    }
  } finally {
    await other.close();
  }
  const { rows } = await admin.query(`SELECT typname FROM pg_type WHERE typnamespace = $1::regnamespace AND typtype IN ('e', 'd') ORDER BY 1`, [b]);
  expect(rows.map((r) => r.typname)).toEqual(['mood', 'pos']);
});
