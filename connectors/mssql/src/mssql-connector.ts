import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { mssqlConfigSchema, type MssqlConfig } from './mssql-config';

// The modules behind a session, a test and the type mapping load the driver: they load on first
// use, so a worker pays (memory, start time) only for the engines its jobs use.
const sessionModule = () => require('./mssql-session') as typeof import('./mssql-session');
const testModule = () => require('./mssql-test') as typeof import('./mssql-test');
const typesModule = () => require('./mssql-types') as typeof import('./mssql-types');

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
  test: (config, options) => testModule().testMssql(config, options),
  open: (config, options) => sessionModule().openMssqlSession(config, options),
  get types() {
    return typesModule().mssqlTypeMapper;
  },
};
