import type { ReadOptions } from '@sluice/connector-sdk';
import type { ConnectionSpec, Job } from './job-model';

export type SyncMode = 'append' | 'upsert' | 'replace';

/** One source table to sync, with per-table overrides. */
export interface SyncTableSelection {
  schema: string;
  name: string;
  mode?: SyncMode;
  /** Incremental: copy only rows whose cursor column grew since the last committed run. */
  cursorColumn?: string;
  /** Destination table (defaults: the destination schema, the same name). */
  destinationName?: string;
}

/** What a SYNC job is asked to do. */
export interface SyncInput {
  source: ConnectionSpec;
  destination: ConnectionSpec;
  /** Explicit tables … */
  tables?: SyncTableSelection[];
  /** … or every table of a source schema. */
  schema?: string;
  /** Destination schema (default: the destination connection's schema, else the source schema name). */
  destinationSchema?: string;
  mode?: SyncMode;
  cursorColumn?: string;
  /** Ignore the committed cursors: copy everything. */
  fullRefresh?: boolean;
  /** Create missing destination tables from the source schema (SCHEMA_MANAGEMENT). */
  createTables?: boolean;
  /** Same engine: create partitioned source tables as plain tables (default: partitioned, with their partitions). */
  flattenPartitions?: boolean;
  /** Bulk path; default: wherever the destination declares HIGH_PERFORMANCE_WRITING. */
  highPerformance?: boolean;
  disableTriggers?: boolean;
  disableForeignKeys?: boolean;
  rebuildIndexes?: boolean;
  /**
   * Write explicit values into the destination's identity / AUTO_INCREMENT columns. Default: on
   * for tables the job creates (a copy keeps its key values), off for existing tables (a job into
   * an existing identity column is refused, naming this option); `false` also turns it off for
   * created tables (their identity columns then refuse the copy).
   */
  identityInsert?: boolean;
  /**
   * After each table: `count` (default) checks the destination holds as many rows as were written
   * where the job owns the table's rows (created by it, or replaced); `checksum` also compares an
   * engine-side, order-independent checksum of source and destination (same engine); `none` skips.
   */
  verify?: 'count' | 'checksum' | 'none';
  /**
   * MySQL/MariaDB zero dates ('0000-00-00', a zero month or day), which no other engine stores:
   * `error` (default) fails the table naming the column and the row's key; `null` writes NULL in
   * their place (as pgloader does; a table the job creates then lets those columns be NULL).
   * Between MySQL/MariaDB servers they are copied as they are.
   */
  zeroDates?: 'error' | 'null';
  /**
   * Rows per batch (one destination transaction each). Default 10,000, and
   * where the source's reader can (PostgreSQL's COPY pages, MySQL/MariaDB) as
   * many more (up to 100,000) as keep a batch near 4 MiB.
   */
  batchSize?: number;
  /** Tables copied at once (default 4). */
  maxParallelTables?: number;
  /** A full copy of a table estimated at ≥ 2× this many rows splits into key ranges, copied in parallel lanes (default 500,000). */
  splitRows?: number;
  /** …or at ≥ 2× this many bytes (the engine's size of the table: wide rows), a lane per this many (default 128 MiB). */
  splitBytes?: number;
  /** Key ranges of one table copied at once (default 4). */
  maxRangesPerTable?: number;
}

/** A table's plan: refs and names only, never rows or secrets. */
export interface TablePlan {
  source: { schema: string; name: string };
  destination: { schema: string; name: string };
  columns: string[];
  /** Keyset order and resume key (primary key or a NOT NULL unique key). */
  key: string[];
  mode: SyncMode;
  cursorColumn: string | null;
  createTable: boolean;
  rowEstimate: number | null;
  /** What the plan changed for this table (a name the destination cannot take, shortened). */
  warnings?: string[];
  /**
   * Key ranges copied in parallel (possibly on different workers), each
   * with its own checkpoint; null copies the table as one range.
   */
  ranges: KeyRange[] | null;
}

/** Rows with `after < key <= until` (null: unbounded). */
export interface KeyRange {
  after: unknown[] | null;
  until: unknown[] | null;
}

/** Options every table of a sync shares (resolved against the destination's capabilities). */
export interface SyncTableOptions {
  highPerformance: boolean;
  disableTriggers: boolean;
  disableForeignKeys: boolean;
  rebuildIndexes: boolean;
  identityInsert: boolean;
  fullRefresh: boolean;
  batchSize: number;
  /** Bulk pages may grow past batchSize up to this many bytes (set when the job gave no batchSize). */
  batchBytes?: number;
  /** The destination fences its checkpoints (a stale chunk attempt cannot commit): chunks may be retried sooner. */
  fencedCheckpoints?: boolean;
  /**
   * Created tables are built from the source's own DDL (same connector type, compatible server):
   * exact types, constraints, indexes, triggers, partitions; else from canonical types.
   */
  nativeDdl?: boolean;
  flattenPartitions?: boolean;
  /** Unset: as `identityInsert`. True where the table is created by the job (its writer copies key values). */
  identityInsertCreated?: boolean;
  verify?: 'count' | 'checksum' | 'none';
  /** What the source's reader does with MySQL zero dates (unset: `keep`, as before the option). */
  zeroDates?: ReadOptions['zeroDates'];
}

export interface SyncPlan {
  tables: TablePlan[];
  options: SyncTableOptions;
  /** Tables of a whole-schema selection that are not copied, with why (no key to resume on). */
  skipped?: SchemaObjectOutcome[];
}

/** A key range of a table, as one copy lane sees it. */
export interface RangeInput extends KeyRange {
  index: number;
}

export interface SyncTableInput {
  source: ConnectionSpec;
  destination: ConnectionSpec;
  table: TablePlan;
  options: SyncTableOptions;
  /** The sync job's id: a new id starts a new incremental run; the same id resumes. */
  runKey: string;
  /** Totals carried across continue-as-new. */
  carried?: TableCounters & { prepared?: PreparedTable };
}

/** What preparing a destination table changed, to undo or finish afterwards. */
export interface PreparedTable {
  /** Where rows go: the table itself, or a staging table for replace. */
  target: { schema: string; name: string };
  droppedIndexes: unknown[];
  droppedForeignKeys: unknown[];
  triggersDisabled: boolean;
  /** The table was created by this run without its primary key, added once loaded (finalize). */
  deferredPrimaryKey?: string[] | null;
  /** The table was created by this run from the source's DDL without its keys, built once loaded (finalize). */
  deferredKeys?: boolean;
}

export interface TableCounters {
  rowsRead: number;
  rowsWritten: number;
}

/**
 * One bounded stretch of copying, as the copy activity reports it:
 * `rowsRead` by this chunk; `rowsWritten` committed by the whole run so far
 * (read from the checkpoint the destination holds, so exact after retries).
 */
export interface ChunkResult extends TableCounters {
  done: boolean;
}

/** What finalizing reports: the rows this run committed, from the destination's checkpoint. */
export interface FinalizeResult {
  rowsWritten: number;
  /** The post-table check, when it ran. */
  verification?: TableVerification;
  /** Lossy mappings and objects of the table not carried (indexes, triggers, …). */
  warnings?: string[];
}

/** What the post-table check compared. */
export interface TableVerification {
  method: 'count' | 'checksum';
  /** Rows the run wrote (its checkpoints) and, for a checksum, rows the source holds. */
  expected: number;
  /** Rows the destination holds. */
  actual: number;
  checksumSource?: string;
  checksumDestination?: string;
  ok: boolean;
}

/** An object of the source schema, and what became of it in the destination. */
export interface SchemaObjectOutcome {
  object: string;
  /** Tables it concerns (a foreign key: its table; a view: the view). */
  table?: string;
  reason: string;
}

/** What the schema step after the tables did: foreign keys and views created or skipped. */
export interface FinishSchemaResult {
  created: string[];
  skipped: SchemaObjectOutcome[];
}

export type TableState = 'WAITING' | 'RUNNING' | 'COMPLETED' | 'CANCELED' | 'ERROR';

export interface TableProgress extends TableCounters {
  table: string;
  state: TableState;
  rowEstimate: number | null;
  message: string | null;
  verification?: TableVerification;
  /** Lossy type mappings and objects of the table not carried, one sentence each. */
  warnings?: string[];
}

/** The Job object of a SYNC job: Collibra's fields plus counters. */
export interface SyncJob extends Job {
  tablesDone: number;
  tablesTotal: number;
  rowsRead: number;
  rowsWritten: number;
  tables: TableProgress[];
  /** Schema objects created after the tables (foreign keys, views, stored routines). */
  schemaObjects?: string[];
  /** Source objects the copy did not carry, with why (views over tables outside the job, …). */
  skipped?: SchemaObjectOutcome[];
  /** Rows committed per second since the start (the client adds it; the workflow does not keep it). */
  rowsPerSecond?: number | null;
  /** Seconds left at that rate for the rows the tables' estimates still expect (client-side, RUNNING only). */
  etaSeconds?: number | null;
  /** Seconds from the start to now, or to the end (client-side). */
  elapsedSeconds?: number | null;
}
