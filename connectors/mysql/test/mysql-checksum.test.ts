import { randomBytes } from 'node:crypto';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type RowBatch } from '@sluice/connector-sdk';
import mysql, { checksumSql, type MysqlConfig } from '@sluice/connector-mysql';
import { admin } from './fixture';
import { ZOO_TABLES, zooDdl, zooRows } from './zoo';

// checksum(table, columns): computed by the server, order-independent, equal for a copy, different after
// any one change, NULL distinct from '' and columns never running together.
const url = process.env.SLUICE_MARIADB_URL;
const run = url ? describe : describe.skip;
const registry = new ConnectorRegistry().register(mysql as ConnectorPlugin);
const configOf = (u: string) => registry.resolve({ url: u }).config as MysqlConfig;
const qi = (n: string) => '`' + n.replace(/`/g, '``') + '`';

const COLUMNS = ['id', 's', 'b', 'd', 'f', 'x', 'dt', 'ts', 't', 'j', 'g', 'e', 'bt', 'n'];

run('MySQL/MariaDB checksum', () => {
  let db: Awaited<ReturnType<typeof admin>>;
  let session: ConnectorSession;
  let schema: string;
  const t = (name: string) => `${qi(schema)}.${qi(name)}`;
  const sum = (name: string, columns = COLUMNS) => session.checksum!({ schema, name }, columns);

  beforeAll(async () => {
    db = await admin();
    schema = `sluice_ck_${randomBytes(4).toString('hex')}`;
    await db.createSchema(schema);
    await db.exec(`CREATE TABLE ${t('a')} (id INT NOT NULL PRIMARY KEY, s VARCHAR(20) COLLATE utf8mb4_general_ci, b BLOB, d DECIMAL(12,3),
      f FLOAT, x DOUBLE, dt DATETIME(6), ts TIMESTAMP(3) NULL, t TIME(2), j JSON, g GEOMETRY, e ENUM('p','q'), bt BIT(5), n TEXT)`);
    await db.exec(`INSERT INTO ${t('a')} VALUES
      (1, 'a', X'00FF', 1.250, 3.4028234e38, 0.1, '2024-01-01 00:00:00.000001', '2024-01-01 12:00:00.123', '-838:59:59.00', '{"a": 1, "b": [1, 2]}', ST_GeomFromText('POINT(1 2)', 4326), 'p', b'10101', ''),
      (2, 'A', '', -3.500, 1.17549435e-38, 1e300, '9999-12-31 23:59:59.999999', NULL, '00:00:00.01', '[]', NULL, 'q', b'0', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x')`);
    session = await mysql.open(configOf(url!));
  });
  afterAll(async () => {
    await session?.close();
    await db.dropSchema(schema).catch(() => undefined);
    await db.close();
  });

  test('the statement: hex terms, NULL mark, separator, exact sum', () => {
    expect(checksumSql('`t`', ['IFNULL(HEX(`a`), 0x1E)', 'IFNULL(HEX(`b`), 0x1E)'])).toBe(
      'SELECT COUNT(*), CAST(COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(CONCAT_WS(0x1F, IFNULL(HEX(`a`), 0x1E), IFNULL(HEX(`b`), 0x1E))), 1, 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM `t`',
    );
  });

  test('equal for a copy in another order; a string of digits; an empty table is 0', async () => {
    await db.exec(`CREATE TABLE ${t('copy')} LIKE ${t('a')}`);
    await db.exec(`INSERT INTO ${t('copy')} SELECT * FROM ${t('a')} ORDER BY id DESC`);
    const a = await sum('a');
    expect(a).toEqual({ rows: 3, checksum: expect.stringMatching(/^\d+$/) });
    expect(await sum('copy')).toEqual(a);
    await db.exec(`CREATE TABLE ${t('empty')} LIKE ${t('a')}`);
    expect(await sum('empty')).toEqual({ rows: 0, checksum: '0' });
  });

  test('equal for a copy through the connector (read, then LOAD DATA), JSON written compact', async () => {
    await db.exec(`CREATE TABLE ${t('viaSluice')} LIKE ${t('a')}`);
    const writer = await session.openWriter({ schema, name: 'viaSluice' }, { columns: COLUMNS, key: ['id'], mode: 'append', highPerformance: true });
    for await (const batch of session.read({ schema, name: 'a' }, { key: ['id'] }) as AsyncIterable<RowBatch>) await writer.write(batch.rows);
    await writer.close();
    expect(await sum('viaSluice')).toEqual(await sum('a'));
  });

  test('equal for every zoo table copied through the connector (every MariaDB column type)', async () => {
    const [a, b, other] = ['a', 'b', 'o'].map((x) => `${schema}_${x}`);
    for (const s of [a, b, other]) await db.createSchema(s);
    try {
      for (const sql of zooDdl(a, other)) await db.exec(sql);
      await db.exec(`SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')`);
      for (const sql of zooRows(a, other)) await db.exec(sql);
      const ddl = await session.exportDdl!(a, { tables: ZOO_TABLES });
      await session.applyDdl!(b, ddl.tables.flatMap((t) => t.create));
      for (const table of await session.introspect(a, { tables: ZOO_TABLES })) {
        const all = table.columns.map((c) => c.name);
        const generated = (await db.query(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${a}' AND TABLE_NAME = '${table.name}' AND GENERATION_EXPRESSION IS NOT NULL`)).map((r) => String(r.c));
        const written = all.filter((c) => !generated.includes(c));
        const key = table.primaryKey?.length ? table.primaryKey : written;
        const writer = await session.openWriter({ schema: b, name: table.name }, { columns: written, key, mode: 'append', highPerformance: true, identityInsert: true });
        for await (const batch of session.read({ schema: a, name: table.name }, { key, columns: written }) as AsyncIterable<RowBatch>) await writer.write(batch.rows);
        await writer.close();
        const [x, y] = [await session.checksum!({ schema: a, name: table.name }, all), await session.checksum!({ schema: b, name: table.name }, all)];
        expect({ table: table.name, ...y }).toEqual({ table: table.name, ...x });
        expect(x.rows).toBeGreaterThan(0);
      }
    } finally {
      for (const s of [a, b, other]) await db.dropSchema(s).catch(() => undefined);
    }
  });

  test.each([
    ['s', "'a '"], ['s', "'b'"], ['b', "X'00FE'"], ['d', '1.251'], ['f', '3.4028232e38'], ['x', '0.1000000000000001'],
    ['dt', "'2024-01-01 00:00:00.000002'"], ['ts', "'2024-01-01 12:00:00.124'"], ['t', "'-838:59:58.99'"], ['j', `'{"a": 2, "b": [1, 2]}'`],
    ['g', "ST_GeomFromText('POINT(1 2)', 3857)"], ['e', "'q'"], ['bt', "b'10100'"], ['n', 'NULL'],
  ])('one changed value differs: %s = %s', async (column, value) => {
    await db.exec(`DROP TABLE IF EXISTS ${t('changed')}`);
    await db.exec(`CREATE TABLE ${t('changed')} LIKE ${t('a')}`);
    await db.exec(`INSERT INTO ${t('changed')} SELECT * FROM ${t('a')}`);
    await db.exec(`UPDATE ${t('changed')} SET ${qi(column)} = ${value} WHERE id = 1`);
    const [a, changed] = [await sum('a'), await sum('changed')];
    expect(changed.rows).toBe(3);
    expect(changed.checksum).not.toBe(a.checksum);
  });

  test("NULL differs from ''; columns do not run together; only the given columns count", async () => {
    await db.exec(`CREATE TABLE ${t('pairs')} (id INT NOT NULL PRIMARY KEY, p VARCHAR(5), q VARCHAR(5))`);
    await db.exec(`INSERT INTO ${t('pairs')} VALUES (1, '', NULL), (2, NULL, ''), (3, 'ab', ''), (4, 'a', 'b'), (5, NULL, NULL), (6, '', '')`);
    const one = async (id: number) => {
      await db.exec(`DROP TABLE IF EXISTS ${t('one')}`);
      await db.exec(`CREATE TABLE ${t('one')} SELECT * FROM ${t('pairs')} WHERE id = ${id}`);
      return (await sum('one', ['p', 'q'])).checksum;
    };
    const sums = [];
    for (const id of [1, 2, 3, 4, 5, 6]) sums.push(await one(id));
    expect(new Set(sums).size).toBe(6);
    // Columns left out do not count: rows 1 and 6 differ only in q.
    await db.exec(`DROP TABLE IF EXISTS ${t('one')}`);
    await db.exec(`CREATE TABLE ${t('one')} SELECT * FROM ${t('pairs')} WHERE id IN (1, 6)`);
    const p = await sum('one', ['p']);
    await db.exec(`UPDATE ${t('one')} SET q = 'zzz'`);
    expect(await sum('one', ['p'])).toEqual(p);
  });

  test('a missing column or table fails, not retryable', async () => {
    await expect(sum('a', ['id', 'nope'])).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('nope') });
    await expect(sum('no_such_table', ['id'])).rejects.toMatchObject({ retryable: false });
  });
});
