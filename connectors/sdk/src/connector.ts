import type { z } from 'zod';
import type { CapabilityDeclaration } from './functionalities';
import type { ApplicationMessage } from './messages';
import type { RelationalConfig } from './config';
import type { CanonicalType } from './canonical-types';
import type { ColumnSchema, IndexSchema, ForeignKeySchema, NativeSchemaDdl, DdlStatement, TableRef, TableSchema, UniqueConstraint } from './schema';

export interface TestOptions {
  /** Aborts the attempt (e.g. the activity was cancelled). */
  signal?: AbortSignal;
}

/**
 * What a connector package default-exports: data about the engine plus
 * `test` and `open`. Everything else happens on a session.
 */
export interface ConnectorPlugin<C extends RelationalConfig = RelationalConfig> {
  /** Sluice's engine name, e.g. `postgresql`. */
  readonly type: string;
  readonly displayName: string;
  /** The npm driver it uses, e.g. `pg`. */
  readonly driver: string;
  /** Syntho's discriminator value of `connector_type`, e.g. `PostgreSQLConnector`. */
  readonly connectorType: string;
  /** URL schemes it answers, e.g. `postgres`, `postgresql`. */
  readonly urlSchemes: readonly string[];
  readonly configSchema: z.ZodType<C, any>;
  /**
   * What it can do when writing, as flat data; the Syntho `functionalities`
   * are computed from it (see `functionalitiesOf`). Declared = implemented
   * and proven by the contract testkit.
   */
  readonly capabilities: CapabilityDeclaration;
  /**
   * Whether writers honour `Checkpoint.expected` (fencing): a batch commits
   * only while the stored state is the one it continued from. The contract
   * testkit proves it where declared.
   */
  readonly checkpointFencing?: boolean;
  /**
   * Connects, authenticates and reads the server version. Never throws for a
   * failed connection: the cause is answered as an application message with
   * a stable code, secrets removed.
   */
  test(config: C, options?: TestOptions): Promise<ApplicationMessage>;
  /** Opens a session (a small pool of connections); throws ConnectorError. */
  open(config: C, options?: SessionOptions): Promise<ConnectorSession>;
  /** Native ⇄ canonical type mapping, pure, for docs and tests. */
  readonly types: TypeMapper;
}

export interface SessionOptions {
  /** Upper bound of connections the session may hold at once (default 4). */
  maxConnections?: number;
}

export interface TypeMapper {
  /** Canonical type of a native type as the catalog spells it. */
  toCanonical(nativeType: string): CanonicalType;
  /** The native DDL type that holds a canonical type exactly (or as closely as the engine can). */
  toNative(type: CanonicalType): string;
  /**
   * Optional: when `toNative(type)` holds the type's values only as a stand-in (e.g. MongoDB keeps
   * a decimal as its exact text where the server has no Decimal128), what that means and why, as
   * the end of a sentence; undefined when the native type holds it as such. A sync warns per column.
   */
  standIn?(type: CanonicalType): string | undefined;
}

export interface IntrospectOptions {
  /** Views as well as tables (Syntho `include_views`; defaults to the config's). */
  includeViews?: boolean;
  /** Only these tables (names in the schema); default all. */
  tables?: string[];
}

export interface ExportDdlOptions {
  /** Tables of the schema to export (missing ones are left out). */
  tables: string[];
  /** The schema's views as well. */
  includeViews?: boolean;
  /** Partitioned tables as plain tables (their partitions not created): `--flatten-partitions`. */
  flattenPartitions?: boolean;
}

export interface ReadOptions {
  /** Columns to read, in this order (default: all, in table order). */
  columns?: string[];
  /**
   * MySQL/MariaDB zero dates ('0000-00-00', '2024-00-10', '2024-01-00 10:00:00'): `keep` (default)
   * as they are; `null` as NULL; `error` fails the read naming the column and the row's key.
   * (Readers of engines without zero dates ignore it.)
   */
  zeroDates?: 'keep' | 'null' | 'error';
  /** Key columns the read is ordered by and resumed on (keyset pagination). */
  key: string[];
  /** Resume strictly after this key (canonical values of `key`). */
  after?: unknown[] | null;
  /**
   * Stop after this key, inclusive (canonical values of `key`): the read
   * returns rows with `after < key <= until` in row-value order, ANDed with
   * `since`. With `after`, it reads one key range of a table, so a large
   * table can be copied as several consecutive ranges in parallel (split
   * points from `keyBounds`, e.g.); `until` not above `after` reads nothing.
   */
  until?: unknown[] | null;
  /** Only rows whose `column` is greater than `value` (incremental sync). */
  since?: { column: string; value: unknown } | null;
  /** Rows per batch (default 10,000). */
  batchSize?: number;
  /**
   * Pages of about this many bytes: past `batchSize` rows up to 10× it
   * (narrow rows, then in fewer, larger transactions). A reader that holds
   * whole pages (PostgreSQL's `readCopyText`) also makes pages of wide rows
   * smaller, down to a tenth of `batchSize`, starting with such a page.
   * Unset: exactly `batchSize`. (PostgreSQL's `readCopyText` and `read`,
   * MySQL's `read`; others may ignore it.)
   */
  batchBytes?: number;
  /**
   * Yield each page in parts of about this many bytes as its rows arrive
   * (`RowBatch.more` on all but a page's last part), so a consumer that
   * encodes each part at once never holds a whole page of decoded rows:
   * they die young instead of in the old generation. Pages (queries) stay
   * as `batchSize`/`batchBytes` make them. (PostgreSQL's and MySQL's
   * `read`; others may ignore it and yield whole pages.)
   */
  partBytes?: number;
  signal?: AbortSignal;
}

export interface CopyReadOptions extends ReadOptions {
  columns: string[];
  /**
   * The destination is a server of the same version whose columns have the
   * same native types as these: the engine may send its binary bulk format
   * (cheaper to produce and to load). It still falls back to text where
   * binary would not carry the same values (user-defined types, keys it
   * cannot decode); each batch says its format.
   */
  binary?: boolean;
}

export interface RowBatch {
  /** Rows as arrays in the order of the read's columns, canonical values. */
  rows: unknown[][];
  /** The key of the last row: pass it as `after` to resume. */
  last: unknown[];
  /**
   * More parts of the same page follow (`ReadOptions.partBytes`): a consumer
   * may write the parts of a page together. Unset on a page's last part and
   * on every batch of a read without `partBytes`.
   */
  more?: boolean;
}

/** A batch of `readCopyText`: `rows` rows of the engine's bulk format, and the key of the last one. */
export interface CopyTextBatch {
  text: Buffer;
  rows: number;
  /** `binary` only when the read was asked for it and the engine could (PostgreSQL: COPY binary); default text. */
  format?: CopyFormat;
  /** The key of the last row (canonical values): pass it as `after` to resume. */
  last: unknown[];
  /**
   * Hands `text`'s memory back to the read for a later page, once the
   * consumer is done with it (its write settled). Optional on both sides: a
   * read may recycle its page buffers (a page a consumer holds across awaits
   * outlives the young generation, so a fresh buffer per page is old-space
   * garbage until the next full GC: ~100 MiB of it on a fast copy); a
   * consumer that never calls it only gets fresh buffers. `text` must not be
   * used after.
   */
  release?(): void;
}

/** The engine's bulk text, or its binary bulk format (only between columns of identical native types). */
export type CopyFormat = 'text' | 'binary';

export type WriteMode = 'append' | 'upsert';

export interface WriterOptions {
  /** Columns of each row, in order. */
  columns: string[];
  mode: WriteMode;
  /** The conflict key for upsert (a primary key or unique constraint of the table). */
  key?: string[];
  /** Use the engine's bulk path (COPY, LOAD DATA, …); requires HIGH_PERFORMANCE_WRITING. */
  highPerformance?: boolean;
  /** Write explicit values into identity columns and move the generator past them (IDENTITY_WRITING). */
  identityInsert?: boolean;
}

/**
 * Sync state kept with the data it describes (as dlt does): a row of the
 * destination schema's `_sluice_state` table, keyed by table and stream.
 */
export interface Checkpoint {
  stream: string;
  /** Opaque to the connector (JSON written by the sync activities). */
  state: string;
  /**
   * Fencing: the state this batch continues from (null: no state row yet).
   * A writer that fences commits only while the stored state still equals it,
   * else fails with CHECKPOINT_CONFLICT and nothing of the batch commits, so
   * a stale attempt of a timed-out activity can never write a batch twice.
   * Undefined: no check. PostgreSQL and MySQL/MariaDB fence; MongoDB's writes
   * are keyed by `_id` (a repeat converges instead of duplicating).
   */
  expected?: string | null;
}

/** A batch a `TableWriter` has already checked and encoded (`TableWriter.prepare`). */
export interface PreparedBatch {
  /** Rows it writes (after an upsert's dedupe by key). */
  readonly rows: number;
  /**
   * Adds rows to the batch (the next part of a page: an upsert dedupes each
   * part by key, so parts must not repeat each other's keys, as a keyset
   * read's never do).
   */
  add(rows: unknown[][]): void;
  /** Writes it and the checkpoint in one transaction, like `TableWriter.write`. Once. */
  write(checkpoint?: Checkpoint): Promise<number>;
  /** Gives its buffers back without writing (a batch read ahead that will not be written). */
  release?(): void;
}

export interface TableWriter {
  /**
   * Writes one batch in one transaction: all rows or none. With a checkpoint,
   * the state row is written in that same transaction, so a batch and its
   * checkpoint commit together or not at all. Returns rows written.
   */
  write(rows: unknown[][], checkpoint?: Checkpoint): Promise<number>;
  /**
   * Same-engine fast path (see `ConnectorSession.readCopyText`): appends one
   * batch given as the engine's own bulk text (PostgreSQL: COPY text, the
   * writer's columns in order) and writes the checkpoint in that same
   * transaction, exactly like `write`. Append and bulk upsert writers. `format`
   * is the batch's (`CopyTextBatch.format`). Returns rows written.
   */
  writeCopyText?(text: Buffer, rows: number, checkpoint?: Checkpoint, format?: CopyFormat): Promise<number>;
  /**
   * Encodes a batch for writing now and writes it later: `prepare(rows).write(cp)`
   * does exactly what `write(rows, cp)` does. A caller that reads ahead holds the
   * prepared batch (the engine's bulk bytes: a fraction of what the decoded rows
   * weigh on the heap) instead of the rows, which it may drop once prepared.
   */
  prepare?(rows: unknown[][]): PreparedBatch;
  /** Ends the writer (moves identity generators past written values when identityInsert). */
  close(): Promise<void>;
}

/**
 * One open connection target. Capability operations exist when the
 * connector declares the capability; each is proven by the testkit.
 */
export interface ConnectorSession {
  /** Server version string. */
  serverVersion(): Promise<string>;
  listDatabases(): Promise<string[]>;
  /** Schemas (PostgreSQL schemas, MySQL databases, Oracle owners) without system ones. */
  listSchemas(): Promise<string[]>;
  /** Tables of a schema with columns, keys, indexes, foreign keys: a constant number of catalog queries. */
  introspect(schema: string, options?: IntrospectOptions): Promise<TableSchema[]>;
  /** Batches in key order, resumable from `after`, bounded by `until`, with constant memory. */
  read(table: TableRef, options: ReadOptions): AsyncIterable<RowBatch>;
  /**
   * Same-engine fast path: the batches of `read` (same keyset pages, same
   * `after`/`until`/`since`/`batchSize`/`signal`), each as the engine's own
   * bulk text of `columns` instead of decoded values, for a `TableWriter.writeCopyText`
   * of the same connector type. Only the key of each batch's last row is decoded
   * (`last`, canonical like `read`'s), so `key` must be among `columns`.
   *
   * Used only between sessions of the same connector type, for append mode,
   * when the destination columns have the same (canonical) types as the source's:
   * then the text means the same rows on both sides.
   */
  readCopyText?(table: TableRef, options: CopyReadOptions): AsyncIterable<CopyTextBatch>;
  /**
   * The smallest and largest value of `column` in the table, as canonical
   * values decoded like a read's (int64 as a string, …), in one
   * `SELECT MIN(c), MAX(c)` query: where to split a key range for parallel
   * reads. Null when the table is empty (or the column holds only NULLs).
   */
  keyBounds(table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null>;
  /**
   * The table's data size in bytes as the engine keeps it (file sizes or
   * catalog statistics: no scan), or null when unknown. A wide table is split
   * into lanes by its bytes as a narrow one is by its rows.
   */
  tableBytes?(table: TableRef): Promise<number | null>;
  openWriter(table: TableRef, options: WriterOptions): Promise<TableWriter>;
  /** The engine's identifier quoting (never string-concatenate a raw name into SQL). */
  quoteIdent(name: string): string;
  /** Where tables go when a job names no schema: PostgreSQL's schema_name or public; MySQL's database. */
  readonly defaultSchema: string;
  /**
   * This server's own type mapping, when it depends on the server (MongoDB: Decimal128 only where
   * the server has it); the plugin's `types` otherwise. Tables a sync creates are made, and their
   * lossy columns warned about, by this one.
   */
  readonly types?: TypeMapper;

  /** The committed state of `stream` for `table` (null when none). */
  readCheckpoint(table: TableRef, stream: string): Promise<string | null>;
  /**
   * Sets (or with null, clears) the state of `stream` for `table`, in its own transaction. With
   * `expected` (a state, or null for none), a connector that fences (`checkpointFencing`) writes
   * only while the stored state is that one, else fails CHECKPOINT_CONFLICT: a compare-and-set.
   * Others ignore it.
   */
  writeCheckpoint(table: TableRef, stream: string, state: string | null, expected?: string | null): Promise<void>;

  /** DATA_TRUNCATION */
  truncate?(table: TableRef): Promise<void>;
  /** DATA_DELETION: deletes the rows with these key values; returns rows deleted. */
  deleteRows?(table: TableRef, key: string[], keys: unknown[][]): Promise<number>;
  /** SCHEMA_MANAGEMENT: creates a table from canonical columns (+ primary key and unique constraints). */
  createTable?(table: TableRef, definition: TableDefinition): Promise<void>;
  /**
   * SCHEMA_MANAGEMENT, optional: adds a primary key on `columns` after a load
   * into a table created without it (one sorted index build instead of an
   * index insert per row). A no-op when the table already has it; fails,
   * naming the table, when the rows hold duplicate or NULL keys.
   */
  addPrimaryKey?(table: TableRef, columns: string[]): Promise<void>;
  /**
   * SCHEMA_MANAGEMENT: creates the schema (PostgreSQL schema, MySQL database, …) when it does not
   * exist; a no-op when it does. `--create-tables` into a new destination schema.
   */
  createSchema?(schema: string): Promise<void>;
  /**
   * SCHEMA_MANAGEMENT, same engine: the tables (and with `includeViews`, the views) of `schema`
   * as this engine's own DDL, for `applyDdl` on a session of the same connector type. Tables
   * that do not exist are left out.
   */
  exportDdl?(schema: string, options: ExportDdlOptions): Promise<NativeSchemaDdl>;
  /**
   * SCHEMA_MANAGEMENT, same engine: runs statements of an `exportDdl` (of a session of the same
   * connector type) in `schema`, in order. Idempotent, so a retried step can run it again: a
   * statement whose object exists already is skipped (not an error).
   */
  applyDdl?(schema: string, statements: DdlStatement[]): Promise<void>;
  /**
   * Rows of `table` (the whole table, or with `key`, those with `after < key <= until` like a
   * read's range), counted by the engine: a copy's check that the destination holds what was written.
   */
  countRows?(table: TableRef, range?: { key: string[]; after: unknown[] | null; until: unknown[] | null }): Promise<number>;
  /**
   * An order-independent checksum of `columns` over the table's rows, computed by the engine (no
   * row leaves the server), with the row count. Equal between two tables of the same engine whose
   * columns have the same types and values: `--verify checksum` of a same-engine copy.
   */
  checksum?(table: TableRef, columns: string[]): Promise<{ rows: number; checksum: string }>;
  /** SCHEMA_MANAGEMENT */
  dropTable?(table: TableRef): Promise<void>;
  /** SCHEMA_MANAGEMENT: an empty table shaped exactly like `like` (columns, keys, indexes), for a replace's staging. */
  createTableLike?(like: TableRef, table: TableRef): Promise<void>;
  /** SCHEMA_MANAGEMENT: puts `staging` in `target`'s place atomically (readers see old or new, never empty) and drops the old one. */
  swapTable?(staging: TableRef, target: TableRef): Promise<void>;
  /** TRIGGER_MANAGEMENT: user triggers off / on. */
  setTriggersEnabled?(table: TableRef, enabled: boolean): Promise<void>;
  /** FOREIGN_KEY_MANAGEMENT: drops the table's foreign keys, returns them for `restoreForeignKeys`. */
  dropForeignKeys?(table: TableRef): Promise<ForeignKeySchema[]>;
  restoreForeignKeys?(table: TableRef, foreignKeys: ForeignKeySchema[]): Promise<void>;
  /** INDEX_MANAGEMENT: drops secondary (non-unique, non-key) indexes, returns them for `restoreIndexes`. */
  dropIndexes?(table: TableRef): Promise<IndexSchema[]>;
  restoreIndexes?(table: TableRef, indexes: IndexSchema[]): Promise<void>;
  /** UNIQUE_CONSTRAINT_MANAGEMENT: drops unique constraints (not the primary key), returns them. */
  dropUniqueConstraints?(table: TableRef): Promise<UniqueConstraint[]>;
  restoreUniqueConstraints?(table: TableRef, constraints: UniqueConstraint[]): Promise<void>;

  /** Releases every connection. Idempotent. */
  close(): Promise<void>;
}

/** What `createTable` needs: canonical columns and keys, typically from another engine's introspection. */
export interface TableDefinition {
  /**
   * `nativeType`: the source's own spelling, when the definition comes from an introspection (a
   * connector may keep its own engine's exact storage by it: MongoDB's sampled BSON types).
   */
  columns: (Pick<ColumnSchema, 'name' | 'type' | 'nullable' | 'identityNext'> & { identity?: boolean; nativeType?: string })[];
  primaryKey: string[] | null;
  uniqueConstraints?: UniqueConstraint[];
}
