import oracledb from 'oracledb';
import {
  absorbFaults,
  type FaultEmitter,
  ConnectorError,
  openThroughTunnel,
  secretsOf,
  sslMode,
  TestCode,
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
import { toConnectOptions, type OracleConfig } from './oracle-config';
import { classifyOracleError } from './oracle-errors';
import { introspectSchema } from './oracle-introspect';
import { countRows, readKeyBounds, readTable } from './oracle-read';
import { openOracleWriter } from './oracle-write';
import * as ddl from './oracle-ddl';
import * as checkpoint from './oracle-checkpoint';

export type Row = Record<string, any>;

/** What the operation modules share: the pool, quoting, error mapping, transactions. */
export interface OracleContext {
  readonly secrets: string[];
  readonly includeViews: boolean;
  /** e.g. `23.4.0.24.5`. */
  readonly version: string;
  quoteIdent(name: string): string;
  /** `"schema"."name"`. */
  table(ref: TableRef): string;
  /** One statement on a pooled connection, autocommitted; rows as objects keyed by (upper-case) column alias. */
  query(sql: string, binds?: oracledb.BindParameters): Promise<Row[]>;
  /** Runs `fn` on one pooled connection (released, or dropped when broken / aborted); errors mapped. */
  withConnection<T>(fn: (c: oracledb.Connection) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** `fn` in one transaction: COMMIT after it, ROLLBACK on any error. DDL inside would commit implicitly: keep it out. */
  transaction<T>(fn: (c: oracledb.Connection) => Promise<T>): Promise<T>;
  error(err: unknown): ConnectorError;
  /** Schemas whose `_sluice_state` this session created (or found). */
  readonly stateTables: Map<string, Promise<void>>;
}

/**
 * Set on every new connection: UTC, '.' as the decimal separator (TO_NUMBER
 * of decimal text), binary comparison and sort (ORDER BY agrees with the
 * keyset's `>`), and formats for any implicit conversion.
 */
export const SESSION_INIT_SQL =
  `ALTER SESSION SET TIME_ZONE = '+00:00' NLS_NUMERIC_CHARACTERS = '.,' NLS_SORT = BINARY NLS_COMP = BINARY ` +
  `NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF' ` +
  `NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF TZH:TZM'`;

/** Oracle 12.2+: identifiers up to 128 bytes. */
export const MAX_IDENTIFIER_BYTES = 128;

/**
 * Always quoted (unquoted names are upper-cased by Oracle). A quoted Oracle
 * identifier cannot contain a double quote or NUL at all (there is no
 * escape), nor be empty or longer than 128 bytes: such names are refused.
 */
export function quoteIdent(name: string): string {
  if (!name || name.includes('"') || name.includes('\u0000') || Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new ConnectorError(
      TestCode.DRIVER_ERROR,
      `Oracle cannot name an object ${JSON.stringify(name)}: identifiers are 1 to ${MAX_IDENTIFIER_BYTES} bytes without double quotes or NUL`,
      false,
    );
  }
  return `"${name}"`;
}

/** With `hooks_params.SSHTunnel`, through a tunnel that closes with the session. */
export function openOracleSession(config: OracleConfig, options: SessionOptions = {}): Promise<ConnectorSession> {
  return openThroughTunnel(config, (address) => openAt(config, options, address));
}

async function openAt(config: OracleConfig, options: SessionOptions, address: Address): Promise<ConnectorSession> {
  const secrets = secretsOf(config);
  try {
    return await connect(config, options, address, secrets);
  } catch (err) {
    // libpq's `prefer`: TLS first, plain TCP when the TLS handshake fails.
    if (sslMode(config) === 'prefer' && /NJS-506/.test(String((err as Error)?.message))) return connect(config, options, address, secrets, false);
    throw err;
  }
}

async function connect(config: OracleConfig, options: SessionOptions, address: Address, secrets: string[], withSsl?: boolean): Promise<ConnectorSession> {
  const error = (err: unknown) => classifyOracleError(err, secrets);
  const max = Math.max(1, options.maxConnections ?? 4);
  let pool: oracledb.Pool;
  try {
    pool = await oracledb.createPool({
      ...toConnectOptions(config, withSsl, address),
      poolMin: 0,
      poolMax: max,
      poolIncrement: 1,
      poolTimeout: 60,
      // Waiting for a busy pool's connection must not time out: a long load holds one for hours.
      queueTimeout: 0,
      stmtCacheSize: 40,
      sessionCallback: (connection: oracledb.Connection, _tag: string, done: (err?: Error) => void) => {
        absorbFaults(connection as unknown as FaultEmitter);
        connection.execute(SESSION_INIT_SQL).then(() => done(), (err: Error) => done(err));
      },
    } as oracledb.PoolAttributes);
  } catch (err) {
    throw error(err);
  }
  absorbFaults(pool as unknown as FaultEmitter);

  async function withConnection<T>(fn: (c: oracledb.Connection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new ConnectorError(TestCode.DRIVER_ERROR, 'Oracle operation cancelled', true);
    let conn: oracledb.Connection | undefined;
    let broken = false;
    // break() cancels the running call (ORA-01013); the connection is dropped rather than reused.
    const abort = () => {
      broken = true;
      void conn?.break().catch(() => undefined);
    };
    signal?.addEventListener('abort', abort, { once: true });
    try {
      conn = await pool.getConnection();
      if (signal?.aborted) abort();
      return await fn(conn);
    } catch (err) {
      const code = (err as { code?: string })?.code ?? '';
      if (/^NJS-50\d|^NJS-52\d/.test(code) || (err as { isRecoverable?: boolean })?.isRecoverable) broken = true;
      throw error(err);
    } finally {
      signal?.removeEventListener('abort', abort);
      // Releasing rolls back anything uncommitted.
      if (conn) await (broken ? conn.close({ drop: true }) : conn.close()).catch(() => undefined);
    }
  }

  let probe: Row;
  try {
    probe = await withConnection(async (c) => {
      const result = await c.execute<Row>(
        `SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AS CURRENT_SCHEMA,
                (SELECT MAX(USERNAME) FROM ALL_USERS WHERE USERNAME = :1) AS EXACT_SCHEMA,
                (SELECT MAX(USERNAME) FROM ALL_USERS WHERE USERNAME = UPPER(:2)) AS UPPER_SCHEMA FROM DUAL`,
        [config.schema_name ?? '', config.schema_name ?? ''],
        { outFormat: oracledb.OUT_FORMAT_OBJECT },
      );
      return { ...result.rows![0]!, VERSION: c.oracleServerVersionString };
    });
  } catch (err) {
    await pool.close(0).catch(() => undefined);
    throw err;
  }

  const ctx: OracleContext = {
    secrets,
    includeViews: config.include_views,
    version: String(probe.VERSION),
    quoteIdent,
    table: (ref) => `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`,
    query: (sql, binds = []) =>
      withConnection(async (c) => (await c.execute<Row>(sql, binds, { outFormat: oracledb.OUT_FORMAT_OBJECT, autoCommit: true })).rows ?? []),
    withConnection,
    transaction: (fn) =>
      withConnection(async (c) => {
        try {
          const result = await fn(c);
          await c.commit();
          return result;
        } catch (err) {
          await c.rollback().catch(() => undefined);
          throw err;
        }
      }),
    error,
    stateTables: new Map(),
  };
  // schema_name as typed if such a user exists, else its upper-case spelling (unquoted names are upper case), else as typed.
  const defaultSchema = config.schema_name ? (probe.EXACT_SCHEMA ?? probe.UPPER_SCHEMA ?? config.schema_name) : probe.CURRENT_SCHEMA;
  return new OracleSession(ctx, pool, defaultSchema, config.database);
}

/** A ConnectorSession over a node-oracledb (thin) pool; each operation lives in its own module. */
export class OracleSession implements ConnectorSession {
  private closed = false;
  constructor(
    readonly ctx: OracleContext,
    private readonly pool: oracledb.Pool,
    /** The config's schema_name, else the login user's schema. */
    readonly defaultSchema: string,
    private readonly database: string,
  ) {}

  async serverVersion(): Promise<string> {
    return this.ctx.version;
  }
  /** One connection reaches one database (a PDB, by service name or SID): that one, as the config names it. */
  async listDatabases(): Promise<string[]> {
    return [this.database];
  }
  /** Schemas are users: every user that is not Oracle-maintained (also one that owns nothing yet: a destination may start empty). */
  async listSchemas(): Promise<string[]> {
    const rows = await this.ctx.query(`SELECT USERNAME FROM ALL_USERS WHERE ORACLE_MAINTAINED = 'N' ORDER BY USERNAME`);
    return rows.map((r) => r.USERNAME as string);
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
    return openOracleWriter(this.ctx, table, options);
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
    // 0: close at once, also connections still out (an abandoned read's).
    await this.pool.close(0).catch(() => undefined);
  }
}
