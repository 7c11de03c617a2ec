/**
 * The local servers `scripts/setup.sh` starts; `npm test` exports their URLs.
 */
export function pgUrl(): string {
  const url = process.env.SLUICE_PG_URL;
  if (!url) throw new Error('SLUICE_PG_URL is not set: run the tests with `npm test` (it starts PostgreSQL) or export it');
  return url;
}

/** The same URL with another password, database or port. */
export function withUrl(url: string, change: { password?: string; database?: string; port?: number; query?: string }): string {
  const u = new URL(url);
  if (change.password !== undefined) u.password = encodeURIComponent(change.password);
  if (change.database !== undefined) u.pathname = '/' + change.database;
  if (change.port !== undefined) u.port = String(change.port);
  if (change.query !== undefined) u.search = change.query;
  return u.toString();
}

export function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

export function mariaUrl(): string {
  const url = process.env.SLUICE_MARIADB_URL;
  if (!url) throw new Error('SLUICE_MARIADB_URL is not set: run the tests with `npm test` (it starts MariaDB) or export it');
  return url;
}

/** Runs SQL on the test PostgreSQL with a direct pg connection (fixtures and checks, not the system under test). */
export async function pgQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs SQL on the test MariaDB with a direct mysql2 connection. */
export async function mariaQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await mariaScript([sql], params))[0] as T[];
}

/** Runs statements in order on one MariaDB connection (session variables carry from one to the next). */
export async function mariaScript(statements: string[], params: unknown[] = []): Promise<unknown[][]> {
  const { createConnection } = await import('mysql2/promise');
  const u = new URL(mariaUrl());
  const conn = await createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    multipleStatements: false,
  });
  try {
    const out: unknown[][] = [];
    for (const sql of statements) out.push((await conn.query(sql, params))[0] as unknown[]);
    return out;
  } finally {
    await conn.end();
  }
}

/** The test MongoDB server's URL (FerretDB here), naming `database`. */
export function mongoUrlFor(database: string): string {
  const url = process.env.SLUICE_MONGODB_URL;
  if (!url) throw new Error('SLUICE_MONGODB_URL is not set: run `npm test` (it starts FerretDB)');
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

/** Runs `fn` with a client of the test MongoDB server, closed after. */
export async function withMongo<T>(fn: (client: import('mongodb').MongoClient) => Promise<T>): Promise<T> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(mongoUrlFor(''));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Drops MongoDB databases a test made. */
export async function dropMongoDbs(databases: string[]): Promise<void> {
  if (databases.length) await withMongo(async (client) => void (await Promise.all(databases.map((d) => client.db(d).dropDatabase()))));
}
