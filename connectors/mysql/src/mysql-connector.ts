import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { mysqlConfigSchema, type MysqlConfig } from './mysql-config';

// The modules behind a session, a test and the type mapping load the driver: they load on first
// use, so a worker pays (memory, start time) only for the engines its jobs use.
const sessionModule = () => require('./mysql-session') as typeof import('./mysql-session');
const testModule = () => require('./mysql-test') as typeof import('./mysql-test');
const typesModule = () => require('./mysql-types') as typeof import('./mysql-types');

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
  test: (config, options) => testModule().testMysql(config, options),
  open: (config, options) => sessionModule().openMysqlSession(config, options),
  // The plugin's mapper is MariaDB ≥ 10.7's (native UUID); a session maps by its server (MySQL: uuid → CHAR(36)).
  get types() {
    return typesModule().mysqlTypeMapper();
  },
};
