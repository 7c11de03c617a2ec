import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { postgresConfigSchema, type PostgresConfig } from './postgres-config';
import { testPostgres } from './postgres-test';

export const postgresConnector: ConnectorPlugin<PostgresConfig> = {
  type: 'postgresql',
  displayName: 'PostgreSQL',
  driver: 'pg',
  connectorType: 'PostgreSQLConnector',
  urlSchemes: ['postgres', 'postgresql'],
  configSchema: postgresConfigSchema,
  // Writing arrives with the connector contract; nothing is declared before it is implemented and tested.
  functionalities: [],
  test: testPostgres,
};
