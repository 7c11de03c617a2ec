import type { EventEmitter } from 'node:events';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import {
  absorbFaults,
  BrokenMarks,
  openThroughTunnel,
  secretsOf,
  type Address,
  ConnectorError,
  TestCode,
  type ConnectorSession,
  type DdlStatement,
  type ForeignKeySchema,
  type IndexSchema,
  type IntrospectOptions,
  type NativeSchemaDdl,
  type ReadOptions,
  type RowBatch,
  type SessionOptions,
  type TableDefinition,
  type TableRef,
  type TableSchema,
  type TableWriter,
  type UniqueConstraint,
  type WriterOptions, type ExportDdlOptions } from '@sluice/connector-sdk';
import { toPoolOptions, type MysqlConfig } from './mysql-config';
import { classifyMysqlError } from './mysql-errors';
import { parseFlavour, type MysqlFlavour } from './mysql-types';
import { introspectSchema } from './mysql-introspect';
import { readKeyBounds, readTable, readTableBytes } from './mysql-read';
import { openMysqlWriter } from './mysql-write';
import * as ddl from './mysql-ddl';
import * as checkpoint from './mysql-checkpoint';
import * as schemaDdl from './mysql-schema-ddl';
import { checksumTable } from './mysql-checksum';

export type Row = Record<string, any>;

/** What the operation modules share: the pool, the server's traits, quoting and error mapping. */
export interface MysqlContext {
  readonly flavour: MysqlFlavour;
  readonly version: string;
  /** `@@local_infile` at open: LOAD DATA LOCAL is usable. */
  readonly localInfile: boolean;
  readonly maxAllowedPacket: number;
  readonly includeViews: boolean;
  quoteIdent(name: string): string;
  /** `schema`.`name`, quoted. */
  table(ref: TableRef): string;
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `fn` on one pooled connection, released (or destroyed when broken / aborted) afterwards; errors mapped. */
  withConnection<T>(fn: (c: PoolConnection) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** `fn` inside START TRANSACTION … COMMIT, ROLLBACK on any error. */
  transaction<T>(fn: (c: PoolConnection) => Promise<T>): Promise<T>;
  error(err: unknown): ConnectorError;
  /** Schemas whose `_sluice_state` table this session created (or found): CREATE TABLE IF NOT EXISTS once per schema. */
  readonly stateTables: Map<string, Promise<void>>;
}

/**
 * Modes a session drops: mysql2's escaping needs backslash escapes, its quoting backticks (ANSI_QUOTES, and
 * the combination modes that imply it), and SHOW CREATE TABLE must print every option (NO_*_OPTIONS).
 */
const DROPPED_SQL_MODES = [
  'NO_BACKSLASH_ESCAPES', 'ANSI_QUOTES', 'NO_FIELD_OPTIONS', 'NO_KEY_OPTIONS', 'NO_TABLE_OPTIONS',
  'ANSI', 'DB2', 'MAXDB', 'MSSQL', 'ORACLE', 'POSTGRESQL', 'MYSQL323', 'MYSQL40',
];

/** `mode` (a sql_mode value as SQL) without the dropped modes, then STRICT_ALL_TABLES and NO_AUTO_VALUE_ON_ZERO. */
export function sessionSqlMode(mode: string): string {
  const stripped = DROPPED_SQL_MODES.reduce((sql, m) => `REPLACE(${sql}, ',${m},', ',')`, `CONCAT(',', ${mode}, ',')`);
  return `CONCAT_WS(',', NULLIF(TRIM(BOTH ',' FROM ${stripped}), ''), 'STRICT_ALL_TABLES', 'NO_AUTO_VALUE_ON_ZERO')`;
}

/**
 * Run on every new connection: UTC, and a sql_mode where mysql2's backslash escaping and backtick quoting are
 * safe, bad values fail (STRICT_ALL_TABLES) and 0 written into an AUTO_INCREMENT column is stored as 0 instead
 * of the next counter value (NO_AUTO_VALUE_ON_ZERO): key 0 is a key like any other on every write path.
 */
export const SESSION_INIT_SQL = `SET SESSION time_zone = '+00:00', SESSION sql_mode = ${sessionSqlMode('@@SESSION.sql_mode')}`;

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * Listens for 'error' and 'end' on every connection `pool` opens, for as long as it lives: mysql2 removes a
 * pooled connection from the pool on its first error (a `once` listener), and a later one (a write to the
 * closed socket: LOAD DATA's file still streaming, a protocol error after a reset) with no listener would
 * throw and end the worker process. Returns the connections seen dead: the session drops them.
 */
export function watchConnections(pool: Pool): BrokenMarks {
  const dead = new BrokenMarks();
  // The promise pool re-emits the core pool's 'connection' with the core connection (an EventEmitter).
  pool.on('connection', (conn) => void absorbFaults(conn as unknown as EventEmitter, { marks: dead, endEvents: ['end'] }));
  return dead;
}

/** With `hooks_params.SSHTunnel`, through a tunnel that closes with the session. */
export function openMysqlSession(config: MysqlConfig, options: SessionOptions = {}): Promise<ConnectorSession> {
  return openThroughTunnel(config, (address) => openMysqlSessionAt(config, options, address));
}

async function openMysqlSessionAt(config: MysqlConfig, options: SessionOptions, address: Address): Promise<ConnectorSession> {
  try {
    return await openPool(config, options, address, true);
  } catch (err) {
    // The URL names a database that does not exist (yet): the session opens without a default database and
    // says so when that database is first used, unless a sync with --create-tables creates it (createSchema).
    if (!(err instanceof ConnectorError && err.code === TestCode.DATABASE_NOT_FOUND) || !config.database) throw err;
    return openPool(config, options, address, false);
  }
}

async function openPool(config: MysqlConfig, options: SessionOptions, address: Address, withDatabase: boolean): Promise<ConnectorSession> {
  const secrets = secretsOf(config);
  const pool = createPool({
    ...toPoolOptions(config, undefined, address),
    ...(withDatabase ? {} : { database: undefined }),
    connectionLimit: options.maxConnections ?? 4,
    maxIdle: options.maxConnections ?? 4,
  });
  const ready = new WeakSet<object>();
  const error = (err: unknown) => classifyMysqlError(err, secrets);
  const dead = watchConnections(pool);

  async function acquire(): Promise<PoolConnection> {
    let c = await pool.getConnection();
    // One the server dropped since it went idle (its 'error' or 'end' already seen): a fresh one instead.
    for (let tries = 0; dead.has(c.connection) && tries < 3; tries++) {
      c.destroy();
      c = await pool.getConnection();
    }
    if (!ready.has(c.connection)) {
      try {
        await c.query(SESSION_INIT_SQL);
      } catch (err) {
        c.destroy();
        throw err;
      }
      ready.add(c.connection);
    }
    return c;
  }

  async function withConnection<T>(fn: (c: PoolConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw error(new Error('aborted'));
    let conn: PoolConnection | undefined;
    let broken = false;
    // mysql2 cannot cancel a running query: destroying the connection ends it (the server kills it on disconnect).
    const abort = () => ((broken = true), conn?.destroy());
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const c = await acquire();
      conn = c;
      if (signal?.aborted) abort();
      return await fn(c);
    } catch (err) {
      if ((err as { fatal?: boolean })?.fatal || (conn && dead.has(conn.connection))) broken = true;
      throw error(err);
    } finally {
      signal?.removeEventListener('abort', abort);
      if (conn && broken) conn.destroy();
      else conn?.release();
    }
  }

  let probe: Row;
  try {
    const c = await acquire();
    try {
      const [rows] = await c.query('SELECT VERSION() AS version, @@local_infile AS local_infile, @@max_allowed_packet AS max_packet');
      probe = (rows as Row[])[0]!;
    } finally {
      c.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw error(err);
  }

  const ctx: MysqlContext = {
    flavour: parseFlavour(probe.version),
    version: probe.version,
    localInfile: Number(probe.local_infile) === 1,
    maxAllowedPacket: Number(probe.max_packet),
    includeViews: config.include_views,
    quoteIdent,
    table: (ref) => `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`,
    query: (sql, params) => withConnection(async (c) => (await c.query(sql, params))[0] as Row[]),
    withConnection,
    transaction: (fn) =>
      withConnection(async (c) => {
        await c.query('START TRANSACTION');
        try {
          const result = await fn(c);
          await c.query('COMMIT');
          return result;
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    error,
    stateTables: new Map(),
  };
  return new MysqlSession(ctx, pool, config.database, withDatabase ? null : config.database);
}

/** A ConnectorSession over a mysql2 pool; each operation lives in its own module. */
export class MysqlSession implements ConnectorSession {
  private closed = false;
  constructor(
    readonly ctx: MysqlContext,
    private readonly pool: Pool,
    /** MySQL schemas are databases: the config's. */
    readonly defaultSchema: string,
    /** The config's database when it did not exist at open (the pool has no default database then). */
    private readonly missingDatabase: string | null = null,
  ) {}

  async serverVersion(): Promise<string> {
    return this.ctx.version;
  }
  async listDatabases(): Promise<string[]> {
    const rows = await this.ctx.query(
      `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA
       WHERE SCHEMA_NAME NOT IN ('information_schema', 'performance_schema', 'mysql', 'sys') ORDER BY SCHEMA_NAME`,
    );
    return rows.map((r) => r.name as string);
  }
  /** MySQL schemas are databases: the same list. */
  listSchemas(): Promise<string[]> {
    return this.listDatabases();
  }
  async introspect(schema: string, options?: IntrospectOptions): Promise<TableSchema[]> {
    if (schema === this.missingDatabase && !(await this.listDatabases()).includes(schema)) {
      throw new ConnectorError(TestCode.DATABASE_NOT_FOUND, `database ${schema} does not exist on this server (a sync with --create-tables creates it)`, false);
    }
    return introspectSchema(this.ctx, schema, options);
  }
  read(table: TableRef, options: ReadOptions): AsyncIterable<RowBatch> {
    return readTable(this.ctx, table, options);
  }
  keyBounds(table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
    return readKeyBounds(this.ctx, table, column);
  }
  tableBytes(table: TableRef): Promise<number | null> {
    return readTableBytes(this.ctx, table);
  }
  openWriter(table: TableRef, options: WriterOptions): Promise<TableWriter> {
    return openMysqlWriter(this.ctx, table, options);
  }
  quoteIdent(name: string): string {
    return quoteIdent(name);
  }
  readCheckpoint(table: TableRef, stream: string): Promise<string | null> {
    return checkpoint.readCheckpoint(this.ctx, table, stream);
  }
  writeCheckpoint(table: TableRef, stream: string, state: string | null, expected?: string | null): Promise<void> {
    return checkpoint.writeCheckpoint(this.ctx, table, stream, state, expected);
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
  /** CREATE DATABASE IF NOT EXISTS, utf8mb4 unless `options` say otherwise. */
  createSchema(schema: string, options?: { charset?: string; collation?: string }): Promise<void> {
    return schemaDdl.createSchema(this.ctx, schema, options);
  }
  exportDdl(schema: string, options: ExportDdlOptions): Promise<NativeSchemaDdl> {
    return schemaDdl.exportDdl(this.ctx, schema, options);
  }
  applyDdl(schema: string, statements: DdlStatement[]): Promise<void> {
    return schemaDdl.applyDdl(this.ctx, schema, statements, this.defaultSchema || null);
  }
  countRows(table: TableRef, range?: { key: string[]; after: unknown[] | null; until: unknown[] | null }): Promise<number> {
    return schemaDdl.countRows(this.ctx, table, range);
  }
  /** Order-independent, by the server: equal for two servers of the same product whose columns have the same types and values. */
  checksum(table: TableRef, columns: string[]): Promise<{ rows: number; checksum: string }> {
    return checksumTable(this.ctx, table, columns);
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
  dropForeignKeys(table: TableRef): Promise<ForeignKeySchema[]> {
    return ddl.dropForeignKeys(this.ctx, table);
  }
  restoreForeignKeys(table: TableRef, foreignKeys: ForeignKeySchema[]): Promise<void> {
    return ddl.restoreForeignKeys(this.ctx, table, foreignKeys);
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
    await this.pool.end().catch(() => undefined);
  }
}
