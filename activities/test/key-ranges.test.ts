import { keyRanges } from '@sluice/activities/dist/sync/key-ranges';
import { mariaQuery, mariaUrl, pgQuery, pgUrl } from '../../test/helpers/databases';
import { withSession } from '../../test/helpers/sync-fixtures';

// Lanes by rows or by bytes, against the sizes real PostgreSQL and MariaDB report for a table of wide rows.
const name = `kr_${process.pid}`;
const ROWS = 3_000; // ~2 KB a row: ~6 MB, few rows

beforeAll(async () => {
  await pgQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await pgQuery(`CREATE SCHEMA ${name}`);
  // 1,920 characters: under the TOAST threshold, the rows stay whole in the heap.
  await pgQuery(`CREATE TABLE ${name}.wide (id bigint PRIMARY KEY, body text)`);
  await pgQuery(`INSERT INTO ${name}.wide SELECT g, repeat(md5(g::text), 60) FROM generate_series(1, ${ROWS}) g`);
  await pgQuery(`ANALYZE ${name}.wide`);
  await mariaQuery(`DROP DATABASE IF EXISTS ${name}`);
  await mariaQuery(`CREATE DATABASE ${name}`);
  await mariaQuery(`CREATE TABLE ${name}.wide (id bigint PRIMARY KEY, body text) ENGINE=InnoDB`);
  await mariaQuery(`INSERT INTO ${name}.wide SELECT seq, REPEAT(MD5(seq), 60) FROM seq_1_to_${ROWS}`);
  await mariaQuery(`ANALYZE TABLE ${name}.wide`);
});
afterAll(async () => {
  await pgQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await mariaQuery(`DROP DATABASE IF EXISTS ${name}`);
});

const pgSchemaUrl = () => {
  const u = new URL(pgUrl());
  u.searchParams.set('schema', name);
  return u.toString();
};
const mariaDbUrl = () => {
  const u = new URL(mariaUrl());
  u.pathname = '/' + name;
  return u.toString();
};

test.each([
  ['PostgreSQL', pgSchemaUrl],
  ['MariaDB', mariaDbUrl],
])('%s: a table of few wide rows splits by its bytes; by rows alone it stays whole', async (_engine, url) => {
  await withSession(url(), async (session) => {
    const [table] = await session.introspect(name, { tables: ['wide'] });
    const bytes = (await session.tableBytes!(table!))!;
    expect(bytes).toBeGreaterThan(ROWS * 1_500); // ~1.9 KB a row, as the engine stores it
    expect(bytes).toBeLessThan(ROWS * 6_000);
    const options = { splitRows: 500_000, maxRanges: 4, incremental: false };
    expect(await keyRanges(session, table!, ['id'], { ...options, splitBytes: 1 << 30 })).toBeNull();
    // Two lanes' worth of bytes: 2 lanes; plenty: capped at maxRanges.
    const two = await keyRanges(session, table!, ['id'], { ...options, splitBytes: Math.ceil(bytes / 2) });
    expect(two).toHaveLength(2);
    const four = (await keyRanges(session, table!, ['id'], { ...options, splitBytes: Math.ceil(bytes / 10) }))!;
    expect(four).toHaveLength(4);
    // Consecutive ranges that cover every key: each starts after the last one's end.
    expect(four[0]!.after).toBeNull();
    expect(four[3]!.until).toBeNull();
    for (let i = 1; i < 4; i++) expect(four[i]!.after).toEqual(four[i - 1]!.until);
    expect(await session.tableBytes!({ schema: name, name: 'no_such_table' })).toBeNull();
  });
});
