import { randomUUID } from 'node:crypto';
import type { Queryable } from './db';
import { CatalogCode, CatalogError, notFound } from './errors';

/** Collibra's DatabaseConnection: `databaseId` is missing once the database vanished from the source. */
export interface DatabaseConnection {
  id: string;
  name: string;
  connectionId: string;
  databaseId: string | null;
  lastSeen: string;
}

/** Collibra's SchemaConnection: `schemaId` is missing once the schema vanished from the source. */
export interface SchemaConnection {
  id: string;
  name: string;
  databaseConnectionId: string;
  schemaId: string | null;
  lastSeen: string;
}

export interface ReconcileCounts {
  seen: number;
  added: number;
  /** Seen again after having vanished: linked to a new entry. */
  relinked: number;
  /** Gone from the source: id kept, link removed. */
  unlinked: number;
}

export interface Page<T> {
  results: T[];
  total: number;
  offset: number;
  limit: number;
}

export const MAX_LIMIT = 500;

/**
 * Stable ids across refreshes: a name seen again keeps its id (and its
 * entry while it never vanished); a vanished one keeps its id and loses
 * its link; one that comes back gets a new entry, as a re-created database is a new one.
 */
async function reconcile(db: Queryable, table: 'database_connections' | 'schema_connections', parentColumn: string, linkColumn: string, parentId: string, names: string[]): Promise<ReconcileCounts> {
  const existing = await db.query<{ id: string; name: string; link: string | null }>(`SELECT id, name, ${linkColumn} AS link FROM ${table} WHERE ${parentColumn} = $1`, [parentId]);
  const byName = new Map(existing.map((r) => [r.name, r]));
  const seen = new Set(names);
  const counts: ReconcileCounts = { seen: seen.size, added: 0, relinked: 0, unlinked: 0 };
  for (const name of seen) {
    const row = byName.get(name);
    if (!row) {
      await db.query(`INSERT INTO ${table} (id, ${parentColumn}, name, ${linkColumn}) VALUES ($1, $2, $3, $4)`, [randomUUID(), parentId, name, randomUUID()]);
      counts.added++;
    } else if (!row.link) {
      await db.query(`UPDATE ${table} SET ${linkColumn} = $2, last_seen = now() WHERE id = $1`, [row.id, randomUUID()]);
      counts.relinked++;
    }
  }
  await db.query(`UPDATE ${table} SET last_seen = now() WHERE ${parentColumn} = $1 AND name = ANY($2::text[]) AND ${linkColumn} IS NOT NULL`, [parentId, [...seen]]);
  const gone = existing.filter((r) => !seen.has(r.name) && r.link).map((r) => r.id);
  if (gone.length) await db.query(`UPDATE ${table} SET ${linkColumn} = NULL WHERE id = ANY($1::uuid[])`, [gone]);
  counts.unlinked = gone.length;
  return counts;
}

export const reconcileDatabases = (db: Queryable, connectionId: string, names: string[]) =>
  reconcile(db, 'database_connections', 'connection_id', 'database_id', connectionId, names);

export const reconcileSchemas = (db: Queryable, databaseConnectionId: string, names: string[]) =>
  reconcile(db, 'schema_connections', 'database_connection_id', 'schema_id', databaseConnectionId, names);

const toDatabaseConnection = (r: any): DatabaseConnection => ({
  id: r.id,
  name: r.name,
  connectionId: r.connection_id,
  databaseId: r.database_id ?? null,
  lastSeen: new Date(r.last_seen).toISOString(),
});

const toSchemaConnection = (r: any): SchemaConnection => ({
  id: r.id,
  name: r.name,
  databaseConnectionId: r.database_connection_id,
  schemaId: r.schema_id ?? null,
  lastSeen: new Date(r.last_seen).toISOString(),
});

export function pageOf(offset = 0, limit = 100): { offset: number; limit: number } {
  if (!Number.isInteger(offset) || offset < 0) throw new CatalogError(CatalogCode.INVALID_FIELD, `'offset' must be a whole number ≥ 0.`, 'offset');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new CatalogError(CatalogCode.INVALID_FIELD, `'limit' must be between 1 and ${MAX_LIMIT}.`, 'limit');
  return { offset, limit };
}

async function page<T>(db: Queryable, from: string, where: string[], params: unknown[], offset: number, limit: number, map: (r: any) => T): Promise<Page<T>> {
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [{ n }] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${from} ${clause}`, params)) as [{ n: string }];
  const rows = await db.query(`SELECT * FROM ${from} ${clause} ORDER BY name, id OFFSET ${offset} LIMIT ${limit}`, params);
  return { results: rows.map(map), total: Number(n), offset, limit };
}

/** Collibra's filters: edge (here: Sluice) connection, schema connection. */
export async function listDatabaseConnections(db: Queryable, filter: { connectionId?: string; schemaConnectionId?: string; offset?: number; limit?: number }): Promise<Page<DatabaseConnection>> {
  const { offset, limit } = pageOf(filter.offset, filter.limit);
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.connectionId) where.push(`connection_id = $${params.push(filter.connectionId)}`);
  if (filter.schemaConnectionId) where.push(`id IN (SELECT database_connection_id FROM schema_connections WHERE id = $${params.push(filter.schemaConnectionId)})`);
  return page(db, 'database_connections', where, params, offset, limit, toDatabaseConnection);
}

/** Collibra's filters: database connection, schema id. */
export async function listSchemaConnections(db: Queryable, filter: { databaseConnectionId?: string; schemaId?: string; offset?: number; limit?: number }): Promise<Page<SchemaConnection>> {
  const { offset, limit } = pageOf(filter.offset, filter.limit);
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.databaseConnectionId) where.push(`database_connection_id = $${params.push(filter.databaseConnectionId)}`);
  if (filter.schemaId) where.push(`schema_id = $${params.push(filter.schemaId)}`);
  return page(db, 'schema_connections', where, params, offset, limit, toSchemaConnection);
}

export async function getDatabaseConnection(db: Queryable, id: string): Promise<DatabaseConnection> {
  const rows = await db.query('SELECT * FROM database_connections WHERE id = $1', [checkedId(id)]);
  if (!rows[0]) throw notFound('database connection', id);
  return toDatabaseConnection(rows[0]);
}

export async function getSchemaConnection(db: Queryable, id: string): Promise<SchemaConnection> {
  const rows = await db.query('SELECT * FROM schema_connections WHERE id = $1', [checkedId(id)]);
  if (!rows[0]) throw notFound('schema connection', id);
  return toSchemaConnection(rows[0]);
}

export function checkedId(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new CatalogError(CatalogCode.INVALID_ID, `'id' must be a UUID (got something else). Check the id and try again.`, 'id');
  }
  return id;
}
