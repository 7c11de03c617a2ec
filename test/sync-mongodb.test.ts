import { randomBytes } from 'node:crypto';
import { checksumOf, mariaUrlFor, pgUrlFor, useSyncWorld } from './helpers/sync-fixtures';
import { chunkHeartbeatTimeouts } from './helpers/history';
import type { SyncInput, SyncJob } from '@sluice/client';

// Cross-engine syncs with MongoDB (FerretDB here): PostgreSQL → MongoDB → PostgreSQL and
// MongoDB ⇄ MariaDB, row for row. Relational rows become documents and back; json columns
// become nested documents.
const ROWS = 2_000;
const world = useSyncWorld('mongo', ROWS);
const mongoDb = `sluice_sync_${randomBytes(3).toString('hex')}`;

function mongoUrl(): string {
  const url = process.env.SLUICE_MONGODB_URL;
  if (!url) throw new Error('SLUICE_MONGODB_URL is not set: run `npm test` (it starts FerretDB)');
  const u = new URL(url);
  u.pathname = '/' + mongoDb;
  return u.toString();
}

afterAll(async () => {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(process.env.SLUICE_MONGODB_URL!);
  try {
    await client.db(mongoDb).dropDatabase();
  } finally {
    await client.close();
  }
});

async function sync(input: SyncInput): Promise<SyncJob> {
  return world.env.client.waitForJob<SyncJob>(await world.env.client.startSync(input));
}

test('PostgreSQL → MongoDB → PostgreSQL reproduces every row', async () => {
  const there = await sync({ source: { url: pgUrlFor(world.src) }, destination: { url: mongoUrl() }, tables: [{ schema: world.src, name: 'items' }], createTables: true, batchSize: 500 });
  expect(there).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  // MongoDB does not fence checkpoints (its writes converge by _id): chunks keep the 10 s heartbeat timeout.
  expect(new Set(await chunkHeartbeatTimeouts(world.env.client, there.id))).toEqual(new Set([10]));
  const source = await checksumOf(pgUrlFor(world.src), world.src, 'items');
  expect(await checksumOf(mongoUrl(), mongoDb, 'items')).toEqual(source);
  const back = await sync({ source: { url: mongoUrl() }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: mongoDb, name: 'items', destinationName: 'from_mongo' }], createTables: true, batchSize: 500 });
  expect(back).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'from_mongo')).toEqual(source);
});

test('MongoDB → MariaDB → MongoDB reproduces every row', async () => {
  const there = await sync({ source: { url: mongoUrl() }, destination: { url: mariaUrlFor(world.maria) }, tables: [{ schema: mongoDb, name: 'items' }], createTables: true, batchSize: 500 });
  expect(there).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  const source = await checksumOf(mongoUrl(), mongoDb, 'items');
  expect(await checksumOf(mariaUrlFor(world.maria), world.maria, 'items')).toEqual(source);
  const back = await sync({ source: { url: mariaUrlFor(world.maria) }, destination: { url: mongoUrl() }, tables: [{ schema: world.maria, name: 'items', destinationName: 'from_maria' }], createTables: true, batchSize: 500 });
  expect(back).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(mongoUrl(), mongoDb, 'from_maria')).toEqual(source);
});

test('a document the destination refuses fails the job, named; it never completes short', async () => {
  // An existing collection with a unique index the source rows break (two items share a name here).
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(process.env.SLUICE_MONGODB_URL!);
  try {
    const collection = client.db(mongoDb).collection('strict_items');
    await collection.insertOne({ _id: 'seed' as never, name: 'item 7 ✓' });
    await collection.createIndex({ name: 1 }, { unique: true });
  } finally {
    await client.close();
  }
  const job = await sync({ source: { url: pgUrlFor(world.src) }, destination: { url: mongoUrl() }, tables: [{ schema: world.src, name: 'items', destinationName: 'strict_items' }], batchSize: 500 });
  expect(job.state).toBe('ERROR');
  expect(job.message).toMatch(new RegExp(`^Table ${world.src}\\.items: .*(duplicate|E11000)`, 'i'));
});
