import { mongodbConnector } from './mongodb-connector';

export { mongodbConnector } from './mongodb-connector';
export { mongodbConfigSchema, toClientOptions, isSrv, DEFAULT_DATABASE, type MongoConfig } from './mongodb-config';
export { classifyMongoError } from './mongodb-errors';
export {
  mongodbTypeMapper,
  toCanonical,
  toNative,
  encodeValue,
  decodeValue,
  toPlainJson,
  storageOf,
  mergeStorage,
  fixedFraction,
  dateText,
  checkFieldName,
  checkCollectionName,
  checkDatabaseName,
  CANONICAL_STORAGE,
  LEGACY_STORAGE,
  STORAGE_CANONICAL,
  storageFor,
  standInOf,
  nativeName,
  sampledStorage,
  typeMapperFor,
  decimal128Text,
  MONGODB_SERVER,
  FERRETDB_SERVER,
  DECIMAL128_DIGITS,
  type ServerTraits,
  type Storage,
} from './mongodb-types';
export { describe as describeCollection, indexesOf, PK_INDEX, ID_INDEX, type CollectionMeta, type CollectionInfo, type FieldInfo } from './mongodb-introspect';
export { keysetFilter } from './mongodb-read';
export { dedupeByKey } from './mongodb-write';
export { quoteIdent, MongoSession, SYSTEM_DATABASES } from './mongodb-session';
export { STATE_COLLECTION, SCHEMA_COLLECTION, STAGING_PREFIX, isSluiceCollection } from './mongodb-checkpoint';
export default mongodbConnector;
