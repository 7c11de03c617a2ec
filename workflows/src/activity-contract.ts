import type { ApplicationMessage, TestConnectionInput } from './job-model';
import type { DiscoveryCounts, RefreshDatabasesInput, RefreshSchemaInput, RefreshSchemasInput, SchemaRefreshCounts } from './refresh-model';
import type { ChunkResult, FinalizeResult, FinishSchemaResult, PreparedTable, RangeInput, SyncInput, SyncPlan, SyncTableInput } from './sync-model';

/**
 * What workflows call and `@sluice/activities` implements. Declared here so
 * that workflows import no activity code, not even for its types.
 */
export interface SluiceActivities {
  /** Answers an application message; never throws for a failed connection. */
  testConnection(input: TestConnectionInput): Promise<ApplicationMessage>;
  /**
   * Resolves the tables and checks the request against the destination's
   * declared functionalities: what is unsupported fails here, non-retryable,
   * before any row moves.
   */
  planSync(input: SyncInput): Promise<SyncPlan>;
  /** Creates the destination table or the replace staging table; disables what the options ask. */
  prepareTable(input: SyncTableInput): Promise<PreparedTable>;
  /**
   * Copies from the last checkpoint committed in the destination, batch by
   * batch (each batch and its checkpoint in one transaction), for a bounded
   * time; heartbeats; on cancel rolls back the open batch and releases every connection.
   */
  copyChunk(input: SyncTableInput & { target: PreparedTable['target']; range: RangeInput | null }): Promise<ChunkResult>;
  /** Completed: swap staging into place, restore what was disabled. Abandoned: restore and drop staging. */
  finalizeTable(input: SyncTableInput & { prepared: PreparedTable; outcome: 'completed' | 'abandoned' }): Promise<FinalizeResult>;
  /**
   * Before the tables, when the job creates any: the destination schema(s) when missing, and (same
   * engine) the types and sequences the created tables need.
   */
  prepareSchema(input: { source: SyncInput['source']; destination: SyncInput['destination']; plan: SyncPlan; runKey: string }): Promise<void>;
  /**
   * After every table COMPLETED: the created tables' foreign keys (within the job) and the
   * source's views over the job's tables; what cannot be carried is reported, not dropped silently.
   */
  finishSchema(input: { source: SyncInput['source']; destination: SyncInput['destination']; plan: SyncPlan; runKey: string; schema?: string }): Promise<FinishSchemaResult>;
  /** Gives the destination table's claim (lease) back, if this run holds it: a run that ends before its prepare returned. */
  releaseTable(input: { destination: SyncInput['destination']; table: { schema: string; name: string }; runKey: string }): Promise<void>;
  /** Health-checks the connection, lists its databases, reconciles the database connections (stable ids). */
  refreshDatabases(input: RefreshDatabasesInput): Promise<DiscoveryCounts>;
  /** Health-checks the database connection, lists its schemas, reconciles the schema connections. */
  refreshSchemas(input: RefreshSchemasInput): Promise<DiscoveryCounts>;
  /**
   * Health-checks (an unhealthy connection is refused, the cache untouched),
   * introspects and writes the cache in batches beside the old one, then
   * switches; only counts come back to the workflow.
   */
  refreshSchema(input: RefreshSchemaInput & { jobId: string }): Promise<SchemaRefreshCounts>;
}
