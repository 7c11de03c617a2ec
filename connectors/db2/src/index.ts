import { db2Connector } from './db2-connector';

export { db2Connector } from './db2-connector';
export { db2ConfigSchema, connectionString, connValue, sslSettings, rejectUnsupportedHooks, type Db2Config } from './db2-config';
export { loadIbmDb, driverAvailable, driverNotInstalled, setDriverLoader, DRIVER_FIX } from './db2-driver';
export { classifyDb2Error } from './db2-errors';
export { db2TypeMapper, toCanonical, toNative, nativeSpelling, columnCanonical, tagOf, selectExpr, markerExpr, decodeValue, encodeParam, normalizeDecimalText, timestampText } from './db2-types';
export { listSchemasSql, tablesSql, columnsSql, keysSql, foreignKeysSql, indexesSql, assemble, toColumn, groupIndexes } from './db2-introspect';
export { keysetCondition, pageSql, keyBoundsSql } from './db2-read';
export { insertSql, mergeSql, restartIdentitySql, chunkRows, ROWS_PER_STATEMENT } from './db2-write';
export { createTableSql, createTableLikeSql, truncateSql, deleteSql, addForeignKeySql, swapBlockersSql, stagingIndexName, originalIndexName } from './db2-ddl';
export { quoteIdent, parseDbmsVersion } from './db2-session';
export { STATE_TABLE, STAGING_PREFIX, isSluiceTable, stateTableSql, upsertStateSql } from './db2-checkpoint';
export default db2Connector;
