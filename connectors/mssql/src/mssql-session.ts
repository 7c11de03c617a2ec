import {
  absorbFaults,
  ConnectorError,
  TestCode,
  openThroughTunnel,
  secretsOf,
  type Address,
  type ConnectorSession,
  type ForeignKeySchema,
  type IndexSchema,
  type IntrospectOptions,
  type KeyRange,
  type ReadOptions,
  type RowBatch,
  type SessionOptions,
  type TableDefinition,
  type TableRef,
  type TableSchema,
  type TableWriter,
  type UniqueConstraint,
  type WriterOptions,
} from '@sluice/connector-sdk';
import { DEFAULT_SCHEMA, tlsChoice, toPoolConfig, type MssqlConfig } from './mssql-config';
import { mssqlDriver, type MssqlBulkOptions, type MssqlPool, type MssqlResult, type MssqlTable, type MssqlTransaction, type MssqlTypeSpec, type TediousConnection } from './mssql-driver';
import { classifyMssqlError } from './mssql-errors';
import { introspectSchema } from './mssql-introspect';
import { countRows, readKeyBounds, readTable } from './mssql-read';
import { openMssqlWriter } from './mssql-write';
import * as ddl from './mssql-ddl';
import * as checkpoint from './mssql-checkpoint';

export type Row = Record<string, any>;

/** A bound parameter: `@name` in the SQL text. */
export interface Param {
  name: string;
  type: MssqlTypeSpec;
  value: unknown;
}

/** Statements on one connection inside one transaction. */
export interface MssqlTx {
  /** Through sp_executesql: SET options and #temp tables made inside end with the statement. */
  query(sql: string, params?: Param[]): Promise<MssqlResult>;
  /** A plain SQL batch: its #temp tables live on for the session (and roll back with the transaction). */
  batch(sql: string): Promise<MssqlResult>;
  bulk(table: MssqlTable, options: MssqlBulkOptions): Promise<number>;
}

/** What the operation modules share: the pool, the server's traits, quoting and error mapping. */
export interface MssqlContext {
  readonly version: string;
  readonly includeViews: boolean;
  quoteIdent(name: string): string;
  /** [schema].[name], quoted. */
  table(ref: TableRef): string;
  /** Rows as objects (or arrays with `arrayRowMode`); errors mapped; a signal cancels the request. */
  query(sql: string, params?: Param[], options?: { arrayRowMode?: boolean; signal?: AbortSignal }): Promise<any[]>;
  /** `fn` inside BEGIN TRANSACTION … COMMIT on one connection, rolled back on any error; errors mapped. */
  transaction<T>(fn: (tx: MssqlTx) => Promise<T>): Promise<T>;
  error(err: unknown): ConnectorError;
  /** Schemas whose `_sluice_state` table this session created (or found). */
  readonly stateTables: Map<string, Promise<void>>;
}

/** SQL Server's bracket quoting: `]` doubled. */
export function quoteIdent(name: string): string {
  return '[' + name.replace(/]/g, ']]') + ']';
}

/** An N'…' literal (only where T-SQL takes no parameter, e.g. DBCC). */
export function quoteString(text: string): string {
  return "N'" + text.replace(/'/g, "''") + "'";
}

export const quoteTable = (ref: TableRef) => `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;

/** The version probe run when a session opens (and by `test`). */
export const PROBE_SQL = `SELECT @@VERSION AS version, CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)) AS product_version,
  SCHEMA_NAME() AS default_schema, CAST(CONNECTIONPROPERTY('encrypt_option') AS NVARCHAR(10)) AS encrypt_option`;

/** With `hooks_params.SSHTunnel`, through a tunnel that closes with the session. */
export function openMssqlSession(config: MssqlConfig, options: SessionOptions = {}): Promise<ConnectorSession> {
  return openThroughTunnel(config, (address) => openMssqlSessionAt(config, options, address));
}

/** Connects a pool; tedious' login failures carry only a message, so the server's error number is recorded on the way. */
export async function connectPool(config: MssqlConfig, options: { withSsl?: boolean; address?: Address; maxConnections?: number }): Promise<MssqlPool> {
  const sql = mssqlDriver();
  let loginNumber: number | undefined;
  const attempts: TediousConnection[] = [];
  const poolConfig = toPoolConfig(config, options);
  poolConfig.beforeConnect = (connection) => {
    attempts.push(connection);
    connection.on('errorMessage', (token) => (loginNumber ??= token.number));
    absorbFaults(connection); // a pooled connection's socket error after login: the pool's next request reports it
  };
  const pool = new sql.ConnectionPool(poolConfig);
  // Errors of idle pooled connections: the next request reports them.
  absorbFaults(pool);
  try {
    const connected = await pool.connect();
    attempts.length = 0;
    return connected;
  } catch (err) {
    // mssql leaves a connection that failed to log in (a timeout, for one) open: close its socket.
    for (const connection of attempts) connection.close();
    await pool.close().catch(() => undefined);
    if (loginNumber !== undefined && err && typeof err === 'object' && (err as { number?: number }).number === undefined) {
      (err as { number?: number }).number = loginNumber;
    }
    throw err;
  }
}

async function openMssqlSessionAt(config: MssqlConfig, options: SessionOptions, address: Address): Promise<ConnectorSession> {
  const secrets = secretsOf(config);
  const error = (err: unknown) => classifyMssqlError(err, secrets);
  const sql = mssqlDriver();
  let pool: MssqlPool;
  try {
    pool = await connectPool(config, { address, maxConnections: options.maxConnections });
  } catch (err) {
    throw error(err);
  }

  const request = (parent: MssqlPool | MssqlTransaction, params: Param[] = []) => {
    const r = new sql.Request(parent);
    for (const p of params) r.input(p.name, p.type, p.value);
    return r;
  };

  const ctx: MssqlContext = {
    version: '',
    includeViews: config.include_views,
    quoteIdent,
    table: quoteTable,
    async query(text, params, opts = {}) {
      if (opts.signal?.aborted) throw error(new Error('aborted'));
      const r = request(pool, params);
      r.arrayRowMode = opts.arrayRowMode ?? false;
      const cancel = () => r.cancel();
      opts.signal?.addEventListener('abort', cancel, { once: true });
      try {
        return (await r.query(text)).recordset ?? [];
      } catch (err) {
        throw error(err);
      } finally {
        opts.signal?.removeEventListener('abort', cancel);
      }
    },
    async transaction(fn) {
      const tx = new sql.Transaction(pool);
      try {
        await tx.begin();
      } catch (err) {
        throw error(err);
      }
      try {
        const result = await fn({
          query: (text, params) => request(tx, params).query(text),
          batch: (text) => request(tx).batch(text),
          bulk: async (table, bulkOptions) => (await request(tx).bulk(table, bulkOptions)).rowsAffected,
        });
        await tx.commit();
        return result;
      } catch (err) {
        // With XACT_ABORT the server has rolled back already; mssql then refuses a second rollback.
        await tx.rollback().catch(() => undefined);
        throw error(err);
      }
    },
    error,
    stateTables: new Map(),
  };

  let probe: Row;
  try {
    [probe] = (await ctx.query(PROBE_SQL)) as Row[];
    if (tlsChoice(config).required && String(probe!.encrypt_option).toUpperCase() !== 'TRUE') {
      throw new ConnectorError(
        TestCode.TLS_ERROR,
        `hooks_params.SSL.ssl_mode ${config.hooks_params?.SSL?.ssl_mode} requires TLS, but the server at ${config.host}:${config.port} does not encrypt this connection`,
        false,
      );
    }
  } catch (err) {
    await pool.close().catch(() => undefined);
    throw error(err);
  }
  (ctx as { version: string }).version = String(probe!.version ?? '').split('\n')[0]!.trim() || String(probe!.product_version);
  const defaultSchema = config.schema_name ?? (probe!.default_schema as string | null) ?? DEFAULT_SCHEMA;
  return new MssqlSession(ctx, pool, defaultSchema);
}

/** A ConnectorSession over an mssql pool; each operation lives in its own module. */
export class MssqlSession implements ConnectorSession {
  private closed = false;
  constructor(
    readonly ctx: MssqlContext,
    private readonly pool: MssqlPool,
    readonly defaultSchema: string,
  ) {}

  async serverVersion(): Promise<string> {
    return this.ctx.version;
  }
  /** Databases this login can open: user databases, and the connected one even when it is a system database. */
  async listDatabases(): Promise<string[]> {
    const rows = await this.ctx.query(
      `SELECT name FROM sys.databases
       WHERE (name NOT IN ('master', 'tempdb', 'model', 'msdb') OR name = DB_NAME())
         AND state_desc = 'ONLINE' AND HAS_DBACCESS(name) = 1
       ORDER BY name`,
    );
    return rows.map((r) => r.name as string);
  }
  /** Schemas of the connected database without the system ones and the fixed database-role schemas. */
  async listSchemas(): Promise<string[]> {
    const rows = await this.ctx.query(
      `SELECT name FROM sys.schemas WHERE schema_id < 16384 AND name NOT IN ('sys', 'INFORMATION_SCHEMA', 'guest') ORDER BY name`,
    );
    return rows.map((r) => r.name as string);
  }
  introspect(schema: string, options?: IntrospectOptions): Promise<TableSchema[]> {
    return introspectSchema(this.ctx, schema, options);
  }
  read(table: TableRef, options: ReadOptions): AsyncIterable<RowBatch> {
    return readTable(this.ctx, table, options);
  }
  keyBounds(table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
    return readKeyBounds(this.ctx, table, column);
  }
  openWriter(table: TableRef, options: WriterOptions): Promise<TableWriter> {
    return openMssqlWriter(this.ctx, table, options);
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
  createSchema(schema: string): Promise<void> {
    return ddl.createSchema(this.ctx, schema);
  }
  countRows(table: TableRef, range?: KeyRange): Promise<number> {
    return countRows(this.ctx, table, range);
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
  setTriggersEnabled(table: TableRef, enabled: boolean): Promise<void> {
    return ddl.setTriggersEnabled(this.ctx, table, enabled);
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
    await this.pool.close().catch(() => undefined);
  }
}
