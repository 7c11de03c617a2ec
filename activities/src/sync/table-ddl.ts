import type { ConnectorSession, DdlStatement, ForeignKeySchema, IndexSchema, TableRef } from '@sluice/connector-sdk';
import type { TablePlan } from '@sluice/workflows';

/**
 * What a created table still needs after its rows, kept in the destination's `_sluice_state`
 * (not in workflow history: a table's DDL can run to many kilobytes) from its prepare to the
 * job's end: keys deferred past the load, indexes and triggers (the table's finalize), foreign
 * keys (the job's schema step, once every table is in), and the warnings to report.
 */
export interface TableDdlRecord {
  runKey: string;
  /** Built from the source's own DDL (same engine), else from canonical types. */
  native: boolean;
  /** Native: keys built after the load (deferred), then indexes, then `after` (triggers, comments). */
  keys: DdlStatement[];
  indexes: DdlStatement[];
  after: DdlStatement[];
  foreignKeys: (DdlStatement & { referencedSchema: string; referencedTable: string })[];
  /** Canonical: secondary indexes by columns, and foreign keys (source names). */
  canonicalIndexes: IndexSchema[];
  canonicalForeignKeys: ForeignKeySchema[];
  /** Lossy mappings and objects of the table not carried, one sentence each. */
  warnings: string[];
}

/** The record's stream: one per source table feeding the destination table. */
export const ddlStreamOf = (table: TablePlan): string => `${table.source.schema}.${table.source.name}#ddl`;

export async function saveTableDdl(d: ConnectorSession, table: TablePlan, record: TableDdlRecord): Promise<void> {
  await d.writeCheckpoint(table.destination, ddlStreamOf(table), JSON.stringify(record));
}

/** This run's record for the table, or null (none, or another run's). */
export async function loadTableDdl(d: ConnectorSession, table: TablePlan, runKey: string): Promise<TableDdlRecord | null> {
  const stored = await d.readCheckpoint(table.destination, ddlStreamOf(table));
  const record = stored ? (JSON.parse(stored) as TableDdlRecord) : null;
  return record?.runKey === runKey ? record : null;
}

export async function clearTableDdl(d: ConnectorSession, table: TablePlan): Promise<void> {
  await d.writeCheckpoint(table.destination, ddlStreamOf(table), null);
}

export const tableName = (t: TableRef): string => `${t.schema}.${t.name}`;
