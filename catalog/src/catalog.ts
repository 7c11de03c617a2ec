import type { CodecKeys } from '@sluice/codec';
import type { TableSchema } from '@sluice/connector-sdk';
import { openCatalogDb, type CatalogDb, type Queryable } from './db';
import { migrate } from './migrations';
import { loadSecretKeys } from './secrets';
import * as connections from './connections';
import * as discovery from './discovery';
import * as cache from './schema-cache';
import * as tokens from './api-tokens';
import * as jobRefs from './job-refs';
import type { CreateConnectionInput, UpdateConnectionInput } from './connection-input';
import { CatalogCode, CatalogError } from './errors';

export interface CatalogOptions {
  env?: NodeJS.ProcessEnv;
  /** Checks engine configs on create/update (e.g. the worker registry's zod schemas). */
  validateConfig?: connections.ConfigValidator;
  keys?: CodecKeys;
}

/**
 * Sluice's memory: connections (secrets sealed), the databases and schemas
 * behind them with stable ids, and the schema cache. PostgreSQL when
 * `SLUICE_CATALOG_URL` is set, else an embedded store; same SQL either way.
 */
export class Catalog {
  private constructor(
    private readonly db: CatalogDb,
    private readonly keys: CodecKeys,
    private readonly validateConfig?: connections.ConfigValidator,
  ) {}

  static async open(options: CatalogOptions = {}): Promise<Catalog> {
    const db = await openCatalogDb(options.env);
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new Catalog(db, options.keys ?? loadSecretKeys(options.env), options.validateConfig);
  }

  get description(): string {
    return this.db.description;
  }

  private tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  // Connections

  createConnection(input: CreateConnectionInput): Promise<connections.Connection> {
    return this.tx((q) => connections.createConnection(q, this.keys, input, this.validateConfig));
  }

  getConnection(idOrName: string): Promise<connections.Connection> {
    return this.tx(async (q) => connections.toConnection(await connections.findConnectionRow(q, idOrName)));
  }

  async listConnections(filter: { type?: string; offset?: number; limit?: number } = {}): Promise<discovery.Page<connections.Connection>> {
    const { offset, limit } = discovery.pageOf(filter.offset, filter.limit);
    return this.tx(async (q) => {
      const where = filter.type ? 'WHERE type = $1' : '';
      const params = filter.type ? [filter.type] : [];
      const [{ n }] = (await q.query<{ n: string }>(`SELECT count(*) AS n FROM connections ${where}`, params)) as [{ n: string }];
      const rows = await q.query<any>(`SELECT * FROM connections ${where} ORDER BY config_name OFFSET ${offset} LIMIT ${limit}`, params);
      return { results: rows.map(connections.toConnection), total: Number(n), offset, limit };
    });
  }

  updateConnection(idOrName: string, patch: UpdateConnectionInput): Promise<connections.Connection> {
    return this.tx((q) => connections.updateConnection(q, this.keys, idOrName, patch, this.validateConfig));
  }

  async deleteConnection(idOrName: string): Promise<connections.Connection> {
    return this.tx(async (q) => {
      const row = await connections.findConnectionRow(q, idOrName);
      await q.query('DELETE FROM connections WHERE id = $1', [row.id]);
      return connections.toConnection(row);
    });
  }

  /** The engine config with secrets opened: activities only. */
  connectionConfig(idOrName: string): Promise<{ connection: connections.Connection; config: Record<string, unknown> }> {
    return this.tx((q) => connections.connectionConfig(q, this.keys, idOrName));
  }

  // Database and schema connections

  reconcileDatabases(connectionId: string, names: string[]): Promise<discovery.ReconcileCounts> {
    return this.tx((q) => discovery.reconcileDatabases(q, connectionId, names));
  }

  reconcileSchemas(databaseConnectionId: string, names: string[]): Promise<discovery.ReconcileCounts> {
    return this.tx((q) => discovery.reconcileSchemas(q, databaseConnectionId, names));
  }

  listDatabaseConnections(filter: Parameters<typeof discovery.listDatabaseConnections>[1] = {}): Promise<discovery.Page<discovery.DatabaseConnection>> {
    return this.tx((q) => discovery.listDatabaseConnections(q, filter));
  }

  listSchemaConnections(filter: Parameters<typeof discovery.listSchemaConnections>[1] = {}): Promise<discovery.Page<discovery.SchemaConnection>> {
    return this.tx((q) => discovery.listSchemaConnections(q, filter));
  }

  getDatabaseConnection(id: string): Promise<discovery.DatabaseConnection> {
    return this.tx((q) => discovery.getDatabaseConnection(q, id));
  }

  getSchemaConnection(id: string): Promise<discovery.SchemaConnection> {
    return this.tx((q) => discovery.getSchemaConnection(q, id));
  }

  // Schema cache

  schemaStatus(connectionId: string): Promise<cache.SchemaCacheStatus> {
    return this.tx((q) => cache.cacheStatus(q, connectionId));
  }

  /** The schema cache status of a connection named by id or configName (unknown: not found), in one transaction. */
  schemaStatusOf(idOrName: string): Promise<cache.SchemaCacheStatus> {
    return this.tx(async (q) => cache.cacheStatus(q, (await connections.findConnectionRow(q, idOrName)).id));
  }

  beginRefresh(connectionId: string, jobId: string): Promise<number> {
    return this.tx((q) => cache.beginRefresh(q, connectionId, jobId));
  }

  writeCacheTables(connectionId: string, generation: number, tables: TableSchema[]): Promise<void> {
    return this.tx((q) => cache.writeCacheTables(q, connectionId, generation, tables));
  }

  finishRefresh(connectionId: string, generation: number, counts: { tables: number; columns: number }): Promise<void> {
    return this.tx((q) => cache.finishRefresh(q, connectionId, generation, counts));
  }

  abandonRefresh(connectionId: string, generation: number | null, error: string): Promise<void> {
    return this.tx((q) => cache.abandonRefresh(q, connectionId, generation, error));
  }

  cachedTables(connectionId: string, filter: { schema?: string; offset?: number; limit?: number } = {}): Promise<TableSchema[]> {
    return this.tx((q) => cache.cachedTables(q, connectionId, filter));
  }

  // REST API tokens and job references

  /** Creates a bearer token; the clear token is in this answer only (the catalog keeps its SHA-256). */
  createApiToken(input: Parameters<typeof tokens.createApiToken>[1]): Promise<{ token: string; apiToken: tokens.ApiToken }> {
    return this.tx((q) => tokens.createApiToken(q, input));
  }

  listApiTokens(): Promise<tokens.ApiToken[]> {
    return this.tx((q) => tokens.listApiTokens(q));
  }

  revokeApiToken(idOrName: string): Promise<tokens.ApiToken> {
    return this.tx((q) => tokens.revokeApiToken(q, idOrName));
  }

  /** The live token a request presents, or null (unknown or revoked). */
  findApiToken(token: string): Promise<tokens.ApiToken | null> {
    return this.tx((q) => tokens.findApiToken(q, token));
  }

  recordJobRef(ref: Parameters<typeof jobRefs.recordJobRef>[1], keyWindowMs?: number): Promise<void> {
    return this.tx((q) => jobRefs.recordJobRef(q, ref, keyWindowMs));
  }

  findJobRefByKey(idempotencyKey: string, withinMs: number): Promise<(jobRefs.JobRef & { requestSha256: string }) | null> {
    return this.tx((q) => jobRefs.findJobRefByKey(q, idempotencyKey, withinMs));
  }

  findJobRef(id: string): Promise<jobRefs.JobRef | null> {
    if (!connections.isUuid(id)) return Promise.resolve(null);
    return this.tx((q) => jobRefs.findJobRef(q, id));
  }

  /** Refuses (Lerian's 409 "job in progress") when `jobs` lists any running job of the connection. */
  static refuseWhileRunning(connection: connections.Connection, jobs: string[], action: string): void {
    if (jobs.length) {
      throw new CatalogError(
        CatalogCode.JOB_IN_PROGRESS,
        `Cannot ${action} connection '${connection.configName}': ${jobs.length} job(s) use it right now (${jobs.slice(0, 3).join(', ')}${jobs.length > 3 ? ', …' : ''}). Wait for them or cancel them, then try again.`,
        'id',
      );
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
