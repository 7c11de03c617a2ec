import { randomBytes } from 'node:crypto';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type WriterOptions } from '@sluice/connector-sdk';
import { createConnection, type PoolConnection } from 'mysql2/promise';
import mysql, { KeyCheck, parseLoadInfo, quoteIdent, sessionSqlMode, type MysqlConfig } from '@sluice/connector-mysql';
import { admin } from './fixture';

// A completed batch is exactly the batch on every write path: rows the destination would renumber, drop,
// fold together or change fail the batch (rolled back, naming the table and the key), never a silent success.
const url = process.env.SLUICE_MARIADB_URL;
const run = url ? describe : describe.skip;
const registry = new ConnectorRegistry().register(mysql as ConnectorPlugin);
const configOf = (u: string) => registry.resolve({ url: u }).config as MysqlConfig;
const qi = (n: string) => '`' + n.replace(/`/g, '``') + '`';

/** Every write path: LOAD DATA, packet-sized INSERT (bulk asked, local_infile off), plain INSERT; upsert: staging + LOAD DATA, plain. */
const APPEND = [
  ['LOAD DATA', { highPerformance: true }, true],
  ['bulk INSERT (local_infile off)', { highPerformance: true }, false],
  ['plain INSERT', { highPerformance: false }, true],
] as const;
const UPSERT = [
  ['staging upsert (LOAD DATA + INSERT … SELECT)', { highPerformance: true }, true],
  ['bulk upsert (local_infile off)', { highPerformance: true }, false],
  ['plain upsert', { highPerformance: false }, true],
] as const;
const PATHS = [...APPEND.map((p) => ['append', ...p] as const), ...UPSERT.map((p) => ['upsert', ...p] as const)];

run('MySQL/MariaDB writes are exact', () => {
  let db: Awaited<ReturnType<typeof admin>>;
  const schemas: string[] = [];
  const sessions: ConnectorSession[] = [];
  const scratch = async () => {
    const name = `sluice_wx_${randomBytes(4).toString('hex')}`;
    await db.createSchema(name);
    schemas.push(name);
    return name;
  };
  const open = async (localInfile = true) => {
    const s = await mysql.open(configOf(url!));
    sessions.push(s);
    if (!localInfile) (s as unknown as { ctx: object }).ctx = { ...(s as unknown as { ctx: object }).ctx, localInfile: false };
    return s;
  };
  const rowsOf = async (schema: string, table = 't') =>
    (await db.query(`SELECT * FROM ${qi(schema)}.${qi(table)} ORDER BY 1`)).map((r) => Object.values(r).map((v) => (v === null ? null : String(v))));
  const writeOnce = async (session: ConnectorSession, schema: string, options: Omit<WriterOptions, 'columns'> & { columns?: string[] }, rows: unknown[][], table = 't') => {
    const writer = await session.openWriter({ schema, name: table }, { columns: ['id', 'v'], key: ['id'], ...options });
    try {
      return await writer.write(rows);
    } finally {
      await writer.close().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    db = await admin();
  });
  afterAll(async () => {
    for (const s of sessions) await s.close();
    for (const s of schemas) await db.dropSchema(s).catch(() => undefined);
    await db.close();
  });

  test.each(PATHS)('%s through %s: key 0 of an AUTO_INCREMENT column is stored as 0', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))`);
    const session = await open(localInfile);
    const rows = [[0, 'zero'], [1, 'one'], [2, 'two']];
    expect(await writeOnce(session, schema, { mode, identityInsert: true, ...options }, rows)).toBe(3);
    if (mode === 'upsert') expect(await writeOnce(session, schema, { mode, identityInsert: true, ...options }, [[0, 'zero!'], [1, 'one']])).toBe(2);
    expect(await rowsOf(schema)).toEqual([['0', mode === 'upsert' ? 'zero!' : 'zero'], ['1', 'one'], ['2', 'two']]);
    // The counter still moves past the maximum.
    await db.exec(`INSERT INTO ${qi(schema)}.t (v) VALUES ('next')`);
    expect((await rowsOf(schema)).at(-1)).toEqual(['3', 'next']);
  });

  test.each(PATHS)('%s through %s: key 0 is kept beside a BLOB column (LOAD DATA with a SET clause)', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    // MariaDB numbers a 0 loaded straight into the AUTO_INCREMENT column once the statement has a SET clause.
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, v BLOB)`);
    const session = await open(localInfile);
    expect(await writeOnce(session, schema, { mode, identityInsert: true, ...options }, [[0, Buffer.from([0, 255])], [1, Buffer.from('a')], [7, null]])).toBe(3);
    expect(await db.query(`SELECT id, HEX(v) AS v FROM ${qi(schema)}.t ORDER BY id`)).toEqual([{ id: 0, v: '00FF' }, { id: 1, v: '61' }, { id: 7, v: null }]);
  });

  test.each(PATHS)('%s through %s: a value strict mode would truncate fails the batch naming the table', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    const session = await open(localInfile);
    await writeOnce(session, schema, { mode, ...options }, [[1, 'kept']]);
    const failure = writeOnce(session, schema, { mode, ...options }, [[2, 'fine'], [3, 'x'.repeat(300)]]);
    await expect(failure).rejects.toThrow(new RegExp(`${schema}\\.t\\b`));
    await expect(failure).rejects.toMatchObject({ retryable: false });
    expect(await rowsOf(schema)).toEqual([['1', 'kept']]);
  });

  test.each(PATHS)('%s through %s: a DECIMAL the server would round (a Note, not an error) fails the batch', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT NOT NULL PRIMARY KEY, v DECIMAL(5,2))`);
    const session = await open(localInfile);
    await expect(writeOnce(session, schema, { mode, ...options }, [[1, '1.5'], [2, '1.005']])).rejects.toThrow(new RegExp(`${schema}\\.t\\b.*(truncated|warning)`, 'i'));
    expect(await rowsOf(schema)).toEqual([]);
  });

  test.each(PATHS)('%s through %s: a BEFORE INSERT trigger that moves the key fails the batch naming the key', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    const s = qi(schema);
    await db.exec(`CREATE TABLE ${s}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    await db.exec(`CREATE TRIGGER ${s}.shift BEFORE INSERT ON ${s}.t FOR EACH ROW SET NEW.id = NEW.id + 1000`);
    const session = await open(localInfile);
    const failure = writeOnce(session, schema, { mode, ...options }, [[1, 'a'], [2, 'b']]);
    await expect(failure).rejects.toThrow(new RegExp(`${schema}\\.t: the row with key \\(id\\) = 1 is not in the table`));
    expect(await rowsOf(schema)).toEqual([]);
  });

  test.each(UPSERT)('upsert through %s: a trigger that renumbers one row fails naming the missing key', async (_label, options, localInfile) => {
    const schema = await scratch();
    const s = qi(schema);
    await db.exec(`CREATE TABLE ${s}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    await db.exec(`INSERT INTO ${s}.t VALUES (1, 'old'), (2, 'old')`);
    await db.exec(`CREATE TRIGGER ${s}.renumber BEFORE INSERT ON ${s}.t FOR EACH ROW BEGIN IF NEW.id = 3 THEN SET NEW.id = 1; END IF; END`);
    const session = await open(localInfile);
    // 3 becomes 1: ON DUPLICATE KEY updates row 1 with 3's values, and the batch's 3 rows are 2 in the table.
    const failure = writeOnce(session, schema, { mode: 'upsert', ...options }, [[1, 'new'], [2, 'new'], [3, 'new']]);
    await expect(failure).rejects.toThrow(new RegExp(`upsert into ${schema}\\.t: the row with key \\(id\\) = 3 is not in the table.*2 of 3 keys`));
    expect(await rowsOf(schema)).toEqual([['1', 'old'], ['2', 'old']]);
  });

  test.each(APPEND)('append through %s: a duplicate key fails the batch (never silently skipped)', async (_label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    const session = await open(localInfile);
    await writeOnce(session, schema, { mode: 'append', ...options }, [[1, 'a']]);
    await expect(writeOnce(session, schema, { mode: 'append', ...options }, [[2, 'b'], [1, 'dup']])).rejects.toThrow(new RegExp(`${schema}\\.t\\b.*(Duplicate|loaded 1 of 2)`));
    // Without the key given to the writer, the server's count still catches it.
    await expect(writeOnce(session, schema, { mode: 'append', key: undefined, ...options }, [[3, 'c'], [1, 'dup']])).rejects.toThrow(new RegExp(`${schema}\\.t\\b`));
    expect(await rowsOf(schema)).toEqual([['1', 'a']]);
  });

  test.each(UPSERT)('upsert through %s: two keys a case-insensitive collation folds into one row fail the batch', async (_label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    const session = await open(localInfile);
    const failure = writeOnce(session, schema, { mode: 'upsert', ...options }, [['a', '1'], ['b', '2'], ['A', '3']]);
    await expect(failure).rejects.toThrow(new RegExp(`${schema}\\.t\\b.*(one row in the table|Duplicate|loaded 2 of 3)`));
    expect(await rowsOf(schema)).toEqual([]);
  });

  test.each(PATHS)('%s through %s: a DATETIME key the column rounds without a warning fails; a NULL key is refused', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id DATETIME NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    const session = await open(localInfile);
    // MariaDB drops the fraction of a DATETIME(0) silently: the key changes with no warning and the count still matches.
    const failure = writeOnce(session, schema, { mode, ...options }, [['2024-01-01T00:00:00', 'a'], ['2024-01-01T00:00:01.4', 'b']]);
    await expect(failure).rejects.toThrow(new RegExp(`${schema}\\.t: the row with key \\(id\\) = '2024-01-01 00:00:01.4' is not in the table`));
    await expect(writeOnce(session, schema, { mode, ...options }, [[null, 'a']])).rejects.toThrow(/NULL in key \(id\)/);
    expect(await rowsOf(schema)).toEqual([]);
    expect(await writeOnce(session, schema, { mode, ...options }, [['2024-01-01T00:00:01', 'b']])).toBe(1);
  });

  test('the session sql_mode drops what breaks escaping, quoting or SHOW CREATE; adds STRICT_ALL_TABLES and NO_AUTO_VALUE_ON_ZERO', async () => {
    const u = new URL(url!);
    const c = await createConnection({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    try {
      for (const start of ['', 'NO_BACKSLASH_ESCAPES', 'ANSI', 'ORACLE', 'MSSQL,NO_AUTO_VALUE_ON_ZERO', 'STRICT_TRANS_TABLES,NO_KEY_OPTIONS,NO_TABLE_OPTIONS,NO_FIELD_OPTIONS']) {
        await c.query('SET SESSION sql_mode = ?', [start]);
        await c.query(`SET SESSION sql_mode = ${sessionSqlMode('@@SESSION.sql_mode')}`);
        const [rows] = await c.query('SELECT @@SESSION.sql_mode AS m');
        const modes = String((rows as { m: string }[])[0]!.m).split(',');
        expect({ start, modes: modes.filter((m) => /ANSI_QUOTES|BACKSLASH|_OPTIONS/.test(m)) }).toEqual({ start, modes: [] });
        expect(modes).toEqual(expect.arrayContaining(['STRICT_ALL_TABLES', 'NO_AUTO_VALUE_ON_ZERO']));
      }
      // What was there stays (PIPES_AS_CONCAT of ANSI here).
      await c.query("SET SESSION sql_mode = 'ANSI'");
      await c.query(`SET SESSION sql_mode = ${sessionSqlMode('@@SESSION.sql_mode')}`);
      const [rows] = await c.query('SELECT @@SESSION.sql_mode AS m');
      expect(String((rows as { m: string }[])[0]!.m).split(',')).toContain('PIPES_AS_CONCAT');
    } finally {
      await c.end();
    }
  });

  test("LOAD DATA's info message is read exactly", () => {
    expect(parseLoadInfo('Records: 3  Deleted: 0  Skipped: 0  Warnings: 0')).toEqual({ records: 3, deleted: 0, skipped: 0, warnings: 0 });
    expect(parseLoadInfo('Records: 10  Deleted: 2  Skipped: 1  Warnings: 4')).toEqual({ records: 10, deleted: 2, skipped: 1, warnings: 4 });
    expect(parseLoadInfo('')).toBeNull();
    expect(parseLoadInfo(undefined)).toBeNull();
  });

  test('the key check across several statements counts a row two batch keys share once', async () => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY)`);
    await db.exec(`INSERT INTO ${qi(schema)}.t VALUES ('a'), ('b'), ('c')`);
    const u = new URL(url!);
    const c = await createConnection({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    try {
      // A budget of a few bytes: one key a statement.
      const check = new KeyCheck(`${qi(schema)}.t`, `${schema}.t`, ['id'], quoteIdent, 4);
      const conn = c as unknown as PoolConnection;
      await check.run(conn, ["'a'", "'b'", "'c'"], 'upsert');
      await check.run(conn, ["'a'", "'b'", "'a'"], 'upsert'); // the same key twice is one key
      await expect(check.run(conn, ["'a'", "'b'", "'A'"], 'upsert')).rejects.toThrow(/keys \(id\) = 'a' and 'A' are one row in the table.*2 of 3 keys/);
      await expect(check.run(conn, ["'a'", "'d'"], 'upsert')).rejects.toThrow(/key \(id\) = 'd' is not in the table.*1 of 2 keys/);
      const whole = new KeyCheck(`${qi(schema)}.t`, `${schema}.t`, ['id'], quoteIdent);
      await expect(whole.run(conn, ["'a'", "'b'", "'A'"], 'upsert')).rejects.toThrow(/'a' and 'A' are one row/);
    } finally {
      await c.end();
    }
  });

  test.each(PATHS)('%s through %s: a BINARY(4) key padded with zero bytes fails the batch', async (mode, _label, options, localInfile) => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id BINARY(4) NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    const session = await open(localInfile);
    await expect(writeOnce(session, schema, { mode, ...options }, [[Buffer.from('abcd'), 'a'], [Buffer.from('ab'), 'b']])).rejects.toThrow(
      new RegExp(`${schema}\\.t: the row with key \\(id\\) = (X'6162'|_binary'ab') is not in the table`),
    );
    expect(await writeOnce(session, schema, { mode, ...options }, [[Buffer.from('abcd'), 'a']])).toBe(1);
  });

  test('the reported case: PostgreSQL rows with key 0 upserted into MariaDB without the bulk path keep all 3 rows', async () => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.t (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))`);
    const session = await open();
    const writer = await session.openWriter({ schema, name: 't' }, { columns: ['id', 'v'], mode: 'upsert', key: ['id'], identityInsert: true });
    expect(await writer.write([['0', 'a'], ['1', 'b'], ['2', 'c']])).toBe(3);
    await writer.close();
    expect(await rowsOf(schema)).toEqual([['0', 'a'], ['1', 'b'], ['2', 'c']]);
  });

  test('a composite key with bytes and text is checked exactly; a 10,000-row batch pays little for the check', async () => {
    const schema = await scratch();
    await db.exec(`CREATE TABLE ${qi(schema)}.c (a VARBINARY(8) NOT NULL, b VARCHAR(20) NOT NULL, v INT, PRIMARY KEY (a, b))`);
    const session = await open();
    const rows = Array.from({ length: 10_000 }, (_, i) => [Buffer.from([i % 256, 0, i >> 8]), `k'\\${i}`, i]);
    for (const highPerformance of [true, false]) {
      for (const mode of ['append', 'upsert'] as const) {
        if (mode === 'append') await db.exec(`TRUNCATE TABLE ${qi(schema)}.c`);
        const writer = await session.openWriter({ schema, name: 'c' }, { columns: ['a', 'b', 'v'], mode, key: ['a', 'b'], highPerformance });
        expect(await writer.write(rows)).toBe(10_000);
        await writer.close();
      }
    }
    expect(Number((await db.query(`SELECT COUNT(*) AS n FROM ${qi(schema)}.c`))[0]!.n)).toBe(10_000);
  });
});
