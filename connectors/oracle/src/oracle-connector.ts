import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { oracleConfigSchema, type OracleConfig } from './oracle-config';
import { openOracleSession } from './oracle-session';
import { testOracle } from './oracle-test';
import { oracleTypes } from './oracle-types';

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
  test: testOracle,
  open: openOracleSession,
  types: oracleTypes,
};
