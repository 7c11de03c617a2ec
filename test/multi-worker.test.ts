import { SluiceClient, type SyncJob } from '@sluice/client';
import { startDevServer, type DevServer } from '@sluice/cli';
import { checksumOf, dropPgSchema, pgItems, pgUrlFor, uniqueName } from './helpers/sync-fixtures';
import { pgQuery } from './helpers/databases';
import { chunkWorkers } from './helpers/history';
import { WorkerProcess } from './helpers/worker-process';
import { createProxy, hostPortOf, type Proxy } from './helpers/toxiproxy';
import { pgUrl } from './helpers/databases';

// Three worker processes poll one task queue; one large table is copied in key-range lanes. The
// lanes' chunks must spread over the workers (a worker that ran the workflow task would otherwise
// take every activity it scheduled, by eager dispatch), and the copy is exact.
const ROWS = 160_000;
const src = uniqueName('multi_src');
const dst = uniqueName('multi_dst');
let server: DevServer;
let client: SluiceClient;
/** Destination answers slowed by 10 ms each, so that every lane takes several ~3 s chunks. */
let slow: Proxy;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startDevServer({ headless: true });
  const taskQueue = `multi-${process.pid}-${Date.now()}`;
  for (let i = 0; i < 3; i++) workers.push(new WorkerProcess(server.address, taskQueue));
  await pgItems(src, ROWS);
  await pgQuery(`CREATE SCHEMA "${dst}"`);
  slow = await createProxy('multi_dst', hostPortOf(pgUrl()));
  await slow.addToxic({ type: 'latency', attributes: { latency: 10 } });
  await Promise.all(workers.map((w) => w.ready()));
  client = await SluiceClient.connect({ address: server.address, taskQueue });
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.kill();
  await client?.close();
  await slow?.delete();
  await server?.stop();
  await dropPgSchema(src);
  await dropPgSchema(dst);
});

test('one table in 4 lanes over 3 worker processes: its chunks run on at least 2 of them, rows exact', async () => {
  const id = await client.startSync({
    source: { url: pgUrlFor(src) },
    destination: { url: slow.via(pgUrlFor(dst)) },
    tables: [{ schema: src, name: 'items' }],
    createTables: true,
    batchSize: 500,
    splitRows: 40_000,
  });
  const job = await client.waitForJob<SyncJob>(id);
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(dst), dst, 'items')).toEqual(await checksumOf(pgUrlFor(src), src, 'items'));
  const identities = await chunkWorkers(client, id);
  console.log(`copyChunk attempts by worker: ${JSON.stringify(Object.entries(identities.reduce<Record<string, number>>((m, i) => ((m[i] = (m[i] ?? 0) + 1), m), {})))}`);
  expect(identities.length).toBeGreaterThanOrEqual(4);
  expect(new Set(identities).size).toBeGreaterThanOrEqual(2);
  // Spread, not merely touched: no worker ran more than 3 in 4 of them (before: 8 of 8 on one).
  const busiest = Math.max(...[...new Set(identities)].map((w) => identities.filter((i) => i === w).length));
  expect(busiest / identities.length).toBeLessThanOrEqual(0.75);
  for (const w of workers) w.expectAlive();
}, 180_000);
