import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { mssqlConfigSchema, type MssqlConfig } from './mssql-config';
import { openMssqlSession } from './mssql-session';
import { testMssql } from './mssql-test';
import { mssqlTypeMapper } from './mssql-types';

export const mssqlConnector: ConnectorPlugin<MssqlConfig> = {
  type: 'mssql',
  displayName: 'Microsoft SQL Server',
  driver: 'mssql',
  connectorType: 'MsSQLConnector',
  urlSchemes: ['mssql', 'sqlserver'],
  configSchema: mssqlConfigSchema,
  capabilities: {
    // TDS bulk load (mssql Table + request.bulk): straight into the table, or into a #staging table then one set-based statement.
    highPerformanceWriting: true,
    // MERGE … WITH (HOLDLOCK) needs a primary key or unique constraint to match on.
    idempotentWriting: 'PARTIAL',
    capabilities: {
      IDENTITY_WRITING: true,
      DATA_TRUNCATION: true,
      DATA_DELETION: true,
      INDEX_MANAGEMENT: true,
      FOREIGN_KEY_MANAGEMENT: true,
      UNIQUE_CONSTRAINT_MANAGEMENT: true,
      TRIGGER_MANAGEMENT: true,
      SCHEMA_MANAGEMENT: true,
    },
  },
  test: testMssql,
  open: openMssqlSession,
  types: mssqlTypeMapper,
};
