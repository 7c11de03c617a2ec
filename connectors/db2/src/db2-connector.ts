import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { db2ConfigSchema, type Db2Config } from './db2-config';

// The modules behind a session, a test and the type mapping load the driver: they load on first
// use, so a worker pays (memory, start time) only for the engines its jobs use.
const sessionModule = () => require('./db2-session') as typeof import('./db2-session');
const testModule = () => require('./db2-test') as typeof import('./db2-test');
const typesModule = () => require('./db2-types') as typeof import('./db2-types');

/** DB2 LUW through ibm_db, an optional native dependency loaded only by `test` and `open`. */
export const db2Connector: ConnectorPlugin<Db2Config> = {
  type: 'db2',
  displayName: 'IBM Db2',
  driver: 'ibm_db',
  connectorType: 'DB2Connector',
  urlSchemes: ['db2'],
  configSchema: db2ConfigSchema,
  capabilities: {
    // Multi-row INSERT of bound parameters, 1,000 rows a statement (see db2-write.ts for why not
    // ibm_db's array binding or NOT LOGGED INITIALLY).
    highPerformanceWriting: true,
    // MERGE needs a key (primary key or unique constraint) to match on.
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
        'DB2 cannot disable a trigger: the only way is DROP TRIGGER and re-creating it, which loses it if the job fails in between',
    },
  },
  test: (config, options) => testModule().testDb2(config, options),
  open: (config, options) => sessionModule().openDb2Session(config, options),
  get types() {
    return typesModule().db2TypeMapper;
  },
};
