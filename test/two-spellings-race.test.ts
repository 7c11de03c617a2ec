import { mariaQuery, pgQuery } from './helpers/databases';
import { checksumOf, mariaUrlFor, pgUrlFor, useSyncWorld } from './helpers/sync-fixtures';
import type { SyncInput, SyncJob } from '@sluice/client';

// Two jobs started at the same instant on one destination table, each reaching the server by
// another spelling of its URL (scheme, host name): one writes, the other is refused TABLE_BUSY,
// and the table holds exactly the source's rows. Ten tries per engine, never a miss.
const ROWS = 4_000;
const TRIES = 10;
const world = useSyncWorld('race', ROWS);

/** The same server and database, spelled `a://127.0.0.1` and `b://localhost`. */
function spellings(url: string, otherScheme: string): [string, string] {
  const other = new URL(url.replace(/^[a-z]+:/, `${otherScheme}:`));
  other.hostname = 'localhost';
  return [url, other.toString()];
}

async function race(destinationUrls: [string, string], table: string, flip: boolean): Promise<SyncJob[]> {
  const input = (url: string): SyncInput => ({
    source: { url: pgUrlFor(world.src) },
    destination: { url },
    tables: [{ schema: world.src, name: 'items', destinationName: table }],
    createTables: true,
    batchSize: 200,
  });
  const urls = flip ? [destinationUrls[1], destinationUrls[0]] : destinationUrls;
  const ids = await Promise.all(urls.map((url) => world.env.client.startSync(input(url))));
  return Promise.all(ids.map((id) => world.env.client.waitForJob<SyncJob>(id)));
}

/** One COMPLETED writer with every row, one refused naming the table; never both, never neither. */
function expectOneWriter(jobs: SyncJob[], table: string): void {
  const states = jobs.map((j) => j.state).sort();
  expect(states).toEqual(['COMPLETED', 'ERROR']);
  const winner = jobs.find((j) => j.state === 'COMPLETED')!;
  const loser = jobs.find((j) => j.state === 'ERROR')!;
  expect(winner.rowsWritten).toBe(ROWS);
  expect(loser.message).toMatch(new RegExp(`${table} is being written by another job`));
}

test(`PostgreSQL: ${TRIES} races through postgresql://127.0.0.1 and postgres://localhost, one writer each time`, async () => {
  const expected = await checksumOf(pgUrlFor(world.src), world.src, 'items');
  const urls = spellings(pgUrlFor(world.dst), 'postgres');
  for (let i = 0; i < TRIES; i++) {
    const table = `raced_${i}`;
    const jobs = await race(urls, table, i % 2 === 1);
    expectOneWriter(jobs, table);
    const [counts] = await pgQuery<{ n: number; ids: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM "${world.dst}"."${table}"`);
    expect(counts).toEqual({ n: ROWS, ids: ROWS });
    expect(await checksumOf(pgUrlFor(world.dst), world.dst, table)).toEqual(expected);
  }
}, 240_000);

test(`MariaDB: ${TRIES} races through mariadb://127.0.0.1 and mysql://localhost, one writer each time`, async () => {
  const urls = spellings(mariaUrlFor(world.maria), 'mysql');
  for (let i = 0; i < TRIES; i++) {
    const table = `raced_${i}`;
    const jobs = await race(urls, table, i % 2 === 1);
    expectOneWriter(jobs, table);
    const [counts] = await mariaQuery<{ n: number; ids: number }>(`SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM \`${world.maria}\`.\`${table}\``);
    expect({ n: Number(counts!.n), ids: Number(counts!.ids) }).toEqual({ n: ROWS, ids: ROWS });
  }
}, 240_000);
