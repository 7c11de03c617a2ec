import { randomBytes } from 'node:crypto';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type TableSchema } from '@sluice/connector-sdk';
import postgres from '@sluice/connector-postgres';
import mysql from '@sluice/connector-mysql';
import mongodb from '@sluice/connector-mongodb';
import { mariaQuery, mariaUrl, pgQuery, pgUrl } from './databases';
import { tableChecksum } from './copy';
import { startTestTemporal, type TestTemporal } from './temporal';

export const registry = new ConnectorRegistry()
  .register(postgres as ConnectorPlugin)
  .register(mysql as ConnectorPlugin)
  .register(mongodb as ConnectorPlugin);

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(3).toString('hex')}`;

/** A PostgreSQL source table `items` of `rows` rows with a mix of types; ids 1..rows. */
export async function pgItems(schema: string, rows: number): Promise<void> {
  await pgQuery(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await pgQuery(`CREATE TABLE "${schema}".items (
    id bigint PRIMARY KEY, name varchar(60) NOT NULL, amount numeric(12,2), flag boolean,
    payload jsonb, data bytea, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
  await pgQuery(`INSERT INTO "${schema}".items
    SELECT g, 'item ' || g || ' ✓', (g * 1.25)::numeric(12,2), g % 3 = 0,
           jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 7)),
           CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
           timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
           timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
    FROM generate_series(1, ${rows}) g`);
  await pgQuery(`ANALYZE "${schema}".items`);
}

export async function dropPgSchema(schema: string): Promise<void> {
  await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export async function createMariaDb(name: string): Promise<void> {
  await mariaQuery(`CREATE DATABASE \`${name}\``);
}

export async function dropMariaDb(name: string): Promise<void> {
  await mariaQuery(`DROP DATABASE IF EXISTS \`${name}\``);
}

/** A connection URL of the test server with `schema` as its default schema (PostgreSQL) or database (MariaDB). */
export function pgUrlFor(schema: string): string {
  const u = new URL(pgUrl());
  u.searchParams.set('schema', schema);
  return u.toString();
}

export function mariaUrlFor(database: string): string {
  const u = new URL(mariaUrl());
  u.pathname = '/' + database;
  return u.toString();
}

export async function withSession<T>(url: string, fn: (s: ConnectorSession) => Promise<T>): Promise<T> {
  const { plugin, config } = registry.resolve({ url });
  const session = await plugin.open(config);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

export async function tableOf(url: string, schema: string, name: string): Promise<TableSchema> {
  return withSession(url, async (s) => {
    const t = (await s.introspect(schema)).find((x) => x.name === name);
    if (!t) throw new Error(`no table ${schema}.${name}`);
    return t;
  });
}

/** Row count and checksum of a table read through its connector (exact copies agree). */
export async function checksumOf(url: string, schema: string, name: string) {
  const table = await tableOf(url, schema, name);
  return withSession(url, (s) => tableChecksum(s, table));
}

export interface SyncWorld {
  /** The Temporal dev server, worker and client of this test file. */
  env: TestTemporal;
  /** PostgreSQL schema holding the source table `items`. */
  src: string;
  /** An empty PostgreSQL schema for destinations. */
  dst: string;
  /** An empty MariaDB database for destinations. */
  maria: string;
}

/**
 * Registers the beforeAll/afterAll of a sync test file: a Temporal dev server
 * with a worker, a source table of `rows` rows, an empty PostgreSQL schema and
 * MariaDB database; all dropped afterwards. Read the fields inside tests.
 */
export function useSyncWorld(prefix: string, rows: number): SyncWorld {
  const world = { src: uniqueName(`${prefix}_src`), dst: uniqueName(`${prefix}_dst`), maria: uniqueName(`${prefix}_maria`) } as SyncWorld;
  beforeAll(async () => {
    world.env = await startTestTemporal();
    await pgItems(world.src, rows);
    await pgQuery(`CREATE SCHEMA "${world.dst}"`);
    await createMariaDb(world.maria);
  });
  afterAll(async () => {
    await world.env?.stop();
    await dropPgSchema(world.src);
    await dropPgSchema(world.dst);
    await dropMariaDb(world.maria);
  });
  return world;
}
