import type { Job } from './job-model';

/** REFRESH_DATABASES: the databases behind a catalog connection become database connections. */
export interface RefreshDatabasesInput {
  connectionId: string;
}

/** REFRESH_SCHEMAS: the schemas of a database connection become schema connections. */
export interface RefreshSchemasInput {
  databaseConnectionId: string;
}

/** REFRESH_SCHEMA: tables, columns, keys, indexes and foreign keys into the schema cache. */
export interface RefreshSchemaInput {
  connectionId: string;
  /** Only these schemas (default: the connection's schema if it names one, else every schema). */
  schemas?: string[];
}

/** What a discovery refresh found: counts only (names and ids stay in the catalog). */
export interface DiscoveryCounts {
  seen: number;
  added: number;
  relinked: number;
  unlinked: number;
}

export interface SchemaRefreshCounts {
  schemas: number;
  tables: number;
  columns: number;
}

/** The Job object of a refresh, with what it found so far. */
export interface RefreshJob extends Job {
  counts: DiscoveryCounts | SchemaRefreshCounts | null;
}
