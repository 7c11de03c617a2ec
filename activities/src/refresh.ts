import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { withNativeDdl, type ConnectorPlugin, type RelationalConfig, type TableSchema } from '@sluice/connector-sdk';
import { CatalogError } from '@sluice/catalog';
import type { DiscoveryCounts, RefreshDatabasesInput, RefreshSchemaInput, RefreshSchemasInput, SchemaRefreshCounts } from '@sluice/workflows';
import type { ConnectionResolver } from './connections';
import { toFailure } from './sessions';

/** Tables per catalog write: a 10,000-table schema is 20 small transactions, never one huge payload. */
export const CACHE_BATCH_TABLES = 500;

/** Only healthy connections may be refreshed: a failed test refuses, non-retryable, before anything changes. */
async function healthy(plugin: ConnectorPlugin, config: RelationalConfig, what: string): Promise<void> {
  const message = await plugin.test(config, { signal: Context.current().cancellationSignal });
  if (message.kind === 'error') {
    throw ApplicationFailure.create({
      type: 'CONNECTION_UNHEALTHY',
      message: `Only healthy connections may be refreshed: ${what} failed its health check (${message.code}: ${message.body}). Fix the connection and refresh again; the catalog is unchanged.`,
      nonRetryable: true,
      details: [message],
    });
  }
}

/** Runs a refresh step with the connection's secrets scrubbed from any failure; catalog errors do not retry. */
async function guarded<T>(secrets: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CatalogError) throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: err.status < 500 });
    throw toFailure(err, secrets);
  }
}

export async function refreshDatabases(connections: ConnectionResolver, input: RefreshDatabasesInput): Promise<DiscoveryCounts> {
  const secrets: string[] = [];
  return guarded(secrets, async () => {
    const catalog = await connections.catalog();
    const { connection } = await catalog.connectionConfig(input.connectionId);
    const { plugin, config, secrets: stored } = await connections.resolve({ connectionId: connection.id });
    secrets.push(...stored);
    await healthy(plugin, config, `connection '${connection.configName}'`);
    const session = await plugin.open(config);
    try {
      return await catalog.reconcileDatabases(connection.id, await session.listDatabases());
    } finally {
      await session.close().catch(() => undefined);
    }
  });
}

export async function refreshSchemas(connections: ConnectionResolver, input: RefreshSchemasInput): Promise<DiscoveryCounts> {
  const secrets: string[] = [];
  return guarded(secrets, async () => {
    const catalog = await connections.catalog();
    const database = await catalog.getDatabaseConnection(input.databaseConnectionId);
    if (!database.databaseId) {
      throw ApplicationFailure.create({
        type: 'DATABASE_DELETED',
        message: `Database '${database.name}' is gone from the source (its last refresh did not see it): refresh the databases of its connection first.`,
        nonRetryable: true,
      });
    }
    const resolved = await connections.resolve({ connectionId: database.connectionId });
    secrets.push(...resolved.secrets);
    const config = { ...resolved.config, database: database.name } as RelationalConfig;
    await healthy(resolved.plugin, config, `database '${database.name}'`);
    const session = await resolved.plugin.open(config);
    try {
      return await catalog.reconcileSchemas(database.id, await session.listSchemas());
    } finally {
      await session.close().catch(() => undefined);
    }
  });
}

export async function refreshSchema(connections: ConnectionResolver, input: RefreshSchemaInput & { jobId: string }): Promise<SchemaRefreshCounts> {
  const secrets: string[] = [];
  return guarded(secrets, async () => {
    const catalog = await connections.catalog();
    const { connection } = await catalog.connectionConfig(input.connectionId);
    const { plugin, config, secrets: stored } = await connections.resolve({ connectionId: connection.id });
    secrets.push(...stored);
    await healthy(plugin, config, `connection '${connection.configName}'`);
    const session = await plugin.open(config);
    let generation: number | null = null;
    try {
      const schemas = input.schemas?.length ? input.schemas : connection.schema ? [connection.schema] : await session.listSchemas();
      generation = await catalog.beginRefresh(connection.id, input.jobId);
      const counts: SchemaRefreshCounts = { schemas: schemas.length, tables: 0, columns: 0 };
      for (const schema of schemas) {
        let tables: TableSchema[] = await session.introspect(schema);
        // What a same-engine sync would create: enum values, CHECKs, partitions, indexes, views' definitions.
        if (session.exportDdl) {
          const ddl = await session.exportDdl(schema, { tables: tables.filter((t) => t.kind === 'table').map((t) => t.name), includeViews: true });
          tables = withNativeDdl(tables, ddl);
        }
        for (let i = 0; i < tables.length; i += CACHE_BATCH_TABLES) {
          const batch = tables.slice(i, i + CACHE_BATCH_TABLES);
          await catalog.writeCacheTables(connection.id, generation, batch);
          counts.tables += batch.length;
          counts.columns += batch.reduce((n, t) => n + t.columns.length, 0);
          Context.current().heartbeat(counts);
        }
      }
      await catalog.finishRefresh(connection.id, generation, counts);
      return counts;
    } catch (err) {
      // The previous cache stays readable; the error is kept in the status.
      const reason = err instanceof Error ? err.message : String(err);
      await catalog.abandonRefresh(connection.id, generation, reason.slice(0, 2000)).catch(() => undefined);
      throw err;
    } finally {
      await session.close().catch(() => undefined);
    }
  });
}
