import { BSON, type Document } from 'mongodb';
import type { SyncJob } from '@sluice/client';
import { ZOO, zooWarnings } from '../connectors/mongodb/test/zoo';
import { dropMongoDbs, mariaQuery, mongoUrlFor, pgQuery, withMongo } from './helpers/databases';
import { checksumOf, createMariaDb, dropMariaDb, dropPgSchema, mariaUrlFor, pgUrlFor, uniqueName, useSyncWorld } from './helpers/sync-fixtures';

// The MongoDB schema zoo (ObjectId / int / string keys, nested documents and arrays, dates, Int32 /
// Long / Double, a mixed-type field, null versus missing, binData and UUID, reserved and mixed-case
// field names, a large document, an empty collection) synced as a whole database with default flags:
// to MongoDB every document equal, to PostgreSQL and MariaDB every row exact with the README's
// mapping and exactly its warnings.
const world = useSyncWorld('zoomg', 10);
const zoo = uniqueName('zoo_g');
const made: { mongo: string[]; maria: string[]; pg: string[] } = { mongo: [zoo], maria: [], pg: [] };

beforeAll(async () => {
  await withMongo(async (client) => {
    for (const c of ZOO) {
      const docs = c.docs();
      if (docs.length) await client.db(zoo).collection(c.name).insertMany(docs);
      else await client.db(zoo).createCollection(c.name);
    }
  });
});
afterAll(async () => {
  await dropMongoDbs(made.mongo);
  for (const d of made.maria) await dropMariaDb(d);
  for (const s of made.pg) await dropPgSchema(s);
});

async function sync(destinationUrl: string, destinationSchema?: string): Promise<SyncJob> {
  const id = await world.env.client.startSync({ source: { url: mongoUrlFor(zoo) }, destination: { url: destinationUrl }, schema: zoo, destinationSchema, createTables: true });
  return world.env.client.waitForJob<SyncJob>(id);
}

/** Every document of a collection as canonical Extended JSON (types spelled out: $numberInt, $date, …), by `_id`. */
async function documents(database: string, collection: string): Promise<string[]> {
  return withMongo(async (client) => {
    const docs = await client.db(database).collection(collection).find({}, { sort: { _id: 1 }, promoteValues: false, promoteLongs: false }).toArray();
    return docs.map((d: Document) => BSON.EJSON.stringify(d, { relaxed: false }));
  });
}

const warningsOf = (job: SyncJob, name: string) => job.tables.find((t) => t.table === `${zoo}.${name}`)?.warnings ?? [];

test('MongoDB → MongoDB: the zoo, default flags, every document equal (BSON types, nested, null vs missing)', async () => {
  const copy = uniqueName('zoo_gcopy');
  made.mongo.push(copy);
  const job = await sync(mongoUrlFor(copy), copy);
  expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
  expect(job.tablesDone).toBe(ZOO.length);
  for (const c of ZOO) {
    const [source, copied] = await Promise.all([documents(zoo, c.name), documents(copy, c.name)]);
    expect({ c: c.name, n: copied.length }).toEqual({ c: c.name, n: c.docs().length });
    expect({ c: c.name, copied }).toEqual({ c: c.name, copied: source });
    // The documents travel as BSON: nothing of their values is lost, so nothing is warned.
    expect({ c: c.name, warnings: warningsOf(job, c.name) }).toEqual({ c: c.name, warnings: [] });
  }
});

test('MongoDB → PostgreSQL: the zoo, default flags, every row, the mapping and exactly its warnings', async () => {
  const target = uniqueName('zoo_gpg');
  made.pg.push(target);
  const job = await sync(pgUrlFor(world.dst), target);
  expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
  expect(job.tablesDone).toBe(ZOO.length);
  const types = await pgQuery<{ t: string; c: string; type: string }>(
    `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`, [target]);
  for (const c of ZOO) {
    const [source, copied] = await Promise.all([checksumOf(mongoUrlFor(zoo), zoo, c.name), checksumOf(pgUrlFor(target), target, c.name)]);
    expect({ c: c.name, ...copied }).toEqual({ c: c.name, ...source, rows: c.docs().length });
    const created = Object.fromEntries(types.filter((r) => r.t === c.name).map((r) => [r.c, r.type]));
    expect({ c: c.name, created }).toEqual({ c: c.name, created: Object.fromEntries(Object.entries(c.types).map(([k, [pg]]) => [k, pg])) });
    expect({ c: c.name, warnings: warningsOf(job, c.name) }).toEqual({ c: c.name, warnings: zooWarnings(c, 'postgresql') });
  }
});

test('MongoDB → MariaDB: the zoo, default flags, every row, the mapping and exactly its warnings', async () => {
  const maria = uniqueName('zoo_gmaria');
  made.maria.push(maria);
  await createMariaDb(maria);
  const job = await sync(mariaUrlFor(maria));
  expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
  expect(job.tablesDone).toBe(ZOO.length);
  const types = await mariaQuery<{ t: string; c: string; type: string }>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`, [maria]);
  for (const c of ZOO) {
    const [source, copied] = await Promise.all([checksumOf(mongoUrlFor(zoo), zoo, c.name), checksumOf(mariaUrlFor(maria), maria, c.name)]);
    expect({ c: c.name, ...copied }).toEqual({ c: c.name, ...source, rows: c.docs().length });
    const created = Object.fromEntries(types.filter((r) => r.t === c.name).map((r) => [r.c, r.type]));
    expect({ c: c.name, created }).toEqual({ c: c.name, created: Object.fromEntries(Object.entries(c.types).map(([k, [, m]]) => [k, m])) });
    expect({ c: c.name, warnings: warningsOf(job, c.name) }).toEqual({ c: c.name, warnings: zooWarnings(c, 'mysql') });
  }
});
