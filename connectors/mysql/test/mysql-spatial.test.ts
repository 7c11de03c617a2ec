import { randomBytes } from 'node:crypto';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type RowBatch } from '@sluice/connector-sdk';
import mysql, { toCanonical, type MysqlConfig } from '@sluice/connector-mysql';
import { admin } from './fixture';
import { zooDdl, zooRows } from './zoo';

// Spatial columns copy exactly between servers of the same product: read as the bytes the column stores
// (4-byte SRID + WKB), written back as those bytes on every write path.
const url = process.env.SLUICE_MARIADB_URL;
const run = url ? describe : describe.skip;
const registry = new ConnectorRegistry().register(mysql as ConnectorPlugin);
const configOf = (u: string) => registry.resolve({ url: u }).config as MysqlConfig;
const qi = (n: string) => '`' + n.replace(/`/g, '``') + '`';

const PATHS = [
  ['append', 'LOAD DATA', true, true],
  ['append', 'bulk INSERT (local_infile off)', true, false],
  ['append', 'plain INSERT', false, true],
  ['upsert', 'staging upsert (LOAD DATA + INSERT … SELECT)', true, true],
  ['upsert', 'bulk upsert (local_infile off)', true, false],
  ['upsert', 'plain upsert', false, true],
] as const;

/** Every spatial type, SRIDs 0 and 4326, NULLs. */
const ALL_TYPES = (s: string) => [
  `CREATE TABLE ${s}.geo_all (id INT NOT NULL PRIMARY KEY, g GEOMETRY, pt POINT, ls LINESTRING, pg POLYGON, mpt MULTIPOINT,
     mls MULTILINESTRING, mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION) ENGINE=InnoDB`,
  `INSERT INTO ${s}.geo_all VALUES
     (1, ST_GeomFromText('POINT(1.5 -2.25)', 4326), ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('LINESTRING(0 0,1 1,2 0.5)'),
      ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 0),(1 1,2 1,2 2,1 1))', 4326), ST_GeomFromText('MULTIPOINT(1 1,2 2)'),
      ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))'), ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))'),
      ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))', 4326)),
     (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     (3, ST_GeomFromText('LINESTRING(1e300 -1e-300,0.1 0.2)'), ST_GeomFromText('POINT(-0.000001 123456789.123456789)', 3857), NULL, NULL, NULL, NULL, NULL,
      ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'))`,
];

run('MySQL/MariaDB spatial columns', () => {
  let db: Awaited<ReturnType<typeof admin>>;
  let session: ConnectorSession;
  let plain: ConnectorSession;
  let source: string;
  const schemas: string[] = [];
  const scratch = async () => {
    const name = `sluice_geo_${randomBytes(4).toString('hex')}`;
    await db.createSchema(name);
    schemas.push(name);
    return name;
  };
  /** The table's rows with every value as the server stores it (hex). */
  const stored = async (schema: string, table: string) => {
    const cols = (await db.query(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${schema}' AND TABLE_NAME = '${table}' ORDER BY ORDINAL_POSITION`)).map((r) => qi(String(r.c)));
    return db.query(`SELECT ${cols.map((c) => `HEX(${c}) AS ${c}`).join(', ')} FROM ${qi(schema)}.${qi(table)} ORDER BY 1`);
  };
  const readAll = async (schema: string, table: string, partBytes?: number) => {
    const rows: unknown[][] = [];
    for await (const batch of session.read({ schema, name: table }, { key: ['id'], batchSize: 2, ...(partBytes ? { partBytes } : {}) }) as AsyncIterable<RowBatch>) rows.push(...batch.rows);
    return rows;
  };

  beforeAll(async () => {
    db = await admin();
    source = await scratch();
    const other = await scratch();
    const zoo = zooDdl(source, other);
    for (const sql of [zoo[0]!, zoo.find((d) => d.includes('zoo_geo'))!, ...ALL_TYPES(qi(source))]) await db.exec(sql);
    for (const sql of zooRows(source, other).filter((d) => d.includes('zoo_geo'))) await db.exec(sql);
    await db.exec(`INSERT INTO ${qi(source)}.zoo_geo VALUES (2, ST_GeomFromText('MULTIPOINT(1 1,2 2)', 4326), NULL)`);
    session = await mysql.open(configOf(url!));
    plain = await mysql.open(configOf(url!));
    (plain as unknown as { ctx: object }).ctx = { ...(plain as unknown as { ctx: object }).ctx, localInfile: false };
  });
  afterAll(async () => {
    await session?.close();
    await plain?.close();
    for (const s of schemas) await db.dropSchema(s).catch(() => undefined);
    await db.close();
  });

  test('every spatial type maps to canonical bytes', () => {
    for (const t of ['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection', 'POINT']) {
      expect([t, toCanonical(t)]).toEqual([t, { kind: 'bytes' }]);
    }
  });

  test('a read returns the stored bytes (SRID + WKB), paged and streamed alike', async () => {
    const rows = await readAll(source, 'geo_all');
    const hex = rows.map((r) => r.map((v) => (Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : v)));
    expect(hex.map((r) => [String(r[0]), ...r.slice(1)])).toEqual((await stored(source, 'geo_all')).map((r) => Object.values(r)));
    // SRID 4326 little-endian, then WKB (byte order 1, type 1: point).
    expect((rows[0]![1] as Buffer).subarray(0, 9).toString('hex')).toBe('e61000000101000000');
    expect(await readAll(source, 'geo_all', 64)).toEqual(rows);
  });

  for (const table of ['zoo_geo', 'geo_all']) {
    test.each(PATHS)(`${table}: %s through %s round-trips exactly`, async (mode, _label, highPerformance, localInfile) => {
      const target = await scratch();
      const [create] = await db.query(`SHOW CREATE TABLE ${qi(source)}.${qi(table)}`);
      await db.exec(`USE ${qi(target)}`);
      await db.exec(String(create!['Create Table']));
      const rows = await readAll(source, table);
      const columns = Object.keys((await stored(source, table))[0]!);
      const writer = await (localInfile ? session : plain).openWriter({ schema: target, name: table }, { columns, key: ['id'], mode, highPerformance });
      try {
        if (mode === 'upsert') {
          // Written over: the first write's values (shifted rows) are replaced by the source's.
          const shifted = rows.map((r, i) => [r[0], ...rows[(i + 1) % rows.length]!.slice(1)]);
          await writer.write(shifted);
        }
        expect(await writer.write(rows)).toBe(rows.length);
      } finally {
        await writer.close();
      }
      expect(await stored(target, table)).toEqual(await stored(source, table));
    });
  }
});
