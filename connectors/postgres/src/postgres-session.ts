import { Client, Pool, type ClientConfig, type PoolClient } from 'pg';
import {
  absorbFaults,
  ConnectorError,
  openThroughTunnel,
  secretsOf,
  TestCode,
  type Address,
  type ConnectorSession,
  type CopyReadOptions,
  type CopyTextBatch,
  type DdlStatement,
  type NativeSchemaDdl,
  type ForeignKeySchema,
  type IndexSchema,
  type IntrospectOptions,
  type ReadOptions,
  type RowBatch,
  type SessionOptions,
  type TableDefinition,
  type TableRef,
  type TableSchema,
  type TableWriter,
  type UniqueConstraint,
  type WriterOptions,
  sslMode, type ExportDdlOptions } from '@sluice/connector-sdk';
import { toClientConfig, type PostgresConfig } from './postgres-config';
import { classifyPostgresError } from './postgres-errors';
import { canonicalTypeParsers } from './postgres-types';
import { introspectSchema } from './postgres-introspect';
import { checksumTable, countRows, readKeyBounds, readTable, readTableBytes } from './postgres-read';
import { exportSchemaDdl } from './postgres-export-ddl';
import { applyDdl, createSchema } from './postgres-apply-ddl';
import { readCopyText } from './postgres-copy-text';
import { openPostgresWriter } from './postgres-write';
import * as ddl from './postgres-ddl';
import * as checkpoints from './postgres-checkpoint';

/** What the read, write, introspect and DDL modules need from a session. */
export interface PgContext {
  readonly secrets: string[];
  quoteIdent(name: string): string;
  /** `"schema"."table"`. */
  qualified(table: TableRef): string;
  /** Maps any error once to a ConnectorError (secrets removed). */
  fail(err: unknown): ConnectorError;
  /** One pooled connection for `fn`, released (or discarded when broken) afterwards. */
  withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
  /** `fn` inside BEGIN … COMMIT on one connection; ROLLBACK on any error. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
  /** Asks the server to cancel the statement running on `client` (from a separate connection). */
  cancelQuery(client: PoolClient): void;
  /** Creates `schema`'s `_sluice_state` table unless this session already did (outside any transaction). */
  ensureStateTable(schema: string): Promise<void>;
}

// Canonical text of dates and times, exact float output, hex bytea: set once per new connection.
// Every session has the same settings, so COPY text read by one is written by another unchanged (readCopyText).
const SESSION_SETTINGS = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET bytea_output = 'hex'; SET extra_float_digits = 1";
const MAX_IDENTIFIER_BYTES = 63;

export class PostgresSession implements ConnectorSession, PgContext {
  private closed = false;
  /** Schemas whose `_sluice_state` this session has created (or found). */
  private readonly stateTables = new Map<string, Promise<void>>();
  /** Where tables go when a job names no schema. */
  readonly defaultSchema: string;

  private constructor(
    private readonly pool: Pool,
    private readonly clientConfig: ClientConfig,
    readonly secrets: string[],
    config: PostgresConfig,
  ) {
    this.defaultSchema = config.schema_name ?? 'public';
  }

  /** With `hooks_params.SSHTunnel`, through a tunnel that closes with the session. */
  static open(config: PostgresConfig, options: SessionOptions = {}): Promise<PostgresSession> {
    return openThroughTunnel(config, (address) => PostgresSession.openAt(config, options, address));
  }

  private static async openAt(config: PostgresConfig, options: SessionOptions, address: Address): Promise<PostgresSession> {
    const secrets = secretsOf(config);
    try {
      return await PostgresSession.connect(config, options, secrets, address);
    } catch (err) {
      // libpq's `prefer`: TLS first, plain when the server has none.
      if (sslMode(config) === 'prefer' && /does not support SSL/i.test(String((err as Error)?.message))) {
        return PostgresSession.connect(config, options, secrets, address, false);
      }
      throw err instanceof ConnectorError ? err : classifyPostgresError(err, secrets);
    }
  }

  private static async connect(config: PostgresConfig, options: SessionOptions, secrets: string[], address: Address, withSsl?: boolean) {
    // The connect timeout bounds connecting only: loads and scans run as long as they need.
    const clientConfig: ClientConfig = { ...toClientConfig(config, withSsl, address), query_timeout: undefined };
    const pool = new Pool({
      ...clientConfig,
      // pg-pool reads connectionTimeoutMillis also as the limit of waiting for a busy pool's free
      // connection: a long COPY on every connection must not fail the next caller. Only connecting is bounded.
      connectionTimeoutMillis: 0,
      Client: class extends Client {
        constructor(options?: ClientConfig) {
          const own: ClientConfig = { ...options, connectionTimeoutMillis: clientConfig.connectionTimeoutMillis };
          // pg-pool keeps the password non-enumerable (out of logs); the spread above drops it.
          Object.defineProperty(own, 'password', { enumerable: false, value: clientConfig.password });
          super(own);
        }
      },
      types: canonicalTypeParsers,
      max: Math.max(1, options.maxConnections ?? 4),
      onConnect: async (client) => {
        await client.query(SESSION_SETTINGS);
      },
    });
    absorbFaults(pool); // an idle connection dropped by the server is discarded by the pool
    try {
      (await pool.connect()).release(); // fail now, with the real cause, not at the first query
      return new PostgresSession(pool, clientConfig, secrets, config);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw classifyPostgresError(err, secrets);
    }
  }

  quoteIdent(name: string): string {
    if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
      // PostgreSQL would silently truncate it and address another object.
      throw new ConnectorError(TestCode.DRIVER_ERROR, `Identifier longer than ${MAX_IDENTIFIER_BYTES} bytes: ${name}`, false);
    }
    return '"' + name.replace(/"/g, '""') + '"';
  }

  qualified(table: TableRef): string {
    return `${this.quoteIdent(table.schema)}.${this.quoteIdent(table.name)}`;
  }

  fail(err: unknown): ConnectorError {
    return classifyPostgresError(err, this.secrets);
  }

  cancelQuery(client: PoolClient): void {
    const pid = (client as unknown as { processID?: number }).processID;
    if (!pid) return;
    const killer = new Client(this.clientConfig);
    absorbFaults(killer);
    void killer
      .connect()
      .then(() => killer.query('SELECT pg_cancel_backend($1)', [pid]))
      .catch(() => undefined)
      .finally(() => void killer.end().catch(() => undefined));
  }

  ensureStateTable(schema: string): Promise<void> {
    let ready = this.stateTables.get(schema);
    if (!ready) {
      ready = checkpoints.createStateTable(this, schema);
      this.stateTables.set(schema, ready);
      const attempt = ready;
      // A failed attempt is tried again next time.
      attempt.catch(() => this.stateTables.get(schema) === attempt && this.stateTables.delete(schema));
    }
    return ready;
  }

  async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.use(fn, false);
  }

  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.use(fn, true);
  }

  private async use<T>(fn: (client: PoolClient) => Promise<T>, transactional: boolean): Promise<T> {
    if (this.closed) throw new ConnectorError(TestCode.DRIVER_ERROR, 'The PostgreSQL session is closed', false);
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.fail(err);
    }
    let broken = false;
    // pg-pool listens for errors of idle clients only: a checked-out client whose server goes away
    // (a restart, a terminated backend) between two queries would emit 'error' to nobody and kill
    // the process. Here it only marks the client broken: the pool drops it, the caller's query fails.
    const stopAbsorbing = absorbFaults(client, { onFault: () => (broken = true) });
    try {
      if (!transactional) return await fn(client);
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (transactional) await client.query('ROLLBACK').catch(() => (broken = true));
      throw this.fail(err);
    } finally {
      stopAbsorbing();
      client.release(broken || undefined);
    }
  }

  async serverVersion(): Promise<string> {
    const { rows } = await this.withClient((c) => c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`));
    return rows[0]!.v;
  }

  async listDatabases(): Promise<string[]> {
    const { rows } = await this.withClient((c) =>
      c.query<{ n: string }>('SELECT datname AS n FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1'),
    );
    return rows.map((r) => r.n);
  }

  async listSchemas(): Promise<string[]> {
    const { rows } = await this.withClient((c) =>
      c.query<{ n: string }>(
        `SELECT nspname AS n FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1`,
      ),
    );
    return rows.map((r) => r.n);
  }

  introspect(schema: string, options: IntrospectOptions = {}): Promise<TableSchema[]> {
    return introspectSchema(this, schema, options);
  }

  read(table: TableRef, options: ReadOptions): AsyncIterable<RowBatch> {
    return readTable(this, table, options);
  }

  /** Same-engine fast path: pages as COPY text for another PostgreSQL session's `writeCopyText`. */
  readCopyText(table: TableRef, options: CopyReadOptions): AsyncIterable<CopyTextBatch> {
    return readCopyText(this, table, options);
  }

  keyBounds(table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
    return readKeyBounds(this, table, column);
  }

  tableBytes(table: TableRef): Promise<number | null> {
    return readTableBytes(this, table);
  }

  openWriter(table: TableRef, options: WriterOptions): Promise<TableWriter> {
    return openPostgresWriter(this, table, options);
  }

  readCheckpoint(table: TableRef, stream: string): Promise<string | null> {
    return checkpoints.readCheckpoint(this, table, stream);
  }

  writeCheckpoint(table: TableRef, stream: string, state: string | null, expected?: string | null): Promise<void> {
    return checkpoints.writeCheckpoint(this, table, stream, state, expected);
  }

  // Capability operations are own properties (plain data on the object, like the declaration).
  readonly createSchema = (schema: string): Promise<void> => createSchema(this, schema);
  readonly exportDdl = (schema: string, options: ExportDdlOptions): Promise<NativeSchemaDdl> =>
    exportSchemaDdl(this, schema, options);
  readonly applyDdl = (schema: string, statements: DdlStatement[]): Promise<void> => applyDdl(this, schema, statements);
  readonly countRows = (table: TableRef, range?: { key: string[]; after: unknown[] | null; until: unknown[] | null }): Promise<number> =>
    countRows(this, table, range);

  readonly checksum = (table: TableRef, columns: string[]): Promise<{ rows: number; checksum: string }> => checksumTable(this, table, columns);
  readonly truncate = (table: TableRef): Promise<void> => ddl.truncate(this, table);
  readonly deleteRows = (table: TableRef, key: string[], keys: unknown[][]): Promise<number> =>
    ddl.deleteRows(this, table, key, keys);
  readonly createTable = (table: TableRef, definition: TableDefinition): Promise<void> => ddl.createTable(this, table, definition);
  readonly dropTable = (table: TableRef): Promise<void> => ddl.dropTable(this, table);
  readonly createTableLike = (like: TableRef, table: TableRef): Promise<void> => ddl.createTableLike(this, like, table);
  readonly addPrimaryKey = (table: TableRef, columns: string[]): Promise<void> => ddl.addPrimaryKey(this, table, columns);
  readonly swapTable = (staging: TableRef, target: TableRef): Promise<void> => ddl.swapTable(this, staging, target);
  readonly setTriggersEnabled = (table: TableRef, enabled: boolean): Promise<void> =>
    ddl.setTriggersEnabled(this, table, enabled);
  readonly dropForeignKeys = (table: TableRef): Promise<ForeignKeySchema[]> => ddl.dropForeignKeys(this, table);
  readonly restoreForeignKeys = (table: TableRef, foreignKeys: ForeignKeySchema[]): Promise<void> =>
    ddl.restoreForeignKeys(this, table, foreignKeys);
  readonly dropIndexes = (table: TableRef): Promise<IndexSchema[]> => ddl.dropIndexes(this, table);
  readonly restoreIndexes = (table: TableRef, indexes: IndexSchema[]): Promise<void> => ddl.restoreIndexes(this, table, indexes);
  readonly dropUniqueConstraints = (table: TableRef): Promise<UniqueConstraint[]> => ddl.dropUniqueConstraints(this, table);
  readonly restoreUniqueConstraints = (table: TableRef, constraints: UniqueConstraint[]): Promise<void> =>
    ddl.restoreUniqueConstraints(this, table, constraints);

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}
