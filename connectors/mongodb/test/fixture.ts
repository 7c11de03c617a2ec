import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import type { NoSqlContractFixture, SchemaAdminConnection } from '@sluice/connector-sdk/dist/testkit/fixture';
import mongodb, { STATE_COLLECTION } from '@sluice/connector-mongodb';

/**
 * The contract testkit's fixture for MongoDB (FerretDB v1.24.2 on SQLite in CI,
 * SLUICE_MONGODB_URL). No SQL: checks whose set-up is SQL DDL are skipped by
 * the testkit, the others make their tables with createTable. A schema is a
 * database; MongoDB lists a database only while it holds a collection, so an
 * "empty" scratch database holds the connector's own (empty) state collection,
 * which introspection does not list as a table.
 */
const url = process.env.SLUICE_MONGODB_URL;

/** One short-lived client per admin operation: the admin holds no connection between them (the leak check counts this process's sockets). */
async function withClient<T>(fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(url!, { serverSelectionTimeoutMS: 5000, directConnection: true });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.close(true);
  }
}

const databases = (client: MongoClient) =>
  client
    .db('admin')
    .command({ listDatabases: 1, nameOnly: true })
    .then((r) => (r.databases as { name: string }[]).map((d) => d.name));

/** Sockets of this process connected to the server's port: /proc/self/fd inodes matched against /proc/net/tcp* (Linux). */
function openSockets(port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (parseInt(f[2]!.split(':')[1]!, 16) === port && f[3] === '01' && inodes.has(f[9]!)) n++;
    }
  }
  return n;
}

async function admin(): Promise<SchemaAdminConnection> {
  const parsed = new URL(url!);
  const port = Number(parsed.port || 27017);
  // The config's database must exist for listDatabases to name it: made here (and dropped on close) when absent.
  const configDatabase = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'test';
  const madeConfigDatabase = await withClient(async (client) => {
    if ((await databases(client)).includes(configDatabase)) return false;
    await client.db(configDatabase).createCollection(STATE_COLLECTION);
    return true;
  });
  return {
    createSchema: (name) => withClient(async (client) => void (await client.db(name).createCollection(STATE_COLLECTION))),
    dropSchema: (name) => withClient(async (client) => void (await client.db(name).dropDatabase())),
    // Only this process's sockets: jest runs other test files in parallel workers.
    openConnectionCount: async () => openSockets(port),
    close: async () => {
      if (madeConfigDatabase) await withClient(async (client) => void (await client.db(configDatabase).dropDatabase()));
    },
  };
}

const authenticated = url ? new URL(url).username !== '' : false;

export const fixture: NoSqlContractFixture = {
  sql: false,
  plugin: mongodb,
  url,
  urlVariable: 'SLUICE_MONGODB_URL',
  admin,
  // Database names are shorter than 64 bytes; collection and field names have no set limit.
  maxIdentifierLength: 63,
  // FerretDB v1 on SQLite breaks on '"' in collection and field names (the connector refuses it); MongoDB takes it.
  identifierForbids: '"',
  // MongoDB database names hold none of / \ . " $ * < > : | ? space; FerretDB v1's only letters, digits, '_' and '-'.
  schemaNameForbids: /[^A-Za-z0-9_-]/,
  lacking: {
    ...(authenticated ? {} : { authentication: 'the test server runs without authentication, so any password is accepted (wrong-password handling is unit-tested)' }),
    droppingTrigger: 'MongoDB has no triggers (a document the server refuses fails the job, named: test/sync-mongodb.test.ts)',
    atomicBatches:
      'no transactions (FerretDB v1 has none): a batch and its checkpoint are written one after the other, made safe by writes keyed on _id, not atomic; a server-side failure mid-batch can leave part of it written',
  },
};
