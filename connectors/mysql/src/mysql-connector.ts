import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { mysqlConfigSchema, type MysqlConfig } from './mysql-config';
import { openMysqlSession } from './mysql-session';
import { testMysql } from './mysql-test';
import { mysqlTypeMapper } from './mysql-types';

export const mysqlConnector: ConnectorPlugin<MysqlConfig> = {
  type: 'mysql',
  displayName: 'MySQL / MariaDB',
  driver: 'mysql2',
  connectorType: 'MySQLMariaDBConnector',
  urlSchemes: ['mysql', 'mariadb'],
  configSchema: mysqlConfigSchema,
  // Each batch's checkpoint commits only from the state it continued from (UPDATE … WHERE state = expected).
  checkpointFencing: true,
  capabilities: {
    // LOAD DATA LOCAL INFILE when @@local_infile is ON, else packet-sized multi-row INSERTs.
    highPerformanceWriting: true,
    // ON DUPLICATE KEY UPDATE needs a primary key or unique constraint on the table.
    idempotentWriting: 'PARTIAL',
    capabilities: {
      IDENTITY_WRITING: true,
      DATA_TRUNCATION: true,
      DATA_DELETION: true,
      INDEX_MANAGEMENT: true,
      FOREIGN_KEY_MANAGEMENT: true,
      UNIQUE_CONSTRAINT_MANAGEMENT: true,
      SCHEMA_MANAGEMENT: true,
    },
    lacking: {
      TRIGGER_MANAGEMENT:
        'MySQL and MariaDB cannot disable a trigger: the only way is DROP TRIGGER and re-creating it, which loses it if the job fails in between',
    },
  },
  test: testMysql,
  open: openMysqlSession,
  // The plugin's mapper is MariaDB ≥ 10.7's (native UUID); a session maps by its server (MySQL: uuid → CHAR(36)).
  types: mysqlTypeMapper(),
};
