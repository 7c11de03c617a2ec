import { randomBytes } from 'node:crypto';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type TableRef } from '@sluice/connector-sdk';
import mysql, { type MysqlConfig } from '@sluice/connector-mysql';
import { admin, fixture } from './fixture';
import { comparable } from '@sluice/connector-sdk/dist/testkit';

// Integration tests against the real MariaDB of SLUICE_MARIADB_URL; each test has its own database, dropped afterwards.
const url = process.env.SLUICE_MARIADB_URL;
const run = url ? describe : describe.skip;
const registry = new ConnectorRegistry().register(mysql as ConnectorPlugin);
const configOf = (u: string) => registry.resolve({ url: u }).config as MysqlConfig;
const qi = (n: string) => '`' + n.replace(/`/g, '``') + '`';

async function readAll(session: ConnectorSession, table: TableRef, key: string[], batchSize = 1000) {
  const rows: unknown[][] = [];
  for await (const batch of session.read(table, { key, batchSize })) rows.push(...batch.rows);
  return rows;
}

run('MySQL/MariaDB session', () => {
  let db: Awaited<ReturnType<typeof admin>>;
  const schemas: string[] = [];
  const sessions: ConnectorSession[] = [];
  const scratch = async (suffix = '') => {
    const name = `sluice_my_${randomBytes(4).toString('hex')}${suffix}`;
    await db.createSchema(name);
    schemas.push(name);
    return name;
  };
  const open = async (maxConnections?: number) => {
    const s = await mysql.open(configOf(url!), { maxConnections });
    sessions.push(s);
    return s;
  };
  const known = async () => {
    const schema = await scratch();
    for (const ddl of fixture.knownSchemaDdl(schema)) await db.exec(ddl);
    return schema;
  };

  beforeAll(async () => {
    db = await admin();
  });
  afterAll(async () => {
    for (const s of sessions) await s.close();
    for (const s of schemas) await db.dropSchema(s).catch(() => undefined);
    await db.close();
  });

  test('test operation: version details, stable failure codes, no password echoed', async () => {
    const ok = await mysql.test(configOf(url!));
    expect(ok.code).toBe('CONNECTION_OK');
    expect(ok.details.server_version?.[0]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ok.details.version?.[0]).toMatch(/^(MariaDB|MySQL) /);
    expect(Number(ok.details.latency_ms?.[0])).toBeGreaterThanOrEqual(0);
    const u = new URL(url!);
    u.password = 'N0t-The-Pa55';
    const denied = await mysql.test(configOf(u.toString()));
    expect(denied.code).toBe('AUTHENTICATION_FAILED');
    expect(JSON.stringify(denied)).not.toContain('N0t-The-Pa55');
    const missing = new URL(url!);
    missing.pathname = '/no_such_db_sluice';
    expect((await mysql.test(configOf(missing.toString()))).code).toBe('DATABASE_NOT_FOUND');
    const closed = new URL(url!);
    closed.port = '1';
    expect((await mysql.test(configOf(closed.toString()))).code).toBe('HOST_UNREACHABLE');
    const kerberos = await mysql.test({ ...configOf(url!), hooks_params: { Kerberos: { principal: 'x@Y' } } });
    expect(kerberos.code).toBe('INVALID_CONFIG');
    expect(kerberos.body).toContain('hooks_params.Kerberos');
    const tunnel = await mysql.test({ ...configOf(url!), hooks_params: { SSHTunnel: { host: 'bastion' } } });
    expect(tunnel.body).toContain('hooks_params.SSHTunnel');
    const controller = new AbortController();
    controller.abort();
    expect((await mysql.test(configOf(url!), { signal: controller.signal })).kind).toBe('error');
    // `prefer` falls back to plain when the server has no TLS; `require` does not.
    const prefer = await mysql.test({ ...configOf(url!), hooks_params: { SSL: { ssl_mode: 'prefer' } } });
    expect(prefer.code).toBe('CONNECTION_OK');
  });

  test('schemas are databases, system ones hidden', async () => {
    const schema = await scratch();
    const session = await open();
    const list = await session.listSchemas();
    expect(list).toContain(schema);
    expect(list).not.toContain('mysql');
    expect(list).not.toContain('information_schema');
    expect(await session.listDatabases()).toEqual(list);
  });

  test('introspection of the known schema: estimates, index DDL, MariaDB JSON from its CHECK', async () => {
    const schema = await known();
    await db.exec(`CREATE TABLE ${qi(schema)}.docs (id INT PRIMARY KEY, body JSON, ${qi('we`ird')} JSON, plain LONGTEXT, u UUID, n INT UNSIGNED, b BIGINT UNSIGNED, KEY pre (plain(10), id DESC))`);
    const session = await open();
    const tables = await session.introspect(schema);
    expect(tables.map((t) => t.name).sort()).toEqual(['customers', 'docs', 'order_lines', 'orders']);
    const orders = tables.find((t) => t.name === 'orders')!;
    expect(orders.rowEstimate).not.toBeNull();
    const idx = orders.indexes.find((i) => i.name === 'orders_customer_idx')!;
    expect(idx.definition).toBe(`CREATE INDEX \`orders_customer_idx\` ON ${qi(schema)}.\`orders\` (\`customer_id\`)`);
    const docs = tables.find((t) => t.name === 'docs')!;
    expect(docs.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', { kind: 'int32' }],
      ['body', { kind: 'json' }],
      ['we`ird', { kind: 'json' }],
      ['plain', { kind: 'text' }],
      ['u', { kind: 'uuid' }],
      ['n', { kind: 'int64' }],
      ['b', { kind: 'decimal', precision: 20, scale: 0 }],
    ]);
    expect(docs.indexes.find((i) => i.name === 'pre')!.definition).toBe(`CREATE INDEX \`pre\` ON ${qi(schema)}.\`docs\` (\`plain\`(10), \`id\` DESC)`);
    expect((await session.introspect(schema, { tables: ['docs'] })).map((t) => t.name)).toEqual(['docs']);
    expect((await session.introspect(schema, { includeViews: true })).some((t) => t.kind === 'view')).toBe(true);
  });

  const allTypes = {
    columns: [
      { name: 'id', type: { kind: 'int64' as const }, nullable: false },
      { name: 'i16', type: { kind: 'int16' as const }, nullable: true },
      { name: 'dec', type: { kind: 'decimal' as const, precision: 65, scale: 30 }, nullable: true },
      { name: 'f32', type: { kind: 'float32' as const }, nullable: true },
      { name: 'f64', type: { kind: 'float64' as const }, nullable: true },
      { name: 'flag', type: { kind: 'bool' as const }, nullable: true },
      { name: 'txt', type: { kind: 'text' as const }, nullable: true },
      { name: 'bin', type: { kind: 'bytes' as const }, nullable: true },
      { name: 'bin8', type: { kind: 'bytes' as const, maxLength: 8 }, nullable: true },
      { name: 'ts', type: { kind: 'timestamp' as const }, nullable: true },
      { name: 'tz', type: { kind: 'timestamptz' as const }, nullable: true },
      { name: 'tm', type: { kind: 'time' as const }, nullable: true },
      { name: 'doc', type: { kind: 'json' as const }, nullable: true },
      { name: 'uid', type: { kind: 'uuid' as const }, nullable: true },
    ],
    primaryKey: ['id'],
  };
  const allRows = [
    ['9007199254740993', -32768, '12345678901234567890123456789012345.123456789012345678901234567890', Math.fround(0.1), 0.1, true,
      'emoji 🚀 tab\t nl\n \\N \0 end', Buffer.from([0, 0, 255, 10, 9, 92, 0]), Buffer.from([0, 1]), '2024-02-29 12:00:00.000001',
      '2038-01-19T03:14:07.999999Z', '838:59:59', { s: 'ü\t"\\', n: [1, null] }, '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['-9223372036854775808', 32767, '-0.000000000000000000000000000001', -3.4028234663852886e38, -5e-324, false, '', Buffer.alloc(0),
      Buffer.alloc(8, 0), '1000-01-01 00:00:00', '1970-01-01T00:00:01Z', '-12:00:00.5', 'just a string', '00000000-0000-0000-0000-000000000000'],
    ['1', ...Array(13).fill(null)],
  ];
  // Instants compared as their UTC wall clock: a created table holds timestamptz in DATETIME(6), read back zone-less.
  const kinds = allTypes.columns.map((c) => c.type.kind);
  const canonical = (rows: unknown[][]) =>
    rows.map((r) =>
      r.map((v, i) =>
        i === 2 && typeof v === 'string'
          ? v.replace(/\.?0+$/, '').replace(/^-0\./, '-0.')
          : Buffer.isBuffer(v)
            ? v.toString('hex')
            : kinds[i] === 'timestamptz' || kinds[i] === 'timestamp'
              ? comparable(kinds[i]!, v)
              : v,
      ),
    );

  test.each([
    ['LOAD DATA', true, true],
    ['packet-sized INSERT (local_infile off)', true, false],
    ['plain INSERT', false, true],
  ])('round trip of every type through %s', async (_label, highPerformance, localInfile) => {
    const schema = await scratch();
    const session = await open();
    if (!localInfile) (session as unknown as { ctx: object }).ctx = { ...(session as unknown as { ctx: object }).ctx, localInfile: false };
    const table = { schema, name: 'all_types' };
    await session.createTable!(table, allTypes);
    const writer = await session.openWriter(table, { columns: allTypes.columns.map((c) => c.name), mode: 'append', highPerformance });
    expect(await writer.write(allRows)).toBe(3);
    await writer.close();
    const back = await readAll(session, table, ['id'], 2);
    const expected = [allRows[1]!, allRows[2]!, allRows[0]!].map((r) => [...r]);
    expected[0]![2] = '-0.000000000000000000000000000001000000000000000000000000000000'.slice(0, 34);
    expect(canonical(back)).toEqual(canonical(expected));
  });

  test('HP append of an existing key fails and rolls back (LOAD DATA only warns)', async () => {
    const schema = await scratch();
    const session = await open();
    const table = { schema, name: 't' };
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT PRIMARY KEY, v VARCHAR(10))`);
    const writer = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance: true });
    await writer.write([[1, 'a']]);
    await expect(writer.write([[2, 'b'], [1, 'dup']])).rejects.toThrow(/loaded 1 of 2 rows|Duplicate/);
    expect(await readAll(session, table, ['id'])).toEqual([[1, 'a']]);
    await expect(session.openWriter(table, { columns: ['id', 'v'], mode: 'upsert' })).rejects.toThrow(/needs a key/);
  });

  test('upsert twice is one copy, bulk and plain; batches larger than the packet budget split', async () => {
    const schema = await scratch();
    const session = await open();
    const table = { schema, name: 'up' };
    await session.createTable!(table, { columns: [{ name: 'k', type: { kind: 'text' }, nullable: false }, { name: 'v', type: { kind: 'text' }, nullable: true }], primaryKey: ['k'] });
    const big = 'x'.repeat(8000);
    const rows = Array.from({ length: 3000 }, (_, i) => [`key-${i}`, big + i]);
    for (const highPerformance of [true, false]) {
      const writer = await session.openWriter(table, { columns: ['k', 'v'], mode: 'upsert', key: ['k'], highPerformance });
      expect(await writer.write(rows)).toBe(3000);
      expect(await writer.write(rows)).toBe(3000);
      await writer.close();
    }
    const [count] = await db.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.up`);
    expect(Number(count!.n)).toBe(3000);
    // Keys differing only by case or trailing space stay distinct (binary NO PAD collation).
    const writer = await session.openWriter(table, { columns: ['k', 'v'], mode: 'upsert', key: ['k'] });
    await writer.write([['Key-1', 'upper'], ['key-1 ', 'space']]);
    await writer.close();
    const [after] = await db.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.up`);
    expect(Number(after!.n)).toBe(3002);
  });

  test('reads resume after a cursor, honour since and stop on abort', async () => {
    const schema = await scratch();
    const session = await open();
    const table = { schema, name: 'r' };
    await db.exec(`CREATE TABLE ${qi(schema)}.r (a INT NOT NULL, b VARCHAR(5) NOT NULL, v INT, PRIMARY KEY (a, b))`);
    const writer = await session.openWriter(table, { columns: ['a', 'b', 'v'], mode: 'append', highPerformance: true });
    await writer.write(Array.from({ length: 300 }, (_, i) => [i % 10, `b${Math.floor(i / 10)}`, i]));
    await writer.close();
    const first: unknown[][] = [];
    let last: unknown[] = [];
    for await (const batch of session.read(table, { key: ['a', 'b'], columns: ['v'], batchSize: 40 })) {
      first.push(...batch.rows);
      last = batch.last;
      if (first.length >= 120) break;
    }
    const rest: unknown[][] = [];
    for await (const batch of session.read(table, { key: ['a', 'b'], columns: ['v'], after: last, batchSize: 40 })) rest.push(...batch.rows);
    const all = [...first, ...rest].map((r) => r[0]);
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
    const since: unknown[][] = [];
    for await (const batch of session.read(table, { key: ['a', 'b'], since: { column: 'v', value: 289 } })) since.push(...batch.rows);
    expect(since.length).toBe(10);
    const controller = new AbortController();
    let batches = 0;
    for await (const _ of session.read(table, { key: ['a', 'b'], batchSize: 10, signal: controller.signal })) {
      batches++;
      controller.abort();
    }
    expect(batches).toBe(1);
    // batchBytes: a small first page, then pages of these small rows grow past batchSize (up to 10×), nothing lost or repeated.
    const grown: number[] = [];
    const values: unknown[] = [];
    for await (const batch of session.read(table, { key: ['a', 'b'], columns: ['v'], batchSize: 10, batchBytes: 600 })) {
      grown.push(batch.rows.length);
      values.push(...batch.rows.map((r) => r[0]));
    }
    expect(grown[0]).toBe(1);
    expect(grown[1]).toBeGreaterThan(10);
    expect(Math.max(...grown)).toBeLessThanOrEqual(100);
    expect(values.sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  test('consecutive `until` ranges (expanded OR form) read the whole table once, also with since; keyBounds', async () => {
    const schema = await scratch();
    const session = await open();
    const table = { schema, name: 'ranges' };
    await db.exec(`CREATE TABLE ${qi(schema)}.ranges (a BIGINT NOT NULL, b VARCHAR(5) NOT NULL, v INT, PRIMARY KEY (a, b))`);
    const a = (n: number) => (9007199254740990n + BigInt(n)).toString(); // beyond 2^53: exact only as strings
    const rows = Array.from({ length: 300 }, (_, i) => [a(Math.floor(i / 10)), `b${i % 10}`, i]);
    const writer = await session.openWriter(table, { columns: ['a', 'b', 'v'], mode: 'append' });
    await writer.write(rows.slice().reverse());
    await writer.close();
    const key = ['a', 'b'];
    const read = async (options: Partial<Parameters<ConnectorSession['read']>[1]>) => {
      const got: unknown[][] = [];
      for await (const batch of session.read(table, { key, batchSize: 40, ...options })) got.push(...batch.rows);
      return got;
    };
    const k1 = [a(7), 'b3'];
    const k2 = [a(21), 'b0'];
    const ranges: [unknown[] | null, unknown[] | null][] = [[null, k1], [k1, k2], [k2, null]];
    for (const since of [null, { column: 'v', value: 150 }]) {
      const whole = await read({ since });
      const parts: unknown[][][] = [];
      for (const [after, until] of ranges) parts.push(await read({ since, after, until }));
      expect(parts.flat()).toEqual(whole);
      if (since) expect(parts.map((p) => p.length)).toEqual([0, 60, 89]);
      else {
        expect(whole).toEqual(rows);
        expect(parts.map((p) => p.length)).toEqual([74, 137, 89]);
        expect(parts[0]!.at(-1)!.slice(0, 2)).toEqual(k1); // inclusive end
      }
    }
    expect(await read({ after: k2, until: k1 })).toEqual([]);
    expect(await read({ after: k1, until: k1 })).toEqual([]);
    await expect(read({ until: [a(1)] })).rejects.toThrow(/values for key/);

    expect(await session.keyBounds(table, 'a')).toEqual({ min: a(0), max: a(29) });
    expect(await session.keyBounds(table, 'v')).toEqual({ min: 0, max: 299 });
    await db.exec(`CREATE TABLE ${qi(schema)}.big (id BIGINT PRIMARY KEY)`);
    const big = { schema, name: 'big' };
    expect(await session.keyBounds(big, 'id')).toBeNull();
    await db.exec(`INSERT INTO ${qi(schema)}.big VALUES (9007199254740993), (-9223372036854775808), (9223372036854775807), (5)`);
    expect(await session.keyBounds(big, 'id')).toEqual({ min: '-9223372036854775808', max: '9223372036854775807' });
    await expect(session.keyBounds(big, 'nope')).rejects.toThrow(/nope/);
  });

  test('identity: refused without identityInsert; close() moves AUTO_INCREMENT past the max', async () => {
    const schema = await known();
    const session = await open();
    const customers = { schema, name: 'customers' };
    await expect(session.openWriter(customers, { columns: ['id', 'email', 'created_at'], mode: 'append' })).rejects.toThrow(/id .*AUTO_INCREMENT.*identityInsert/);
    const writer = await session.openWriter(customers, { columns: ['id', 'email', 'created_at'], mode: 'append', identityInsert: true, highPerformance: true });
    await writer.write([['5000', 'a@x', '2024-01-01T00:00:00Z']]);
    await writer.close();
    await db.exec(`INSERT INTO ${qi(schema)}.customers (email, created_at) VALUES ('b@x', '2024-01-01')`);
    const rows = await readAll(session, customers, ['id']);
    expect(rows.map((r) => r[0])).toEqual(['5000', '5001']);
    expect(rows[0]![3]).toBe('2024-01-01T00:00:00Z');
  });

  test('capabilities: truncate, deleteRows, foreign keys, indexes, unique constraints', async () => {
    const schema = await known();
    const session = await open();
    const t = (name: string) => ({ schema, name });
    await db.exec(`INSERT INTO ${qi(schema)}.customers (id, email, created_at) VALUES (1, 'a', NOW()), (2, 'b', NOW())`);
    await db.exec(`INSERT INTO ${qi(schema)}.orders (id, customer_id, total) VALUES (1, 1, 1.5), (2, 2, 2.5)`);
    await db.exec(`INSERT INTO ${qi(schema)}.order_lines VALUES (1, 1, 'a', 1), (1, 2, 'b', 1), (2, 1, 'c', 1)`);
    await expect(session.truncate!(t('orders'))).rejects.toThrow(/referenced by foreign key.*order_lines_order_fk/);
    expect(await session.deleteRows!(t('order_lines'), ['order_id', 'line_no'], [['1', 2], ['2', 1], ['9', 9]])).toBe(2);
    const fks = await session.dropForeignKeys!(t('order_lines'));
    expect(fks).toEqual([expect.objectContaining({ name: 'order_lines_order_fk', columns: ['order_id'], referencedTable: 'orders' })]);
    await session.truncate!(t('orders'));
    await db.exec(`INSERT INTO ${qi(schema)}.orders (id, customer_id, total) VALUES (1, 1, 1.5)`);
    await session.restoreForeignKeys!(t('order_lines'), fks);
    await session.restoreForeignKeys!(t('order_lines'), fks); // a retried restore is harmless
    // The only index behind orders_customer_fk: the key keeps a minimal index during the load, dropped again on restore.
    const before = (await session.introspect(schema, { tables: ['orders'] }))[0]!;
    const dropped = await session.dropIndexes!(t('orders'));
    expect(dropped.map((i) => i.name)).toEqual(['orders_customer_idx']);
    const during = (await session.introspect(schema, { tables: ['orders'] }))[0]!;
    expect(during.foreignKeys).toEqual(before.foreignKeys);
    await session.restoreIndexes!(t('orders'), dropped);
    expect((await session.introspect(schema, { tables: ['orders'] }))[0]).toEqual(before);
    const uniques = await session.dropUniqueConstraints!(t('customers'));
    expect(uniques).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);
    await session.restoreUniqueConstraints!(t('customers'), uniques);
    await session.restoreUniqueConstraints!(t('customers'), uniques);
    expect((await session.introspect(schema, { tables: ['customers'] }))[0]!.uniqueConstraints).toEqual(uniques);
    await session.dropTable!(t('order_lines'));
    expect((await session.introspect(schema)).map((x) => x.name).sort()).toEqual(['customers', 'orders']);
  });

  test('adversarial identifiers (BMP only: MySQL identifiers cannot hold 4-byte characters)', async () => {
    const schema = await scratch(` "we'ird\`; Schéma`);
    const session = await open();
    const sentinel = { schema, name: 'sentinel' };
    await session.createTable!(sentinel, { columns: [{ name: 'id', type: { kind: 'int32' }, nullable: false }], primaryKey: ['id'] });
    const names = [`x"; DROP TABLE sentinel; --`, 'back`tick', 'sp ace', 'semi;colon', 'MixedCase', 'select', 'ünïcødé ✓ 日本', `it's`, '\\N'];
    const table = { schema, name: `T "ab\`le'; DROP TABLE sentinel; --` };
    await session.createTable!(table, {
      columns: [{ name: 'id', type: { kind: 'int32' }, nullable: false }, ...names.map((n) => ({ name: n, type: { kind: 'bytes' as const }, nullable: true }))],
      primaryKey: ['id'],
      uniqueConstraints: [{ name: `u "x\`'`, columns: ['select'] }],
    });
    const columns = ['id', ...names];
    for (const [i, highPerformance] of [true, false].entries()) {
      for (const mode of ['append', 'upsert'] as const) {
        const writer = await session.openWriter(table, { columns, mode, key: ['id'], highPerformance });
        await writer.write([[i + 1, ...names.map((n) => Buffer.from(n + mode + i))]]);
        await writer.close();
      }
    }
    const rows = await readAll(session, table, ['id']);
    expect(rows.map((r) => r.map((v) => (Buffer.isBuffer(v) ? v.toString() : v)))).toEqual([1, 2].map((id) => [id, ...names.map((n) => n + 'upsert' + (id - 1))]));
    const [t] = await session.introspect(schema, { tables: [table.name] });
    expect(t!.uniqueConstraints).toEqual([{ name: `u "x\`'`, columns: ['select'] }]);
    expect(await session.deleteRows!(table, ['id'], [[1]])).toBe(1);
    expect(await db.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.sentinel`)).toEqual([{ n: "0" }]); // bigNumberStrings
  });

  const count = async (schema: string, name: string) => Number((await db.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.${qi(name)}`))[0]!.n);

  test('defaultSchema is the config database', async () => {
    const session = await open();
    expect(session.defaultSchema).toBe(configOf(url!).database);
    expect(session.defaultSchema).toBe(decodeURIComponent(new URL(url!).pathname.slice(1)));
  });

  test('checkpoints: absent is null, written with a batch, set and cleared on their own, kept per table and stream', async () => {
    const schema = await scratch();
    const session = await open();
    const table = { schema, name: 't' };
    // No state table yet: null, and nothing is created by reading.
    expect(await session.readCheckpoint!(table, 's1')).toBeNull();
    expect(await db.query(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${schema}'`)).toEqual([]);
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)`);
    const writer = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append' });
    expect(await writer.write([[1, 'a'], [2, 'b']], { stream: 's1', state: '{"after":[2]}' })).toBe(2);
    await writer.close();
    expect(await session.readCheckpoint!(table, 's1')).toBe('{"after":[2]}');
    expect(await session.readCheckpoint!(table, 's2')).toBeNull();
    expect(await session.readCheckpoint!({ schema, name: 'other' }, 's1')).toBeNull();
    // The state table as specified: table_name, stream, state, updated_at; key (table_name, stream).
    const cols = await db.query(
      `SELECT COLUMN_NAME AS c, DATA_TYPE AS d, CHARACTER_MAXIMUM_LENGTH AS l, COLUMN_KEY AS k FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = '${schema}' AND TABLE_NAME = '_sluice_state' ORDER BY ORDINAL_POSITION`);
    expect(cols.map((c) => [c.c, c.d, c.k])).toEqual([['table_name', 'varchar', 'PRI'], ['stream', 'varchar', 'PRI'], ['state', 'longtext', ''], ['updated_at', 'timestamp', '']]);
    const [stamp] = await db.query(`SELECT TIMESTAMPDIFF(SECOND, updated_at, UTC_TIMESTAMP(6)) AS age FROM ${qi(schema)}._sluice_state`);
    expect(Math.abs(Number(stamp!.age))).toBeLessThan(60);
    // A big state and a quote-laden stream name round-trip (values are bound).
    const big = JSON.stringify({ after: ['x'.repeat(100_000)], s: "it's `q` \\ \u00fc" });
    await session.writeCheckpoint!(table, "str'eam`", big);
    expect(await session.readCheckpoint!(table, "str'eam`")).toBe(big);
    await session.writeCheckpoint!(table, 's1', 'replaced');
    expect(await session.readCheckpoint!(table, 's1')).toBe('replaced');
    await session.writeCheckpoint!(table, 's1', null);
    expect(await session.readCheckpoint!(table, 's1')).toBeNull();
    expect(await session.readCheckpoint!(table, "str'eam`")).toBe(big);
    await session.writeCheckpoint!(table, 'never-set', null); // clearing nothing is fine
    await session.writeCheckpoint!({ schema: await scratch(), name: 'x' }, 's', null); // …even without a state table
    // Dropped behind the session's back: created again on the next write.
    await db.exec(`DROP TABLE ${qi(schema)}._sluice_state`);
    await session.writeCheckpoint!(table, 's1', 'again');
    expect(await session.readCheckpoint!(table, 's1')).toBe('again');
    await db.exec(`DROP TABLE ${qi(schema)}._sluice_state`);
    const again = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append' });
    expect(await again.write([[3, 'c']], { stream: 's1', state: 'three' })).toBe(1);
    expect(await again.write([], { stream: 's1', state: 'empty batch' })).toBe(0);
    await again.close();
    expect(await session.readCheckpoint!(table, 's1')).toBe('empty batch');
    expect(await count(schema, 't')).toBe(3);
  });

  test.each([
    ['LOAD DATA append', 'append', true, true],
    ['LOAD DATA upsert (staging + INSERT … SELECT)', 'upsert', true, true],
    ['packet-sized INSERT append', 'append', true, false],
    ['plain INSERT append', 'append', false, true],
    ['plain INSERT upsert', 'upsert', false, true],
  ] as const)('%s: a failed batch leaves the previous checkpoint and writes no row', async (_label, mode, highPerformance, localInfile) => {
    const schema = await scratch();
    const session = await open();
    if (!localInfile) (session as unknown as { ctx: object }).ctx = { ...(session as unknown as { ctx: object }).ctx, localInfile: false };
    const table = { schema, name: 't' };
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)`);
    const writer = await session.openWriter(table, { columns: ['id', 'v'], mode, key: ['id'], highPerformance });
    expect(await writer.write([[1, 'a'], [2, 'b']], { stream: 's', state: 'one' })).toBe(2);
    expect(await session.readCheckpoint!(table, 's')).toBe('one');
    // NOT NULL violation in the last row: the good rows before it and the checkpoint roll back with it.
    await expect(writer.write([[3, 'c'], mode === 'upsert' ? [1, 'changed'] : [5, 'e'], [4, null]], { stream: 's', state: 'two' })).rejects.toThrow(/cannot be null|loaded \d+ of 3 rows|warning/i);
    expect(await session.readCheckpoint!(table, 's')).toBe('one');
    expect(await readAll(session, table, ['id'])).toEqual([[1, 'a'], [2, 'b']]);
    // The writer stays usable: the next batch commits with its checkpoint.
    expect(await writer.write([[3, 'c']], { stream: 's', state: 'three' })).toBe(1);
    await writer.close();
    expect(await session.readCheckpoint!(table, 's')).toBe('three');
    expect(await count(schema, 't')).toBe(3);
  });

  test('createTableLike copies columns, keys and indexes, empty', async () => {
    const schema = await known();
    const session = await open();
    await db.exec(`INSERT INTO ${qi(schema)}.customers (id, email, created_at) VALUES (1, 'a', NOW())`);
    await db.exec(`INSERT INTO ${qi(schema)}.orders (id, customer_id, total) VALUES (1, 1, 1.5)`);
    for (const name of ['orders', 'customers']) {
      const copy = `_sluice_stg_${name}_x`;
      await session.createTableLike!({ schema, name }, { schema, name: copy });
      const [orig] = await session.introspect(schema, { tables: [name] });
      const [like] = await session.introspect(schema, { tables: [copy] });
      // The same columns; the empty copy's counter is its own (identityNext: where each generator stands).
      const columns = (t: typeof orig) => t!.columns.map(({ identityNext: _next, ...c }) => c);
      expect(columns(like)).toEqual(columns(orig));
      expect(like!.primaryKey).toEqual(orig!.primaryKey);
      expect(like!.uniqueConstraints).toEqual(orig!.uniqueConstraints);
      const shape = (t: typeof orig) => t!.indexes.map((i) => ({ name: i.name, columns: i.columns, unique: i.unique, definition: i.definition?.replace(qi(t!.name), '?') }));
      expect(shape(like)).toEqual(shape(orig));
      expect(await count(schema, copy)).toBe(0);
    }
    await expect(session.createTableLike!({ schema, name: 'orders' }, { schema, name: 'customers' })).rejects.toThrow(/already exists/);
  });

  test('swapTable: a concurrent reader sees the old or the new table, never empty or partial; state and staging gone', async () => {
    const schema = await scratch();
    const session = await open();
    const target = { schema, name: 'big' };
    const staging = { schema, name: '_sluice_stg_big_abc' };
    await db.exec(`CREATE TABLE ${qi(schema)}.big (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, KEY v_idx (v))`);
    await db.exec(`CREATE VIEW ${qi(schema)}.big_view AS SELECT id FROM ${qi(schema)}.big`);
    const fill = async (t: TableRef, n: number, tag: string) => {
      const writer = await session.openWriter(t, { columns: ['id', 'v'], mode: 'append', highPerformance: true });
      await writer.write(Array.from({ length: n }, (_, i) => [i, `${tag}${i}`]), { stream: 'src.big', state: `${tag}-done` });
      await writer.close();
    };
    await fill(target, 3000, 'old');
    await session.createTableLike!(target, staging);
    await fill(staging, 5000, 'new');
    await session.writeCheckpoint!(staging, 'other', 'x');
    expect(await session.readCheckpoint!(staging, 'src.big')).toBe('new-done');

    const reader = await admin();
    const seen = new Map<number, number>();
    const errors: string[] = [];
    let swapped = false;
    let after = 0;
    const poll = (async () => {
      while (after < 20) {
        try {
          const n = Number((await reader.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.big`))[0]!.n);
          seen.set(n, (seen.get(n) ?? 0) + 1);
        } catch (err) {
          errors.push((err as Error).message);
        }
        if (swapped) after++;
      }
    })();
    try {
      while ((seen.get(3000) ?? 0) < 10) await new Promise((r) => setTimeout(r, 5));
      await session.swapTable!(staging, target);
      swapped = true;
      await poll;
    } finally {
      swapped = true;
      after = 20;
      await poll.catch(() => undefined);
      await reader.close();
    }
    expect(errors).toEqual([]);
    expect([...seen.keys()].sort()).toEqual([3000, 5000]);
    expect(await count(schema, 'big')).toBe(5000);
    expect(Number((await db.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.big_view`))[0]!.n)).toBe(5000);
    expect((await db.query(`SELECT v FROM ${qi(schema)}.big WHERE id = 7`))[0]!.v).toBe('new7');
    expect((await session.introspect(schema, { tables: ['big'] }))[0]!.indexes.map((i) => i.name).sort()).toEqual(['PRIMARY', 'v_idx']);
    const left = await db.query(`SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${schema}' ORDER BY TABLE_NAME`);
    expect(left.map((r) => r.n).sort()).toEqual(['_sluice_state', 'big', 'big_view']);
    expect(await session.readCheckpoint!(staging, 'src.big')).toBeNull();
    expect(await session.readCheckpoint!(staging, 'other')).toBeNull();
    expect(await session.readCheckpoint!(target, 'src.big')).toBe('old-done');
    await expect(session.swapTable!(staging, target)).rejects.toThrow(/_sluice_stg_big_abc does not exist/);
  });

  test('swapTable refuses, changing nothing, when the old table has triggers or is referenced by foreign keys', async () => {
    const schema = await known();
    const session = await open();
    const t = (name: string) => ({ schema, name });
    await session.createTableLike!(t('orders'), t('_sluice_stg_orders'));
    await expect(session.swapTable!(t('_sluice_stg_orders'), t('orders'))).rejects.toThrow(/foreign key order_lines_order_fk on .*\.order_lines/);
    await db.exec(`CREATE TABLE ${qi(schema)}.audit (n INT)`);
    for (const ddl of fixture.triggerDdl!(schema, 'order_lines')) await db.exec(ddl);
    await session.createTableLike!(t('order_lines'), t('_sluice_stg_lines'));
    await expect(session.swapTable!(t('_sluice_stg_lines'), t('order_lines'))).rejects.toThrow(/trigger order_lines_audit/);
    const names = (await db.query(`SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${schema}' ORDER BY TABLE_NAME`)).map((r) => r.n).sort();
    expect(names).toEqual(['_sluice_stg_lines', '_sluice_stg_orders', 'audit', 'customer_emails', 'customers', 'order_lines', 'orders']);
    // A target that does not exist yet: the staging table is just renamed.
    await session.swapTable!(t('_sluice_stg_orders'), t('fresh'));
    expect((await session.introspect(schema, { tables: ['fresh'] })).map((x) => x.name)).toEqual(['fresh']);
  });

  test("introspection hides Sluice's own tables unless asked for by name", async () => {
    const schema = await known();
    const session = await open();
    await session.writeCheckpoint!({ schema, name: 'orders' }, 's', 'x');
    await session.createTableLike!({ schema, name: 'orders' }, { schema, name: '_sluice_stg_orders_1' });
    await db.exec(`CREATE TABLE ${qi(schema)}._sluice_other (id INT)`);
    const names = (await session.introspect(schema, { includeViews: true })).map((t) => t.name).sort();
    expect(names).toEqual(['_sluice_other', 'customer_emails', 'customers', 'order_lines', 'orders']);
    const asked = await session.introspect(schema, { tables: ['_sluice_state', '_sluice_stg_orders_1'] });
    expect(asked.map((t) => t.name).sort()).toEqual(['_sluice_state', '_sluice_stg_orders_1']);
    expect(asked.find((t) => t.name === '_sluice_state')!.primaryKey).toEqual(['table_name', 'stream']);
  });

  test('sessions hold at most maxConnections and release them on close', async () => {
    const baseline = await db.openConnectionCount();
    const session = await mysql.open(configOf(url!), { maxConnections: 2 });
    await Promise.all(Array.from({ length: 6 }, () => session.listSchemas()));
    expect((await db.openConnectionCount()) - baseline).toBeLessThanOrEqual(2);
    await session.close();
    await session.close();
    let open = await db.openConnectionCount();
    for (let i = 0; i < 20 && open > baseline; i++) {
      await new Promise((r) => setTimeout(r, 100));
      open = await db.openConnectionCount();
    }
    expect(open).toBe(baseline);
  });
});
