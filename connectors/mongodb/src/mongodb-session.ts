import { MongoClient, type Db } from 'mongodb';
import {
  absorbFaults,
  openThroughTunnel,
  secretsOf,
  type Address,
  type ConnectorError,
  type ConnectorSession,
  type IndexSchema,
  type IntrospectOptions,
  type ReadOptions,
  type RelationalConfig,
  type RowBatch,
  type CopyReadOptions,
  type CopyTextBatch,
  type SessionOptions,
  type TypeMapper,
  type TableDefinition,
  type TableRef,
  type TableSchema,
  type TableWriter,
  type UniqueConstraint,
  type WriterOptions,
} from '@sluice/connector-sdk';
import { toClientOptions, type MongoConfig } from './mongodb-config';
import { classifyMongoError } from './mongodb-errors';
import { checkDatabaseName, FERRETDB_SERVER, MONGODB_SERVER, typeMapperFor, type ServerTraits } from './mongodb-types';
import { introspectDatabase } from './mongodb-introspect';
import { readCollection, readCollectionBson, readKeyBounds, countDocuments } from './mongodb-read';
import { openMongoWriter } from './mongodb-write';
import * as ddl from './mongodb-ddl';
import * as checkpoint from './mongodb-checkpoint';

/** Databases MongoDB keeps for itself. */
export const SYSTEM_DATABASES = ['admin', 'local', 'config'];

/** What the operation modules share: the client, the server's traits and error mapping. */
export interface MongoContext {
  readonly client: MongoClient;
  /** The server is FerretDB (buildInfo.ferretdbVersion): avoid what it lacks. */
  readonly ferretdb: boolean;
  /** What the server stores (FerretDB v1: no decimal128): the storage createTable chooses per column. */
  readonly server: ServerTraits;
  readonly version: string;
  readonly sampleSize: number;
  readonly includeViews: boolean;
  /** A database by name (checked: MongoDB's naming rules). */
  db(name: string): Db;
  error(err: unknown): ConnectorError;
  /** Documents sampled per collection by the latest introspection, by `schema\0name`. */
  readonly sampled: Map<string, number>;
}

/**
 * MongoDB has no identifier quoting: names are data in commands. Returned
 * as JSON text for messages only.
 */
export function quoteIdent(name: string): string {
  return JSON.stringify(name);
}

/** With `hooks_params.SSHTunnel`, through a tunnel that closes with the session. */
export function openMongoSession(config: MongoConfig, options: SessionOptions = {}): Promise<ConnectorSession> {
  return openThroughTunnel(config, (address) => openMongoSessionAt(config, options, address));
}

async function openMongoSessionAt(config: MongoConfig, options: SessionOptions, address: Address): Promise<MongoSession> {
  const secrets = secretsOf(config);
  const error = (err: unknown) => classifyMongoError(err, secrets);
  const { url, options: clientOptions } = toClientOptions(config, address, options.maxConnections ?? 4);
  const client = new MongoClient(url, clientOptions);
  // The driver reconnects by itself and fails the operation in flight; no event may reach the process.
  absorbFaults(client);
  let info: { version: string; ferretdbVersion?: string };
  try {
    await client.connect();
    info = (await client.db('admin').command({ buildInfo: 1 })) as typeof info;
    // buildInfo answers without authentication on some servers: prove the credentials by listing databases.
    await client.db(config.database).command({ ping: 1 });
  } catch (err) {
    await client.close(true).catch(() => undefined);
    throw error(err);
  }
  const ctx: MongoContext = {
    client,
    ferretdb: Boolean(info.ferretdbVersion),
    server: info.ferretdbVersion ? FERRETDB_SERVER : MONGODB_SERVER,
    version: info.ferretdbVersion ? `${info.version} (FerretDB ${info.ferretdbVersion})` : info.version,
    sampleSize: config.sample_size,
    includeViews: config.include_views,
    db(name: string): Db {
      checkDatabaseName(name);
      return client.db(name);
    },
    error,
    sampled: new Map(),
  };
  return new MongoSession(ctx, config.database);
}

/** A ConnectorSession over one MongoClient (a pool of `maxConnections`); each operation lives in its own module. */
export class MongoSession implements ConnectorSession {
  private closed = false;
  /** This server's mapping: decimals as Decimal128 only where it has them. */
  readonly types: TypeMapper;
  constructor(
    readonly ctx: MongoContext,
    /** Schemas are databases: the config's. */
    readonly defaultSchema: string,
  ) {
    this.types = typeMapperFor(ctx.server);
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.ctx.error(err);
    }
  }

  async serverVersion(): Promise<string> {
    return this.ctx.version;
  }
  /** Databases other than admin, local and config. */
  listDatabases(): Promise<string[]> {
    return this.guard(async () => {
      const result = await this.ctx.client.db('admin').command({ listDatabases: 1, nameOnly: true });
      return (result.databases as { name: string }[]).map((d) => d.name).filter((n) => !SYSTEM_DATABASES.includes(n)).sort();
    });
  }
  /** Schemas are databases: the same list. */
  listSchemas(): Promise<string[]> {
    return this.listDatabases();
  }
  introspect(schema: string, options?: IntrospectOptions): Promise<TableSchema[]> {
    return this.guard(() => introspectDatabase(this.ctx, schema, options));
  }
  /** Documents the latest `introspect` sampled from a collection (undefined before it). */
  sampledDocuments(table: TableRef): number | undefined {
    return this.ctx.sampled.get(`${table.schema}\u0000${table.name}`);
  }
  read(table: TableRef, options: ReadOptions): AsyncIterable<RowBatch> {
    return readCollection(this.ctx, table, options);
  }
  /** Same engine (MongoDB → MongoDB): the documents as BSON, every field's type kept (see readCollectionBson). */
  readCopyText(table: TableRef, options: CopyReadOptions): AsyncIterable<CopyTextBatch> {
    return readCollectionBson(this.ctx, table, options);
  }
  keyBounds(table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
    return readKeyBounds(this.ctx, table, column);
  }
  countRows(table: TableRef, range?: { key: string[]; after: unknown[] | null; until: unknown[] | null }): Promise<number> {
    return countDocuments(this.ctx, table, range);
  }
  openWriter(table: TableRef, options: WriterOptions): Promise<TableWriter> {
    return openMongoWriter(this.ctx, table, options);
  }
  quoteIdent(name: string): string {
    return quoteIdent(name);
  }
  readCheckpoint(table: TableRef, stream: string): Promise<string | null> {
    return checkpoint.readCheckpoint(this.ctx, table, stream);
  }
  writeCheckpoint(table: TableRef, stream: string, state: string | null): Promise<void> {
    return checkpoint.writeCheckpoint(this.ctx, table, stream, state);
  }
  truncate(table: TableRef): Promise<void> {
    return ddl.truncate(this.ctx, table);
  }
  deleteRows(table: TableRef, key: string[], keys: unknown[][]): Promise<number> {
    return ddl.deleteRows(this.ctx, table, key, keys);
  }
  createTable(table: TableRef, definition: TableDefinition): Promise<void> {
    return ddl.createTable(this.ctx, table, definition);
  }
  dropTable(table: TableRef): Promise<void> {
    return ddl.dropTable(this.ctx, table);
  }
  createTableLike(like: TableRef, table: TableRef): Promise<void> {
    return ddl.createTableLike(this.ctx, like, table);
  }
  swapTable(staging: TableRef, target: TableRef): Promise<void> {
    return ddl.swapTable(this.ctx, staging, target);
  }
  dropIndexes(table: TableRef): Promise<IndexSchema[]> {
    return ddl.dropIndexes(this.ctx, table);
  }
  restoreIndexes(table: TableRef, indexes: IndexSchema[]): Promise<void> {
    return ddl.restoreIndexes(this.ctx, table, indexes);
  }
  dropUniqueConstraints(table: TableRef): Promise<UniqueConstraint[]> {
    return ddl.dropUniqueConstraints(this.ctx, table);
  }
  restoreUniqueConstraints(table: TableRef, constraints: UniqueConstraint[]): Promise<void> {
    return ddl.restoreUniqueConstraints(this.ctx, table, constraints);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ctx.client.close(true).catch(() => undefined);
  }
}

export type { RelationalConfig };
