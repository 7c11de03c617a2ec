import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { db2ConfigSchema, type Db2Config } from './db2-config';
import { openDb2Session } from './db2-session';
import { testDb2 } from './db2-test';
import { db2TypeMapper } from './db2-types';

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
  test: testDb2,
  open: openDb2Session,
  types: db2TypeMapper,
};
