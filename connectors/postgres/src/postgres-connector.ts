import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { postgresConfigSchema, type PostgresConfig } from './postgres-config';
import { PostgresSession } from './postgres-session';
import { testPostgres } from './postgres-test';
import { postgresTypes } from './postgres-types';

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
  test: testPostgres,
  open: (config, options) => PostgresSession.open(config, options),
  types: postgresTypes,
};
