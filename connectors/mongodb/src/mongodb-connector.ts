import type { ConnectorPlugin } from '@sluice/connector-sdk';
import { mongodbConfigSchema, type MongoConfig } from './mongodb-config';
import { openMongoSession } from './mongodb-session';
import { testMongo } from './mongodb-test';
import { mongodbTypeMapper } from './mongodb-types';

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
  test: testMongo,
  open: openMongoSession,
  types: mongodbTypeMapper,
};
