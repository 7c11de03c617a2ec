import {
  ConnectorError,
  openThroughTunnel,
  secretsOf,
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
import { connectionString, sslSettings, type Db2Config, type SslSettings } from './db2-config';
import { loadIbmDb, type Db2Database, type Db2Param, type IbmDb } from './db2-driver';
import { classifyDb2Error } from './db2-errors';
import { introspectSchema, listSchemasSql } from './db2-introspect';
import { countRows, readKeyBounds, readTable } from './db2-read';
import { openDb2Writer } from './db2-write';
import * as ddl from './db2-ddl';
import * as checkpoint from './db2-checkpoint';

export type Row = Record<string, unknown>;

/** One connection's statements: rows of a query, or the affected row count of DML. */
export interface Db2Conn {
  query(sql: string, params?: Db2Param[]): Promise<Row[]>;
  execute(sql: string, params?: Db2Param[]): Promise<number>;
}

/** What the operation modules share: the pool, quoting and error mapping. */
export interface Db2Context {
  readonly version: string;
  readonly includeViews: boolean;
  quoteIdent(name: string): string;
  /** "schema"."name", quoted. */
  table(ref: TableRef): string;
  query(sql: string, params?: Db2Param[]): Promise<Row[]>;
  execute(sql: string, params?: Db2Param[]): Promise<number>;
  /** Runs `fn` on one pooled connection (closed instead of reused when broken or aborted); errors mapped. */
  withConnection<T>(fn: (c: Db2Conn) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** `fn` in one unit of work: COMMIT, or ROLLBACK on any error (DB2 DDL is transactional too). */
  transaction<T>(fn: (c: Db2Conn) => Promise<T>): Promise<T>;
  /** Schemas whose `_sluice_state` table this session created or found. */
  readonly stateTables: Map<string, Promise<void>>;
}

/** DB2 delimited identifiers: double quotes, doubled inside; case and every character kept. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** The ibm_db connection behind a Db2Conn (for transactions). */
const dbOf = new WeakMap<Db2Conn, Db2Database>();

/**
 * `fn` in one unit of work on the connection behind `c`: ibm_db's
 * beginTransaction turns autocommit off, commit/rollback turn it back on.
 */
export async function runInTransaction<T>(c: Db2Conn, fn: (c: Db2Conn) => Promise<T>): Promise<T> {
  const db = dbOf.get(c);
  if (!db) throw new Error('runInTransaction needs a connection made by connOf');
  await db.beginTransaction();
  try {
    const result = await fn(c);
    await db.commitTransaction();
    return result;
  } catch (err) {
    await db.rollbackTransaction().catch(() => undefined);
    throw err;
  }
}

/** Statement text, parameters and affected rows on one ibm_db connection. */
export function connOf(db: Db2Database): Db2Conn {
  const c: Db2Conn = {
    query: (sql, params) => (params?.length ? db.query(sql, params) : db.query(sql)),
    async execute(sql, params) {
      const stmt = await db.prepare(sql);
      try {
        const n = params?.length ? await stmt.executeNonQuery(params) : await stmt.executeNonQuery();
        return Math.max(0, Number(n ?? 0));
      } finally {
        await stmt.close().catch(() => undefined);
      }
    },
  };
  dbOf.set(c, db);
  return c;
}

/** `11.05.0900` (SQL_DBMS_VER) → `11.5.9.0`. */
export function parseDbmsVersion(raw: string): string {
  const m = /^(\d+)\.(\d+)\.(\d{2})(\d{2})$/.exec(raw.trim());
  return m ? `${Number(m[1])}.${Number(m[2])}.${Number(m[3])}.${Number(m[4])}` : raw.trim();
}

/** Opens a connection; the caller closes it. The connection string (it holds the password) never leaves this function. */
export async function openConnection(ibmdb: IbmDb, config: Db2Config, address: Address, ssl: SslSettings | null): Promise<Db2Database> {
  return ibmdb.open(connectionString(config, address, ssl), { connectTimeout: Math.max(1, Math.ceil(config.connect_timeout_ms / 1000)) });
}

/** With `hooks_params.SSHTunnel`, through a tunnel that closes with the session. */
export async function openDb2Session(config: Db2Config, options: SessionOptions = {}): Promise<ConnectorSession> {
  // Loaded here, not at module load: without the native binding the package still loads and registers.
  const ibmdb = loadIbmDb();
  return openThroughTunnel(config, (address) => openDb2SessionAt(ibmdb, config, options, address));
}

async function openDb2SessionAt(ibmdb: IbmDb, config: Db2Config, options: SessionOptions, address: Address): Promise<ConnectorSession> {
  const secrets = secretsOf(config);
  const error = (err: unknown) => classifyDb2Error(err, secrets);
  const ssl = sslSettings(config);
  const max = Math.max(1, options.maxConnections ?? 4);
  const idle: Db2Database[] = [];
  const waiters: ((db: Db2Database | null) => void)[] = [];
  let open = 0;
  let closed = false;

  const acquire = async (): Promise<Db2Database> => {
    if (closed) throw new ConnectorError(TestCode.DRIVER_ERROR, 'the DB2 session is closed', false);
    const ready = idle.pop();
    if (ready) return ready;
    if (open < max) {
      open++;
      try {
        return await openConnection(ibmdb, config, address, ssl);
      } catch (err) {
        open--;
        throw err;
      }
    }
    const db = await new Promise<Db2Database | null>((resolve) => waiters.push(resolve));
    return db ?? acquire();
  };
  const release = (db: Db2Database, broken: boolean) => {
    if (broken || closed || !db.connected) {
      open--;
      void db.close().catch(() => undefined);
      waiters.shift()?.(null);
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter(db);
    else idle.push(db);
  };

  async function withConnection<T>(fn: (c: Db2Conn) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw error(new Error('operation cancelled'));
    let db: Db2Database | undefined;
    let broken = false;
    // ibm_db cannot cancel a running statement: the connection is closed once it returns instead of being reused.
    const abort = () => (broken = true);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      db = await acquire();
      return await fn(connOf(db));
    } catch (err) {
      const mapped = error(err);
      if (mapped.retryable) broken = true;
      throw mapped;
    } finally {
      signal?.removeEventListener('abort', abort);
      if (db) release(db, broken);
    }
  }

  let version: string;
  let currentSchema: string;
  try {
    const probe = await withConnection(async (c) => {
      const [row] = await c.query('SELECT CURRENT SCHEMA AS "schema" FROM SYSIBM.SYSDUMMY1');
      return row!;
    });
    const db = await acquire();
    try {
      version = parseDbmsVersion(String((await db.getInfo(ibmdb.SQL_DBMS_VER)) ?? ''));
    } finally {
      release(db, false);
    }
    currentSchema = String(probe.schema).trim();
  } catch (err) {
    closed = true;
    for (const db of idle.splice(0)) await db.close().catch(() => undefined);
    ssl?.dispose();
    throw error(err);
  }

  const ctx: Db2Context = {
    version,
    includeViews: config.include_views,
    quoteIdent,
    table: (ref) => `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`,
    query: (sql, params) => withConnection((c) => c.query(sql, params)),
    execute: (sql, params) => withConnection((c) => c.execute(sql, params)),
    withConnection,
    transaction: (fn) => withConnection((c) => runInTransaction(c, fn)),
    stateTables: new Map(),
  };

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const w of waiters.splice(0)) w(null);
    await Promise.all(idle.splice(0).map((db) => db.close().catch(() => undefined)));
    ssl?.dispose();
  };
  return new Db2Session(ctx, config.schema_name ?? currentSchema, config.database, close);
}

/** A ConnectorSession over a small pool of ibm_db connections; each operation lives in its own module. */
export class Db2Session implements ConnectorSession {
  constructor(
    readonly ctx: Db2Context,
    /** The config's schema_name, else CURRENT SCHEMA (the user's authorization ID, upper case). */
    readonly defaultSchema: string,
    private readonly database: string,
    private readonly closeAll: () => Promise<void>,
  ) {}

  async serverVersion(): Promise<string> {
    return this.ctx.version;
  }
  /** A DB2 connection reaches one database: the config's (others are not visible through SQL). */
  async listDatabases(): Promise<string[]> {
    return [this.database];
  }
  async listSchemas(): Promise<string[]> {
    return (await this.ctx.query(listSchemasSql())).map((r) => String(r.name).trimEnd());
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
    return openDb2Writer(this.ctx, table, options);
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
  close(): Promise<void> {
    return this.closeAll();
  }
}
