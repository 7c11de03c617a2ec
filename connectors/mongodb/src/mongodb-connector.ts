import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { mongodbConfigSchema, type MongoConfig } from './mongodb-config';

// The modules behind a session, a test and the type mapping load the driver: they load on first
// use, so a worker pays (memory, start time) only for the engines its jobs use.
const sessionModule = () => require('./mongodb-session') as typeof import('./mongodb-session');
const testModule = () => require('./mongodb-test') as typeof import('./mongodb-test');
const typesModule = () => require('./mongodb-types') as typeof import('./mongodb-types');

export const mongodbConnector: ConnectorPlugin<MongoConfig> = {
  type: 'mongodb',
  displayName: 'MongoDB',
  driver: 'mongodb',
  connectorType: 'MongoDBConnector',
  urlSchemes: ['mongodb', 'mongodb+srv'],
  configSchema: mongodbConfigSchema,
  capabilities: {
    // Unordered bulkWrite of replaceOne-upserts keyed by _id.
    highPerformanceWriting: true,
    // Every document has an _id: upsert needs no extra key on the collection.
    idempotentWriting: 'FULL',
    capabilities: {
      DATA_TRUNCATION: true,
      DATA_DELETION: true,
      INDEX_MANAGEMENT: true,
      UNIQUE_CONSTRAINT_MANAGEMENT: true,
      SCHEMA_MANAGEMENT: true,
    },
    lacking: {
      IDENTITY_WRITING:
        'MongoDB has no generated column values to move past: _id and every field are always written as given (an ObjectId is generated only when no key is written)',
      FOREIGN_KEY_MANAGEMENT: 'MongoDB has no foreign keys',
      TRIGGER_MANAGEMENT: 'MongoDB has no triggers (Atlas triggers are outside the database)',
    },
  },
  test: (config, options) => testModule().testMongo(config, options),
  open: (config, options) => sessionModule().openMongoSession(config, options),
  get types() {
    return typesModule().mongodbTypeMapper;
  },
};
