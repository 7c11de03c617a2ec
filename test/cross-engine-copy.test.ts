import { randomBytes } from 'node:crypto';
import type { ConnectorPlugin, ConnectorSession, TableSchema } from '@sluice/connector-sdk';
import { ConnectorRegistry } from '@sluice/connector-sdk';
import { ROUND_TRIP_COLUMNS, roundTripRows } from '@sluice/connector-sdk/dist/testkit';
import postgres from '@sluice/connector-postgres';
import mysql from '@sluice/connector-mysql';
import { copyTable, tableChecksum } from './helpers/copy';

// PostgreSQL → MariaDB → PostgreSQL through the connectors alone (no workflow):
// every canonical type, NULLs and extremes, checked by checksums of both sides.
const registry = new ConnectorRegistry().register(postgres as ConnectorPlugin).register(mysql as ConnectorPlugin);
const open = (url: string | undefined, name: string) => {
  if (!url) throw new Error(`${name} is not set: run \`npm test\``);
  const { plugin, config } = registry.resolve({ url });
  return plugin.open(config);
};

let pg: ConnectorSession;
let maria: ConnectorSession;
const schema = `sluice_copy_${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  pg = await open(process.env.SLUICE_PG_URL, 'SLUICE_PG_URL');
  maria = await open(process.env.SLUICE_MARIADB_URL, 'SLUICE_MARIADB_URL');
});
afterAll(async () => {
  await pg?.close();
  await maria?.close();
});

const describeTable = async (session: ConnectorSession, name: string): Promise<TableSchema> => {
  const table = (await session.introspect(schema)).find((t) => t.name === name);
  if (!table) throw new Error(`table ${name} not found`);
  return table;
};

test('PostgreSQL → MariaDB → PostgreSQL reproduces every row and type exactly', async () => {
  // Source: every canonical type, 3,001 rows (extremes cycle; the last row all NULLs).
  await pgAdminExec(`CREATE SCHEMA "${schema}"`);
  await mariaAdminExec(`CREATE DATABASE \`${schema}\``);
  try {
    const definition = {
      columns: [{ name: 'id', type: { kind: 'int32' as const }, nullable: false }, ...ROUND_TRIP_COLUMNS.map((c) => ({ name: c.name, type: c.type, nullable: true }))],
      primaryKey: ['id'],
    };
    await pg.createTable!({ schema, name: 'source' }, definition);
    const writer = await pg.openWriter({ schema, name: 'source' }, { columns: definition.columns.map((c) => c.name), mode: 'append', highPerformance: true });
    await writer.write(roundTripRows(3001));
    await writer.close();
    const source = await describeTable(pg, 'source');

    // PG → MariaDB: create the table from the canonical schema, copy, compare.
    await maria.createTable!({ schema, name: 'copy' }, source);
    expect(await copyTable(pg, source, maria, { schema, name: 'copy' })).toBe(3001);
    const inMaria = await describeTable(maria, 'copy');
    // Every type comes back as it went, but timestamptz: DATETIME(6) holds its UTC wall clock (TIMESTAMP
    // holds 1970–2038 only) and reads back zone-less; the checksums compare the instants.
    const asMariaHolds = (t: { kind: string }) => (t.kind === 'timestamptz' ? { kind: 'timestamp' } : t);
    expect(inMaria.columns.map((c) => [c.name, c.type, c.nullable])).toEqual(source.columns.map((c) => [c.name, asMariaHolds(c.type), c.nullable]));
    const sourceSum = await tableChecksum(pg, source);
    expect(await tableChecksum(maria, inMaria)).toEqual(sourceSum);

    // MariaDB → PG: back again into a new table, same checksum.
    await pg.createTable!({ schema, name: 'back' }, inMaria);
    expect(await copyTable(maria, inMaria, pg, { schema, name: 'back' })).toBe(3001);
    const back = await describeTable(pg, 'back');
    expect(back.columns.map((c) => [c.name, c.type, c.nullable])).toEqual(source.columns.map((c) => [c.name, asMariaHolds(c.type), c.nullable]));
    expect(await tableChecksum(pg, back)).toEqual(sourceSum);
    expect(sourceSum.rows).toBe(3001);
  } finally {
    await pgAdminExec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await mariaAdminExec(`DROP DATABASE IF EXISTS \`${schema}\``);
  }
});

async function pgAdminExec(sql: string) {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: process.env.SLUICE_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mariaAdminExec(sql: string) {
  const { createConnection } = await import('mysql2/promise');
  const u = new URL(process.env.SLUICE_MARIADB_URL!);
  const conn = await createConnection({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
