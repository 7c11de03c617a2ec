import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { oracleConfigSchema, type OracleConfig } from './oracle-config';

// The modules behind a session, a test and the type mapping load the driver: they load on first
// use, so a worker pays (memory, start time) only for the engines its jobs use.
const sessionModule = () => require('./oracle-session') as typeof import('./oracle-session');
const testModule = () => require('./oracle-test') as typeof import('./oracle-test');
const typesModule = () => require('./oracle-types') as typeof import('./oracle-types');

export const oracleConnector: ConnectorPlugin<OracleConfig> = {
  type: 'oracle',
  displayName: 'Oracle',
  driver: 'oracledb',
  connectorType: 'OracleConnector',
  urlSchemes: ['oracle', 'oracledb'],
  configSchema: oracleConfigSchema as unknown as ConnectorPlugin<OracleConfig>['configSchema'],
  capabilities: {
    // Array DML: connection.executeMany with bindDefs (one round trip per few thousand rows).
    highPerformanceWriting: true,
    // MERGE on a primary key or unique constraint of the table.
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
  test: (config, options) => testModule().testOracle(config, options),
  open: (config, options) => sessionModule().openOracleSession(config, options),
  get types() {
    return typesModule().oracleTypes;
  },
};
