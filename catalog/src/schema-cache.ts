import type { TableSchema } from '@sluice/connector-sdk';
import type { Queryable } from './db';
import { CatalogCode, CatalogError } from './errors';

/** Polytomic's schema status of a connection. */
export interface SchemaCacheStatus {
  cache_status: 'refreshing' | 'fresh' | 'cached' | 'empty';
  last_refresh_started: string | null;
  last_refresh_finished: string | null;
  /** What the last refresh that failed said (the cache kept its previous content). */
  last_error: string | null;
  tables: number;
  columns: number;
}

/** A cache younger than this reads `fresh`; older, `cached`. */
export const FRESH_FOR_MS = 60 * 60 * 1000;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export async function cacheStatus(db: Queryable, connectionId: string, now = Date.now()): Promise<SchemaCacheStatus> {
  const [row] = await db.query<any>('SELECT * FROM schema_cache_status WHERE connection_id = $1', [connectionId]);
  if (!row) return { cache_status: 'empty', last_refresh_started: null, last_refresh_finished: null, last_error: null, tables: 0, columns: 0 };
  const finished = row.last_refresh_finished ? new Date(row.last_refresh_finished).getTime() : null;
  const cache_status = row.refreshing_job ? 'refreshing' : finished === null ? 'empty' : now - finished < FRESH_FOR_MS ? 'fresh' : 'cached';
  return {
    cache_status,
    last_refresh_started: iso(row.last_refresh_started),
    last_refresh_finished: iso(row.last_refresh_finished),
    last_error: row.last_error ?? null,
    tables: Number(row.tables),
    columns: Number(row.columns),
  };
}

/** Marks the refresh started and returns the generation its tables are written under. */
export async function beginRefresh(db: Queryable, connectionId: string, jobId: string): Promise<number> {
  const [row] = await db.query<{ generation: string }>(
    `INSERT INTO schema_cache_status (connection_id, refreshing_job, last_refresh_started)
     VALUES ($1, $2, now())
     ON CONFLICT (connection_id) DO UPDATE SET refreshing_job = $2, last_refresh_started = now()
     RETURNING generation`,
    [connectionId, jobId],
  );
  // Leftovers of an earlier refresh that died before switching.
  await db.query('DELETE FROM schema_cache_tables WHERE connection_id = $1 AND generation > $2', [connectionId, row!.generation]);
  return Number(row!.generation) + 1;
}

/** One batch of a refresh's tables, beside the current cache (readers still see the old one). */
export async function writeCacheTables(db: Queryable, connectionId: string, generation: number, tables: TableSchema[]): Promise<void> {
  if (!tables.length) return;
  await db.query(
    `INSERT INTO schema_cache_tables (connection_id, generation, schema_name, table_name, definition)
     SELECT $1, $2, t->>'schema', t->>'name', t FROM jsonb_array_elements($3::jsonb) AS t
     ON CONFLICT (connection_id, generation, schema_name, table_name) DO UPDATE SET definition = EXCLUDED.definition`,
    [connectionId, generation, JSON.stringify(tables)],
  );
}

/** Switches readers to the new generation and drops the old, in one transaction. */
export async function finishRefresh(db: Queryable, connectionId: string, generation: number, counts: { tables: number; columns: number }): Promise<void> {
  await db.query(
    `UPDATE schema_cache_status SET generation = $2, refreshing_job = NULL, last_refresh_finished = now(), last_error = NULL, tables = $3, columns = $4
     WHERE connection_id = $1`,
    [connectionId, generation, counts.tables, counts.columns],
  );
  await db.query('DELETE FROM schema_cache_tables WHERE connection_id = $1 AND generation <> $2', [connectionId, generation]);
}

/** A refresh that failed or was cancelled: the previous cache stays, the error is kept. */
export async function abandonRefresh(db: Queryable, connectionId: string, generation: number | null, error: string): Promise<void> {
  await db.query('UPDATE schema_cache_status SET refreshing_job = NULL, last_error = $2 WHERE connection_id = $1', [connectionId, error]);
  if (generation !== null) await db.query('DELETE FROM schema_cache_tables WHERE connection_id = $1 AND generation = $2', [connectionId, generation]);
}

/** The cached tables of a connection (optionally one schema), as introspected. */
export async function cachedTables(db: Queryable, connectionId: string, filter: { schema?: string; offset?: number; limit?: number } = {}): Promise<TableSchema[]> {
  for (const field of ['offset', 'limit'] as const) {
    const value = filter[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new CatalogError(CatalogCode.INVALID_FIELD, `'${field}' must be a whole number ≥ 0.`, field);
    }
  }
  const params: unknown[] = [connectionId];
  const schema = filter.schema ? `AND t.schema_name = $${params.push(filter.schema)}` : '';
  const rows = await db.query<{ definition: TableSchema | string }>(
    `SELECT t.definition FROM schema_cache_tables t JOIN schema_cache_status s ON s.connection_id = t.connection_id AND s.generation = t.generation
     WHERE t.connection_id = $1 ${schema} ORDER BY t.schema_name, t.table_name
     OFFSET ${filter.offset ?? 0} ${filter.limit ? `LIMIT ${filter.limit}` : ''}`,
    params,
  );
  return rows.map((r) => (typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition));
}
