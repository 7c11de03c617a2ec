import { mariaQuery, pgQuery } from './helpers/databases';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';
import { checksumOf, createMariaDb, dropMariaDb, dropPgSchema, mariaUrlFor, pgItems, pgUrlFor, uniqueName } from './helpers/sync-fixtures';
import type { SyncJob, SyncMode } from '@sluice/client';

// Every mode on every pair: PG → PG, PG → MariaDB, MariaDB → PG, each checked row for row.
let env: TestTemporal;
const pgSrc = uniqueName('mx_src');
const pgDst = uniqueName('mx_dst');
const maria = uniqueName('mx_maria');
const ROWS = 3_000;

const ends = {
  pg: { url: () => pgUrlFor(pgSrc), schema: () => pgSrc },
  pgDst: { url: () => pgUrlFor(pgDst), schema: () => pgDst },
  maria: { url: () => mariaUrlFor(maria), schema: () => maria },
};

beforeAll(async () => {
  env = await startTestTemporal();
  await pgItems(pgSrc, ROWS);
  await pgQuery(`CREATE SCHEMA "${pgDst}"`);
  await createMariaDb(maria);
  // MariaDB's own source table: a copy of the PostgreSQL one.
  const job = await env.client.waitForJob(
    await env.client.startSync({ source: { url: ends.pg.url() }, destination: { url: ends.maria.url() }, tables: [{ schema: pgSrc, name: 'items' }], createTables: true }),
  );
  expect(job.state).toBe('COMPLETED');
});
afterAll(async () => {
  await env?.stop();
  await dropPgSchema(pgSrc);
  await dropPgSchema(pgDst);
  await dropMariaDb(maria);
});

const pairs = [
  ['PG → PG', ends.pg, ends.pgDst],
  ['PG → MariaDB', ends.pg, ends.maria],
  ['MariaDB → PG', ends.maria, ends.pgDst],
] as const;
const modes: SyncMode[] = ['append', 'upsert', 'replace'];

describe.each(pairs)('%s', (_name, source, destination) => {
  test.each(modes)('%s copies every row exactly', async (mode) => {
    const name = `m_${mode}_${source === ends.maria ? 'from_maria' : 'from_pg'}`;
    // replace needs an existing table: a first append creates it, with a stale row to be replaced.
    if (mode === 'replace') {
      const first = await env.client.waitForJob(
        await env.client.startSync({ source: { url: source.url() }, destination: { url: destination.url() }, tables: [{ schema: source.schema(), name: 'items', destinationName: name }], createTables: true }),
      );
      expect(first.state).toBe('COMPLETED');
      const stale = `UPDATE ${destination === ends.maria ? `\`${maria}\`.\`${name}\`` : `"${pgDst}"."${name}"`} SET name = 'stale' WHERE id <= 10`;
      if (destination === ends.maria) await mariaQuery(stale);
      else await pgQuery(stale);
    }
    const job = await env.client.waitForJob<SyncJob>(
      await env.client.startSync({
        source: { url: source.url() },
        destination: { url: destination.url() },
        tables: [{ schema: source.schema(), name: 'items', destinationName: name }],
        mode,
        createTables: mode !== 'replace',
        batchSize: 700,
      }),
    );
    expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
    expect(await checksumOf(destination.url(), destination.schema(), name)).toEqual(await checksumOf(source.url(), source.schema(), 'items'));
  });
});

test('MariaDB → PG → MariaDB: rows of ~100 kB come in parts of each page (gathered into one write a page), every byte exact', async () => {
  await mariaQuery(`CREATE TABLE \`${maria}\`.big (id INT PRIMARY KEY, doc LONGTEXT NOT NULL, data LONGBLOB)`);
  await mariaQuery(`INSERT INTO \`${maria}\`.big
    SELECT seq, CONCAT(seq, ':', REPEAT('wörter ', 14000 + seq)), IF(seq % 4 = 0, NULL, UNHEX(REPEAT(MD5(seq), 1000)))
    FROM seq_1_to_60`);
  const job = await env.client.waitForJob<SyncJob>(
    await env.client.startSync({
      source: { url: ends.maria.url() },
      destination: { url: ends.pgDst.url() },
      tables: [{ schema: maria, name: 'big', destinationName: 'big_from_maria' }],
      mode: 'append',
      createTables: true,
      batchSize: 20, // a page of ~2.3 MB: ~10 parts of 256 KiB
    }),
  );
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: 60 });
  const sum = await checksumOf(ends.maria.url(), maria, 'big');
  expect(await checksumOf(ends.pgDst.url(), pgDst, 'big_from_maria')).toEqual(sum);
  // And back, read from PostgreSQL in parts the same way.
  const back = await env.client.waitForJob<SyncJob>(
    await env.client.startSync({
      source: { url: ends.pgDst.url() },
      destination: { url: ends.maria.url() },
      tables: [{ schema: pgDst, name: 'big_from_maria', destinationName: 'big_back' }],
      mode: 'upsert',
      createTables: true,
      batchSize: 20,
    }),
  );
  expect(back).toMatchObject({ state: 'COMPLETED', rowsWritten: 60 });
  expect(await checksumOf(ends.maria.url(), maria, 'big_back')).toEqual(sum);
});
