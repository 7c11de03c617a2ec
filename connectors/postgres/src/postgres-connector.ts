import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { postgresConfigSchema, type PostgresConfig } from './postgres-config';

// The modules behind a session, a test and the type mapping load the driver: they load on first
// use, so a worker pays (memory, start time) only for the engines its jobs use.
const sessionModule = () => require('./postgres-session') as typeof import('./postgres-session');
const testModule = () => require('./postgres-test') as typeof import('./postgres-test');
const typesModule = () => require('./postgres-types') as typeof import('./postgres-types');

export const postgresConnector: ConnectorPlugin<PostgresConfig> = {
  type: 'postgresql',
  displayName: 'PostgreSQL',
  driver: 'pg',
  connectorType: 'PostgreSQLConnector',
  urlSchemes: ['postgres', 'postgresql'],
  configSchema: postgresConfigSchema,
  // Each one implemented on PostgresSession and covered by test/postgres-session.test.ts.
  // Each batch's checkpoint commits only from the state it continued from (UPDATE … WHERE state = expected).
  checkpointFencing: true,
  capabilities: {
    highPerformanceWriting: true, // COPY … FROM STDIN (text format)
    idempotentWriting: 'PARTIAL', // INSERT … ON CONFLICT needs a primary key or unique constraint
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
  test: (config, options) => testModule().testPostgres(config, options),
  open: (config, options) => sessionModule().PostgresSession.open(config, options),
  get types() {
    return typesModule().postgresTypes;
  },
};
